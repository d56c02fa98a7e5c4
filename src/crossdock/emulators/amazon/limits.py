"""SP-API usage plans: one token bucket per (selling partner, operation), at the documented rate and burst."""

from __future__ import annotations

from datetime import datetime

from crossdock.emulators._common.limits import TokenBucket, check_rate

# operation -> (rate in requests per second, burst), from each operation's "Usage Plan" table.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "createRestrictedDataToken": (1.0, 10),
    "getMarketplaceParticipations": (0.016, 15),
    "createDestination": (1.0, 5),
    "getDestinations": (1.0, 5),
    "createSubscription": (1.0, 5),
    "getSubscription": (1.0, 5),
    "searchListingsItems": (5.0, 5),
    "getListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "createFeedDocument": (0.0083, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "cancelFeed": (0.0222, 10),
    "getFeedDocument": (0.0222, 10),
    "createReport": (0.0167, 15),
    "getReports": (0.0222, 10),
    "getReport": (2.0, 15),
    "cancelReport": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
    # merchantFulfillmentV0.json gives every Buy Shipping operation a rate of 1 and a burst of 1.
    "getEligibleShipmentServices": (1.0, 1),
    "createShipment": (1.0, 1),
    "getShipment": (1.0, 1),
    "cancelShipment": (1.0, 1),
}


class RateLimiter:
    """Buckets start full on a caller's first request of an operation, as usage plans do."""

    def __init__(self) -> None:
        self.plans: dict[str, tuple[float, int]] = dict(USAGE_PLANS)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def configure(self, rate: float, burst: int, operation: str | None = None) -> None:
        """Override one operation's plan, or every operation's when `operation` is None; buckets refill."""
        check_rate(rate, burst)
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
            bucket = TokenBucket.full(rate, burst, now)
            self._buckets[key] = bucket
        return bucket.take(now)
