"""Facts about stock, published after the transaction that made them committed."""

from __future__ import annotations

from dataclasses import dataclass

from crossdock.domain.events import Event


@dataclass(frozen=True, slots=True)
class StockChanged(Event):
    """Levels of these SKUs changed: the listings showing them need new quantities."""

    sku_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class OrdersOversold(Event):
    """Orders whose units no warehouse could cover: flagged, never left negative."""

    store_id: int
    order_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ListingsPushed(Event):
    """New quantities reached (or were refused by) one store's listings of these SKUs."""

    store_id: int
    sku_ids: frozenset[int]
    pushed: int
    failed: int
