"""Order cancellations of the Return and Refund API 202309: the seller cancels (Cancel Order) and anyone reads them
back (Search Cancellations).

Followed: "Cancel Order" (order_id, cancel_reason, skus or order_line_item_ids; answers cancel_id and cancel_status;
partial cancellation "In the US and UK markets, when an item is out of stock"), "Cancel reasons" (the "Seller
Initiates Cancel Reason" tables per market: UNPAID, or ON_HOLD and AWAITING_SHIPMENT; the wording of each reason;
"25001021 Reason not match order status"), "Search Cancellations" (filters, page_size "[1-50]" default 10, the
fields of a cancellation), and the Cancel Order error codes 25001001, 25001014, 25001015, 25001021, 25001045,
25001051 and 25005010 as a summary of the Cancel Order page lists them.

Assumptions: the wording of the error messages other than 25001021; that an order awaiting collection counts as
shipped; that a seller's cancellation succeeds at once (CANCELLATION_REQUEST_SUCCESS, the refund's COMPLETE step is
not played); that the stock of a cancelled order stays where it is; the error for an order the shop does not have.
The emulator does not model partial cancellation: a request for part of an order is refused with 25005010.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crossdock.emulators.tiktok.returns import refund_of
from crossdock.emulators.tiktok.search_pages import PageSizes, SearchPage
from crossdock.emulators.tiktok.world import Order, RawOrder, Shop

CANCEL_PATH = "/return_refund/202309/cancellations"
SEARCH_PATH = "/return_refund/202309/cancellations/search"
CANCEL_STATUSES = ("CANCELLATION_REQUEST_PENDING", "CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_CANCELLED",
                   "CANCELLATION_REQUEST_COMPLETE")
CANCEL_TYPES = ("CANCEL", "BUYER_CANCEL")        # by the seller or the system; by the buyer
PAGE_SIZES = PageSizes(least=1, most=50, default=10)     # "Default: 10. Valid range: [1-50]."
# Search Cancellations' list filters, with the values each allows (none: any string).
SEARCH_FILTERS: dict[str, Sequence[str]] = {"cancel_ids": (), "order_ids": (), "buyer_user_ids": (),
                                            "cancel_status": CANCEL_STATUSES, "cancel_types": CANCEL_TYPES}

INVALID_PARAMETER = 25001001
UNKNOWN_REASON = 25001014
NOT_A_SELLER_REASON = 25001015
REASON_NOT_MATCH_STATUS = 25001021
ALREADY_SHIPPED = 25001045
COMPLETED_OR_CANCELLED = 25001051
LINE_ITEMS_NOT_CANCELLABLE = 25005010
MESSAGES = {
    INVALID_PARAMETER: "An invalid request parameter was passed. Please check that you have the correct parameter "
                       "type(s) and format.",
    UNKNOWN_REASON: "The cancel reason is invalid.",
    NOT_A_SELLER_REASON: "The cancel reason is not available for sellers.",
    REASON_NOT_MATCH_STATUS: "Reason not match order status",
    ALREADY_SHIPPED: "The order has been shipped and cannot be canceled.",
    COMPLETED_OR_CANCELLED: "The order has been completed or canceled and cannot be canceled.",
    LINE_ITEMS_NOT_CANCELLABLE: "These line items cannot be canceled separately; cancel the whole order.",
}
# Where a cancellation is refused for the order's status.
_SHIPPED = frozenset({"AWAITING_COLLECTION", "PARTIALLY_SHIPPING", "IN_TRANSIT", "DELIVERED"})
_CLOSED = frozenset({"COMPLETED", "CANCELLED"})
# Reason names of buyers, the system and TikTok's operators: real reasons, but not a seller's to give.
_OTHERS_PREFIXES = ("ecom_", "buyer_", "system_", "operator_", "US_", "package_", "platform_", "returned_to_",
                    "threepl_")

# The seller's reasons, name -> wording, by market: (UNPAID, ON_HOLD and AWAITING_SHIPMENT).
_OUT_OF_STOCK_UNPAID = ("seller_cancel_unpaid_reason_out_of_stock", "Out of stock")
_PRICING_UNPAID = ("seller_cancel_unpaid_reason_wrong_price", "Pricing error")
_LATE_PAYMENT = ("seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed", "Buyer did not pay on time")
_BUYER_UNPAID = ("seller_cancel_unpaid_reason_buyer_requested_cancellation", "Buyer requested cancellation")
_OUT_OF_STOCK = ("seller_cancel_reason_out_of_stock", "Out of stock")
_PRICING = ("seller_cancel_reason_wrong_price", "Pricing error")
_ADDRESS = ("seller_cancel_paid_reason_address_not_deliver", "Unable to deliver to buyer address")
_BUYER = ("seller_cancel_paid_reason_buyer_requested_cancellation", "Buyer requested cancellation")
Reasons = dict[str, str]


def _reasons(*pairs: tuple[str, str]) -> Reasons:
    return dict(pairs)


def _uk(reasons: Reasons) -> Reasons:
    return {f"{name}_uk": text for name, text in reasons.items()}


_SOUTH_EAST = (_reasons(_OUT_OF_STOCK_UNPAID, _PRICING_UNPAID, _LATE_PAYMENT),
               _reasons(_OUT_OF_STOCK, _PRICING, _ADDRESS))
SELLER_REASONS: dict[str, tuple[Reasons, Reasons]] = {
    "US": (_reasons(_OUT_OF_STOCK_UNPAID, _PRICING_UNPAID, _LATE_PAYMENT, _BUYER_UNPAID),
           _reasons(_OUT_OF_STOCK, _PRICING, _ADDRESS, _BUYER)),
    "PH": (_reasons(_OUT_OF_STOCK_UNPAID, _PRICING_UNPAID, _LATE_PAYMENT, _BUYER_UNPAID),
           _reasons(_OUT_OF_STOCK, _PRICING, _ADDRESS, _BUYER)),
    "GB": (_uk(_SOUTH_EAST[0]), _uk(_SOUTH_EAST[1])),
    "ID": _SOUTH_EAST, "MY": _SOUTH_EAST, "TH": _SOUTH_EAST, "VN": _SOUTH_EAST,
    "SG": (_reasons(_OUT_OF_STOCK_UNPAID, _PRICING_UNPAID),
           _reasons(_OUT_OF_STOCK, _PRICING, ("seller_cancel_unable_to_deliver_to_buyer_address",
                                              "Unable to deliver to buyer address"))),
    "MX": (_reasons(_OUT_OF_STOCK_UNPAID, ("seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
                                           "Customer did not pay on time"),
                    ("seller_cancel_unpaid_reason_buyer_requested_cancellation", "Customer requested cancellation")),
           _reasons(_OUT_OF_STOCK, ("seller_cancel_paid_reason_buyer_requested_cancellation",
                                    "Customer requested cancellation"), _ADDRESS)),
}


class CancelError(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        self.code = code
        self.message = f"{MESSAGES[code]} {detail}".strip()
        super().__init__(self.message)


@dataclass
class Cancellation:
    """One cancellation of an order, as Search Cancellations lists it."""

    cancel_id: str
    order_id: str
    unit_ids: list[str]
    reason: str
    reason_text: str
    status: str
    role: str                   # BUYER, SELLER or SYSTEM
    cancel_type: str            # CANCEL (seller or system) or BUYER_CANCEL
    create_time: int
    update_time: int

    def payload(self, order: Order) -> dict[str, Any]:
        units = [u for u in order.units if u.id in self.unit_ids]
        whole = len(units) == len(order.units)
        return {
            "cancel_id": self.cancel_id, "order_id": self.order_id, "cancel_status": self.status,
            "cancel_type": self.cancel_type, "role": self.role, "cancel_reason": self.reason,
            "cancel_reason_text": self.reason_text, "create_time": self.create_time, "update_time": self.update_time,
            "refund_amount": _refund_amount(order, units, order.shipping_fee if whole else Decimal(0)),
            "cancel_line_items": [{
                "cancel_line_item_id": f"{self.cancel_id[:-3]}{index:03d}", "order_line_item_id": unit.id,
                "sku_id": unit.sku.sku_id, "sku_name": unit.sku.sku_name, "product_name": unit.sku.product_name,
                "seller_sku": unit.sku.seller_sku,
                "product_image": {"url": unit.sku.image, "width": 200, "height": 200},
                "refund_amount": _refund_amount(order, [unit], Decimal(0)),
            } for index, unit in enumerate(units)],
        }

    def facets(self, order: Order) -> tuple[str, dict[str, str]]:
        return self.cancel_id, {"cancel_ids": self.cancel_id, "order_ids": self.order_id,
                                "buyer_user_ids": order.user_id, "cancel_status": self.status,
                                "cancel_types": self.cancel_type}


def _refund_amount(order: Order, units: Sequence[Any], shipping: Decimal) -> dict[str, str]:
    total, subtotal, tax = refund_of(order, units)
    money = order._money
    return {"currency": order.region.currency, "refund_total": money(total + shipping),
            "refund_subtotal": money(subtotal), "refund_shipping_fee": money(shipping), "refund_tax": money(tax)}


# ---- Cancel Order ---------------------------------------------------------------------------------------

def _text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CancelError(INVALID_PARAMETER, f"{name} is required.")
    return value.strip()


def _reason_text(shop: Shop, order: Order, reason: str) -> str:
    """The wording of a seller's reason the order's market and status take; refused in TikTok's words else."""
    unpaid, paid = SELLER_REASONS.get(shop.region.code, SELLER_REASONS["US"])
    fits, other = (unpaid, paid) if order.status == "UNPAID" else (paid, unpaid)
    if reason in fits:
        return fits[reason]
    if reason in other:
        raise CancelError(REASON_NOT_MATCH_STATUS)
    if reason.startswith(_OTHERS_PREFIXES):
        raise CancelError(NOT_A_SELLER_REASON, f"cancel_reason {reason!r}.")
    raise CancelError(UNKNOWN_REASON, f"cancel_reason {reason!r}.")


