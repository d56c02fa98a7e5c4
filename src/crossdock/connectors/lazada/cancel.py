"""The seller cancels Lazada orders, as the Order cancellation guide lays it out: GetOrderItems for the order item
ids ("Lazada cancels orders not by order level, but by order item level"), OrderCancelValidate for whether they can
be cancelled and the reasons this order takes ("The reason_id may be different for each country"), then
InitReverseOrderCancel with one of those reason ids. "Only order items with the Pending ~ Ready To Ship status can
be cancelled." Lazada takes no comment with it, so the seller's note stays with us.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crossdock.connectors._kit.cancel import cancel_each
from crossdock.connectors._kit.errors import Fatal
from crossdock.connectors._kit.fields import text
from crossdock.connectors.lazada.client import LazadaClient
from crossdock.connectors.lazada.fulfilment import order_items
from crossdock.ports.marketplace import CancelOutcome, CancelReason, CancelRequest, ShippedLine

CANCELED = "canceled"
# Our reasons, by the words Lazada's reason names use for them (the guide's sample offers "Sourcing Delay", "Out of
# Stock", "Wrong Price or Pricing Error"); the first word found in an offered name picks it.
MEANINGS: dict[CancelReason, tuple[str, ...]] = {
    CancelReason.OUT_OF_STOCK: ("out of stock", "stock"),
    CancelReason.PRICING_ERROR: ("pricing", "wrong price", "price"),
    CancelReason.UNDELIVERABLE_ADDRESS: ("undeliverable", "address"),
    # Not a bare "buyer": an address reason speaks of the buyer's address.
    CancelReason.BUYER_REQUEST: ("customer request", "buyer request", "requested by", "customer"),
    CancelReason.OTHER: ("other",),
}


def reason_id(reason: CancelReason, options: Any) -> str:
    """The reason_id of the offered reason that means `reason`; Fatal naming what Lazada offers when none does."""
    offered = [(text(o, "reason_id"), text(o, "reason_name")) for o in options or [] if isinstance(o, dict)]
    for word in MEANINGS[reason]:
        for option_id, name in offered:
            if option_id and word in name.lower():
                return option_id
    names = ", ".join(name for _, name in offered) or "no reason at all"
    raise Fatal(f"Lazada offers no cancellation reason for {reason.value} on this order; it offers: {names}")


class LazadaCanceller:
    cancel_batch = 50

    def __init__(self, client: LazadaClient) -> None:
        self._client = client

    def cancel_orders(self, requests: Sequence[CancelRequest]) -> list[CancelOutcome]:
        return cancel_each(requests, self._cancel)

    def _cancel(self, request: CancelRequest) -> None:
        order_id = request.platform_order_id
        if not order_id.isdigit():
            raise Fatal(f"{order_id!r} is not a Lazada order id (Lazada order ids are numbers)")
        live = [text(item, "order_item_id") for item in _chosen(self._items(order_id), request.lines)
                if text(item, "status") != CANCELED]
        if not live:
            return      # cancelled already (an earlier attempt whose answer was lost, or the buyer)
        check = self._client.order_cancel_validate(order_id, live)
        if text(check, "tip_type").lower() == "error":
            raise Fatal(f"Lazada will not cancel order {order_id}: {text(check, 'tip_content') or 'refused'}")
        chosen_reason = reason_id(request.reason, check.get("reason_options"))
        try:
            answer = self._client.init_reverse_order_cancel(order_id, live, chosen_reason)
        except Fatal:
            # A retry of a call whose answer was lost is refused because the first one went through.
            if not self._cancelled(order_id, live):
                raise
            return
        if text(answer, "tip_type").lower() == "error" and not self._cancelled(order_id, live):
            raise Fatal(f"Lazada did not cancel order {order_id}: {text(answer, 'tip_content') or 'refused'}")

    def _items(self, order_id: str) -> list[dict[str, Any]]:
        return order_items(self._client, order_id)

    def _cancelled(self, order_id: str, order_item_ids: Sequence[str]) -> bool:
        status = {text(item, "order_item_id"): text(item, "status") for item in self._items(order_id)}
        return all(status.get(item_id) == CANCELED for item_id in order_item_ids)


def _chosen(items: list[dict[str, Any]], lines: Sequence[ShippedLine]) -> list[dict[str, Any]]:
    """The order items to cancel: those named (every Lazada order item is one unit), else all of them."""
    if not lines:
        return items
    wanted = [line.platform_line_id for line in lines]
    known = {text(item, "order_item_id") for item in items}
    unknown = [line for line in wanted if line not in known]
    if unknown:
        raise Fatal(f"Lazada order has no order item {', '.join(unknown)}")
    return [item for item in items if text(item, "order_item_id") in set(wanted)]
