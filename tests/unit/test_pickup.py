import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from crossdock.domain.errors import DomainError, NaiveDatetime
from crossdock.domain.fulfilment.pickup import OpeningHours, PickupPoint, SlotRefused, check_slot, slots
from crossdock.domain.orders.model import Address

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
SPRING_FORWARD = dt.date(2026, 3, 29)     # last Sunday of March: 02:00 CET -> 03:00 CEST
FALL_BACK = dt.date(2026, 10, 25)         # last Sunday of October: 03:00 CEST -> 02:00 CET
TUESDAY = dt.date(2026, 12, 1)

ADDRESS = Address("Packstation 123", "", "DE", city="Berlin", postcode="10117", line1="Friedrichstraße 50")


def t(hhmm: str) -> dt.time:
    return dt.time.fromisoformat(hhmm)


def shop_hours() -> tuple[OpeningHours, ...]:
    """Mon to Fri 08:00-12:00 and 14:00-18:00, Saturday 09:00-13:00, closed on Sunday."""
    weekdays = [OpeningHours(d, t("08:00"), t("12:00")) for d in range(5)]
    afternoons = [OpeningHours(d, t("14:00"), t("18:00")) for d in range(5)]
    return (*afternoons, *weekdays, OpeningHours(5, t("09:00"), t("13:00")))


SHOP = PickupPoint(id="DE-4711", carrier="dhl", name="Kiosk am Markt", address=ADDRESS, timezone="Europe/Berlin",
                   hours=shop_hours())
PACKSTATION = PickupPoint(id="123", carrier="dhl", name="Packstation 123", address=ADDRESS,
                          timezone="Europe/Berlin", hours=tuple(OpeningHours(d, t("00:00"), t("00:00"))
                                                                 for d in range(7)))


def local(day: dt.date, hhmm: str, fold: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, t(hhmm), BERLIN).replace(fold=fold).astimezone(UTC)


def test_a_weekday_with_a_lunch_break_has_its_hourly_slots_in_utc() -> None:
    day = slots(SHOP, TUESDAY)
    assert len(day) == 8
    assert day[0] == (dt.datetime(2026, 12, 1, 7, 0, tzinfo=UTC), dt.datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert day[3][1] == dt.datetime(2026, 12, 1, 11, 0, tzinfo=UTC)       # 12:00 CET, then lunch
    assert day[4][0] == dt.datetime(2026, 12, 1, 13, 0, tzinfo=UTC)       # 14:00 CET
    assert all(start.tzinfo is UTC and end - start == dt.timedelta(hours=1) for start, end in day)


def test_summer_slots_are_an_hour_earlier_in_utc() -> None:
    assert slots(SHOP, dt.date(2026, 7, 7))[0][0] == dt.datetime(2026, 7, 7, 6, 0, tzinfo=UTC)


def test_closed_day_has_no_slots() -> None:
    assert slots(SHOP, dt.date(2026, 12, 6)) == []


def test_a_slot_that_would_run_past_closing_is_not_offered() -> None:
    ninety = replace(SHOP, slot_minutes=90)
    saturday = slots(ninety, dt.date(2026, 12, 5))          # 09:00-13:00 holds two 90-minute slots
    assert [(s.astimezone(BERLIN).strftime("%H:%M"), e.astimezone(BERLIN).strftime("%H:%M")) for s, e in saturday] \
        == [("09:00", "10:30"), ("10:30", "12:00")]


def test_spring_forward_day_has_23_hourly_slots_and_skips_the_missing_hour() -> None:
    day = slots(PACKSTATION, SPRING_FORWARD)
    assert len(day) == 23
    assert day[0][0] == dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)        # local midnight, CET
    assert day[-1][1] == dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)       # next local midnight, CEST
    starts = [s.astimezone(BERLIN).strftime("%H:%M") for s, _ in day]
    assert "02:00" not in starts and starts[1:3] == ["01:00", "03:00"]


def test_fall_back_day_has_25_hourly_slots_with_02_00_twice() -> None:
    day = slots(PACKSTATION, FALL_BACK)
    assert len(day) == 25
    starts = [s.astimezone(BERLIN).strftime("%H:%M") for s, _ in day]
    assert starts.count("02:00") == 2
    assert day[2][0] == local(FALL_BACK, "02:00", fold=0) == dt.datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert day[3][0] == local(FALL_BACK, "02:00", fold=1) == dt.datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert all(end - start == dt.timedelta(hours=1) for start, end in day)


