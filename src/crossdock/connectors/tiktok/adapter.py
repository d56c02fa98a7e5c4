"""TikTok Shop behind our ports: whole orders page by page, listings, stock, the seller's shops, consent to
tokens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog

from crossdock.connectors._kit.errors import AuthFailed, BadPayload, Fatal
from crossdock.connectors.tiktok.client import TikTokClient
from crossdock.connectors.tiktok.mapping import (
    default_warehouse_id,
    inventory_errors,
    listing_from_sku,
    order_from_payload,
    product_skus,
)
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.domain.time import to_unix
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import (
    BadRecord,
    Listing,
    OrderRef,
    RemoteStore,
    StockResult,
    StockUpdate,
    TimeField,
    TokenSet,
)

log = structlog.get_logger(__name__)
PAGE_SIZE = 100                   # Get Order List page_size "Valid range: [1-100]"
DETAIL_BATCH = 50                 # Get Order Detail ids "Max count: 50"
# TikTok documents no limit on a search's time range; a month keeps each page-token chain short
# and covers the usual 30-day first pull in one query.
MAX_WINDOW = timedelta(days=31)
LISTING_PAGE = 100                # Search Products page_size "Valid range: [1-100]"
# Update Inventory takes the SKUs of one product: "A single product cannot have more than 100 different SKUs".
STOCK_BATCH = 100
# Every status a seller's product can be in: the listings we read are all of them, live or not.
ALL_STATUSES = "ALL"
# Update Inventory refusals of the product in the path (its status, its existence, a lock on it, how its stock
# is kept), not of the store or the request: each SKU sent for it gets the refusal as its result.
PRODUCT_REFUSALS = frozenset({
    "12052901",   # the product in its current status is not available for this operation (not ACTIVATE)
    "12052031", "12052032", "12052260",   # invalid product id / the product does not exist
    "12052048",   # not listed in your account or shop
    "12052037",   # inventory allocated automatically, or the SKU is stocked in other warehouses
    "12052533",   # removal, addition or change of a SKU's warehouses
    "12019028",   # the SKU is stocked in several warehouses
    "12052141",   # edit the stock from the global product
    "12052160",   # sku count must be one
    "12052308",   # an appeal is ongoing
    "12052364", "12052465",   # the warehouse cannot ship this product
    "12052371",   # auction bidding
    "12052393",   # locked by a promotion below its current stock
    "12052849", "12052850",   # combos
    "12052921",   # the product shares its inventory with a source shop
})
_TIME_FIELD = {TimeField.CREATED: "create_time", TimeField.UPDATED: "update_time"}

# The shops API gives a region, not a currency; each TikTok Shop market sells in its own currency.
REGION_CURRENCY: dict[str, str] = {
    "US": "USD", "GB": "GBP", "UK": "GBP", "ID": "IDR", "MY": "MYR", "PH": "PHP", "SG": "SGD", "TH": "THB",
    "VN": "VND", "MX": "MXN", "BR": "BRL", "JP": "JPY", "ES": "EUR", "DE": "EUR", "FR": "EUR", "IT": "EUR",
    "IE": "EUR",
}


def _order_key(raw: Any) -> str:
    order_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(order_id, str | int) and str(order_id):
        return str(order_id)
    # No id to file it under: a stable name from its content, so a re-sent copy is recognised.
    return f"no-id-{fingerprint(raw)[:16]}"


class ShopCipher:
    """The shop's cipher from Get Authorized Shops (every shop API needs it), asked once per instance, and the
    shop's market (`region`) from the same answer."""

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._client = client
        self._shop_id = shop_id
        self._cipher: str | None = None
        self._region = ""

    def __call__(self) -> str:
        if self._cipher is None:
            for shop in self._client.get_authorized_shops():
                if str(shop.get("id")) == self._shop_id and shop.get("cipher"):
                    self._cipher = str(shop["cipher"])
                    self._region = str(shop.get("region") or "").upper()
                    break
            else:
                raise AuthFailed(f"shop {self._shop_id} is not among the shops the seller authorized: "
                                 "the seller must authorize it again")
        return self._cipher

    def region(self) -> str:
        """The shop's market as Get Authorized Shops names it ("US", "GB", ...); "" when TikTok gives none."""
        self()
        return self._region


