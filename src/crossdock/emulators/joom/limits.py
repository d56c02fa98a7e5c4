"""Request quotas of the emulated Joom API: token buckets per (merchant, endpoint group) on the emulator clock."""

from __future__ import annotations

import math
from datetime import datetime

from crossdock.emulators._common.limits import TokenBucket, check_rate

# "Request rate limits": orders/multi allows 50 requests a minute; other endpoints 2000 a minute
# (both from secondary copies of the v3 docs). A minute's worth may be spent at once (assumption).
ORDERS_MULTI_GROUP = "orders/multi"
DEFAULT_GROUP = "default"
DEFAULT_LIMITS: dict[str, tuple[float, int]] = {
    ORDERS_MULTI_GROUP: (50 / 60, 50),
    DEFAULT_GROUP: (2000 / 60, 2000),
}


class RateLimiter:
    """A merchant's first call in a group finds its bucket full."""

    def __init__(self) -> None:
        self._limits = dict(DEFAULT_LIMITS)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def configure(self, rate: float, burst: int) -> None:
        """One limit for every endpoint group; resets every bucket to full."""
        check_rate(rate, burst)
        self._limits = {group: (rate, burst) for group in DEFAULT_LIMITS}
        self._buckets = {}

    def wait(self, merchant: str, group: str, now: datetime) -> int:
        """0 when the call may go ahead; else whole seconds to wait (the Retry-After value)."""
        key = (merchant, group if group in self._limits else DEFAULT_GROUP)
        bucket = self._buckets.get(key)
        if bucket is None:
            rate, burst = self._limits[key[1]]
            bucket = self._buckets[key] = TokenBucket.full(rate, burst, now)
        if bucket.take(now):
            return 0
        return max(1, math.ceil(bucket.seconds_to_next()))
