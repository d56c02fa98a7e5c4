"""Search Products, Update Inventory (Products API 202309) and Get Warehouse List (Logistics API 202309) as
documented: the requests they accept, the answers and the error codes they give, on a shop's catalogue."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

from crossdock.emulators._common.web import int_or_none
from crossdock.emulators.tiktok.catalogue import (
    PRODUCT_STATUSES,
    QUANTITY_MAX,
    QUANTITY_MIN,
    ListedSku,
    Product,
    ShopCatalogue,
)
from crossdock.emulators.tiktok.regions import Region

SEARCH_PATH = "/product/202309/products/search"
INVENTORY_UPDATE_PATH = "/product/202309/products/{product_id}/inventory/update"
WAREHOUSES_PATH = "/logistics/202309/warehouses"

PAGE_SIZE_MAX = 100           # Search Products page_size "Valid range: [1-100]"
SEARCH_RESULTS_MAX = 10_000   # 12052180 "The total number of search results can not exceed 10000."
FILTER_IDS_MAX = 10           # seller_skus and sku_ids: "Max count: 10"
SKUS_PER_UPDATE_MAX = 100     # 12052050 "A single product cannot have more than 100 different SKUs"

# Search Products error codes.
PAGE_SIZE_INVALID = 12019109
SELLER_SKUS_TOO_MANY = 12019027
SKU_IDS_TOO_MANY = 12019087
CREATE_TIME_INVALID = 12019118
UPDATE_TIME_INVALID = 12019119
SEARCH_TOO_DEEP = 12052180
INVALID_INPUT = 12052910
# Update Inventory error codes: for the whole call ...
PRODUCT_NOT_FOUND = 12052032
SKU_ID_REQUIRED = 12052036
TOO_MANY_SKUS = 12052050
PRODUCT_STATUS = 12052901
SKU_LIST_EMPTY = 12052902
DUPLICATE_SKU = 12052553
# ... and per SKU, in `data.errors` (the documented sample: a main error with per-warehouse extra errors).
SKU_NOT_FOUND = 12052556
NO_WAREHOUSE = 12019022
STOCK_COUNT_INVALID = 12019024
MULTIPLE_WAREHOUSES = 12019028
CHECK_FAILED = 12052990
WAREHOUSE_NOT_FOUND = 12052097
QUANTITY_LIMITS = 12052055
WAREHOUSE_CHANGED = 12052533
# Update Inventory: "Update the inventory quantity of SKUs belonging to a product in the ACTIVATE status";
# the 202309 page: "The SKU stock can be updated only by this SKU in live status. Or you can not be successful".
STOCK_EDITABLE_STATUSES = frozenset({"ACTIVATE"})

MESSAGES = {
    PAGE_SIZE_INVALID: "page size is invalid",
    SELLER_SKUS_TOO_MANY: "The maximum count of “seller_skus” in the search filter is 10.",
    SKU_IDS_TOO_MANY: "The number of SKU IDs exceeds the limit of 10",
    CREATE_TIME_INVALID: "search create time invalid",
    UPDATE_TIME_INVALID: "search update time invalid",
    SEARCH_TOO_DEEP: "The total number of search results can not exceed 10000.",
    INVALID_INPUT: "Invalid input parameters. Refer to the API documentation for details.",
    PRODUCT_NOT_FOUND: "The product does not exist",
    SKU_ID_REQUIRED: "The SKU ID is necessary",
    TOO_MANY_SKUS: "A single product cannot have more than 100 different SKUs",
    PRODUCT_STATUS: "The product in its current status is not available for this operation. Change the product "
                    "status and try again.",
    SKU_LIST_EMPTY: "The SKU list is empty. Either omit the list entirely, or provide all required details.",
    DUPLICATE_SKU: "Sku id duplicate",
    SKU_NOT_FOUND: "The SKU id not exist.",
    NO_WAREHOUSE: "SKU must contain a valid warehouse.",
    STOCK_COUNT_INVALID: "stock count is invalid",
    MULTIPLE_WAREHOUSES: "Multiple warehouses detected. Include all warehouse IDs and the corresponding details "
                         "and try again.",
    CHECK_FAILED: "Check failed",
    WAREHOUSE_NOT_FOUND: "The warehouse does not exist",
    QUANTITY_LIMITS: "The SKU inventory quantity for the warehouse must be within allowed limits.",
    WAREHOUSE_CHANGED: "Removal, addition, and change of warehouses are not permitted. Please specify the original "
                       "warehouses for the SKUs.",
}


class ProductApiError(Exception):
    """A refusal of the whole call, with TikTok's code and message."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        super().__init__(f"{code}: {self.message}")


