"""Lazada reverse orders (returns and refund-only requests a buyer opens), as GetReverseOrdersForSeller
(/reverse/getreverseordersforseller) lists them and GetReverseOrderDetail (/order/reverse/return/detail/list)
reads one; fields from the Return and Refund API reference of the stored doc copies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crossdock.emulators.lazada.products import Sku
    from crossdock.emulators.lazada.regions import Venture

# "Page size, default 10". Assumption: the largest page is not documented; sellers report pages of 100 working.
PAGE_SIZE_DEFAULT = 10
PAGE_SIZE_MAX = 100
# Sellers report that pages past 100 come back empty whatever the total.
PAGE_NO_MAX = 100
REQUEST_TYPES = ("CANCEL", "RETURN", "ONLY_REFUND")
# Assumption: the reason list is per category and not published; one reason a buyer commonly gives.
REASON = (10000021, "Change of mind")
# Assumption: how long the seller has to answer a request.
SLA_MS = 3 * 86_400_000


class ReverseError(Exception):
    """A refused call: Lazada's numbered code and its "E0xxx: ..." message."""

    def __init__(self, number: int, detail: str) -> None:
        super().__init__(detail)
        self.number = number
        self.detail = detail


@dataclass
class ReverseOrder:
    reverse_order_id: str
    trade_order_id: str
    venture: Venture
    buyer_id: int
    trade_order_created: int
    created_at: int                     # epoch seconds, as sellers see these times
    updated_at: int
    # (reverse_order_line_id, trade_order_line_id = order_item_id, SKU, the unit's paid price)
    lines: list[tuple[int, int, Sku, Decimal]] = field(default_factory=list)
    request_type: str = "RETURN"
    reverse_status: str = "REQUEST_INITIATE"
    ofc_status: str = "RETURN_REQUEST_INITIATE"     # assumption: the fulfilment side's first status
    tracking_number: str = ""

    def _cents(self, amount: Decimal) -> int:
        # "currency in cent, except VN (... for VN, 10000 equals VND 10000)"
        return int(amount) if self.venture.code == "VN" else int((amount * 100).to_integral_value())

    def _line(self, line: tuple[int, int, Sku, Decimal]) -> dict[str, Any]:
        line_id, item_id, sku, paid = line
        return {
            "reverse_order_line_id": line_id, "trade_order_line_id": item_id, "reverse_status": self.reverse_status,
            "ofc_status": self.ofc_status, "trade_order_gmt_create": self.trade_order_created,
            "refund_amount": self._cents(paid), "item_unit_price": self._cents(sku.price),
            "reason_code": REASON[0], "reason_text": REASON[1], "refund_payment_method": "PAYMENT_ACCOUNT",
            "whqc_decision": None, "return_order_line_gmt_create": self.created_at,
            "return_order_line_gmt_modified": self.updated_at, "is_dispute": False,
            "seller_sku_id": sku.seller_sku, "platform_sku_id": str(sku.sku_id),
            "tracking_number": self.tracking_number, "sla": SLA_MS, "is_need_refund": True,
        }

    def list_entry(self) -> dict[str, Any]:
        """One element of GetReverseOrdersForSeller's result.items."""
        return {
            "reverse_order_id": int(self.reverse_order_id), "trade_order_id": int(self.trade_order_id),
            "request_type": self.request_type, "is_rtm": True, "shipping_type": "DROP_OFF",
            "reverse_order_lines": [
                {**self._line(line), "product": {"product_id": line[2].product_id, "product_sku": str(line[2].sku_id)},
                 "buyer": {"buyer_id": self.buyer_id}, "receiver_address": "seller return address"}
                for line in self.lines],
        }

    def detail(self) -> dict[str, Any]:
        """GetReverseOrderDetail's data."""
        return {
            "reverse_order_id": int(self.reverse_order_id), "trade_order_id": int(self.trade_order_id),
            "request_type": self.request_type, "shipping_type": "DROP_OFF", "is_rtm": True,
            "reverseOrderLineDTOList": [
                {**self._line(line), "productDTO": {"product_id": line[2].product_id, "sku": str(line[2].sku_id)},
                 "buyer": {"user_id": self.buyer_id}}
                for line in self.lines],
        }


def _number(params: dict[str, str], name: str, default: int | None) -> int | None:
    raw = params.get(name, "").strip()
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ReverseError(120 if name == "page_size" else 121, f"E0{120 if name == 'page_size' else 121}: "
                           f"{name.replace('_', ' ')} invalid") from None


def _list(params: dict[str, str], name: str) -> list[str] | None:
    raw = params.get(name, "").strip()
    if raw == "":
        return None
    try:
        values = json.loads(raw)
    except ValueError:
        values = None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ReverseError(106, f"E0106: {name} must be a JSON array of strings")
    return values


def reverse_orders_page(reverses: list[ReverseOrder], params: dict[str, str]) -> dict[str, Any]:
    """GetReverseOrdersForSeller's result for these query parameters."""
    page_size = _number(params, "page_size", PAGE_SIZE_DEFAULT)
    page_no = _number(params, "page_no", None)
    if page_size is None or not 1 <= page_size <= PAGE_SIZE_MAX:
        raise ReverseError(120, "E0120: page size invalid")
    if page_no is None or page_no < 1:
        raise ReverseError(121, "E0121: page number invalid")
    types = _list(params, "request_type_list")
    statuses = _list(params, "reverse_status_list")
    ofc = _list(params, "ofc_status_list")
    windows = {}
    for name in ("TradeOrderLineCreatedTimeRange", "ReverseOrderLineTimeRange", "ReverseOrderLineModifiedTimeRange"):
        start, end = _number(params, f"{name}Start", None), _number(params, f"{name}End", None)
        windows[name] = (start, end)
    wanted_id, wanted_order = params.get("reverse_order_id", "").strip(), params.get("trade_order_id", "").strip()

    def inside(name: str, seconds: int) -> bool:
        start, end = windows[name]          # the filters are in milliseconds
        return (start is None or seconds * 1000 >= start) and (end is None or seconds * 1000 <= end)

    matches = [r for r in reverses
               if (types is None or r.request_type in types)
               and (statuses is None or r.reverse_status in statuses)
               and (ofc is None or r.ofc_status in ofc)
               and wanted_id in ("", "0", r.reverse_order_id) and wanted_order in ("", "0", r.trade_order_id)
               and inside("TradeOrderLineCreatedTimeRange", r.trade_order_created)
               and inside("ReverseOrderLineTimeRange", r.created_at)
               and inside("ReverseOrderLineModifiedTimeRange", r.updated_at)]
    matches.sort(key=lambda r: (r.created_at, r.reverse_order_id), reverse=True)
    start = (page_no - 1) * page_size
    page = matches[start:start + page_size] if page_no <= PAGE_NO_MAX else []
    return {"page_no": page_no, "success": True, "page_size": page_size,
            "total": len(matches) if page_no <= PAGE_NO_MAX else 0,
            "items": [reverse.list_entry() for reverse in page]}


def reverse_order_detail(reverses: dict[str, ReverseOrder], params: dict[str, str]) -> dict[str, Any]:
    raw = params.get("reverse_order_id", "").strip()
    if not raw.isdigit() or raw == "0":
        raise ReverseError(105, "E0105: reverse order id is empty or invalid")
    reverse = reverses.get(raw)
    if reverse is None:
        # The doc's own advice for this code: the id "does not exist in the current store or is incorrect".
        raise ReverseError(106, "E0106: ROC internal error")
    return reverse.detail()
