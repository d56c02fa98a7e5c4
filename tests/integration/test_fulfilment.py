"""Fulfilment services end to end over a fake marketplace and an in-memory carrier, on SQLite and PostgreSQL:
review holds with reasons, split and merge, routing by rules, labels, shipping back, tracking, exceptions,
pick-up slots, invoices and returns."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from crossdock.bootstrap import App
from crossdock.domain.fulfilment.returns import ReturnLine, ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CancelReason
from crossdock.services.errors import InvalidInput
from crossdock.services.inventory import AddSku, AddWarehouse, Adjust
from crossdock.services.order_sync import PullOrders
from crossdock.services.returns import Inspection
from tests.contract.harness import T0
from tests.fakes import FakeMarket, add_store, fake_app, listing, order

BERLIN = Address(name="Anna Schmidt", phone="+49 30 12345678", country="DE", city="Berlin", postcode="10115",
                 line1="Invalidenstraße 116")
PARIS = Address(name="Luc Martin", phone="+33 1 42 68 53 00", country="FR", city="Paris", postcode="75002",
                line1="12 Rue de la Paix")
SHENZHEN = Address(name="Crossdock Shenzhen", phone="+86 755 8888 8888", country="CN", city="Shenzhen",
                   postcode="518000", line1="1 Keji Road")
BERLIN_WH = Address(name="Crossdock Berlin", phone="+49 30 9999999", country="DE", city="Berlin", postcode="12057",
                    line1="Sonnenallee 200")


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[App, FakeMarket, ManualClock, int]]:
    clock = ManualClock(T0)
    app, market = fake_app(database_url, tmp_path, clock)
    app.inventory.add_warehouse(AddWarehouse("CN-SZ", "Shenzhen", "CN", priority=10))
    app.inventory.add_warehouse(AddWarehouse("DE-BER", "Berlin", "DE", kind="overseas", priority=20))
    app.shipping.set_warehouse_address("CN-SZ", SHENZHEN)
    app.shipping.set_warehouse_address("DE-BER", BERLIN_WH)
    app.inventory.add_sku(AddSku("MUG", "Mug", weight_kg=Decimal("0.4"), hs_code="691200", origin_country="CN"))
    app.inventory.add_sku(AddSku("ICE", "Ice cream", weight_kg=Decimal("1.0"), temperature="frozen"))
    app.inventory.adjust([Adjust("CN-SZ", "MUG", count=3), Adjust("DE-BER", "MUG", count=10),
                          Adjust("DE-BER", "ICE", count=5)])
    store = add_store(app, "s1")
    for sku in ("MUG", "ICE"):
        market.shop("s1").listings[(sku, "")] = listing(sku, 0)
    app.listings.pull(store)
    app.carriers.add_account("fakeparcel", "Fake Parcel", {"api_key": "k"})
    app.shipping.add_rule("frozen goods", "Fake Parcel", "COLD", priority=10, conditions={"temperatures": ["frozen"]})
    app.shipping.add_rule("EU parcels", "Fake Parcel", "STD", priority=20,
                          conditions={"countries": ["DE", "FR", "NL"], "max_weight_grams": 30_000})
    yield app, market, clock, store
    app.close()


World = tuple[App, FakeMarket, ManualClock, int]


def sell(app: App, market: FakeMarket, store: int, *orders_: object) -> dict[str, int]:
    for snap in orders_:
        market.shop("s1").orders[snap.platform_order_id] = snap       # type: ignore[attr-defined]
    app.sync.pull(PullOrders(store, trigger="test"))
    with app.uow(readonly=True) as uow:
        states = uow.orders.states(store, [s.platform_order_id for s in orders_])   # type: ignore[attr-defined]
    return {k: v.order_id for k, v in states.items()}


def status(app: App, order_id: int) -> str:
    return app.review.verdicts([order_id]).get(order_id, {}).get("state", "")


def order_status(app: App, order_id: int) -> str:
    with app.uow(readonly=True) as uow:
        return str(uow.review.orders([order_id])[0]["status"])


def test_review_holds_with_clear_reasons_and_passes_the_rest(world: World) -> None:
    app, market, clock, store = world
    app.review.add_to_blacklist("buyer", "fraudster", "chargeback in October")
    bad_post = replace(BERLIN, postcode="1011")
    bad_phone = replace(PARIS, phone="12")
    ids = sell(app, market, store,
               order("OK-1", [("MUG", 1)], clock.now(), address=BERLIN, buyer="anna"),
               order("BAD-POST", [("MUG", 1)], clock.now(), address=bad_post, buyer="b2"),
               order("BAD-PHONE", [("MUG", 1)], clock.now(), address=bad_phone, buyer="b3"),
               order("NOTE", [("MUG", 1)], clock.now(), address=PARIS, buyer="b4", note="please gift wrap"),
               order("BLACK", [("MUG", 1)], clock.now(), address=PARIS, buyer="fraudster"),
               order("CHEAP", [("MUG", 1)], clock.now(), address=PARIS, buyer="b5", paid=Decimal("1.00")),
               order("NOSKU", [("UNKNOWN", 1)], clock.now(), address=PARIS, buyer="b6"))
    report = app.review.review()
    assert (report.reviewed, report.approved, report.held) == (7, 1, 6)
    reasons = {oid: {r["code"]: r["message"] for r in app.review.verdicts([i])[i]["reasons"]}
               for oid, i in ids.items()}
    assert reasons["OK-1"] == {}
    assert order_status(app, ids["OK-1"]) == OrderStatus.REVIEWED
    assert "postcode" in reasons["BAD-POST"]["address"].lower()
    assert "phone" in reasons["BAD-PHONE"]["phone"].lower()
    assert "gift wrap" in reasons["NOTE"]["buyer_note"]
    assert "chargeback" in reasons["BLACK"]["blacklist"]
    assert "MUG" in reasons["CHEAP"]["amount"]
    assert "UNKNOWN" in reasons["NOSKU"]["unmapped"]
    # the same buyer, address and goods again: a duplicate
    clock.advance(minutes=3)
    dup = sell(app, market, store, order("OK-2", [("MUG", 1)], clock.now(), address=BERLIN, buyer="anna"))
    app.review.review()
    assert "OK-1" in app.review.verdicts([dup["OK-2"]])[dup["OK-2"]]["reasons"][0]["message"]
    # the seller decides in batches
    assert sorted(app.review.approve([ids["NOTE"], ids["BAD-PHONE"]])) == sorted([ids["NOTE"], ids["BAD-PHONE"]])
    assert status(app, ids["NOTE"]) == "approved"
    with pytest.raises(InvalidInput):
        app.review.hold([ids["OK-1"]], "  ")
    assert app.review.hold([ids["OK-1"]], "customer called") == [ids["OK-1"]]
    assert order_status(app, ids["OK-1"]) == OrderStatus.PENDING_REVIEW
    reserved_before = sum(v.reserved for v in app.inventory.levels("MUG"))
    assert app.review.cancel([ids["BLACK"]], "fraud", CancelReason.OUT_OF_STOCK) == [ids["BLACK"]]
    assert sum(v.reserved for v in app.inventory.levels("MUG")) == reserved_before - 1     # released
    # a rule turned off holds no more
    app.review.set_rule("buyer_note", False)
    clock.advance(days=3)
    more = sell(app, market, store, order("NOTE-2", [("MUG", 1)], clock.now(), address=PARIS, buyer="b7",
                                         note="ring twice"))
    app.review.review()
    assert status(app, more["NOTE-2"]) == "approved"
    # an order approved with a line nobody mapped is not shipped short: planning says why it waits
    app.review.approve([ids["NOSKU"]])
    plan = app.shipping.plan()
    assert any(u.startswith("NOSKU:") and "UNKNOWN" in u for u in plan.unplanned)
    assert app.shipping.shipments(order_id=ids["NOSKU"]) == []


def test_orders_split_by_temperature_and_warehouse_merge_per_buyer_and_ship_back(world: World) -> None:
    app, market, clock, store = world
    ids = sell(app, market, store,
               # 5 mugs: 3 from Shenzhen (first choice) and 2 from Berlin; ice cream ships frozen, apart
               order("SPLIT", [("MUG", 5), ("ICE", 1)], clock.now(), address=BERLIN, buyer="anna"),
               order("A-1", [("MUG", 1)], clock.now(), address=PARIS, buyer="luc"),
               order("A-2", [("MUG", 2)], clock.now() - timedelta(minutes=1), address=PARIS, buyer="luc"))
    assert app.review.review().approved == 3
    plan = app.shipping.plan()
    assert (plan.orders, plan.split_orders, plan.merged, plan.unrouted) == (3, 1, 1, 0)
    shipments = app.shipping.shipments()
    split = [s for s in shipments if any(x["order_id"] == ids["SPLIT"] for x in s["lines"])]
    assert sorted((s["temperature"], s["service"], sum(x["quantity"] for x in s["lines"])) for s in split) == [
        ("ambient", "STD", 2), ("ambient", "STD", 3), ("frozen", "COLD", 1)]
    [merged] = [s for s in shipments if {x["order_id"] for x in s["lines"]} == {ids["A-1"], ids["A-2"]}]
    assert merged["weight_grams"] == 1200
    assert app.shipping.plan().shipments == 0                   # planned once

    labels = app.shipping.buy_labels()
    assert (labels.done, labels.failed) == (4, 0)
    assert order_status(app, ids["SPLIT"]) == OrderStatus.LABEL_CREATED
    pdf = app.documents.labels([s["id"] for s in app.shipping.shipments()])
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 4
    assert app.documents.pick_list("DE-BER").startswith(b"%PDF")
    assert app.documents.packing_slips([merged["id"]]).startswith(b"%PDF")

    confirmed = app.shipping.confirm()
    assert confirmed.done == 4
    shop = market.shop("s1")
    assert set(shop.shipped) == {"SPLIT", "A-1", "A-2"}
    assert shop.shipped["A-1"].tracking_number == shop.shipped["A-2"].tracking_number      # one parcel
    assert order_status(app, ids["SPLIT"]) == OrderStatus.SHIPPED
    levels = {v.warehouse: (v.on_hand, v.reserved) for v in app.inventory.levels("MUG")}
    assert levels == {"CN-SZ": (0, 0), "DE-BER": (5, 0)}            # 8 mugs left the shelves

    # tracking to the door
    book = market.carrier
    assert book is not None
    for number in book.events:
        clock.advance(hours=1)
        book.scan(number, TrackingStatus.IN_TRANSIT)
        book.scan(number, TrackingStatus.DELIVERED)
    tracked = app.tracking.track()
    assert tracked.delivered == 4 and book.track_calls == 2          # two numbers per call
    assert order_status(app, ids["A-1"]) == OrderStatus.DELIVERED
    assert app.tracking.track().new_events == 0                       # events are kept once


def test_refusals_stay_visible_and_a_seller_can_route_by_hand(world: World) -> None:
    app, market, clock, store = world
    far = Address(name="Ken Tan", phone="+65 6123 4567", country="SG", city="Singapore", postcode="018956",
                  line1="10 Bayfront Ave")
    ids = sell(app, market, store, order("FAR", [("MUG", 1)], clock.now(), address=far, buyer="ken"),
               order("REFUSE", [("MUG", 1)], clock.now(), address=PARIS, buyer="zoe"))
    app.review.review()
    plan = app.shipping.plan()
    assert plan.unrouted == 1                           # no rule for Singapore
    [far_shipment] = app.shipping.shipments(order_id=ids["FAR"])
    assert far_shipment["carrier"] is None
    assert app.shipping.buy_labels([far_shipment["id"]]).done == 0
    with pytest.raises(InvalidInput, match="no service"):
        app.shipping.set_carrier([far_shipment["id"]], "Fake Parcel", "NOPE")
    assert app.shipping.set_carrier([far_shipment["id"]], "Fake Parcel", "STD") == 1
    market.carrier.refuse_postcodes.add("018956")                    # type: ignore[union-attr]
    report = app.shipping.buy_labels([far_shipment["id"]])
    assert report.failed == 1 and "018956" in report.errors[0]
    [row] = app.shipping.shipments([far_shipment["id"]])
    assert row["state"] == "planned" and "not served" in row["label_error"]

    [refused] = app.shipping.shipments(order_id=ids["REFUSE"])
    app.shipping.buy_labels([refused["id"]])
    market.refuse.add("REFUSE")
    assert app.shipping.confirm([refused["id"]]).failed == 1
    [row] = app.shipping.shipments([refused["id"]])
    assert (row["state"], row["platform_state"], row["platform_error"]) == ("labelled", "failed",
                                                                           "carrier not accepted")
    assert order_status(app, ids["REFUSE"]) == OrderStatus.LABEL_CREATED


def test_exceptions_are_raised_and_closed(world: World) -> None:
    app, market, clock, store = world
    late = order("LATE", [("MUG", 1)], clock.now(), address=BERLIN, buyer="anna")
    late = replace(late, ship_by=clock.now() + timedelta(days=1))
    ids = sell(app, market, store, late, order("LOST", [("MUG", 1)], clock.now(), address=PARIS, buyer="luc"),
               order("FAIL", [("MUG", 1)], clock.now(), address=PARIS, buyer="zoe"))
    app.review.review()
    app.review.hold([ids["LATE"]], "checking the address")
    app.shipping.fulfil()
    clock.advance(days=2)
    book = market.carrier
    assert book is not None
    by_order = {s["lines"][0]["platform_order_id"]: s for s in app.shipping.shipments()}
    book.scan(by_order["FAIL"]["tracking_number"], TrackingStatus.EXCEPTION, "recipient not at home")
    app.tracking.track()
    clock.advance(days=6)
    report = app.tracking.check_exceptions()
    kinds = {(e["kind"], e["detail"].split(":")[0]) for e in app.tracking.exceptions()}
    assert ("late_shipment", "LATE") in kinds
    assert ("delivery_failed", by_order["FAIL"]["reference"]) in kinds
    assert ("no_movement", by_order["LOST"]["reference"]) in kinds
    assert app.tracking.check_exceptions().raised == 0 and report.raised == len(kinds)      # raised once
    book.scan(by_order["FAIL"]["tracking_number"], TrackingStatus.DELIVERED)
    app.tracking.track()
    assert app.tracking.check_exceptions().resolved == 1
    assert "delivery_failed" not in {e["kind"] for e in app.tracking.exceptions()}


def test_pickup_points_take_only_their_own_slots(world: World) -> None:
    from datetime import time

    from crossdock.domain.fulfilment.pickup import OpeningHours, PickupPoint

    app, market, clock, store = world
    point = app.shipping.add_pickup_point(PickupPoint(
        id="PS-123", carrier="fakeparcel", name="Packstation 123", address=BERLIN, timezone="Europe/Berlin",
        hours=tuple(OpeningHours(d, time(8), time(20)) for d in range(5))))
    ids = sell(app, market, store, order("PICK", [("MUG", 1)], clock.now(), address=BERLIN, buyer="anna"))
    app.review.review()
    app.shipping.plan()
    [shipment] = app.shipping.shipments(order_id=ids["PICK"])
    sunday = datetime(2026, 11, 8, 9, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match=r"(?i)sunday|closed"):
        app.shipping.bind_pickup(shipment["id"], point, sunday, sunday + timedelta(hours=1))
    monday = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)       # 10:00 in Berlin
    app.shipping.bind_pickup(shipment["id"], point, monday, monday + timedelta(hours=1))
    assert app.shipping.buy_labels().done == 1
    book = market.carrier
    assert book is not None and next(iter(book.parcels.values())).pickup_point_id == "PS-123"


def test_invoices_are_numbered_without_gaps_with_the_buyers_vat(world: World) -> None:
    app, market, clock, store = world
    app.documents.add_entity("CDE", "Crossdock Europe GmbH", BERLIN_WH, vat_number="DE136695976",
                             invoice_prefix="CDE-2026-")
    app.documents.set_store(store, entity="CDE", return_warehouse="DE-BER")
    with pytest.raises(InvalidInput, match="VAT"):
        app.documents.add_entity("BAD", "Bad", BERLIN_WH, vat_number="DE123")
    ids = sell(app, market, store, order("INV-1", [("MUG", 2)], clock.now(), address=PARIS, buyer="luc"),
               order("INV-2", [("MUG", 1)], clock.now(), address=BERLIN, buyer="anna"))
    app.documents.add_entity("NOVAT", "No VAT Ltd", BERLIN_WH)
    app.documents.set_store(store, entity="NOVAT")
    with pytest.raises(InvalidInput, match="no VAT number"):
        app.documents.invoice(ids["INV-1"])
    with app.uow(readonly=True) as uow:                       # no number was used up
        assert uow.shipments.entity_by_code("NOVAT")["next_invoice"] == 1
        assert uow.shipments.invoice_for(ids["INV-1"]) is None
    app.documents.set_store(store, entity="CDE")                # the return warehouse stays as it was
    with app.uow(readonly=True) as uow:
        assert uow.shipments.store_fulfilment([store])[store]["return_warehouse_id"] is not None
    first, _ = app.documents.invoice(ids["INV-1"])
    second, _ = app.documents.invoice(ids["INV-2"])
    again, pdf = app.documents.invoice(ids["INV-1"])
    assert (first, second, again) == ("CDE-2026-000001", "CDE-2026-000002", "CDE-2026-000001")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "20" in text and "CDE-2026-000001" in text                 # French VAT for a buyer in Paris
    with app.uow(readonly=True) as uow:
        row = uow.shipments.invoice_for(ids["INV-1"])
    assert row is not None and Decimal(row["vat_rate"]) == Decimal("20")
    assert Money(row["net"], "EUR") + Money(row["vat"], "EUR") == Money(row["gross"], "EUR")


def test_returns_become_after_sales_and_restock_through_the_ledger(world: World) -> None:
    app, market, clock, store = world
    app.documents.set_store(store, return_warehouse="DE-BER")
    ids = sell(app, market, store, order("RET", [("MUG", 2)], clock.now(), address=PARIS, buyer="luc"))
    app.review.review()
    app.shipping.fulfil()
    on_hand = sum(v.on_hand for v in app.inventory.levels("MUG"))
    clock.advance(days=3)
    market.shop("s1").returns.append(ReturnRequest(
        platform_return_id="R-1", platform_order_id="RET", platform_status="REQUESTED", state=ReturnState.REQUESTED,
        created_at=clock.now(), updated_at=clock.now(), reason="changed my mind",
        lines=(ReturnLine("RET-0", "MUG", 2),), refund=Money(Decimal("20.00"), "EUR")))
    clock.advance(minutes=5)
    pulled = app.returns.pull(store)
    assert (pulled.new, pulled.errors) == (1, [])
    assert app.returns.pull(store).new == 0                                   # idempotent
    [ret] = app.returns.returns()
    assert ret["state"] == "requested" and ret["order_id"] == ids["RET"]
    with app.uow(readonly=True) as uow:
        assert ret["warehouse_id"] == next(w.id for w in uow.catalogue.warehouses() if w.code == "DE-BER")
    assert order_status(app, ids["RET"]) == OrderStatus.RETURN_REQUESTED
    with pytest.raises(InvalidInput, match="holds 2"):
        app.returns.receive(ret["id"], [Inspection("MUG", restock=3)])
    app.returns.receive(ret["id"], [Inspection("MUG", restock=1, write_off=1, note="cracked")])
    assert sum(v.on_hand for v in app.inventory.levels("MUG")) == on_hand + 1
    ledger = app.inventory.ledger(reference=f"return:{ret['id']}")
    assert [(e["reason"], e["on_hand_delta"]) for e in ledger] == [("return", 1)]
    with pytest.raises(InvalidInput, match="received"):
        app.returns.receive(ret["id"], [Inspection("MUG", restock=1)])
    assert order_status(app, ids["RET"]) == OrderStatus.RETURNED


def test_a_parcel_whose_order_is_cancelled_is_dropped_or_its_label_called_off(world: World) -> None:
    app, market, clock, store = world
    ids = sell(app, market, store, order("EARLY", [("MUG", 1)], clock.now(), address=BERLIN, buyer="anna"),
               order("LATE", [("MUG", 1)], clock.now(), address=PARIS, buyer="luc"))
    app.review.review()
    app.shipping.plan()
    [late] = app.shipping.shipments(order_id=ids["LATE"])
    assert app.shipping.buy_labels([late["id"]]).done == 1
    book = market.carrier
    assert book is not None and len(book.parcels) == 1
    clock.advance(minutes=5)
    for oid in ("EARLY", "LATE"):      # the buyers cancel on the platform
        market.shop("s1").orders[oid] = replace(market.shop("s1").orders[oid], status=OrderStatus.CANCELLED,
                                                 platform_status="cancelled", updated_at=clock.now())
    app.sync.pull(PullOrders(store, trigger="test"))
    labels = app.shipping.buy_labels()
    assert labels.done == 0 and "cancelled" in labels.errors[0]
    [early] = app.shipping.shipments(order_id=ids["EARLY"])
    assert early["state"] == "cancelled"
    confirmed = app.shipping.confirm()
    assert confirmed.done == 0 and market.shop("s1").shipped == {}
    assert book.parcels == {}                                   # the bought label was called off with the carrier
    assert app.shipping.shipments([late["id"]])[0]["state"] == "cancelled"


def test_an_interrupted_label_purchase_is_raised_not_retried_blindly(world: World) -> None:
    app, market, clock, store = world
    ids = sell(app, market, store, order("CUT", [("MUG", 1)], clock.now(), address=BERLIN, buyer="anna"))
    app.review.review()
    app.shipping.plan()
    [shipment] = app.shipping.shipments(order_id=ids["CUT"])
    with app.uow() as uow:                     # as a crash between claiming and recording leaves it
        uow.shipments.claim(shipment["id"], ["planned"], {"state": "labelling", "updated_at": clock.now()})
        uow.commit()
    assert app.shipping.buy_labels().done == 0
    clock.advance(minutes=20)
    app.tracking.check_exceptions()
    [raised] = [e for e in app.tracking.exceptions() if e["kind"] == "label_interrupted"]
    assert shipment["reference"] in raised["detail"]
    assert app.shipping.retry_interrupted([shipment["id"]]) == 1
    assert app.shipping.buy_labels().done == 1
    assert app.tracking.check_exceptions().resolved == 1
