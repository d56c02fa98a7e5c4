"""The seller cancels TikTok Shop orders: Cancel Order (Return and Refund API 202309) with a reason from the seller's
list for the shop's market and the order's status.

Followed: "Cancel Order" (POST /return_refund/202309/cancellations: order_id, cancel_reason, skus or
order_line_item_ids for a partial cancellation, "In the US and UK markets, when an item is out of stock"; answers
cancel_id and cancel_status), "Cancel reasons" ("Seller Initiates Cancel Reason" per market and status: UNPAID, or
ON_HOLD and AWAITING_SHIPMENT; a reason that does not fit the status is "25001021 Reason not match order status"),
and the Cancel Order error codes 25001011 (a cancellation exists already) and 25001051 (completed or cancelled).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crossdock.connectors._kit.cancel import cancel_each
from crossdock.connectors._kit.errors import Fatal, Retryable
from crossdock.connectors._kit.fields import text
from crossdock.connectors.tiktok.client import TikTokClient
from crossdock.connectors.tiktok.fulfilment import ShopOrders
from crossdock.ports.marketplace import CancelOutcome, CancelReason, CancelRequest

# What Cancel Order answers when the order has a cancellation already (ours, if a first answer was lost) or is
# closed: the order's own status then says whether it is cancelled.
CANCELLING_ALREADY = "25001011"
COMPLETED_OR_CANCELLED = "25001051"
# cancel_status values that mean TikTok cancelled the order (SUCCESS), refund done or not (COMPLETE).
DONE = frozenset({"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"})

Reasons = Mapping[CancelReason, tuple[str, str]]      # our reason -> (TikTok's reason name, its wording)

_OUT_OF_STOCK, _PRICING, _ADDRESS, _BUYER = (CancelReason.OUT_OF_STOCK, CancelReason.PRICING_ERROR,
                                             CancelReason.UNDELIVERABLE_ADDRESS, CancelReason.BUYER_REQUEST)
_UNPAID_ALL: Reasons = {
    _OUT_OF_STOCK: ("seller_cancel_unpaid_reason_out_of_stock", "Out of stock"),
    _PRICING: ("seller_cancel_unpaid_reason_wrong_price", "Pricing error"),
    _BUYER: ("seller_cancel_unpaid_reason_buyer_requested_cancellation", "Buyer requested cancellation"),
}
_PAID_ALL: Reasons = {
    _OUT_OF_STOCK: ("seller_cancel_reason_out_of_stock", "Out of stock"),
    _PRICING: ("seller_cancel_reason_wrong_price", "Pricing error"),
    _ADDRESS: ("seller_cancel_paid_reason_address_not_deliver", "Unable to deliver to buyer address"),
    _BUYER: ("seller_cancel_paid_reason_buyer_requested_cancellation", "Buyer requested cancellation"),
}


def _only(reasons: Reasons, *kept: CancelReason) -> Reasons:
    return {reason: reasons[reason] for reason in kept}


def _uk(reasons: Reasons) -> Reasons:
    # The UK market names the same reasons with a "_uk" suffix.
    return {reason: (f"{name}_uk", label) for reason, (name, label) in reasons.items()}


# (UNPAID reasons, ON_HOLD and AWAITING_SHIPMENT reasons) by market, as the Cancel reasons page lists them.
_FOUR = (_UNPAID_ALL, _PAID_ALL)
_SOUTH_EAST = (_only(_UNPAID_ALL, _OUT_OF_STOCK, _PRICING), _only(_PAID_ALL, _OUT_OF_STOCK, _PRICING, _ADDRESS))
_LATAM_PAID = _only(_PAID_ALL, _OUT_OF_STOCK, _ADDRESS, _BUYER)
MARKET_REASONS: dict[str, tuple[Reasons, Reasons]] = {
    "US": _FOUR, "PH": _FOUR, "JP": _FOUR, "DE": _FOUR, "FR": _FOUR, "IT": _FOUR, "ES": _FOUR, "IE": _FOUR,
    "ID": _SOUTH_EAST, "MY": _SOUTH_EAST, "TH": _SOUTH_EAST, "VN": _SOUTH_EAST,
    "SG": (_SOUTH_EAST[0], {**_SOUTH_EAST[1], _ADDRESS: ("seller_cancel_unable_to_deliver_to_buyer_address",
                                                          "Unable to deliver to buyer address")}),
    "GB": (_uk(_SOUTH_EAST[0]), _uk(_SOUTH_EAST[1])),
    "MX": (_only(_UNPAID_ALL, _OUT_OF_STOCK, _BUYER), _LATAM_PAID),
    "BR": (_UNPAID_ALL, _LATAM_PAID),
}
MARKET_REASONS["UK"] = MARKET_REASONS["GB"]


def reasons_for(market: str, status: str) -> Reasons:
    """The reasons a seller may give for an order in `status` in `market`. A market we have no table for gets the
    full list, and TikTok itself says which it refuses; so does an order past AWAITING_SHIPMENT."""
    unpaid, paid = MARKET_REASONS.get(market.upper(), _FOUR)
    return unpaid if status == "UNPAID" else paid


def cancel_reason(market: str, status: str, reason: CancelReason) -> str:
    """TikTok's reason name for ours; Fatal, with TikTok's own list, when the seller cannot give it there."""
    reasons = reasons_for(market, status)
    if reason in reasons:
        return reasons[reason][0]
    offered = "; ".join(f"{label} ({name})" for name, label in reasons.values())
    raise Fatal(f"TikTok Shop has no seller cancel reason for {reason.value} on a {status} order in the "
                f"{market or 'shop'} market; sellers there may give: {offered}", code="reason_not_offered")


class TikTokCanceller:
    """One Cancel Order call per order, after Get Order Detail gives its status (the reason names depend on it)."""
    cancel_batch = 50


    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._orders = ShopOrders(client, shop_id)

    def cancel_orders(self, requests: Sequence[CancelRequest]) -> list[CancelOutcome]:
        return cancel_each(requests, self._cancel)

    def _cancel(self, request: CancelRequest) -> None:
        order = self._orders.read(request.platform_order_id)
        status = text(order, "status")
        if status == "CANCELLED":
            return          # cancelled already: by us (a lost answer), the buyer or TikTok
        body: dict[str, Any] = {"order_id": request.platform_order_id,
                                "cancel_reason": cancel_reason(self._orders.cipher.region(), status, request.reason)}
        part = self._part(order, request)
        if part:
            body["order_line_item_ids"] = part
        try:
            answer = self._orders.client.cancel_order(shop_cipher=self._orders.cipher(), body=body)
        except Fatal as exc:
            if exc.code not in (CANCELLING_ALREADY, COMPLETED_OR_CANCELLED):
                raise
            self._settled(request.platform_order_id, exc)
            return
        cancel_status = text(answer, "cancel_status")
        if cancel_status not in DONE:
            # Taken but not done (CANCELLATION_REQUEST_PENDING): the order is not cancelled yet; ask again later,
            # when the order shows CANCELLED or TikTok says the cancellation is under way.
            raise Retryable(f"TikTok Shop took the cancellation of order {request.platform_order_id} "
                            f"(cancel_id {text(answer, 'cancel_id')}) as {cancel_status or 'no status'}")

    def _settled(self, order_id: str, refusal: Fatal) -> None:
        """After "cancelling already" or "completed or cancelled": fine if the order now shows CANCELLED."""
        if text(self._orders.read(order_id), "status") == "CANCELLED":
            return
        if refusal.code == CANCELLING_ALREADY:
            raise Retryable(f"TikTok Shop is cancelling order {order_id} already: {refusal}") from refusal
        raise refusal

    def _part(self, order: dict[str, Any], request: CancelRequest) -> list[str]:
        """The line item ids of a partial cancellation; [] when the request covers the whole order."""
        if not request.lines:
            return []
        units = self._orders.units(order)
        chosen: list[str] = []
        for line in request.lines:
            group = [u.id for u in units if u.line_id == line.platform_line_id]
            if not group:
                raise Fatal(f"TikTok Shop order {request.platform_order_id} has no line {line.platform_line_id}")
            if line.quantity > len(group):
                raise Fatal(f"TikTok Shop order {request.platform_order_id} has {len(group)} units on line "
                            f"{line.platform_line_id}, not {line.quantity}")
            chosen += group[:line.quantity]
        return [] if len(set(chosen)) == len(units) else chosen
