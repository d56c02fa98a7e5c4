"""Records we could not take in, kept with their reason and payload until fixed or resolved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from crossdock.persistence.tables import quarantine
from crossdock.services.views import QuarantineItem


class QuarantineRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def keep(self, *, store_id: int, kind: str, external_id: str, reason: str, payload: Any, payload_hash: str,
             sync_run_id: int | None, now: datetime) -> bool:
        """Keep a bad record once; seeing the same payload again only counts it. True when new."""
        t = quarantine
        found = self.conn.execute(
            update(t).where(t.c.store_id == store_id, t.c.kind == kind, t.c.external_id == external_id,
                            t.c.payload_hash == payload_hash)
            .values(last_seen_at=now, times_seen=t.c.times_seen + 1, reason=reason, resolved_at=None)
        ).rowcount
        if found:
            return False
        self.conn.execute(t.insert().values(
            store_id=store_id, kind=kind, external_id=external_id, reason=reason, payload=payload,
            payload_hash=payload_hash, sync_run_id=sync_run_id, first_seen_at=now, last_seen_at=now, times_seen=1,
        ))
        return True

    def resolve(self, store_id: int, kind: str, external_ids: list[str], now: datetime) -> int:
        """A record that later came in clean is no longer a problem."""
        if not external_ids:
            return 0
        t = quarantine
        return self.conn.execute(
            update(t).where(t.c.store_id == store_id, t.c.kind == kind, t.c.external_id.in_(external_ids),
                            t.c.resolved_at.is_(None)).values(resolved_at=now)
        ).rowcount

    def open_ids(self, store_id: int, kind: str) -> set[str]:
        t = quarantine
        q = select(t.c.external_id).where(t.c.store_id == store_id, t.c.kind == kind, t.c.resolved_at.is_(None))
        return {r[0] for r in self.conn.execute(q)}

    def items(self, *, store_id: int | None = None, include_resolved: bool = False,
              limit: int = 100) -> list[QuarantineItem]:
        t = quarantine
        q = select(t).order_by(t.c.id.desc()).limit(limit)
        if store_id is not None:
            q = q.where(t.c.store_id == store_id)
        if not include_resolved:
            q = q.where(t.c.resolved_at.is_(None))
        return [
            QuarantineItem(id=r.id, store_id=r.store_id, kind=r.kind, external_id=r.external_id, reason=r.reason,
                           payload=r.payload, first_seen_at=r.first_seen_at, last_seen_at=r.last_seen_at,
                           times_seen=r.times_seen, resolved_at=r.resolved_at, sync_run_id=r.sync_run_id)
            for r in self.conn.execute(q)
        ]

    def open_count(self) -> int:
        q = select(func.count()).select_from(quarantine).where(quarantine.c.resolved_at.is_(None))
        return int(self.conn.execute(q).scalar_one())
