"""The Shopee harness for the conformance suite."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators.shopee import ShopeeEmulator
from tests.contract.harness import Harness


class ShopeeHarness(Harness):
    platform = "shopee"
    page_size = 100
    detail_batch = 50
    listing_page = 100   # get_item_list page_size upper limit, in items
    stock_batch = 50     # update_stock: one item, up to 50 models a call
    pushes = True
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

    def subscribe(self, url: str, transport: httpx.BaseTransport) -> None:
        self.emu.subscribe_pushes(url, transport)

    def api_calls(self) -> int:
        return len(self.emu.calls)

    def expected_calls(self, orders: int) -> int:
        pages = math.ceil(orders / self.page_size)   # get_order_list, 100 a page
        full, rest = divmod(orders, self.page_size)  # then get_order_detail, 50 at a time, per page
        return pages + full * math.ceil(self.page_size / self.detail_batch) + math.ceil(rest / self.detail_batch)

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        self.emu.set_catalogue(int(external_id), products)

    def listings_truth(self, external_id: str) -> list[dict[str, Any]]:
        return self.emu.listings(int(external_id))

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        return self.emu.place_order(int(external_id), seller_sku, quantity)

    def expected_stock_calls(self, updates_per_product: Sequence[int]) -> int:
        # update_stock carries one item (product) per call, up to 50 of its models.
        return sum(math.ceil(count / self.stock_batch) for count in updates_per_product)

    # fulfilment
    logistics = True
    returns = True
    cancels = True

    def _cart(self, external_id: str) -> list[tuple[str, int]]:
        rows = [row for row in self.emu.listings(int(external_id)) if row["active"] and row["seller_sku"]]
        first = next(row for row in rows if row["quantity"] >= 2)
        second = next(row for row in rows if row["quantity"] >= 1 and row["seller_sku"] != first["seller_sku"])
        return [(first["seller_sku"], 2), (second["seller_sku"], 1)]

    def ready_order(self, external_id: str) -> str:
        # The buyer picked the shop's non-integrated channel: the seller ships with its own carrier.
        order_sn = self.emu.place_cart(int(external_id), self._cart(external_id), own_carrier=True)
        assert order_sn is not None
        return order_sn

    def logistics_order(self, external_id: str) -> str:
        """A ready order on an integrated channel: Shopee's logistics carries it."""
        order_sn = self.emu.place_cart(int(external_id), self._cart(external_id))
        assert order_sn is not None
        return order_sn

    def shipment_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        truth = self.emu.shipment(int(external_id), order_id)
        return {"shipped": truth["order_status"] in ("SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"),
                "status": truth["order_status"], "tracking_number": truth["tracking_number"],
                "carrier": truth["shipping_carrier"]}

    def unknown_order_id(self) -> str:
        return "261101ZZZZ9999"

    def open_return(self, external_id: str, order_id: str, quantity: int = 1) -> str:
        return self.emu.open_return(int(external_id), order_id, quantity)

    def cancel_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        payload = self.emu.orders(int(external_id))[order_id]
        cancelled = payload["order_status"] == "CANCELLED"
        return {"cancelled": cancelled, "status": payload["order_status"],
                "by": payload["cancel_by"] if cancelled else "",
                "reason": payload["cancel_reason"] if cancelled else ""}


HARNESS = ShopeeHarness
