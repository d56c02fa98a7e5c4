"""Per-API call limits on the emulator's clock: a token bucket per (app, API), and the ban that follows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

# Lazada caps calls per API (QPS) but publishes no figures: these defaults are an assumption, generous enough
# for a sync. Tests set their own with LazadaEmulator.set_rate_limit.
DEFAULT_RATE_LIMIT_RPS = 20.0
DEFAULT_RATE_LIMIT_BURST = 40
# "Api access frequency exceeds the limit. this ban will last 1 seconds": going over the limit bans the API
# for a while; every call during the ban is refused with the seconds left.
BAN = timedelta(seconds=1)


@dataclass
class _Bucket:
    tokens: float
    updated: datetime
    banned_until: datetime | None = None


class RateLimiter:
    """One bucket per (app_key, api path); an API's first call finds its bucket full."""

    def __init__(self, rate: float = DEFAULT_RATE_LIMIT_RPS, burst: int = DEFAULT_RATE_LIMIT_BURST) -> None:
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def check(self, app_key: str, api_path: str, now: datetime) -> int:
        """0 when the call may go ahead, else the whole seconds the ban still lasts."""
        bucket = self._buckets.setdefault((app_key, api_path), _Bucket(float(self.burst), now))
        elapsed = max((now - bucket.updated).total_seconds(), 0.0)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
        bucket.updated = max(now, bucket.updated)
        if bucket.banned_until is not None and now < bucket.banned_until:
            return max(1, math.ceil((bucket.banned_until - now).total_seconds()))
        bucket.banned_until = None
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        bucket.banned_until = now + BAN
        return max(1, math.ceil(BAN.total_seconds()))
