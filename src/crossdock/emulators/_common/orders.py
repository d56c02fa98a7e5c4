"""Argument checks every emulated world applies before generating orders."""

from __future__ import annotations

from datetime import datetime


def check_window(count: int, start: datetime, end: datetime) -> None:
    """ValueError unless `count` >= 0 and [start, end] is an aware window that does not run backwards."""
    if count < 0:
        raise ValueError("count must be >= 0")
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end < start:
        raise ValueError("end must not be before start")
