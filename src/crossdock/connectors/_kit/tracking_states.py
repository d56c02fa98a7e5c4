"""Short names of our tracking states, so that a platform's long table of logistics statuses stays one state a row
and reads at a glance which of its codes mean the same to us."""

from __future__ import annotations

from crossdock.domain.fulfilment.tracking import TrackingStatus

INFO = TrackingStatus.INFO_RECEIVED
MOVING = TrackingStatus.IN_TRANSIT
TROUBLE = TrackingStatus.EXCEPTION
BACK = TrackingStatus.RETURNED
