"""Small helpers the repositories share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, insert


def insert_id(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    """Insert one row and return its id (RETURNING works on SQLite and PostgreSQL alike)."""
    return int(conn.execute(insert(table).returning(table.c.id).values(**values)).scalar_one())


def as_dicts(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]
