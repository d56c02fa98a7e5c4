"""Fulfilment from the demo world, end to end: every marketplace's emulator and both carriers' emulators, reached
through their real HTTP APIs in process. Orders synced -> reviewed (some held with reasons) -> split where the
stock sits in two warehouses -> labels bought from the emulated carriers and the marketplaces' own logistics ->
tracking numbers pushed to each marketplace (which then reports the orders shipped) -> tracking events ->
delivered; a return restocks its units."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from crossdock.bootstrap import App, bootstrap
from crossdock.demo import (
    AMAZON,
    JOOM,
    LAZADA,
    SHOPEE,
    TIKTOK,
    DemoStore,
    DemoWorld,
    pull_listings,
    setup_inventory,
    store_catalogue,
    sync_all,
)
from crossdock.demo_fulfilment import setup_fulfilment
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, CancelReason, OrderRef
from crossdock.services.inventory import Adjust
from crossdock.services.returns import Inspection
from crossdock.settings import Settings
from tests.contract.harness import T0

pytestmark = pytest.mark.timeout(600)


@dataclass
class Demo:
    app: App
    world: DemoWorld
    clock: ManualClock
    stores: dict[str, int]           # external id -> store id


@pytest.fixture
def demo(database_url: str, tmp_path: Path) -> Iterator[Demo]:
    clock = ManualClock(T0)
    world = DemoWorld(tmp_path / "world", orders_per_store=4, days=2, clock=clock, live=False)
    world.build()
    settings = Settings(database_url=database_url, home=tmp_path, secret_key=SecretStr(Fernet.generate_key().decode()),
                        connectors=world.connector_settings())
    app = bootstrap(settings, clock=clock, sleep=lambda s: clock.advance(seconds=s), transports=world.transports())
    store_ids = world.connect(app)
    setup_inventory(app)
    # The split SKU sits mostly in Berlin: an order of 3 takes the 1 left in Shenzhen and 2 from Berlin.
    app.inventory.adjust([Adjust("DE-BER", SPLIT_SKU, count=50),
                          *(Adjust("CN-SZ", sku, count=200) for sku in sold_skus().values())])
    pull_listings(app, store_ids)
    setup_fulfilment(app, world.base_port, store_ids)
    stores = {app.stores.get(s).external_id: s for s in store_ids}
    yield Demo(app, world, clock, stores)
    app.close()


BUYERS = [(AMAZON, 0), (AMAZON, 1), (SHOPEE, 0), (LAZADA, 0), (TIKTOK, 0), (JOOM, 0)]


def single_skus(store: DemoStore) -> list[str]:
    """Master SKUs without variants that this demo store lists."""
    return [p.variants[0].sku for p in store_catalogue(store)
            if len(p.variants) == 1 and p.variants[0].sku.startswith("LUMI-")]


def sold_skus() -> dict[str, str]:
    """The SKU each buyer buys: one its store lists."""
    return {p.stores[i].external_id: single_skus(p.stores[i])[0] for p, i in BUYERS}


SPLIT_SKU = single_skus(AMAZON.stores[0])[1]


def buy(demo: Demo) -> dict[str, tuple[str, str]]:
    """Buyers on one store of each marketplace (not the UK ones: the demo has no UK carrier); order id -> (platform,
    store external id)."""
    emus = demo.world.emulators
    placed: dict[str, tuple[str, str]] = {}
    skus = sold_skus()
    orders = [([(SPLIT_SKU, 3)], "amazon", AMAZON.stores[0].external_id)]          # split: Shenzhen + Berlin
    orders += [([(skus[p.stores[i].external_id], 1)], p.code, p.stores[i].external_id) for p, i in BUYERS[1:]]
    for sku_lines, platform, store in orders:
        emu = emus[platform]
        if platform == "shopee":
            order_id = emu.place_cart(int(store), sku_lines)
        elif platform == "lazada":
            order_id = emu.place_cart(store, sku_lines)
        elif platform in ("tiktok", "amazon"):
            order_id = emu.place_order_lines(store, sku_lines)
        else:
            order_id = emu.place_order(store, *sku_lines[0])
        assert order_id is not None, (platform, store, sku_lines)
        placed[order_id] = (platform, store)
    return placed


def platform_view(demo: Demo, store_id: int, order_id: str) -> OrderSnapshot:
    app = demo.app
    source = app.connectors.order_source(app.stores.get(store_id), app.stores.tokens(store_id), CallStats())
    [snap] = source.fetch_orders([OrderRef(order_id)])
    assert isinstance(snap, OrderSnapshot), snap
    return snap


def our_ids(app: App, placed: dict[str, tuple[str, str]], stores: dict[str, int]) -> dict[str, int]:
    out = {}
    with app.uow(readonly=True) as uow:
        for order_id, (_, store) in placed.items():
            out[order_id] = uow.orders.states(stores[store], [order_id])[order_id].order_id
    return out


def test_orders_go_from_the_marketplaces_to_the_buyers_door_and_back(demo: Demo) -> None:
    app, clock = demo.app, demo.clock
    sync_all(app, sorted(demo.stores.values()))
    held = {v.warehouse: v.reserved for v in app.inventory.levels(SPLIT_SKU)}
    app.inventory.adjust([Adjust("CN-SZ", SPLIT_SKU, count=held.get("CN-SZ", 0) + 1)])     # one unit free there
    demo.clock.advance(minutes=1)
    placed = buy(demo)
    demo.clock.advance(minutes=5)
    runs = sync_all(app, sorted(demo.stores.values()))
    assert all(r.state == "succeeded" for r in runs)
    ids = our_ids(app, placed, demo.stores)

    # review: the seeded demo orders sell local products nobody mapped, among other things
    report = app.review.review()
    assert report.held > 0
    held = app.review.held(limit=5000)
    assert all(h["reasons"] and all(r["message"] for r in h["reasons"]) for h in held)
    assert "unmapped" in report.reasons
    # the seller looks at our buyers' orders and lets them go
    app.review.approve([i for i in ids.values() if app.review.verdicts([i])[i]["state"] == "held"])
    verdicts = app.review.verdicts(list(ids.values()))
    assert all(v["state"] == "approved" for v in verdicts.values()), verdicts

    plan = app.shipping.plan(list(ids.values()))
    assert plan.unrouted == 0, app.shipping.shipments(plan.shipment_ids)
    by_order = {oid: app.shipping.shipments(order_id=i) for oid, i in ids.items()}
    split_order = next(o for o, (p, s) in placed.items() if p == "amazon" and s == AMAZON.stores[0].external_id)
    assert sorted(s["carrier"] for s in by_order[split_order]) == ["dhl", "yunexpress"]      # split by warehouse
    assert {s["carrier"] for o, (p, _) in placed.items() if p in ("shopee", "lazada", "tiktok")
            for s in by_order[o]} == {"platform"}

    labels = app.shipping.buy_labels(plan.shipment_ids)
    assert (labels.done, labels.failed, labels.retry) == (len(plan.shipment_ids), 0, 0), labels.errors
    pdf = app.documents.labels(plan.shipment_ids)
    assert pdf.startswith(b"%PDF")
    confirmed = app.shipping.confirm(plan.shipment_ids)
    assert (confirmed.failed, confirmed.retry) == (0, 0), confirmed.errors
    assert confirmed.done == len(plan.shipment_ids)

    # every marketplace now shows the order shipped with our tracking number (its own API says so)
    for order_id, (platform, store) in placed.items():
        snap = platform_view(demo, demo.stores[store], order_id)
        assert snap.status in (OrderStatus.LABEL_CREATED, OrderStatus.SHIPPED), (platform, snap.platform_status)
        if platform in ("amazon", "joom"):
            assert snap.status is OrderStatus.SHIPPED, (platform, snap.platform_status)

    # the parcels travel: carriers and marketplaces report events until delivered
    for _ in range(20):                      # 20 days: the China-to-Europe line is the slow one
        clock.advance(days=1)
        for emu in demo.world.emulators.values():
            emu.tick()
        app.tracking.track(plan.shipment_ids)
    shipments = app.shipping.shipments(plan.shipment_ids)
    carriers_done = [s for s in shipments if s["carrier"] in ("dhl", "yunexpress")]
    assert carriers_done and all(s["state"] == "delivered" for s in carriers_done), \
        [(s["reference"], s["carrier"], s["state"], s["tracking_status"]) for s in carriers_done]
    assert all(app.tracking.events(s["id"]) for s in shipments)
    assert app.review.verdicts([ids[split_order]])
    with app.uow(readonly=True) as uow:
        assert uow.review.orders([ids[split_order]])[0]["status"] == OrderStatus.DELIVERED

    # a return from the Joom buyer: after-sales record, the Berlin return warehouse, restocked through the ledger
    joom_order = next(o for o, (p, _) in placed.items() if p == "joom")
    joom_store = demo.stores[JOOM.stores[0].external_id]
    demo.world.emulators["joom"].open_return(JOOM.stores[0].external_id, joom_order)
    clock.advance(minutes=10)
    pulled = app.returns.pull(joom_store)
    assert pulled.errors == [] and pulled.new >= 1
    [ret] = [r for r in app.returns.returns(store_id=joom_store) if r["platform_order_id"] == joom_order]
    before = {v.warehouse: v.on_hand for v in app.inventory.levels(sold_skus()[JOOM.stores[0].external_id])}
    joom_sku = sold_skus()[JOOM.stores[0].external_id]
    app.returns.receive(ret["id"], [Inspection(joom_sku, restock=1)])
    after = {v.warehouse: v.on_hand for v in app.inventory.levels(joom_sku)}
    assert after["DE-BER"] == before["DE-BER"] + 1
    assert [e["reason"] for e in app.inventory.ledger(reference=f"return:{ret['id']}")] == ["return"]



def test_orders_the_seller_cancels_are_cancelled_on_every_marketplace(demo: Demo) -> None:
    app = demo.app
    sync_all(app, sorted(demo.stores.values()))
    demo.clock.advance(minutes=1)
    placed = buy(demo)
    demo.clock.advance(minutes=5)
    sync_all(app, sorted(demo.stores.values()))
    ids = our_ids(app, placed, demo.stores)
    reserved = {sku: sum(v.reserved for v in app.inventory.levels(sku)) for sku in {SPLIT_SKU, *sold_skus().values()}}

    assert sorted(app.review.cancel(list(ids.values()), "sold out at the supplier", CancelReason.OUT_OF_STOCK)) == \
        sorted(ids.values())
    after = {sku: sum(v.reserved for v in app.inventory.levels(sku)) for sku in reserved}
    assert sum(reserved.values()) - sum(after.values()) == 3 + len(BUYERS) - 1       # every unit released
    report = app.cancellations.send()
    assert (report.done, report.failed, report.retry, report.manual) == (len(placed), 0, 0, 0), report.errors
    platforms = set()
    for order_id, (platform, store) in placed.items():
        snap = platform_view(demo, demo.stores[store], order_id)
        assert snap.status == OrderStatus.CANCELLED, (platform, snap.platform_status)
        platforms.add(platform)
    assert platforms == {"amazon", "shopee", "lazada", "tiktok", "joom"}
    # and the next pull agrees with what we recorded
    demo.clock.advance(minutes=5)
    sync_all(app, sorted(demo.stores.values()))
    with app.uow(readonly=True) as uow:
        assert {r["status"] for r in uow.review.orders(list(ids.values()))} == {OrderStatus.CANCELLED.value}
