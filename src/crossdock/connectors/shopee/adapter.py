"""Shopee behind our ports: orders, listings (item list + base info + model lists), stock updates, consent."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors.shopee.client import ShopeeClient
from crossdock.connectors.shopee.mapping import (
    DETAIL_FIELDS,
    ItemHead,
    item_head,
    listing_from_item,
    listing_from_model,
    order_from_detail,
)
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.domain.time import to_unix
from crossdock.ports.marketplace import (
    BadRecord,
    Listing,
    OrderRef,
    StockResult,
    StockUpdate,
    TimeField,
    TokenSet,
)

PAGE_SIZE = 100          # get_order_list page_size upper limit
DETAIL_BATCH = 50        # get_order_detail order_sn_list upper limit
MAX_WINDOW = timedelta(days=15)  # get_order_list time_from..time_to upper limit
_TIME_FIELD = {TimeField.CREATED: "create_time", TimeField.UPDATED: "update_time"}
ITEM_PAGE = 100          # get_item_list page_size upper limit
BASE_INFO_BATCH = 50     # get_item_base_info item_id_list upper limit
STOCK_BATCH = 50         # update_stock stock_list upper limit (one item per call)
# Every item_status a seller still owns; deleted items (SELLER_DELETE, SHOPEE_DELETE) are gone for good.
LISTED_STATUSES = ("NORMAL", "UNLIST", "BANNED", "REVIEWING")
# Errors that refuse one item, not the store or the call: the item's updates fail, the others go on.
_ITEM_REFUSALS = frozenset({"error_item_not_found", "error_item_not_belong_shop", "error_item_uneditable"})


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


class ShopeeListings:
    """Every item the seller owns, as listings: one per model, or one per item without models."""

    def __init__(self, client: ShopeeClient) -> None:
        self._client = client

    def list_listings(self) -> Iterator[list[Listing | BadRecord]]:
        offset = 0
        while True:
            page = self._client.get_item_list(offset=offset, page_size=ITEM_PAGE, item_status=LISTED_STATUSES)
            item_ids = _item_ids(page.get("item"))
            if item_ids:
                yield self._listings(item_ids)
            if not page.get("has_next_page"):
                return
            next_offset = page.get("next_offset")
            if not isinstance(next_offset, int) or next_offset <= offset:
                raise Fatal(f"Shopee get_item_list answered next_offset {next_offset!r} after offset {offset}")
            offset = next_offset

    def _listings(self, item_ids: list[int]) -> list[Listing | BadRecord]:
        out: list[Listing | BadRecord] = []
        for i in range(0, len(item_ids), BASE_INFO_BATCH):
            batch = item_ids[i:i + BASE_INFO_BATCH]
            found = _by_item_id(self._client.get_item_base_info(batch).get("item_list"))
            for item_id in batch:
                raw = found.get(item_id)
                if raw is None:
                    out.append(BadRecord(str(item_id), "listed by get_item_list but missing from get_item_base_info",
                                         None))
                else:
                    out.extend(self._item(item_id, raw))
        return out

    def _item(self, item_id: int, raw: Any) -> list[Listing | BadRecord]:
        try:
            head = item_head(raw)
            if not head.has_model:
                return [listing_from_item(head)]
        except BadPayload as exc:
            return [BadRecord(str(item_id), exc.reason, raw)]
        return self._models(head)

    def _models(self, head: ItemHead) -> list[Listing | BadRecord]:
        try:
            models = self._client.get_model_list(int(head.item_id)).get("model")
        except Fatal as exc:
            # The item went away between the list and this call: say so rather than drop it.
            if exc.code in _ITEM_REFUSALS:
                return [BadRecord(head.item_id, str(exc), head.raw)]
            raise
        if not isinstance(models, list) or not models:
            return [BadRecord(head.item_id, "has_model is true but get_model_list returned no model", head.raw)]
        out: list[Listing | BadRecord] = []
        for raw in models:
            try:
                out.append(listing_from_model(head, raw))
            except BadPayload as exc:
                model_id = raw.get("model_id") if isinstance(raw, dict) else None
                out.append(BadRecord(f"{head.item_id}/{model_id}", exc.reason, raw))
        return out


class ShopeeStock:
    """New seller stock, one update_stock call per item and up to 50 of its models."""

    stock_batch = STOCK_BATCH

    def __init__(self, client: ShopeeClient) -> None:
        self._client = client

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        results: dict[int, StockResult] = {}
        for item_id, chunk in _stock_calls(updates):
            results.update(self._push_item(item_id, chunk, updates))
        return [results[index] for index in range(len(updates))]

    def _push_item(self, item_id: str, chunk: list[int], updates: Sequence[StockUpdate]) -> dict[int, StockResult]:
        """One update_stock call for `chunk` (indices into updates, all of `item_id`, each model once)."""
        ids, out = _sendable(item_id, chunk, updates)
        if not ids:
            return out
        stock_list = [{"model_id": model_id, "seller_stock": [{"stock": updates[index].quantity}]}
                      for index, model_id in ids.items()]
        try:
            answer = self._client.update_stock(int(item_id), stock_list)
        except Fatal as exc:
            if exc.code not in _ITEM_REFUSALS:
                raise
            return out | {index: StockResult(updates[index], False, str(exc)) for index in ids}
        return out | _stock_results(answer, ids, updates)


def _item_ids(raw: Any) -> list[int]:
    """The item ids of a get_item_list page (its `item` list; absent on an empty page)."""
    if not isinstance(raw, list):
        return []
    ids = [entry.get("item_id") for entry in raw if isinstance(entry, dict)]
    return [item_id for item_id in ids if isinstance(item_id, int) and not isinstance(item_id, bool)]


def _by_item_id(raw: Any) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for item in raw if isinstance(raw, list) else []:
        item_id = item.get("item_id") if isinstance(item, dict) else None
        if isinstance(item_id, int):
            found[item_id] = item
    return found


def _model_id(update: StockUpdate) -> int | None:
    """The model_id update_stock wants: 0 for an item without models; None when it is not a Shopee id."""
    if update.variant_id == "":
        return 0
    return int(update.variant_id) if update.variant_id.isdigit() else None


def _stock_calls(updates: Sequence[StockUpdate]) -> Iterator[tuple[str, list[int]]]:
    """Indices of `updates` grouped into calls: one item each, at most 50 models, no model twice
    (Shopee refuses a repeated model_id; a later update of the same model goes in a later call, so it wins)."""
    by_item: dict[str, list[int]] = {}
    for index, update in enumerate(updates):
        by_item.setdefault(update.item_id, []).append(index)
    for item_id, indices in by_item.items():
        calls: list[tuple[set[str], list[int]]] = []
        for index in indices:
            variant = updates[index].variant_id
            call = next((c for c in calls if variant not in c[0] and len(c[1]) < STOCK_BATCH), None)
            if call is None:
                call = (set(), [])
                calls.append(call)
            call[0].add(variant)
            call[1].append(index)
        for _, chunk in calls:
            yield item_id, chunk


def _sendable(
    item_id: str, chunk: list[int], updates: Sequence[StockUpdate]
) -> tuple[dict[int, int], dict[int, StockResult]]:
    """The chunk's model ids by update index, and results for the updates whose ids Shopee could never know."""
    ids: dict[int, int] = {}
    refused: dict[int, StockResult] = {}
    for index in chunk:
        model_id = _model_id(updates[index])
        if not item_id.isdigit() or model_id is None:
            refused[index] = StockResult(updates[index], False, "not a Shopee item_id / model_id")
        else:
            ids[index] = model_id
    return ids, refused


def _stock_results(
    answer: dict[str, Any], ids: dict[int, int], updates: Sequence[StockUpdate]
) -> dict[int, StockResult]:
    """One result per sent update, from update_stock's success_list and failure_list."""
    succeeded, failed = _stock_outcome(answer)
    out: dict[int, StockResult] = {}
    for index, model_id in ids.items():
        if model_id in failed:
            out[index] = StockResult(updates[index], False, failed[model_id])
        elif model_id in succeeded:
            out[index] = StockResult(updates[index], True)
        else:
            out[index] = StockResult(updates[index], False, "Shopee reported neither success nor failure",
                                     retryable=True)
    return out


def _stock_outcome(answer: dict[str, Any]) -> tuple[set[int], dict[int, str]]:
    """update_stock's answer as (model ids set, model id -> Shopee's failed_reason)."""
    succeeded = {entry.get("model_id", 0) for entry in answer.get("success_list") or [] if isinstance(entry, dict)}
    failed = {entry.get("model_id", 0): str(entry.get("failed_reason") or "refused by Shopee")
              for entry in answer.get("failure_list") or [] if isinstance(entry, dict)}
    return succeeded, failed
