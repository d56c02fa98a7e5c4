"""Token-bucket rate limiting on the emulator's clock."""

from __future__ import annotations

from datetime import datetime

from crossdock.emulators._common.limits import TokenBucket, check_rate

# Shopee does not document its rate limits; these defaults are an assumption, generous enough for a sync.
DEFAULT_RATE_LIMIT_RPS = 10.0
DEFAULT_RATE_LIMIT_BURST = 20


class RateLimiter:
    """One bucket per (partner, shop); a shop's first call finds its bucket full."""

    def __init__(self, rate: float = DEFAULT_RATE_LIMIT_RPS, burst: int = DEFAULT_RATE_LIMIT_BURST) -> None:
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        check_rate(rate, burst)
        self.rate = rate
        self.burst = burst
        self._buckets: dict[tuple[int, int], TokenBucket] = {}

    def allow(self, partner_id: int, shop_id: int, now: datetime) -> bool:
        key = (partner_id, shop_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket.full(self.rate, self.burst, now)
            self._buckets[key] = bucket
        return bucket.take(now)
