"""The `crossdock` fulfilment commands a seller types (review, carriers, shipping, papers, tracking, returns,
invoices), against a fake marketplace and an in-memory carrier, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from crossdock import bootstrap as composition
from crossdock.carriers._registry import CarrierRegistry
from crossdock.connectors._kit.registry import Registry
from crossdock.domain.fulfilment.returns import ReturnLine, ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.interfaces.cli import context
from crossdock.interfaces.cli.main import app
from crossdock.ports.clock import ManualClock
from tests.contract.harness import T0
from tests.fakes import FakeMarket, ParcelBook, listing, order

runner = CliRunner()
BERLIN = Address(name="Anna Schmidt", phone="+49 30 12345678", country="DE", city="Berlin", postcode="10115",
                 line1="Invalidenstraße 116")
PARIS = Address(name="Luc Martin", phone="+33 1 42 68 53 00", country="FR", city="Paris", postcode="75002",
                line1="12 Rue de la Paix")
SINGAPORE = Address(name="Ken Tan", phone="+65 6123 4567", country="SG", city="Singapore", postcode="018956",
                    line1="10 Bayfront Ave")


@dataclass
class Seller:
    home: Path
    market: FakeMarket
    clock: ManualClock

    @property
    def book(self) -> ParcelBook:
        assert self.market.carrier is not None
        return self.market.carrier

    def sell(self, *orders: Any) -> None:
        for snap in orders:
            self.market.shop("s1").orders[snap.platform_order_id] = snap
        cli("sync", "orders", "--store", "1")


@pytest.fixture
def seller(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seller]:
    monkeypatch.setenv("CROSSDOCK_HOME", str(tmp_path))
    monkeypatch.setenv("CROSSDOCK_CONFIG", str(tmp_path / "crossdock.toml"))
    monkeypatch.setenv("CROSSDOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("CROSSDOCK_CONNECTORS", '{"fake": {}}')
    clock = ManualClock(T0)
    market = FakeMarket()
    market.carrier = ParcelBook(clock)
    # Every command bootstraps its own App; this one talks to the in-memory marketplace and carrier, on one clock.
    monkeypatch.setattr(context, "bootstrap", partial(
        composition.bootstrap, registry=Registry({"fake": market.spec()}), sleep=lambda s: None, clock=clock,
        carrier_registry=CarrierRegistry({"fakeparcel": market.carrier.spec()})))
    yield Seller(tmp_path, market, clock)


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def cli_json(*args: str, code: int = 0) -> Any:
    return json.loads(cli(*args, "--json", code=code))


def said(*args: str, code: int = 0) -> str:
    """Everything a command wrote (stdout and stderr), as one line of words: Rich wraps and draws boxes."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return " ".join(re.sub(r"[│┃╭╮╰╯─━┏┓┗┛┡┩└┘┌┐├┤┼╇╈╋]", " ", result.output).split())


def fails(*args: str, code: int = 1) -> str:
    return said(*args, code=code)


def pages(path: Path) -> int:
    assert path.read_bytes().startswith(b"%PDF")
    return len(PdfReader(io.BytesIO(path.read_bytes())).pages)


def set_up(seller: Seller) -> None:
    cli("warehouses", "add", "CN-SZ", "--name", "Shenzhen", "--country", "CN", "--priority", "10")
    cli("warehouses", "add", "DE-BER", "--name", "Berlin", "--country", "DE", "--kind", "overseas")
    cli("skus", "add", "MUG", "--title", "Mug", "--weight-kg", "0.4")
    cli("stock", "adjust", "CN-SZ", "MUG", "--count", "20")
    cli("stores", "add", "--platform", "fake", "--external-id", "s1", "--name", "Fake s1", "--region", "DE",
        "--currency", "EUR", "--code", "consent")
    seller.market.shop("s1").listings[("MUG", "")] = listing("MUG", 0)
    cli("listings", "pull", "1")
    cli("shipping", "warehouse-address", "CN-SZ", "--name", "Crossdock Shenzhen", "--line1", "1 Keji Road",
        "--city", "Shenzhen", "--postcode", "518000", "--country", "cn", "--phone", "+86 755 8888 8888")
    assert "Fake Parcel (fakeparcel) added" in said("carriers", "add", "fakeparcel", "Fake Parcel",
                                                    "--set", "api_key=s3cret-key-42")
    cli("shipping", "rule-add", "EU parcels", "--account", "Fake Parcel", "--service", "STD", "--country", "DE",
        "--country", "fr", "--max-weight", "30000", "--max-value", "150EUR")


