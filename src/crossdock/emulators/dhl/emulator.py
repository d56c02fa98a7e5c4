"""DhlEmulator: the Python handle on an emulated DHL (Parcel DE Shipping v2 + Shipment Tracking - Unified)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette

from crossdock.emulators._common.handle import EmulatorHandle
from crossdock.emulators.dhl import schedule
from crossdock.emulators.dhl.app import CallRecord, create_app
from crossdock.emulators.dhl.limits import Limits
from crossdock.emulators.dhl.schedule import PlannedEvent
from crossdock.emulators.dhl.world import TRACKING_LAG, Shipment, World
from crossdock.ports.clock import Clock


@dataclass
class DhlAccount:
    api_key: str
    username: str
    password: str
    ekp: str
    tracking_api_key: str
    profiles: frozenset[str] = field(default_factory=lambda: frozenset({"STANDARD_GRUPPENPROFIL"}))


class DhlEmulator(EmulatorHandle[CallRecord]):
    """One DHL business customer (EKP) with its developer-portal app.

    Every notion of "now" (closing, scans, quotas) comes from the injected clock: tests move time instead of
    sleeping, and tracking events appear as the clock passes them. Python calls and HTTP requests share one lock.
    """

    world: World
    auth: DhlAccount

    def __init__(self, api_key: str, username: str, password: str, ekp: str, *, tracking_api_key: str = "",
                 clock: Clock | None = None, seed: int = 0, tracking_lag: timedelta = TRACKING_LAG) -> None:
        super().__init__(clock, seed)
        self.auth = DhlAccount(api_key, username, password, ekp, tracking_api_key or api_key)
        self.world = World(seed)
        self.limits = Limits()
        self.tracking_lag = tracking_lag
        self.app: Starlette = create_app(self)

    # ---- truth --------------------------------------------------------------------------------------------------

    def shipments(self) -> dict[str, dict[str, Any]]:
        """Every shipment as DHL holds it: state created / manifested / deleted, and the events shown so far."""
        with self.lock:
            now = self.now()
            return {number: s.truth(now) for number, s in self.world.shipments.items()}

    def shipment(self, number: str) -> dict[str, Any]:
        with self.lock:
            return self._get(number).truth(self.now())

    def label(self, number: str) -> bytes:
        with self.lock:
            return self._get(number).label_pdf

    def _get(self, number: str) -> Shipment:
        shipment = self.world.shipments.get(number)
        if shipment is None:
            raise KeyError(f"no DHL shipment {number}")
        return shipment

    def api_calls(self, api: str | None = None) -> int:
        with self.lock:
            return sum(1 for c in self.calls if api is None or c.api == api)

    def pickup_time(self, number: str) -> datetime:
        """When the parcel is manifested and picked up: from then on it can no longer be cancelled."""
        with self.lock:
            return self._get(number).closing

    # ---- scenarios ----------------------------------------------------------------------------------------------

    def _rewrite(self, number: str, name: str, move: Callable[[list[PlannedEvent], datetime], list[PlannedEvent]]
                 ) -> None:
        with self.lock:
            shipment = self._get(number)
            if shipment.deleted_at is not None:
                raise ValueError(f"shipment {number} was deleted")
            shipment.events = move(shipment.events, self.now())
            shipment.scenario = name

    def fail_delivery(self, number: str) -> None:
        """The delivery attempt fails (recipient not at home); no scan follows."""
        self._rewrite(number, "fail_delivery", schedule.fail_delivery)

    def return_to_sender(self, number: str) -> None:
        """The parcel turns back at its next scan and reaches the sender two days later."""
        with self.lock:
            origin = str(self._get(number).shipper.get("city") or "Bonn")
        self._rewrite(number, "return_to_sender", lambda events, now: schedule.return_to_sender(events, now, origin))

    def stall(self, number: str) -> None:
        """No more scans (lost between two scanners)."""
        self._rewrite(number, "stall", schedule.stall)

    # ---- faults and limits ----------------------------------------------------------------------------------------

    def rate_limit(self, api: str, per_second: float, burst: int, per_day: int | None = None) -> None:
        """The quota of "shipping" or "tracking" (per_day only counts for tracking plans); buckets start full."""
        with self.lock:
            self.limits.configure(api, per_second, burst, per_day)
