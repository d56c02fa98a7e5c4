"""EmulatorHandle: the state every emulator handle shares (clock, lock, call log, injected failures, snapshots)."""

from __future__ import annotations

import pickle
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx
from starlette.applications import Starlette

from crossdock.emulators._common.transport import ASGISyncTransport
from crossdock.ports.clock import Clock, SystemClock

CallT = TypeVar("CallT")


def aware_utc(moment: datetime) -> datetime:
    """Normalise a clock reading to aware UTC, refusing naive times that would make timestamps ambiguous."""
    if moment.tzinfo is None:
        raise ValueError("the emulator clock must return timezone-aware datetimes")
    return moment.astimezone(UTC)


class EmulatorHandle(Generic[CallT]):
    """Base of each platform's Python handle; the platform adds its world, auth, limiter and app.

    Python calls and HTTP requests share one re-entrant lock, so an emulator may be driven from several
    threads and a handler may call back into the handle.
    """

    app: Starlette
    world: Any
    auth: Any

    def __init__(self, clock: Clock | None, seed: int) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.seed = seed
        self.lock = threading.RLock()
        self.calls: list[CallT] = []
        self._failures: list[int] = []

    def now(self) -> datetime:
        return aware_utc(self.clock.now())

    def transport(self) -> httpx.BaseTransport:
        """A transport for a sync `httpx.Client` that serves requests from this emulator in-process."""
        return ASGISyncTransport(self.app)

    # ---- faults and the call log ----------------------------------------------------------

    def fail_next(self, n: int, status: int = 500) -> None:
        """Answer the next n API calls with HTTP `status` and the platform's own error body."""
        with self.lock:
            self._failures.extend([status] * n)

    def take_injected_failure(self) -> int | None:
        """For the app: the HTTP status to fail the current call with, if one is queued."""
        with self.lock:
            return self._failures.pop(0) if self._failures else None

    def record(self, call: CallT) -> None:
        with self.lock:
            self.calls.append(call)

    # ---- snapshots (so a restarted demo finds the same world and tokens) ------------------

    def _snapshot(self) -> dict[str, Any]:
        # Push subscriptions are left out: they hold sockets and belong to the running process.
        return {"seed": self.seed, "world": self.world, "auth": self.auth}

    def _load(self, state: dict[str, Any]) -> None:
        self.seed, self.world, self.auth = state["seed"], state["world"], state["auth"]

    def save(self, path: Path) -> None:
        """Write the world and the issued tokens to `path` (atomically). Only for the emulator's own files."""
        with self.lock:
            blob = pickle.dumps(self._snapshot())
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(blob)
        tmp.replace(path)

    def restore(self, path: Path) -> bool:
        """Load a snapshot written by `save`; False when there is none."""
        if not path.exists():
            return False
        # pickle is acceptable here: the file is the emulator's own, written by save() on this machine.
        state = pickle.loads(path.read_bytes())
        with self.lock:
            self._load(state)
        return True


class TokenTtlHandle(EmulatorHandle[CallT]):
    """An EmulatorHandle whose auth state has settable access and refresh token lifetimes."""

    @property
    def access_token_ttl(self) -> timedelta:
        return self.auth.access_token_ttl  # type: ignore[no-any-return]

    @access_token_ttl.setter
    def access_token_ttl(self, value: timedelta) -> None:
        with self.lock:
            self.auth.access_token_ttl = value

    @property
    def refresh_token_ttl(self) -> timedelta:
        return self.auth.refresh_token_ttl  # type: ignore[no-any-return]

    @refresh_token_ttl.setter
    def refresh_token_ttl(self, value: timedelta) -> None:
        with self.lock:
            self.auth.refresh_token_ttl = value
