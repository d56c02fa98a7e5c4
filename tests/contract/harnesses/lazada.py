"""The Lazada harness for the conformance suite: one seller per store, the Singapore venture by default."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators.lazada import LazadaEmulator
from tests.contract.harness import Harness

# A test oracle for the order status Crossdock should keep, written apart from the connector's mapping: items
# closed without fulfilment drop out unless all are; then the least advanced remaining item decides.
_CLOSED = ("canceled", "failed", "lost", "lost_by_3pl", "damaged_by_3pl")
_ROAD = ("unpaid", "pending", "repacked", "topack", "packed", "toship", "ready_to_ship", "ready_to_ship_pending",
         "shipping", "shipped", "failed_delivery", "delivered")
_OPEN = frozenset({"unpaid", "pending", "packed", "ready_to_ship"})
# The suite speaks Shopee's words in two places; Lazada's item statuses for them.
_STATUS_WORDS = {"CANCELLED": "canceled", "SHIPPED": "shipped", "READY_TO_SHIP": "ready_to_ship"}


def _items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in payload.get("order_items") or [] if isinstance(i, dict)]


class LazadaHarness(Harness):
    platform = "lazada"
    page_size = 100          # GetOrders limit
    detail_batch = 50        # GetMultipleOrderItems order_ids
    pushes = True
    listing_page = 50        # GetProducts limit, counted in products
    stock_batch = 50         # UpdateSellableQuantity SKUs per call
    APP_KEY = "112233"
    APP_SECRET = "lzd-test-0123456789abcdef0123456789abcdef"

    def make_transport(self) -> httpx.BaseTransport:
        self.emu = LazadaEmulator(self.APP_KEY, self.APP_SECRET, clock=self.clock, seed=7)
        self.emu.set_rate_limit(1000, 1000)   # tests that want throttling lower it themselves
        return self.emu.transport()

    def connector_settings(self) -> dict[str, Any]:
        # The real hosts: the in-process transport hands every request to the emulator, which tells the
        # ventures apart by Host as Lazada does.
        return {"app_key": self.APP_KEY, "app_secret": self.APP_SECRET}

    def create_shop(self, external_id: str, region: str) -> None:
        self.emu.add_store(external_id, region)
        # Delivered by Seller is opened to the store, so its seller-delivered orders can take a carrier's number.
        self.emu.enable_dbs(external_id)

    def consent_code(self, external_id: str) -> str:
        return self.emu.authorize(external_id)

    def seed_orders(self, external_id: str, count: int, start: datetime, end: datetime) -> list[str]:
        ids = self.emu.generate_orders(external_id, count, start, end)
        # The suite falls back to the first id when it finds no order in Shopee's READY_TO_SHIP / PROCESSED, and
        # ships it: list the orders still waiting to be shipped first, so that order can be shipped.
        truth = self.emu.orders(external_id)
        return sorted(ids, key=lambda oid: self.truth_status(truth[oid]) not in _OPEN)

    def truth(self, external_id: str) -> dict[str, dict[str, Any]]:
        return self.emu.orders(external_id)

    def truth_total(self, payload: dict[str, Any]) -> Decimal:
        # "buyer paid price = price - voucher + shipping_fee"
        return Decimal(payload["price"]) - Decimal(payload["voucher"]) + Decimal(payload["shipping_fee"])

    def truth_status(self, payload: dict[str, Any]) -> str:
        statuses = [str(i["status"]) for i in _items(payload)]
        live = [s for s in statuses if s not in _CLOSED] or statuses
        returning = [s for s in live if s in ("shipped_back", "shipped_back_failed")]
        if returning:
            return returning[0]
        on_road = [s for s in live if s in _ROAD]
        return min(on_road, key=_ROAD.index) if on_road else live[0]

    def set_status(self, external_id: str, order_id: str, platform_status: str) -> None:
        self.emu.set_order_status(external_id, order_id, _STATUS_WORDS.get(platform_status, platform_status))

    def shipped_status(self) -> str:
        return "shipped"

    def put_raw(self, external_id: str, payload: dict[str, Any]) -> None:
        self.emu.insert_raw_order(external_id, payload)

    def malformed(self, external_id: str, base: dict[str, Any]) -> dict[str, Any]:
        bad = copy.deepcopy(base)
        bad.update(order_id="999000111222333", order_number="999000111222333", statuses=["TELEPORTED"],
                   updated_at=self.clock.now().replace(microsecond=0).isoformat())
        for n, item in enumerate(_items(bad)):
            item.update(order_id="999000111222333", order_item_id=f"99900011122{n:04d}", status="TELEPORTED")
        return bad

    def older_copy(self, payload: dict[str, Any], status: str, seconds_earlier: int) -> dict[str, Any]:
        word = _STATUS_WORDS.get(status, status.lower())
        older = copy.deepcopy(payload)
        updated = datetime.fromisoformat(payload["updated_at"]) - timedelta(seconds=seconds_earlier)
        older.update(updated_at=updated.isoformat(), statuses=[word])
        for item in _items(older):
            item.update(status=word, updated_at=str(int(item["updated_at"]) - seconds_earlier * 1000))
        return older

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

    def set_catalogue(self, external_id: str, products: Sequence[ProductSpec]) -> None:
        self.emu.set_catalogue(external_id, products)

    def listings_truth(self, external_id: str) -> list[dict[str, Any]]:
        return self.emu.listings(external_id)

    def place_order(self, external_id: str, seller_sku: str, quantity: int) -> str | None:
        return self.emu.place_order(external_id, seller_sku, quantity)

    def expected_stock_calls(self, updates_per_product: Sequence[int]) -> int:
        # UpdateSellableQuantity takes up to 50 SKUs of any products in one call.
        return math.ceil(sum(updates_per_product) / self.stock_batch)

    def expected_calls(self, orders: int) -> int:
        # GetOrders pages of 100, then GetMultipleOrderItems for each page's orders, 50 at a time.
        pages = math.ceil(orders / self.page_size)
        full, rest = divmod(orders, self.page_size)
        return pages + full * math.ceil(self.page_size / self.detail_batch) + math.ceil(rest / self.detail_batch)

    # fulfilment
    logistics = True
    returns = True
    cancels = True

    def _cart(self, external_id: str) -> list[tuple[str, int]]:
        rows = [row for row in self.emu.listings(external_id) if row["active"] and row["seller_sku"]]
        first = next(row for row in rows if row["quantity"] >= 2)
        second = next(row for row in rows if row["quantity"] >= 1 and row["seller_sku"] != first["seller_sku"])
        return [(first["seller_sku"], 2), (second["seller_sku"], 1)]

    def ready_order(self, external_id: str) -> str:
        # Lazada takes a carrier's tracking number only for an order delivered by the seller (DBS).
        order_id = self.emu.place_cart(external_id, self._cart(external_id), own_fleet=True)
        assert order_id is not None
        return order_id

    def logistics_order(self, external_id: str) -> str:
        """A paid order Lazada's logistics carries (shipping_provider_type standard)."""
        order_id = self.emu.place_cart(external_id, self._cart(external_id))
        assert order_id is not None
        return order_id

    def shipment_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        payload = self.emu.orders(external_id)[order_id]
        live = [item for item in _items(payload) if item["status"] not in _CLOSED] or _items(payload)
        return {"shipped": all(item["status"] in ("shipped", "delivered") for item in live),
                "status": self.truth_status(payload), "tracking_number": live[0]["tracking_code"],
                "carrier": live[0]["shipment_provider"]}

    def unknown_order_id(self) -> str:
        return "999000111222444"

    def open_return(self, external_id: str, order_id: str, quantity: int = 1) -> str:
        return self.emu.open_return(external_id, order_id, quantity)

    def cancel_truth(self, external_id: str, order_id: str) -> dict[str, Any]:
        payload = self.emu.orders(external_id)[order_id]
        items = _items(payload)
        cancelled = all(item["status"] == "canceled" for item in items)
        return {"cancelled": cancelled, "status": self.truth_status(payload),
                "by": items[0]["cancel_return_initiator"] if cancelled else "",
                "reason": items[0]["reason"] if cancelled else ""}


HARNESS = LazadaHarness
