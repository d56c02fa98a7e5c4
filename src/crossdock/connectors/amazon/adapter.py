"""Amazon behind our ports: orders of one marketplace page by page, items per order, consent, the seller's stores,
listings read by SKU and seller-fulfilled quantities pushed per SKU."""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import BadPayload, Fatal, Retryable
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.connectors.amazon.feeds import FEED_TIMEOUT, run_feed
from crossdock.connectors.amazon.mapping import (
    MFN_CHANNEL,
    feed_report_errors,
    fulfilled_by_amazon,
    listing_created,
    listing_from_item,
    listing_product_type,
    merge,
    order_from_payload,
    submission_error,
)
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.payloads import fingerprint
from crossdock.ports.clock import Clock
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

PAGE_SIZE = 100          # getOrders MaxResultsPerPage upper limit
DETAIL_BATCH = 1         # getOrderItems (and getOrder) take one order per call
# getOrders sets no longest range. A month per window keeps a long replay checkpointed: the sync cursor
# moves at the end of each window, so a crash re-reads at most a month, not the whole replay.
MAX_WINDOW = timedelta(days=30)
# "LastUpdatedBefore ... should be ... at least 2 minutes before current time" (CreatedBefore alike).
LISTING_LAG = timedelta(minutes=2)
_FIELD = {TimeField.CREATED: "Created", TimeField.UPDATED: "LastUpdated"}
_UNIDENTIFIED = "unidentified:"


def split_store_id(external_id: str) -> tuple[str, str]:
    """A store's external id is "<selling_partner_id>:<marketplaceId>"."""
    seller_id, sep, marketplace_id = external_id.partition(":")
    if not sep or not seller_id or not marketplace_id:
        raise Fatal(f"{external_id!r} is not an Amazon store id (<selling_partner_id>:<marketplaceId>)")
    return seller_id, marketplace_id


