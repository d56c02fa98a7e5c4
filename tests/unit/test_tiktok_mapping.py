"""TikTok Shop mapping against the documented Get Order List sample, and every way an order can be broken."""

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
from crossdock.connectors.tiktok.mapping import STATUS, order_from_payload
from crossdock.domain.orders.status import OrderStatus
from crossdock.payloads import fingerprint

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tiktok"


def sample() -> dict[str, Any]:
    body = json.loads((FIXTURES / "tiktok-getOrderList-202309.json").read_text())
    order: dict[str, Any] = body["data"]["orders"][0]
    return order


def test_the_documented_order_maps_completely() -> None:
    raw = sample()
    snap = order_from_payload(raw)
    assert snap.platform_order_id == "576461413038785752"
    assert snap.platform_status == "UNPAID" and snap.status is OrderStatus.AWAITING_PAYMENT
    assert snap.created_at == datetime.fromtimestamp(1619611561, UTC)
    assert snap.updated_at == datetime.fromtimestamp(1619621355, UTC)
    assert snap.paid_at == datetime.fromtimestamp(1619611563, UTC)
    assert snap.ship_by == datetime.fromtimestamp(1619611688, UTC)
    assert snap.total.amount == Decimal("5000") and snap.total.currency == "IDR"
    assert snap.buyer.platform_buyer_id == "7021436810468230477"
    assert snap.buyer.email == "v2b2V5@chat.seller.tiktok.com"
    assert snap.buyer_note == "Please ship asap!" and snap.cod is False
    assert snap.address is not None
    assert snap.address.country == "US" and snap.address.postcode == "95110"
    assert snap.address.name == "David Kong" and snap.address.phone == "(+1)213-***-1234"
    assert snap.address.line1 == "TikTok 5800 bristol Pkwy Suite 100"
    assert snap.address.full_address == "1199 Coleman Ave San Jose, CA 95110"
    (line,) = snap.lines
    assert line.platform_line_id == "577086512123755123" and line.platform_variant_id == "2729382476852921560"
    assert line.platform_item_id == "1729582718312380123" and line.sku == "red_iphone_256"
    assert line.title == "Women's Winter Crochet Clothes" and line.variant_title == "Iphone"
    assert line.quantity == 1 and line.unit_price.amount == Decimal("0.01") == line.paid_unit_price.amount
    assert snap.raw is raw and snap.payload_hash == fingerprint(raw)


def test_one_row_per_unit_becomes_one_line_with_a_quantity() -> None:
    raw = sample()
    unit = raw["line_items"][0]
    other = dict(unit, id="577086512123755999", sku_id="999", original_price="3.00", sale_price="2.50")
    raw["line_items"] = [unit, dict(unit, id="577086512123755124"), dict(unit, id="577086512123755125"), other]
    lines = order_from_payload(raw).lines
    assert [(ln.platform_variant_id, ln.quantity) for ln in lines] == [("2729382476852921560", 3), ("999", 1)]
    assert lines[1].unit_price.amount == Decimal("3.00") and lines[1].paid_unit_price.amount == Decimal("2.50")


def test_units_of_one_sku_at_different_prices_stay_apart() -> None:
    raw = sample()
    unit = raw["line_items"][0]
    raw["line_items"] = [unit, dict(unit, id="2", sale_price="0.005")]
    assert [ln.quantity for ln in order_from_payload(raw).lines] == [1, 1]


@pytest.mark.parametrize(("status", "ours"), [
    ("UNPAID", OrderStatus.AWAITING_PAYMENT), ("ON_HOLD", OrderStatus.AWAITING_PAYMENT),
    ("AWAITING_SHIPMENT", OrderStatus.PENDING_REVIEW), ("PARTIALLY_SHIPPING", OrderStatus.LABEL_CREATED),
    ("AWAITING_COLLECTION", OrderStatus.LABEL_CREATED), ("IN_TRANSIT", OrderStatus.SHIPPED),
    ("DELIVERED", OrderStatus.DELIVERED), ("COMPLETED", OrderStatus.COMPLETED), ("CANCELLED", OrderStatus.CANCELLED),
])
def test_every_documented_status_has_a_place(status: str, ours: OrderStatus) -> None:
    snap = order_from_payload(dict(sample(), status=status))
    assert snap.status is ours and snap.platform_status == status
    assert len(STATUS) == 9


def test_a_buyer_cancellation_request_before_hand_over_is_cancel_requested() -> None:
    asked = order_from_payload(dict(sample(), status="AWAITING_SHIPMENT", is_buyer_request_cancel=True))
    assert asked.status is OrderStatus.CANCEL_REQUESTED and asked.platform_status == "AWAITING_SHIPMENT"
    late = order_from_payload(dict(sample(), status="IN_TRANSIT", is_buyer_request_cancel=True))
    assert late.status is OrderStatus.SHIPPED


