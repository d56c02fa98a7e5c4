"""One harness per marketplace: its emulator, a Crossdock app wired to it, and the moves tests need.

The conformance suite in test_conformance.py runs against every harness in HARNESSES; a new
connector joins the suite by adding its harness here.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from pydantic import SecretStr

from crossdock.bootstrap import App, bootstrap
from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import (
    CallStats,
    ListingSource,
    OrderCanceller,
    PlatformLogistics,
    ReturnSource,
    ShipmentSink,
    StockSink,
)
from crossdock.services.stores import AddStore
from crossdock.settings import Settings

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class FlakyTransport(httpx.BaseTransport):
    """Wraps a transport: times out the next `n` requests, as a congested network would, and can run a
    callback after a given number of requests (to change the platform's state in the middle of a pull)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.timeouts = 0
        self._after: tuple[int, Callable[[], None]] | None = None

    def after(self, requests: int, action: Callable[[], None]) -> None:
        self._after = (requests, action)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.timeouts:
            self.timeouts -= 1
            raise httpx.ReadTimeout("emulated timeout", request=request)
        response = self.inner.handle_request(request)
        if self._after is not None:
            left, action = self._after
            self._after = (left - 1, action) if left > 1 else None
            if left <= 1:
                action()
        return response


class Harness(ABC):
    platform: str
    page_size: int       # the platform's largest list page
    detail_batch: int    # the platform's largest detail batch
    pushes = False       # the platform pushes order changes (webhooks / notifications)
    pushes_signed = True  # False where the platform does not sign them (Amazon via SQS): a push is only a hint

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
    @abstractmethod
    def expected_calls(self, orders: int) -> int:
        """The fewest API calls the platform's page and batch limits allow for pulling `orders` orders."""

    # listings and stock: every harness provides these (test_listings.py)
    listing_page: int = 0     # the platform's largest listings page, counted as the platform counts (products)
    stock_needs_active = False  # the platform refuses stock updates of deactivated listings (TikTok Shop)

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        """Replace what the emulated store sells (emulator.set_catalogue)."""
        raise NotImplementedError

    def listings_truth(self, external_id: str) -> list[dict[str, Any]]:
        """The emulator's listings: dicts with item_id, variant_id, seller_sku, quantity, active, price."""
        raise NotImplementedError

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        """A buyer buys now; None when the platform refuses (not enough listed stock, inactive)."""
        raise NotImplementedError

    def expected_stock_calls(self, updates_per_product: Sequence[int]) -> int:
        """The fewest calls the platform's batch rules allow to update that many variants of each product."""
        raise NotImplementedError

    # fulfilment: every harness provides these (test_fulfilment.py)
    logistics = False          # the platform offers its own logistics (PlatformLogistics)
    returns = False            # the connector reads return requests (ReturnSource)
    cancels = False            # the connector cancels orders on the platform (OrderCanceller)

    def ready_order(self, external_id: str) -> str:
        """A paid order, awaiting shipment, with at least two lines (two units of one, one of another)."""
        raise NotImplementedError

    def shipment_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        """What the emulator now holds about the order's shipment: {"shipped": bool, "status": the platform's
        order status, "tracking_number": str, "carrier": str as the platform names it}."""
        raise NotImplementedError

    def unknown_order_id(self) -> str:
        """An order id in the platform's own format that no store has."""
        raise NotImplementedError

    def open_return(self, external_id: str, order_id: str, quantity: int = 1) -> str:
        """The buyer of a shipped (or delivered) order asks to return `quantity` units of its first line."""
        raise NotImplementedError

    def cancel_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        """What the emulator now holds about the order's cancellation: {"cancelled": bool, "status": the
        platform's order status, "by": who cancelled as the platform records it ("" when not cancelled),
        "reason": the platform's reason as recorded ("" when not cancelled)}."""
        raise NotImplementedError

    def subscribe(self, url: str, transport: httpx.BaseTransport) -> None:
        """Have the emulator deliver its signed pushes to `url` through `transport` (only when `pushes`)."""
        raise NotImplementedError

    # shared moves
    def connect_store(self, region: str = "SG") -> tuple[int, str]:
        external_id = str(next(self._ids))
        self.create_shop(external_id, region)
        store = self.app.stores.add(AddStore(platform=self.platform, external_id=external_id,
                                             name=f"{self.platform} {region} {external_id}", region=region,
                                             currency=self.currency(region)))
        self.app.stores.authorize(store.id, self.consent_code(external_id))
        return store.id, external_id

    def listing_source(self, store_id: int) -> ListingSource:
        return self.app.connectors.listing_source(self.app.stores.get(store_id), self.app.stores.tokens(store_id),
                                                  CallStats())

    def stock_sink(self, store_id: int) -> StockSink:
        return self.app.connectors.stock_sink(self.app.stores.get(store_id), self.app.stores.tokens(store_id),
                                              CallStats())

    def shipment_sink(self, store_id: int) -> ShipmentSink:
        return self.app.connectors.shipment_sink(self.app.stores.get(store_id), self.app.stores.tokens(store_id),
                                                 CallStats())

    def platform_logistics(self, store_id: int) -> PlatformLogistics:
        return self.app.connectors.logistics(self.app.stores.get(store_id), self.app.stores.tokens(store_id),
                                             CallStats())

    def return_source(self, store_id: int) -> ReturnSource:
        return self.app.connectors.return_source(self.app.stores.get(store_id), self.app.stores.tokens(store_id),
                                                 CallStats())

    def canceller(self, store_id: int) -> OrderCanceller:
        return self.app.connectors.canceller(self.app.stores.get(store_id), self.app.stores.tokens(store_id),
                                             CallStats())

    def currency(self, region: str) -> str:
        return {"SG": "SGD", "MY": "MYR", "TH": "THB", "VN": "VND", "PH": "PHP", "ID": "IDR", "TW": "TWD",
                "BR": "BRL", "MX": "MXN", "DE": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR", "NL": "EUR",
                "GB": "GBP", "UK": "GBP", "PL": "PLN", "SE": "SEK", "US": "USD"}.get(region, "USD")

    def region(self) -> str:
        """A region the platform's emulator knows, for tests that do not care which."""
        return "SG"

    @contextmanager
    def timed_out(self, n: int) -> Iterator[None]:
        self.transport.timeouts = n
        try:
            yield
        finally:
            self.transport.timeouts = 0


def _discover() -> list[type[Harness]]:
    """Every `HARNESS` in tests/contract/harnesses/*.py: a new connector joins the suite by adding one file."""
    import importlib
    import pkgutil

    import tests.contract.harnesses as pkg

    found = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        harness = getattr(module, "HARNESS", None)
        if harness is not None:
            found.append(harness)
    return found


HARNESSES: list[type[Harness]] = _discover()



def since(days: float) -> datetime:
    return T0 - timedelta(days=days)
