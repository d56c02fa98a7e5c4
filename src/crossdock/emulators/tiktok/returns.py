"""Returns and refunds as Search Returns (Return and Refund API 202309) reports them: the buyer's requests on a
shop's orders, one return line item per unit (the order lists one line item per unit too).

Followed: the Search Returns page (lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/return-and-refund/
search-returns.spec.json): filters, sorting, page_size "[10-50]" (sent as a string), the fields of return_orders.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.emulators._common.web import int_or_none
from crossdock.emulators.tiktok.world import Order, Shop, Unit

SEARCH_PATH = "/return_refund/202309/returns/search"
RETURN_STATUSES: tuple[str, ...] = (
    "RETURN_OR_REFUND_REQUEST_PENDING", "REFUND_OR_RETURN_REQUEST_REJECT", "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM", "REJECT_RECEIVE_PACKAGE", "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL", "RETURN_OR_REFUND_REQUEST_COMPLETE", "REPLACEMENT_REQUEST_PENDING",
    "REPLACEMENT_REQUEST_REJECT", "REPLACEMENT_REQUEST_REFUND_SUCCESS", "REPLACEMENT_REQUEST_CANCEL",
    "REPLACEMENT_REQUEST_COMPLETE", "AWAITING_BUYER_RESPONSE",
)
RETURN_TYPES = ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
# A request still open keeps its units from being asked for again.
OPEN_STATUSES = frozenset({"RETURN_OR_REFUND_REQUEST_PENDING", "AWAITING_BUYER_SHIP", "BUYER_SHIPPED_ITEM",
                           "RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE",
                           "REPLACEMENT_REQUEST_PENDING", "AWAITING_BUYER_RESPONSE"})
# Orders a buyer can ask to return from: the goods left the seller.
RETURNABLE_ORDER_STATUSES = frozenset({"PARTIALLY_SHIPPING", "IN_TRANSIT", "DELIVERED", "COMPLETED"})
PAGE_SIZE_MIN, PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT = 10, 50, 10
# "Reason for return" codes with their English text (the docs' sample plus the Return reasons page's wording).
REASONS: dict[str, str] = {
    "ecom_order_delivered_refund_and_return_reason_wrong_item": "Wrong item was sent",
    "ecom_order_delivered_refund_and_return_reason_damaged": "Package or item damaged",
    "ecom_order_delivered_refund_and_return_reason_not_as_described": "Item does not match description",
    "ecom_order_delivered_refund_and_return_reason_no_longer_needed": "No longer needed",
}
DEFAULT_REASON = "ecom_order_delivered_refund_and_return_reason_no_longer_needed"
# Seller's next action per status, with the time it has (assumption: 2 days to answer, 4 to inspect a parcel).
_NEXT_ACTION = {"RETURN_OR_REFUND_REQUEST_PENDING": ("SELLER_RESPOND_RETURN", 2 * 86_400),
                "BUYER_SHIPPED_ITEM": ("SELLER_RESPOND_RECEIVE_PACKAGE", 4 * 86_400)}

INVALID_PARAMETER = 25001001
INVALID_MESSAGE = ("An invalid request parameter was passed. Please check that you have the correct parameter "
                   "type(s) and format.")


class ReturnsError(Exception):
    def __init__(self, detail: str) -> None:
        self.code = INVALID_PARAMETER
        self.message = f"{INVALID_MESSAGE} {detail}"
        super().__init__(self.message)


@dataclass
class ReturnCase:
    return_id: str
    order_id: str
    unit_ids: list[str]
    return_type: str
    status: str
    reason: str
    create_time: int
    update_time: int
    role: str = "BUYER"
    tracking_number: str = ""
    provider_name: str = ""
    history: list[tuple[int, str]] = field(default_factory=list)

    def payload(self, order: Order) -> dict[str, Any]:
        units = [u for u in order.units if u.id in self.unit_ids]
        currency = order.region.currency
        money = order._money
        lines = [_line(order, unit, index, self.return_id) for index, unit in enumerate(units)]
        total = _refund(order, units)
        body: dict[str, Any] = {
            "order_id": self.order_id, "return_id": self.return_id, "return_type": self.return_type,
            "return_status": self.status, "role": self.role, "return_reason": self.reason,
            "return_reason_text": REASONS.get(self.reason, self.reason),
            "shipment_type": "PLATFORM", "handover_method": "DROP_OFF", "can_buyer_keep_item": False,
            "update_time": self.update_time, "create_time": self.create_time,
            "return_line_items": lines,
            "refund_amount": {"currency": currency, "refund_total": money(total[0]),
                              "refund_subtotal": money(total[1]), "refund_shipping_fee": money(Decimal(0)),
                              "refund_tax": money(total[2])},
            "return_method": "PLATFORM_SHIPPED",
            "is_combined_return": False,
        }
        action = _NEXT_ACTION.get(self.status)
        if action is not None:
            body["seller_next_action_response"] = [{"action": action[0], "deadline": self.update_time + action[1]}]
        if self.tracking_number:
            body["return_tracking_number"] = self.tracking_number
            body["return_provider_name"] = self.provider_name
        return body


def _refund(order: Order, units: Sequence[Unit]) -> tuple[Decimal, Decimal, Decimal]:
    """(total, subtotal, tax) a buyer gets back for these units: what was paid for them, tax included."""
    quantum = Decimal(1).scaleb(-order.region.decimals)
    subtotal = sum((u.sale_price for u in units), Decimal(0))
    tax = (subtotal * order.tax_rate).quantize(quantum, rounding=ROUND_HALF_UP)
    return subtotal + tax, subtotal, tax


def _line(order: Order, unit: Unit, index: int, return_id: str) -> dict[str, Any]:
    total, subtotal, tax = _refund(order, [unit])
    money = order._money
    return {
        "return_line_item_id": f"{return_id[:-3]}{index:03d}", "order_line_item_id": unit.id,
        "sku_id": unit.sku.sku_id, "sku_name": unit.sku.sku_name, "product_name": unit.sku.product_name,
        "seller_sku": unit.sku.seller_sku, "product_image": {"url": unit.sku.image, "width": 200, "height": 200},
        "refund_amount": {"currency": order.region.currency, "refund_total": money(total),
                          "refund_subtotal": money(subtotal), "refund_shipping_fee": money(Decimal(0)),
                          "refund_tax": money(tax)},
    }


def open_return(shop: Shop, order_id: str, unit_ids: Sequence[str], now: int, new_id: Callable[[], str],
                reason: str = DEFAULT_REASON, return_type: str = "RETURN_AND_REFUND") -> str:
    """The buyer asks to return these units of a shipped order: a request pending the seller's answer."""
    order = shop.orders.get(order_id)
    if not isinstance(order, Order):
        raise KeyError(f"no order {order_id} in shop {shop.shop_id}")
    if order.status not in RETURNABLE_ORDER_STATUSES:
        raise ValueError(f"order {order_id} is {order.status}: nothing has left the seller to return")
    if return_type not in RETURN_TYPES:
        raise ValueError(f"return type must be one of {', '.join(RETURN_TYPES)}")
    known = {u.id for u in order.units}
    busy = {i for case in shop.returns.values() if case.order_id == order_id and case.status in OPEN_STATUSES
            for i in case.unit_ids}
    if not unit_ids or any(i not in known or i in busy for i in unit_ids):
        raise ValueError(f"units {list(unit_ids)} are not all in order {order_id}, or some are returned already")
    return_id = new_id()
    pending = "REPLACEMENT_REQUEST_PENDING" if return_type == "REPLACEMENT" else "RETURN_OR_REFUND_REQUEST_PENDING"
    shop.returns[return_id] = ReturnCase(return_id, order_id, list(unit_ids), return_type, pending, reason, now, now,
                                         history=[(now, pending)])
    return return_id


