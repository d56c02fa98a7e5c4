"""YunExpressEmulator: the Python handle on an emulated YunExpress OMS API."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.applications import Starlette

from crossdock.emulators._common.handle import EmulatorHandle
from crossdock.emulators._common.limits import TokenBucket, check_rate
from crossdock.emulators.yunexpress import schedule
from crossdock.emulators.yunexpress.app import CallRecord, create_app
from crossdock.emulators.yunexpress.schedule import PlannedEvent
from crossdock.emulators.yunexpress.validation import Product
from crossdock.emulators.yunexpress.world import Order, World
from crossdock.ports.clock import Clock

EU = frozenset({"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
                "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"})
# The lines this emulated customer's contract opens (Common/GetShippingMethods on the real service).
DEFAULT_PRODUCTS = (
    Product("EUDDP", "Europe Direct Line DDP", EU, ddp=True),
    Product("THPHR", "Global Direct Line Tracked", EU | {"GB", "CH", "NO"}, ddp=False, track_type="2"),
)


class YunExpressEmulator(EmulatorHandle[CallRecord]):
    """One YunExpress customer (customer code + API secret).

    The clock decides when a parcel is received at the warehouse and which scans are shown; tests move it instead
    of sleeping. Python calls and HTTP requests share one lock.
    """

    world: World
    auth: tuple[str, str]

    def __init__(self, customer_code: str, api_secret: str, *, clock: Clock | None = None, seed: int = 0,
                 products: tuple[Product, ...] = DEFAULT_PRODUCTS) -> None:
        super().__init__(clock, seed)
        self.auth = (customer_code, api_secret)
        self.products = {p.code: p for p in products}
        self.world = World(seed)
        # The document names a request limit (code 10000) but no figure: 10 a second unless a test says otherwise.
        self._rate: tuple[float, int] = (10.0, 10)
        self._bucket: TokenBucket | None = None
        self.app: Starlette = create_app(self)

    @property
    def customer_code(self) -> str:
        return self.auth[0]

    @property
    def api_secret(self) -> str:
        return self.auth[1]

    # ---- truth --------------------------------------------------------------------------------------------------

    def shipments(self) -> dict[str, dict[str, Any]]:
        """Every order by waybill number: state submitted / received / deleted, and the scans shown so far."""
        with self.lock:
            now = self.now()
            return {waybill: order.truth(now) for waybill, order in self.world.orders.items()}

    def shipment(self, number: str) -> dict[str, Any]:
        with self.lock:
            return self._get(number).truth(self.now())

    def _get(self, number: str) -> Order:
        order = self.world.orders.get(number) or self.world.live(number)
        if order is None:
            raise KeyError(f"no YunExpress order {number}")
        return order

    def pickup_time(self, number: str) -> datetime:
        """When the warehouse receives the parcel: from then on the order can no longer be deleted."""
        with self.lock:
            at = schedule.received_at(self._get(number).events)
            if at is None:
                raise ValueError(f"order {number} is never received")
            return at

    def api_calls(self, path: str | None = None) -> int:
        with self.lock:
            return sum(1 for c in self.calls if path is None or c.path.lower() == path.lower())

    # ---- scenarios ----------------------------------------------------------------------------------------------

    def _rewrite(self, number: str, name: str, move: Callable[[list[PlannedEvent], datetime], list[PlannedEvent]]
                 ) -> None:
        with self.lock:
            order = self._get(number)
            if order.deleted_at is not None:
                raise ValueError(f"order {number} was deleted")
            order.events = move(order.events, self.now())
            order.scenario = name

    def fail_delivery(self, number: str) -> None:
        """The last-mile delivery attempt fails (TrackingStatus 40); no scan follows."""
        self._rewrite(number, "fail_delivery", schedule.fail_delivery)

    def return_to_sender(self, number: str) -> None:
        """The parcel turns back (TrackingStatus 90) and reaches the sender three days later."""
        self._rewrite(number, "return_to_sender", schedule.return_to_sender)

    def stall(self, number: str) -> None:
        """No more scans."""
        self._rewrite(number, "stall", schedule.stall)

    # ---- faults and limits ----------------------------------------------------------------------------------------

    def rate_limit(self, per_second: float, burst: int) -> None:
        """Calls a second across the API; the bucket starts full."""
        check_rate(per_second, burst)
        with self.lock:
            self._rate, self._bucket = (per_second, burst), None

    def limiter_wait(self, now: datetime) -> int:
        """For the app: 0 when the call may go ahead, else whole seconds to wait."""
        if self._bucket is None:
            self._bucket = TokenBucket.full(self._rate[0], self._rate[1], now)
        if self._bucket.take(now):
            return 0
        return max(1, math.ceil(self._bucket.seconds_to_next()))
