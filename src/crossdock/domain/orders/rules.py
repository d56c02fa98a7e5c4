"""The reconcile rule: what a newly pulled snapshot does to the order we hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from crossdock.domain.events import Event
from crossdock.domain.orders.events import (
    OrderImported,
    OrderStatusChanged,
    OrderStatusRefused,
    OrderUpdated,
)
from crossdock.domain.orders.model import OrderSnapshot, OrderState
from crossdock.domain.orders.status import OrderStatus, advance


class Outcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"   # the same snapshot again: a re-pull, an overlap, a duplicate push
    STALE = "stale"           # older than what we hold: delivered out of order, ignored


@dataclass(frozen=True, slots=True)
class Reconciliation:
    outcome: Outcome
    status: OrderStatus
    events: list[Event] = field(default_factory=list)
    accepted: bool = True   # False: the platform's status was refused by the machine and ours kept

    @property
    def writes(self) -> bool:
        return self.outcome in (Outcome.NEW, Outcome.UPDATED)


def reconcile(store_id: int, held: OrderState | None, snap: OrderSnapshot) -> Reconciliation:
    key = snap.platform_order_id
    if held is None:
        return Reconciliation(Outcome.NEW, snap.status, [OrderImported(store_id, key, snap.status)])
    if snap.updated_at < held.platform_updated_at:
        return Reconciliation(Outcome.STALE, held.status)
    if snap.updated_at == held.platform_updated_at and snap.payload_hash == held.payload_hash:
        return Reconciliation(Outcome.UNCHANGED, held.status)

    # Same second but different content counts as newer: platforms stamp whole seconds.
    decision = advance(held.status, snap.status)
    events: list[Event] = [OrderUpdated(store_id, key)]
    if decision.status != held.status:
        events.append(OrderStatusChanged(store_id, key, held.status, decision.status))
    if not decision.accepted:
        events.append(OrderStatusRefused(store_id, key, held.status, snap.status, snap.platform_status))
    return Reconciliation(Outcome.UPDATED, decision.status, events, decision.accepted)
