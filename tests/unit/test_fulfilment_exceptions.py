from datetime import UTC, datetime, timedelta

import pytest

from crossdock.domain.errors import DomainError, NaiveDatetime
from crossdock.domain.fulfilment.exceptions import ExceptionKind, Raised, ShipmentFacts, detect
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
S = TrackingStatus


def event(days_ago: float, status: TrackingStatus, description: str = "", location: str = "",
          code: str = "X") -> TrackingEvent:
    return TrackingEvent(at=NOW - timedelta(days=days_ago), status=status, code=code, description=description,
                         location=location)


def facts(ship_by: datetime | None = None, handed_over_at: datetime | None = None,
          events: tuple[TrackingEvent, ...] = ()) -> ShipmentFacts:
    return ShipmentFacts(ship_by=ship_by, handed_over_at=handed_over_at, events=events)


def kinds(raised: list[Raised]) -> list[ExceptionKind]:
    return [r.kind for r in raised]


# --- late shipment ---------------------------------------------------------------------------------------

def test_overdue_and_not_handed_over_is_late_by_how_long() -> None:
    raised = detect(facts(ship_by=NOW - timedelta(hours=5, minutes=20)), NOW)
    assert raised == [Raised(ExceptionKind.LATE_SHIPMENT,
                             "not handed over to the carrier, 5 h 20 min overdue (ship by 2026-12-10 06:40 UTC)")]


def test_days_overdue_read_in_days() -> None:
    [late] = detect(facts(ship_by=NOW - timedelta(days=2, hours=3)), NOW)
    assert late.detail.startswith("not handed over to the carrier, 2 d 3 h overdue")


def test_due_within_the_warning_window_is_raised_as_due_soon() -> None:
    [due] = detect(facts(ship_by=NOW + timedelta(hours=3)), NOW)
    assert due == Raised(ExceptionKind.LATE_SHIPMENT,
                         "not handed over to the carrier, due in 3 h (ship by 2026-12-10 15:00 UTC)")


def test_due_later_than_the_window_or_with_no_window_is_not_raised() -> None:
    assert detect(facts(ship_by=NOW + timedelta(hours=13)), NOW) == []
    assert detect(facts(ship_by=NOW + timedelta(hours=3)), NOW, warn_before=timedelta(0)) == []
    assert detect(facts(ship_by=NOW + timedelta(hours=13)), NOW, warn_before=timedelta(hours=24)) != []


def test_handed_over_is_never_late_whoever_says_so() -> None:
    overdue = NOW - timedelta(hours=1)
    assert detect(facts(ship_by=overdue, handed_over_at=NOW - timedelta(hours=2)), NOW) == []
    scanned = (event(0.01, S.IN_TRANSIT, "Picked up"),)
    assert detect(facts(ship_by=overdue, events=scanned), NOW) == []
    label_only = (event(1, S.INFO_RECEIVED, "Label created"),)
    assert kinds(detect(facts(ship_by=overdue, events=label_only), NOW)) == [ExceptionKind.LATE_SHIPMENT]


def test_no_ship_by_no_lateness() -> None:
    assert detect(facts(), NOW) == []


# --- no movement -----------------------------------------------------------------------------------------

def test_no_update_for_more_than_n_days_is_no_movement() -> None:
    events = (event(9, S.INFO_RECEIVED, "Label created"),
              event(6, S.IN_TRANSIT, "Arrived at hub", "Leipzig"))
    raised = detect(facts(handed_over_at=NOW - timedelta(days=8), events=events), NOW)
    assert raised == [Raised(ExceptionKind.NO_MOVEMENT,
                             "no tracking update for 6 d (last: Arrived at hub at Leipzig, 2026-12-04 12:00 UTC)")]


def test_recent_update_or_a_longer_threshold_is_quiet() -> None:
    events = (event(4, S.IN_TRANSIT, "Departed hub"),)
    assert detect(facts(events=events), NOW) == []
    assert detect(facts(events=(event(6, S.IN_TRANSIT),)), NOW, no_movement_days=7) == []


