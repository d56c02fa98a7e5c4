"""How the CLI shows things: Rich tables for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

STATUS_STYLE = {
    "succeeded": "green", "ok": "green", "failed": "red", "auth_failed": "red", "failing": "yellow",
    "running": "cyan", "unknown": "dim",
}


def emit_json(data: BaseModel | Sequence[BaseModel | dict[str, Any]] | dict[str, Any]) -> None:
    if isinstance(data, BaseModel):
        payload: Any = data.model_dump(mode="json")
    elif isinstance(data, dict):
        payload = data
    else:
        payload = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    print(json.dumps(payload, indent=2, ensure_ascii=False))


def when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


def ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    seconds = int((now - value).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def styled(value: str | None) -> str:
    if not value:
        return "-"
    style = STATUS_STYLE.get(value)
    return f"[{style}]{value}[/]" if style else value


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
          justify_right: Sequence[str] = ()) -> Table:
    t = Table(title=title, title_justify="left", header_style="bold")
    for c in columns:
        t.add_column(c, justify="right" if c in justify_right else "left", overflow="fold")
    for r in rows:
        t.add_row(*[str(v) if v is not None else "-" for v in r])
    return t


def parse_time(text: str | None, now: datetime) -> datetime | None:
    """ISO 8601 (a time without zone is UTC) or relative: 90m, 6h, 2d, 1w before now."""
    if text is None:
        return None
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if text[-1:] in units and text[:-1].isdigit():
        return now - timedelta(**{units[text[-1]]: int(text[:-1])})
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
