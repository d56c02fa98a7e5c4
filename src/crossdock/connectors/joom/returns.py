"""Joom returns behind our ReturnSource: Joom has no returns endpoint, so the store's orders updated in the window
are read (orders/multi) and those in a return state become return requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors.joom.adapter import MAX_WINDOW, PAGE_SIZE, _pages, _rfc3339
from crossdock.connectors.joom.client import JoomClient, page_items
from crossdock.connectors.joom.fulfilment_mapping import return_from_order
from crossdock.domain.fulfilment.returns import ReturnRequest
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import BadRecord


class JoomReturns:
    max_window = MAX_WINDOW

    def __init__(self, client: JoomClient, store_id: str, page_size: int = PAGE_SIZE) -> None:
        self._client = client
        self._store_id = store_id
        self._page_size = page_size

    def list_returns(self, since: datetime, until: datetime) -> Iterator[list[ReturnRequest | BadRecord]]:
        if since > until:
            return
        # updatedTo is exclusive and times come in whole seconds: the next second covers `until`.
        params = {"storeId": self._store_id, "limit": str(self._page_size), "updatedFrom": _rfc3339(since),
                  "updatedTo": _rfc3339(until.replace(microsecond=0) + timedelta(seconds=1))}
        first = self._client.orders_multi(params)
        for body in _pages(first, self._client.orders_multi_next, "orders/multi"):
            found = [r for r in (self._map(item) for item in page_items(body, "orders/multi")) if r is not None]
            if found:
                yield found

    @staticmethod
    def _map(raw: Any) -> ReturnRequest | BadRecord | None:
        try:
            return return_from_order(raw)
        except BadPayload as exc:
            order_id = raw.get("id") if isinstance(raw, dict) else None
            return BadRecord(str(order_id or f"no-id-{fingerprint(raw)[:16]}"), exc.reason, raw)
