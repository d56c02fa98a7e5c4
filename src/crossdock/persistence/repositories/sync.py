"""Sync cursors (saved with the records they cover) and the record of every sync run."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from crossdock.persistence.tables import sync_cursors, sync_runs
from crossdock.services.views import SyncRunView

_RUN_FIELDS = [f.name for f in fields(SyncRunView)]


class SyncRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def watermark(self, store_id: int, stream: str) -> datetime | None:
        q = select(sync_cursors.c.watermark).where(sync_cursors.c.store_id == store_id,
                                                   sync_cursors.c.stream == stream)
        value: datetime | None = self.conn.execute(q).scalar_one_or_none()
        return value

    def move_watermark(self, store_id: int, stream: str, watermark: datetime, now: datetime) -> None:
        """Only forwards: a replay of an old window must not pull the cursor back."""
        t = sync_cursors
        current = self.watermark(store_id, stream)
        if current is None:
            self.conn.execute(insert(t).values(store_id=store_id, stream=stream, watermark=watermark, updated_at=now))
        elif watermark > current:
            self.conn.execute(update(t).where(t.c.store_id == store_id, t.c.stream == stream)
                              .values(watermark=watermark, updated_at=now))

    def start_run(self, run: SyncRunView) -> int:
        values = {k: v for k, v in asdict(run).items() if k != "id"}
        pk = self.conn.execute(insert(sync_runs).values(**values)).inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def save_run(self, run: SyncRunView) -> None:
        values = {k: v for k, v in asdict(run).items() if k != "id"}
        self.conn.execute(update(sync_runs).where(sync_runs.c.id == run.id).values(**values))

    def runs(self, *, store_id: int | None = None, limit: int = 50) -> list[SyncRunView]:
        q = select(sync_runs).order_by(sync_runs.c.id.desc()).limit(limit)
        if store_id is not None:
            q = q.where(sync_runs.c.store_id == store_id)
        return [self._view(r) for r in self.conn.execute(q)]

    def run(self, run_id: int) -> SyncRunView | None:
        r = self.conn.execute(select(sync_runs).where(sync_runs.c.id == run_id)).first()
        return self._view(r) if r else None

    @staticmethod
    def _view(r: Any) -> SyncRunView:
        m = r._mapping
        return SyncRunView(**{k: m[k] for k in _RUN_FIELDS})
