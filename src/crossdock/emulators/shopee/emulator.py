"""ShopeeEmulator: the Python handle on an emulated Shopee Open Platform (state, clock, faults, ASGI app)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators._common.handle import TokenTtlHandle
from crossdock.emulators.shopee.app import CallRecord, create_app
from crossdock.emulators.shopee.auth import AuthState
from crossdock.emulators.shopee.limits import DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_RPS, RateLimiter
from crossdock.emulators.shopee.push import PushSender, order_status_body
from crossdock.emulators.shopee.world import World
from crossdock.ports.clock import Clock


class ShopeeEmulator(TokenTtlHandle[CallRecord]):
    """An in-memory Shopee Open Platform v2 for one partner app.

    Every notion of "now" (token expiry, timestamp checks, rate-limit refills, order times) comes
    from the injected clock, so tests move time instead of sleeping. Python calls and HTTP
    requests share one lock, so the emulator may be driven from several threads.
    """

    world: World
    auth: AuthState

    def __init__(
        self,
        partner_id: int,
        partner_key: str,
        clock: Clock | None = None,
        seed: int = 0,
    ) -> None:
        self.partner_id = partner_id
        self.partner_key = partner_key
        super().__init__(clock, seed)
        self.world = World(seed)
        self.auth = AuthState()
        self.limiter = RateLimiter(DEFAULT_RATE_LIMIT_RPS, DEFAULT_RATE_LIMIT_BURST)
        self.pusher: PushSender | None = None
        self.app: Starlette = create_app(self)

    # ---- the world ------------------------------------------------------------------------

    def add_shop(self, shop_id: int, region: str, name: str | None = None) -> None:
        with self.lock:
            self.world.add_shop(shop_id, region, name, self.now())

    def generate_orders(self, shop_id: int, count: int, start: datetime, end: datetime) -> list[str]:
        """Create `count` orders with create_time spread over [start, end], advanced to the clock's now.

        Deterministic for a given seed and sequence of calls. Steps of an order's life that fall
        after now are kept and played by `tick()` once the clock has passed them.
        """
        with self.lock:
            return self.world.generate_orders(shop_id, count, start, end, self.now())

    # ---- the catalogue --------------------------------------------------------------------

    def set_catalogue(self, shop_id: int, products: Sequence[ProductSpec]) -> None:
        """Replace what the shop sells: one item per spec, with models when it has variants; new Shopee ids."""
        with self.lock:
            self.world.set_catalogue(shop_id, products, self.now())

    def listings(self, shop_id: int) -> list[dict[str, Any]]:
        """The truth: one dict per variant with item_id, variant_id, seller_sku, quantity, active, price."""
        with self.lock:
            return self.world.listings(shop_id)

    def place_order(self, shop_id: int, seller_sku: str, quantity: int) -> str | None:
        """A buyer buys now: the new order's order_sn, or None when the listing is unlisted or short of stock.

        The variant's stock drops by `quantity`; a subscribed partner gets the order status push.
        """
        with self.lock:
            order_sn = self.world.place_order(shop_id, seller_sku, quantity, self.now())
        if order_sn is not None:
            self._push([(shop_id, order_sn)])
        return order_sn

    def place_cart(self, shop_id: int, cart: Sequence[tuple[str, int]], own_carrier: bool = False) -> str | None:
        """A buyer checks out several (SKU, quantity) lines in one paid order; None when Shopee would refuse.

        `own_carrier`: the buyer picks the shop's non-integrated channel, so the seller ships with its own carrier.
        """
        with self.lock:
            order_sn = self.world.place_cart(shop_id, cart, self.now(), own_carrier)
        if order_sn is not None:
            self._push([(shop_id, order_sn)])
        return order_sn

    def open_return(self, shop_id: int, order_sn: str, quantity: int = 1) -> str:
        """The buyer of a shipped or delivered order asks to return `quantity` units of its first line; the
        order goes TO_RETURN. Returns the return_sn."""
        with self.lock:
            case = self.world.open_return(shop_id, order_sn, quantity, self.now())
        self._push([(shop_id, order_sn)])
        return case.return_sn

    def returns(self, shop_id: int) -> dict[str, dict[str, Any]]:
        """The truth: return_sn -> the return as get_return_detail's list fields show it."""
        with self.lock:
            return {sn: case.payload() for sn, case in self.world.shop(shop_id).returns.items()}

    def shipment(self, shop_id: int, order_sn: str) -> dict[str, Any]:
        """The truth about an order's parcel: order_status, shipping_carrier, and (once arranged) the way it was
        arranged and its tracking number, allocated or not yet."""
        with self.lock:
            order = self.world.shop(shop_id).orders[order_sn]
            payload = order.payload()
            shipment = getattr(order, "shipment", None)
            return {
                "order_status": payload.get("order_status"),
                "shipping_carrier": payload.get("shipping_carrier", ""),
                "method": shipment.method if shipment else "",
                "tracking_number": shipment.tracking_number if shipment else "",
                "document_type": shipment.document_type if shipment else "",
            }

    def tick(self) -> tuple[int, int]:
        """Advance the world to the clock's now: a few new orders per shop and every due status change.

        Changes are stamped with now as update_time. Returns (orders created, orders updated).
        """
        with self.lock:
            before = self._stamps()
            result = self.world.tick(self.now())
            changed = [key for key, stamp in self._stamps().items() if before.get(key) != stamp]
        self._push(changed)
        return result

    def orders(self, shop_id: int) -> dict[str, dict[str, Any]]:
        """The truth: order_sn -> the payload get_order_detail returns with every optional field."""
        with self.lock:
            shop = self.world.shop(shop_id)
            return {order_sn: order.payload() for order_sn, order in shop.orders.items()}

    def set_order_status(self, shop_id: int, order_sn: str, status: str) -> None:
        with self.lock:
            self.world.set_status(shop_id, order_sn, status, self.now())
        self._push([(shop_id, order_sn)])

    # ---- push mechanism -------------------------------------------------------------------

    def subscribe_pushes(self, url: str, transport: httpx.BaseTransport | None = None) -> None:
        """From now on, post an order status push (code 3) to `url` for every order that changes."""
        self.pusher = PushSender(self.partner_key, url, transport)

    def _stamps(self) -> dict[tuple[int, str], int]:
        return {(shop.shop_id, sn): order.update_time for shop in self.world.shops.values()
                for sn, order in shop.orders.items()}

    def _push(self, keys: list[tuple[int, str]]) -> None:
        # Sent outside the lock: the receiver may call back into the emulator to read the order.
        if self.pusher is None:
            return
        now = int(self.now().timestamp())
        for shop_id, order_sn in keys:
            with self.lock:
                payload = self.world.shop(shop_id).orders[order_sn].payload()
            self.pusher.send(order_status_body(shop_id, order_sn, str(payload.get("order_status", "")),
                                               int(payload.get("update_time") or now), now))

    def insert_raw_order(self, shop_id: int, payload: dict[str, Any]) -> str:
        """Store a payload as-is; listed by its create/update times (now when absent) and returned verbatim.

        Returns the order_sn it is listed under: str(payload["order_sn"]) when present, else a new one.
        """
        with self.lock:
            return self.world.insert_raw(shop_id, payload, self.now())

    # ---- authorization --------------------------------------------------------------------

    def authorize(self, shop_id: int) -> str:
        """What the seller's consent produces: a fresh single-use code, valid 10 minutes."""
        with self.lock:
            self.world.shop(shop_id)
            return self.auth.issue_code(shop_id, self.now())

    def expire_access_tokens(self, shop_id: int) -> None:
        with self.lock:
            self.auth.expire_access_tokens(shop_id, self.now())

    # ---- faults and limits ----------------------------------------------------------------

    def set_rate_limit(self, requests_per_second: float, burst: int) -> None:
        """Per (partner, shop) token bucket on the emulator clock; resets every bucket to full."""
        with self.lock:
            self.limiter.configure(requests_per_second, burst)
