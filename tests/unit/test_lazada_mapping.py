"""Lazada mapping against the docs' recorded GetOrders + GetMultipleOrderItems answers, and every way a payload
can be broken."""

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
from crossdock.connectors.lazada.mapping import STATUS, derive_status, order_from_payload
from crossdock.domain.orders.status import OrderStatus

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lazada"


def recorded() -> dict[str, Any]:
    """The docs' GetOrders order with the docs' GetMultipleOrderItems items. The two examples describe different
    orders, so the items are re-pointed at the order (order_id only; nothing else changed)."""
    order = json.loads((FIXTURES / "getOrders.json").read_text())["data"]["orders"][0]
    items = json.loads((FIXTURES / "getMultipleOrderItems.json").read_text())["data"][0]["order_items"]
    for item in items:
        item["order_id"] = order["order_id"]
    return {**order, "order_items": items}


def test_the_recorded_order_maps_completely() -> None:
    raw = recorded()
    snap = order_from_payload(raw, "SG")
    assert snap.platform_order_id == "491253082180001"
    assert (snap.status, snap.platform_status) == (OrderStatus.DELIVERED, "delivered")
    # "buyer paid price = price - voucher + shipping_fee": 106.00 - 0.00 + 0.54
    assert snap.total.amount == Decimal("106.54") and snap.total.currency == "SGD"
    assert snap.created_at == datetime(2018, 2, 9, 14, 44, 30, tzinfo=UTC)
    assert snap.updated_at == datetime(2018, 2, 9, 14, 44, 30, tzinfo=UTC)   # the items' 2014 stamp is older
    assert snap.paid_at == datetime.fromtimestamp(1697193374.592, UTC)
    assert snap.ship_by == datetime(2019, 6, 24, 15, 59, 59, tzinfo=UTC)
    assert snap.cod and snap.buyer_note == "red color"
    assert snap.buyer.platform_buyer_id == "1001" and snap.buyer.username == "Ha Hung last_name"
    assert snap.address is not None
    assert snap.address.country == "SG" and snap.address.postcode == "500001"
    assert snap.address.name == "Ha Hung last_name" and snap.address.line1 == "1 CHANGI VILLAGE ROAD, 11"
    assert snap.address.city == "Singapore-Singapore-500001" and snap.address.district == "addressDsitrict"
    (line,) = snap.lines
    assert (line.platform_line_id, line.sku, line.platform_variant_id) == ("100827", "BRSCR#06", "666")
    assert line.title == "Bean Rester Crest Brown" and line.variant_title == "xy" and line.quantity == 1
    assert line.unit_price.amount == Decimal("99.00") and line.paid_unit_price.amount == Decimal("89.10")
    assert all(isinstance(m.amount, Decimal) for m in (snap.total, line.unit_price, line.paid_unit_price))
    assert snap.raw is raw and len(snap.payload_hash) == 32


def test_the_fingerprint_ignores_key_order_but_not_values() -> None:
    a, b = recorded(), recorded()
    reordered = dict(reversed(list(b.items())))
    assert order_from_payload(a, "SG").payload_hash == order_from_payload(reordered, "SG").payload_hash
    b["order_items"][0]["status"] = "shipped"
    assert order_from_payload(a, "SG").payload_hash != order_from_payload(b, "SG").payload_hash


def test_identical_units_are_separate_items_of_quantity_one() -> None:
    raw = recorded()
    twin = dict(raw["order_items"][0], order_item_id="100828")
    raw["order_items"].append(twin)
    snap = order_from_payload(raw, "SG")
    assert [ln.platform_line_id for ln in snap.lines] == ["100827", "100828"]
    assert all(ln.quantity == 1 for ln in snap.lines)


def test_old_style_times_and_other_countries() -> None:
    raw = recorded()
    raw["created_at"] = "2014-10-15 18:36:05 +0800"
    raw["address_shipping"]["country"] = "Viet Nam"
    snap = order_from_payload(raw, "VN")
    assert snap.created_at == datetime(2014, 10, 15, 10, 36, 5, tzinfo=UTC)
    assert snap.address is not None and snap.address.country == "VN"
    raw["address_shipping"]["country"] = "Somewhere"
    assert order_from_payload(raw, "TH").address.country == "TH"   # type: ignore[union-attr]


def test_every_documented_item_status_has_a_place_in_our_machine() -> None:
    documented = ["unpaid", "pending", "packed", "canceled", "ready_to_ship", "delivered", "returned", "shipped",
                  "failed", "topack", "toship", "shipping", "lost", "lost_by_3pl", "damaged_by_3pl",
                  "failed_delivery", "shipped_back", "shipped_back_success", "shipped_back_failed",
                  "package_scrapped", "repacked", "ready_to_ship_pending"]
    assert set(documented) <= set(STATUS)
    assert all(isinstance(v, OrderStatus) for v in STATUS.values())


