"""TikTok Shop behind our ports: whole orders page by page, the seller's shops, consent to tokens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog

from crossdock.connectors._kit.errors import AuthFailed, BadPayload
from crossdock.connectors.tiktok.client import TikTokClient
from crossdock.connectors.tiktok.mapping import order_from_payload
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.domain.time import to_unix
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import BadRecord, OrderRef, RemoteStore, TimeField, TokenSet

log = structlog.get_logger(__name__)
PAGE_SIZE = 100                   # Get Order List page_size "Valid range: [1-100]"
DETAIL_BATCH = 50                 # Get Order Detail ids "Max count: 50"
# TikTok documents no limit on a search's time range; a month keeps each page-token chain short
# and covers the usual 30-day first pull in one query.
MAX_WINDOW = timedelta(days=31)
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


class TikTokOrders:
    max_window = MAX_WINDOW
    detail_batch = DETAIL_BATCH

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._client = client
        self._shop_id = shop_id
        self._cipher: str | None = None

    def shop_cipher(self) -> str:
        """The shop's cipher from Get Authorized Shops, asked once per client (one call per pull)."""
        if self._cipher is None:
            for shop in self._client.get_authorized_shops():
                if str(shop.get("id")) == self._shop_id and shop.get("cipher"):
                    self._cipher = str(shop["cipher"])
                    break
            else:
                raise AuthFailed(f"shop {self._shop_id} is not among the shops the seller authorized: "
                                 "the seller must authorize it again")
        return self._cipher

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
