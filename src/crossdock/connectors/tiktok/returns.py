"""TikTok Shop return requests behind our ReturnSource: Search Returns (Return and Refund API 202309) by update
time, each return's units tied back to our order lines through Get Order Detail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors.tiktok.adapter import DETAIL_BATCH, ShopCipher
from crossdock.connectors.tiktok.client import TikTokClient
from crossdock.connectors.tiktok.fulfilment_mapping import return_from_payload, units_of
from crossdock.domain.fulfilment.returns import ReturnRequest
from crossdock.domain.time import to_unix
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import BadRecord

PAGE_SIZE = 50                   # Search Returns page_size "Valid range: [10-50]"
# TikTok documents no limit on the time range; a month, as for orders, keeps each page-token chain short.
MAX_WINDOW = timedelta(days=31)


class TikTokReturns:
    max_window = MAX_WINDOW

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._client = client
        self._cipher = ShopCipher(client, shop_id)

    def list_returns(self, since: datetime, until: datetime) -> Iterator[list[ReturnRequest | BadRecord]]:
        if since > until:
            return
        # [ge, lt) on whole seconds; `until` is inclusive for us.
        filters = {"update_time_ge": to_unix(since), "update_time_lt": to_unix(until) + 1}
        cipher = self._cipher()
        token = ""
        while True:
            # Oldest change first: a return updated while we page moves behind us and is listed again, not lost.
            page = self._client.search_returns(shop_cipher=cipher, page_size=PAGE_SIZE, page_token=token,
                                               sort_field="update_time", sort_order="ASC", filters=filters)
            raw = page.get("return_orders") or []
            if not isinstance(raw, list):
                raise Fatal("Search Returns answered `return_orders` that is not a list")
            if raw:
                lines = self._line_of_unit(raw)
                yield [self._map(item, lines) for item in raw]
            token = str(page.get("next_page_token") or "")
            if not token:
                return

    def _line_of_unit(self, returns: list[Any]) -> dict[str, str]:
        """Each returned unit's order line (our line id is the first unit of a SKU's group)."""
        order_ids = list(dict.fromkeys(str(r["order_id"]) for r in returns
                                       if isinstance(r, dict) and r.get("order_id")))
        line_of: dict[str, str] = {}
        for i in range(0, len(order_ids), DETAIL_BATCH):
            answer = self._client.get_orders(shop_cipher=self._cipher(), ids=order_ids[i:i + DETAIL_BATCH])
            for order in answer.get("orders") or []:
                try:
                    line_of.update({u.id: u.line_id for u in units_of(order)})
                except BadPayload:
                    continue     # an unreadable order: its returned units keep their own ids
        return line_of

    @staticmethod
    def _map(raw: Any, lines: dict[str, str]) -> ReturnRequest | BadRecord:
        try:
            return return_from_payload(raw, lines)
        except BadPayload as exc:
            return_id = raw.get("return_id") if isinstance(raw, dict) else None
            return BadRecord(str(return_id or f"no-id-{fingerprint(raw)[:16]}"), exc.reason, raw)
