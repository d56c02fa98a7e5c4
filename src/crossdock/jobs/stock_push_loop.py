"""Pushes stock as soon as it changes: a thread woken by StockChanged that plans each change at once and hands
it to the stores' lanes without waiting for earlier pushes to end; now and then it also plans the retries."""

from __future__ import annotations

import threading
import time

import structlog

from crossdock.bootstrap import App
from crossdock.domain.events import Event
from crossdock.domain.inventory.events import StockChanged

log = structlog.get_logger(__name__)


class StockPushLoop:
    def __init__(self, app: App, retry_seconds: float = 30.0) -> None:
        self._app, self._retry = app, retry_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        app.bus.subscribe(StockChanged, self._changed)

    def _changed(self, event: Event) -> None:
        self._wake.set()

    def _loop(self) -> None:
        last_retry = 0.0      # the first plan (after a restart) also takes what waits for a retry
        while not self._stop.is_set():
            self._wake.wait(self._retry)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                retries = time.monotonic() - last_retry >= self._retry
                self._app.pusher.dispatch(retries=retries)
                if retries:
                    last_retry = time.monotonic()
            except Exception:
                log.exception("stock.push_loop_failed")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="crossdock-stock-push", daemon=True)
        self._thread.start()
        self._wake.set()      # push whatever was left dirty before a restart

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)
