"""The seller cancels orders and their marketplace is told: stock released and the cancellation recorded in one
transaction, sent afterwards, retried while the platform cannot take it, a refusal kept in the platform's words,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from crossdock.bootstrap import App
from crossdock.connectors._kit.registry import Registry
from crossdock.domain.orders.status import OrderStatus
from crossdock.jobs.tasks import fulfilment_round
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CancelReason, ShipmentNotice
from crossdock.services.cancellation import MAX_ATTEMPTS
from crossdock.services.inventory import AddSku, AddWarehouse, Adjust
from crossdock.services.order_sync import PullOrders
from tests.contract.harness import T0
from tests.fakes import FakeMarket, add_store, fake_app, listing, order

World = tuple[App, FakeMarket, ManualClock, int]


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    clock = ManualClock(T0)
    app, market = fake_app(database_url, tmp_path, clock)
    app.inventory.add_warehouse(AddWarehouse("DE-BER", "Berlin", "DE"))
    app.inventory.add_sku(AddSku("MUG", "Mug"))
    app.inventory.adjust([Adjust("DE-BER", "MUG", count=10)])
    store = add_store(app, "s1")
    market.shop("s1").listings[("MUG", "")] = listing("MUG", 0)
    app.listings.pull(store)
    yield app, market, clock, store
    app.close()


def sell(world: World, *ids: str, units: int = 2) -> dict[str, int]:
    app, market, clock, store = world
    for oid in ids:
        market.shop("s1").orders[oid] = order(oid, [("MUG", units)], clock.now())
    app.sync.pull(PullOrders(store, trigger="test"))
    with app.uow(readonly=True) as uow:
        return {k: v.order_id for k, v in uow.orders.states(store, list(ids)).items()}


def status(app: App, order_id: int) -> str:
    with app.uow(readonly=True) as uow:
        return str(uow.review.orders([order_id])[0]["status"])


def reserved(app: App) -> int:
    return sum(v.reserved for v in app.inventory.levels("MUG"))


def cancellation(app: App, order_id: int) -> dict[str, object]:
    [row] = [r for r in app.cancellations.search() if r["order_id"] == order_id]
    return row


def test_a_cancelled_order_is_cancelled_on_its_marketplace(world: World) -> None:
    app, market, _, _ = world
    ids = sell(world, "A-1", "A-2")
    assert reserved(app) == 4
    assert app.review.cancel([ids["A-1"]], "sold out at the supplier", CancelReason.OUT_OF_STOCK) == [ids["A-1"]]
    # stock is released at once, before any platform answers
    assert reserved(app) == 2
    assert status(app, ids["A-1"]) == OrderStatus.CANCEL_REQUESTED
    assert cancellation(app, ids["A-1"])["state"] == "pending"
    report = app.cancellations.send()
    assert (report.done, report.failed, report.retry) == (1, 0, 0)
    sent = market.shop("s1").cancelled["A-1"]
    assert sent.reason is CancelReason.OUT_OF_STOCK and sent.note == "sold out at the supplier"
    assert [(x.platform_line_id, x.quantity) for x in sent.lines] == [("A-1-0", 2)]
    assert status(app, ids["A-1"]) == OrderStatus.CANCELLED
    row = cancellation(app, ids["A-1"])
    assert row["state"] == "ok" and row["sent_at"] is not None and row["attempts"] == 1
    # nothing more to send; the other order is untouched
    assert app.cancellations.send().done == 0
    assert "A-2" not in market.shop("s1").cancelled and status(app, ids["A-2"]) == OrderStatus.PENDING_REVIEW


def test_cancelling_twice_records_and_releases_once(world: World) -> None:
    app, market, _, _ = world
    ids = sell(world, "B-1")
    app.review.cancel([ids["B-1"]], "buyer asked", CancelReason.OUT_OF_STOCK)
    assert app.review.cancel([ids["B-1"]], "again", CancelReason.OTHER) == []
    assert reserved(app) == 0
    assert cancellation(app, ids["B-1"])["note"] == "buyer asked"
    assert app.cancellations.send().done == 1
    assert market.shop("s1").cancelled["B-1"].note == "buyer asked"


def test_a_refusal_stays_visible_and_can_be_sent_again_with_another_reason(world: World) -> None:
    app, market, _, _ = world
    ids = sell(world, "C-1")
    app.review.cancel([ids["C-1"]], "price typo", CancelReason.PRICING_ERROR)
    report = app.cancellations.send()
    assert (report.done, report.failed) == (0, 1)
    assert "not accepted" in report.errors[0] and "C-1" in report.errors[0]
    row = cancellation(app, ids["C-1"])
    assert row["state"] == "failed" and "OUT_OF_STOCK" in str(row["error"])
    assert status(app, ids["C-1"]) == OrderStatus.CANCEL_REQUESTED     # the platform still has it open
    assert [r["order_id"] for r in app.cancellations.search(states=["failed"])] == [ids["C-1"]]
    # a refused cancellation is not sent again by itself
    assert app.cancellations.send().failed == 0
    assert app.cancellations.reopen([ids["C-1"]], CancelReason.OUT_OF_STOCK) == [ids["C-1"]]
    assert app.cancellations.send().done == 1
    assert market.shop("s1").cancelled["C-1"].reason is CancelReason.OUT_OF_STOCK
    assert status(app, ids["C-1"]) == OrderStatus.CANCELLED


def test_an_unavailable_platform_is_asked_again_by_the_fulfilment_round(world: World) -> None:
    app, market, _, _ = world
    ids = sell(world, "D-1", "D-2")
    market.down = 1
    app.review.cancel(list(ids.values()), "sold out", CancelReason.OUT_OF_STOCK)
    report = app.cancellations.send()
    assert (report.done, report.retry) == (1, 1)
    [waiting] = app.cancellations.search(states=["retry"])
    assert "503" in str(waiting["error"])
    fulfilment_round(app)
    assert {r["state"] for r in app.cancellations.search()} == {"ok"}
    assert set(market.shop("s1").cancelled) == {"D-1", "D-2"}


def test_a_cancellation_never_sent_is_not_lost(world: World) -> None:
    """The process died between the commit that released the stock and the call to the platform."""
    app, market, _, _ = world
    ids = sell(world, "E-1")
    app.review.cancel([ids["E-1"]], "sold out", CancelReason.OUT_OF_STOCK)
    fulfilment_round(app)
    assert "E-1" in market.shop("s1").cancelled
    assert status(app, ids["E-1"]) == OrderStatus.CANCELLED


def test_a_platform_down_for_good_is_given_up_on_after_the_last_attempt(world: World) -> None:
    app, market, _, _ = world
    ids = sell(world, "F-1")
    market.down = MAX_ATTEMPTS + 5
    app.review.cancel([ids["F-1"]], "sold out", CancelReason.OUT_OF_STOCK)
    reports = [app.cancellations.send() for _ in range(MAX_ATTEMPTS + 2)]
    assert [r.retry for r in reports] == [1] * (MAX_ATTEMPTS - 1) + [0, 0, 0]
    assert [r.failed for r in reports] == [0] * (MAX_ATTEMPTS - 1) + [1, 0, 0]      # given up on, and said so
    row = cancellation(app, ids["F-1"])
    assert row["state"] == "failed" and row["attempts"] == MAX_ATTEMPTS
    market.down = 0
    assert app.cancellations.reopen([ids["F-1"]]) == [ids["F-1"]]
    assert app.cancellations.send().done == 1


def test_a_shipped_order_is_refused_in_the_platforms_words(world: World) -> None:
    app, market, clock, _ = world
    ids = sell(world, "G-1")
    market.shop("s1").shipped["G-1"] = ShipmentNotice("G-1", "dhl", "DHL", "0034", clock.now())
    app.review.cancel([ids["G-1"]], "sold out", CancelReason.OUT_OF_STOCK)
    report = app.cancellations.send()
    assert report.failed == 1 and "can no longer be cancelled" in report.errors[0]


def test_a_platform_without_a_cancel_api_asks_for_the_back_end(database_url: str, tmp_path: Path) -> None:
    clock = ManualClock(T0)
    app, market = fake_app(database_url, tmp_path, clock)
    app.connectors.registry = Registry({"fake": replace(market.spec(), cancels=None)})
    store = add_store(app, "s1")
    market.shop("s1").orders["H-1"] = order("H-1", [("MUG", 1)], clock.now())
    app.sync.pull(PullOrders(store, trigger="test"))
    with app.uow(readonly=True) as uow:
        oid = uow.orders.states(store, ["H-1"])["H-1"].order_id
    app.review.cancel([oid], "sold out", CancelReason.OUT_OF_STOCK)
    report = app.cancellations.send()
    assert report.manual == 1 and "back-end" in report.errors[0]
    assert cancellation(app, oid)["state"] == "manual"
    assert app.cancellations.send().manual == 0      # not asked again and again
    app.close()


def test_units_of_an_order_that_shipped_after_all_leave_the_count(world: World) -> None:
    """The seller cancelled (units released), the platform refused because the parcel had left: once the pull
    says shipped, the units leave our stock too, or every store would show units that are gone."""
    app, market, clock, store = world
    ids = sell(world, "S-1")
    market.shop("s1").shipped["S-1"] = ShipmentNotice("S-1", "dhl", "DHL", "0034", clock.now())
    app.review.cancel([ids["S-1"]], "sold out", CancelReason.OUT_OF_STOCK)
    assert app.cancellations.send().failed == 1
    assert [(v.on_hand, v.reserved) for v in app.inventory.levels("MUG")] == [(10, 0)]
    clock.advance(minutes=5)
    market.shop("s1").orders["S-1"] = replace(market.shop("s1").orders["S-1"], status=OrderStatus.SHIPPED,
                                              platform_status="shipped", updated_at=clock.now())
    app.sync.pull(PullOrders(store, trigger="test"))
    assert status(app, ids["S-1"]) == OrderStatus.SHIPPED
    assert [(v.on_hand, v.reserved) for v in app.inventory.levels("MUG")] == [(8, 0)]
    # a later re-read changes nothing more
    clock.advance(minutes=5)
    app.sync.pull(PullOrders(store, trigger="test", since=clock.now() - timedelta(hours=1)))
    assert [(v.on_hand, v.reserved) for v in app.inventory.levels("MUG")] == [(8, 0)]
