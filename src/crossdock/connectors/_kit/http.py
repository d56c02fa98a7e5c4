"""The HTTP base every connector client uses: one httpx client, retries with backoff, call stats."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

import httpx
import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from crossdock.connectors._kit.errors import Retryable
from crossdock.connectors._kit.ratelimit import TokenBucket
from crossdock.ports.marketplace import CallStats

T = TypeVar("T")
log = structlog.get_logger(__name__)

SECRET_PARAMS = frozenset({"access_token", "refresh_token", "sign", "code", "client_secret"})


def redact(url: httpx.URL) -> str:
    """The URL with secrets blanked, for logs."""
    params = [(k, "***" if k in SECRET_PARAMS else v) for k, v in url.params.multi_items()]
    return str(url.copy_with(params=params))


class HttpApi:
    def __init__(
        self,
        base_url: str,
        *,
        stats: CallStats,
        sleep: Callable[[float], None],
        limiter: TokenBucket | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_cap: float = 60.0,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self.stats = stats
        self._sleep = sleep
        self._limiter = limiter
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap

    def close(self) -> None:
        self.http.close()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and exc.retry_after is not None:
            return exc.retry_after
        # Full jitter: spreads the retries of many stores hitting one platform at once.
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** (state.attempt_number - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self.stats.retries += 1
        if isinstance(exc, Retryable) and exc.throttled:
            self.stats.throttled += 1
            self.stats.throttle_wait_seconds += wait
        log.info("connector.retry", attempt=state.attempt_number, wait=round(wait, 3), error=str(exc))

    def call(self, build: Callable[[], httpx.Request], parse: Callable[[httpx.Response], T]) -> T:
        """Send the request `build` makes (rebuilt per attempt: signatures carry a timestamp) and
        return what `parse` makes of the answer; Retryable errors are retried with backoff."""
        retrying = Retrying(
            retry=retry_if_exception_type(Retryable),
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        result: T = retrying(self._once, build, parse)
        return result

    def _once(self, build: Callable[[], httpx.Request], parse: Callable[[httpx.Response], T]) -> T:
        if self._limiter is not None:
            waited = self._limiter.acquire()
            self.stats.throttle_wait_seconds += waited
        request = build()
        self.stats.api_calls += 1
        try:
            response = self.http.send(request)
        except httpx.TimeoutException as exc:
            raise Retryable(f"timeout calling {redact(request.url)}") from exc
        except httpx.TransportError as exc:
            raise Retryable(f"network error calling {redact(request.url)}: {exc}") from exc
        if response.status_code >= 500:
            raise Retryable(f"HTTP {response.status_code} from {redact(request.url)}")
        return parse(response)


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
