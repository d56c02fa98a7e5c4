"""UpdateSellableQuantity: the XML `payload` read as Lazada documents it, and each SKU's new sellable stock
applied or refused on its own."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from crossdock.emulators.lazada.products import WAREHOUSE, Catalogue, StockedSku

# "The maximum number of products that can be updated is 50, but 20 is recommended." (E204 past it.)
MAX_SKUS = 50
# Assumption: Lazada's gateway caps parameter sizes but publishes no figure; 50 SKUs fit well within this.
MAX_PAYLOAD_CHARS = 200_000
# Documented texts: E200 (GetProductItem, empty SellerSku), E207 (SKU not exist), 212 (negative sellable stock).
MSG_NO_SKU = "Empty Item Id and Seller Sku"
MSG_UNKNOWN = "SKU not exist"
MSG_NEGATIVE = "Sellable inventory cannot be negative"
# Assumptions: the words for a quantity that is not a number, a SkuId of another item or seller SKU, and a
# warehouse the seller does not have.
MSG_NOT_A_NUMBER = "SellableQuantity must be a whole number"
MSG_MISMATCH = "SkuId does not belong to the given ItemId and SellerSku"
MSG_WAREHOUSE = "Warehouse {} does not exist"
_WHOLE = re.compile(r"^-?[0-9]{1,9}$")
_ID = re.compile(r"^[0-9]{1,19}$")


class PayloadError(Exception):
    """The payload as a whole is refused: `number` is Lazada's error number (5 bad format, 204 too many SKUs)."""

    def __init__(self, number: int, detail: str) -> None:
        super().__init__(detail)
        self.number, self.detail = number, detail


@dataclass(frozen=True)
class SkuLine:
    """One <Sku> of the payload, as text; checked when applied so one bad SKU does not sink the others."""

    item_id: str
    sku_id: str
    seller_sku: str
    quantity: str
    warehouse_error: str = ""


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _line(sku: ET.Element) -> SkuLine:
    """The single-warehouse form (<SellableQuantity>) or the multi-warehouse one (<MultiWarehouseInventories>)."""
    item_id, sku_id, seller_sku = _text(sku, "ItemId"), _text(sku, "SkuId"), _text(sku, "SellerSku")
    if sku.find("SellableQuantity") is not None:
        return SkuLine(item_id, sku_id, seller_sku, _text(sku, "SellableQuantity"))
    quantity, unknown = "", ""
    for inventory in sku.findall("MultiWarehouseInventories/MultiWarehouseInventory"):
        code = _text(inventory, "WarehouseCode")
        if code == WAREHOUSE:
            quantity = _text(inventory, "SellableQuantity")
        else:
            unknown = unknown or MSG_WAREHOUSE.format(code or '""')
    return SkuLine(item_id, sku_id, seller_sku, quantity, unknown)


def parse_payload(payload: str) -> list[SkuLine]:
    """<Request><Product><Skus><Sku>...</Sku></Skus></Product></Request> -> its SKUs; PayloadError otherwise."""
    # Lazada's payload never needs a DTD; refusing one keeps entity tricks out of the parser.
    if len(payload) > MAX_PAYLOAD_CHARS or "<!DOCTYPE" in payload.upper() or "<!ENTITY" in payload.upper():
        raise PayloadError(5, "Invalid Request Format")
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        raise PayloadError(5, "Invalid Request Format") from None
    skus = root.findall("Product/Skus/Sku") if root.tag == "Request" else []
    if not skus:
        raise PayloadError(5, "Invalid Request Format")
    if len(skus) > MAX_SKUS:
        raise PayloadError(204, "Too many SKU in one request")
    return [_line(sku) for sku in skus]


def _target(catalogue: Catalogue, line: SkuLine) -> StockedSku | str:
    """The SKU a line names (by SkuId when given, else by SellerSku), or why none."""
    if not line.sku_id and not line.seller_sku:
        return MSG_NO_SKU
    if line.sku_id:
        stocked = catalogue.by_sku_id(int(line.sku_id)) if _ID.match(line.sku_id) else None
        if stocked is None:
            return MSG_UNKNOWN
        if (line.item_id and line.item_id != str(stocked.sku.product_id)) or \
                (line.seller_sku and line.seller_sku != stocked.sku.seller_sku):
            return MSG_MISMATCH
        return stocked
    return catalogue.by_seller_sku(line.seller_sku) or MSG_UNKNOWN


def _quantity(line: SkuLine) -> int | str:
    if not _WHOLE.match(line.quantity):
        return MSG_NOT_A_NUMBER
    value = int(line.quantity)
    return MSG_NEGATIVE if value < 0 else value


def _refusal(line: SkuLine, field: str, message: str) -> dict[str, str]:
    # Assumption: a "detail" entry names the field and the SKU; the docs only say the detail field tells
    # "the SKU where the error occurred and the cause of the error".
    return {"field": field, "message": message, "seller_sku": line.seller_sku}


def apply(catalogue: Catalogue, lines: list[SkuLine], now_ms: int) -> list[dict[str, str]]:
    """Set each named SKU's sellable stock; returns the refusals, one per SKU that was left unchanged.

    Assumption: the SKUs that pass are updated even when others fail (the docs answer E501 with a per-SKU
    detail list, which suggests SKUs are judged one by one)."""
    refused: list[dict[str, str]] = []
    for line in lines:
        target = _target(catalogue, line)
        if isinstance(target, str):
            refused.append(_refusal(line, "SkuId" if line.sku_id else "SellerSku", target))
            continue
        quantity = _quantity(line)
        if line.warehouse_error or isinstance(quantity, str):
            refused.append(_refusal(line, "SellableQuantity", line.warehouse_error or str(quantity)))
            continue
        target.sellable = quantity
        catalogue.product_of(target).updated_ms = now_ms
    return refused


__all__ = ["MAX_SKUS", "PayloadError", "SkuLine", "apply", "parse_payload"]