def set_status(shop: Shop, return_id: str, status: str, now: int, tracking_number: str = "") -> None:
    if status not in RETURN_STATUSES:
        raise ValueError(f"unknown return status {status!r}")
    case = shop.returns.get(return_id)
    if case is None:
        raise KeyError(f"no return {return_id} in shop {shop.shop_id}")
    case.status, case.update_time = status, now
    case.history.append((now, status))
    if tracking_number:
        case.tracking_number, case.provider_name = tracking_number, "J&T Express"


# ---- Search Returns -------------------------------------------------------------------------------

def _list(body: Mapping[str, Any], name: str, allowed: Sequence[str] = ()) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReturnsError(f"{name} must be a list of strings.")
    if allowed and any(v not in allowed for v in value):
        raise ReturnsError(f"{name} has an unknown value.")
    return value


def _token(key: tuple[int, str], query_hash: str) -> str:
    raw = json.dumps({"k": list(key), "q": query_hash}, separators=(",", ":")).encode()
    return base64.b64encode(raw).decode()


def _untoken(token: str, query_hash: str) -> tuple[int, str]:
    try:
        data = json.loads(base64.b64decode(token, validate=True))
        value, return_id = data["k"]
        if data["q"] != query_hash:
            raise ValueError("page_token of another query")
        return int(value), str(return_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise ReturnsError("page_token is invalid.") from None


def search_returns(shop: Shop, query: Mapping[str, str], body: Mapping[str, Any], now: int) -> dict[str, Any]:
    size_text = query.get("page_size") or str(PAGE_SIZE_DEFAULT)
    size = int_or_none(size_text)
    if size is None or not PAGE_SIZE_MIN <= size <= PAGE_SIZE_MAX:
        raise ReturnsError(f"page_size must be between {PAGE_SIZE_MIN} and {PAGE_SIZE_MAX}.")
    sort_field = query.get("sort_field") or "create_time"
    if sort_field not in ("create_time", "update_time"):
        raise ReturnsError("sort_field must be create_time or update_time.")
    sort_order = query.get("sort_order") or "ASC"
    if sort_order not in ("ASC", "DESC"):
        raise ReturnsError("sort_order must be ASC or DESC.")
    bounds: dict[str, int] = {}
    for name in ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt"):
        if body.get(name) is not None:
            value = body[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ReturnsError(f"{name} must be a Unix timestamp.")
            bounds[name] = value
    return_ids = set(_list(body, "return_ids"))
    order_ids = set(_list(body, "order_ids"))
    buyers = set(_list(body, "buyer_user_ids"))
    types = set(_list(body, "return_types", RETURN_TYPES))
    statuses = set(_list(body, "return_status", RETURN_STATUSES))
    query_hash = hashlib.sha256(json.dumps([sort_field, sort_order, sorted(body.items(), key=str)],
                                           default=str).encode()).hexdigest()[:16]
    after = _untoken(query["page_token"], query_hash) if query.get("page_token") else None

    def window(prefix: str, moment: int) -> bool:
        # "If *_ge is filled but *_lt is empty, *_lt will default to the current time."
        ge, lt = bounds.get(f"{prefix}_ge"), bounds.get(f"{prefix}_lt")
        if ge is None and lt is None:
            return True
        return (ge if ge is not None else 0) <= moment < (lt if lt is not None else now + 1)

    matches: list[tuple[tuple[int, str], dict[str, Any]]] = []
    for case in shop.returns.values():
        order = shop.orders.get(case.order_id)
        if not isinstance(order, Order):
            continue
        if not (window("create_time", case.create_time) and window("update_time", case.update_time)):
            continue
        if (return_ids and case.return_id not in return_ids) or (order_ids and case.order_id not in order_ids):
            continue
        if (buyers and order.user_id not in buyers) or (types and case.return_type not in types):
            continue
        if statuses and case.status not in statuses:
            continue
        key = (case.create_time if sort_field == "create_time" else case.update_time, case.return_id)
        matches.append((key, case.payload(order)))
    descending = sort_order == "DESC"
    matches.sort(key=lambda pair: pair[0], reverse=descending)
    total = len(matches)
    if after is not None:
        matches = [m for m in matches if (m[0] < after if descending else m[0] > after)]
    page = matches[:size]
    return {"return_orders": [payload for _, payload in page], "total_count": total,
            "next_page_token": _token(page[-1][0], query_hash) if len(matches) > size else ""}
