"""Time values: every instant in Crossdock is a timezone-aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crossdock.domain.errors import DomainError, NaiveDatetime


def require_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetime(f"naive datetime not allowed: {value.isoformat()}")
    return value.astimezone(UTC)


def from_unix(seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise DomainError(f"time out of range: {seconds}") from exc


def to_unix(value: datetime) -> int:
    return int(require_utc(value).timestamp())


def windows(since: datetime, until: datetime, longest: timedelta) -> list[tuple[datetime, datetime]]:
    """Split [since, until] into consecutive windows no longer than `longest`, oldest first."""
    since, until = require_utc(since), require_utc(until)
    out: list[tuple[datetime, datetime]] = []
    start = since
    while start < until:
        end = min(start + longest, until)
        out.append((start, end))
        start = end
    return out
