"""The seller cancels Shopee orders: v2.order.cancel_order, one order a call.

cancel_reason takes OUT_OF_STOCK (with item_list, the items that failed), CUSTOMER_REQUEST, UNDELIVERABLE_AREA
("Only apply for TW and MY") and COD_NOT_SUPPORTED; "This action can only be performed before the order has been
shipped." Shopee takes no comment with it, so the seller's note stays with us.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crossdock.connectors._kit.cancel import cancel_each
from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.fields import text
from crossdock.connectors.shopee.client import ShopeeClient
from crossdock.connectors.shopee.mapping import item_model, line_id
from crossdock.ports.marketplace import CancelOutcome, CancelReason, CancelRequest, ShippedLine

CANCELLED = "CANCELLED"
OUT_OF_STOCK = "OUT_OF_STOCK"
# Our reasons -> Shopee's cancel_reason. Whether a region takes UNDELIVERABLE_AREA is Shopee's to say.
REASONS: dict[CancelReason, str] = {
    CancelReason.OUT_OF_STOCK: OUT_OF_STOCK,
    CancelReason.UNDELIVERABLE_ADDRESS: "UNDELIVERABLE_AREA",
    CancelReason.BUYER_REQUEST: "CUSTOMER_REQUEST",
}
ACCEPTED = "OUT_OF_STOCK, CUSTOMER_REQUEST, UNDELIVERABLE_AREA (TW and MY only), COD_NOT_SUPPORTED"
# What a cancellation needs from get_order_detail besides the defaults (order_status among them).
DETAIL_FIELDS = "item_list,cancel_by,cancel_reason"


class ShopeeCanceller:
    cancel_batch = 50

    def __init__(self, client: ShopeeClient) -> None:
        self._client = client

    def cancel_orders(self, requests: Sequence[CancelRequest]) -> list[CancelOutcome]:
        return cancel_each(requests, self._cancel)

    def _cancel(self, request: CancelRequest) -> None:
        order_sn = request.platform_order_id
        reason = REASONS.get(request.reason)
        if reason is None:
            raise Fatal(f"Shopee takes no seller cancellation for {request.reason.value}: its cancel_reason is one "
                        f"of {ACCEPTED}")
        order = self._order(order_sn)
        if text(order, "order_status") == CANCELLED:
            return      # cancelled already (an earlier attempt whose answer was lost, or the buyer)
        items = _failed_items(order, request.lines) if reason == OUT_OF_STOCK else []
        try:
            self._client.cancel_order(order_sn, reason, items)
        except Fatal:
            # A retry of a call whose answer was lost is refused because the first one went through.
            if text(self._order(order_sn), "order_status") != CANCELLED:
                raise

    def _order(self, order_sn: str) -> dict[str, Any]:
        answer = self._client.get_order_detail([order_sn], DETAIL_FIELDS)
        for order in answer.get("order_list") or []:
            if isinstance(order, dict) and order.get("order_sn") == order_sn:
                return order
        raise Fatal(f"Shopee has no order {order_sn} in this shop (get_order_detail: the order is not found)",
                    code="error_not_found")


def _failed_items(order: dict[str, Any], lines: Sequence[ShippedLine]) -> list[dict[str, int]]:
    """cancel_order's item_list for OUT_OF_STOCK: the item and model of every line named (all when none is)."""
    entries = order.get("item_list")
    if not isinstance(entries, list) or not entries:
        raise BadPayload(f"get_order_detail answered order {order.get('order_sn')} without its item_list")
    by_line: dict[str, tuple[int, int]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise BadPayload(f"item_list[{index}] is not an object")
        by_line[line_id(entry, index)] = item_model(entry)
    wanted = [line.platform_line_id for line in lines] or list(by_line)
    unknown = [line for line in wanted if line not in by_line]
    if unknown:
        raise Fatal(f"Shopee order {order.get('order_sn')} has no line {', '.join(unknown)}")
    pairs = dict.fromkeys(by_line[line] for line in wanted)
    return [{"item_id": item_id, "model_id": model_id} for item_id, model_id in pairs]