class _SkuError(Exception):
    """A refusal of one SKU of an Update Inventory call; `extra` holds (warehouse id, secondary code) pairs."""

    def __init__(self, code: int, extra: tuple[tuple[str, int], ...] = ()) -> None:
        super().__init__(code)
        self.code, self.extra = code, extra


# ---- Search Products --------------------------------------------------------------------------------

def _page_token(offset: int) -> str:
    # Shaped like the documented token "b2Zmc2V0PTAK", which is base64 of "offset=0\n".
    return base64.b64encode(f"offset={offset}\n".encode()).decode()


def _offset(token: str) -> int:
    try:
        text = base64.b64decode(token, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ProductApiError(INVALID_INPUT) from None
    key, _, value = text.strip().partition("=")
    offset = int_or_none(value)
    if key != "offset" or offset is None or offset < 0:
        raise ProductApiError(INVALID_INPUT)
    return offset


def _id_filter(body: Mapping[str, Any], name: str, too_many: int) -> set[str] | None:
    raw = body.get(name)
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ProductApiError(INVALID_INPUT)
    if len(raw) > FILTER_IDS_MAX:
        raise ProductApiError(too_many)
    return set(raw)


def _time_window(body: Mapping[str, Any], name: str, invalid: int, now_ts: int) -> tuple[int, int] | None:
    """[ge, le]; "If *_ge is filled but *_le is empty, *_le will default to the current time" and the reverse
    defaults to the shop's earliest time."""
    ge, le = body.get(f"{name}_ge"), body.get(f"{name}_le")
    if ge is None and le is None:
        return None
    low, high = int_or_none(ge) if ge is not None else 0, int_or_none(le) if le is not None else now_ts
    if low is None or high is None or low < 0 or high < low:
        raise ProductApiError(invalid)
    return low, high


def _matcher(body: Mapping[str, Any], now_ts: int) -> Callable[[Product], bool]:
    """A predicate over products for the body's filters (status, seller SKUs, SKU ids, times)."""
    status = body.get("status", "ALL")
    if status != "ALL" and status not in PRODUCT_STATUSES:
        raise ProductApiError(INVALID_INPUT)
    seller_skus = _id_filter(body, "seller_skus", SELLER_SKUS_TOO_MANY)
    sku_ids = _id_filter(body, "sku_ids", SKU_IDS_TOO_MANY)
    created = _time_window(body, "create_time", CREATE_TIME_INVALID, now_ts)
    updated = _time_window(body, "update_time", UPDATE_TIME_INVALID, now_ts)

    def matches(product: Product) -> bool:
        return ((status == "ALL" or product.status == status)
                and (seller_skus is None or any(s.seller_sku in seller_skus for s in product.skus))
                and (sku_ids is None or any(s.id in sku_ids for s in product.skus))
                and (created is None or created[0] <= product.create_time <= created[1])
                and (updated is None or updated[0] <= product.update_time <= updated[1]))

    return matches


def search_products(catalogue: ShopCatalogue, region: Region, query: Mapping[str, str], body: Mapping[str, Any],
                    now_ts: int) -> dict[str, Any]:
    """POST /product/202309/products/search: the products matching the body, a page at a time."""
    page_size = int_or_none(query.get("page_size"))
    if page_size is None or not 1 <= page_size <= PAGE_SIZE_MAX:
        raise ProductApiError(PAGE_SIZE_INVALID)
    offset = _offset(query["page_token"]) if query.get("page_token") else 0
    # Assumption: the cap counts every result up to the end of the page asked for.
    if offset + page_size > SEARCH_RESULTS_MAX:
        raise ProductApiError(SEARCH_TOO_DEEP)
    matches = _matcher(body, now_ts)
    # Assumption: products are listed in the order the seller created them (the docs name no order).
    found = [p for p in catalogue.products.values() if matches(p)]
    page = found[offset:offset + page_size]
    end = offset + len(page)
    return {"total_count": len(found), "products": [p.payload(region) for p in page],
            "next_page_token": _page_token(end) if end < len(found) else ""}


# ---- Get Warehouse List -----------------------------------------------------------------------------

def list_warehouses(catalogue: ShopCatalogue, region: Region) -> dict[str, Any]:
    """GET /logistics/202309/warehouses: every warehouse of the shop's seller."""
    return {"warehouses": [w.payload(region) for w in catalogue.warehouses]}


# ---- Update Inventory -------------------------------------------------------------------------------

def _sku_requests(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The body's `skus`, checked as a whole: present, at most 100, each with a distinct id."""
    skus = body.get("skus")
    if skus is None or skus == []:
        raise ProductApiError(SKU_LIST_EMPTY)
    if not isinstance(skus, list) or not all(isinstance(s, dict) for s in skus):
        raise ProductApiError(INVALID_INPUT)
    if len(skus) > SKUS_PER_UPDATE_MAX:
        raise ProductApiError(TOO_MANY_SKUS)
    ids = [s.get("id") for s in skus]
    if not all(isinstance(i, str) and i for i in ids):
        raise ProductApiError(SKU_ID_REQUIRED)
    if len(set(ids)) != len(ids):
        raise ProductApiError(DUPLICATE_SKU)
    return skus


def _new_stock(catalogue: ShopCatalogue, sku: ListedSku, inventory: Any) -> dict[str, int]:
    """The SKU's new stock per warehouse; the request must name exactly the SKU's warehouses."""
    if not isinstance(inventory, list) or not inventory or not all(isinstance(i, dict) for i in inventory):
        raise _SkuError(NO_WAREHOUSE)
    new: dict[str, int] = {}
    extra: list[tuple[str, int]] = []
    for entry in inventory:
        quantity = entry.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise _SkuError(STOCK_COUNT_INVALID)
        warehouse_id = entry.get("warehouse_id")
        if warehouse_id in (None, ""):
            # "Optional if there is only 1 warehouse. Otherwise, please provide this ID."
            if len(sku.stock) != 1:
                raise _SkuError(MULTIPLE_WAREHOUSES)
            warehouse_id = next(iter(sku.stock))
        warehouse_id = str(warehouse_id)
        if catalogue.warehouse(warehouse_id) is None:
            extra.append((warehouse_id, WAREHOUSE_NOT_FOUND))
        elif warehouse_id not in sku.stock:
            extra.append((warehouse_id, WAREHOUSE_CHANGED))
        elif not QUANTITY_MIN <= quantity <= QUANTITY_MAX:
            extra.append((warehouse_id, QUANTITY_LIMITS))
        new[warehouse_id] = quantity
    extra += [(w, WAREHOUSE_CHANGED) for w in sku.stock if w not in new]
    if extra:
        raise _SkuError(CHECK_FAILED, tuple(extra))
    return new


def _sku_error(sku_id: str, error: _SkuError) -> dict[str, Any]:
    detail: dict[str, Any] = {"sku_id": sku_id}
    if error.extra:
        detail["extra_errors"] = [{"warehouse_id": w, "code": c, "message": MESSAGES[c]} for w, c in error.extra]
    return {"code": error.code, "message": MESSAGES[error.code], "detail": detail}


def update_inventory(catalogue: ShopCatalogue, product_id: str, body: Mapping[str, Any],
                     now_ts: int) -> dict[str, Any]:
    """POST /product/202309/products/{product_id}/inventory/update: SKUs that pass are updated, the others
    are listed in `errors`."""
    product = catalogue.products.get(product_id)
    if product is None:
        raise ProductApiError(PRODUCT_NOT_FOUND)
    skus = _sku_requests(body)
    if product.status not in STOCK_EDITABLE_STATUSES:
        raise ProductApiError(PRODUCT_STATUS)
    errors = []
    for request in skus:
        # "If you are updating multiple SKUs, all the SKU IDs must belong to the same product."
        sku = product.sku(request["id"])
        try:
            if sku is None:
                raise _SkuError(SKU_NOT_FOUND)
            sku.stock = _new_stock(catalogue, sku, request.get("inventory"))
        except _SkuError as exc:
            errors.append(_sku_error(request["id"], exc))
    if len(errors) < len(skus):
        product.update_time = now_ts
    return {"errors": errors} if errors else {}
