"""The TikTok Shop harness for the conformance suite: one seller account whose shops are found, not added."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.tiktok import TikTokEmulator
from tests.contract.harness import Harness

# Statuses from which an order can still move on to IN_TRANSIT in our machine.
_OPEN = ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "PARTIALLY_SHIPPING")
# Statuses of an order whose goods left the seller (with its own carrier or TikTok's).
_SHIPPED = ("AWAITING_COLLECTION", "PARTIALLY_SHIPPING", "IN_TRANSIT", "DELIVERED", "COMPLETED")
_READY_CATALOGUE = (
    ProductSpec("Desk Lamp", (VariantSpec("FUL-LAMP", "", Decimal("24.90"), 50),)),
    ProductSpec("Phone Case", (VariantSpec("FUL-CASE-BLK", "Black", Decimal("9.90"), 50),)),
)


class TikTokHarness(Harness):
    platform = "tiktok"
    page_size = 100      # Get Order List page_size at most 100
    detail_batch = 50    # Get Order Detail ids at most 50
    listing_page = 100   # Search Products page_size at most 100 (products, each with its SKUs)
    stock_needs_active = True   # Update Inventory: "The SKU ID must belong to a product with the ACTIVATE status"
    stock_per_call = 100  # Update Inventory: the SKUs of one product, at most 100
    pushes = True
    # A US shop whose warehouse delivery setting is seller shipping: the seller uploads its own tracking numbers
    # (Ship Package / Mark Package As Shipped) or buys a TikTok Shipping label (Create Packages, US only).
    logistics = True
    returns = True
    cancels = True      # Cancel Order (Return and Refund API 202309)
    APP_KEY = "6d2f0kq8vb3na"
    APP_SECRET = "tts-secret-test-6f1c0e9a2b7d4c3e8a5f"
    SELLER = "crossdock-seller"

    def make_transport(self) -> httpx.BaseTransport:
        self.emu = TikTokEmulator(self.APP_KEY, self.APP_SECRET, clock=self.clock, seed=7)
        self.emu.set_rate_limit(1000, 1000)   # tests that want throttling lower it themselves
        # The real refresh-token lifetime is undocumented; the suite's dead-refresh test needs it dead
        # after 31 days, so this seller's refresh tokens live 30.
        self.emu.refresh_token_ttl = timedelta(days=30)
        return self.emu.transport()

    def connector_settings(self) -> dict[str, Any]:
        # Both hosts reach the one emulator through the transport; the auth URL must not contain "test"
        # (the wrong-secret test reverses the first such setting, which must be app_secret).
        return {"base_url": "https://open-api.tiktokglobalshop.test", "app_key": self.APP_KEY,
                "app_secret": self.APP_SECRET, "auth_base_url": "https://auth.tiktok-shops.local"}

    def connect_store(self, region: str = "SG") -> tuple[int, str]:
        # TikTok authorizes the seller, not the shop: consent once, then the shop is discovered.
        external_id = str(next(self._ids))
        self.create_shop(external_id, region)
        stores = self.app.stores.connect_account(self.platform, self.consent_code(external_id), account=self.SELLER)
        store = next(s for s in stores if s.external_id == external_id)
        return store.id, external_id

    def create_shop(self, external_id: str, region: str) -> None:
        self.emu.add_store(external_id, region, account=self.SELLER)

    def consent_code(self, external_id: str) -> str:
        return self.emu.authorize(self.emu.account_of(external_id))

    def seed_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        ids = self.emu.generate_orders(external_id, count, start, end)
        # Orders still open first: tests that move "the first order" to IN_TRANSIT need one that can move.
        truth = self.emu.orders(external_id)
        return sorted(ids, key=lambda i: truth[i]["status"] not in _OPEN)

    def truth(self, external_id: str) -> dict[str, dict[str, Any]]:
        return self.emu.orders(external_id)

    def truth_total(self, payload: dict[str, Any]) -> Decimal:
        return Decimal(payload["payment"]["total_amount"])

    def truth_status(self, payload: dict[str, Any]) -> str:
        return str(payload["status"])

    def set_status(self, external_id: str, order_id: str, platform_status: str) -> None:
        self.emu.set_order_status(external_id, order_id, platform_status)

    def region(self) -> str:
        # The markets where sellers both ship with their own carrier and buy TikTok Shipping labels through the API.
        return "US"

    def shipped_status(self) -> str:
        return "IN_TRANSIT"

    def put_raw(self, external_id: str, payload: dict[str, Any]) -> None:
        self.emu.insert_raw_order(external_id, payload)

    def malformed(self, external_id: str, base: dict[str, Any]) -> dict[str, Any]:
        return dict(base, id="576999000000BADBAD", status="TELEPORTED", update_time=int(self.clock.now().timestamp()))

    def older_copy(self, payload: dict[str, Any], status: str, seconds_earlier: int) -> dict[str, Any]:
        return dict(payload, status=status, update_time=int(payload["update_time"]) - seconds_earlier)

    def expire_access(self, external_id: str) -> None:
        self.emu.expire_access_tokens(self.emu.account_of(external_id))

    def fail_next(self, n: int, status: int) -> None:
        self.emu.fail_next(n, status)

    def rate_limit(self, per_second: float, burst: int) -> None:
        self.emu.set_rate_limit(per_second, burst)

    def api_calls(self) -> int:
        return len(self.emu.calls)

    def expected_calls(self, orders: int) -> int:
        # Get Authorized Shops once per pull (for the shop_cipher), then Get Order List pages of 100 that
        # carry whole orders: no detail calls. An empty window still costs one list call.
        return 1 + max(1, math.ceil(orders / self.page_size))

    def subscribe(self, url: str, transport: httpx.BaseTransport) -> None:
        self.emu.subscribe_pushes(url, transport)

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        self.emu.set_catalogue(external_id, products)

    def listings_truth(self, external_id: str) -> list[dict[str, Any]]:
        return self.emu.listings(external_id)

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        return self.emu.place_order(external_id, seller_sku, quantity)

    def expected_stock_calls(self, updates_per_product: Sequence[int]) -> int:
        # A sink asks Get Authorized Shops once (the shop_cipher) and Get Warehouse List once (the default
        # warehouse), then one Update Inventory per product and per 100 of its SKUs. Its token is fresh: no
        # refresh call.
        return 2 + sum(math.ceil(n / self.stock_per_call) for n in updates_per_product if n)

    # --- fulfilment ---------------------------------------------------------------------------------

    def ready_order(self, external_id: str) -> str:
        # Placed in a shop set to seller shipping: two units of the lamp, one case, one package.
        self.emu.set_shipping_type(external_id, "SELLER")
        self.emu.set_catalogue(external_id, _READY_CATALOGUE)
        order_id = self.emu.place_order_lines(external_id, [("FUL-LAMP", 2), ("FUL-CASE-BLK", 1)])
        assert order_id is not None
        return order_id

    def shipment_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        order = self.emu.orders(external_id)[order_id]
        return {"shipped": order["status"] in _SHIPPED, "status": order["status"],
                "tracking_number": order.get("tracking_number", ""), "carrier": order.get("shipping_provider", "")}

    def unknown_order_id(self) -> str:
        return "576999999999999999"

    def open_return(self, external_id: str, order_id: str, quantity: int = 1) -> str:
        return self.emu.open_return(external_id, order_id, quantity)

    def cancel_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        order = self.emu.orders(external_id)[order_id]
        cancelled = order["status"] == "CANCELLED"
        return {"cancelled": cancelled, "status": order["status"],
                "by": order.get("cancellation_initiator", "") if cancelled else "",
                "reason": order.get("cancel_reason", "") if cancelled else ""}


HARNESS = TikTokHarness