def _chosen_units(order: Order, body: Mapping[str, Any]) -> list[str]:
    """The line items the request names (skus or order_line_item_ids), all of them when it names none."""
    line_ids, skus = body.get("order_line_item_ids"), body.get("skus")
    if line_ids is not None:
        if not isinstance(line_ids, list) or not all(isinstance(i, str) for i in line_ids):
            raise CancelError(INVALID_PARAMETER, "order_line_item_ids must be a list of strings.")
        known = {u.id for u in order.units}
        if any(i not in known for i in line_ids):
            raise CancelError(INVALID_PARAMETER, "order_line_item_ids names a line item not in the order.")
        return list(dict.fromkeys(line_ids))
    if skus is not None:
        if not isinstance(skus, list) or not all(isinstance(s, dict) for s in skus):
            raise CancelError(INVALID_PARAMETER, "skus must be a list of objects.")
        chosen: list[str] = []
        for sku in skus:
            quantity = sku.get("quantity")
            group = [u.id for u in order.units if u.sku.sku_id == str(sku.get("sku_id"))]
            if not group or isinstance(quantity, bool) or not isinstance(quantity, int) \
                    or not 1 <= quantity <= len(group):
                raise CancelError(INVALID_PARAMETER, f"skus: {sku.get('sku_id')!r} is not in the order in that "
                                                     "quantity.")
            chosen += group[:quantity]
        return chosen
    return [u.id for u in order.units]