class TikTokOrders:
    max_window = MAX_WINDOW
    detail_batch = DETAIL_BATCH

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._client = client
        self._cipher = ShopCipher(client, shop_id)

    def shop_cipher(self) -> str:
        """The shop's cipher, asked once per client (one call per pull)."""
        return self._cipher()

    def list_order_refs(
        self, since: datetime, until: datetime, field: TimeField = TimeField.UPDATED
    ) -> Iterator[list[OrderRef]]:
        name = _TIME_FIELD[field]
        # [ge, lt) on whole seconds; `until` is inclusive for us, so the bound is the second after it.
        filters = {f"{name}_ge": to_unix(since), f"{name}_lt": to_unix(until) + 1}
        cipher = self.shop_cipher()
        token = ""
        while True:
            # Oldest first: an order updated while we page moves behind us and is listed again, not lost.
            page = self._client.search_orders(shop_cipher=cipher, page_size=PAGE_SIZE, page_token=token,
                                              sort_field=name, sort_order="ASC", filters=filters)
            orders = page.get("orders") or []
            refs = [OrderRef(_order_key(o), str(o.get("status", "")) if isinstance(o, dict) else "", payload=o)
                    for o in (orders if isinstance(orders, list) else []) if o is not None]
            if refs:
                yield refs
            token = str(page.get("next_page_token") or "")
            if not token:
                return

    def fetch_orders(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
        out: list[OrderSnapshot | BadRecord] = []
        missing = [r.platform_order_id for r in refs if r.payload is None]
        fetched: dict[str, Any] = {}
        if missing:
            cipher = self.shop_cipher()
            for i in range(0, len(missing), DETAIL_BATCH):
                answer = self._client.get_orders(shop_cipher=cipher, ids=missing[i:i + DETAIL_BATCH])
                for raw in answer.get("orders") or []:
                    fetched[_order_key(raw)] = raw
        for ref in refs:
            raw = ref.payload if ref.payload is not None else fetched.get(ref.platform_order_id)
            if raw is None:
                out.append(BadRecord(ref.platform_order_id, "not returned by Get Order Detail", None))
                continue
            try:
                out.append(order_from_payload(raw))
            except BadPayload as exc:
                out.append(BadRecord(ref.platform_order_id, exc.reason, raw))
        return out


def _listings(raw: Any) -> list[Listing | BadRecord]:
    """A product of Search Products as one listing per SKU; what cannot be mapped is kept as a BadRecord."""
    try:
        skus = product_skus(raw)
    except BadPayload as exc:
        product_id = raw.get("id") if isinstance(raw, dict) else None
        return [BadRecord(str(product_id or f"no-id-{fingerprint(raw)[:16]}"), exc.reason, raw)]
    out: list[Listing | BadRecord] = []
    for index, sku in enumerate(skus):
        try:
            out.append(listing_from_sku(raw, sku))
        except BadPayload as exc:
            sku_id = sku.get("id") if isinstance(sku, dict) else None
            out.append(BadRecord(f"{raw['id']}:{sku_id or f'skus[{index}]'}", exc.reason, raw))
    return out


class TikTokListings:
    """Every product of the shop, whatever its status, as listings (one per SKU), a page of products at a time."""

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._client = client
        self._cipher = ShopCipher(client, shop_id)

    def list_listings(self) -> Iterator[list[Listing | BadRecord]]:
        cipher = self._cipher()
        token = ""
        while True:
            page = self._client.search_products(shop_cipher=cipher, page_size=LISTING_PAGE, page_token=token,
                                                filters={"status": ALL_STATUSES})
            products = page.get("products") or []
            if not isinstance(products, list):
                raise Fatal("Search Products answered `products` that is not a list")
            listings = [item for raw in products for item in _listings(raw)]
            if listings:
                yield listings
            token = str(page.get("next_page_token") or "")
            if not token:
                return


def _batches(updates: Sequence[StockUpdate], indexes: list[int]) -> list[list[int]]:
    """One product's updates in calls of at most STOCK_BATCH SKUs, a SKU at most once per call (TikTok refuses
    duplicates); a SKU given again goes in a later call, so the caller's last quantity is the one that stays."""
    batches: list[list[int]] = []
    latest: dict[str, int] = {}      # SKU id -> the call carrying its latest update
    for index in indexes:
        sku_id = updates[index].variant_id
        first = latest.get(sku_id, -1) + 1
        position = next((n for n in range(first, len(batches)) if len(batches[n]) < STOCK_BATCH), len(batches))
        if position == len(batches):
            batches.append([])
        batches[position].append(index)
        latest[sku_id] = position
    return batches


class TikTokStock:
    """New quantities, one Update Inventory call per product, all placed in the shop's default warehouse."""

    stock_batch = STOCK_BATCH

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._client = client
        self._cipher = ShopCipher(client, shop_id)
        self._warehouse: str | None = None

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        results: dict[int, StockResult] = {}
        products: dict[str, list[int]] = {}
        for index, update in enumerate(updates):
            if update.item_id and update.variant_id:
                products.setdefault(update.item_id, []).append(index)
            else:
                results[index] = StockResult(update, False, "TikTok Shop updates stock by product id and SKU id")
        for product_id, indexes in products.items():
            for batch in _batches(updates, indexes):
                results.update(self._push_product(product_id, [(i, updates[i]) for i in batch]))
        return [results[index] for index in range(len(updates))]

    def default_warehouse(self) -> str:
        """The shop's default sales warehouse, asked once per sink: our stock is what that warehouse holds."""
        if self._warehouse is None:
            try:
                self._warehouse = default_warehouse_id(self._client.get_warehouses(shop_cipher=self._cipher()))
            except BadPayload as exc:
                raise Fatal(f"TikTok Shop: {exc.reason}; there is nowhere to put the stock") from exc
        return self._warehouse

    def _push_product(self, product_id: str, batch: list[tuple[int, StockUpdate]]) -> dict[int, StockResult]:
        warehouse = self.default_warehouse()
        skus = [{"id": u.variant_id, "inventory": [{"warehouse_id": warehouse, "quantity": u.quantity}]}
                for _, u in batch]
        try:
            data = self._client.update_inventory(shop_cipher=self._cipher(), product_id=product_id, skus=skus)
        except Fatal as exc:
            if exc.code not in PRODUCT_REFUSALS:
                raise
            return {index: StockResult(update, False, str(exc)) for index, update in batch}
        try:
            refused = inventory_errors(data)
        except BadPayload as exc:
            raise Fatal(f"Update Inventory answered errors we cannot read: {exc.reason}") from exc
        # An error that names no SKU is about the whole call.
        whole = refused.get("")
        return {index: StockResult(update, False, error) if (error := refused.get(update.variant_id, whole))
                else StockResult(update, True) for index, update in batch}


class TikTokAuthorizer:
    def __init__(self, client: TikTokClient) -> None:
        self._client = client

    def exchange_code(self, code: str, external_id: str) -> TokenSet:
        # One authorization covers every shop of the seller: the token call names no shop.
        return self._client.get_access_token(code)


class TikTokDirectory:
    def __init__(self, client: TikTokClient) -> None:
        self._client = client

    def list_stores(self) -> list[RemoteStore]:
        stores = []
        for shop in self._client.get_authorized_shops():
            shop_id, region = str(shop.get("id") or ""), str(shop.get("region") or "").upper()
            if not shop_id:
                continue
            currency = REGION_CURRENCY.get(region)
            if currency is None:
                # A market we do not know yet: better missing from the list than added with a made-up currency.
                log.warning("tiktok.unknown_region", shop_id=shop_id, region=region)
                continue
            stores.append(RemoteStore(
                external_id=shop_id, name=str(shop.get("name") or shop_id), region=region, currency=currency,
                details={k: shop[k] for k in ("cipher", "code", "seller_type") if k in shop},
            ))
        return stores
