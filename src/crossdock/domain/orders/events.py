"""Facts about orders, recorded by the rules and published by the services after commit."""

from __future__ import annotations

from dataclasses import dataclass

from crossdock.domain.events import Event
from crossdock.domain.orders.status import OrderStatus


@dataclass(frozen=True, slots=True)
class OrderImported(Event):
    store_id: int
    platform_order_id: str
    status: OrderStatus


@dataclass(frozen=True, slots=True)
class OrderUpdated(Event):
    store_id: int
    platform_order_id: str


@dataclass(frozen=True, slots=True)
class OrderStatusChanged(Event):
    store_id: int
    platform_order_id: str
    old: OrderStatus
    new: OrderStatus


@dataclass(frozen=True, slots=True)
class OrderStatusRefused(Event):
    """The platform reported a move our machine forbids (e.g. cancelled -> ready to ship)."""

    store_id: int
    platform_order_id: str
    held: OrderStatus
    reported: OrderStatus
    platform_status: str
