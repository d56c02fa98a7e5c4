"""A token bucket that waits instead of letting the platform say 429."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Hashable

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
                # Clocks count whole microseconds: round up, or a sub-microsecond wait would never move
                # the clock and the loop would spin.
                need = math.ceil((1 - self._tokens) / self.rate * 1_000_000) / 1_000_000
            self._sleep(need)
            waited += need


class BucketPool:
    """Buckets shared by every client of one platform in this process, keyed by what the platform meters
    (Amazon: seller and operation). Two stores of one seller then wait on the same usage plan, as they must."""

    def __init__(self, clock: Clock, sleep: Callable[[float], None]) -> None:
        self._clock, self._sleep = clock, sleep
        self._buckets: dict[Hashable, TokenBucket] = {}
        self._lock = threading.Lock()

    @staticmethod
    def shared(pool: BucketPool | None, key: Hashable, rate: float, burst: int, clock: Clock,
               sleep: Callable[[float], None]) -> TokenBucket:
        """The pool's bucket for `key`, or a bucket of one's own when there is no pool (a lone client)."""
        return pool.get(key, rate, burst) if pool is not None else TokenBucket(rate, burst, clock, sleep)

    def get(self, key: Hashable, rate: float, burst: int) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(rate, burst, self._clock, self._sleep)
            return bucket
