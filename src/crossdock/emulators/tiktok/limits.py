"""Rate limiting as documented: a quota per API for each (app, shop) pair, on the emulator's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# "Each app is automatically set with a default rate limit of 50 QPS (Queries Per Second) for each API."
DEFAULT_RATE_LIMIT_RPS = 50.0
# Assumption: the burst is not documented; one second's worth of the quota.
DEFAULT_RATE_LIMIT_BURST = 50


@dataclass
class _Bucket:
    tokens: float
    updated: datetime


class RateLimiter:
    """One token bucket per (API path, shop); a bucket's first call finds it full."""

    def __init__(self, rate: float = DEFAULT_RATE_LIMIT_RPS, burst: int = DEFAULT_RATE_LIMIT_BURST) -> None:
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def allow(self, api: str, shop: str, now: datetime) -> bool:
        bucket = self._buckets.setdefault((api, shop), _Bucket(float(self.burst), now))
        elapsed = max((now - bucket.updated).total_seconds(), 0.0)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
        bucket.updated = max(now, bucket.updated)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False
