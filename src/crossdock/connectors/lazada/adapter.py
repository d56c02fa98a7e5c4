"""Lazada behind our ports: orders page by page from GetOrders, their items 50 orders at a time from
GetMultipleOrderItems, consent to tokens.

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
from crossdock.connectors.lazada.mapping import ITEMS_KEY, order_from_payload, parse_time
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.ports.marketplace import BadRecord, OrderRef, TimeField, TokenSet

log = structlog.get_logger(__name__)

PAGE_SIZE = 100          # GetOrders limit: "The supported maximum number is 100"
ITEMS_BATCH = 50         # GetMultipleOrderItems: "No more than 50 at a time"
OFFSET_MAX = 4500        # GetOrders offset: "Max Size:4500"
# Lazada documents no longest window for GetOrders. Thirty days keeps the initial pull to one window; paging
# restarts from the last time seen (below), so a busy window never runs into the offset cap.
MAX_WINDOW = timedelta(days=30)
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

