"""The fulfilment REST API (review, carriers, shipping, papers, tracking, returns) over a fake marketplace and an
in-memory carrier, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from crossdock.bootstrap import App
from crossdock.domain.fulfilment.returns import ReturnLine, ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.interfaces.api.app import create_api
from crossdock.ports.clock import ManualClock
from crossdock.services.inventory import AddSku, AddWarehouse, Adjust, WarehouseKind
from crossdock.services.order_sync import PullOrders
from tests.contract.harness import T0
from tests.fakes import FakeMarket, ParcelBook, add_store, fake_app, listing, order

PROBLEM = "application/problem+json"
BERLIN = {"name": "Anna Schmidt", "phone": "+49 30 12345678", "country": "DE", "city": "Berlin",
          "postcode": "10115", "line1": "Invalidenstraße 116"}
PARIS = {"name": "Luc Martin", "phone": "+33 1 42 68 53 00", "country": "FR", "city": "Paris",
         "postcode": "75002", "line1": "12 Rue de la Paix"}
SINGAPORE = {"name": "Ken Tan", "phone": "+65 6123 4567", "country": "SG", "city": "Singapore",
             "postcode": "018956", "line1": "10 Bayfront Ave"}
SHENZHEN_WH = {"name": "Crossdock Shenzhen", "phone": "+86 755 8888 8888", "country": "CN", "city": "Shenzhen",
               "postcode": "518000", "line1": "1 Keji Road"}
BERLIN_WH = {"name": "Crossdock Berlin", "phone": "+49 30 9999999", "country": "de", "city": "Berlin",
             "postcode": "12057", "line1": "Sonnenallee 200"}


@dataclass
class World:
    app: App
    market: FakeMarket
    clock: ManualClock
    store: int
    client: TestClient

    @property
    def book(self) -> ParcelBook:
        assert self.market.carrier is not None
        return self.market.carrier

    def sell(self, *orders: Any) -> dict[str, int]:
        for snap in orders:
            self.market.shop("s1").orders[snap.platform_order_id] = snap
        self.app.sync.pull(PullOrders(self.store, trigger="test"))
        with self.app.uow(readonly=True) as uow:
            states = uow.orders.states(self.store, [s.platform_order_id for s in orders])
        return {k: v.order_id for k, v in states.items()}


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    clock = ManualClock(T0)
    app, market = fake_app(database_url, tmp_path, clock)
    app.inventory.add_warehouse(AddWarehouse("CN-SZ", "Shenzhen", "CN", priority=10))
    app.inventory.add_warehouse(AddWarehouse("DE-BER", "Berlin", "DE", kind=WarehouseKind.OVERSEAS, priority=20))
    app.inventory.add_sku(AddSku("MUG", "Mug", weight_kg=Decimal("0.4"), hs_code="691200", origin_country="CN"))
    app.inventory.adjust([Adjust("CN-SZ", "MUG", count=20), Adjust("DE-BER", "MUG", count=10)])
    store = add_store(app, "s1")
    market.shop("s1").listings[("MUG", "")] = listing("MUG", 0)
    app.listings.pull(store)
    with TestClient(create_api(app)) as client:
        yield World(app, market, clock, store, client)
    app.close()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    detail: str = response.json()["detail"]
    return detail


def pdf_pages(response: Any) -> int:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return len(PdfReader(io.BytesIO(response.content)).pages)


def addr(data: dict[str, str]) -> Address:
    return Address(**data)


def set_up_shipping(client: TestClient) -> None:
    ok(client.put("/api/warehouses/CN-SZ/address", json=SHENZHEN_WH))
    assert ok(client.put("/api/warehouses/DE-BER/address", json=BERLIN_WH))["country"] == "DE"
    assert "NOPE" in problem(client.put("/api/warehouses/NOPE/address", json=BERLIN_WH), 404)
    account = ok(client.post("/api/carriers", json={"carrier": "fakeparcel", "name": "Fake Parcel",
                                                    "settings": {"api_key": "s3cret-key-42"}}), 201)
    assert "settings" not in account and "s3cret" not in str(account)
    assert [s["code"] for s in account["services"]] == ["STD", "COLD"]
    ok(client.post("/api/shipping/rules", json={
        "name": "EU parcels", "account": "Fake Parcel", "service": "STD", "priority": 20,
        "conditions": {"countries": ["de", "FR"], "max_weight_grams": 30000,
                       "max_value": {"amount": "150", "currency": "eur"}}}), 201)


def test_carrier_accounts_never_show_their_secrets_and_rules_name_real_services(world: World) -> None:
    client = world.client
    set_up_shipping(client)
    [account] = ok(client.get("/api/carriers"))
    assert (account["name"], account["carrier"]) == ("Fake Parcel", "fakeparcel")
    assert "s3cret" not in client.get("/api/carriers").text
    # pydantic repeats the settings it was given in its messages: none of them may come back
    detail = problem(client.post("/api/carriers", json={"carrier": "fakeparcel", "name": "Typo",
                                                        "settings": {"apikey": "hunter2-secret"}}), 422)
    assert "api_key" in detail and "hunter2" not in detail
    assert "no carrier adapter 'nope'" in problem(client.post("/api/carriers", json={
        "carrier": "nope", "name": "X", "settings": {}}), 422)
    assert "already" in problem(client.post("/api/carriers", json={"carrier": "fakeparcel", "name": "Fake Parcel",
                                                                   "settings": {"api_key": "k2"}}), 422)

    [rule] = ok(client.get("/api/shipping/rules"))
    assert (rule["account"], rule["carrier"], rule["service"], rule["priority"]) == ("Fake Parcel", "fakeparcel",
                                                                                   "STD", 20)
    assert rule["conditions"]["countries"] == ["DE", "FR"]
    assert rule["conditions"]["max_value"] == {"amount": "150", "currency": "EUR"}
    assert rule["conditions"]["temperatures"] == [] and rule["conditions"]["min_weight_grams"] is None
    detail = problem(client.post("/api/shipping/rules", json={"name": "x", "account": "Fake Parcel",
                                                              "service": "EXPRESS"}), 422)
    assert "fakeparcel has no service 'EXPRESS'; it has COLD, STD" in detail
    assert "no carrier account named 'DHL'" in problem(client.post("/api/shipping/rules", json={
        "name": "x", "account": "DHL", "service": "STD"}), 404)
    detail = problem(client.post("/api/shipping/rules", json={
        "name": "x", "account": "Fake Parcel", "service": "STD",
        "conditions": {"max_value": {"amount": 150.5, "currency": "EUR"}}}), 422)
    assert "max_value.amount" in detail
    assert "'-5' is not an amount" in problem(client.post("/api/shipping/rules", json={
        "name": "x", "account": "Fake Parcel", "service": "STD",
        "conditions": {"min_value": {"amount": "-5", "currency": "EUR"}}}), 422)
    assert "no warehouse NOPE" in problem(client.post("/api/shipping/rules", json={
        "name": "x", "account": "Fake Parcel", "service": "STD", "conditions": {"warehouses": ["NOPE"]}}), 422)


def test_review_then_ship_print_confirm_and_watch_exceptions(world: World) -> None:
    client, clock = world.client, world.clock
    set_up_shipping(client)
    entry = ok(client.post("/api/review/blacklist", json={"kind": "buyer", "value": " Fraudster ",
                                                          "reason": "chargeback in October"}), 201)
    again = ok(client.post("/api/review/blacklist", json={"kind": "buyer", "value": "fraudster", "reason": "x"}))
    assert again["id"] == entry["id"] and (entry["shown"], entry["value"]) == ("Fraudster", "fraudster")
    street = ok(client.post("/api/review/blacklist", json={"kind": "address", "reason": "parcel thief",
                                                           "address": {**PARIS, "line1": "1 Rue Noire"}}), 201)
    assert street["value"] == "FR|75002|paris|1ruenoire"
    assert "street" in problem(client.post("/api/review/blacklist", json={
        "kind": "address", "reason": "x", "address": {"name": "x", "country": "FR"}}), 422)
    assert "kind" in problem(client.post("/api/review/blacklist", json={"kind": "ip", "value": "1.2.3.4",
                                                                        "reason": "x"}), 422)
    assert client.delete(f"/api/review/blacklist/{street['id']}").status_code == 204
    assert "no blacklist entry" in problem(client.delete(f"/api/review/blacklist/{street['id']}"), 404)
    assert [e["kind"] for e in ok(client.get("/api/review/blacklist"))] == ["buyer"]

    now = clock.now()
    ids = world.sell(order("OK-1", [("MUG", 1)], now, address=addr(BERLIN), buyer="anna"),
                     order("PHONE", [("MUG", 1)], now, address=addr({**PARIS, "phone": "12"}), buyer="b2"),
                     order("NOTE", [("MUG", 2)], now, address=addr(PARIS), buyer="b3", note="gift wrap please"),
                     order("BLACK", [("MUG", 1)], now, address=addr(PARIS), buyer="fraudster"),
                     order("FAR", [("MUG", 1)], now, address=addr(SINGAPORE), buyer="ken"))

    report = ok(client.post("/api/review/run"))
    assert (report["reviewed"], report["approved"], report["held"]) == (5, 2, 3)
    assert report["reasons"] == {"phone": 1, "buyer_note": 1, "blacklist": 1}
    held = {h["platform_order_id"]: h for h in ok(client.get("/api/review/held"))}
    assert set(held) == {"PHONE", "NOTE", "BLACK"}
    assert [r["code"] for r in held["NOTE"]["reasons"]] == ["buyer_note"]
    assert "gift wrap" in held["NOTE"]["reasons"][0]["message"]
    assert "chargeback in October" in held["BLACK"]["reasons"][0]["message"]
    assert held["PHONE"]["decided_by"] == "rules"
    assert datetime.fromisoformat(held["PHONE"]["reviewed_at"]).utcoffset() == timedelta(0)

    decision = ok(client.post("/api/review/approve", json={"order_ids": [ids["NOTE"], ids["PHONE"], ids["OK-1"]],
                                                           "reason": "checked by phone"}))
    assert sorted(decision["changed"]) == sorted([ids["NOTE"], ids["PHONE"]])
    assert decision["unchanged"] == [ids["OK-1"]]                   # approved by the rules already
    assert "no order with id 999999" in problem(client.post("/api/review/approve", json={
        "order_ids": [ids["OK-1"], 999999]}), 404)
    assert "say why" in problem(client.post("/api/review/cancel", json={"order_ids": [ids["BLACK"]],
                                                                         "platform_reason": "out_of_stock"}), 422)
    assert "order_ids" in problem(client.post("/api/review/hold", json={"order_ids": [], "reason": "x"}), 422)
    assert "platform_reason" in problem(client.post("/api/review/cancel", json={
        "order_ids": [ids["BLACK"]], "reason": "fraud"}), 422)
    cancelled = ok(client.post("/api/review/cancel", json={"order_ids": [ids["BLACK"]], "reason": "fraud",
                                                           "platform_reason": "other"}))
    assert cancelled["changed"] == [ids["BLACK"]]
    assert (cancelled["platform"]["done"], cancelled["platform"]["failed"]) == (0, 1)
    [refused] = ok(client.get("/api/cancellations", params={"state": "failed"}))
    assert refused["platform_order_id"] == "BLACK" and "OUT_OF_STOCK" in refused["error"]
    assert refused["order_status"] == "cancel_requested"
    again = ok(client.post("/api/cancellations/reopen", json={"order_ids": [ids["BLACK"]],
                                                              "platform_reason": "out_of_stock"}))
    assert again["reopened"] == [ids["BLACK"]] and again["platform"]["done"] == 1
    assert ok(client.get("/api/cancellations"))[0]["state"] == "ok"
    assert ok(client.post("/api/cancellations/send"))["done"] == 0
    assert ok(client.get("/api/review/held")) == []

    # shipping: Singapore has no rule and waits to be routed by hand
    run = ok(client.post("/api/shipping/run"))
    assert (run["plan"]["orders"], run["plan"]["shipments"], run["plan"]["unrouted"]) == (4, 4, 1)
    assert (run["labels"]["done"], run["labels"]["failed"], run["confirm"]["done"]) == (3, 0, 3)
    shipped = ok(client.get("/api/shipments", params={"state": "shipped"}))
    assert len(shipped) == 3 and all(s["tracking_number"].startswith("FK") for s in shipped)
    note = next(s for s in shipped if s["lines"][0]["platform_order_id"] == "NOTE")
    assert note["value"] == {"amount": "20.00", "currency": "EUR"}
    assert (note["account"], note["service"], note["chosen_by"], note["warehouse"]) == ("Fake Parcel", "STD",
                                                                                        "rule", "CN-SZ")
    assert note["recipient"]["city"] == "Paris" and note["platform_state"] == "ok"
    assert set(world.market.shop("s1").shipped) == {"OK-1", "PHONE", "NOTE"}
    assert "state" in problem(client.get("/api/shipments", params={"state": "lost"}), 422)

    [far] = ok(client.get("/api/shipments", params={"order_id": ids["FAR"]}))
    assert (far["state"], far["carrier"], far["has_label"]) == ("planned", None, False)
    assert "no label yet" in problem(client.get(f"/api/shipments/{far['id']}/label"), 422)
    detail = problem(client.post(f"/api/shipments/{far['id']}/route", json={"account": "Fake Parcel",
                                                                            "service": "EXPRESS"}), 422)
    assert "no service 'EXPRESS'" in detail
    assert "no shipment 999999" in problem(client.post("/api/shipments/999999/route", json={
        "account": "Fake Parcel", "service": "STD"}), 404)
    routed = ok(client.post(f"/api/shipments/{far['id']}/route", json={"account": "Fake Parcel", "service": "STD"}))
    assert (routed["account"], routed["service"], routed["chosen_by"]) == ("Fake Parcel", "STD", "seller")
    assert "only planned" in problem(client.post(f"/api/shipments/{note['id']}/route", json={
        "account": "Fake Parcel", "service": "COLD"}), 409)

    point = ok(client.post("/api/pickup-points", json={
        "carrier": "fakeparcel", "external_id": "PS-123", "name": "Packstation 123", "address": BERLIN,
        "timezone": "Europe/Berlin", "hours": [{"weekday": d, "opens": "08:00", "closes": "20:00"}
                                               for d in range(5)]}), 201)
    assert "time zone" in problem(client.post("/api/pickup-points", json={
        "carrier": "fakeparcel", "external_id": "PS-9", "name": "x", "address": BERLIN, "timezone": "Mars/Base",
        "hours": [{"weekday": 0, "opens": "08:00", "closes": "20:00"}]}), 422)
    sunday = datetime(2026, 11, 8, 9, 0, tzinfo=UTC)
    detail = problem(client.post(f"/api/shipments/{far['id']}/pickup", json={
        "point_id": point["id"], "start": sunday.isoformat(), "end": (sunday + timedelta(hours=1)).isoformat()}), 422)
    assert "closed on Sundays" in detail
    detail = problem(client.post(f"/api/shipments/{far['id']}/pickup", json={
        "point_id": point["id"], "start": "2026-11-09T09:30:00+00:00", "end": "2026-11-09T10:30:00+00:00"}), 422)
    assert "10:30" in detail and "is not one of Packstation 123's slots" in detail
    assert "timezone" in problem(client.post(f"/api/shipments/{far['id']}/pickup", json={
        "point_id": point["id"], "start": "2026-11-09T09:00:00", "end": "2026-11-09T10:00:00"}), 422)
    bound = ok(client.post(f"/api/shipments/{far['id']}/pickup", json={
        "point_id": point["id"], "start": "2026-11-09T09:00:00Z", "end": "2026-11-09T10:00:00Z"}))
    assert (bound["pickup_point_id"], bound["pickup_slot_start"]) == (point["id"], "2026-11-09T09:00:00Z")

    assert ok(client.post("/api/shipping/labels", json={"shipment_ids": [far["id"]]}))["done"] == 1
    label = client.get(f"/api/shipments/{far['id']}/label")
    assert pdf_pages(label) == 1 and far["reference"] in label.headers["content-disposition"]
    assert "FK" in PdfReader(io.BytesIO(label.content)).pages[0].extract_text()
    every = [s["id"] for s in ok(client.get("/api/shipments"))]
    assert pdf_pages(client.post("/api/documents/labels", json={"shipment_ids": every})) == 4
    assert "no shipment 999999" in problem(client.post("/api/documents/labels", json={
        "shipment_ids": [every[0], 999999]}), 404)
    assert pdf_pages(client.get("/api/documents/pick-list", params={"warehouse": "CN-SZ"})) >= 1
    assert "nothing to pick in DE-BER" in problem(client.get("/api/documents/pick-list",
                                                             params={"warehouse": "DE-BER"}), 422)
    assert pdf_pages(client.post("/api/documents/packing-slips", json={"shipment_ids": [far["id"]]})) == 1
    assert "no shipment 999999" in problem(client.post("/api/documents/packing-slips", json={
        "shipment_ids": [far["id"], 999999]}), 404)

    assert "seller entity" in problem(client.get(f"/api/shipments/{far['id']}/commercial-invoice"), 422)
    assert "not a valid EU VAT" in problem(client.post("/api/seller-entities", json={
        "code": "BAD", "name": "Bad", "address": BERLIN_WH, "vat_number": "DE123"}), 422)
    ok(client.post("/api/seller-entities", json={"code": "CDE", "name": "Crossdock Europe GmbH", "address": BERLIN_WH,
                                                 "vat_number": "DE136695976", "invoice_prefix": "CDE-2026-"}), 201)
    assert client.put(f"/api/stores/{world.store}/fulfilment", json={"entity": "CDE",
                                                                     "return_warehouse": "DE-BER"}).status_code == 204
    assert "no seller entity 'X'" in problem(client.put(f"/api/stores/{world.store}/fulfilment",
                                                        json={"entity": "X"}), 404)
    assert pdf_pages(client.get(f"/api/shipments/{far['id']}/commercial-invoice")) >= 1
    assert "incoterm" in problem(client.get(f"/api/shipments/{far['id']}/commercial-invoice",
                                            params={"incoterm": "EXW"}), 422)

    invoice = client.get(f"/api/orders/{ids['OK-1']}/invoice")
    assert pdf_pages(invoice) == 1 and invoice.headers["x-invoice-number"] == "CDE-2026-000001"
    assert client.get(f"/api/orders/{ids['NOTE']}/invoice").headers["x-invoice-number"] == "CDE-2026-000002"
    assert client.get(f"/api/orders/{ids['OK-1']}/invoice").headers["x-invoice-number"] == "CDE-2026-000001"
    assert "no order 999999" in problem(client.get("/api/orders/999999/invoice"), 404)
    assert "EU" in problem(client.get(f"/api/orders/{ids['FAR']}/invoice"), 422)

    confirmed = ok(client.post("/api/shipping/confirm"))
    assert (confirmed["done"], confirmed["failed"]) == (1, 0)
    assert ok(client.get(f"/api/shipments/{far['id']}"))["state"] == "shipped"
    assert "no shipment 999999" in problem(client.get("/api/shipments/999999"), 404)

    # tracking: one parcel fails at the door, the others stop moving
    by_order = {s["lines"][0]["platform_order_id"]: s for s in ok(client.get("/api/shipments"))}
    clock.advance(days=1)
    world.book.scan(by_order["PHONE"]["tracking_number"], TrackingStatus.EXCEPTION, "recipient not at home")
    first = ok(client.post("/api/tracking/run"))
    assert first["tracking"]["shipments"] == 4 and first["tracking"]["new_events"] >= 5
    assert first["exceptions"]["open"] == {"delivery_failed": 1}
    [failed] = ok(client.get("/api/exceptions"))
    assert (failed["kind"], failed["shipment_id"]) == ("delivery_failed", by_order["PHONE"]["id"])
    assert "recipient not at home" in failed["detail"]
    clock.advance(days=6)
    later = ok(client.post("/api/tracking/run"))
    assert later["exceptions"]["open"] == {"delivery_failed": 1, "no_movement": 3}
    stalled = ok(client.get("/api/exceptions", params={"kind": "no_movement"}))
    assert {e["shipment_id"] for e in stalled} == {by_order[o]["id"] for o in ("OK-1", "NOTE", "FAR")}
    assert "kind" in problem(client.get("/api/exceptions", params={"kind": "lost"}), 422)
    events = ok(client.get(f"/api/shipments/{by_order['PHONE']['id']}/events"))
    assert [e["status"] for e in events] == ["info_received", "exception"]
    assert events[1]["description"] == "recipient not at home"
    assert "no shipment 999999" in problem(client.get("/api/shipments/999999/events"), 404)


def test_review_rules_are_listed_and_switched(world: World) -> None:
    client = world.client
    rules = {r["code"]: r for r in ok(client.get("/api/review/rules"))}
    assert {"address", "phone", "amount", "blacklist", "buyer_note"} <= set(rules)
    assert all(r["enabled"] for r in rules.values())
    off = ok(client.put("/api/review/rules/buyer_note", json={"enabled": False}))
    assert off == {"code": "buyer_note", "enabled": False, "params": {}}
    assert ok(client.get("/api/review/rules/buyer_note"))["enabled"] is False
    amount = ok(client.put("/api/review/rules/amount", json={"enabled": True, "params": {"amount_floor": "0.4"}}))
    assert amount["params"] == {"amount_floor": "0.4"}
    assert "float" in problem(client.put("/api/review/rules/amount", json={"enabled": True,
                                                                           "params": {"amount_floor": 0.4}}), 422)
    assert "positive" in problem(client.put("/api/review/rules/amount", json={"enabled": True,
                                                                              "params": {"amount_floor": "-1"}}), 422)
    assert "no review rule 'nope'" in problem(client.put("/api/review/rules/nope", json={"enabled": True}), 404)

    # a rule switched off no longer holds: the note passes
    ids = world.sell(order("NOTE", [("MUG", 1)], world.clock.now(), address=addr(PARIS), buyer="b1",
                           note="ring twice"))
    assert ok(client.post("/api/review/run", json={"order_ids": [ids["NOTE"]]}))["approved"] == 1
    assert "no order with id 4242" in problem(client.post("/api/review/run", json={"order_ids": [4242]}), 404)


def test_returns_are_pulled_listed_and_received_into_stock(world: World) -> None:
    client, clock, app = world.client, world.clock, world.app
    set_up_shipping(client)
    ok(client.post("/api/seller-entities", json={"code": "CDE", "name": "Crossdock Europe GmbH", "address": BERLIN_WH}),
       201)
    assert client.put(f"/api/stores/{world.store}/fulfilment", json={"return_warehouse": "DE-BER"}).status_code == 204
    ids = world.sell(order("RET", [("MUG", 2)], clock.now(), address=addr(PARIS), buyer="luc"))
    ok(client.post("/api/review/run"))
    ok(client.post("/api/shipping/run", json={"order_ids": [ids["RET"]]}))
    clock.advance(days=3)
    world.market.shop("s1").returns.append(ReturnRequest(
        platform_return_id="R-1", platform_order_id="RET", platform_status="REQUESTED", state=ReturnState.REQUESTED,
        created_at=clock.now(), updated_at=clock.now(), reason="changed my mind",
        lines=(ReturnLine("RET-0", "MUG", 2),), refund=Money(Decimal("20.00"), "EUR")))
    clock.advance(minutes=5)

    queued = ok(client.post(f"/api/stores/{world.store}/returns/pull"), 202)
    assert queued["key"] == f"returns:{world.store}"
    client.app.state.jobs.drain()       # type: ignore[attr-defined]
    again = ok(client.post(f"/api/stores/{world.store}/returns/pull", params={"wait": "true"}))
    assert (again["new"], again["errors"]) == (0, [])                # the queued pull took it in
    assert "no store with id 99" in problem(client.post("/api/stores/99/returns/pull"), 404)

    [ret] = ok(client.get("/api/returns", params={"state": "requested"}))
    assert (ret["platform_order_id"], ret["order_id"], ret["warehouse"]) == ("RET", ids["RET"], "DE-BER")
    assert ret["refund"] == {"amount": "20.00", "currency": "EUR"}
    assert ret["lines"] == [{"platform_line_id": "RET-0", "sku": "MUG", "quantity": 2}]
    assert ok(client.get("/api/returns", params={"state": "received"})) == []
    assert "state" in problem(client.get("/api/returns", params={"state": "lost"}), 422)

    on_hand = sum(v.on_hand for v in app.inventory.levels("MUG"))
    assert "holds 2" in problem(client.post(f"/api/returns/{ret['id']}/receive", json={
        "items": [{"sku": "MUG", "restock": 3}]}), 422)
    assert "no SKU 'CUP'" in problem(client.post(f"/api/returns/{ret['id']}/receive", json={
        "items": [{"sku": "CUP", "restock": 1}]}), 422)
    assert "no return 999" in problem(client.post("/api/returns/999/receive", json={
        "items": [{"sku": "MUG", "restock": 1}]}), 404)
    received = ok(client.post(f"/api/returns/{ret['id']}/receive", json={
        "items": [{"sku": "MUG", "restock": 1, "write_off": 1, "note": "cracked"}]}))
    assert received["state"] == "received" and received["received_at"] is not None
    assert received["inspection"] == [{"sku": "MUG", "restocked": 1, "written_off": 1, "note": "cracked"}]
    assert sum(v.on_hand for v in app.inventory.levels("MUG")) == on_hand + 1
    assert "received" in problem(client.post(f"/api/returns/{ret['id']}/receive", json={
        "items": [{"sku": "MUG", "restock": 1}]}), 422)


def test_a_late_order_is_an_exception_until_it_ships(world: World) -> None:
    client, clock = world.client, world.clock
    set_up_shipping(client)
    late = replace(order("LATE", [("MUG", 1)], clock.now(), address=addr(BERLIN), buyer="anna"),
                   ship_by=clock.now() + timedelta(hours=6))
    ids = world.sell(late)
    ok(client.post("/api/review/run"))
    assert ok(client.post("/api/tracking/run"))["exceptions"]["raised"] == 1
    [exc] = ok(client.get("/api/exceptions", params={"kind": "late_shipment"}))
    assert exc["order_id"] == ids["LATE"] and exc["detail"].startswith("LATE: not handed over")
    ok(client.post("/api/shipping/run"))
    assert ok(client.post("/api/tracking/run"))["exceptions"] == {"raised": 0, "resolved": 1, "open": {}}
    assert ok(client.get("/api/exceptions")) == []



def test_a_shipping_run_can_be_queued(world: World) -> None:
    client = world.client
    set_up_shipping(client)
    ids = world.sell(order("Q-1", [("MUG", 1)], world.clock.now(), address=addr(BERLIN), buyer="anna"))
    ok(client.post("/api/review/approve", json={"order_ids": list(ids.values())}))
    queued = client.post("/api/shipping/run?background=true", json={})
    assert queued.status_code == 202 and queued.json()["key"] == "shipping:run"
    deadline = time.monotonic() + 20
    while not [s for s in ok(client.get("/api/shipments")) if s["state"] == "shipped"]:
        assert time.monotonic() < deadline, "the queued run did not ship the parcel"
        time.sleep(0.05)