def _floor(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


class AmazonOrders:
    max_window = MAX_WINDOW
    detail_batch = DETAIL_BATCH

    def __init__(self, client: AmazonClient, marketplace_id: str, clock: Clock) -> None:
        self._client = client
        self._marketplace_id = marketplace_id
        self._clock = clock

    def list_order_refs(
        self, since: datetime, until: datetime, field: TimeField = TimeField.UPDATED
    ) -> Iterator[list[OrderRef]]:
        # Amazon refuses an upper bound in the last two minutes: what changed since is read by the next pull,
        # whose window starts a sync overlap (10 minutes) before this one's end.
        end = min(_floor(until), _floor(self._clock.now() - LISTING_LAG))
        start = _floor(since)
        if start > end:
            return
        token = ""
        while True:
            payload = self._client.get_orders(self._marketplace_id, time_field=_FIELD[field], after=start,
                                              before=end, next_token=token, page_size=PAGE_SIZE)
            orders = payload.get("Orders")
            if not isinstance(orders, list):
                raise Retryable("getOrders answered without an Orders list")
            refs = [self._ref(order) for order in orders]
            if refs:
                yield refs
            token = str(payload.get("NextToken") or "")
            if not token:
                return

    @staticmethod
    def _ref(order: Any) -> OrderRef:
        order_id = order.get("AmazonOrderId") if isinstance(order, dict) else None
        if not isinstance(order_id, str) or not order_id:
            # Quarantined under a name that stays the same while the platform sends the same thing.
            return OrderRef(_UNIDENTIFIED + fingerprint(order)[:16], "", payload=order)
        return OrderRef(order_id, str(order.get("OrderStatus") or ""), payload=order)

    def fetch_orders(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
        out: list[OrderSnapshot | BadRecord] = []
        for ref in refs:
            order_id = ref.platform_order_id
            if order_id.startswith(_UNIDENTIFIED):
                out.append(BadRecord(order_id, "AmazonOrderId is missing", ref.payload))
                continue
            order: Any = ref.payload
            try:
                if order is None:   # a push named it: read the order itself
                    order = self._client.get_order(order_id)
                items = self._items(order_id)
            except Fatal as exc:
                if exc.code not in ("NotFound", "InvalidInput"):
                    raise
                out.append(BadRecord(order_id, f"Amazon cannot serve the order: {exc}", order))
                continue
            raw = merge(order, items)
            try:
                out.append(order_from_payload(raw))
            except BadPayload as exc:
                out.append(BadRecord(order_id, exc.reason, raw))
        return out

    def _items(self, order_id: str) -> Any:
        """Every page of getOrderItems joined; a malformed OrderItems value is returned for mapping to judge."""
        items: list[Any] = []
        token = ""
        while True:
            payload = self._client.get_order_items(order_id, token)
            page = payload.get("OrderItems")
            if not isinstance(page, list):
                return page
            items.extend(page)
            token = str(payload.get("NextToken") or "")
            if not token:
                return items


class AmazonAuthorizer:
    def __init__(self, client: AmazonClient) -> None:
        self._client = client

    def exchange_code(self, code: str, external_id: str) -> TokenSet:
        # external_id (the selling_partner_id of the redirect) names the account; LWA needs only the code.
        return self._client.exchange_code(code)


class AmazonDirectory:
    """The seller's stores: one per marketplace it participates in."""

    def __init__(self, client: AmazonClient, seller_id: str) -> None:
        self._client = client
        self._seller_id = seller_id

    def list_stores(self) -> list[RemoteStore]:
        if not self._seller_id:
            raise Fatal("the Amazon account has no selling_partner_id: connect it with the one the consent "
                        "redirect carries")
        stores: list[RemoteStore] = []
        for entry in self._client.get_marketplace_participations():
            marketplace = entry.get("marketplace") if isinstance(entry, dict) else None
            participation = entry.get("participation") if isinstance(entry, dict) else None
            if not isinstance(marketplace, dict) or not isinstance(participation, dict):
                raise Fatal("getMarketplaceParticipations: an entry lacks marketplace or participation")
            if not participation.get("isParticipating"):
                continue
            try:
                marketplace_id = str(marketplace["id"])
                region, currency = str(marketplace["countryCode"]), str(marketplace["defaultCurrencyCode"])
            except KeyError as exc:
                raise Fatal(f"getMarketplaceParticipations: marketplace lacks {exc}") from exc
            suspended = bool(participation.get("hasSuspendedListings"))
            name = str(entry.get("storeName") or "") or f"{marketplace.get('name', marketplace_id)}"
            stores.append(RemoteStore(
                external_id=f"{self._seller_id}:{marketplace_id}", name=name,
                region="GB" if region == "UK" else region, currency=currency,
                status="suspended listings" if suspended else "participating",
                details={"marketplaceId": marketplace_id, "marketplaceName": marketplace.get("name"),
                         "domainName": marketplace.get("domainName"),
                         "defaultLanguageCode": marketplace.get("defaultLanguageCode"),
                         "hasSuspendedListings": suspended},
            ))
        return stores


# searchListingsItems: pageSize "maximum: 20"; identifiers "maxItems: 20"; "The maximum number of items (SKUs)
# that can be returned and paged through is 1000."
LISTINGS_PAGE = 20
IDENTIFIERS_PER_SEARCH = 20
PAGED_LIMIT = 1000
LISTING_DATA = ("summaries", "offers", "fulfillmentAvailability")
# What a push needs to know of a SKU before patching it: that Amazon lists it, its product type, its channel.
CHECK_DATA = ("summaries", "fulfillmentAvailability")
# A push of more SKUs than this goes as one JSON_LISTINGS_FEED: at patchListingsItem's 5 a second, 300 patches
# take a minute, about what Amazon needs to process a feed; beyond, the feed's handful of calls wins.
FEED_THRESHOLD = 300
FEED_MAX_MESSAGES = 10000          # listings-feed-schema-v2: messages "maxItems": 10000
LISTINGS_FEED = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
# Patch answers that concern the one SKU (its text or its encoding), not the call: a refusal of that listing.
_LISTING_ERRORS = frozenset({"NotFound", "NOT_FOUND", "InvalidInput", "BAD_REQUEST"})


@dataclass
class _Window:
    """What one paged query read: whether Amazon holds more than it let us page through, and the newest
    createdDate seen (where the next query starts)."""

    more: bool
    newest: datetime | None


class AmazonListings:
    """Every listing of one marketplace, by SKU, in createdDate order.

    Amazon pages one query through 1000 SKUs at most; a bigger catalogue is read in windows, each starting at
    the newest createdDate of the one before ("createdAfter" includes it; SKUs already read are skipped)."""

    def __init__(self, client: AmazonClient, seller_id: str, marketplace_id: str) -> None:
        self._client = client
        self._seller_id = seller_id
        self._marketplace_id = marketplace_id

    def list_listings(self) -> Iterator[list[Listing | BadRecord]]:
        seen: set[str] = set()
        start: datetime | None = None
        while True:
            window = yield from self._window(start, seen)
            if not window.more:
                return
            if window.newest is None or (start is not None and window.newest <= start):
                raise Fatal(f"more than {PAGED_LIMIT} listings share one createdDate in {self._marketplace_id}: "
                            "searchListingsItems cannot page past them")
            start = window.newest

    def _window(self, start: datetime | None, seen: set[str]) -> Generator[list[Listing | BadRecord], None, _Window]:
        token, served, total, newest = "", 0, 0, None
        while True:
            answer = self._client.search_listings_items(
                self._seller_id, self._marketplace_id, included=LISTING_DATA, page_size=LISTINGS_PAGE,
                page_token=token, created_after=start)
            items = answer.get("items")
            if not isinstance(items, list):
                raise Retryable("searchListingsItems answered without an items list")
            served += len(items)
            total = _count(answer.get("numberOfResults"), served)
            page: list[Listing | BadRecord] = []
            for item in items:
                newest = _later(newest, self._created(item))
                sku = item.get("sku") if isinstance(item, dict) else None
                if isinstance(sku, str) and sku in seen:
                    continue   # read in the window before: createdAfter includes its boundary
                if isinstance(sku, str):
                    seen.add(sku)
                page.append(self._map(item))
            if page:
                yield page
            token = _next_token(answer)
            if not token:
                return _Window(more=total > served, newest=newest)

    def _created(self, item: Any) -> datetime | None:
        try:
            return listing_created(item, self._marketplace_id)
        except BadPayload:
            return None    # the item itself is quarantined by _map

    def _map(self, item: Any) -> Listing | BadRecord:
        sku = item.get("sku") if isinstance(item, dict) else None
        name = sku if isinstance(sku, str) and sku else _UNIDENTIFIED + fingerprint(item)[:16]
        try:
            return listing_from_item(item, self._marketplace_id)
        except BadPayload as exc:
            return BadRecord(name, exc.reason, item)


@dataclass(frozen=True)
class _Patch:
    """A checked update, ready to send: where it goes in the results, its SKU and the listing's product type."""

    index: int
    update: StockUpdate
    sku: str
    product_type: str

    def message(self, message_id: int) -> dict[str, Any]:
        """The JSON_LISTINGS_FEED message (listings-feed-schema-v2) carrying this update."""
        return {"messageId": message_id, "sku": self.sku, "operationType": "PATCH", "productType": self.product_type,
                "patches": [_availability_patch(self.update.quantity)]}


class AmazonStock:
    """Seller-fulfilled quantities: one patchListingsItem per SKU, or one JSON_LISTINGS_FEED for a big push.

    Before sending, one search per 20 SKUs checks what Amazon lists: a SKU it does not know is refused here
    (a patch would be ACCEPTED and leave a stray incomplete listing), and so is an FBA listing (Amazon counts
    its stock; a DEFAULT quantity would switch it to seller fulfilment)."""

    stock_batch = FEED_MAX_MESSAGES

    def __init__(self, client: AmazonClient, seller_id: str, marketplace_id: str,
                 sleep: Callable[[float], None]) -> None:
        self._client = client
        self._seller_id = seller_id
        self._marketplace_id = marketplace_id
        self._sleep = sleep

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        results: dict[int, StockResult] = {}
        ready: list[_Patch] = []
        for start in range(0, len(updates), IDENTIFIERS_PER_SEARCH):
            chunk = updates[start:start + IDENTIFIERS_PER_SEARCH]
            live = self._live([_sku(u) for u in chunk])
            for index, update in enumerate(chunk, start):
                checked = self._check(update, live.get(_sku(update)))
                if isinstance(checked, StockResult):
                    results[index] = checked
                else:
                    ready.append(_Patch(index, update, _sku(update), checked))
        if len(ready) > FEED_THRESHOLD:
            results.update(self._by_feed(ready))
        else:
            results.update((p.index, self._patch(p)) for p in ready)
        return [results[index] for index in range(len(updates))]

    def _live(self, skus: list[str]) -> dict[str, Any]:
        """The listings Amazon shows for these SKUs, by SKU (one search; a SKU holding a comma, which the
        identifiers list cannot carry, is read on its own)."""
        plain = list(dict.fromkeys(s for s in skus if s and "," not in s))
        found: dict[str, Any] = {}
        if plain:
            answer = self._client.search_listings_items(
                self._seller_id, self._marketplace_id, included=CHECK_DATA, page_size=IDENTIFIERS_PER_SEARCH,
                identifiers=plain, identifiers_type="SKU")
            items = answer.get("items")
            if not isinstance(items, list):
                raise Retryable("searchListingsItems answered without an items list")
            found = {item["sku"]: item for item in items if isinstance(item, dict) and isinstance(item.get("sku"), str)}
        for sku in dict.fromkeys(s for s in skus if "," in s):
            found[sku] = self._one(sku)
        return {sku: item for sku, item in found.items() if item is not None}

    def _one(self, sku: str) -> Any:
        try:
            return self._client.get_listings_item(self._seller_id, sku, self._marketplace_id, CHECK_DATA)
        except Fatal as exc:
            if exc.code in _LISTING_ERRORS:
                return None
            raise

    def _check(self, update: StockUpdate, item: Any) -> StockResult | str:
        """A refusal, or the product type to name when patching the listing."""
        sku = _sku(update)
        if item is None:
            return StockResult(update, False, f"Amazon lists no SKU {sku!r} in marketplace {self._marketplace_id}")
        if fulfilled_by_amazon(item):
            return StockResult(update, False, "fulfilled by Amazon (FBA): Amazon counts this stock, and a "
                                              "seller-fulfilled quantity would switch the listing to MFN")
        if update.quantity < 0:
            return StockResult(update, False, f"quantity {update.quantity} is negative")
        return listing_product_type(item, self._marketplace_id)

    def _patch(self, ready: _Patch) -> StockResult:
        update = ready.update
        try:
            answer = self._client.patch_listings_item(self._seller_id, ready.sku, self._marketplace_id,
                                                      ready.product_type, [_availability_patch(update.quantity)])
            refusal = submission_error(answer)
        except Fatal as exc:
            if exc.code not in _LISTING_ERRORS:
                raise
            return StockResult(update, False, str(exc))
        except BadPayload as exc:
            # Amazon answered something we cannot read: whether it took the quantity is unknown, so send it again.
            return StockResult(update, False, exc.reason, retryable=True)
        return StockResult(update, refusal is None, refusal or "")

    # ---- one JSON_LISTINGS_FEED for many SKUs ---------------------------------------------------------------

    def _by_feed(self, ready: list[_Patch]) -> dict[int, StockResult]:
        """Upload the feed, wait for Amazon to process it, read each message's fate from the processing report."""
        document = {"header": {"sellerId": self._seller_id, "version": "2.0"},
                    "messages": [p.message(n) for n, p in enumerate(ready, 1)]}
        run = run_feed(self._client, self._sleep, LISTINGS_FEED, [self._marketplace_id],
                       json.dumps(document).encode(), FEED_CONTENT_TYPE)
        if not run.over:
            return self._unknown(ready, f"feed {run.feed_id} still {run.status} after {FEED_TIMEOUT}")
        try:
            report = _parsed(run.report)
            errors, feed_errors = feed_report_errors(report) if report is not None else ({}, [])
        except BadPayload as exc:
            return self._unknown(ready, f"feed {run.feed_id}: {exc.reason}")
        if run.status != "DONE" or report is None:
            return self._unknown(ready, f"feed {run.feed_id} ended {run.status}: "
                                        f"{'; '.join(feed_errors) or 'no report'}")
        return {p.index: StockResult(p.update, n not in errors, errors.get(n, ""))
                for n, p in enumerate(ready, 1)}

    @staticmethod
    def _unknown(ready: list[_Patch], reason: str) -> dict[int, StockResult]:
        # Whether Amazon applied the quantities is unknown: each is a refusal worth sending again.
        return {p.index: StockResult(p.update, False, reason, retryable=True) for p in ready}


def _parsed(report: bytes | None) -> Any:
    """A listings feed's processing report, parsed; None when the feed has none."""
    if report is None:
        return None
    try:
        return json.loads(report)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("the processing report is not JSON") from None


def _availability_patch(quantity: int) -> dict[str, Any]:
    return {"op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": MFN_CHANNEL, "quantity": quantity}]}


def _sku(update: StockUpdate) -> str:
    # Our Listing's item_id is the SKU (Amazon's listing identity); seller_sku is the same text.
    return update.item_id or update.seller_sku


def _count(value: Any, fallback: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else fallback


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b > a) else a


def _next_token(answer: dict[str, Any]) -> str:
    pagination = answer.get("pagination")
    token = pagination.get("nextToken") if isinstance(pagination, dict) else None
    return token if isinstance(token, str) else ""
