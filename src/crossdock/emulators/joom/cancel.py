"""The merchant cancels an order in the Joom emulator: POST /api/v3/orders/cancel?id= {reason, note} -> the order,
now `cancelled` ("cancelled through the merchant's fault": the buyer gets the money back).

Followed: api-v3-docs.merchant.joom.com "Orders" overview ("cancel orders that cannot be fulfilled", the state
`cancelled`) and Joom's help page "How to Cancel an Order?" (the Cancel Order endpoint of APIv3). Assumptions: the
path, the body (`reason` one of outOfStock / unableToFulfill, optional; `note`, optional) and the answer follow a
published v3 client, as no copy of the endpoint's page was found; only an approved order can be cancelled, refused
like fulfilling in the wrong state; the refund records the reason given (merchantCancelled when none) and the note;
the stock of a cancelled order stays where it is.
"""

from __future__ import annotations

from typing import Any

from crossdock.emulators.joom.protocol import ApiError, invalid
from crossdock.emulators.joom.world import Order, StoredOrder

CANCEL_PATH = "/api/v3/orders/cancel"
REASONS = ("outOfStock", "unableToFulfill")
FAILED_PRECONDITION = "failed_precondition"       # as the fulfil endpoints refuse an order in the wrong state


def cancel(order: StoredOrder, body: dict[str, Any], now: int) -> Order:
    reason, note = body.get("reason"), body.get("note")
    if reason is not None and reason not in REASONS:
        raise invalid("reason", f"one of {', '.join(REASONS)}", str(reason))
    if note is not None and not isinstance(note, str):
        raise invalid("note", "string", str(note))
    if not isinstance(order, Order):
        raise ApiError(400, FAILED_PRECONDITION, f"Order {order.id} cannot be cancelled")
    if order.status != "approved":
        raise ApiError(400, FAILED_PRECONDITION,
                       f"Only orders in state approved can be cancelled; order {order.id} is {order.status}")
    order.pending.clear()      # the merchant ended the order's planned life
    order.apply("cancelled", now)
    if reason is not None:
        order.refund_reason = reason
    order.refund_note = (note or "").strip()
    return order
