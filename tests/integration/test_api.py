"""The REST API over a synced store, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from crossdock.interfaces.api.app import create_api
from crossdock.persistence.tables import push_deliveries
from tests.contract.harness import T0, since
from tests.contract.harnesses.shopee import ShopeeHarness


@dataclass
class Synced:
    h: ShopeeHarness
    client: TestClient
    store_id: int
    ext: str


@pytest.fixture
def synced(database_url: str, tmp_path: Path) -> Iterator[Synced]:
    h = ShopeeHarness(database_url, tmp_path)
    store_id, ext = h.connect_store("SG")
    h.seed_orders(ext, 180, since(10), T0 - timedelta(hours=1))
    with TestClient(create_api(h.app)) as client:
        assert client.post(f"/api/stores/{store_id}/sync?wait=true").json()["state"] == "succeeded"
        yield Synced(h, client, store_id, ext)
    h.close()


def test_health_and_openapi(synced: Synced) -> None:
    client = synced.client
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["orders"] == 180 and health["stores"] == 1
    spec = client.get("/api/openapi.json").json()
    assert {"/api/orders", "/api/orders/{order_id}", "/api/stores/{store_id}/sync", "/api/sync/runs",
            "/api/quarantine", "/api/stores"} <= set(spec["paths"])


def test_keyset_pages_cover_every_order_once(synced: Synced) -> None:
    client = synced.client
    seen: list[str] = []
    cursor = None
    while True:
        page = client.get("/api/orders", params={"limit": 37, **({"cursor": cursor} if cursor else {})}).json()
        seen += [o["platform_order_id"] for o in page["items"]]
        stamps = [o["created_at"] for o in page["items"]]
        assert stamps == sorted(stamps, reverse=True)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 180


def test_filters(synced: Synced) -> None:
    h, client, store_id = synced.h, synced.client, synced.store_id
    truth = h.truth(synced.ext)
    ready = {k for k, p in truth.items() if p["order_status"] == "READY_TO_SHIP"}
    got = client.get("/api/orders", params={"status": "pending_review", "limit": 500}).json()["items"]
    assert {o["platform_order_id"] for o in got} == ready
    assert all(o["total"]["amount"] and isinstance(o["total"]["amount"], str) for o in got)
    recent = client.get("/api/orders", params={"created_from": (T0 - timedelta(days=2)).isoformat(),
                                               "store_id": store_id, "platform": "shopee", "limit": 500}).json()
    assert all(o["created_at"] >= (T0 - timedelta(days=2)).isoformat().replace("+00:00", "Z")
               for o in recent["items"])
    assert client.get("/api/orders", params={"platform": "lazada"}).json()["items"] == []


def test_order_detail_and_not_found_problem(synced: Synced) -> None:
    client = synced.client
    first = client.get("/api/orders", params={"limit": 1}).json()["items"][0]
    detail = client.get(f"/api/orders/{first['id']}").json()
    assert detail["platform_order_id"] == first["platform_order_id"]
    assert detail["items"] and detail["raw"]["order_sn"] == first["platform_order_id"]
    assert detail["history"][0]["old_status"] is None
    missing = client.get("/api/orders/999999")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404 and "999999" in missing.json()["detail"]


def test_bad_input_is_a_problem_not_a_crash(synced: Synced) -> None:
    client = synced.client
    naive = client.get("/api/orders", params={"created_from": "2026-11-01T00:00:00"})
    assert naive.status_code == 422 and "timezone" in naive.json()["detail"]
    assert client.get("/api/orders", params={"status": "teleported"}).status_code == 422
    assert client.get("/api/orders", params={"cursor": "garbage"}).status_code == 422
    bad_store = client.post("/api/stores", json={"platform": "nowhere", "external_id": "1", "name": "x",
                                                 "region": "SG", "currency": "SGD"})
    assert bad_store.status_code == 422 and bad_store.headers["content-type"] == "application/problem+json"
    assert client.post("/api/stores/4242/sync").status_code == 404


def test_sync_runs_queue_and_quarantine(synced: Synced) -> None:
    client, store_id = synced.client, synced.store_id
    runs = client.get("/api/sync/runs", params={"store_id": store_id}).json()
    assert runs[0]["orders_new"] == 180 and runs[0]["state"] == "succeeded"
    queued = client.post(f"/api/stores/{store_id}/sync", json={"since": (T0 - timedelta(days=1)).isoformat()})
    assert queued.status_code == 202
    client.app.state.jobs.shutdown(wait=True)  # type: ignore[attr-defined]
    assert client.get("/api/sync/runs", params={"store_id": store_id}).json()[0]["trigger"] == "api"
    assert client.get("/api/quarantine").json() == []
    stores = client.get("/api/stores").json()
    assert stores[0]["authorized"] and stores[0]["health"] == "ok" and stores[0]["orders"] == 180
    check = client.get(f"/api/stores/{store_id}/count-check",
                       params={"since": (T0 - timedelta(days=11)).isoformat(), "until": T0.isoformat()}).json()
    assert check["ok"] and check["platform_count"] == 180


def test_pushes_that_cannot_be_read_are_kept_not_crashed_on(synced: Synced) -> None:
    client = synced.client
    unknown = client.post("/api/webhooks/nowhere", content=b"{}")
    assert unknown.status_code == 422 and unknown.headers["content-type"] == "application/problem+json"
    forged = client.post("/api/webhooks/shopee", content=b'{"code":3}', headers={"Authorization": "00"})
    assert forged.status_code == 401


    with synced.h.app.engine.connect() as conn:
        kept = conn.execute(select(push_deliveries.c.state, push_deliveries.c.body, push_deliveries.c.headers)).all()
    assert [(k.state, k.body) for k in kept] == [("rejected", '{"code":3}')]
    assert kept[0].headers["authorization"] == "***"   # signatures are not kept in clear
