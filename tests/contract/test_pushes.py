"""Pushes, for every platform that pushes: a verified push pulls its order at once; a re-delivered push is a
no-op; a forged one is rejected and kept. Over the real API app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from crossdock.emulators.shopee.transport import ASGISyncTransport
from crossdock.interfaces.api.app import create_api
from crossdock.jobs.runner import JobRunner
from crossdock.persistence.tables import orders, push_deliveries, push_events
from crossdock.services.order_sync import PullOrders
from tests.contract.harness import T0, Harness, since


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[httpx.Request, bytes, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        response.read()
        self.sent.append((request, body, response.status_code))
        return response


@dataclass
class Wired:
    h: Harness
    runner: JobRunner
    recorder: Recording
    api: httpx.Client
    url: str


@pytest.fixture
def wired(harness: Harness) -> Iterator[Wired]:
    if not harness.pushes:
        pytest.skip(f"{harness.platform} does not push")
    runner = JobRunner(workers=1)
    transport = ASGISyncTransport(create_api(harness.app, runner))
    url = f"http://crossdock.test/api/webhooks/{harness.platform}"
    recorder = Recording(transport)
    harness.subscribe(url, recorder)
    with httpx.Client(transport=transport, base_url="http://crossdock.test") as client:
        yield Wired(harness, runner, recorder, client, url)
    runner.shutdown()


def _count(w: Wired, table: object) -> int:
    with w.h.app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _status(w: Wired, order_id: str) -> str:
    with w.h.app.engine.connect() as conn:
        return str(conn.execute(select(orders.c.platform_status)
                                .where(orders.c.platform_order_id == order_id)).scalar_one())


def _change_one(w: Wired) -> tuple[int, str]:
    h = w.h
    store_id, ext = h.connect_store(h.region())
    h.seed_orders(ext, 12, since(2), T0 - timedelta(hours=1))
    assert h.app.sync.pull(PullOrders(store_id)).state == "succeeded"
    w.recorder.sent.clear()     # pushes sent while seeding are not this test's
    target = sorted(h.truth(ext))[0]
    h.clock.advance(minutes=3)
    h.set_status(ext, target, h.shipped_status())
    w.runner.drain()
    return store_id, target


def test_a_push_pulls_its_order_at_once(wired: Wired) -> None:
    store_id, target = _change_one(wired)
    assert wired.recorder.sent and all(code == 200 for _, _, code in wired.recorder.sent)
    assert _status(wired, target) == wired.h.shipped_status()
    last = wired.h.app.sync.runs(store_id)[0]
    assert last.trigger == "push" and last.state == "succeeded" and last.orders_updated >= 1


def test_a_redelivered_push_changes_nothing(wired: Wired) -> None:
    store_id, _ = _change_one(wired)
    runs, events = len(wired.h.app.sync.runs(store_id)), _count(wired, push_events)
    request, body, _ = wired.recorder.sent[-1]
    again = wired.api.post(wired.url, content=body, headers=dict(request.headers))
    wired.runner.drain()
    assert again.status_code == 200
    assert _count(wired, push_events) == events and len(wired.h.app.sync.runs(store_id)) == runs


def test_a_forged_push_is_rejected_and_kept(wired: Wired) -> None:
    if not wired.h.pushes_signed:
        pytest.skip(f"{wired.h.platform} does not sign its pushes; they only trigger a re-read")
    _change_one(wired)
    request, body, _ = wired.recorder.sent[-1]
    forged = body.replace(b"}", b' ,"x":1}', 1) if b"}" in body else body + b" "
    answer = wired.api.post(wired.url, content=forged, headers=dict(request.headers))
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json", answer.text
    with wired.h.app.engine.connect() as conn:
        state = conn.execute(select(push_deliveries.c.state).order_by(push_deliveries.c.id.desc())).first()
    assert state is not None and state[0] == "rejected"
