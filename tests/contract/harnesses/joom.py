"""The Joom harness for the conformance suite: one merchant account owning every store it connects."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from crossdock.bootstrap import App
from crossdock.domain.time import require_utc
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.joom import JoomEmulator
from crossdock.emulators.joom.catalogue import MAX_VARIANTS_PER_PRODUCT
from crossdock.emulators.joom.products_api import PRODUCTS_MAX_LIMIT
from crossdock.emulators.joom.world import parse_rfc3339, rfc3339
from tests.contract.harness import Harness

# The suite names a few states in Shopee's words; these are Joom's for the same thing.
_SUITE_STATUS = {"CANCELLED": "cancelled", "SHIPPED": "shipped", "READY_TO_SHIP": "approved",
                 "PROCESSED": "fulfilledOnline", "COMPLETED": "returnDeclined"}
_READY_CATALOGUE = (ProductSpec("Desk Lamp", (VariantSpec("FUL-LAMP", "", Decimal("24.90"), 50),)),)


class JoomHarness(Harness):
    platform = "joom"
    # The suite needs several pages from its 250-order pulls (a crash "on page 2"), so the connector runs
    # here with orders/multi's default page of 100; production uses the largest page, 500.
    page_size = 100
    detail_batch = 1         # GET /orders?id= returns one order; listed pages already carry whole orders
    pushes = False           # Joom has no webhooks
    logistics = True         # Joom Logistics: fulfillOnline and its shipping label
    returns = True           # read from the orders in a return state: Joom has no returns endpoint
    cancels = True           # /orders/cancel
    CLIENT_ID = "5f0c1d2e3a4b5c6d7e8f9a0b"
    CLIENT_SECRET = "joom-test-secret-0123456789abcdef0123456789abcdef"
    ACCOUNT = "crossdock-merchant"

    def make_transport(self) -> httpx.BaseTransport:
        self.emu = JoomEmulator(self.CLIENT_ID, self.CLIENT_SECRET, clock=self.clock, seed=7)
        self.emu.set_rate_limit(1000, 1000)   # tests that want throttling lower it themselves
        return self.emu.transport()

    def connector_settings(self) -> dict[str, Any]:
        return {"base_url": "https://api-merchant.joom.test", "client_id": self.CLIENT_ID,
                "client_secret": self.CLIENT_SECRET, "page_size": self.page_size}

    def make_app(self, connector_settings: dict[str, Any]) -> App:
        if hasattr(self, "emu") and connector_settings != self.connector_settings():
            # Joom checks the app's client secret only when tokens are exchanged or refreshed, never on a
            # bearer call: a wrong secret shows once the access token must be renewed, so make it so.
            self.emu.expire_access_tokens(self.ACCOUNT)
        return super().make_app(connector_settings)

    # ---- stores under one merchant account -----------------------------------------------------

    def connect_store(self, region: str = "EU") -> tuple[int, str]:
        external_id = str(next(self._ids))
        self.create_shop(external_id, region)
        stores = self.app.stores.connect_account(self.platform, self.emu.authorize(self.ACCOUNT),
                                                 account=self.ACCOUNT,
                                                 external_id=self.emu.merchant_user_id(self.ACCOUNT))
        store = next(s for s in stores if s.external_id == external_id)
        return store.id, external_id

    def region(self) -> str:
        return "EU"

    def currency(self, region: str) -> str:
        return "EUR" if region in {"EU", "DE", "FR", "IT", "ES", "NL", "AT", "BE", "PT"} else super().currency(region)

    def create_shop(self, external_id: str, region: str) -> None:
        self.emu.add_store(external_id, region, account=self.ACCOUNT)

    def consent_code(self, external_id: str) -> str:
        return self.emu.authorize(self.ACCOUNT)

    # ---- orders ----------------------------------------------------------------------------------

    def seed_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        ids = self.emu.generate_orders(external_id, count, start, end)
        # The suite moves "ids[:1]" to shipped when it finds no order in Shopee's waiting states: offer
        # orders still waiting for fulfilment (Joom's "approved") first, then the rest oldest first.
        truth = self.emu.orders(external_id)
        return sorted(ids, key=lambda i: truth[i]["status"] != "approved")

    def truth(self, external_id: str) -> dict[str, dict[str, Any]]:
        return self.emu.orders(external_id)

    def truth_total(self, payload: dict[str, Any]) -> Decimal:
        return Decimal(payload["priceInfo"]["orderPrice"])

    def truth_status(self, payload: dict[str, Any]) -> str:
        return str(payload["status"])

    def set_status(self, external_id: str, order_id: str, platform_status: str) -> None:
        self.emu.set_order_status(external_id, order_id, _SUITE_STATUS.get(platform_status, platform_status))

    def shipped_status(self) -> str:
        return "shipped"

    def put_raw(self, external_id: str, payload: dict[str, Any]) -> None:
        self.emu.insert_raw_order(external_id, payload)

    def malformed(self, external_id: str, base: dict[str, Any]) -> dict[str, Any]:
        return dict(base, id="TLPRT0ZZ", status="TELEPORTED",
                    updateTimestamp=rfc3339(int(require_utc(self.clock.now()).timestamp())))

    def older_copy(self, payload: dict[str, Any], status: str, seconds_earlier: int) -> dict[str, Any]:
        updated = parse_rfc3339(payload["updateTimestamp"])
        assert updated is not None
        return dict(payload, status=_SUITE_STATUS.get(status, status),
                    updateTimestamp=rfc3339(updated - seconds_earlier))

    # ---- faults ------------------------------------------------------------------------------------

    def expire_access(self, external_id: str) -> None:
        self.emu.expire_access_tokens(self.ACCOUNT)

    def fail_next(self, n: int, status: int) -> None:
        self.emu.fail_next(n, status)

    def rate_limit(self, per_second: float, burst: int) -> None:
        self.emu.set_rate_limit(per_second, burst)

    def api_calls(self) -> int:
        return len(self.emu.calls)

    def expected_calls(self, orders: int) -> int:
        # orders/multi returns whole orders: one call a page and no detail calls. Even no orders take
        # the one call that says so. (With the production page of 500: max(1, ceil(n / 500)).)
        return max(1, math.ceil(orders / self.page_size))

    # ---- listings and stock ------------------------------------------------------------------------

    # products/multi: "Maximum limit is 500 items per request", counted in products.
    listing_page = PRODUCTS_MAX_LIMIT

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        self.emu.set_catalogue(external_id, products)

    def listings_truth(self, external_id: str) -> list[dict[str, Any]]:
        return self.emu.listings(external_id)

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        return self.emu.place_order(external_id, seller_sku, quantity)

    def expected_stock_calls(self, updates_per_product: Sequence[int]) -> int:
        # products/update changes one product a call, up to its whole list of variants.
        return sum(math.ceil(n / MAX_VARIANTS_PER_PRODUCT) for n in updates_per_product)

    # ---- fulfilment --------------------------------------------------------------------------------

    def ready_order(self, external_id: str) -> str:
        # A Joom order is one variant line: it cannot hold two lines as the suite's docstring asks. One unit, so
        # that the suite's one-unit return is the whole order, as Joom returns orders.
        self.emu.set_catalogue(external_id, _READY_CATALOGUE)
        order_id = self.emu.place_order(external_id, "FUL-LAMP", 1)
        assert order_id is not None
        return order_id

    def shipment_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        order = self.emu.orders(external_id)[order_id]
        shipment = order.get("shipment") or {}
        return {"shipped": order["status"] in ("fulfilledOnline", "shipped"), "status": order["status"],
                "tracking_number": shipment.get("trackingNumber", ""), "carrier": shipment.get("provider", "")}

    def unknown_order_id(self) -> str:
        return "ZZZZ9999"

    def open_return(self, external_id: str, order_id: str, quantity: int = 1) -> str:
        order = self.emu.orders(external_id)[order_id]
        assert quantity == order["quantity"], "Joom returns whole orders"
        return self.emu.open_return(external_id, order_id)

    def cancel_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        order = self.emu.orders(external_id)[order_id]
        cancelled = order["status"] == "cancelled"
        refund = order.get("refund") or {}
        return {"cancelled": cancelled, "status": order["status"], "by": refund.get("by", "") if cancelled else "",
                "reason": refund.get("reason", "") if cancelled else ""}


HARNESS = JoomHarness
