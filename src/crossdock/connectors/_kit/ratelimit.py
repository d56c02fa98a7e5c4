"""A token bucket that waits instead of letting the platform say 429."""

from __future__ import annotations

import threading
from collections.abc import Callable

from crossdock.ports.clock import Clock


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Clock, sleep: Callable[[float], None]) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens = float(burst)
        self._stamp = clock.now()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock.now()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp).total_seconds() * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return waited
                need = (1 - self._tokens) / self.rate
            self._sleep(need)
            waited += need
