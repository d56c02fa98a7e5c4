"""One harness per marketplace: its emulator, a Crossdock app wired to it, and the moves tests need.

The conformance suite in test_conformance.py runs against every harness in HARNESSES; a new
connector joins the suite by adding its harness here.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from pydantic import SecretStr

from crossdock.bootstrap import App, bootstrap
from crossdock.emulators.shopee import ShopeeEmulator
from crossdock.ports.clock import ManualClock
from crossdock.services.stores import AddStore
from crossdock.settings import Settings

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class FlakyTransport(httpx.BaseTransport):
    """Wraps a transport and times out the next `n` requests, as a congested network would."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.timeouts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.timeouts:
            self.timeouts -= 1
            raise httpx.ReadTimeout("emulated timeout", request=request)
        return self.inner.handle_request(request)


class Harness(ABC):
    platform: str
    page_size: int       # the platform's largest list page
    detail_batch: int    # the platform's largest detail batch

    def __init__(self, database_url: str, home: Path) -> None:
        self.clock = ManualClock(T0)
        self.database_url = database_url
        self.home = home
        self._ids = itertools.count(880001)
        self.secret_key = SecretStr(Fernet.generate_key().decode())
        self.transport = FlakyTransport(self.make_transport())
        self.app = self.make_app(self.connector_settings())

    def make_app(self, connector_settings: dict[str, Any]) -> App:
        settings = Settings(database_url=self.database_url, home=self.home,
                            secret_key=self.secret_key,
                            connectors={self.platform: connector_settings})
        return bootstrap(settings, clock=self.clock, sleep=lambda s: self.clock.advance(seconds=s),
                         transports={self.platform: self.transport})

    def close(self) -> None:
        self.app.close()

    # what each platform must provide
    @abstractmethod
    def make_transport(self) -> httpx.BaseTransport: ...
    @abstractmethod
    def connector_settings(self) -> dict[str, Any]: ...
    @abstractmethod
    def create_shop(self, external_id: str, region: str) -> None: ...
    @abstractmethod
    def consent_code(self, external_id: str) -> str: ...
    @abstractmethod
    def seed_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]: ...
    @abstractmethod
    def truth(self, external_id: str) -> dict[str, dict[str, Any]]: ...
    @abstractmethod
    def truth_total(self, payload: dict[str, Any]) -> Decimal: ...
    @abstractmethod
    def truth_status(self, payload: dict[str, Any]) -> str: ...
    @abstractmethod
    def set_status(self, external_id: str, order_id: str, platform_status: str) -> None: ...
    @abstractmethod
    def shipped_status(self) -> str: ...
    @abstractmethod
    def put_raw(self, external_id: str, payload: dict[str, Any]) -> None: ...
    @abstractmethod
    def malformed(self, external_id: str, base: dict[str, Any]) -> dict[str, Any]: ...
    @abstractmethod
    def older_copy(self, payload: dict[str, Any], status: str, seconds_earlier: int) -> dict[str, Any]: ...
    @abstractmethod
    def expire_access(self, external_id: str) -> None: ...
    @abstractmethod
    def fail_next(self, n: int, status: int) -> None: ...
    @abstractmethod
    def rate_limit(self, per_second: float, burst: int) -> None: ...
    @abstractmethod
    def api_calls(self) -> int: ...

    # shared moves
    def connect_store(self, region: str = "SG") -> tuple[int, str]:
        external_id = str(next(self._ids))
        self.create_shop(external_id, region)
        store = self.app.stores.add(AddStore(platform=self.platform, external_id=external_id,
                                             name=f"{self.platform} {region} {external_id}", region=region,
                                             currency=self.currency(region)))
        self.app.stores.authorize(store.id, self.consent_code(external_id))
        return store.id, external_id

    def currency(self, region: str) -> str:
        return {"SG": "SGD", "MY": "MYR", "TH": "THB", "VN": "VND", "PH": "PHP", "ID": "IDR", "TW": "TWD",
                "BR": "BRL", "MX": "MXN"}.get(region, "USD")

    @contextmanager
    def timed_out(self, n: int) -> Iterator[None]:
        self.transport.timeouts = n
        try:
            yield
        finally:
            self.transport.timeouts = 0


class ShopeeHarness(Harness):
    platform = "shopee"
    page_size = 100
    detail_batch = 50
    PARTNER_ID = 2001887
    PARTNER_KEY = "shpk-test-0123456789abcdef0123456789abcdef"

    def make_transport(self) -> httpx.BaseTransport:
        self.emu = ShopeeEmulator(partner_id=self.PARTNER_ID, partner_key=self.PARTNER_KEY, clock=self.clock, seed=7)
        self.emu.set_rate_limit(1000, 1000)   # tests that want throttling lower it themselves
        return self.emu.transport()

    def connector_settings(self) -> dict[str, Any]:
        return {"base_url": "https://partner.shopeemobile.test", "partner_id": self.PARTNER_ID,
                "partner_key": self.PARTNER_KEY}

    def create_shop(self, external_id: str, region: str) -> None:
        self.emu.add_shop(int(external_id), region)

    def consent_code(self, external_id: str) -> str:
        return self.emu.authorize(int(external_id))

    def seed_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        return self.emu.generate_orders(int(external_id), count, start, end)

    def truth(self, external_id: str) -> dict[str, dict[str, Any]]:
        return self.emu.orders(int(external_id))

    def truth_total(self, payload: dict[str, Any]) -> Decimal:
        return Decimal(str(payload["total_amount"]))

    def truth_status(self, payload: dict[str, Any]) -> str:
        return str(payload["order_status"])

    def set_status(self, external_id: str, order_id: str, platform_status: str) -> None:
        self.emu.set_order_status(int(external_id), order_id, platform_status)

    def shipped_status(self) -> str:
        return "SHIPPED"

    def put_raw(self, external_id: str, payload: dict[str, Any]) -> None:
        self.emu.insert_raw_order(int(external_id), payload)

    def malformed(self, external_id: str, base: dict[str, Any]) -> dict[str, Any]:
        bad = dict(base, order_sn="2611019BADBAD1", order_status="TELEPORTED")
        bad["update_time"] = int(self.clock.now().timestamp())
        return bad

    def older_copy(self, payload: dict[str, Any], status: str, seconds_earlier: int) -> dict[str, Any]:
        return dict(payload, order_status=status, update_time=int(payload["update_time"]) - seconds_earlier)

    def expire_access(self, external_id: str) -> None:
        self.emu.expire_access_tokens(int(external_id))

    def fail_next(self, n: int, status: int) -> None:
        self.emu.fail_next(n, status)

    def rate_limit(self, per_second: float, burst: int) -> None:
        self.emu.set_rate_limit(per_second, burst)

    def api_calls(self) -> int:
        return len(self.emu.calls)


HARNESSES: list[type[Harness]] = [ShopeeHarness]


def since(days: float) -> datetime:
    return T0 - timedelta(days=days)
