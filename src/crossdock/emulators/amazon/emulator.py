"""AmazonEmulator: the Python handle on an emulated Selling Partner API (EU endpoint) for one application.

A store is a seller's marketplace: its external id is "<selling_partner_id>:<marketplaceId>", e.g.
"A2Q8ZKX9LT3CDE:A1PA6795UKMFR9". `add_store` creates the seller on first use and adds the marketplace
participation; one consent (`authorize(seller_id)`) covers every marketplace of the seller.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators._common.handle import EmulatorHandle
from crossdock.emulators.amazon.app import ORDER_ITEMS_PAGE_SIZE, CallRecord, create_app
from crossdock.emulators.amazon.auth import AuthState
from crossdock.emulators.amazon.limits import RateLimiter
from crossdock.emulators.amazon.listings import AFN_CHANNEL
from crossdock.emulators.amazon.marketplaces import BY_ID, by_region
from crossdock.emulators.amazon.notifications import Delivery, Subscription, order_change
from crossdock.emulators.amazon.world import Change, World
from crossdock.ports.clock import Clock

DEFAULT_APPLICATION_ID = "amzn1.sp.solution.6f2a1c4e-9b7d-4e3a-8c55-0d1e2f3a4b5c"


class AmazonEmulator(EmulatorHandle[CallRecord]):
    """An in-memory SP-API for one application: LWA, Sellers, Tokens, Orders v0, Listings Items, Feeds (listings
    feeds, order acknowledgement feeds), Reports (the returns report), Merchant Fulfillment (Buy Shipping),
    ORDER_CHANGE.

    Every notion of "now" (token expiry, the two-minute rule, usage-plan refills, order times) comes from
    the injected clock, so tests move time instead of sleeping. Python calls and HTTP requests share one
    lock, so the emulator may be driven from several threads.
    """

    world: World
    auth: AuthState

    def __init__(self, client_id: str, client_secret: str, application_id: str = DEFAULT_APPLICATION_ID,
                 clock: Clock | None = None, seed: int = 0, redirect_uri: str = "") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.application_id = application_id
        self.redirect_uri = redirect_uri
        super().__init__(clock, seed)
        self.world = World(seed)
        self.auth = AuthState()
        self.limiter = RateLimiter()
        self.order_items_page_size = ORDER_ITEMS_PAGE_SIZE
        self.subscription: Subscription | None = None
        # Signs the presigned feed document URLs; a restarted emulator's old URLs stop working, as they expire anyway.
        self.url_key = secrets.token_bytes(32)
        # Where clients reach the emulator, for presigned URLs; "" means the address each request came in on.
        self.public_url = ""
        self.app: Starlette = create_app(self)

    # ---- token lifetimes --------------------------------------------------------------------------

    @property
    def authorization_ttl(self) -> timedelta:
        """How long a seller's authorization (its refresh token) lasts: 365 days on Amazon."""
        return self.auth.authorization_ttl

    @authorization_ttl.setter
    def authorization_ttl(self, value: timedelta) -> None:
        with self.lock:
            self.auth.authorization_ttl = value

    # ---- stores -----------------------------------------------------------------------------------

    @staticmethod
    def store_id(seller_id: str, region: str) -> str:
        """The external id of a seller's store in the marketplace of `region` (DE, FR, GB/UK, ...)."""
        return f"{seller_id}:{by_region(region).id}"

    @staticmethod
    def _split(external_id: str) -> tuple[str, str]:
        seller_id, sep, marketplace_id = external_id.partition(":")
        if not sep or not seller_id or marketplace_id not in BY_ID:
            raise ValueError(f"{external_id!r} is not a store id (<selling_partner_id>:<known marketplaceId>)")
        return seller_id, marketplace_id

    def add_store(self, external_id: str, region: str, name: str | None = None, account: str | None = None) -> str:
        """Add the store "<seller>:<marketplaceId>" (or, given a bare seller id, the seller's store in `region`).

        `account` is the seller's account name (or its id); `authorize` and `seller_id` accept it afterwards.
        Returns the store's external id.
        """
        mp = by_region(region)
        seller_id, _, marketplace_id = external_id.partition(":")
        if marketplace_id and marketplace_id != mp.id:
            raise ValueError(f"marketplace {marketplace_id} is not the {mp.country} marketplace {mp.id}")
        with self.lock:
            self.world.add_store(seller_id, mp, name, seller_name="" if account in (None, seller_id) else account)
        return f"{seller_id}:{mp.id}"

    def seller_id(self, key: str) -> str:
        """The selling_partner_id behind a seller id, a store id or an account name (what the redirect carries)."""
        with self.lock:
            return self.world.resolve(key)

    def set_participation(self, external_id: str, *, participating: bool = True, suspended: bool = False) -> None:
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            store = self.world.store(seller_id, marketplace_id)
            store.is_participating, store.has_suspended_listings = participating, suspended

    # ---- orders -----------------------------------------------------------------------------------

    def generate_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        """Create `count` orders purchased over [start, end], advanced to the clock's now.

        Deterministic for a given seed and sequence of calls. Steps of an order's life that fall within the
        last two minutes (Amazon's indexing lag) or later are kept and played by `tick()`.
        """
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            return self.world.generate_orders(seller_id, marketplace_id, count, start, end, self.now())

    def tick(self) -> tuple[int, int]:
        """Advance the world to the clock's now: a few new orders per store and every due change, pushed."""
        with self.lock:
            settled = self._settle()
            created, updated, changes = self.world.tick(self.now())
        self._notify(settled + changes)
        return created, updated

    def _settle(self) -> list[Change]:
        """Under the lock: finish the feeds that are due; the order changes feeds made since the last push (a feed
        processed while serving a request waits for this, as the request holds the lock)."""
        self.world.settle_feeds(self.now())
        return self.world.take_outbox()

    def orders(self, external_id: str) -> dict[str, dict[str, Any]]:
        """The truth: AmazonOrderId -> the Order as an RDT for buyerInfo and shippingAddress shows it, plus
        "OrderItems", the getOrderItems list."""
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            settled = self._settle()
            seller = self.world.seller(seller_id)
            orders = {o.amazon_order_id: o.merged() for o in seller.orders_in(marketplace_id)}
        self._notify(settled)
        return orders

    def cancellation(self, external_id: str, order_id: str) -> dict[str, Any] | None:
        """The truth Orders v0 does not show: the seller's cancellation of an order (by the acknowledgement feed
        message that asked for it) as {"by", "reason", "reasons" (OrderItemId -> CancelReason), "feedId",
        "messageId", "at"}; None when the seller did not cancel it."""
        seller_id, _ = self._split(external_id)
        with self.lock:
            settled = self._settle()
            order = self.world.find(seller_id, order_id)
            record = getattr(order, "seller_cancellation", None)
        self._notify(settled)
        if record is None:
            return None
        return {"by": record.by, "reason": record.reason, "reasons": dict(record.reasons), "feedId": record.feed_id,
                "messageId": record.message_id, "at": record.at}

    def set_order_status(self, external_id: str, order_id: str, status: str) -> None:
        with self.lock:
            seller_id = self.world.resolve(external_id)
            now = self.now()
            self.world.set_status(seller_id, order_id, status, now)
        self._notify([Change(seller_id, order_id, "OrderStatusChange", now)])

    def insert_raw_order(self, external_id: str, payload: dict[str, Any]) -> str:
        """Store a payload (an Order object plus "OrderItems") as-is; listed by its PurchaseDate and
        LastUpdateDate (now when absent or unreadable). Returns its AmazonOrderId (a new one when absent)."""
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            return self.world.insert_raw(seller_id, marketplace_id, payload, self.now())

    # ---- listings ---------------------------------------------------------------------------------

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        """Replace the store's listings: one per variant, identified by its seller SKU, with its own (child) ASIN,
        the variant's price in the marketplace's currency and its quantity as seller-fulfilled stock."""
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            self.world.set_catalogue(seller_id, marketplace_id, products, self.now())

    def listings(self, external_id: str) -> list[dict[str, Any]]:
        """The truth: one dict per listing, with item_id and variant_id as the connector reports them (the seller
        SKU, ""), seller_sku, asin, title, quantity, active, price (Decimal or None), channel, buyable."""
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            settled = self._settle()
            listings = [listing.truth() for listing in self.world.store(seller_id, marketplace_id).listings.values()]
        self._notify(settled)
        return listings

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        """A buyer buys now: an Unshipped order of `quantity` units (ORDER_CHANGE sent when subscribed), or None
        when the listing is not buyable or has fewer units."""
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            now = self.now()
            settled = self._settle()
            order_id = self.world.place_order(seller_id, marketplace_id, seller_sku, quantity, now)
        placed = [Change(seller_id, order_id, "OrderStatusChange", now)] if order_id is not None else []
        self._notify(settled + placed)
        return order_id

    def place_order_lines(self, external_id: str, lines: Sequence[tuple[str, int]]) -> str | None:
        """A buyer buys several listings in one Unshipped order (ORDER_CHANGE sent when subscribed); None when one
        of them is not buyable in that quantity."""
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            now = self.now()
            settled = self._settle()
            order_id = self.world.place_order_lines(seller_id, marketplace_id, lines, now)
        placed = [Change(seller_id, order_id, "OrderStatusChange", now)] if order_id is not None else []
        self._notify(settled + placed)
        return order_id

    def shipments(self, external_id: str, order_id: str) -> list[dict[str, Any]]:
        """The truth: the packages the seller confirmed for the order (confirmShipment), oldest first."""
        seller_id, _ = self._split(external_id)
        with self.lock:
            order = self.world.find(seller_id, order_id)
            packages = getattr(order, "packages", {})
            return [{"packageReferenceId": ref, "carrierCode": p.carrier_code, "carrierName": p.carrier_name,
                     "shippingMethod": p.shipping_method, "trackingNumber": p.tracking_number,
                     "shipDate": p.ship_date, "orderItems": dict(p.items)}
                    for ref, p in sorted(packages.items(), key=lambda pair: pair[1].confirmed_at)]

    # ---- returns ----------------------------------------------------------------------------------

    def open_return(self, external_id: str, order_id: str, quantity: int = 1, sku: str | None = None,
                    reason: str = "CR-UNWANTED_ITEM", in_policy: bool = True) -> str:
        """The buyer of a shipped seller-fulfilled order asks to return `quantity` units of `sku` (default: the
        order's first item). In policy, Amazon authorizes it at once ("Approved", with a prepaid label); outside,
        it waits for the seller ("Pending"). Returns the Amazon RMA id."""
        seller_id, _ = self._split(external_id)
        with self.lock:
            return self.world.open_return(seller_id, order_id, sku, quantity, reason, in_policy, self.now())

    def update_return(self, external_id: str, rma_id: str, *, status: str | None = None, delivered: bool = False,
                      refund: Decimal | None = None) -> None:
        """Move a return along: a new return-request-status, the parcel delivered back, the buyer refunded."""
        seller_id, _ = self._split(external_id)
        with self.lock:
            self.world.update_return(seller_id, rma_id, self.now(), status=status, delivered=delivered, refund=refund)

    def returns(self, external_id: str) -> dict[str, list[dict[str, str]]]:
        """The truth: Amazon RMA id -> the returns report's rows for it, as a report made now would list them."""
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            cases = self.world.seller(seller_id).returns.values()
            return {c.rma_id: c.rows() for c in cases if c.marketplace_id == marketplace_id}

    @property
    def report_compression(self) -> str:
        """"GZIP" to keep report documents compressed (getReportDocument says compressionAlgorithm), "" not to."""
        return self.world.reports.compression

    @report_compression.setter
    def report_compression(self, value: str) -> None:
        if value not in ("", "GZIP"):
            raise ValueError("compressionAlgorithm is GZIP or none")
        with self.lock:
            self.world.reports.compression = value

    def mfn_shipments(self, external_id: str, order_id: str) -> list[dict[str, Any]]:
        """The truth: the Buy Shipping labels bought for an order (getShipment's Shipment), oldest first."""
        seller_id, _ = self._split(external_id)
        with self.lock:
            now = self.now()
            found = [s for s in self.world.mfn_shipments.values()
                     if s.seller_id == seller_id and s.order_id == order_id]
            return [s.payload(now) for s in sorted(found, key=lambda s: s.created)]

    def fulfil_by_amazon(self, external_id: str, seller_sku: str, quantity: int) -> None:
        """Move a listing to FBA: Amazon's network holds `quantity` units and counts them from now on."""
        seller_id, marketplace_id = self._split(external_id)
        with self.lock:
            listing = self.world.store(seller_id, marketplace_id).listings[seller_sku]
            listing.channel, listing.quantity = AFN_CHANNEL, quantity
            listing.updated = max(self.now(), listing.updated)

    # ---- authorization ----------------------------------------------------------------------------

    def authorize(self, external_id: str) -> str:
        """What the consent redirect carries as spapi_oauth_code, for a seller (its id, a store id or its
        account name)."""
        with self.lock:
            return self.auth.issue_code(self.world.resolve(external_id), self.now())

    def expire_access_tokens(self, external_id: str) -> None:
        """Every access token and RDT of the seller expires now (the refresh token still works)."""
        with self.lock:
            self.auth.expire_access_tokens(self.world.resolve(external_id), self.now())

    def revoke(self, external_id: str) -> None:
        """The seller removes the app: its refresh tokens stop working."""
        with self.lock:
            self.auth.revoke(self.world.resolve(external_id))

    # ---- faults and limits ------------------------------------------------------------------------

    def set_rate_limit(self, per_second: float, burst: int, operation: str | None = None) -> None:
        """Usage plan of one operation, or of all when `operation` is None (defaults: the documented plans)."""
        with self.lock:
            self.limiter.configure(per_second, burst, operation)

    # ---- notifications ----------------------------------------------------------------------------

    def subscribe_pushes(self, url: str, transport: httpx.BaseTransport | None = None) -> None:
        """Subscribe the application to ORDER_CHANGE with `url` as destination (the stand-in for an SQS queue):
        from now on every order change is posted there as the notification JSON."""
        with self.lock:
            if self.subscription is not None:
                self.subscription.close()
            self.subscription = Subscription(url, transport)

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.subscription.sent) if self.subscription else []

    def _notify(self, changes: list[Change]) -> None:
        # Delivered outside the lock: the receiver may call back into the emulator to read the order.
        subscription = self.subscription
        if subscription is None:
            return
        for change in changes:
            with self.lock:
                order = self.world.sellers[change.seller_id].orders.get(change.amazon_order_id)
                if order is None:
                    continue
                document = order_change(application_id=self.application_id,
                                        subscription_id=subscription.subscription_id, seller_id=change.seller_id,
                                        merged=order.merged(), change_type=change.change_type,
                                        changed_at=change.at, now=self.now())
            subscription.deliver(document)
