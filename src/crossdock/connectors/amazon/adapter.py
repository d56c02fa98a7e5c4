"""Amazon behind our ports: orders of one marketplace page by page, items per order, consent, the seller's stores."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import BadPayload, Fatal, Retryable
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.connectors.amazon.mapping import merge, order_from_payload
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.payloads import fingerprint
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import BadRecord, OrderRef, RemoteStore, TimeField, TokenSet

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
