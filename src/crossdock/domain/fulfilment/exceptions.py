"""Fulfilment exceptions: shipments that need a person, found from their deadline and their tracking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus, current_status
from crossdock.domain.time import require_utc


class ExceptionKind(StrEnum):
    LATE_SHIPMENT = "late_shipment"
    NO_MOVEMENT = "no_movement"
    DELIVERY_FAILED = "delivery_failed"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    ship_by: datetime | None
    handed_over_at: datetime | None     # label used / first carrier scan / confirmed to the platform
    events: tuple[TrackingEvent, ...]

    def __post_init__(self) -> None:
        for name in ("ship_by", "handed_over_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_utc(value))

    @property
    def handed_over(self) -> bool:
        """Handed over, or the carrier has scanned it: any event past "label data received" proves it."""
        return self.handed_over_at is not None or any(
            e.status is not TrackingStatus.INFO_RECEIVED for e in self.events
        )


@dataclass(frozen=True, slots=True)
class Raised:
    kind: ExceptionKind
    detail: str


def detect(
    facts: ShipmentFacts,
    now: datetime,
    *,
    no_movement_days: int = 5,
    warn_before: timedelta = timedelta(hours=12),
) -> list[Raised]:
    """The exceptions this shipment is in at `now`.

    LATE_SHIPMENT is raised from `warn_before` ahead of the ship-by time, not only once it has passed: the
    platforms count a late shipment against the seller (Shopee's and Amazon's late shipment rates) and a person
    can still act before the deadline, not after. The detail says "due in …" or "… overdue" so the two read apart;
    pass `warn_before=timedelta(0)` to raise only overdue ones.

    NO_MOVEMENT is only for parcels in the carrier's hands (before that it is a LATE_SHIPMENT matter) and not for
    one already in DELIVERY_FAILED: that exception already asks a person to look, and says why.
    """
    now = require_utc(now)
    if no_movement_days <= 0:
        raise DomainError(f"no_movement_days must be positive, got {no_movement_days}")
    if warn_before < timedelta(0):
        raise DomainError(f"warn_before must not be negative, got {warn_before}")
    raised: list[Raised] = []
    status = current_status(list(facts.events))

    if facts.ship_by is not None and not facts.handed_over:
        if now > facts.ship_by:
            raised.append(Raised(ExceptionKind.LATE_SHIPMENT,
                                 f"not handed over to the carrier, {_span(now - facts.ship_by)} overdue "
                                 f"(ship by {_at(facts.ship_by)})"))
        elif warn_before > timedelta(0) and now >= facts.ship_by - warn_before:
            raised.append(Raised(ExceptionKind.LATE_SHIPMENT,
                                 f"not handed over to the carrier, due in {_span(facts.ship_by - now)} "
                                 f"(ship by {_at(facts.ship_by)})"))

    if facts.handed_over and status not in (TrackingStatus.DELIVERED, TrackingStatus.RETURNED,
                                            TrackingStatus.EXCEPTION):
        last = max(facts.events, key=lambda e: e.at, default=None)
        since = max(t for t in (last.at if last else None, facts.handed_over_at) if t is not None)
        if now - since > timedelta(days=no_movement_days):
            if last is not None and last.at >= since:
                where = f" at {last.location}" if last.location else ""
                seen = f"last: {last.description or last.code}{where}, {_at(last.at)}"
            else:
                seen = f"handed over {_at(since)}, never scanned since"
            raised.append(Raised(ExceptionKind.NO_MOVEMENT, f"no tracking update for {_span(now - since)} ({seen})"))

    if status is TrackingStatus.EXCEPTION:
        raised.append(Raised(ExceptionKind.DELIVERY_FAILED, _latest_description(facts.events, status)))
    elif status is TrackingStatus.RETURNED:
        raised.append(Raised(ExceptionKind.RETURNED, _latest_description(facts.events, status)))
    return raised


def _latest_description(events: tuple[TrackingEvent, ...], status: TrackingStatus) -> str:
    event = max((e for e in events if e.status is status), key=lambda e: e.at)
    # Some carriers send a bare event code without words: the code is still what support will ask about.
    return event.description.strip() or f"carrier event {event.code}"


def _at(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def _span(delta: timedelta) -> str:
    """A duration as a person reads it: '2 d 3 h', '5 h 20 min', '40 min'."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"
