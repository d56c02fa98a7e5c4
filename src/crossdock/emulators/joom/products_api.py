"""The v3 Products endpoints of the Joom emulator: products/multi, one product, and products/update.

Paths and paging from api-v3-docs.merchant.joom.com ("Pagination": products/multi with `limit` and `after`,
`paging.next`); the update call and its variant fields (sku or id, price, currency, inventory, enabled) as
public Joom clients send them to POST /api/v3/products/update?id=|sku=.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from crossdock.emulators.joom.catalogue import (
    MAX_VARIANTS_PER_PRODUCT,
    CatalogueProduct,
    CatalogueVariant,
    merged_pages,
)
from crossdock.emulators.joom.protocol import (
    INVALID_ARGUMENT,
    NOT_FOUND,
    ApiError,
    Context,
    continue_query,
    encode_cursor,
    invalid,
)
from crossdock.emulators.joom.world import rfc3339, to_timestamp

if TYPE_CHECKING:
    from crossdock.emulators.joom.emulator import JoomEmulator

PRODUCTS_MULTI_PATH = "/api/v3/products/multi"
PRODUCT_PATH = "/api/v3/products"
PRODUCT_UPDATE_PATH = "/api/v3/products/update"
# "Default limit is 100 items per request ... Maximum limit is 500 items per request. Even if the query
# parameter limit exceeds 500, the response will contain no more than 500 items." (v3 "Pagination")
PRODUCTS_DEFAULT_LIMIT = 100
PRODUCTS_MAX_LIMIT = 500
# Assumption: products/multi narrows to one store with `storeId`, as orders/multi does.
_PAGING_FILTERS = ("storeId",)

FieldError = dict[str, str]
Change = tuple[CatalogueVariant, dict[str, Any]]


def _field_error(where: str, expected: str, got: object) -> FieldError:
    # Worded like the docs' invalid_argument example, one error per faulty field.
    return {"code": INVALID_ARGUMENT, "field": where,
            "message": f"Invalid argument `{where}`: expected {expected}, got `{got}`"}


class ProductsApi:
    """Handlers run under the emulator's lock with ctx.merchant set by the bearer check."""

    def __init__(self, emulator: JoomEmulator) -> None:
        self.emu = emulator

    # ---- reading ----------------------------------------------------------------------------

    def multi(self, ctx: Context) -> dict[str, Any]:
        """GET /api/v3/products/multi: the merchant's products in id order, `limit` a page, `after` a cursor."""
        assert ctx.merchant is not None
        raw_limit = ctx.query.get("limit", str(PRODUCTS_DEFAULT_LIMIT))
        if not raw_limit.isdigit() or int(raw_limit) < 1:
            raise invalid("limit", "a positive integer", raw_limit)
        limit = min(int(raw_limit), PRODUCTS_MAX_LIMIT)
        after_id, filters = continue_query(ctx.query, _PAGING_FILTERS)
        stores = self.emu.world.stores_of(ctx.merchant)
        if filters["storeId"]:
            # A store of another merchant is reported like a missing one, never revealed.
            stores = [s for s in stores if s.id == filters["storeId"]]
            if not stores:
                raise invalid("storeId", "a store of this merchant", filters["storeId"])
        found = list(islice(merged_pages((s.catalogue for s in stores), after_id), limit + 1))
        page = found[:limit]
        paging: dict[str, Any] = {}
        if len(found) > limit:
            # "This URL will have the same limit as the original request."
            query = urlencode({"after": encode_cursor(page[-1].id, filters), "limit": limit})
            paging["next"] = f"{ctx.base_url.rstrip('/')}{PRODUCTS_MULTI_PATH}?{query}"
        return {"data": {"items": [self._payload(p) for p in page]}, "paging": paging}

    def get(self, ctx: Context) -> dict[str, Any]:
        """GET /api/v3/products?id=|sku=: one product of the merchant."""
        return {"data": self._payload(self._product(ctx))}

    # ---- writing ----------------------------------------------------------------------------

    def update(self, ctx: Context) -> dict[str, Any]:
        """POST /api/v3/products/update?id=|sku=: change variants (stock, price, on sale) and the product's
        `enabled`. The whole request is refused, every fault listed, when any part of it is wrong."""
        product = self._product(ctx)
        body = ctx.json_body()
        changes, errors = _variant_changes(product, body.get("variants", []))
        enabled = body.get("enabled")
        if enabled is not None and not isinstance(enabled, bool):
            errors.append(_field_error("enabled", "boolean", enabled))
        if errors:
            first, *rest = errors
            raise ApiError(400, first["code"], first["message"], first["field"], more=rest)
        for variant, change in changes:
            for name, value in change.items():
                setattr(variant, name, value)
        if enabled is not None:
            product.set_enabled(enabled)
        product.updated = to_timestamp(ctx.now)
        return {"data": self._payload(product)}

    # ---- helpers ----------------------------------------------------------------------------

    def _product(self, ctx: Context) -> CatalogueProduct:
        assert ctx.merchant is not None
        product_id, sku = ctx.query.get("id", ""), ctx.query.get("sku", "")
        if not product_id and not sku:
            raise invalid("id", "a product id or a product sku", "")
        product = self.emu.world.find_product(ctx.merchant, product_id, sku)
        if product is None:
            named = f"ID '{product_id}'" if product_id else f"SKU '{sku}'"
            raise ApiError(404, NOT_FOUND, f"Product with {named} not found")
        return product

    @staticmethod
    def _payload(product: CatalogueProduct) -> dict[str, Any]:
        return product.payload(rfc3339(product.updated))