@pytest.mark.parametrize(("statuses", "cancel_asked", "expected"), [
    (["pending"], False, (OrderStatus.PENDING_REVIEW, "pending")),
    (["shipped", "packed"], False, (OrderStatus.LABEL_CREATED, "packed")),           # shipped once all are
    (["canceled", "ready_to_ship"], False, (OrderStatus.LABEL_CREATED, "ready_to_ship")),  # partly cancelled
    (["canceled", "canceled"], False, (OrderStatus.CANCELLED, "canceled")),
    (["lost_by_3pl", "canceled"], False, (OrderStatus.CANCELLED, "lost_by_3pl")),
    (["delivered", "returned"], False, (OrderStatus.DELIVERED, "delivered")),        # partly returned
    (["returned", "returned"], False, (OrderStatus.RETURNED, "returned")),
    (["delivered", "shipped_back"], False, (OrderStatus.RETURN_REQUESTED, "shipped_back")),
    (["failed_delivery"], False, (OrderStatus.SHIPPED, "failed_delivery")),
    (["pending"], True, (OrderStatus.CANCEL_REQUESTED, "pending")),
    (["shipped"], True, (OrderStatus.SHIPPED, "shipped")),                            # too late to cancel
    (["unpaid"], False, (OrderStatus.AWAITING_PAYMENT, "unpaid")),
])
def test_the_order_status_is_derived_from_its_items(statuses: list[str], cancel_asked: bool,
                                                    expected: tuple[OrderStatus, str]) -> None:
    assert derive_status(statuses, cancel_asked) == expected


def test_a_buyer_cancel_request_before_shipping_is_seen() -> None:
    raw = recorded()
    raw["order_items"][0]["status"] = "pending"
    assert raw["need_cancel_confirm"] == "true"
    snap = order_from_payload(raw, "SG")
    assert (snap.status, snap.platform_status) == (OrderStatus.CANCEL_REQUESTED, "pending")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        target: Any = raw
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is _DELETE:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return change


_DELETE = object()
BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "order_id missing": (_set("order_id", _DELETE), "order_id is missing"),
    "no items key": (_set("order_items", _DELETE), "no items"),
    "items empty": (_set("order_items", []), "no items"),
    "items not a list": (_set("order_items", {"a": 1}), "no items"),
    "item not an object": (_set("order_items.0", "x"), "not an object"),
    "item of another order": (_set("order_items.0.order_id", "1"), "belongs to order 1"),
    "item status missing": (_set("order_items.0.status", ""), "status is missing"),
    "unknown item status": (_set("order_items.0.status", "TELEPORTED"), "'TELEPORTED'"),
    "currency missing": (_set("order_items.0.currency", _DELETE), "currency"),
    "currency not ISO": (_set("order_items.0.currency", "sgd"), "ISO 4217"),
    "price missing": (_set("price", _DELETE), "price is missing"),
    "price not a number": (_set("price", "abc"), "price is 'abc'"),
    "price not finite": (_set("price", "NaN"), "price is 'NaN'"),
    "price a boolean": (_set("price", True), "price is True"),
    "voucher not a number": (_set("voucher", "1,00"), "voucher is '1,00'"),
    "shipping fee an object": (_set("shipping_fee", {"a": 1}), "shipping_fee is"),
    "created_at missing": (_set("created_at", _DELETE), "created_at is missing"),
    "created_at garbage": (_set("created_at", "yesterday"), "expected an ISO 8601 time"),
    "created_at without offset": (_set("created_at", "2018-02-09T22:44:30"), "without an offset"),
    "updated_at a number": (_set("updated_at", 1518187470), "updated_at is 1518187470"),
    "item updated_at garbage": (_set("order_items.0.updated_at", "soon"), "expected epoch milliseconds"),
    "item updated_at out of range": (_set("order_items.0.updated_at", "9" * 30), "out of range"),
    "payment_time garbage": (_set("order_items.0.payment_time", "-1"), "payment_time is '-1'"),
    "order_item_id missing": (_set("order_items.0.order_item_id", _DELETE), "order_item_id is missing"),
    "item_price missing": (_set("order_items.0.item_price", ""), "item_price is missing"),
    "paid_price garbage": (_set("order_items.0.paid_price", "x"), "paid_price is 'x'"),
    "sla garbage": (_set("order_items.0.sla_time_stamp", "tomorrow"), "sla_time_stamp"),
    "address not an object": (_set("address_shipping", "here"), "address_shipping is not an object"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_payload_says_why(case: str) -> None:
    change, reason = BROKEN[case]
    raw = copy.deepcopy(recorded())
    change(raw)
    with pytest.raises(BadPayload) as err:
        order_from_payload(raw, "SG")
    assert reason in err.value.reason


def test_currencies_must_agree_across_items() -> None:
    raw = recorded()
    raw["order_items"].append(dict(raw["order_items"][0], order_item_id="2", currency="MYR"))
    with pytest.raises(BadPayload, match="one currency"):
        order_from_payload(raw, "SG")


def test_not_an_object_at_all() -> None:
    with pytest.raises(BadPayload, match="not a JSON object"):
        order_from_payload(["order"], "SG")
