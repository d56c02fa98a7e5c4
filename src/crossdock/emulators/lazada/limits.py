"""Per-API call limits on the emulator's clock: a token bucket per (app, API), and the ban that follows."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from crossdock.emulators._common.limits import TokenBucket, check_rate

# Lazada caps calls per API (QPS) but publishes no figures: these defaults are an assumption, generous enough
# for a sync. Tests set their own with LazadaEmulator.set_rate_limit.
DEFAULT_RATE_LIMIT_RPS = 20.0
DEFAULT_RATE_LIMIT_BURST = 40
# "Api access frequency exceeds the limit. this ban will last 1 seconds": going over the limit bans the API
# for a while; every call during the ban is refused with the seconds left.
BAN = timedelta(seconds=1)


class RateLimiter:
    """One bucket per (app_key, api path); an API's first call finds its bucket full."""

    def __init__(self, rate: float = DEFAULT_RATE_LIMIT_RPS, burst: int = DEFAULT_RATE_LIMIT_BURST) -> None:
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        check_rate(rate, burst)
        self.rate, self.burst = rate, burst
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._banned_until: dict[tuple[str, str], datetime] = {}

    def check(self, app_key: str, api_path: str, now: datetime) -> int:
        """0 when the call may go ahead, else the whole seconds the ban still lasts."""
        key = (app_key, api_path)
        bucket = self._buckets.setdefault(key, TokenBucket.full(self.rate, self.burst, now))
        # Tokens keep refilling during a ban, so the first call after it finds them there.
        bucket.refill(now)
        banned_until = self._banned_until.get(key)
        if banned_until is not None and now < banned_until:
            return max(1, math.ceil((banned_until - now).total_seconds()))
        self._banned_until.pop(key, None)
        if bucket.spend():
            return 0
        self._banned_until[key] = now + BAN
        return max(1, math.ceil(BAN.total_seconds()))
