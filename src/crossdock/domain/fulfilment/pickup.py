"""Pick-up points: their opening hours in local time, the hand-over slots of a day, and checking a chosen slot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crossdock.domain.errors import DomainError
from crossdock.domain.orders.model import Address
from crossdock.domain.time import require_utc

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MIDNIGHT = dt.time(0, 0)
_DASH = "\u2013"     # en dash, as times are ranged in print


class SlotRefused(DomainError):
    """The chosen slot is not one the pick-up point offers."""


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One opening span of a weekday in the point's local time; `closes` 00:00 means until midnight.

    A day with a lunch break has two spans. Spans that run past midnight are written as two days' spans.
    """

    weekday: int            # 0 = Monday
    opens: dt.time
    closes: dt.time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise DomainError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise DomainError("opening hours are local wall-clock times: give them without a time zone")
        if self.closes != _MIDNIGHT and self.closes <= self.opens:
            raise DomainError(f"{_DAY_NAMES[self.weekday]}: closes {self.closes:%H:%M} before it opens "
                              f"{self.opens:%H:%M}")


@dataclass(frozen=True, slots=True)
class PickupPoint:
    id: str
    carrier: str
    name: str
    address: Address
    timezone: str           # IANA, e.g. "Europe/Berlin"
    hours: tuple[OpeningHours, ...]
    slot_minutes: int = 60

    def __post_init__(self) -> None:
        if self.slot_minutes <= 0:
            raise DomainError(f"{self.name}: slot length must be positive, got {self.slot_minutes} minutes")
        _zone(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DomainError(f"unknown time zone {name!r}: give an IANA name such as Europe/Berlin") from exc


def slots(point: PickupPoint, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The slots of this local day as UTC-aware (start, end) pairs, earliest first.

    Slots are laid in real elapsed time from each opening, so they stay `slot_minutes` long on the days clocks
    change: a 24-hour point has 23 one-hour slots on the last Sunday of March and 25 on the last of October.
    A wall time that does not exist (02:30 in a spring-forward night) is read as the clocks before the change.
    """
    zone = point.zone
    step = dt.timedelta(minutes=point.slot_minutes)
    out: list[tuple[dt.datetime, dt.datetime]] = []
    for span in sorted((h for h in point.hours if h.weekday == day.weekday()), key=lambda h: h.opens):
        start = _utc(dt.datetime.combine(day, span.opens, zone))
        close_day = day + dt.timedelta(days=1) if span.closes == _MIDNIGHT else day
        close = _utc(dt.datetime.combine(close_day, span.closes, zone))
        while start + step <= close:
            out.append((start, start + step))
            start += step
    return out


def _utc(local: dt.datetime) -> dt.datetime:
    return local.astimezone(dt.UTC)


def check_slot(point: PickupPoint, start: dt.datetime, end: dt.datetime) -> None:
    """Refuse a slot the point does not offer, saying which it does offer that day."""
    start, end = require_utc(start), require_utc(end)
    zone = point.zone
    if end <= start:
        raise SlotRefused(f"a slot must end after it starts: {_local(start, zone)} to {_local(end, zone)} "
                          f"({point.timezone})")
    local_start = start.astimezone(zone)
    day = local_start.date()
    if not any(h.weekday == day.weekday() for h in point.hours):
        raise SlotRefused(f"{point.name} is closed on {_DAY_NAMES[day.weekday()]}s")
    offered = slots(point, day)
    if (start, end) in offered:
        return
    asked = f"{local_start:%H:%M}{_DASH}{end.astimezone(zone):%H:%M}"
    when = f"{_DAY_NAMES[day.weekday()][:3]} {day.isoformat()}"     # not %a: that follows the process locale
    if not offered:
        raise SlotRefused(f"{point.name} has no {point.slot_minutes}-minute slot on {when}")
    raise SlotRefused(f"{asked} is not one of {point.name}'s slots on {when} ({point.timezone}): "
                      f"{_listed(offered, zone)}")


def _local(value: dt.datetime, zone: ZoneInfo) -> str:
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M}"


def _listed(offered: list[tuple[dt.datetime, dt.datetime]], zone: ZoneInfo, limit: int = 8) -> str:
    shown = ", ".join(f"{a.astimezone(zone):%H:%M}{_DASH}{b.astimezone(zone):%H:%M}" for a, b in offered[:limit])
    return shown + (f", … ({len(offered)} in all)" if len(offered) > limit else "")
