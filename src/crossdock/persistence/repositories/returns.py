"""After-sales: return requests as read from the platforms, and what the warehouse found in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from crossdock.persistence.repositories._common import insert_id
from crossdock.persistence.tables import orders, returns


class ReturnRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def known(self, store_id: int, platform_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not platform_ids:
            return {}
        q = select(returns).where(returns.c.store_id == store_id, returns.c.platform_return_id.in_(list(platform_ids)))
        return {r.platform_return_id: dict(r._mapping) for r in self.conn.execute(q)}

    def add(self, values: dict[str, Any]) -> int:
        return insert_id(self.conn, returns, values)

    def update(self, return_id: int, values: dict[str, Any]) -> None:
        self.conn.execute(update(returns).where(returns.c.id == return_id).values(**values))

    def get(self, return_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        q = select(returns).where(returns.c.id == return_id)
        if lock:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return dict(row._mapping) if row else None

    def search(self, *, state: str | None = None, store_id: int | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
        q = select(returns).order_by(returns.c.created_at.desc(), returns.c.id.desc()).limit(limit)
        if state:
            q = q.where(returns.c.state == state)
        if store_id:
            q = q.where(returns.c.store_id == store_id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def order_ids(self, store_id: int, platform_order_ids: Sequence[str]) -> dict[str, int]:
        if not platform_order_ids:
            return {}
        q = select(orders.c.platform_order_id, orders.c.id).where(
            orders.c.store_id == store_id, orders.c.platform_order_id.in_(list(set(platform_order_ids))))
        return {r.platform_order_id: r.id for r in self.conn.execute(q)}

    def mark_received(self, return_id: int, inspection: list[dict[str, Any]], now: datetime) -> None:
        self.conn.execute(update(returns).where(returns.c.id == return_id)
                          .values(received_at=now, inspection=inspection, state="received"))
