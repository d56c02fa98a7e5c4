"""Shared stock through the whole path (order pull -> reservation -> listings -> push), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crossdock.bootstrap import App
from crossdock.domain.orders.status import OrderStatus
from crossdock.persistence.tables import order_stock, stock_ledger
from crossdock.ports.clock import ManualClock
from crossdock.services.errors import InvalidInput
from crossdock.services.inventory import AddSku, AddWarehouse, Adjust
from crossdock.services.order_sync import PullOrders
from tests.contract.harness import T0
from tests.fakes import FakeMarket, add_store, fake_app, listing, order

World = tuple[App, FakeMarket, ManualClock]


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[App, FakeMarket, ManualClock]]:
    clock = ManualClock(T0)
    app, market = fake_app(database_url, tmp_path, clock)
    app.inventory.add_warehouse(AddWarehouse("CN-SZ", "Shenzhen", "CN", priority=10))
    app.inventory.add_warehouse(AddWarehouse("UK-LON", "London", "GB", priority=20))
    yield app, market, clock
    app.close()


def stock(app: App, sku: str) -> dict[str, tuple[int, int]]:
    return {v.warehouse: (v.on_hand, v.reserved) for v in app.inventory.levels(sku)}


def states(app: App) -> dict[str, str]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(order_stock.c.order_id, order_stock.c.state)).all()
    return {str(r.order_id): r.state for r in rows}


def pull(app: App, store_id: int) -> None:
    run = app.sync.pull(PullOrders(store_id, since=T0 - timedelta(days=1)))
    assert run.state == "succeeded", run.error


def test_an_order_reserves_once_cancel_releases_and_shipping_deducts(world: World) -> None:
    app, market, clock = world
    app.inventory.add_sku(AddSku("MS-1", "Mug"))
    assert app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=5), Adjust("UK-LON", "MS-1", count=3)]) == [None, None]
    store = add_store(app, "s1")
    shop = market.shop("s1")
    shop.orders["A"] = order("A", [("MS-1", 6)], T0 - timedelta(hours=1))
    shop.orders["B"] = order("B", [("MS-1", 1)], T0 - timedelta(hours=1))
    pull(app, store)
    assert stock(app, "MS-1") == {"CN-SZ": (5, 5), "UK-LON": (3, 2)}   # first choice first
    pull(app, store)                                                      # a replay changes nothing
    clock.advance(minutes=1)
    pull(app, store)
    assert stock(app, "MS-1") == {"CN-SZ": (5, 5), "UK-LON": (3, 2)}

    shop.orders["B"] = order("B", [("MS-1", 1)], T0, OrderStatus.CANCELLED, "cancelled")
    pull(app, store)
    assert stock(app, "MS-1") == {"CN-SZ": (5, 5), "UK-LON": (3, 1)}
    shop.orders["A"] = order("A", [("MS-1", 6)], T0, OrderStatus.SHIPPED, "shipped")
    pull(app, store)
    assert stock(app, "MS-1") == {"CN-SZ": (0, 0), "UK-LON": (2, 0)}
    assert app.inventory.ledger_matches_levels() == []
    refs = {r["reference"] for r in app.inventory.ledger("MS-1")}
    assert {f"order:{i}" for i in states(app)} <= refs


def test_an_order_first_seen_shipped_or_cancelled_leaves_stock_alone(world: World) -> None:
    app, market, _ = world
    app.inventory.add_sku(AddSku("MS-1", "Mug"))
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=4)])
    store = add_store(app, "s1")
    market.shop("s1").orders["old"] = order("old", [("MS-1", 2)], T0 - timedelta(hours=1), OrderStatus.SHIPPED, "x")
    pull(app, store)
    assert stock(app, "MS-1") == {"CN-SZ": (4, 0)}
    assert list(states(app).values()) == ["untracked"]


def test_uncovered_units_flag_the_order_oversold_and_stock_never_goes_negative(
        world: World) -> None:
    app, market, _ = world
    app.inventory.add_sku(AddSku("MS-1", "Mug"))
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=2)])
    store = add_store(app, "s1")
    market.shop("s1").orders["A"] = order("A", [("MS-1", 3)], T0 - timedelta(hours=1))
    pull(app, store)
    assert stock(app, "MS-1") == {"CN-SZ": (2, 2)}
    assert list(states(app).values()) == ["oversold"]
    [row] = [r for r in app.reports.anomalies() if r["kind"] == "oversold"]
    assert row["sku"] == "MS-1" and "1 unit" in row["detail"]


def test_bundles_reserve_their_components_and_unmapped_lines_wait_for_a_mapping(
        world: World) -> None:
    app, market, _ = world
    app.inventory.add_sku(AddSku("CUP", "Cup"))
    app.inventory.add_sku(AddSku("LID", "Lid"))
    app.inventory.add_sku(AddSku("SET", "Cup with two lids", components={"CUP": 1, "LID": 2}))
    app.inventory.adjust([Adjust("CN-SZ", "CUP", count=10), Adjust("CN-SZ", "LID", count=10)])
    store = add_store(app, "s1")
    shop = market.shop("s1")
    shop.orders["A"] = order("A", [("SET", 2), ("PLATFORM-ONLY-7", 1)], T0 - timedelta(hours=1))
    pull(app, store)
    assert stock(app, "CUP") == {"CN-SZ": (10, 2)} and stock(app, "LID") == {"CN-SZ": (10, 4)}
    assert list(states(app).values()) == ["unmapped"]
    [line] = app.listings.unmapped_order_lines()
    assert line["sku"] == "PLATFORM-ONLY-7" and line["quantity"] == 1

    shop.listings[("PLATFORM-ONLY-7", "")] = listing("PLATFORM-ONLY-7", 3)
    app.listings.pull(store)
    [waiting] = app.listings.listings(store_id=store, mapped=False)
    app.listings.map(waiting["id"], "CUP")
    assert stock(app, "CUP") == {"CN-SZ": (10, 3)}
    assert list(states(app).values()) == ["reserved"]
    assert app.listings.unmapped_order_lines() == []


def test_listings_map_automatically_and_pushes_go_only_where_enabled_with_allocation_and_safety(
        world: World) -> None:
    app, market, _ = world
    app.inventory.add_sku(AddSku("MS-1", "Mug", safety_stock=2))
    app.inventory.add_sku(AddSku("MS-2", "Plate", barcode="4006381333931"))
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=10), Adjust("UK-LON", "MS-1", count=4),
                          Adjust("CN-SZ", "MS-2", count=7)])
    a, b = add_store(app, "a"), add_store(app, "b")
    for ext in ("a", "b"):
        market.shop(ext).listings[("MS-1", "")] = listing("MS-1", 99)
        plate = listing("P-77", 99)
        market.shop(ext).listings[("P-77", "")] = type(plate)(**{**{f: getattr(plate, f) for f in plate.__slots__},
                                                                 "barcode": "4006381333931"})
        market.shop(ext).listings[("ODD", "")] = listing("ODD", 5)
    assert app.listings.pull(a).mapped == 2 and app.listings.pull(b).mapped == 2
    assert app.pusher.push_dirty().pushed == 0                       # pushing is off until the seller turns it on
    assert market.shop("a").pushes == []

    app.inventory.set_store_push(a, True)
    app.inventory.set_store_push(b, True)
    app.inventory.set_share(b, "CN-SZ", ratio=Decimal("0.5"))        # b sells half of Shenzhen, nothing from London
    report = app.pusher.push_dirty()
    assert report.failed == 0
    shown = {(ext, k[0]): x.quantity for ext in "ab" for k, x in market.shop(ext).listings.items()}
    assert shown == {("a", "MS-1"): 14, ("a", "P-77"): 7, ("a", "ODD"): 5,
                     ("b", "MS-1"): 5, ("b", "P-77"): 3, ("b", "ODD"): 5}

    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=0), Adjust("UK-LON", "MS-1", count=2)])   # at safety
    app.pusher.push_dirty()
    assert [market.shop(x).listings[("MS-1", "")].quantity for x in "ab"] == [0, 0]
    app.inventory.adjust([Adjust("UK-LON", "MS-1", delta=5)])         # back above it: relisted
    app.pusher.push_dirty()
    assert market.shop("a").listings[("MS-1", "")].quantity == 7
    pushes_before = len(market.shop("a").pushes)
    assert app.pusher.push_dirty().listings == 0                      # nothing changed, nothing sent
    assert len(market.shop("a").pushes) == pushes_before


def test_a_refused_listing_is_recorded_and_reported(world: World) -> None:
    app, market, _ = world
    app.inventory.add_sku(AddSku("MS-1", "Mug"))
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=3)])
    store = add_store(app, "a")
    market.shop("a").listings[("MS-1", "")] = listing("MS-1", 0)
    app.listings.pull(store)
    app.inventory.set_store_push(store, True)
    market.refuse.add("MS-1")
    assert app.pusher.push_dirty().failed == 1
    [row] = app.listings.listings(store_id=store)
    assert row["push_state"] == "failed" and row["push_error"] == "listing refused"
    [mismatch] = [r for r in app.reports.anomalies() if r["kind"] == "quantity_mismatch"]
    assert (mismatch["platform_quantity"], mismatch["crossdock_quantity"]) == (0, 3)
    assert "failed" in mismatch["detail"]


def test_adjustments_refuse_what_would_break_a_level_and_say_why(world: World) -> None:
    app, market, _ = world
    app.inventory.add_sku(AddSku("MS-1", "Mug"))
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=3)])
    store = add_store(app, "s1")
    market.shop("s1").orders["A"] = order("A", [("MS-1", 2)], T0 - timedelta(hours=1))
    pull(app, store)
    [problem] = app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=1)])
    assert problem is not None and "reserved for orders 2" in problem
    [problem] = app.inventory.adjust([Adjust("CN-SZ", "MS-404", delta=1)])
    assert problem == "unknown SKU 'MS-404'"
    with pytest.raises(InvalidInput):
        app.inventory.transfer("MS-1", "CN-SZ", "UK-LON", 2, "")     # only 1 is free: nothing moves
    assert stock(app, "MS-1") == {"CN-SZ": (3, 2)}
    app.inventory.transfer("MS-1", "CN-SZ", "UK-LON", 1, "T-1")
    assert stock(app, "MS-1") == {"CN-SZ": (2, 2), "UK-LON": (1, 0)}


def test_stock_files_apply_good_lines_and_report_bad_ones_by_line(world: World) -> None:
    app, _, _ = world
    app.inventory.add_sku(AddSku("MS-1", "Mug"))
    app.inventory.add_sku(AddSku("MS-2", "Plate"))
    content = (b"warehouse,sku,qty,note\nCN-SZ,MS-1,12,count\n\nCN-SZ,MS-404,3,\nUK-LON,MS-2,two,\n"
               b"UK-LON,MS-2,-1,\nUK-LON,MS-2,4.0,\n")
    result = app.stock_files.import_file("count.csv", content, mode="set")
    assert (result.lines, result.applied) == (5, 2)
    assert [(e["line"], e["error"].split(":")[0]) for e in result.errors] == [
        (4, "unknown SKU 'MS-404'"), (5, "quantity"), (6, "a counted quantity cannot be negative (-1)")]
    assert stock(app, "MS-1") == {"CN-SZ": (12, 0)} and stock(app, "MS-2") == {"UK-LON": (4, 0)}
    from crossdock.services.stock_files import to_xlsx
    book = to_xlsx("stock", ["Warehouse", "SKU", "Quantity"], [{"Warehouse": "CN-SZ", "SKU": "MS-1", "Quantity": 3},
                                                               {"Warehouse": "CN-SZ", "SKU": "MS-2", "Quantity": 1}])
    result = app.stock_files.import_file("more.xlsx", book, mode="add")
    assert (result.applied, result.errors) == (2, [])
    assert stock(app, "MS-1") == {"CN-SZ": (15, 0)}
    with pytest.raises(InvalidInput, match="header row needs columns"):
        app.stock_files.import_file("bad.csv", b"foo,bar\n1,2\n")


def test_concurrent_orders_for_the_last_units_never_oversell(world: World) -> None:
    """Eight stores each sell 2 of the last 5 units at the same moment, pulled by eight threads at once."""
    app, market, _ = world
    app.inventory.add_sku(AddSku("LAST", "Last units"))
    app.inventory.adjust([Adjust("CN-SZ", "LAST", count=3), Adjust("UK-LON", "LAST", count=2)])
    stores = [add_store(app, f"s{i}") for i in range(8)]
    for i in range(8):
        market.shop(f"s{i}").orders[f"O{i}"] = order(f"O{i}", [("LAST", 2)], T0 - timedelta(minutes=5))
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def run(store_id: int) -> None:
        try:
            barrier.wait()
            pull(app, store_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    levels = stock(app, "LAST")
    assert sum(r for _, r in levels.values()) == 5 and all(r <= on for on, r in levels.values())
    held = states(app)
    assert sorted(held.values()).count("reserved") == 2          # 2 + 2 units; the fifth cannot cover a pair
    oversold = [oid for oid, s in held.items() if s == "oversold"]
    assert len(oversold) == 6
    with app.engine.connect() as conn:
        reserved = conn.execute(select(stock_ledger.c.reserved_delta)).scalars().all()
    assert sum(reserved) == 5
    assert app.inventory.ledger_matches_levels() == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["CN-SZ", "UK-LON"]), st.integers(-6, 9), st.booleans()), max_size=12))
def test_the_ledger_always_sums_to_the_levels(world: World,
                                              moves: list[tuple[str, int, bool]]) -> None:
    app, _, _ = world
    if not app.inventory.skus("PROP"):
        app.inventory.add_sku(AddSku("PROP", "Property"))
    for warehouse, units, counted in moves:
        app.inventory.adjust([Adjust(warehouse, "PROP", count=abs(units)) if counted
                              else Adjust(warehouse, "PROP", delta=units)])
    assert app.inventory.ledger_matches_levels() == []
    assert all(v.on_hand >= 0 for v in app.inventory.levels("PROP"))


def test_a_sku_marked_again_during_a_push_round_stays_marked(world: World) -> None:
    app, _, clock = world
    sku_id = app.inventory.add_sku(AddSku("MS-1", "Mug"))
    with app.uow() as uow:
        uow.stock.mark_dirty([sku_id], clock.now())
        uow.commit()
    with app.uow(readonly=True) as uow:
        seen = uow.stock.dirty()
    with app.uow() as uow:                     # a change lands while the pusher works from `seen`
        uow.stock.mark_dirty([sku_id], clock.now())
        uow.commit()
    with app.uow() as uow:
        uow.stock.clear_dirty(seen)
        uow.commit()
        assert [s for s, _ in uow.stock.dirty()] == [sku_id]


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_slow_store_holds_back_no_other_and_gets_only_the_newest_value(world: World) -> None:
    app, market, _ = world
    app.inventory.add_sku(AddSku("MS-1", "Mug"))
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=10)])
    a, b = add_store(app, "a"), add_store(app, "b")
    for ext in "ab":
        market.shop(ext).listings[("MS-1", "")] = listing("MS-1", 0)
    for store in (a, b):
        app.listings.pull(store)
        app.inventory.set_store_push(store, True)
    app.pusher.push_dirty()
    assert [market.shop(x).listings[("MS-1", "")].quantity for x in "ab"] == [10, 10]

    market.shop("a").gate = threading.Event()              # store a's platform hangs
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=5)])
    first = app.pusher.dispatch()
    wait_for(lambda: market.shop("b").listings[("MS-1", "")].quantity == 5)    # b did not wait for a
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=7)])
    second = app.pusher.dispatch()
    wait_for(lambda: market.shop("b").listings[("MS-1", "")].quantity == 7)
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=10)])    # back to what the table says a shows
    third = app.pusher.dispatch()
    assert not first.done.is_set() and third.report.listings == 2      # a's 10 is not "unchanged": 5 is in flight
    with app.uow(readonly=True) as uow:
        assert uow.stock.dirty()                           # marks stay until every listing is pushed

    market.shop("a").gate.set()
    for plan in (first, second, third):
        assert plan.done.wait(10)
    assert [market.shop(x).listings[("MS-1", "")].quantity for x in "ab"] == [10, 10]
    # a got the value in flight, then only the newest: 7 was coalesced away
    assert [p[0].quantity for p in market.shop("a").pushes[-2:]] == [5, 10]
    assert [p[0].quantity for p in market.shop("b").pushes[-3:]] == [5, 7, 10]
    with app.uow(readonly=True) as uow:
        assert uow.stock.dirty() == []
    assert app.pusher.push_dirty().listings == 0


def test_a_store_whose_connector_breaks_leaves_the_change_to_retry(world: World) -> None:
    app, market, _ = world
    app.inventory.add_sku(AddSku("MS-1", "Mug"))
    app.inventory.adjust([Adjust("CN-SZ", "MS-1", count=3)])
    store = add_store(app, "a")
    market.shop("a").listings[("MS-1", "")] = listing("MS-1", 0)
    app.listings.pull(store)
    app.inventory.set_store_push(store, True)
    broken = market.shop("a")
    original = market.refuse

    class Boom(set[str]):
        def __contains__(self, item: object) -> bool:
            raise RuntimeError("connector bug")

    market.refuse = Boom()
    report = app.pusher.push_dirty()                       # returns: a bug in a connector never hangs a push
    assert report.failed == 1 and report.pushed == 0
    [row] = app.listings.listings(store_id=store)
    assert row["push_state"] == "retry" and "connector bug" in row["push_error"]
    market.refuse = original
    assert app.pusher.push_dirty().pushed == 1
    assert broken.listings[("MS-1", "")].quantity == 3
