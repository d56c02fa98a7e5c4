"""TokenBucket: the refill-and-spend bucket every emulated rate limit is built from, on the emulator's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def check_rate(rate: float, burst: int) -> None:
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be > 0 and burst >= 1")


@dataclass
class TokenBucket:
    rate: float
    capacity: int
    tokens: float
    updated: datetime

    @classmethod
    def full(cls, rate: float, capacity: int, now: datetime) -> TokenBucket:
        return cls(rate, capacity, float(capacity), now)

    def refill(self, now: datetime) -> None:
        """Add the tokens earned since the last call; a clock moved backwards earns nothing."""
        elapsed = max((now - self.updated).total_seconds(), 0.0)
        self.tokens = min(float(self.capacity), self.tokens + elapsed * self.rate)
        self.updated = max(now, self.updated)

    def spend(self) -> bool:
        """Spend one token if there is one."""
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def take(self, now: datetime) -> bool:
        """Spend one token if there is one, after refilling for the time elapsed since the last call."""
        self.refill(now)
        return self.spend()

    def seconds_to_next(self) -> float:
        """How long until the bucket holds a whole token again."""
        return (1.0 - self.tokens) / self.rate
