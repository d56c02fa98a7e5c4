"""Pure mapping from TikTok Shop 202309 payloads (orders, products, warehouses) to domain values; raises
BadPayload with the reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address, Buyer, OrderLine, OrderSnapshot
from crossdock.domain.orders.status import OrderStatus
from crossdock.domain.time import from_unix
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import Listing

# Get Order List / Get Order Detail `status` -> our machine.
STATUS: dict[str, OrderStatus] = {
    "UNPAID": OrderStatus.AWAITING_PAYMENT,
    # Paid (or a pre-order) but the buyer may still cancel freely and the address is withheld: the
    # seller cannot act on it yet, exactly like an unpaid order.
    "ON_HOLD": OrderStatus.AWAITING_PAYMENT,
    "AWAITING_SHIPMENT": OrderStatus.PENDING_REVIEW,
    # Some packages handed over, others not: the seller still has shipping to do, so not "shipped".
    "PARTIALLY_SHIPPING": OrderStatus.LABEL_CREATED,
    "AWAITING_COLLECTION": OrderStatus.LABEL_CREATED,   # shipment arranged, waiting for the carrier
    "IN_TRANSIT": OrderStatus.SHIPPED,
    "DELIVERED": OrderStatus.DELIVERED,
    "COMPLETED": OrderStatus.COMPLETED,
    "CANCELLED": OrderStatus.CANCELLED,
}
# A buyer's pending cancellation request (is_buyer_request_cancel) only matters before hand-over.
_CANCELLABLE = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"})


def _time(obj: dict[str, Any], key: str, *, required: bool) -> int | None:
    value = obj.get(key)
    if value is None or value == "" or value == 0:
        if required:
            raise BadPayload(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadPayload(f"{key} is {value!r}, expected a Unix timestamp")
    try:
        stamp = int(value)
    except ValueError:
        raise BadPayload(f"{key} is {value!r}, expected a Unix timestamp") from None
    if stamp < 0:
        raise BadPayload(f"{key} is {value!r}, expected a Unix timestamp")
    return stamp


def _address(raw: Any) -> Address | None:
    if raw is None:
        return None      # "not available under UNPAID and ON_HOLD status"
    if not isinstance(raw, dict):
        raise BadPayload("recipient_address is not an object")
    levels: dict[str, str] = {}
    districts = raw.get("district_info") or []
    if not isinstance(districts, list):
        raise BadPayload("recipient_address.district_info is not a list")
    for entry in districts:
        if isinstance(entry, dict) and entry.get("address_level"):
            levels[str(entry["address_level"])] = text(entry, "address_name")
    street = " ".join(p for p in (text(raw, "address_line1").strip(), text(raw, "address_line2").strip()) if p)
    return Address(
        name=text(raw, "name"), phone=text(raw, "phone_number"), country=text(raw, "region_code"),
        state=levels.get("L1", ""), city=levels.get("L2", "") or text(raw, "post_town"),
        district=levels.get("L3", ""), postcode=text(raw, "postal_code"), line1=street,
        full_address=text(raw, "full_address"),
    )


def group_units(items: list[Any], currency: str = "") -> list[list[dict[str, Any]]]:
    """Line items (one per unit) grouped as our order lines: same SKU at the same prices; a line's id is its first
    unit's id."""
    groups: dict[tuple[str, Decimal, Decimal], list[dict[str, Any]]] = {}
    for index, item in enumerate(items):
        where = f"line_items[{index}]"
        if not isinstance(item, dict):
            raise BadPayload(f"{where} is not an object")
        if not text(item, "id"):
            raise BadPayload(f"{where}.id is missing")
        if not text(item, "sku_id"):
            raise BadPayload(f"{where}.sku_id is missing")
        line_currency = text(item, "currency")
        if currency and line_currency and line_currency != currency:
            raise BadPayload(f"{where}.currency is {line_currency}, the order is paid in {currency}")
        original = amount(item.get("original_price"), f"{where}.original_price")
        sale = amount(item.get("sale_price"), f"{where}.sale_price")
        groups.setdefault((text(item, "sku_id"), original, sale), []).append(item)
    return list(groups.values())


