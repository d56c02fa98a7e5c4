"""The Amazon harness for the conformance suite: one seller account per connected store, EU marketplaces."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from crossdock.connectors.amazon.adapter import FEED_THRESHOLD
from crossdock.connectors.amazon.feeds import FEED_POLL_SECONDS
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.emulators.amazon.feeds import PER_MESSAGE, PROCESSING_TIME, QUEUE_TIME
from crossdock.emulators.amazon.world import INDEX_LAG, iso, parse_iso
from tests.contract.harness import Harness

# The suite names Shopee statuses in a few moves; these are the Amazon words for them.
_STATUS_WORDS = {"CANCELLED": "Canceled", "SHIPPED": "Shipped", "READY_TO_SHIP": "Unshipped", "UNPAID": "Pending"}
# Open orders first, so a test that moves "the first seeded order" along picks one that can move.
_OPEN_FIRST = {"Unshipped": 0, "PartiallyShipped": 1, "Pending": 2, "PendingAvailability": 3}
_READY_CATALOGUE = (
    ProductSpec("Desk Lamp", (VariantSpec("FUL-LAMP", "", Decimal("24.90"), 50),)),
    ProductSpec("Phone Case", (VariantSpec("FUL-CASE-BLK", "Black", Decimal("9.90"), 50),)),
)


class AmazonHarness(Harness):
    platform = "amazon"
    page_size = 100          # getOrders MaxResultsPerPage
    detail_batch = 1         # getOrderItems: one order per call
    pushes = True
    pushes_signed = False    # ORDER_CHANGE comes through SQS unsigned: a push is only a hint to re-read
    listing_page = 20        # searchListingsItems pageSize maximum (one SKU per listing)
    CLIENT_ID = "amzn1.application-oa2-client.5d8e0c1a9f2b4c6d8e0f1a2b3c4d5e6f"
    CLIENT_SECRET = "amzn1.oa2-cs.v1.test0123456789abcdef0123456789abcdef0123456789abcdef"
    APPLICATION_ID = "amzn1.sp.solution.0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"

    def make_transport(self) -> httpx.BaseTransport:
        self.emu = AmazonEmulator(self.CLIENT_ID, self.CLIENT_SECRET, self.APPLICATION_ID, clock=self.clock, seed=7)
        self.emu.set_rate_limit(1000, 1000)   # tests that want throttling lower it themselves
        # Amazon authorizations last 365 days; the suite's dead-token test waits 31 days for both tokens to die.
        self.emu.authorization_ttl = timedelta(days=30)
        return self.emu.transport()

    def connector_settings(self) -> dict[str, Any]:
        return {"base_url": "https://sellingpartnerapi-eu.amazon.test", "client_id": self.CLIENT_ID,
                "client_secret": self.CLIENT_SECRET, "application_id": self.APPLICATION_ID,
                "ship_from": {"name": "Crossdock Lager", "address_line1": "Am Hafen 12", "city": "Hamburg",
                              "postal_code": "20457", "country_code": "DE", "email": "lager@crossdock.test",
                              "phone": "+49 40 1234567"}}

    def region(self) -> str:
        return "DE"

    # --- stores: the account is the seller, a store is one of its marketplaces ---------------------

    def connect_store(self, region: str = "DE") -> tuple[int, str]:
        seller_id = self._seller_id()
        external_id = AmazonEmulator.store_id(seller_id, region)
        self.create_shop(external_id, region)
        stores = self.app.stores.connect_account(self.platform, self.emu.authorize(seller_id),
                                                 account=f"Amazon {seller_id}", external_id=seller_id)
        store = next(s for s in stores if s.external_id == external_id)
        return store.id, external_id

    def _seller_id(self) -> str:
        digest = hashlib.sha256(str(next(self._ids)).encode()).hexdigest().upper()
        return "A" + "".join(c for c in digest if c.isalnum())[:13]

    def create_shop(self, external_id: str, region: str) -> None:
        self.emu.add_store(external_id, region)

    def consent_code(self, external_id: str) -> str:
        return self.emu.authorize(external_id)

    # --- orders ------------------------------------------------------------------------------------

    def seed_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        ids = self.emu.generate_orders(external_id, count, start, end)
        truth = self.emu.orders(external_id)
        return sorted(ids, key=lambda i: _OPEN_FIRST.get(str(truth[i]["OrderStatus"]), 9))

    def truth(self, external_id: str) -> dict[str, dict[str, Any]]:
        return self.emu.orders(external_id)

    def truth_total(self, payload: dict[str, Any]) -> Decimal:
        return Decimal(str(payload["OrderTotal"]["Amount"]))

    def truth_status(self, payload: dict[str, Any]) -> str:
        return str(payload["OrderStatus"])

    def set_status(self, external_id: str, order_id: str, platform_status: str) -> None:
        self.emu.set_order_status(external_id, order_id, _STATUS_WORDS.get(platform_status, platform_status))
        # getOrders shows a change only once LastUpdatedBefore may cover it (two minutes later).
        self.clock.advance(INDEX_LAG)

    def shipped_status(self) -> str:
        return "Shipped"

    def put_raw(self, external_id: str, payload: dict[str, Any]) -> None:
        self.emu.insert_raw_order(external_id, payload)

    def malformed(self, external_id: str, base: dict[str, Any]) -> dict[str, Any]:
        # Updated before the two-minute horizon, so the very next pull lists it.
        updated = self.clock.now() - timedelta(minutes=5)
        return dict(base, AmazonOrderId="999-0000000-0000001", OrderStatus="TELEPORTED", LastUpdateDate=iso(updated))

    def older_copy(self, payload: dict[str, Any], status: str, seconds_earlier: int) -> dict[str, Any]:
        updated = parse_iso(payload["LastUpdateDate"])
        assert updated is not None
        return dict(payload, OrderStatus=_STATUS_WORDS.get(status, status),
                    LastUpdateDate=iso(updated - timedelta(seconds=seconds_earlier)))

    # --- faults ------------------------------------------------------------------------------------

    def expire_access(self, external_id: str) -> None:
        self.emu.expire_access_tokens(external_id)

    def fail_next(self, n: int, status: int) -> None:
        self.emu.fail_next(n, status)

    def rate_limit(self, per_second: float, burst: int) -> None:
        self.emu.set_rate_limit(per_second, burst)

    def subscribe(self, url: str, transport: httpx.BaseTransport) -> None:
        self.emu.subscribe_pushes(url, transport)

    def api_calls(self) -> int:
        return len(self.emu.calls)

    def expected_calls(self, orders: int) -> int:
        # One LWA refresh (a pull starts with a fresh access token), one createRestrictedDataToken (getOrders
        # with buyer and address inline), getOrders pages of 100 (one even when empty), one getOrderItems
        # per order (an order's items fit one page).
        return 1 + 1 + max(1, math.ceil(orders / self.page_size)) + orders

    # --- listings and stock ------------------------------------------------------------------------

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        self.emu.set_catalogue(external_id, products)

    def listings_truth(self, external_id: str) -> list[dict[str, Any]]:
        return self.emu.listings(external_id)

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        return self.emu.place_order(external_id, seller_sku, quantity)

    def expected_stock_calls(self, updates_per_product: Sequence[int]) -> int:
        # One searchListingsItems per 20 SKUs checks that Amazon lists them and ships none itself; then one
        # patchListingsItem per SKU (a listing is one SKU, variants included), or past the threshold one
        # JSON_LISTINGS_FEED: createFeedDocument, the upload, createFeed, getFeed every poll until the emulator
        # has processed it, getFeedDocument and the download. The sink starts with the stored access token, still
        # valid here: no LWA call.
        updates = sum(updates_per_product)
        checks = math.ceil(updates / 20)
        if updates <= FEED_THRESHOLD:
            return checks + updates
        processing = (QUEUE_TIME + PROCESSING_TIME + updates * PER_MESSAGE).total_seconds()
        return checks + 3 + math.ceil(processing / FEED_POLL_SECONDS) + 2

    # --- fulfilment: seller-fulfilled orders confirmed with confirmShipment or by buying the label (Buy Shipping);
    # returns from the returns report; cancellations by the order acknowledgement feed -----------------------

    logistics = True
    returns = True
    cancels = True

    def ready_order(self, external_id: str) -> str:
        self.emu.set_catalogue(external_id, _READY_CATALOGUE)
        order_id = self.emu.place_order_lines(external_id, [("FUL-LAMP", 2), ("FUL-CASE-BLK", 1)])
        assert order_id is not None
        return order_id

    def shipment_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        status = str(self.emu.orders(external_id)[order_id]["OrderStatus"])
        packages = self.emu.shipments(external_id, order_id)
        last = packages[-1] if packages else {}
        carrier = last.get("carrierName") or last.get("carrierCode", "")
        return {"shipped": status in ("Shipped", "PartiallyShipped"), "status": status,
                "tracking_number": last.get("trackingNumber", ""), "carrier": carrier}

    def unknown_order_id(self) -> str:
        return "999-9999999-9999999"

    def open_return(self, external_id: str, order_id: str, quantity: int = 1) -> str:
        # In policy (the buyer no longer wants it): Amazon authorizes it at once and issues the prepaid label.
        return self.emu.open_return(external_id, order_id, quantity)

    def cancel_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        # Orders v0 shows only that the order is Canceled; who cancelled it and why come from the emulator's record
        # of the acknowledgement feed message that did it.
        status = str(self.emu.orders(external_id)[order_id]["OrderStatus"])
        record = self.emu.cancellation(external_id, order_id) if status == "Canceled" else None
        return {"cancelled": status == "Canceled", "status": status, "by": record["by"] if record else "",
                "reason": record["reason"] if record else ""}


HARNESS = AmazonHarness
