"""Pushes as received (raw) and the events they carried (unique per platform event id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from crossdock.persistence.tables import push_deliveries, push_events


class PushRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_delivery(self, platform: str, headers: dict[str, str], body: str, now: datetime) -> int:
        pk = self.conn.execute(insert(push_deliveries).values(
            platform=platform, received_at=now, headers=headers, body=body, state="received")).inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def set_delivery(self, delivery_id: int, state: str, error: str | None = None) -> None:
        self.conn.execute(update(push_deliveries).where(push_deliveries.c.id == delivery_id)
                          .values(state=state, error=error[:2000] if error else None))

    def add_event(self, *, platform: str, event_id: str, delivery_id: int, store_id: int | None,
                  platform_order_id: str, now: datetime) -> int | None:
        """The new event's id, or None when the platform already sent this event."""
        try:
            with self.conn.begin_nested():
                pk = self.conn.execute(insert(push_events).values(
                    platform=platform, event_id=event_id, delivery_id=delivery_id, store_id=store_id,
                    platform_order_id=platform_order_id, state="queued" if store_id else "unknown_store",
                    received_at=now)).inserted_primary_key
        except IntegrityError:
            return None
        assert pk is not None
        return int(pk[0])

    def events(self, ids: list[int]) -> list[Any]:
        q = select(push_events.c.id, push_events.c.store_id, push_events.c.platform_order_id)
        return list(self.conn.execute(q.where(push_events.c.id.in_(ids))))

    def finish_events(self, ids: list[int], state: str, error: str | None, now: datetime) -> None:
        self.conn.execute(update(push_events).where(push_events.c.id.in_(ids))
                          .values(state=state, error=error, processed_at=now))

    def deliveries(self, platform: str | None = None, limit: int = 50) -> list[Any]:
        q = select(push_deliveries).order_by(push_deliveries.c.id.desc()).limit(limit)
        if platform:
            q = q.where(push_deliveries.c.platform == platform)
        return list(self.conn.execute(q))
