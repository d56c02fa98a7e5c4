"""Lazada behind our ports: orders page by page from GetOrders, their items 50 orders at a time from
GetMultipleOrderItems, listings 50 products a page from GetProducts, stock 50 SKUs a call through
UpdateSellableQuantity, consent to tokens.

Calls per pull: one GetOrders call per page of 100 orders, then one GetMultipleOrderItems call per 50 orders of
that page (a page of 100 costs 3 calls, a last page of 1-50 orders 2, of 51-99 orders 3), and nothing else while
the tokens are fresh.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from crossdock.connectors._kit.errors import AuthFailed, BadPayload, Fatal
from crossdock.connectors.lazada.client import LazadaClient
from crossdock.connectors.lazada.mapping import (
    ITEMS_KEY,
    listing_from_sku,
    order_from_payload,
    parse_time,
    product_skus,
)
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.ports.marketplace import BadRecord, Listing, OrderRef, StockResult, StockUpdate, TimeField, TokenSet

log = structlog.get_logger(__name__)

PAGE_SIZE = 100          # GetOrders limit: "The supported maximum number is 100"
ITEMS_BATCH = 50         # GetMultipleOrderItems: "No more than 50 at a time"
OFFSET_MAX = 4500        # GetOrders offset: "Max Size:4500"
# Lazada documents no longest window for GetOrders. Thirty days keeps the initial pull to one window; paging
# restarts from the last time seen (below), so a busy window never runs into the offset cap.
MAX_WINDOW = timedelta(days=30)
PRODUCTS_PAGE = 50             # GetProducts limit: "The maximum is 50"
PRODUCTS_OFFSET_MAX = 10_000   # GetProducts offset: "The maximum offset is 10000"
STOCK_BATCH = 50               # UpdateSellableQuantity: "The maximum number of products that can be updated is 50"
_FIELDS = {
    TimeField.UPDATED: ("update_after", "update_before", "updated_at"),
    TimeField.CREATED: ("created_after", "created_before", "created_at"),
}


def _iso(moment: datetime) -> str:
    # GetOrders wants "YYYY-MM-DDTHH:mm:ss±HH:MM"; Lazada times have whole seconds, so a bound is cut to its second
    # (the window's end stays exact, its start reaches at most one second further back).
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _count(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class LazadaOrders:
    max_window = MAX_WINDOW
    detail_batch = ITEMS_BATCH

    def __init__(self, client: LazadaClient, region: str) -> None:
        self._client = client
        self._region = region

    def list_order_refs(
        self, since: datetime, until: datetime, field: TimeField = TimeField.UPDATED
    ) -> Iterator[list[OrderRef]]:
        """GetOrders sorted by the window's time field, oldest first, 100 a page.

        Each next page starts at the time of the last order seen, skipping the orders already seen at that very
        second (bounds are inclusive: "after or on"), rather than at a growing offset. An order that changes
        during the pull moves past the window's end and so shifts nothing not yet read, and the offset never
        nears its cap. Assumption: orders sharing a second keep their relative order between calls.
        """
        after_key, before_key, time_key = _FIELDS[field]
        start, end = since.replace(microsecond=0), until.replace(microsecond=0)
        skip = 0
        while True:
            if skip > OFFSET_MAX:
                raise Fatal(f"more than {OFFSET_MAX} orders share the second {_iso(start)}; GetOrders cannot page them")
            page = self._client.get_orders({
                after_key: _iso(start), before_key: _iso(end), "sort_by": time_key, "sort_direction": "ASC",
                "offset": str(skip), "limit": str(PAGE_SIZE),
            })
            orders = page.get("orders") or []
            if not isinstance(orders, list):
                raise BadPayload("GetOrders answered orders that are not a list")
            refs = []
            for raw in orders:
                order_id = raw.get("order_id") if isinstance(raw, dict) else None
                if order_id in (None, ""):
                    log.warning("lazada.order_without_id", window_start=_iso(start))
                    continue
                refs.append(OrderRef(str(order_id), payload=raw))
            if refs:
                yield refs
            total = _count(page.get("countTotal"))
            if len(orders) < PAGE_SIZE or (total is not None and skip + len(orders) >= total):
                return
            last = self._time(orders[-1], time_key)
            if last is None or last <= start:
                skip += len(orders)       # every order of this page was at `start`, or its time is unreadable
            else:
                start = last
                skip = sum(1 for raw in orders if self._time(raw, time_key) == last)

    @staticmethod
    def _time(raw: Any, key: str) -> datetime | None:
        try:
            return parse_time(raw.get(key), key) if isinstance(raw, dict) else None
        except BadPayload:
            return None

    def fetch_orders(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
        out: list[OrderSnapshot | BadRecord] = []
        for i in range(0, len(refs), ITEMS_BATCH):
            out += self._batch(refs[i:i + ITEMS_BATCH])
        return out

    def _batch(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
        out: list[OrderSnapshot | BadRecord] = []
        orders: dict[str, dict[str, Any]] = {}
        for ref in refs:
            oid = ref.platform_order_id
            if not oid.isdigit():
                out.append(BadRecord(oid, "order_id is not numeric; GetMultipleOrderItems cannot ask for it",
                                     ref.payload))
                continue
            if isinstance(ref.payload, dict):
                orders[oid] = ref.payload
                continue
            # Named by a push or a check, not listed: GetOrder fetches the order itself.
            fetched = self._client.get_order(oid)
            if fetched is None:
                out.append(BadRecord(oid, "GetOrder does not know this order", None))
            else:
                orders[oid] = fetched
        if not orders:
            return out
        items: dict[str, Any] = {}
        for entry in self._client.get_multiple_order_items(list(orders)):
            if isinstance(entry, dict) and entry.get("order_id") not in (None, ""):
                items[str(entry["order_id"])] = entry.get(ITEMS_KEY)
        for oid, order in orders.items():
            if oid not in items:
                out.append(BadRecord(oid, "listed by GetOrders but missing from GetMultipleOrderItems", order))
                continue
            raw = {**order, ITEMS_KEY: items[oid]}
            try:
                out.append(order_from_payload(raw, self._region))
            except BadPayload as exc:
                out.append(BadRecord(oid, exc.reason, raw))
        return out


class LazadaListings:
    """GetProducts with filter=all (live and inactive alike), 50 products a page, one Listing per SKU."""

    def __init__(self, client: LazadaClient, currency: str) -> None:
        self._client = client
        self._currency = currency

    def list_listings(self) -> Iterator[list[Listing | BadRecord]]:
        """Pages by offset until total_products is reached or a page comes back short. A SKU seen on an earlier
        page is not given again: the docs name no sort order, so a product changed during the pull may move."""
        offset = 0
        seen: set[tuple[str, str]] = set()
        while True:
            if offset > PRODUCTS_OFFSET_MAX:
                raise Fatal(f"the store has more than {PRODUCTS_OFFSET_MAX} products: GetProducts cannot page "
                            "past that offset")
            page = self._client.get_products({"filter": "all", "offset": str(offset), "limit": str(PRODUCTS_PAGE)})
            products = page.get("products") or []
            if not isinstance(products, list):
                raise BadPayload("GetProducts answered products that are not a list")
            fresh = [x for raw in products for x in self._map(raw) if _first_sight(x, seen)]
            if fresh:
                yield fresh
            offset += len(products)
            total = _count(page.get("total_products"))
            if len(products) < PRODUCTS_PAGE or (total is not None and offset >= total):
                return

    def _map(self, raw: Any) -> list[Listing | BadRecord]:
        try:
            item_id, skus = product_skus(raw)
        except BadPayload as exc:
            item = raw.get("item_id") if isinstance(raw, dict) else None
            return [BadRecord(str(item or "?"), exc.reason, raw)]
        out: list[Listing | BadRecord] = []
        for index, sku in enumerate(skus):
            try:
                out.append(listing_from_sku(raw, sku, self._currency))
            except BadPayload as exc:
                sku_id = sku.get("SkuId") if isinstance(sku, dict) else None
                out.append(BadRecord(f"{item_id}/{sku_id or f'#{index}'}", exc.reason, sku))
        return out


def _first_sight(record: Listing | BadRecord, seen: set[tuple[str, str]]) -> bool:
    key = (record.item_id, record.variant_id) if isinstance(record, Listing) else ("bad", record.platform_id)
    if key in seen:
        return False
    seen.add(key)
    return True


class LazadaStock:
    """UpdateSellableQuantity, 50 SKUs a call; a SKU Lazada refuses is its own result."""

    stock_batch = STOCK_BATCH

    def __init__(self, client: LazadaClient) -> None:
        self._client = client

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        results: list[StockResult] = []
        for start in range(0, len(updates), STOCK_BATCH):
            results += self._batch(updates[start:start + STOCK_BATCH])
        return results

    def _batch(self, batch: Sequence[StockUpdate]) -> list[StockResult]:
        refused: dict[int, str] = {}
        pending = list(range(len(batch)))
        while pending:
            answer = self._client.update_sellable_quantity([batch[i] for i in pending])
            if not answer:
                break
            named = _refusals(answer, [batch[i] for i in pending])
            if not named:
                # Refusals that name none of the SKUs sent: no SKU can be told to have gone through.
                named = dict.fromkeys(range(len(pending)), "; ".join(_message(r) for r in answer))
            refused.update((pending[position], message) for position, message in named.items())
            # Lazada does not say whether the other SKUs of a refused call were taken: they are sent again.
            # Quantities are absolute, so writing one twice changes nothing.
            pending = [index for position, index in enumerate(pending) if position not in named]
        return [StockResult(update, ok=False, error=refused[i]) if i in refused else StockResult(update, ok=True)
                for i, update in enumerate(batch)]


def _message(refusal: Any) -> str:
    if isinstance(refusal, dict):
        return str(refusal.get("message") or refusal.get("Message") or refusal)
    return str(refusal)


def _refusals(answer: list[Any], sent: Sequence[StockUpdate]) -> dict[int, str]:
    """Which of the `sent` SKUs each `detail` entry names (by seller SKU, else SkuId) -> Lazada's message."""
    named: dict[int, str] = {}
    for refusal in answer:
        if not isinstance(refusal, dict):
            continue
        seller_sku = str(refusal.get("seller_sku") or refusal.get("SellerSku") or "")
        sku_id = str(refusal.get("sku_id") or refusal.get("SkuId") or "")
        for position, update in enumerate(sent):
            if (seller_sku and seller_sku == update.seller_sku) or (sku_id and sku_id == update.variant_id):
                named[position] = _message(refusal)
    return named


class LazadaAuthorizer:
    def __init__(self, client: LazadaClient) -> None:
        self._client = client

    def exchange_code(self, code: str, external_id: str) -> TokenSet:
        """GenerateAccessToken, then make sure the consent covers this seller: country_user_info lists the seller
        of each venture the token opens (a cross-border account has several)."""
        answer = self._client.create_access_token(code)
        sellers = answer.get("country_user_info") or answer.get("country_user_info_list")
        if not isinstance(sellers, list):
            raise Fatal("Lazada token answer lacks country_user_info")
        ids = [str(s.get("seller_id")) for s in sellers if isinstance(s, dict)]
        if str(external_id) not in ids:
            raise AuthFailed(f"this consent authorizes Lazada seller(s) {', '.join(ids) or 'none'}, "
                             f"not seller {external_id}: sign in with the store's own seller account")
        return self._client.token_set(answer)