def _variant_changes(product: CatalogueProduct, raw: object) -> tuple[list[Change], list[FieldError]]:
    """What each entry of `variants` changes, or every fault found in them."""
    if not isinstance(raw, list):
        return [], [_field_error("variants", "a list of variants", raw)]
    if len(raw) > MAX_VARIANTS_PER_PRODUCT:
        return [], [_field_error("variants", f"at most {MAX_VARIANTS_PER_PRODUCT} variants", len(raw))]
    changes: list[Change] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        where = f"variants.{index}"
        variant, fault = _variant_of(product, entry, where)
        if variant is None:
            errors.append(fault or _field_error(where, "a variant", entry))
            continue
        if variant.id in seen:
            errors.append(_field_error(f"{where}.id", "each variant once per request", variant.id))
            continue
        seen.add(variant.id)
        change, faults = _entry_change(variant, entry, where)
        errors.extend(faults)
        changes.append((variant, change))
    return changes, errors


def _variant_of(product: CatalogueProduct, entry: object, where: str,
                ) -> tuple[CatalogueVariant | None, FieldError | None]:
    """The product's variant an entry names by Joom id (preferred) or by the merchant's SKU."""
    if not isinstance(entry, dict):
        return None, _field_error(where, "a variant object", entry)
    variant_id, sku = entry.get("id"), entry.get("sku")
    if variant_id:
        found = next((v for v in product.variants if v.id == variant_id), None)
        named, field = f"ID '{variant_id}'", f"{where}.id"
    elif sku:
        found = next((v for v in product.variants if v.sku == sku), None)
        named, field = f"SKU '{sku}'", f"{where}.sku"
    else:
        return None, _field_error(f"{where}.id", "a variant id or sku", "")
    if found is None:
        # Assumption: update never creates variants in the emulator, so an unknown one is refused.
        return None, {"code": INVALID_ARGUMENT, "field": field,
                      "message": f"Variant with {named} not found in product '{product.id}'"}
    return found, None


def _entry_change(variant: CatalogueVariant, entry: dict[str, Any], where: str,
                  ) -> tuple[dict[str, Any], list[FieldError]]:
    change: dict[str, Any] = {}
    faults: list[FieldError] = []
    if "inventory" in entry:
        inventory = entry["inventory"]
        if isinstance(inventory, bool) or not isinstance(inventory, int) or inventory < 0:
            faults.append(_field_error(f"{where}.inventory", "non-negative integer", inventory))
        else:
            change["inventory"] = inventory
    if "price" in entry:
        price = _price(entry["price"])
        if price is None:
            faults.append(_field_error(f"{where}.price", "positive decimal", entry["price"]))
        else:
            change["price"] = price
    if "currency" in entry and entry["currency"] != variant.currency:
        # Assumption: a variant keeps its store's currency; the API only confirms it.
        faults.append(_field_error(f"{where}.currency", variant.currency, entry["currency"]))
    if "enabled" in entry:
        if not isinstance(entry["enabled"], bool):
            faults.append(_field_error(f"{where}.enabled", "boolean", entry["enabled"]))
        else:
            change["enabled"] = entry["enabled"]
    return change, faults


def _price(raw: object) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        price = Decimal(str(raw))
    except InvalidOperation:
        return None
    return price if price.is_finite() and price > 0 else None
