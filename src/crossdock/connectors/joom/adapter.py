"""Joom behind our ports: orders, listings and stock (v3 orders and products), the merchant's stores, tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors.joom.client import JoomClient, next_link, page_items
from crossdock.connectors.joom.mapping import (
    ProductHead,
    listing_from_variant,
    order_from_payload,
    parse_time,
    product_head,
    refusal_text,
    store_from_payload,
    variant_refusals,
)
from crossdock.domain.orders.model import OrderSnapshot
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

PAGE_SIZE = 500                     # orders/multi `limit` upper bound
PRODUCTS_PAGE = 500                 # products/multi: "Maximum limit is 500 items per request" (v3 Pagination)
# One products/update call carries variants of one product. Assumption: Joom documents no cap on a product's
# variants; the emulator allows 100, and a larger batch would be split.
STOCK_BATCH = 100
DETAIL_BATCH = 1                    # GET /orders?id= returns one order
# orders/multi documents no limit on the updatedFrom..updatedTo span: one window covers any pull.
MAX_WINDOW = timedelta(days=3660)
# An entry of orders/multi without an id still has to be kept (quarantined), under a stable name.
_UNIDENTIFIED = "unidentified-"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class JoomOrders:
    max_window = MAX_WINDOW
    detail_batch = DETAIL_BATCH

    def __init__(self, client: JoomClient, store_id: str, page_size: int = PAGE_SIZE) -> None:
        self._client = client
        self._store_id = store_id
        self._page_size = page_size

    def list_order_refs(
        self, since: datetime, until: datetime, field: TimeField = TimeField.UPDATED
    ) -> Iterator[list[OrderRef]]:
        """Whole orders of this store, as orders/multi pages them; each ref carries its order."""
        params = {"storeId": self._store_id, "limit": str(self._page_size), "updatedFrom": _rfc3339(since)}
        if field is TimeField.UPDATED:
            # updatedTo is taken as exclusive and times come in whole seconds: the next second covers `until`.
            params["updatedTo"] = _rfc3339(until.replace(microsecond=0) + timedelta(seconds=1))
        # orders/multi filters by update time only. An order created in [since, until] was updated at or
        # after its creation, so listing updates since `since` and keeping those created by `until` finds it.
        first = self._client.orders_multi(params)
        for body in _pages(first, self._client.orders_multi_next, "orders/multi"):
            refs = [self._ref(item) for item in page_items(body, "orders/multi")]
            if field is TimeField.CREATED:
                refs = [r for r in refs if _created_within(r.payload, since, until)]
            if refs:
                yield refs

    @staticmethod
    def _ref(item: Any) -> OrderRef:
        order_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(order_id, str) and order_id:
            status = item.get("status")
            return OrderRef(order_id, status if isinstance(status, str) else "", payload=item)
        return OrderRef(_UNIDENTIFIED + fingerprint(item)[:16], "", payload=item)

    def fetch_orders(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
        """Listed refs already hold their orders; a bare ref (a replay by id) costs one GET /orders?id=."""
        out: list[OrderSnapshot | BadRecord] = []
        for ref in refs:
            key = ref.platform_order_id
            if key.startswith(_UNIDENTIFIED):
                out.append(BadRecord(key, "orders/multi listed an entry without an order id", ref.payload))
                continue
            raw = ref.payload
            if raw is None:
                try:
                    raw = self._client.get_order(key)
                except Fatal as exc:
                    if exc.code != "invalid_argument":
                        raise
                    out.append(BadRecord(key, f"Joom refuses this order id: {exc}", None))
                    continue
                if raw is None:
                    out.append(BadRecord(key, "Joom answers not_found for this order", None))
                    continue
            out.append(self._snapshot(key, raw))
        return out

    def _snapshot(self, key: str, raw: Any) -> OrderSnapshot | BadRecord:
        try:
            snapshot = order_from_payload(raw)
        except BadPayload as exc:
            return BadRecord(key, exc.reason, raw)
        owner = raw.get("storeId")
        # One token sees every store of the merchant: an order of a sibling store must never land here.
        if owner not in (None, "") and str(owner) != self._store_id:
            return BadRecord(key, f"order belongs to store {owner}, not {self._store_id}", raw)
        return snapshot


def _pages(first: dict[str, Any], follow: Callable[[str], dict[str, Any]], what: str) -> Iterator[dict[str, Any]]:
    """Every page of a v3 list, following "paging.next" until Joom gives none."""
    body, seen = first, set()
    while True:
        yield body
        link = next_link(body)
        if not link:
            return
        if link in seen:
            raise Fatal(f"Joom answered {what} with a paging link it had already given")
        seen.add(link)
        body = follow(link)


def _created_within(payload: Any, since: datetime, until: datetime) -> bool:
    try:
        created = parse_time(payload.get("orderTimestamp") if isinstance(payload, dict) else None, "orderTimestamp")
    except BadPayload:
        return True   # cannot tell: keep it, so a count check names it rather than losing it
    return since <= created <= until


class JoomListings:
    """The store's listings: every variant of every product, as products/multi pages them."""

    def __init__(self, client: JoomClient, store_id: str, page_size: int = PRODUCTS_PAGE) -> None:
        self._client = client
        self._store_id = store_id
        self._page_size = page_size

    def list_listings(self) -> Iterator[list[Listing | BadRecord]]:
        first = self._client.products_multi({"storeId": self._store_id, "limit": str(self._page_size)})
        for body in _pages(first, self._client.products_multi_next, "products/multi"):
            records = [record for item in page_items(body, "products/multi") for record in self._records(item)]
            if records:
                yield records

    def _records(self, item: Any) -> list[Listing | BadRecord]:
        try:
            head = product_head(item)
        except BadPayload as exc:
            product_id = item.get("id") if isinstance(item, dict) else None
            key = str(product_id) if product_id else _UNIDENTIFIED + fingerprint(item)[:16]
            return [BadRecord(key, exc.reason, item)]
        if head.store_id and head.store_id != self._store_id:
            # One token sees every store of the merchant; a sibling store's product is not ours to list.
            log.warning("joom.listing_of_other_store", product=head.id, store=head.store_id)
            return []
        return [self._listing(head, index, variant, item) for index, variant in enumerate(head.variants)]

    @staticmethod
    def _listing(head: ProductHead, index: int, variant: Any, product: Any) -> Listing | BadRecord:
        try:
            return listing_from_variant(head, variant)
        except BadPayload as exc:
            variant_id = variant.get("id") if isinstance(variant, dict) else None
            # The whole product is kept: a variant alone does not say what it belongs to.
            return BadRecord(f"{head.id}/{variant_id or f'#{index}'}", exc.reason, product)