def test_a_seller_reviews_ships_prints_and_tracks(seller: Seller) -> None:
    set_up(seller)
    now = seller.clock.now()
    seller.sell(order("OK-1", [("MUG", 1)], now, address=BERLIN, buyer="anna"),
                order("NOTE", [("MUG", 2)], now, address=PARIS, buyer="luc", note="gift wrap please"),
                order("PHONE", [("MUG", 1)], now, address=replace(PARIS, phone="12"), buyer="zoe"),
                order("FAR", [("MUG", 1)], now, address=SINGAPORE, buyer="ken"))

    report = cli_json("review", "run")
    assert (report["reviewed"], report["approved"], report["held"]) == (4, 2, 2)
    assert report["reasons"] == {"buyer_note": 1, "phone": 1}
    held = {h["platform_order_id"]: h for h in cli_json("review", "held")}
    assert [r["code"] for r in held["NOTE"]["reasons"]] == ["buyer_note"]
    assert "gift wrap please" in said("review", "held")
    note, phone = held["NOTE"]["order_id"], held["PHONE"]["order_id"]
    assert "1 of 1 orders approved" in said("review", "approve", str(note), "--note", "wrapped")
    assert cli_json("review", "approve", str(note)) == {"changed": [], "unchanged": [note]}     # approved already
    # the marketplace is told; this one takes no "undeliverable" from sellers, and says so
    cancelled = cli_json("review", "cancel", str(phone), "--reason", "phone does not exist",
                         "--platform-reason", "undeliverable_address", code=2)
    assert (cancelled["changed"], cancelled["unchanged"]) == ([phone], [])
    assert (cancelled["platform"]["done"], cancelled["platform"]["failed"]) == (0, 1)
    assert "not accepted" in cancelled["platform"]["errors"][0]
    assert "failed" in said("review", "cancellations") and "OUT_OF_STOCK" in said("review", "cancellations")
    assert "1 cancelled" in said("review", "cancel-again", str(phone), "--platform-reason", "out_of_stock")
    [row] = cli_json("review", "cancellations")
    assert (row["order_id"], row["state"], row["reason"], row["order_status"]) == (
        phone, "ok", "out_of_stock", "cancelled")
    assert "PHONE" in seller.market.shop("s1").cancelled
    assert "--platform-reason" in fails("review", "cancel", str(note), "--reason", "x", code=2)
    assert cli_json("review", "held") == []

    assert cli_json("carriers", "list")[0]["services"][0]["code"] == "STD"
    assert "s3cret" not in said("carriers", "list") and "s3cret" not in said("carriers", "list", "--json")
    [rule] = cli_json("shipping", "rules")
    assert rule["conditions"]["countries"] == ["DE", "FR"]
    assert rule["conditions"]["max_value"] == {"amount": "150", "currency": "EUR"}
    assert "to DE,FR; ≤ 30000 g; ≤ 150 EUR" in said("shipping", "rules")

    plan = cli_json("shipping", "plan")
    assert (plan["orders"], plan["shipments"], plan["unrouted"]) == (3, 3, 1)
    planned = {s["lines"][0]["platform_order_id"]: s for s in cli_json("shipping", "list", "--state", "planned")}
    far = str(planned["FAR"]["id"])
    assert "1 of 1 parcels routed to Fake Parcel STD" in said("shipping", "route", far, "--account", "Fake Parcel",
                                                              "--service", "STD")
    bought = cli_json("shipping", "labels")
    assert (bought["done"], bought["failed"]) == (3, 0)

    labels = seller.home / "labels.pdf"
    assert "3 labels written to" in said("shipping", "print", "labels", "--out", str(labels))
    assert pages(labels) == 3
    one = seller.home / "one.pdf"
    written = cli_json("shipping", "print", "labels", far, "--out", str(one))
    assert written["file"] == str(one) and written["shipments"] == [int(far)] and pages(one) == 1
    slips = seller.home / "slips.pdf"
    cli("shipping", "print", "packing-slips", "--out", str(slips))
    assert pages(slips) == 3 and "gift wrap please" in PdfReader(slips).pages[
        [s["lines"][0]["platform_order_id"] for s in cli_json("shipping", "list")].index("NOTE")].extract_text()
    pick = seller.home / "pick.pdf"
    cli("shipping", "print", "pick-list", "CN-SZ", "--out", str(pick))
    assert "MUG" in PdfReader(pick).pages[0].extract_text()

    assert "confirm" in said("shipping", "confirm")
    shipped = cli_json("shipping", "list", "--state", "shipped")
    assert len(shipped) == 3 and {s["value"]["currency"] for s in shipped} == {"EUR"}
    assert set(seller.market.shop("s1").shipped) == {"OK-1", "NOTE", "FAR"}

    # invoices: an entity, the store it invoices for, a numbered PDF
    cli("invoices", "entity-add", "CDE", "Crossdock Europe GmbH", "--line1", "Sonnenallee 200", "--city", "Berlin",
        "--postcode", "12057", "--country", "DE", "--vat", "DE136695976", "--prefix", "CDE-2026-")
    cli("invoices", "store", "1", "--entity", "CDE", "--return-warehouse", "DE-BER")
    invoice = seller.home / "invoice.pdf"
    ok_1 = next(s["lines"][0]["order_id"] for s in shipped if s["lines"][0]["platform_order_id"] == "OK-1")
    issued = cli_json("invoices", "issue", str(ok_1), "--out", str(invoice))
    assert issued["number"] == "CDE-2026-000001" and pages(invoice) == 1
    assert "CDE-2026-000001" in PdfReader(invoice).pages[0].extract_text()
    assert "invoice CDE-2026-000001 written to" in said("invoices", "issue", str(ok_1), "--out", str(invoice))

    # tracking: one parcel fails at the door
    by_order = {s["lines"][0]["platform_order_id"]: s for s in shipped}
    seller.clock.advance(days=1)
    seller.book.scan(by_order["NOTE"]["tracking_number"], TrackingStatus.EXCEPTION, "recipient not at home")
    tracked = cli_json("tracking", "run")
    assert tracked["tracking"]["shipments"] == 3 and tracked["exceptions"]["open"] == {"delivery_failed": 1}
    [failed] = cli_json("tracking", "exceptions", "--kind", "delivery_failed")
    assert failed["shipment_id"] == by_order["NOTE"]["id"] and "recipient not at home" in failed["detail"]
    assert f"delivery_failed - {failed['shipment_id']} {by_order['NOTE']['reference']}:" in said("tracking",
                                                                                               "exceptions")
    events = cli_json("tracking", "events", str(by_order["NOTE"]["id"]))
    assert [e["status"] for e in events] == ["info_received", "exception"]
    assert "0 new events" in said("tracking", "run")

    # returns: the buyer in Berlin sends the mug back to the Berlin warehouse
    seller.market.shop("s1").returns.append(ReturnRequest(
        platform_return_id="R-1", platform_order_id="OK-1", platform_status="REQUESTED", state=ReturnState.REQUESTED,
        created_at=seller.clock.now(), updated_at=seller.clock.now(), reason="too small",
        lines=(ReturnLine("OK-1-0", "MUG", 1),), refund=Money(Decimal("10.00"), "EUR")))
    seller.clock.advance(minutes=5)
    assert cli_json("returns", "pull", "1")["new"] == 1
    [ret] = cli_json("returns", "list", "--state", "requested")
    assert (ret["warehouse"], ret["refund"], ret["order_id"]) == ("DE-BER", {"amount": "10.00", "currency": "EUR"},
                                                                 ok_1)
    assert "holds 1" in fails("returns", "receive", str(ret["id"]), "--restock", "MUG=2")
    received = cli_json("returns", "receive", str(ret["id"]), "--restock", "MUG=1", "--note", "as new")
    assert received["state"] == "received"
    assert received["inspection"] == [{"sku": "MUG", "restocked": 1, "written_off": 0, "note": "as new"}]
    berlin = {r["warehouse"]: r["on_hand"] for r in cli_json("stock", "show", "--sku", "MUG")}
    assert berlin["DE-BER"] == 1
    listed = said("returns", "list")
    assert "Returns (1)" in listed and "OK-1" in listed and "DE-BER" in listed


