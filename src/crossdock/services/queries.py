"""Read-only questions the interfaces ask: orders, quarantine, counts."""

from __future__ import annotations

from crossdock.services.errors import NotFound
from crossdock.services.unit_of_work import UowFactory
from crossdock.services.views import OrderDetail, OrderFilter, OrderSummary, Page, QuarantineItem

MAX_PAGE = 500


class OrderNotFound(NotFound):
    pass


class Queries:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    def orders(self, f: OrderFilter, *, limit: int = 50, cursor: str | None = None) -> Page[OrderSummary]:
        with self._uow(readonly=True) as uow:
            return uow.orders.list(f, limit=max(1, min(limit, MAX_PAGE)), cursor=cursor)

    def order_count(self, f: OrderFilter) -> int:
        with self._uow(readonly=True) as uow:
            return uow.orders.count(f)

    def order(self, order_id: int) -> OrderDetail:
        with self._uow(readonly=True) as uow:
            detail = uow.orders.detail(order_id)
        if detail is None:
            raise OrderNotFound(f"no order with id {order_id}")
        return detail

    def orders_by_status(self) -> dict[str, int]:
        with self._uow(readonly=True) as uow:
            return uow.orders.counts_by_status()

    def open_quarantine(self) -> int:
        with self._uow(readonly=True) as uow:
            return uow.quarantine.open_count()

    def quarantine(self, *, store_id: int | None = None, include_resolved: bool = False,
                   limit: int = 100) -> list[QuarantineItem]:
        with self._uow(readonly=True) as uow:
            return uow.quarantine.items(store_id=store_id, include_resolved=include_resolved, limit=limit)
