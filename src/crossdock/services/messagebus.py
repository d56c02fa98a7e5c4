"""Publishes domain events to their handlers, after the transaction that recorded them committed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import structlog

from crossdock.domain.events import Event
from crossdock.domain.orders.events import OrderStatusRefused

log = structlog.get_logger(__name__)
Handler = Callable[[Event], None]


class MessageBus:
    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)
        self.subscribe(OrderStatusRefused, _warn_refused)

    def subscribe(self, event_type: type[Event], handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            for handler in self._handlers.get(type(event), ()):
                try:
                    handler(event)
                except Exception:
                    # A failing reaction must not undo or block what already committed.
                    log.exception("event.handler_failed", event=type(event).__name__, handler=repr(handler))


def _warn_refused(event: Event) -> None:
    assert isinstance(event, OrderStatusRefused)
    log.warning("order.status_refused", store_id=event.store_id, order=event.platform_order_id,
                held=event.held.value, reported=event.reported.value, platform_status=event.platform_status)