def test_shipping_run_pick_up_slots_and_rules_by_the_seller(seller: Seller) -> None:
    set_up(seller)
    cli("shipping", "warehouse-address", "DE-BER", "--name", "Crossdock Berlin", "--line1", "Sonnenallee 200",
        "--city", "Berlin", "--postcode", "12057", "--country", "DE")
    cli("review", "rule", "buyer_note", "--off")
    rules = {r["code"]: r for r in cli_json("review", "rules")}
    assert rules["buyer_note"]["enabled"] is False and rules["phone"]["enabled"] is True
    amount = cli_json("review", "rule", "amount", "--on", "--param", "amount_floor=0.4")
    assert amount == {"code": "amount", "enabled": True, "params": {"amount_floor": "0.4"}}
    assert "buyer_note off" in said("review", "rules").replace("│", "")

    entry = cli_json("review", "blacklist", "add", "buyer", "fraudster", "--reason", "chargeback in October")
    assert (entry["kind"], entry["shown"], entry["reason"]) == ("buyer", "fraudster", "chargeback in October")
    again = said("review", "blacklist", "add", "buyer", "Fraudster", "--reason", "x")
    assert f"buyer fraudster is on the blacklist already (entry {entry['id']})" in again
    street = cli_json("review", "blacklist", "add", "address", "1 Rue Noire", "--country", "FR", "--postcode",
                      "75002", "--city", "Paris", "--reason", "parcel thief")
    assert street["value"] == "FR|75002|paris|1ruenoire"
    assert f"blacklist entry {street['id']} removed" in said("review", "blacklist", "remove", str(street["id"]))
    assert [e["kind"] for e in cli_json("review", "blacklist", "list")] == ["buyer"]

    point = said("shipping", "pickup-add", "fakeparcel", "PS-123", "--name", "Packstation 123", "--line1",
                 "Invalidenstraße 116", "--city", "Berlin", "--postcode", "10115", "--country", "DE", "--timezone",
                 "Europe/Berlin", "--hours", "mon-fri=08:00-12:00,13:00-20:00", "--hours", "sat=09:00-13:00")
    assert "pick-up point 1 Packstation 123 (fakeparcel PS-123) added" in point

    now = seller.clock.now()
    seller.sell(order("PICK", [("MUG", 1)], now, address=BERLIN, buyer="anna", note="leave at the packstation"),
                order("BLACK", [("MUG", 1)], now, address=PARIS, buyer="fraudster"))
    assert cli_json("review", "run")["reasons"] == {"blacklist": 1}
    assert cli_json("shipping", "list", "--state", "planned") == []     # approved: parcels come with `plan` or `run`
    cli("shipping", "plan")
    [shipment] = cli_json("shipping", "list", "--state", "planned")
    sid = str(shipment["id"])
    assert "closed on Sundays" in fails("shipping", "pickup", sid, "--point", "1", "--start",
                                        "2026-11-08T09:00:00Z", "--end", "2026-11-08T10:00:00Z")
    # Monday 12:00-13:00 in Berlin is the lunch break: 11:00-12:00 UTC is no slot
    assert "is not one of Packstation 123's slots" in fails("shipping", "pickup", sid, "--point", "1", "--start",
                                                             "2026-11-09T11:00:00Z", "--end", "2026-11-09T12:00:00Z")
    bound = cli_json("shipping", "pickup", sid, "--point", "1", "--start", "2026-11-09T09:00:00Z", "--end",
                     "2026-11-09T10:00:00Z")
    assert (bound["pickup_point_id"], bound["pickup_slot_start"]) == (1, "2026-11-09T09:00:00Z")

    out = said("shipping", "run")
    assert "0 parcels planned for 0 orders" in out and "labels 1 0 0" in out and "confirm 1 0 0" in out
    assert next(iter(seller.book.parcels.values())).pickup_point_id == "PS-123"
    assert seller.market.shop("s1").shipped["PICK"].tracking_number.startswith("FK")

    # the held order, approved after a call, goes out on its own run
    black = cli_json("review", "held")[0]["order_id"]
    cli("review", "approve", str(black))
    run = cli_json("shipping", "run", str(black))
    assert (run["plan"]["orders"], run["labels"]["done"], run["confirm"]["done"]) == (1, 1, 1)
    assert cli_json("shipping", "run") == {
        "plan": {"orders": 0, "shipments": 0, "split_orders": 0, "merged": 0, "unrouted": 0, "shipment_ids": []},
        "labels": {"done": 0, "failed": 0, "retry": 0, "errors": []},
        "confirm": {"done": 0, "failed": 0, "retry": 0, "errors": []}}

    # a refused label exits 2 with the carrier's words
    seller.book.refuse_postcodes.add("10115")
    seller.sell(order("REFUSED", [("MUG", 1)], seller.clock.now(), address=BERLIN, buyer="max"))
    cli("review", "run")
    refused = said("shipping", "run", code=2)
    assert "postcode 10115 is not served" in refused and "labels 0 1 0" in refused