def _lines(items: list[Any], currency: str) -> tuple[OrderLine, ...]:
    """TikTok lists one row per unit: rows of the same SKU at the same prices become one line."""
    lines = []
    for rows in group_units(items, currency):
        first = rows[0]
        lines.append(OrderLine(
            # The first unit's line item id: stable for the order's life, unique within the order.
            platform_line_id=text(first, "id"),
            sku=text(first, "seller_sku").strip(),
            platform_item_id=text(first, "product_id"),
            platform_variant_id=text(first, "sku_id"),
            title=text(first, "product_name"),
            variant_title=text(first, "sku_name"),
            quantity=len(rows),
            unit_price=Money(amount(first.get("original_price"), "original_price"), currency),
            paid_unit_price=Money(amount(first.get("sale_price"), "sale_price"), currency),
        ))
    return tuple(lines)


def order_from_payload(raw: Any) -> OrderSnapshot:
    """One order of Get Order List's `orders` (or Get Order Detail's) -> OrderSnapshot."""
    if not isinstance(raw, dict):
        raise BadPayload("order is not a JSON object")
    order_id = raw.get("id")
    if not isinstance(order_id, str) or not order_id:
        raise BadPayload("id is missing")
    status_text = text(raw, "status")
    if status_text not in STATUS:
        raise BadPayload(f"unknown status {status_text!r}")
    payment = raw.get("payment")
    if not isinstance(payment, dict):
        raise BadPayload("payment is missing")
    currency = text(payment, "currency")
    if not currency:
        raise BadPayload("payment.currency is missing")
    items = raw.get("line_items")
    if not isinstance(items, list) or not items:
        raise BadPayload("line_items is missing or empty")
    status = STATUS[status_text]
    if raw.get("is_buyer_request_cancel") is True and status_text in _CANCELLABLE:
        status = OrderStatus.CANCEL_REQUESTED
    try:
        created = _time(raw, "create_time", required=True)
        updated = _time(raw, "update_time", required=True)
        assert created is not None and updated is not None
        paid = _time(raw, "paid_time", required=False)
        ship_by = _time(raw, "rts_sla_time", required=False)
        total = Money(amount(payment.get("total_amount"), "payment.total_amount"), currency)
        return OrderSnapshot(
            platform_order_id=order_id,
            platform_status=status_text,
            status=status,
            created_at=from_unix(created),
            updated_at=from_unix(updated),
            total=total,
            buyer=Buyer(platform_buyer_id=text(raw, "user_id"), username="", email=text(raw, "buyer_email")),
            address=_address(raw.get("recipient_address")),
            lines=_lines(items, currency),
            raw=raw,
            payload_hash=fingerprint(raw),
            paid_at=from_unix(paid) if paid else None,
            ship_by=from_unix(ship_by) if ship_by else None,
            buyer_note=text(raw, "buyer_message"),
            cod=raw.get("is_cod") is True,
        )
    except DomainError as exc:   # a currency that is not ISO 4217, a time out of range
        raise BadPayload(str(exc)) from exc


# ---- products (Search Products 202309) --------------------------------------------------------------

# Product `status` values; only ACTIVATE is live for buyers.
PRODUCT_STATUSES = frozenset({"DRAFT", "PENDING", "FAILED", "ACTIVATE", "SELLER_DEACTIVATED",
                              "PLATFORM_DEACTIVATED", "FREEZE", "DELETED"})
LIVE_STATUS = "ACTIVATE"


def product_skus(raw: Any) -> list[Any]:
    """One product of Search Products' `products`: its `skus`, once the product itself is readable."""
    if not isinstance(raw, dict):
        raise BadPayload("product is not a JSON object")
    if not text(raw, "id"):
        raise BadPayload("id is missing")
    status = text(raw, "status")
    # The status is left out for Indonesian products not listed on TikTok Shop (Tokopedia only).
    if status and status not in PRODUCT_STATUSES:
        raise BadPayload(f"unknown status {status!r}")
    skus = raw.get("skus")
    if not isinstance(skus, list) or not skus:
        raise BadPayload("skus is missing or empty")
    return skus


