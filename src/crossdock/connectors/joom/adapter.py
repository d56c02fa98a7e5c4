"""Joom behind our ports: whole orders page by page from orders/multi, the merchant's stores, consent to tokens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors.joom.client import JoomClient, next_link, page_items
from crossdock.connectors.joom.mapping import order_from_payload, parse_time, store_from_payload
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import BadRecord, OrderRef, RemoteStore, TimeField, TokenSet

log = structlog.get_logger(__name__)

PAGE_SIZE = 500                     # orders/multi `limit` upper bound
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
        body = self._client.orders_multi(params)
        seen: set[str] = set()
        while True:
            refs = [self._ref(item) for item in page_items(body, "orders/multi")]
            if field is TimeField.CREATED:
                refs = [r for r in refs if _created_within(r.payload, since, until)]
            if refs:
                yield refs
            link = next_link(body)
            if not link:
                return
            if link in seen:
                raise Fatal("Joom answered orders/multi with a paging link it had already given")
            seen.add(link)
            body = self._client.orders_multi_next(link)

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


def _created_within(payload: Any, since: datetime, until: datetime) -> bool:
    try:
        created = parse_time(payload.get("orderTimestamp") if isinstance(payload, dict) else None, "orderTimestamp")
    except BadPayload:
        return True   # cannot tell: keep it, so a count check names it rather than losing it
    return since <= created <= until


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
