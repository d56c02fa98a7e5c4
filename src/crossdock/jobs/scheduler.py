"""Every interval, queues one pull per active store (the runner drops a pull already pending)."""

from __future__ import annotations

import threading
import time
from functools import partial

import structlog

from crossdock.bootstrap import App
from crossdock.jobs.runner import JobRunner
from crossdock.jobs.tasks import fulfilment_round, pull_key, pull_store_orders, pull_store_returns

log = structlog.get_logger(__name__)


DISCOVER_EVERY_SECONDS = 3600.0   # store status and performance as the platform reports them
FULFILMENT_EVERY_SECONDS = 900.0  # tracking, confirmation retries, exceptions, return requests


class Scheduler:
    def __init__(self, app: App, runner: JobRunner, interval_seconds: float) -> None:
        self._app, self._runner, self._interval = app, runner, interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_discover: float | None = None
        self._last_fulfilment: float | None = None

    def tick(self) -> int:
        queued = 0
        if self._last_discover is None or time.monotonic() - self._last_discover >= DISCOVER_EVERY_SECONDS:
            self._last_discover = time.monotonic()
            for account_id in self._app.stores.directory_account_ids():
                self._runner.submit(f"discover:{account_id}", partial(self._app.stores.discover, account_id))
        pullable = self._app.stores.pullable_ids()
        for store_id in pullable:
            _, new = self._runner.submit(pull_key(store_id), partial(pull_store_orders, self._app, store_id))
            queued += int(new)
        if self._last_fulfilment is None or time.monotonic() - self._last_fulfilment >= FULFILMENT_EVERY_SECONDS:
            self._last_fulfilment = time.monotonic()
            self._runner.submit("fulfilment", partial(fulfilment_round, self._app))
            for store_id in pullable:
                self._runner.submit(f"returns:{store_id}", partial(pull_store_returns, self._app, store_id))
        return queued

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler.tick_failed")
            self._stop.wait(self._interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="crossdock-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
