"""TikTokEmulator: the Python handle on an emulated TikTok Shop Partner API (state, clock, faults, pushes, ASGI)."""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators._common.handle import TokenTtlHandle
from crossdock.emulators.tiktok import returns
from crossdock.emulators.tiktok.app import CallRecord, create_app
from crossdock.emulators.tiktok.auth import AuthState
from crossdock.emulators.tiktok.limits import DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_RPS, RateLimiter
from crossdock.emulators.tiktok.push import PushSender, cancellation_status_body, order_status_body
from crossdock.emulators.tiktok.world import Order, World
from crossdock.ports.clock import Clock

# Assumption: where the seller lands after consenting; TikTok takes it from the app's Partner Center page.
DEFAULT_REDIRECT_URL = "http://127.0.0.1:8000/api/auth/tiktok/callback"


class TikTokEmulator(TokenTtlHandle[CallRecord]):
    """An in-memory TikTok Shop (Partner API 202309 and the auth host) for one app.

    Every "now" comes from the injected clock, so tests move time instead of sleeping. Python calls and
    HTTP requests share one lock; webhooks are posted after the lock is released, because the receiver
    may call back into the emulator to read the order.
    """

    world: World
    auth: AuthState

    def __init__(self, app_key: str, app_secret: str, clock: Clock | None = None, seed: int = 0) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        super().__init__(clock, seed)
        self.redirect_url = DEFAULT_REDIRECT_URL
        self.world = World(seed)
        self.auth = AuthState()
        self.limiter = RateLimiter(DEFAULT_RATE_LIMIT_RPS, DEFAULT_RATE_LIMIT_BURST)
        self.pusher: PushSender | None = None
        self._notifications = random.Random(f"{seed}:notifications")
        # Signs the doc_url of shipping documents; a restarted emulator's old URLs stop working (they expire anyway).
        self.url_key = secrets.token_bytes(32)
        self.app: Starlette = create_app(self)

    # ---- time -----------------------------------------------------------------------------

    def now(self) -> datetime:
        # Unlike the other emulators this one has always read a naive clock as local time; kept as it was.
        return self.clock.now().astimezone(UTC)


    # ---- the world ------------------------------------------------------------------------

    def add_store(self, external_id: str, region: str, name: str | None = None, account: str | None = None) -> None:
        """A shop of seller `account` (default: a seller of its own, named after the shop)."""
        with self.lock:
            self.world.add_shop(str(external_id), region, name, account, int(self.now().timestamp()))

    def shop_cipher(self, external_id: str) -> str:
        with self.lock:
            return self.world.shop(str(external_id)).cipher

    def account_of(self, external_id: str) -> str:
        with self.lock:
            return self.world.shop(str(external_id)).account

    def generate_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        """`count` orders created over [start, end] (not after now), their lives played up to now.

        Deterministic for a seed and a sequence of calls. Steps that fall after now wait for `tick()`.
        This back-fills history, so it sends no webhooks: TikTok would have sent them when it happened.
        """
        with self.lock:
            return self.world.generate_orders(str(external_id), count, start, end, self.now())

    def tick(self) -> tuple[int, int]:
        """Advance the world to now: every due status change (stamped now), a few new orders per shop,
        and the webhook retries that have come due. Returns (orders created, orders updated)."""
        with self.lock:
            created, updated, changed = self.world.tick(self.now())
        self._push(changed)
        if self.pusher is not None:
            self.pusher.retry_due(self.now())
        return created, updated

    def orders(self, external_id: str) -> dict[str, dict[str, Any]]:
        """The truth: order id -> the order exactly as Get Order List / Get Order Detail return it."""
        with self.lock:
            shop = self.world.shop(str(external_id))
            return {order_id: order.payload() for order_id, order in shop.orders.items()}

    def set_order_status(self, external_id: str, order_id: str, status: str) -> None:
        with self.lock:
            self.world.set_status(str(external_id), order_id, status, self.now())
        self._push([(str(external_id), order_id)])

    def insert_raw_order(self, external_id: str, payload: dict[str, Any]) -> str:
        """Store a payload as-is, replacing any order with its id; listed by its create/update times (now
        when absent) and returned verbatim. Returns the id it is kept under."""
        with self.lock:
            order_id = self.world.insert_raw(str(external_id), payload, self.now())
        self._push([(str(external_id), order_id)])
        return order_id

    # ---- the catalogue --------------------------------------------------------------------

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        """Replace what the shop sells: one product per spec (status SELLER_DEACTIVATED when not active), one SKU
        per variant with its quantity in the shop's default warehouse. Later generated orders draw from it."""
        with self.lock:
            self.world.set_catalogue(str(external_id), products, self.now())

    def listings(self, external_id: str) -> list[dict[str, Any]]:
        """The truth: one dict per SKU with item_id, variant_id, seller_sku, quantity (all warehouses), active,
        price (Decimal), title, barcode and the product's status."""
        with self.lock:
            return self.world.listings(str(external_id))

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        """A buyer buys now: a paid order (AWAITING_SHIPMENT) whose stock leaves the listing, its webhook sent;
        None when TikTok would refuse (product not live, stock short). KeyError for an unknown SKU."""
        with self.lock:
            order_id = self.world.place_order(str(external_id), seller_sku, quantity, self.now())
        if order_id is not None:
            self._push([(str(external_id), order_id)])
        return order_id

    def place_order_lines(self, external_id: str, lines: Sequence[tuple[str, int]]) -> str | None:
        """A buyer buys several SKUs in one paid order (one package), its webhook sent; None when TikTok would not
        sell one of them. KeyError for an unknown SKU."""
        with self.lock:
            order_id = self.world.place_order_lines(str(external_id), lines, self.now())
        if order_id is not None:
            self._push([(str(external_id), order_id)])
        return order_id

    # ---- fulfilment and returns -------------------------------------------------------------

    def set_shipping_type(self, external_id: str, shipping_type: str) -> None:
        """The seller's warehouse delivery setting (Seller Center): "TIKTOK" (TikTok's carrier) or "SELLER" (the
        seller's own); it applies to orders placed from now on."""
        with self.lock:
            self.world.set_shipping_type(str(external_id), shipping_type)

    def open_return(self, external_id: str, order_id: str, quantity: int = 1, seller_sku: str | None = None,
                    return_type: str = "RETURN_AND_REFUND") -> str:
        """The buyer asks to return `quantity` units of a shipped order: of `seller_sku`, or of its first line item's
        SKU. Returns the return_id; the request waits for the seller (RETURN_OR_REFUND_REQUEST_PENDING)."""
        with self.lock:
            shop = self.world.shop(str(external_id))
            order = shop.orders.get(order_id)
            if not isinstance(order, Order):
                raise KeyError(f"no order {order_id} in shop {external_id}")
            sku = seller_sku if seller_sku is not None else order.units[0].sku.seller_sku
            busy = {i for case in shop.returns.values() if case.order_id == order_id for i in case.unit_ids}
            units = [u.id for u in order.units if u.sku.seller_sku == sku and u.id not in busy][:quantity]
            if quantity < 1 or len(units) < quantity:
                raise ValueError(f"order {order_id} has fewer than {quantity} unreturned units of {sku!r}")
            now = int(self.now().timestamp())
            return returns.open_return(shop, order_id, units, now, lambda: self.world.new_id("403", 19),
                                       return_type=return_type)

    def set_return_status(self, external_id: str, return_id: str, status: str, tracking_number: str = "") -> None:
        """Move a return along (the buyer ships it, the seller approves, TikTok refunds ...)."""
        with self.lock:
            returns.set_status(self.world.shop(str(external_id)), return_id, status, int(self.now().timestamp()),
                               tracking_number)

    def returns(self, external_id: str) -> dict[str, dict[str, Any]]:
        """The truth: return_id -> the return as Search Returns shows it."""
        with self.lock:
            shop = self.world.shop(str(external_id))
            out = {}
            for return_id, case in shop.returns.items():
                order = shop.orders[case.order_id]
                assert isinstance(order, Order)
                out[return_id] = case.payload(order)
            return out

    # ---- authorization --------------------------------------------------------------------

    def authorize(self, account: str) -> str:
        """What the seller's consent produces: a single-use auth code, valid 30 minutes."""
        with self.lock:
            self.world.seller(account)
            return self.auth.issue_code(account, self.now())

    def expire_access_tokens(self, account: str) -> None:
        with self.lock:
            self.auth.expire_access_tokens(account, self.now())

    def revoke(self, account: str) -> None:
        with self.lock:
            self.auth.revoke(account)

    # ---- faults and limits ----------------------------------------------------------------

    def set_rate_limit(self, per_second: float, burst: int) -> None:
        """Per (API, shop) token bucket on the emulator clock; every bucket starts full again."""
        with self.lock:
            self.limiter.configure(per_second, burst)

    # ---- webhooks -------------------------------------------------------------------------

    def subscribe_pushes(self, url: str, transport: httpx.BaseTransport | None = None) -> None:
        """From now on, post an order status change webhook (type 1) to `url` for every order that changes, and a
        cancellation status change webhook (type 11) for every cancellation made through the API."""
        if self.pusher is not None:
            self.pusher.close()
        self.pusher = PushSender(self.app_key, self.app_secret, url, transport)

    def notify(self, orders: list[tuple[str, str]], cancellations: list[tuple[str, str]]) -> None:
        """The webhooks an API call's changes make: each (shop, order) whose status changed (type 1), then each
        (shop, cancel_id) created or moved (type 11). Sent with the lock released."""
        self._push(orders)
        if self.pusher is None:
            return
        for shop_id, cancel_id in cancellations:
            with self.lock:
                case = self.world.shop(shop_id).cancellations.get(cancel_id)
                if case is None:
                    continue
                body = cancellation_status_body(self._notification_id(), shop_id, case.order_id, case.role,
                                                case.status, case.cancel_id, case.create_time,
                                                int(self.now().timestamp()))
            self.pusher.send(body, self.now())

    def _notification_id(self) -> str:
        return "".join(self._notifications.choice("0123456789") for _ in range(19))

    def _push(self, keys: list[tuple[str, str]]) -> None:
        if self.pusher is None:
            return
        for shop_id, order_id in keys:
            with self.lock:
                order = self.world.shop(shop_id).orders.get(order_id)
                if order is None:
                    continue
                now = int(self.now().timestamp())
                notification_id = self._notification_id()
                on_hold = order.is_on_hold_order if isinstance(order, Order) else order.body.get("is_on_hold_order")
                body = order_status_body(notification_id, shop_id, order_id, order.status, bool(on_hold),
                                         order.update_time, now)
            self.pusher.send(body, self.now())

    # ---- snapshots ------------------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        # The notification id generator too, so a restored demo does not repeat ids it already sent.
        return {**super()._snapshot(), "notifications": self._notifications.getstate()}

    def _load(self, state: dict[str, Any]) -> None:
        super()._load(state)
        self._notifications.setstate(state["notifications"])