class JoomStock:
    """New quantities as Joom's products/update takes them: one call per product, carrying its variants."""

    stock_batch = STOCK_BATCH

    def __init__(self, client: JoomClient) -> None:
        self._client = client

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        results: dict[int, StockResult] = {}
        by_product: dict[str, list[int]] = {}
        for position, update in enumerate(updates):
            if update.item_id:
                by_product.setdefault(update.item_id, []).append(position)
            else:
                # products/update addresses a product by its id (or its own SKU, which a variant does not carry).
                results[position] = StockResult(update, ok=False, error="no Joom product id to update")
        for product_id, positions in by_product.items():
            for start in range(0, len(positions), self.stock_batch):
                chunk = positions[start:start + self.stock_batch]
                results.update(self._push_product(product_id, [(p, updates[p]) for p in chunk]))
        return [results[position] for position in range(len(updates))]

    def _push_product(self, product_id: str, pending: list[tuple[int, StockUpdate]]) -> dict[int, StockResult]:
        """Send one product's variants; the ones Joom refuses get its words and the rest are sent again,
        since Joom applies an update only when every part of it is acceptable."""
        results: dict[int, StockResult] = {}
        while pending:
            errors = self._client.update_variants(product_id, [_variant_entry(u) for _, u in pending])
            if not errors:
                results.update({p: StockResult(u, ok=True) for p, u in pending})
                break
            refused = variant_refusals(errors, len(pending))
            if not refused:
                # The product itself was refused (unknown, not ours): every listing of it is.
                reason = refusal_text(errors)
                results.update({p: StockResult(u, ok=False, error=reason) for p, u in pending})
                break
            results.update({pending[i][0]: StockResult(pending[i][1], ok=False, error=why)
                            for i, why in refused.items()})
            pending = [entry for i, entry in enumerate(pending) if i not in refused]
        return results


def _variant_entry(update: StockUpdate) -> dict[str, Any]:
    """A variant of products/update: by Joom id when known, else by the merchant's variant SKU."""
    key = {"id": update.variant_id} if update.variant_id else {"sku": update.seller_sku}
    return {**key, "inventory": update.quantity}


class JoomDirectory:
    def __init__(self, client: JoomClient) -> None:
        self._client = client

    def list_stores(self) -> list[RemoteStore]:
        stores: list[RemoteStore] = []
        for item in page_items(self._client.list_stores(), "stores"):
            try:
                stores.append(store_from_payload(item))
            except BadPayload as exc:
                # No quarantine exists for stores; say so loudly and keep the rest of the account working.
                log.warning("joom.store_skipped", reason=exc.reason, payload=item)
        return stores


class JoomAuthorizer:
    def __init__(self, client: JoomClient) -> None:
        self._client = client

    def exchange_code(self, code: str, external_id: str) -> TokenSet:
        # The code names the merchant account; `external_id` (a store's or the account's) is not sent.
        return self._client.get_access_token(code)
