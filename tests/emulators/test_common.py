"""The shared emulator scaffolding in crossdock.emulators._common, apart from any one platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crossdock.emulators._common.handle import aware_utc
from crossdock.emulators._common.limits import TokenBucket, check_rate
from crossdock.emulators._common.orders import check_window
from crossdock.emulators._common.serve import store_specs
from crossdock.emulators._common.transport import ASGISyncTransport
from crossdock.emulators._common.web import form_fields, with_query
from crossdock.emulators.shopee.emulator import ShopeeEmulator
from crossdock.emulators.shopee.transport import ASGISyncTransport as ShopeeReexport

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_bucket_starts_full_refills_on_the_clock_and_reports_the_wait() -> None:
    bucket = TokenBucket.full(2.0, 2, T0)
    assert bucket.take(T0) and bucket.take(T0) and not bucket.take(T0)
    assert bucket.seconds_to_next() == pytest.approx(0.5)
    assert bucket.take(T0 + timedelta(seconds=0.5))
    assert not bucket.take(T0)            # a clock moved backwards earns nothing
    with pytest.raises(ValueError):
        check_rate(0, 1)


def test_window_and_clock_checks() -> None:
    check_window(0, T0, T0)
    for count, start, end in [(-1, T0, T0), (1, T0.replace(tzinfo=None), T0), (1, T0, T0 - timedelta(1))]:
        with pytest.raises(ValueError):
            check_window(count, start, end)
    assert aware_utc(datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))) == T0
    with pytest.raises(ValueError):
        aware_utc(T0.replace(tzinfo=None))


def test_url_form_and_spec_helpers() -> None:
    assert with_query("https://app/cb?x=1", {"code": "a b"}) == "https://app/cb?x=1&code=a+b"
    assert with_query("https://app/cb", {"code": "c"}) == "https://app/cb?code=c"
    assert form_fields(b"a=1&a=2&b=%C3%A9") == {"a": "2", "b": "é"}
    assert store_specs(["1001:MY", "1002"], "SG") == [("1001", "MY"), ("1002", "SG")]


def test_the_shopee_transport_path_still_names_the_shared_transport() -> None:
    assert ShopeeReexport is ASGISyncTransport


def test_handle_snapshot_round_trip_and_injected_failures(tmp_path: Path) -> None:
    class Clock:
        def now(self) -> datetime:
            return T0

    emu = ShopeeEmulator(1, "key", Clock(), seed=5)
    emu.add_shop(7, "SG")
    emu.generate_orders(7, 3, T0 - timedelta(days=2), T0)
    emu.fail_next(2, 503)
    assert [emu.take_injected_failure() for _ in range(3)] == [503, 503, None]
    emu.save(tmp_path / "snap.pkl")
    again = ShopeeEmulator(1, "key", Clock())
    assert again.restore(tmp_path / "snap.pkl") and not again.restore(tmp_path / "missing.pkl")
    assert again.seed == 5 and again.orders(7) == emu.orders(7)
