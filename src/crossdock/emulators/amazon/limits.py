"""SP-API usage plans: one token bucket per (selling partner, operation), at the documented rate and burst."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# operation -> (rate in requests per second, burst), from each operation's "Usage Plan" table.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "createRestrictedDataToken": (1.0, 10),
    "getMarketplaceParticipations": (0.016, 15),
    "createDestination": (1.0, 5),
    "getDestinations": (1.0, 5),
    "createSubscription": (1.0, 5),
    "getSubscription": (1.0, 5),
}


@dataclass
class Bucket:
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
    """Buckets start full on a caller's first request of an operation, as usage plans do."""

    def __init__(self) -> None:
        self.plans: dict[str, tuple[float, int]] = dict(USAGE_PLANS)
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def configure(self, rate: float, burst: int, operation: str | None = None) -> None:
        """Override one operation's plan, or every operation's when `operation` is None; buckets refill."""
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        if operation is not None and operation not in self.plans:
            raise ValueError(f"unknown operation {operation!r}")
        for name in [operation] if operation else list(self.plans):
            self.plans[name] = (rate, burst)
        self._buckets.clear()

    def rate(self, operation: str) -> float:
        return self.plans[operation][0]

    def allow(self, caller: str, operation: str, now: datetime) -> bool:
        key = (caller, operation)
        bucket = self._buckets.get(key)
        if bucket is None:
            rate, burst = self.plans[operation]
            bucket = Bucket(rate, burst, float(burst), now)
            self._buckets[key] = bucket
        return bucket.take(now)
