"""JoomEmulator: the Python handle on an emulated Joom for Merchants API (state, clock, faults, ASGI app)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from starlette.applications import Starlette

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators._common.handle import TokenTtlHandle
from crossdock.emulators.joom.app import CallRecord, create_app
from crossdock.emulators.joom.auth import AuthState
from crossdock.emulators.joom.limits import RateLimiter
from crossdock.emulators.joom.world import Order, World
from crossdock.ports.clock import Clock

DEFAULT_ACCOUNT = "default"


class JoomEmulator(TokenTtlHandle[CallRecord]):
    """An in-memory Joom for Merchants API (v2 OAuth, v3 orders, stores and products) for one app.

    Accounts are Joom merchant accounts: one authorization covers every store the merchant owns.
    Every notion of "now" (token expiry, quotas, order times) comes from the injected clock, so tests
    move time instead of sleeping. Python calls and HTTP requests share one lock.
    """

    world: World
    auth: AuthState

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        clock: Clock | None = None,
        seed: int = 0,
        redirect_uri: str = "",
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri     # the app's registered redirect, used when a consent names none
        super().__init__(clock, seed)
        self.world = World(seed)
        self.auth = AuthState()
        self.limiter = RateLimiter()
        self.app: Starlette = create_app(self)

    # ---- the world ------------------------------------------------------------------------

    def add_store(self, external_id: str, region: str = "EU", name: str | None = None,
                  account: str | None = None) -> None:
        """A store of merchant `account` (created on first mention); region "EU" or a buyer country code."""
        with self.lock:
            self.world.add_store(external_id, region, name, account or DEFAULT_ACCOUNT, int(self.now().timestamp()))

    def merchant_user_id(self, account: str | None = None) -> str:
        """The merchant_user_id Joom reports for `account` (what Crossdock keeps as the account's external id)."""
        with self.lock:
            return self.world.merchant(account or DEFAULT_ACCOUNT).merchant_user_id

    def generate_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        """Create `count` orders with orderTimestamp spread over [start, end], advanced to the clock's now.

        Deterministic for a given seed and sequence of calls. States due after now are kept and played
        by `tick()` once the clock has passed them. Returns the order ids, oldest first.
        """
        with self.lock:
            return self.world.generate_orders(external_id, count, start, end, self.now())

    # ---- the catalogue ----------------------------------------------------------------------

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        """Replace what the store sells with Joom products for `products` (ids assigned here).

        Inactive specs become products disabled by the merchant; a spec's quantity is its variant's
        inventory and its barcode the variant's gtin. Orders generated afterwards are for these variants.
        """
        with self.lock:
            self.world.set_catalogue(external_id, products, self.now())

    def listings(self, external_id: str) -> list[dict[str, Any]]:
        """The truth, one dict per variant: item_id, variant_id, seller_sku, quantity, active, price (Decimal)."""
        with self.lock:
            return self.world.listings(external_id)

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        """A buyer buys now: the variant's stock drops and a new approved order appears, updated now.

        None when the variant is unknown, not for sale, or has fewer than `quantity` in stock.
        """
        with self.lock:
            return self.world.place_order(external_id, seller_sku, quantity, self.now())

    def open_return(self, external_id: str, order_id: str) -> str:
        """The customer sends a shipped order back: returnInitiated, updated now. Joom returns a whole order (one
        variant line); there is no return id of its own, so the order id names the return. Returns it."""
        with self.lock:
            self.world.open_return(external_id, order_id, self.now())
        return order_id

    def set_shipping_requirement(self, external_id: str, order_id: str, requirement: str) -> None:
        """The order's onlineShippingRequirement: onlineOnly, offlineOnly or offlineOrOnline."""
        if requirement not in ("onlineOnly", "offlineOnly", "offlineOrOnline"):
            raise ValueError(f"unknown onlineShippingRequirement {requirement!r}")
        with self.lock:
            order = self.world.store(external_id).orders[order_id]
            if not isinstance(order, Order):
                raise ValueError(f"order {order_id} is stored raw")
            order.shipping_requirement = requirement

    def tick(self) -> tuple[int, int]:
        """Advance the world to the clock's now: a few new orders per store and every due state change.

        Changes are stamped with now as updateTimestamp. Returns (orders created, orders updated).
        """
        with self.lock:
            return self.world.tick(self.now())

    def orders(self, external_id: str) -> dict[str, dict[str, Any]]:
        """The truth: order id -> the order as orders/multi returns it."""
        with self.lock:
            store = self.world.store(external_id)
            return {order_id: order.payload() for order_id, order in store.orders.items()}

    def set_order_status(self, external_id: str, order_id: str, status: str) -> None:
        with self.lock:
            self.world.set_status(external_id, order_id, status, self.now())

    def insert_raw_order(self, external_id: str, payload: dict[str, Any]) -> str:
        """Store a payload as-is; listed by its updateTimestamp (now when unreadable) and returned verbatim.

        Returns the id it is listed under: str(payload["id"]) when present (replacing an order of that
        id), else a new one.
        """
        with self.lock:
            return self.world.insert_raw(external_id, payload, self.now())

    # ---- authorization --------------------------------------------------------------------

    def authorize(self, account: str | None = None, redirect_uri: str = "") -> str:
        """What the merchant's consent produces: a fresh single-use code, valid 5 minutes."""
        with self.lock:
            merchant = self.world.merchant(account or DEFAULT_ACCOUNT)
            return self.auth.issue_code(merchant.key, self.now(), redirect_uri)

    def expire_access_tokens(self, account: str | None = None) -> None:
        with self.lock:
            self.auth.expire_access_tokens(account or DEFAULT_ACCOUNT, self.now())

    # ---- faults and limits ----------------------------------------------------------------

    def set_rate_limit(self, requests_per_second: float, burst: int) -> None:
        """One quota for every endpoint group, per merchant, on the emulator clock; buckets start full."""
        with self.lock:
            self.limiter.configure(requests_per_second, burst)
