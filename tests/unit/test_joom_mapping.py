"""Joom mapping: a page built from the v3 docs maps to typed snapshots; every broken shape is a BadPayload."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors.joom.mapping import STATUS, order_from_payload, store_from_payload
from crossdock.domain.money import Money
from crossdock.domain.orders.status import OrderStatus
from crossdock.payloads import fingerprint

FIXTURES = Path(__file__).parents[1] / "fixtures" / "joom"
# The v3 Orders page's states, "refunded" included (Order object enum).
DOCUMENTED_STATES = {"approved", "fulfilledOnline", "shipped", "cancelled", "paidByJoomRefund", "refunded",
                     "returnInitiated", "returnExpired", "returnArrived", "returnCompleted", "returnDeclined"}


def page() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / "orders-multi.json").read_text())
    return body


def order(index: int = 0) -> dict[str, Any]:
    item: dict[str, Any] = page()["data"]["items"][index]
    return item


def test_a_documented_order_maps_to_a_typed_snapshot() -> None:
    raw = order(0)
    snap = order_from_payload(raw)
    assert snap.platform_order_id == "26VE349M"
    assert snap.platform_status == "approved" and snap.status is OrderStatus.PENDING_REVIEW
    assert snap.created_at == datetime(2026, 10, 30, 8, 15, 2, tzinfo=UTC)
    assert snap.updated_at == datetime(2026, 10, 30, 8, 16, 40, tzinfo=UTC)
    assert snap.paid_at == snap.created_at
    assert snap.total == Money(Decimal("29.96"), "EUR")
    assert isinstance(snap.total.amount, Decimal)
    (line,) = snap.lines
    assert line.platform_line_id == "26VE349M"
    assert line.sku == "JM-LEGGINGS-01-BLACK-M"
    assert (line.platform_item_id, line.platform_variant_id) == ("5f2b3c4d5e6f708192a3b4c5", "5f2b3c4d5e6f708192a3b4d1")
    assert line.title == "High Waist Yoga Leggings" and line.variant_title == "Black / M"
    assert line.quantity == 2
    assert line.unit_price == line.paid_unit_price == Money(Decimal("12.99"), "EUR")
    assert snap.buyer.platform_buyer_id == "5d41f0c2a8b7e60001c3d9e1"
    assert snap.buyer.email == "anna.mueller@example.de"
    assert snap.address is not None
    assert (snap.address.name, snap.address.phone, snap.address.country) == ("Anna Müller", "+4915112345678", "DE")
    assert snap.address.line1 == "Invalidenstraße 117 3. OG"
    assert snap.address.postcode == "10115"
    assert snap.address.full_address == "Invalidenstraße 117 3. OG, 10115 Berlin, Berlin, DE"
    assert snap.raw is raw and snap.payload_hash == fingerprint(raw)


def test_the_older_single_street_field_and_missing_parts_are_read() -> None:
    snap = order_from_payload(order(1))
    assert snap.status is OrderStatus.SHIPPED
    assert snap.address is not None and snap.address.line1 == "12 rue de la Roquette"
    assert snap.buyer.email == ""
    assert snap.lines[0].variant_title == "White"


def test_every_documented_state_is_mapped() -> None:
    assert set(STATUS) == DOCUMENTED_STATES
    assert STATUS["approved"] is OrderStatus.PENDING_REVIEW
    assert STATUS["fulfilledOnline"] is OrderStatus.LABEL_CREATED
    assert STATUS["shipped"] is OrderStatus.SHIPPED
    assert {STATUS[s] for s in ("cancelled", "paidByJoomRefund", "refunded")} == {OrderStatus.CANCELLED}
    assert STATUS["returnInitiated"] is OrderStatus.RETURN_REQUESTED
    assert {STATUS[s] for s in ("returnArrived", "returnCompleted")} == {OrderStatus.RETURNED}
    assert {STATUS[s] for s in ("returnDeclined", "returnExpired")} == {OrderStatus.COMPLETED}


@pytest.mark.parametrize("state", sorted(DOCUMENTED_STATES))
def test_each_state_maps(state: str) -> None:
    assert order_from_payload(dict(order(0), status=state)).platform_status == state


def test_amounts_sent_as_json_numbers_are_read_exactly() -> None:
    raw = order(0)
    raw["priceInfo"].update(orderPrice=29.96, unitPrice=13)
    snap = order_from_payload(raw)
    assert snap.total.amount == Decimal("29.96") and snap.lines[0].unit_price.amount == Decimal(13)


def test_times_with_offsets_and_fractions_become_utc() -> None:
    snap = order_from_payload(dict(order(0), orderTimestamp="2026-10-30T10:15:02.250+02:00"))
    assert snap.created_at == datetime(2026, 10, 30, 8, 15, 2, 250000, tzinfo=UTC)


def test_a_product_without_variant_uses_the_product_sku() -> None:
    raw = order(0)
    del raw["product"]["variant"]
    line = order_from_payload(raw).lines[0]
    assert line.sku == "JM-LEGGINGS-01" and line.platform_variant_id == "" and line.variant_title == ""


def test_an_order_without_address_has_none() -> None:
    raw = order(0)
    del raw["shippingAddress"]
    assert order_from_payload(raw).address is None


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, leaf = path.split(".")

    def change(raw: dict[str, Any]) -> None:
        target = raw
        for name in parents:
            target = target[name]
        target[leaf] = value
    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, leaf = path.split(".")

    def change(raw: dict[str, Any]) -> None:
        target = raw
        for name in parents:
            target = target[name]
        del target[leaf]
    return change


BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("no id", _drop("id"), "id is missing"),
    ("empty id", _set("id", ""), "id is missing"),
    ("numeric id", _set("id", 12345678), "id is missing"),
    ("unknown status", _set("status", "TELEPORTED"), "unknown status 'TELEPORTED'"),
    ("no status", _drop("status"), "unknown status None"),
    ("no currency", _drop("currency"), "currency is missing"),
    ("not a currency", _set("currency", "EURO"), "EURO"),
    ("no quantity", _drop("quantity"), "quantity is None"),
    ("zero quantity", _set("quantity", 0), "quantity is 0"),
    ("negative quantity", _set("quantity", -1), "quantity is -1"),
    ("boolean quantity", _set("quantity", True), "quantity is True"),
    ("text quantity", _set("quantity", "2"), "quantity is '2'"),
    ("no order time", _drop("orderTimestamp"), "orderTimestamp is missing"),
    ("garbled order time", _set("orderTimestamp", "yesterday"), "orderTimestamp is 'yesterday'"),
    ("order time without zone", _set("orderTimestamp", "2026-10-30T08:15:02"), "without a zone"),
    ("unix order time", _set("orderTimestamp", 1793348102), "orderTimestamp is 1793348102"),
    ("no update time", _drop("updateTimestamp"), "updateTimestamp is missing"),
    ("no priceInfo", _drop("priceInfo"), "priceInfo is missing"),
    ("priceInfo a list", _set("priceInfo", []), "priceInfo is missing or not an object"),
    ("no orderPrice", _drop("priceInfo.orderPrice"), "orderPrice is missing"),
    ("garbled orderPrice", _set("priceInfo.orderPrice", "29,96"), "orderPrice is '29,96'"),
    ("NaN orderPrice", _set("priceInfo.orderPrice", "NaN"), "expected a finite amount"),
    ("infinite orderPrice", _set("priceInfo.orderPrice", "Infinity"), "expected a finite amount"),
    ("negative orderPrice", _set("priceInfo.orderPrice", "-1.00"), "non-negative"),
    ("boolean orderPrice", _set("priceInfo.orderPrice", True), "orderPrice is True"),
    ("object orderPrice", _set("priceInfo.orderPrice", {"amount": "1"}), "expected an amount"),
    ("no unitPrice", _drop("priceInfo.unitPrice"), "unitPrice is missing"),
    ("no product", _drop("product"), "product is missing"),
    ("product a string", _set("product", "leggings"), "product is missing or not an object"),
    ("no product id", _drop("product.id"), "product.id is missing"),
    ("variant a list", _set("product.variant", ["x"]), "variant is missing or not an object"),
    ("address a string", _set("shippingAddress", "Berlin"), "shippingAddress is missing or not an object"),
    ("address field an object", _set("shippingAddress.city", {"name": "Berlin"}), "city is dict"),
]


@pytest.mark.parametrize(("change", "reason"), [(c, r) for _, c, r in BROKEN], ids=[n for n, _, _ in BROKEN])
def test_every_broken_shape_is_a_bad_payload_with_its_reason(
    change: Callable[[dict[str, Any]], None], reason: str,
) -> None:
    raw = copy.deepcopy(order(0))
    change(raw)
    with pytest.raises(BadPayload) as caught:
        order_from_payload(raw)
    assert reason in caught.value.reason


@pytest.mark.parametrize("raw", [None, [], "26VE349M", 42])
def test_an_order_that_is_not_an_object_is_a_bad_payload(raw: Any) -> None:
    with pytest.raises(BadPayload, match="not a JSON object"):
        order_from_payload(raw)


def test_stores_keep_their_status_and_figures_as_sent() -> None:
    body = json.loads((FIXTURES / "stores.json").read_text())
    active, disabled = (store_from_payload(item) for item in body["data"]["items"])
    assert (active.external_id, active.name, active.region, active.currency) == (
        "5e7a1c2b9d3f4a0012b4c6d8", "Nordlicht Home", "EU", "EUR")
    assert active.status == "active"
    assert active.details["performance"]["refundRate"] == "0.0210" and active.details["rating"] == "4.7"
    assert "id" not in active.details and "name" not in active.details
    # A store that says nothing of region or currency is an EU store in EUR (assumption).
    assert (disabled.region, disabled.currency, disabled.status) == ("EU", "EUR", "disabledByJoom")


@pytest.mark.parametrize("raw", [None, "store", {"name": "no id"}, {"id": ""}])
def test_a_broken_store_is_a_bad_payload(raw: Any) -> None:
    with pytest.raises(BadPayload):
        store_from_payload(raw)