def test_an_unpaid_order_without_address_or_times_maps() -> None:
    raw = sample()
    for key in ("recipient_address", "paid_time", "rts_sla_time", "buyer_message", "is_cod", "user_id"):
        raw.pop(key)
    snap = order_from_payload(raw)
    assert snap.address is None and snap.paid_at is None and snap.ship_by is None and snap.buyer_note == ""


def test_district_levels_fill_state_city_district() -> None:
    raw = sample()
    raw["recipient_address"]["district_info"] = [
        {"address_level": "L0", "address_name": "Singapore"}, {"address_level": "L1", "address_name": "Central"},
        {"address_level": "L2", "address_name": "Singapore"}, {"address_level": "L3", "address_name": "Tampines"},
        "garbage",
    ]
    address = order_from_payload(raw).address
    assert address is not None and (address.state, address.city, address.district) == (
        "Central", "Singapore", "Tampines")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DROP:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return change


_DROP = object()
BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("no id", _set("id", _DROP), "id is missing"),
    ("numeric id", _set("id", 576461413038785752), "id is missing"),
    ("unknown status", _set("status", "TELEPORTED"), "unknown status 'TELEPORTED'"),
    ("no status", _set("status", _DROP), "unknown status ''"),
    ("no payment", _set("payment", _DROP), "payment is missing"),
    ("payment not an object", _set("payment", "5000"), "payment is missing"),
    ("no currency", _set("payment.currency", _DROP), "payment.currency is missing"),
    ("not ISO currency", _set("payment.currency", "RUPIAH"), "RUPIAH"),
    ("total not a number", _set("payment.total_amount", "lots"), "payment.total_amount is 'lots'"),
    ("total empty", _set("payment.total_amount", ""), "payment.total_amount is missing"),
    ("total missing", _set("payment.total_amount", _DROP), "payment.total_amount is missing"),
    ("total NaN", _set("payment.total_amount", "NaN"), "finite"),
    ("total Infinity", _set("payment.total_amount", "Infinity"), "finite"),
    ("total boolean", _set("payment.total_amount", True), "payment.total_amount is True"),
    ("total object", _set("payment.total_amount", {"v": 1}), "expected an amount"),
    ("no line items", _set("line_items", _DROP), "line_items is missing or empty"),
    ("empty line items", _set("line_items", []), "line_items is missing or empty"),
    ("line item not an object", _set("line_items.0", "sku"), "line_items[0] is not an object"),
    ("line item without id", _set("line_items.0.id", _DROP), "line_items[0].id is missing"),
    ("line item without sku", _set("line_items.0.sku_id", ""), "line_items[0].sku_id is missing"),
    ("line item in another currency", _set("line_items.0.currency", "USD"), "is USD, the order is paid in IDR"),
    ("line price missing", _set("line_items.0.original_price", _DROP), "line_items[0].original_price is missing"),
    ("line price garbage", _set("line_items.0.sale_price", "0,01"), "line_items[0].sale_price is '0,01'"),
    ("no create_time", _set("create_time", _DROP), "create_time is missing"),
    ("create_time text", _set("create_time", "yesterday"), "create_time is 'yesterday'"),
    ("create_time negative", _set("create_time", -5), "create_time is -5"),
    ("create_time float", _set("create_time", 1619611561.5), "create_time is 1619611561.5"),
    ("update_time out of range", _set("update_time", 10**15), "out of range"),
    ("no update_time", _set("update_time", _DROP), "update_time is missing"),
    ("paid_time text", _set("paid_time", "soon"), "paid_time is 'soon'"),
    ("address not an object", _set("recipient_address", ["x"]), "recipient_address is not an object"),
    ("district_info not a list", _set("recipient_address.district_info", "L0"), "district_info is not a list"),
]


@pytest.mark.parametrize(("case", "change", "reason"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_order_says_why(case: str, change: Callable[[dict[str, Any]], None], reason: str) -> None:
    raw = copy.deepcopy(sample())
    change(raw)
    with pytest.raises(BadPayload) as err:
        order_from_payload(raw)
    assert reason in err.value.reason, case


@pytest.mark.parametrize("raw", [None, [], "order", 42])
def test_an_order_that_is_not_an_object_is_bad(raw: Any) -> None:
    with pytest.raises(BadPayload, match="not a JSON object"):
        order_from_payload(raw)


def test_money_numbers_are_read_from_their_text_not_as_binary_floats() -> None:
    raw = sample()
    raw["payment"]["total_amount"] = 0.1
    assert order_from_payload(raw).total.amount == Decimal("0.1")
