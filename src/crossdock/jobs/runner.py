"""Runs jobs on a small thread pool; a job whose identity key is already queued or running is not added twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class JobRunner:
    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crossdock-job")
        self._lock = threading.Lock()
        self._active: dict[str, Future[Any]] = {}

    def submit(self, key: str, fn: Callable[[], Any]) -> tuple[Future[Any], bool]:
        """The job's future and whether it was newly queued (False: the same key was pending already)."""
        with self._lock:
            pending = self._active.get(key)
            if pending is not None and not pending.done():
                return pending, False
            future = self._pool.submit(self._run, key, fn)
            self._active[key] = future
            return future, True

    def _run(self, key: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception:
            log.exception("job.failed", key=key)
            raise

    def pending(self) -> list[str]:
        with self._lock:
            return sorted(k for k, f in self._active.items() if not f.done())

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every job queued so far has finished (tests, orderly shutdown)."""
        with self._lock:
            futures = list(self._active.values())
        for f in futures:
            f.exception(timeout=timeout)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
