"""The token bucket waits exactly as long as needed, on any clock, and never spins."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from crossdock.connectors._kit.ratelimit import TokenBucket
from crossdock.ports.clock import ManualClock


@given(st.floats(min_value=0.001, max_value=1000), st.integers(min_value=1, max_value=50),
       st.integers(min_value=1, max_value=200))
def test_bucket_paces_to_its_rate_on_a_manual_clock(rate: float, burst: int, calls: int) -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    bucket = TokenBucket(rate, burst, clock, lambda s: clock.advance(seconds=s))
    start = clock.now()
    for _ in range(calls):
        bucket.acquire()
    elapsed = (clock.now() - start).total_seconds()
    expected = max(0, calls - burst) / rate
    assert expected - 1e-3 <= elapsed <= expected + calls * 2e-6 + 1e-3
