"""Tracking in one vocabulary: every carrier's and marketplace's event codes map onto these few states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from crossdock.domain.time import require_utc


class TrackingStatus(StrEnum):
    INFO_RECEIVED = "info_received"        # the carrier has the label data, not yet the parcel
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"                # delivery failed, held at customs, damaged, address problem…
    RETURNED = "returned"                  # on its way back to (or back at) the sender


# A parcel's state is its latest event's, except that nothing after DELIVERED or RETURNED undoes it.
FINAL = frozenset({TrackingStatus.DELIVERED, TrackingStatus.RETURNED})


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    at: datetime
    status: TrackingStatus
    code: str                  # the carrier's own event code, kept as sent
    description: str
    location: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_utc(self.at))


def current_status(events: list[TrackingEvent]) -> TrackingStatus | None:
    """The parcel's state after these events (in any order)."""
    state: TrackingStatus | None = None
    for event in sorted(events, key=lambda e: e.at):
        if state in FINAL and event.status not in FINAL:
            continue
        state = event.status
    return state
