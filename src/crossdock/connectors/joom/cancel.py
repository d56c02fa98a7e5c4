"""The merchant cancels Joom orders: POST /api/v3/orders/cancel?id=, one order (one variant line, all its units) a
call. Joom counts these as cancelled "through the merchant's fault" (state `cancelled`).

Followed: api-v3-docs.merchant.joom.com "Orders" overview ("cancel orders that cannot be fulfilled"; state
`cancelled`), and Joom's help page "How to Cancel an Order?" (cancel in the panel or "with the Cancel Order endpoint
in the Joom Merchant APIv3"). No copy of the endpoint's own page was found: the path, `reason` (outOfStock or
unableToFulfill) and `note` are as a published v3 client types them.
"""

from __future__ import annotations

from collections.abc import Sequence

from crossdock.connectors._kit.cancel import cancel_each
from crossdock.connectors._kit.errors import Fatal, Retryable
from crossdock.connectors._kit.fields import text
from crossdock.connectors.joom.client import JoomClient
from crossdock.ports.marketplace import CancelOutcome, CancelReason, CancelRequest

# Joom takes two reasons; the catch-all carries ours in the note, so the merchant panel still says why.
JOOM_REASONS: dict[CancelReason, str] = {
    CancelReason.OUT_OF_STOCK: "outOfStock",
    CancelReason.UNDELIVERABLE_ADDRESS: "unableToFulfill",
    CancelReason.BUYER_REQUEST: "unableToFulfill",
    CancelReason.PRICING_ERROR: "unableToFulfill",
    CancelReason.OTHER: "unableToFulfill",
}
_WORDS = {
    CancelReason.UNDELIVERABLE_ADDRESS: "Undeliverable address",
    CancelReason.BUYER_REQUEST: "Buyer requested cancellation",
    CancelReason.PRICING_ERROR: "Pricing error",
}
# States in which the order is cancelled already, by the merchant or (at its own cost) by Joom: nothing to do.
CANCELLED = frozenset({"cancelled", "paidByJoomRefund"})
# Refusals that no look at the order can turn into a success.
_NOT_FOUND = frozenset({"not_found", "http_404"})


def cancel_payload(request: CancelRequest) -> dict[str, str]:
    """The body of /orders/cancel for our request: Joom's reason, and a note with ours where Joom's is vaguer."""
    payload = {"reason": JOOM_REASONS[request.reason]}
    note = ": ".join(part for part in (_WORDS.get(request.reason, ""), request.note.strip()) if part)
    if note:
        payload["note"] = note
    return payload


class JoomCanceller:
    """One /orders/cancel call per order. A Joom order is one variant line and is cancelled whole: the request's
    lines are not sent (they are every line of the order)."""
    cancel_batch = 50


    def __init__(self, client: JoomClient) -> None:
        self._client = client

    def cancel_orders(self, requests: Sequence[CancelRequest]) -> list[CancelOutcome]:
        return cancel_each(requests, self._cancel)

    def _cancel(self, request: CancelRequest) -> None:
        order_id = request.platform_order_id
        try:
            order = self._client.cancel_order(order_id, cancel_payload(request))
        except Fatal as exc:
            if exc.code in _NOT_FOUND:
                raise
            # Refused in its state: fine when that state is cancelled (our own first attempt, its answer lost).
            current = self._client.get_order(order_id)
            if current is not None and text(current, "status") in CANCELLED:
                return
            raise
        status = text(order, "status")
        if status not in CANCELLED:
            raise Retryable(f"Joom took the cancellation of order {order_id} but shows it "
                            f"{status or 'without a state'}")
