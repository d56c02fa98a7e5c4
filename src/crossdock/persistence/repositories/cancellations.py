"""Orders the seller cancelled, waiting to be (or already) cancelled on their marketplace."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from crossdock.persistence.tables import order_cancellations, order_lines, orders, stores

OPEN_STATES = ("pending", "retry")


class CancellationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        """One row per order ({order_id, store_id, reason, note}); an order cancelled twice keeps its first row."""
        if not rows:
            return
        known = set(self.conn.scalars(select(order_cancellations.c.order_id).where(
            order_cancellations.c.order_id.in_([r["order_id"] for r in rows]))))
        fresh = [r for r in rows if r["order_id"] not in known]
        if fresh:
            self.conn.execute(insert(order_cancellations), fresh)

    def due(self, order_ids: Sequence[int] | None, max_attempts: int, limit: int) -> list[dict[str, Any]]:
        """Open cancellations with what the marketplace needs: the platform's order id and the store's platform."""
        q = (select(order_cancellations, orders.c.platform_order_id, stores.c.platform)
             .join(orders, orders.c.id == order_cancellations.c.order_id)
             .join(stores, stores.c.id == order_cancellations.c.store_id)
             .where(order_cancellations.c.state.in_(OPEN_STATES), order_cancellations.c.attempts < max_attempts)
             .order_by(order_cancellations.c.requested_at, order_cancellations.c.order_id).limit(limit))
        if order_ids is not None:
            q = q.where(order_cancellations.c.order_id.in_(list(order_ids)))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def lines(self, order_ids: Sequence[int]) -> dict[int, list[tuple[str, int]]]:
        found: dict[int, list[tuple[str, int]]] = defaultdict(list)
        if not order_ids:
            return found
        q = (select(order_lines.c.order_id, order_lines.c.platform_line_id, order_lines.c.quantity)
             .where(order_lines.c.order_id.in_(list(order_ids))).order_by(order_lines.c.order_id,
                                                                         order_lines.c.position))
        for r in self.conn.execute(q):
            found[r.order_id].append((r.platform_line_id, r.quantity))
        return found

    def update(self, order_id: int, values: dict[str, Any]) -> None:
        self.conn.execute(update(order_cancellations).where(order_cancellations.c.order_id == order_id)
                          .values(**values))

    def search(self, *, states: Sequence[str] | None = None, store_id: int | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
        q = (select(order_cancellations, orders.c.platform_order_id, orders.c.status.label("order_status"),
                    orders.c.platform_status)
             .join(orders, orders.c.id == order_cancellations.c.order_id)
             .order_by(order_cancellations.c.requested_at.desc(), order_cancellations.c.order_id.desc())
             .limit(limit))
        if states:
            q = q.where(order_cancellations.c.state.in_(list(states)))
        if store_id is not None:
            q = q.where(order_cancellations.c.store_id == store_id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def get(self, order_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(order_cancellations).where(order_cancellations.c.order_id == order_id)).first()
        return dict(row._mapping) if row else None
