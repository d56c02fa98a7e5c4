"""Token-bucket rate limiting on the emulator's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Shopee does not document its rate limits; these defaults are an assumption, generous enough for a sync.
DEFAULT_RATE_LIMIT_RPS = 10.0
DEFAULT_RATE_LIMIT_BURST = 20


@dataclass
class TokenBucket:
    rate: float
    capacity: int
    tokens: float
    updated: datetime

    def take(self, now: datetime) -> bool:
        """Spend one token if there is one, after refilling for the time elapsed since the last call."""
        elapsed = max((now - self.updated).total_seconds(), 0.0)
        self.tokens = min(float(self.capacity), self.tokens + elapsed * self.rate)
        self.updated = max(now, self.updated)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    """One bucket per (partner, shop); a shop's first call finds its bucket full."""

    def __init__(self, rate: float = DEFAULT_RATE_LIMIT_RPS, burst: int = DEFAULT_RATE_LIMIT_BURST) -> None:
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._buckets: dict[tuple[int, int], TokenBucket] = {}

    def allow(self, partner_id: int, shop_id: int, now: datetime) -> bool:
        key = (partner_id, shop_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.rate, self.burst, float(self.burst), now)
            self._buckets[key] = bucket
        return bucket.take(now)
