"""Shopee behind our ports: order refs page by page, details in batches of 50, consent to tokens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors.shopee.client import ShopeeClient
from crossdock.connectors.shopee.mapping import DETAIL_FIELDS, order_from_detail
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.domain.time import to_unix
from crossdock.ports.marketplace import BadRecord, OrderRef, TimeField, TokenSet

PAGE_SIZE = 100          # get_order_list page_size upper limit
DETAIL_BATCH = 50        # get_order_detail order_sn_list upper limit
MAX_WINDOW = timedelta(days=15)  # get_order_list time_from..time_to upper limit
_TIME_FIELD = {TimeField.CREATED: "create_time", TimeField.UPDATED: "update_time"}


class ShopeeOrders:
    max_window = MAX_WINDOW
    detail_batch = DETAIL_BATCH

    def __init__(self, client: ShopeeClient) -> None:
        self._client = client

    def list_order_refs(
        self, since: datetime, until: datetime, field: TimeField = TimeField.UPDATED
    ) -> Iterator[list[OrderRef]]:
        start, end = to_unix(since), to_unix(until)
        longest = int(MAX_WINDOW.total_seconds())
        while start <= end:
            # Windows are inclusive at both ends on whole seconds: the next one starts a second later.
            stop = min(start + longest, end)
            yield from self._pages(_TIME_FIELD[field], start, stop)
            start = stop + 1

    def _pages(self, field: str, time_from: int, time_to: int) -> Iterator[list[OrderRef]]:
        cursor = ""
        while True:
            page = self._client.get_order_list(
                time_range_field=field, time_from=time_from, time_to=time_to, page_size=PAGE_SIZE, cursor=cursor
            )
            refs = [
                OrderRef(str(o["order_sn"]), str(o.get("order_status", "")))
                for o in page.get("order_list") or []
                if isinstance(o, dict) and o.get("order_sn")
            ]
            if refs:
                yield refs
            cursor = str(page.get("next_cursor") or "")
            if not page.get("more") or not cursor:
                return

    def fetch_orders(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
        out: list[OrderSnapshot | BadRecord] = []
        for i in range(0, len(refs), DETAIL_BATCH):
            batch = [r.platform_order_id for r in refs[i:i + DETAIL_BATCH]]
            answer = self._client.get_order_detail(batch, DETAIL_FIELDS)
            found: dict[str, Any] = {}
            for raw in answer.get("order_list") or []:
                key = raw.get("order_sn") if isinstance(raw, dict) else None
                found[str(key) if key else f"#{len(found)}"] = raw
            for sn in batch:
                if sn not in found:
                    out.append(BadRecord(sn, "listed by get_order_list but missing from get_order_detail", None))
            for key, raw in found.items():
                try:
                    out.append(order_from_detail(raw))
                except BadPayload as exc:
                    out.append(BadRecord(key, exc.reason, raw))
        return out


class ShopeeAuthorizer:
    def __init__(self, client: ShopeeClient) -> None:
        self._client = client

    def exchange_code(self, code: str, external_id: str) -> TokenSet:
        return self._client.get_access_token(code, int(external_id))