def test_events_in_any_order_use_the_latest() -> None:
    events = (event(1, S.IN_TRANSIT, "In customs"), event(8, S.IN_TRANSIT, "Picked up"))
    assert detect(facts(events=events), NOW) == []


def test_handed_over_but_never_scanned_counts_from_the_hand_over() -> None:
    raised = detect(facts(handed_over_at=NOW - timedelta(days=7)), NOW)
    assert raised == [Raised(ExceptionKind.NO_MOVEMENT,
                             "no tracking update for 7 d (handed over 2026-12-03 12:00 UTC, never scanned since)")]
    label = (event(9, S.INFO_RECEIVED, "Label created"),)
    [stale] = detect(facts(handed_over_at=NOW - timedelta(days=6), events=label), NOW)
    assert stale.detail.startswith("no tracking update for 6 d (handed over")


def test_delivered_or_returned_parcels_do_not_stall() -> None:
    delivered = (event(20, S.IN_TRANSIT), event(19, S.DELIVERED, "Delivered"))
    assert detect(facts(events=delivered), NOW) == []


# --- delivery failed, returned --------------------------------------------------------------------------

def test_exception_status_is_delivery_failed_with_the_carriers_words() -> None:
    events = (event(3, S.IN_TRANSIT, "Arrived"), event(1, S.EXCEPTION, "Recipient not found at address"))
    assert detect(facts(events=events), NOW) == [
        Raised(ExceptionKind.DELIVERY_FAILED, "Recipient not found at address")
    ]


def test_a_stale_failed_delivery_is_only_delivery_failed() -> None:
    events = (event(10, S.EXCEPTION, "Held at customs"),)
    assert kinds(detect(facts(events=events), NOW)) == [ExceptionKind.DELIVERY_FAILED]


def test_a_failure_without_words_names_the_carrier_code() -> None:
    assert detect(facts(events=(event(1, S.EXCEPTION, code="NDL-07"),)), NOW) == [
        Raised(ExceptionKind.DELIVERY_FAILED, "carrier event NDL-07")
    ]


def test_a_later_scan_clears_the_failure() -> None:
    events = (event(2, S.EXCEPTION, "Address problem"), event(1, S.OUT_FOR_DELIVERY, "Out for delivery"))
    assert detect(facts(events=events), NOW) == []


def test_returned_parcel_is_raised_and_stays_returned() -> None:
    events = (event(5, S.EXCEPTION, "Refused by recipient"), event(3, S.RETURNED, "Returned to sender"),
              event(2, S.IN_TRANSIT, "Late scan after return"))
    assert detect(facts(ship_by=NOW - timedelta(days=9), events=events), NOW) == [
        Raised(ExceptionKind.RETURNED, "Returned to sender")
    ]


def test_a_scanned_overdue_parcel_is_not_late_but_can_stall() -> None:
    events = (event(6, S.IN_TRANSIT, "Picked up"),)
    result = detect(facts(ship_by=NOW - timedelta(days=7), handed_over_at=None, events=events), NOW)
    assert kinds(result) == [ExceptionKind.NO_MOVEMENT]     # scanned, so not late, but stalled


# --- input checks ----------------------------------------------------------------------------------------

def test_times_must_be_aware() -> None:
    with pytest.raises(NaiveDatetime):
        detect(facts(), datetime(2026, 12, 10, 12))  # noqa: DTZ001
    with pytest.raises(NaiveDatetime):
        facts(ship_by=datetime(2026, 12, 10, 12))  # noqa: DTZ001


def test_thresholds_must_make_sense() -> None:
    with pytest.raises(DomainError, match="no_movement_days must be positive"):
        detect(facts(), NOW, no_movement_days=0)
    with pytest.raises(DomainError, match="warn_before must not be negative"):
        detect(facts(), NOW, warn_before=timedelta(hours=-1))
