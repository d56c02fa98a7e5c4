"""The emulated DHL's quotas, on the emulator clock: a per-second bucket for each API, and the tracking plan's
calls per day ("The daily rate limit will reset at 24:00 hours ... Greenwich Mean Time", DHL support)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from crossdock.emulators._common.limits import TokenBucket, check_rate

SHIPPING, TRACKING = "shipping", "tracking"
# Parcel DE Shipping publishes no figure; the tracking figures are the Unified API's initial service level.
DEFAULTS: dict[str, tuple[float, int, int | None]] = {SHIPPING: (10.0, 10, None), TRACKING: (1.0, 1, 250)}


@dataclass
class Quota:
    rate: float
    burst: int
    per_day: int | None
    bucket: TokenBucket | None = None
    day: date | None = None
    used_today: int = 0


@dataclass
class Limits:
    quotas: dict[str, Quota] = field(default_factory=lambda: {k: Quota(*v) for k, v in DEFAULTS.items()})

    def configure(self, api: str, per_second: float, burst: int, per_day: int | None = None) -> None:
        check_rate(per_second, burst)
        if api not in self.quotas:
            raise ValueError(f"unknown API {api!r}; one of {sorted(self.quotas)}")
        if per_day is not None and per_day < 1:
            raise ValueError("per_day must be >= 1")
        self.quotas[api] = Quota(per_second, burst, per_day)

    def wait(self, api: str, now: datetime) -> int:
        """0 when the call may go ahead (and is counted), else the whole seconds to wait."""
        quota = self.quotas[api]
        today = now.astimezone(UTC).date()
        if quota.day != today:
            quota.day, quota.used_today = today, 0
        if quota.per_day is not None and quota.used_today >= quota.per_day:
            midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            return max(1, math.ceil((midnight - now).total_seconds()))
        if quota.bucket is None:
            quota.bucket = TokenBucket.full(quota.rate, quota.burst, now)
        if not quota.bucket.take(now):
            return max(1, math.ceil(quota.bucket.seconds_to_next()))
        quota.used_today += 1
        return 0
