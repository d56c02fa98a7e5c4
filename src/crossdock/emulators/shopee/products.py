"""The emulated product module of Shopee Open Platform v2: item list, base info, model list, stock updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crossdock.emulators._common.web import int_or_none
from crossdock.emulators.shopee.catalogue import (
    ITEM_STATUSES,
    Model,
    Product,
    base_info,
    list_entry,
    model_list,
    set_stock,
)
from crossdock.emulators.shopee.errors import ApiError, param_error
from crossdock.emulators.shopee.world import Shop

if TYPE_CHECKING:
    from crossdock.emulators.shopee.app import ShopeeApi, _Context

ITEM_LIST_PATH = "/api/v2/product/get_item_list"
ITEM_BASE_INFO_PATH = "/api/v2/product/get_item_base_info"
MODEL_LIST_PATH = "/api/v2/product/get_model_list"
UPDATE_STOCK_PATH = "/api/v2/product/update_stock"

# get_item_list: page_size "[1,100]".
ITEM_LIST_PAGE_SIZE_MAX = 100
# get_item_base_info: item_id_list holds at most 50 ids.
BASE_INFO_BATCH_MAX = 50
# update_stock: stock_list "Length should be between 1 to 50" (one item per call).
STOCK_LIST_MAX = 50
# Assumption: get_item_limit's stock_limit is not in the stored docs; 0..999,999 is Seller Centre's range.
STOCK_MAX = 999_999
# Statuses a seller can no longer edit (the docs' error_item_uneditable).
UNEDITABLE_STATUSES = frozenset({"SELLER_DELETE", "SHOPEE_DELETE"})
ITEM_NOT_FOUND_MESSAGE = "Product not found"
# update_price's wording for an item id the shop does not have, assumed shared by update_stock.
ITEM_ID_NOT_FOUND_MESSAGE = "Item_id is not found."

Handler = Callable[["_Context"], dict[str, Any]]


class StockRefused(Exception):
    """One stock_list entry Shopee refuses: it goes to failure_list with `reason`, the others go on."""

    def __init__(self, model_id: int, reason: str) -> None:
        super().__init__(reason)
        self.model_id = model_id
        self.reason = reason


class ProductApi:
    """The v2.product handlers; they share ShopeeApi's signing, rate limits, faults and envelope."""

    def __init__(self, api: ShopeeApi) -> None:
        self.api = api

    def _shop(self, ctx: _Context) -> Shop:
        return self.api.emu.world.shop(self.api._shop_auth(ctx))

    # ---- v2.product.get_item_list --------------------------------------------------------------

    def get_item_list(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        offset = _offset(ctx.query.get("offset", ""))
        page_size = self.api._required_int(ctx.query, "page_size")
        if not 1 <= page_size <= ITEM_LIST_PAGE_SIZE_MAX:
            raise param_error(f"page_size should be between 1 and {ITEM_LIST_PAGE_SIZE_MAX}")
        statuses = _item_statuses(ctx.lists.get("item_status", []))
        time_from, time_to = _update_window(ctx.query)
        # Listing order is creation order: stock changes move update_time but never an item's place,
        # so offsets stay valid while a seller pages through.
        matches = [
            product for product in shop.catalogue.products
            if product.status in statuses and time_from <= product.update_time <= time_to
        ]
        page = matches[offset:offset + page_size]
        return {
            "item": [list_entry(product) for product in page],
            "total_count": len(matches),
            "has_next_page": offset + len(page) < len(matches),
            "next_offset": offset + len(page),
        }

    # ---- v2.product.get_item_base_info ---------------------------------------------------------

    def get_item_base_info(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        item_ids = _item_id_list(ctx.lists.get("item_id_list", []))
        found = [shop.catalogue.by_id[item_id] for item_id in item_ids if item_id in shop.catalogue.by_id]
        if not found:
            raise ApiError("error_item_not_found", ITEM_NOT_FOUND_MESSAGE)
        result: dict[str, Any] = {"item_list": [base_info(product, shop.region) for product in found]}
        missing = [str(item_id) for item_id in item_ids if item_id not in shop.catalogue.by_id]
        if missing:
            # Assumption: like get_order_detail, ids the shop lacks are left out and named in a warning.
            result["__warning__"] = f"item_id not found: {','.join(missing)}"
        return result

    # ---- v2.product.get_model_list -------------------------------------------------------------

    def get_model_list(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        item_id = self.api._required_int(ctx.query, "item_id")
        product = shop.catalogue.by_id.get(item_id)
        if product is None:
            raise ApiError("error_item_not_found", ITEM_NOT_FOUND_MESSAGE)
        return model_list(product, shop.region)

    # ---- v2.product.update_stock ---------------------------------------------------------------

    def update_stock(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        body = self.api._json_body(ctx)
        item_id = int_or_none(body.get("item_id"))
        if item_id is None:
            raise param_error("item_id is required" if body.get("item_id") is None else "item_id is invalid")
        entries = _stock_list(body.get("stock_list"))
        product = shop.catalogue.by_id.get(item_id)
        if product is None:
            raise ApiError("error_item_not_found", ITEM_ID_NOT_FOUND_MESSAGE)
        if product.status in UNEDITABLE_STATUSES:
            raise ApiError("error_item_uneditable", "Can't edit this item. item status can not support editing.")
        success: list[dict[str, Any]] = []
        failure: list[dict[str, Any]] = []
        for entry in entries:
            try:
                model, stock = _resolve(product, entry, shop.region.location_id)
            except StockRefused as refused:
                failure.append({"model_id": refused.model_id, "failed_reason": refused.reason})
                continue
            set_stock(product, model, stock, ctx.now_ts)
            success.append({"model_id": model.model_id if model else 0, "location_id": shop.region.location_id,
                            "stock": stock})
        return {"failure_list": failure, "success_list": success}

    # ---- routes --------------------------------------------------------------------------------

    def _endpoint(self, handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await self.api._serve(request, handler, wrap=True)

        return endpoint

    def routes(self) -> list[Route]:
        return [
            Route(ITEM_LIST_PATH, self._endpoint(self.get_item_list), methods=["GET"]),
            Route(ITEM_BASE_INFO_PATH, self._endpoint(self.get_item_base_info), methods=["GET"]),
            Route(MODEL_LIST_PATH, self._endpoint(self.get_model_list), methods=["GET"]),
            Route(UPDATE_STOCK_PATH, self._endpoint(self.update_stock), methods=["POST"]),
        ]


# ---- parameter checks ---------------------------------------------------------------------------


def _offset(raw: str) -> int:
    # The docs mark offset required yet say "Default is 0": an absent offset reads as 0.
    if raw == "":
        return 0
    offset = int_or_none(raw)
    if offset is None or offset < 0:
        raise param_error("offset is invalid")
    return offset


def _item_statuses(values: list[str]) -> frozenset[str]:
    if not values or not any(values):
        raise param_error("item_status is required")
    if any(value not in ITEM_STATUSES for value in values):
        raise ApiError("error_param_item_status", "Item status error.")
    return frozenset(values)


def _update_window(query: dict[str, str]) -> tuple[float, float]:
    """[update_time_from, update_time_to], open-ended on the side a seller leaves out."""
    bounds: list[float] = []
    for name, default in (("update_time_from", float("-inf")), ("update_time_to", float("inf"))):
        raw = query.get(name, "")
        value = int_or_none(raw) if raw else None
        if raw and value is None:
            raise param_error(f"{name} is invalid")
        bounds.append(default if value is None else value)
    if bounds[1] <= bounds[0]:
        raise ApiError("error_update_time_range", "Update_time_to should be later than update_time_from.")
    return bounds[0], bounds[1]


def _item_id_list(values: list[str]) -> list[int]:
    """The ids of item_id_list, given comma-separated (the docs' sample) or repeated; duplicates count once."""
    parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not parts:
        raise param_error("item_id_list is required")
    if len(parts) > BASE_INFO_BATCH_MAX:
        raise param_error(f"item_id_list length should be between 1 and {BASE_INFO_BATCH_MAX}")
    ids = [int_or_none(part) for part in parts]
    if any(item_id is None or item_id <= 0 for item_id in ids):
        raise param_error("item_id_list is invalid")
    return list(dict.fromkeys(item_id for item_id in ids if item_id is not None))


def _stock_list(raw: object) -> list[dict[str, Any]]:
    """stock_list checked as a whole: 1..50 objects, each model at most once (else the call fails)."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= STOCK_LIST_MAX:
        raise param_error(f"stock_list length should be between 1 and {STOCK_LIST_MAX}")
    if not all(isinstance(entry, dict) for entry in raw):
        raise param_error("stock_list is invalid")
    model_ids = [int_or_none(entry.get("model_id", 0)) for entry in raw]
    if any(model_id is None for model_id in model_ids):
        raise param_error("model_id is invalid")
    if len(set(model_ids)) != len(model_ids):
        raise ApiError("error_param", "Repeat model_id.")
    return raw


def _resolve(product: Product, entry: dict[str, Any], location_id: str) -> tuple[Model | None, int]:
    """The variant an entry names and the stock to set; StockRefused when Shopee would refuse that one."""
    model_id = int_or_none(entry.get("model_id", 0)) or 0
    model = product.model(model_id) if product.models else None
    if (product.models and model is None) or (not product.models and model_id != 0):
        raise StockRefused(model_id, "Wrong model_id.")
    seller_stock = entry.get("seller_stock")
    # Assumption: each market has one seller warehouse, so a model carries exactly one seller_stock entry.
    if not isinstance(seller_stock, list) or len(seller_stock) != 1 or not isinstance(seller_stock[0], dict):
        raise StockRefused(model_id, "seller_stock should hold one entry.")
    location = seller_stock[0].get("location_id")
    if location not in (None, "", location_id):
        raise StockRefused(model_id, "Invalid stock location ID")
    stock = int_or_none(seller_stock[0].get("stock"))
    if stock is None or not 0 <= stock <= STOCK_MAX:
        raise StockRefused(model_id, f"Stock should be between 0 and {STOCK_MAX}.")
    return model, stock