def cancel_order(shop: Shop, body: Mapping[str, Any], now: int, new_id: Callable[[], str]) -> Cancellation:
    """The seller cancels an order: it turns CANCELLED by the SELLER with the reason's wording, updated now."""
    order_id, reason = _text(body, "order_id"), _text(body, "cancel_reason")
    order = shop.orders.get(order_id)
    if order is None:
        raise CancelError(INVALID_PARAMETER, f"order_id {order_id} does not exist in this shop.")
    if order.status in _CLOSED:
        raise CancelError(COMPLETED_OR_CANCELLED)
    if order.status in _SHIPPED:
        raise CancelError(ALREADY_SHIPPED)
    if isinstance(order, RawOrder):
        raise CancelError(INVALID_PARAMETER, f"order_id {order_id} cannot be canceled.")
    text = _reason_text(shop, order, reason)
    units = _chosen_units(order, body)
    if len(set(units)) != len(order.units):
        raise CancelError(LINE_ITEMS_NOT_CANCELLABLE)
    order.pending.clear()       # the order's planned life ends here
    order.apply("CANCELLED", now, (("initiator", "SELLER"), ("reason", text)))
    case = Cancellation(new_id(), order_id, units, reason, text, "CANCELLATION_REQUEST_SUCCESS", "SELLER", "CANCEL",
                        now, now)
    shop.cancellations[case.cancel_id] = case
    return case


# ---- Search Cancellations -------------------------------------------------------------------------------

def _invalid(detail: str) -> CancelError:
    return CancelError(INVALID_PARAMETER, detail)


def search_cancellations(shop: Shop, query: Mapping[str, str], body: Mapping[str, Any], now: int) -> dict[str, Any]:
    search = SearchPage.parse(query, body, now, PAGE_SIZES, SEARCH_FILTERS, _invalid)
    return search.page(search.select(shop.orders, shop.cancellations.values()), "cancellations")
