import itertools
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossdock.domain.errors import InvalidMoney, NaiveDatetime
from crossdock.domain.money import Money
from crossdock.domain.time import from_unix, require_utc, to_unix, windows


def test_money_refuses_float_and_bad_currency() -> None:
    with pytest.raises(InvalidMoney):
        Money.of(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(InvalidMoney):
        Money(Decimal("1"), "eur")
    with pytest.raises(InvalidMoney):
        Money(Decimal("NaN"), "EUR")


def test_money_arithmetic_keeps_currency_and_refuses_mixing() -> None:
    total = Money.of("19.99", "EUR") + Money.of("0.01", "EUR")
    assert total == Money(Decimal("20.00"), "EUR")
    with pytest.raises(InvalidMoney):
        _ = Money.of("1", "EUR") + Money.of("1", "USD")


def test_rounding_follows_minor_units() -> None:
    assert Money.of("1234.5", "VND").rounded().amount == Decimal("1234")   # banker's rounding, 0 decimals
    assert Money.of("2.675", "SGD").rounded().amount == Decimal("2.68")
    assert Money.of("1.0005", "KWD").rounded().amount == Decimal("1.000")


def test_times_must_be_aware_and_come_out_utc() -> None:
    with pytest.raises(NaiveDatetime):
        require_utc(datetime(2026, 1, 1))  # noqa: DTZ001
    shanghai = timezone(timedelta(hours=8))
    assert require_utc(datetime(2026, 1, 1, 8, tzinfo=shanghai)) == datetime(2026, 1, 1, tzinfo=UTC)
    assert from_unix(1712601591).tzinfo is UTC and to_unix(from_unix(1712601591)) == 1712601591


@given(st.integers(min_value=0, max_value=400 * 24), st.integers(min_value=1, max_value=30 * 24))
def test_windows_cover_the_range_without_gaps(hours: int, longest_hours: int) -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    until = since + timedelta(hours=hours)
    parts = windows(since, until, timedelta(hours=longest_hours))
    if hours == 0:
        assert parts == []
        return
    assert parts[0][0] == since and parts[-1][1] == until
    for (_a, b), (c, _) in itertools.pairwise(parts):
        assert b == c
    assert all(b - a <= timedelta(hours=longest_hours) for a, b in parts)
