"""One order status machine for every platform; platform statuses map into it, never backwards."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PENDING_REVIEW = "pending_review"    # paid and waiting for the seller
    REVIEWED = "reviewed"                # approved in Crossdock; the platform does not know this state
    LABEL_CREATED = "label_created"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"              # the platform closed the order (funds released)
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"


# The main road an order travels; a higher rank is further along.
_MAIN = [
    OrderStatus.AWAITING_PAYMENT,
    OrderStatus.PENDING_REVIEW,
    OrderStatus.REVIEWED,
    OrderStatus.LABEL_CREATED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
]
RANK = {status: i for i, status in enumerate(_MAIN)}
TERMINAL = frozenset({OrderStatus.CANCELLED, OrderStatus.RETURNED})


@dataclass(frozen=True, slots=True)
class StatusDecision:
    status: OrderStatus
    accepted: bool  # False: the platform asked for a move the machine forbids; we keep ours


def advance(current: OrderStatus, reported: OrderStatus) -> StatusDecision:
    """Where an order goes when its platform newly reports `reported` while we hold `current`.

    Platforms lag behind our own steps (an order we reviewed is still READY_TO_SHIP there), so a
    lower main-road status keeps ours. Cancellation and returns are side roads: a cancel request
    can be turned down (back to the main road), a return request can be turned down (completed).
    """
    if reported == current:
        return StatusDecision(current, True)
    if current in TERMINAL:
        return StatusDecision(current, False)

    if reported in RANK:
        if current in RANK:
            return StatusDecision(max(current, reported, key=RANK.__getitem__), True)
        if current is OrderStatus.CANCEL_REQUESTED:
            return StatusDecision(reported, True)
        # RETURN_REQUESTED: only an outcome after shipping closes the request
        if RANK[reported] >= RANK[OrderStatus.SHIPPED]:
            return StatusDecision(reported, True)
        return StatusDecision(current, False)

    if reported is OrderStatus.CANCEL_REQUESTED:
        if current in RANK and RANK[current] < RANK[OrderStatus.SHIPPED]:
            return StatusDecision(reported, True)
        return StatusDecision(current, False)
    if reported is OrderStatus.CANCELLED:
        return StatusDecision(reported, True)
    # RETURN_REQUESTED or RETURNED
    if current is OrderStatus.RETURN_REQUESTED or RANK.get(current, -1) >= RANK[OrderStatus.SHIPPED]:
        return StatusDecision(reported, True)
    return StatusDecision(current, False)