def _sku_price(raw: Any) -> Money | None:
    """The SKU's listed price: `sale_price` (global sellers' display price), else `tax_exclusive_price`
    (local sellers' display price); None when TikTok gives none (cross-border searches may leave it out)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadPayload("price is not an object")
    field = "sale_price" if raw.get("sale_price") not in (None, "") else "tax_exclusive_price"
    value = raw.get(field)
    if value is None or value == "":
        return None
    currency = text(raw, "currency")
    if not currency:
        raise BadPayload("price.currency is missing")
    try:
        return Money(amount(value, f"price.{field}", non_negative=True), currency)
    except DomainError as exc:   # a currency that is not ISO 4217
        raise BadPayload(str(exc)) from exc


def _sku_quantity(raw: Any) -> int:
    """What the SKU can sell now: its quantity summed over every warehouse that stocks it."""
    if raw is None:
        return 0
    if not isinstance(raw, list):
        raise BadPayload("inventory is not a list")
    total = 0
    for index, entry in enumerate(raw):
        quantity = entry.get("quantity") if isinstance(entry, dict) else None
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise BadPayload(f"inventory[{index}].quantity is {quantity!r}, expected a count")
        total += quantity
    return total


def _barcode(sku: dict[str, Any]) -> str:
    """The SKU's identifier code (GTIN, EAN, UPC...) when the payload carries one (Get Product does)."""
    code = sku.get("identifier_code")
    return text(code, "code") if isinstance(code, dict) else ""


def listing_from_sku(product: dict[str, Any], raw: Any) -> Listing:
    """One SKU of a product checked by `product_skus` -> Listing; live only while the product is ACTIVATE and
    the SKU itself is not deactivated."""
    if not isinstance(raw, dict):
        raise BadPayload("sku is not a JSON object")
    sku_id = text(raw, "id")
    if not sku_id:
        raise BadPayload("skus[].id is missing")
    sku_status = raw.get("status_info")
    deactivated = isinstance(sku_status, dict) and sku_status.get("status") == "DEACTIVATED"
    return Listing(
        item_id=text(product, "id"),
        variant_id=sku_id,
        seller_sku=text(raw, "seller_sku").strip(),
        title=text(product, "title"),
        price=_sku_price(raw.get("price")),
        quantity=_sku_quantity(raw.get("inventory")),
        active=text(product, "status") == LIVE_STATUS and not deactivated,
        barcode=_barcode(raw),
        raw=raw,
    )


def default_warehouse_id(warehouses: list[dict[str, Any]]) -> str:
    """The shop's default sales warehouse from Get Warehouse List: where a product listed without a designated
    warehouse keeps its stock. A shop with a single sales warehouse needs no default flag."""
    sales = [w for w in warehouses if text(w, "type") in ("", "SALES_WAREHOUSE") and text(w, "id")]
    default = [w for w in sales if w.get("is_default") is True]
    chosen = default or (sales if len(sales) == 1 else [])
    if not chosen:
        raise BadPayload(f"no default sales warehouse among {len(warehouses)} warehouses")
    return text(chosen[0], "id")


def inventory_errors(data: dict[str, Any]) -> dict[str, str]:
    """Update Inventory's partial refusals: SKU id -> TikTok's words (the main message, then each warehouse's);
    an error naming no SKU is filed under ""."""
    errors = data.get("errors") or []
    if not isinstance(errors, list):
        raise BadPayload("errors is not a list")
    refused: dict[str, str] = {}
    for index, error in enumerate(errors):
        if not isinstance(error, dict):
            raise BadPayload(f"errors[{index}] is not an object")
        raw_detail = error.get("detail")
        detail: dict[str, Any] = raw_detail if isinstance(raw_detail, dict) else {}
        raw_extras = detail.get("extra_errors")
        extras: list[Any] = raw_extras if isinstance(raw_extras, list) else []
        words = [f"{text(error, 'code')}: {text(error, 'message')}".strip(": ")]
        words += [f"{text(e, 'message')} (warehouse {text(e, 'warehouse_id')}, code {text(e, 'code')})"
                  for e in extras if isinstance(e, dict)]
        refused[text(detail, "sku_id")] = "; ".join(words)
    return refused