def test_day_hours_are_unchanged_around_the_switch() -> None:
    sunday_open = replace(SHOP, hours=(OpeningHours(6, t("08:00"), t("10:00")),))
    assert slots(sunday_open, SPRING_FORWARD)[0][0] == dt.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)   # 08:00 CEST
    assert slots(sunday_open, FALL_BACK)[0][0] == dt.datetime(2026, 10, 25, 7, 0, tzinfo=UTC)       # 08:00 CET


def test_an_offered_slot_is_accepted() -> None:
    check_slot(SHOP, local(TUESDAY, "14:00"), local(TUESDAY, "15:00"))
    check_slot(PACKSTATION, local(FALL_BACK, "02:00", fold=1), local(FALL_BACK, "03:00"))


def test_closed_day_is_refused_by_name() -> None:
    sunday = dt.date(2026, 12, 6)
    with pytest.raises(SlotRefused, match=r"^Kiosk am Markt is closed on Sundays$"):
        check_slot(SHOP, local(sunday, "10:00"), local(sunday, "11:00"))


def test_a_slot_off_the_grid_is_refused_listing_the_days_slots() -> None:
    with pytest.raises(SlotRefused) as refused:
        check_slot(SHOP, local(TUESDAY, "14:30"), local(TUESDAY, "15:30"))
    assert str(refused.value) == (
        "14:30\u201315:30 is not one of Kiosk am Markt's slots on Tue 2026-12-01 (Europe/Berlin): "
        "08:00\u201309:00, 09:00\u201310:00, 10:00\u201311:00, 11:00\u201312:00, 14:00\u201315:00, "
        "15:00\u201316:00, 16:00\u201317:00, 17:00\u201318:00"
    )


def test_a_long_list_of_slots_is_shortened() -> None:
    with pytest.raises(SlotRefused, match=r"00:00\u201301:00, .*07:00\u201308:00, … \(24 in all\)$"):
        check_slot(PACKSTATION, local(TUESDAY, "10:15"), local(TUESDAY, "11:15"))


def test_the_missing_spring_hour_is_not_a_slot() -> None:
    # A client reading "02:00-03:00" as wall times on that night gets two equal instants (02:00 does not exist).
    with pytest.raises(SlotRefused, match=r"must end after it starts: 2026-03-29 03:00 to 2026-03-29 03:00"):
        check_slot(PACKSTATION, local(SPRING_FORWARD, "02:00"), local(SPRING_FORWARD, "03:00"))
    # Off the grid in real time: the slots of that night start on the full UTC hour
    with pytest.raises(SlotRefused, match="is not one of Packstation 123's slots on Sun 2026-03-29"):
        check_slot(PACKSTATION, dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
                   dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC))


def test_slot_bounds_must_be_aware_and_ordered() -> None:
    with pytest.raises(NaiveDatetime):
        check_slot(SHOP, dt.datetime(2026, 12, 1, 13), dt.datetime(2026, 12, 1, 14))  # noqa: DTZ001
    with pytest.raises(SlotRefused, match="must end after it starts: 2026-12-01 15:00 to 2026-12-01 14:00"):
        check_slot(SHOP, local(TUESDAY, "15:00"), local(TUESDAY, "14:00"))


def test_bad_points_and_hours_are_refused() -> None:
    with pytest.raises(DomainError, match="unknown time zone 'Europe/Berlinn'"):
        replace(SHOP, timezone="Europe/Berlinn")
    with pytest.raises(DomainError, match="unknown time zone"):
        replace(SHOP, timezone="../etc/passwd")
    with pytest.raises(DomainError, match="slot length must be positive"):
        replace(SHOP, slot_minutes=0)
    with pytest.raises(DomainError, match="weekday must be 0"):
        OpeningHours(7, t("08:00"), t("12:00"))
    with pytest.raises(DomainError, match="Monday: closes 08:00 before it opens 12:00"):
        OpeningHours(0, t("12:00"), t("08:00"))