def test_bad_input_is_refused_with_a_clear_message(seller: Seller) -> None:
    set_up(seller)
    out = fails("carriers", "add", "fakeparcel", "Typo", "--set", "apikey=hunter2-secret")
    assert "api_key" in out and "hunter2" not in out
    assert "no carrier adapter 'nope'" in fails("carriers", "add", "nope", "X")
    assert "--set takes key=value" in fails("carriers", "add", "fakeparcel", "X", "--set", "api_key")
    assert "fakeparcel has no service 'EXPRESS'; it has COLD, STD" in fails(
        "shipping", "rule-add", "x", "--account", "Fake Parcel", "--service", "EXPRESS")
    assert "no carrier account named 'DHL'" in fails("shipping", "rule-add", "x", "--account", "DHL", "--service",
                                                     "STD")
    assert "e.g. 150EUR" in fails("shipping", "rule-add", "x", "--account", "Fake Parcel", "--service", "STD",
                                  "--max-value", "150")
    assert "no warehouse 'MARS'" in fails("shipping", "warehouse-address", "MARS", "--name", "x", "--line1", "x",
                                          "--city", "x", "--postcode", "1", "--country", "DE")
    assert "no order with id 999" in fails("review", "approve", "999")
    assert "no review rule 'nope'" in fails("review", "rule", "nope", "--on")
    assert "--param takes key=value" in fails("review", "rule", "amount", "--on", "--param", "floor")
    assert "amount_floor must be a number" in fails("review", "rule", "amount", "--on", "--param",
                                                    "amount_floor=cheap")
    assert "blacklist kind must be one of" in fails("review", "blacklist", "add", "ip", "1.2.3.4", "--reason", "x")
    assert "needs its street" in fails("review", "blacklist", "add", "address", " ", "--country", "FR", "--reason",
                                       "x")
    assert "needs --country" in fails("review", "blacklist", "add", "address", "1 Rue Noire", "--reason", "x")
    assert "no blacklist entry 7" in fails("review", "blacklist", "remove", "7")
    assert "no shipment 404" in fails("shipping", "route", "404", "--account", "Fake Parcel", "--service", "STD")
    assert "no shipment 404" in fails("shipping", "print", "labels", "404", "--out", str(seller.home / "x.pdf"))
    assert "no labelled parcel" in fails("shipping", "print", "labels", "--out", str(seller.home / "x.pdf"))
    assert "no warehouse 'MARS'" in fails("shipping", "print", "pick-list", "MARS", "--out",
                                          str(seller.home / "x.pdf"))
    assert "no shipment 404" in fails("tracking", "events", "404")
    assert "--hours takes DAYS" in fails("shipping", "pickup-add", "fakeparcel", "P", "--name", "P", "--line1", "x",
                                         "--city", "x", "--postcode", "1", "--country", "DE", "--timezone",
                                         "Europe/Berlin", "--hours", "weekdays=08:00-20:00")
    assert "unknown time zone 'Mars/Base'" in fails(
        "shipping", "pickup-add", "fakeparcel", "P", "--name", "P", "--line1", "x", "--city", "x", "--postcode", "1",
        "--country", "DE", "--timezone", "Mars/Base", "--hours", "mon=08:00-20:00")
    assert "ISO 8601" in fails("shipping", "pickup", "1", "--point", "1", "--start", "monday", "--end", "tuesday")
    assert "no order 999" in fails("invoices", "issue", "999", "--out", str(seller.home / "x.pdf"))
    assert "not a valid EU VAT number" in fails("invoices", "entity-add", "BAD", "Bad", "--line1", "x", "--city",
                                                "x", "--postcode", "1", "--country", "DE", "--vat", "DE123")
    assert "no seller entity 'X'" in fails("invoices", "store", "1", "--entity", "X")
    assert "no store with id 9" in fails("invoices", "store", "9", "--entity", "X")
    assert "no return 9" in fails("returns", "receive", "9", "--restock", "MUG=1")
    assert "whole number" in fails("returns", "receive", "9", "--restock", "MUG=two")
    assert "say what arrived" in fails("returns", "receive", "9")
    assert "no store with id 9" in fails("returns", "pull", "9")

    seller.sell(order("HS", [("MUG", 1)], seller.clock.now(), address=BERLIN, buyer="anna"))
    cli("review", "run")
    cli("shipping", "run")
    [shipment] = cli_json("shipping", "list")
    customs = str(seller.home / "customs.pdf")
    assert "no seller entity" in fails("shipping", "print", "commercial-invoice", str(shipment["id"]), "--out",
                                       customs)
    cli("invoices", "entity-add", "CDE", "Crossdock Europe GmbH", "--line1", "Sonnenallee 200", "--city", "Berlin",
        "--postcode", "12057", "--country", "DE")
    cli("invoices", "store", "1", "--entity", "CDE")
    assert "set the HS code of MUG" in fails("shipping", "print", "commercial-invoice", str(shipment["id"]),
                                             "--out", customs)
    ordered = str(shipment["lines"][0]["order_id"])
    assert "CDE has no VAT number" in fails("invoices", "issue", ordered, "--out", str(seller.home / "x.pdf"))
    cli("invoices", "entity-add", "CDV", "Crossdock VAT GmbH", "--line1", "Sonnenallee 200", "--city", "Berlin",
        "--postcode", "12057", "--country", "DE", "--vat", "DE136695976")
    cli("invoices", "store", "1", "--entity", "CDV")
    assert "cannot write" in fails("invoices", "issue", ordered, "--out", str(seller.home / "missing" / "x.pdf"))
    assert not (seller.home / "missing").exists()
    assert "say why" in fails("review", "hold", str(shipment["lines"][0]["order_id"]), "--reason", " ")
