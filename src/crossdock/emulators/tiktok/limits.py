"""Rate limiting as documented: a quota per API for each (app, shop) pair, on the emulator's clock."""

from __future__ import annotations

from datetime import datetime

from crossdock.emulators._common.limits import TokenBucket, check_rate

# "Each app is automatically set with a default rate limit of 50 QPS (Queries Per Second) for each API."
DEFAULT_RATE_LIMIT_RPS = 50.0
# Assumption: the burst is not documented; one second's worth of the quota.
DEFAULT_RATE_LIMIT_BURST = 50


class RateLimiter:
    """One token bucket per (API path, shop); a bucket's first call finds it full."""

    def __init__(self, rate: float = DEFAULT_RATE_LIMIT_RPS, burst: int = DEFAULT_RATE_LIMIT_BURST) -> None:
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        check_rate(rate, burst)
        self.rate, self.burst = rate, burst
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def allow(self, api: str, shop: str, now: datetime) -> bool:
        bucket = self._buckets.setdefault((api, shop), TokenBucket.full(self.rate, self.burst, now))
        return bucket.take(now)
