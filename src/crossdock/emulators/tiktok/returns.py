"""Returns and refunds as Search Returns (Return and Refund API 202309) reports them: the buyer's requests on a
shop's orders, one return line item per unit (the order lists one line item per unit too).

Followed: the Search Returns page (lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/return-and-refund/
search-returns.spec.json): filters, sorting, page_size "[10-50]" (sent as a string), the fields of return_orders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.emulators.tiktok.search_pages import PageSizes, SearchPage
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
PAGE_SIZES = PageSizes(least=10, most=50, default=10)    # "Default: 10. Valid range: [10-50]."
# Search Returns' list filters, with the values each allows (none: any string).
SEARCH_FILTERS: dict[str, Sequence[str]] = {"return_ids": (), "order_ids": (), "buyer_user_ids": (),
                                            "return_types": RETURN_TYPES, "return_status": RETURN_STATUSES}
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
        total = refund_of(order, units)
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

    def facets(self, order: Order) -> tuple[str, dict[str, str]]:
        return self.return_id, {"return_ids": self.return_id, "order_ids": self.order_id,
                                "buyer_user_ids": order.user_id, "return_types": self.return_type,
                                "return_status": self.status}


def refund_of(order: Order, units: Sequence[Unit]) -> tuple[Decimal, Decimal, Decimal]:
    """(total, subtotal, tax) a buyer gets back for these units: what was paid for them, tax included."""
    quantum = Decimal(1).scaleb(-order.region.decimals)
    subtotal = sum((u.sale_price for u in units), Decimal(0))
    tax = (subtotal * order.tax_rate).quantize(quantum, rounding=ROUND_HALF_UP)
    return subtotal + tax, subtotal, tax


def _line(order: Order, unit: Unit, index: int, return_id: str) -> dict[str, Any]:
    total, subtotal, tax = refund_of(order, [unit])
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

def search_returns(shop: Shop, query: Mapping[str, str], body: Mapping[str, Any], now: int) -> dict[str, Any]:
    search = SearchPage.parse(query, body, now, PAGE_SIZES, SEARCH_FILTERS, ReturnsError)
    return search.page(search.select(shop.orders, shop.returns.values()), "return_orders")
