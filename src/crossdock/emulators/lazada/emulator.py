"""LazadaEmulator: the Python handle on an emulated Lazada Open Platform (state, products, buyers, clock, faults,
pushes, ASGI app)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators._common.handle import TokenTtlHandle
from crossdock.emulators.lazada.app import CallRecord, create_app
from crossdock.emulators.lazada.auth import AuthState
from crossdock.emulators.lazada.limits import DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_RPS, RateLimiter
from crossdock.emulators.lazada.push import PushSender, trade_order_body
from crossdock.emulators.lazada.regions import VENTURES
from crossdock.emulators.lazada.world import Change, World
from crossdock.ports.clock import Clock


class LazadaEmulator(TokenTtlHandle[CallRecord]):
    """An in-memory Lazada Open Platform for one app (app_key + app_secret), serving all six ventures.

    A store is a seller in one venture (external_id = seller_id, region = SG, MY, TH, PH, VN or ID); sellers
    added under the same `account` share one authorization, as a cross-border seller's do. Every "now" comes
    from the injected clock. Python calls and HTTP requests share one lock; pushes are sent outside it.
    """

    world: World
    auth: AuthState

    def __init__(self, app_key: str, app_secret: str, clock: Clock | None = None, seed: int = 0) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        super().__init__(clock, seed)
        self.world = World(seed)
        self.auth = AuthState()
        self.limiter = RateLimiter(DEFAULT_RATE_LIMIT_RPS, DEFAULT_RATE_LIMIT_BURST)
        self.pusher: PushSender | None = None
        self.app: Starlette = create_app(self)

    # ---- the world ------------------------------------------------------------------------

    def add_store(self, external_id: str, region: str, name: str | None = None, account: str | None = None) -> None:
        """A seller (seller_id = external_id) in venture `region`; `account` is the seller-center login owning it
        (default: one of its own)."""
        with self.lock:
            login = account or f"seller{external_id}@example.com"
            seller = self.world.add_seller(str(external_id), region, name, login, self.now())
            try:
                self.auth.add_seller(seller.account, seller.venture.code, seller.seller_id, seller.user_id)
            except ValueError:
                del self.world.sellers[seller.seller_id]
                raise

    def generate_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        """`count` orders created over [start, end] (capped at now), advanced along their life cycle to now.

        Deterministic for a seed and sequence of calls. Steps that fall after now are played by `tick()`.
        Back-filled orders are not pushed: they stand for history, not for changes happening now.
        """
        with self.lock:
            return self.world.generate_orders(str(external_id), count, start, end, self.now())

    def tick(self) -> tuple[int, int]:
        """Advance the world to now: every due status change and a few new orders per seller, stamped now, then
        the pushes they cause and any push retries that are due. Returns (orders created, orders updated)."""
        with self.lock:
            created, updated, changes = self.world.tick(self.now())
        self._push(changes)
        if self.pusher is not None:
            self.pusher.retry_due(self.now())
        return created, updated

    def orders(self, external_id: str) -> dict[str, dict[str, Any]]:
        """The truth: order_id -> the order as GetOrders returns it, with its items under "order_items"."""
        with self.lock:
            seller = self.world.seller(str(external_id))
            return {order_id: order.payload() for order_id, order in seller.orders.items()}

    def set_order_status(self, external_id: str, order_id: str, status: str) -> None:
        """Move the order's items (those still taking part; all of them when none is) to item status `status`."""
        with self.lock:
            changes = self.world.set_status(str(external_id), order_id, status, self.now())
        self._push(changes)

    def insert_raw_order(self, external_id: str, payload: dict[str, Any]) -> str:
        """Store a payload as-is (order fields plus "order_items"); listed by its created_at/updated_at (now when
        absent or unreadable) and served verbatim. Returns the order id it is listed under."""
        with self.lock:
            return self.world.insert_raw(str(external_id), payload, self.now())

    # ---- products and buyers --------------------------------------------------------------

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        """Replace what the seller sells with Lazada products built from `products` (ids assigned here; a
        variant's quantity is its sellable stock). Orders generated afterwards draw their items from it."""
        with self.lock:
            self.world.set_catalogue(str(external_id), products, self.now())

    def listings(self, external_id: str) -> list[dict[str, Any]]:
        """The truth: one dict per SKU (item_id, variant_id = SkuId, seller_sku, quantity = sellable stock,
        active = SKU and product both active, price as a Decimal, barcode)."""
        with self.lock:
            return self.world.listings(str(external_id))

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        """A buyer buys now: a paid order (items pending) taking `quantity` from the SKU's sellable stock, pushed
        like any change. None when the SKU is inactive or has fewer than `quantity` left."""
        with self.lock:
            placed = self.world.place_order(str(external_id), seller_sku, quantity, self.now())
        if placed is None:
            return None
        order_id, changes = placed
        self._push(changes)
        return order_id

    def place_cart(self, external_id: str, cart: Sequence[tuple[str, int]], own_fleet: bool = False) -> str | None:
        """A buyer pays for several (seller SKU, quantity) lines in one order, one order item per unit; None when
        Lazada would not sell. `own_fleet`: the order is delivered by the seller (the seller must be DBS)."""
        with self.lock:
            placed = self.world.place_cart(str(external_id), cart, self.now(), own_fleet)
        if placed is None:
            return None
        order_id, changes = placed
        self._push(changes)
        return order_id

    def enable_dbs(self, external_id: str) -> None:
        """Open Delivered by Seller to the seller ("This interface is only open to some stores")."""
        with self.lock:
            self.world.seller(str(external_id)).dbs = True

    def open_return(self, external_id: str, order_id: str, quantity: int = 1) -> str:
        """The buyer asks to return `quantity` units of the SKU of the order's first item (which must have been
        shipped or delivered): a reverse order with request_type RETURN. Returns its reverse_order_id."""
        with self.lock:
            reverse = self.world.open_return(str(external_id), order_id, quantity, self.now())
            return reverse.reverse_order_id

    def reverse_orders(self, external_id: str) -> dict[str, dict[str, Any]]:
        """The truth: reverse_order_id -> the reverse order as GetReverseOrdersForSeller lists it."""
        with self.lock:
            return {rid: r.list_entry() for rid, r in self.world.seller(str(external_id)).reverse_orders.items()}

    # ---- authorization --------------------------------------------------------------------

    def authorize(self, external_id: str) -> str:
        """What the seller's consent produces on the redirect: a fresh single-use code, valid 30 minutes, for the
        account that owns the seller."""
        with self.lock:
            seller = self.world.seller(str(external_id))
            return self.auth.issue_code(seller.account, self.now())

    def expire_access_tokens(self, external_id: str) -> None:
        with self.lock:
            seller = self.world.seller(str(external_id))
            self.auth.expire_access_tokens(seller.account, self.now())

    # ---- faults and limits ----------------------------------------------------------------

    def set_rate_limit(self, per_second: float, burst: int) -> None:
        """Per (app, API) token bucket on the emulator clock; resets every bucket to full."""
        with self.lock:
            self.limiter.configure(per_second, burst)

    # ---- push mechanism -------------------------------------------------------------------

    def subscribe_pushes(self, url: str, transport: httpx.BaseTransport | None = None) -> None:
        """From now on, post a trade order message to `url` for every order line whose status changes."""
        with self.lock:
            if self.pusher is not None:
                self.pusher.close()
            self.pusher = PushSender(self.app_key, self.app_secret, url, transport)

    def _push(self, changes: list[Change]) -> None:
        # Sent outside the lock: the receiver may call back into the emulator to read the order.
        pusher = self.pusher
        if pusher is None:
            return
        now = self.now()
        for change in changes:
            with self.lock:
                site = self.world.seller(change.seller_id).venture.site
            pusher.send(trade_order_body(change, site, now), now)

__all__ = ["VENTURES", "LazadaEmulator"]
