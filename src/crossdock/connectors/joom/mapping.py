"""Pure mapping from Joom v3 payloads (orders, stores, products) to domain values; raises BadPayload with the reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address, Buyer, OrderLine, OrderSnapshot
from crossdock.domain.orders.status import OrderStatus
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import Listing, RemoteStore

# Order states of the v3 Orders page -> our machine.
STATUS: dict[str, OrderStatus] = {
    # Paid and approved by Joom's checks, waiting for the merchant to fulfil.
    "approved": OrderStatus.PENDING_REVIEW,
    # Fulfilled through Joom Logistics (label and tracking issued), not yet handed to the carrier.
    "fulfilledOnline": OrderStatus.LABEL_CREATED,
    # Handed to the carrier by the merchant or Joom Logistics; Joom reports no later delivery state.
    "shipped": OrderStatus.SHIPPED,
    # Cancelled through the merchant's fault (e.g. not fulfilled in time); the buyer is refunded.
    "cancelled": OrderStatus.CANCELLED,
    # Joom cancelled and refunded the buyer at its own cost: the merchant is paid, but the order will
    # not be completed as a sale (finance must not book it as lost revenue: the raw state says so).
    "paidByJoomRefund": OrderStatus.CANCELLED,
    # Refunded to the buyer at the merchant's cost: the sale is undone.
    "refunded": OrderStatus.CANCELLED,
    # The buyer has decided to return the item.
    "returnInitiated": OrderStatus.RETURN_REQUESTED,
    # The item is back with the merchant: for stock and money it is returned, whatever is decided next.
    "returnArrived": OrderStatus.RETURNED,
    # The merchant accepted the return.
    "returnCompleted": OrderStatus.RETURNED,
    # The merchant refused the return: the sale stands.
    "returnDeclined": OrderStatus.COMPLETED,
    # The return never arrived in time: the sale stands.
    "returnExpired": OrderStatus.COMPLETED,
}
# Assumption: the store object is undocumented; Joom sells into the EU in euros, so a store that
# reports no region or currency is taken to be an EU store in EUR.
DEFAULT_STORE_REGION = "EU"
DEFAULT_STORE_CURRENCY = "EUR"


def parse_time(value: Any, field: str) -> datetime:
    """An RFC 3339 time with a zone (Joom writes UTC) -> aware UTC datetime."""
    if value is None or value == "":
        raise BadPayload(f"{field} is missing")
    if not isinstance(value, str):
        raise BadPayload(f"{field} is {value!r}, expected an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadPayload(f"{field} is {value!r}, expected an RFC 3339 time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadPayload(f"{field} is {value!r}, a time without a zone")
    return moment.astimezone(UTC)


def _object(obj: dict[str, Any], field: str, *, required: bool) -> dict[str, Any] | None:
    value = obj.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise BadPayload(f"{field} is missing or not an object")
    return value


def _address(raw: dict[str, Any] | None) -> Address | None:
    if raw is None:
        return None
    # streetAddress1/2 per the Order object; older copies of the docs name a single "street".
    street = " ".join(p for p in (text(raw, "streetAddress1") or text(raw, "street"),
                                  text(raw, "streetAddress2")) if p)
    city_line = " ".join(p for p in (text(raw, "zipCode"), text(raw, "city")) if p)
    return Address(
        name=text(raw, "name"), phone=text(raw, "phoneNumber"), country=text(raw, "country"),
        state=text(raw, "state"), city=text(raw, "city"), postcode=text(raw, "zipCode"), line1=street,
        full_address=", ".join(p for p in (street, city_line, text(raw, "state"), text(raw, "country")) if p),
    )


def order_from_payload(raw: Any) -> OrderSnapshot:
    """One order of GET /api/v3/orders/multi (or /orders?id=) -> OrderSnapshot. One order is one variant line."""
    if not isinstance(raw, dict):
        raise BadPayload("order is not a JSON object")
    order_id = raw.get("id")
    if not isinstance(order_id, str) or not order_id:
        raise BadPayload("id is missing")
    status_text = raw.get("status")
    if not isinstance(status_text, str) or status_text not in STATUS:
        raise BadPayload(f"unknown status {status_text!r}")
    currency = raw.get("currency")
    if not isinstance(currency, str) or not currency:
        raise BadPayload("currency is missing")
    quantity = raw.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise BadPayload(f"quantity is {quantity!r}, expected an integer")
    if quantity < 1:
        raise BadPayload(f"quantity is {quantity}, expected at least 1")
    created = parse_time(raw.get("orderTimestamp"), "orderTimestamp")
    updated = parse_time(raw.get("updateTimestamp"), "updateTimestamp")
    price = _object(raw, "priceInfo", required=True)
    product = _object(raw, "product", required=True)
    assert price is not None and product is not None
    order_price = amount(price.get("orderPrice"), "orderPrice", non_negative=True)
    unit_price = amount(price.get("unitPrice"), "unitPrice", non_negative=True)
    product_id = text(product, "id")
    if not product_id:
        raise BadPayload("product.id is missing")
    variant = _object(product, "variant", required=False) or {}
    address_raw = _object(raw, "shippingAddress", required=False)
    variant_title = " / ".join(p for p in (text(variant, "color"), text(variant, "size")) if p)
    try:
        unit = Money(unit_price, currency)
        line = OrderLine(
            # One order is one variant line, so the order id names the line too.
            platform_line_id=order_id,
            sku=text(variant, "sku") or text(product, "sku"),
            platform_item_id=product_id,
            platform_variant_id=text(variant, "id"),
            title=text(product, "name"),
            variant_title=variant_title,
            quantity=quantity,
            unit_price=unit,
            paid_unit_price=unit,
        )
        return OrderSnapshot(
            platform_order_id=order_id,
            platform_status=status_text,
            status=STATUS[status_text],
            created_at=created,
            updated_at=updated,
            # priceInfo.orderPrice: the order's price (goods and shipping) as the merchant sells it; the
            # VAT Joom collects and the buyer's total (buyerGmv) stay in the raw payload.
            total=Money(order_price, currency),
            buyer=Buyer(platform_buyer_id=text(raw, "customerId"), username="",
                        email=text(address_raw, "email") if address_raw else ""),
            address=_address(address_raw),
            lines=(line,),
            raw=raw,
            payload_hash=fingerprint(raw),
            # Joom lists an order only once it is paid and approved: the order time is the payment time.
            paid_at=created,
        )
    except DomainError as exc:  # a currency that is not ISO 4217
        raise BadPayload(str(exc)) from exc


def store_from_payload(raw: Any) -> RemoteStore:
    """One store of GET /api/v3/stores (assumed shape) -> RemoteStore; status and figures kept as sent."""
    if not isinstance(raw, dict):
        raise BadPayload("store is not a JSON object")
    store_id = raw.get("id")
    if not isinstance(store_id, str) or not store_id:
        raise BadPayload("store id is missing")
    return RemoteStore(
        external_id=store_id,
        name=text(raw, "name") or store_id,
        region=(text(raw, "region") or DEFAULT_STORE_REGION).upper(),
        currency=(text(raw, "currency") or DEFAULT_STORE_CURRENCY).upper(),
        status=text(raw, "status"),
        details={k: v for k, v in raw.items() if k not in {"id", "name", "status"}},
    )


# Product states of the v3 Products overview; "archived" is what products/remove leaves (public clients).
PRODUCT_STATES = frozenset({"active", "warning", "pending", "rejected", "disabledByJoom", "disabledByMerchant",
                            "archived"})
# States in which no version of the product is shown to buyers, whatever hasActiveVersion says.
_OFF_STATES = frozenset({"disabledByJoom", "disabledByMerchant", "archived"})
# States whose current version is the published one.
_PUBLISHED_STATES = frozenset({"active", "warning"})
_VARIANT_FIELD = re.compile(r"^variants[.\[](\d+)")


@dataclass(frozen=True)
class ProductHead:
    """What every variant of a product shares: its Joom id, name, store, whether buyers see it, its variants."""

    id: str
    name: str
    store_id: str
    on_sale: bool
    variants: tuple[Any, ...]


def product_head(raw: Any) -> ProductHead:
    """One product of GET /api/v3/products/multi -> its ProductHead; the variants are mapped one by one."""
    if not isinstance(raw, dict):
        raise BadPayload("product is not a JSON object")
    product_id = text(raw, "id")
    if not product_id:
        raise BadPayload("product id is missing")
    state = raw.get("state")
    if not isinstance(state, str) or state not in PRODUCT_STATES:
        raise BadPayload(f"unknown product state {state!r}")
    variants = raw.get("variants")
    if not isinstance(variants, list) or not variants:
        # "Each product has at least one variant": an empty list is a broken product, not an empty one.
        raise BadPayload("product has no variants list")
    return ProductHead(id=product_id, name=text(raw, "name"), store_id=text(raw, "storeId"),
                       on_sale=_on_sale(state, raw.get("hasActiveVersion")), variants=tuple(variants))


def _on_sale(state: str, has_active_version: Any) -> bool:
    """Whether buyers see some version: hasActiveVersion says so for pending and rejected edits, where an
    older approved version may still be live; disabled products are never shown."""
    if state in _OFF_STATES:
        return False
    if isinstance(has_active_version, bool):
        return has_active_version
    return state in _PUBLISHED_STATES


def listing_from_variant(head: ProductHead, raw: Any) -> Listing:
    """One variant of a product -> Listing: the merchant's SKU, price in the variant's currency, inventory."""
    if not isinstance(raw, dict):
        raise BadPayload("variant is not a JSON object")
    variant_id = text(raw, "id")
    if not variant_id:
        raise BadPayload("variant id is missing")
    owner = text(raw, "productId")
    if owner and owner != head.id:
        raise BadPayload(f"variant {variant_id} names product {owner}, listed under {head.id}")
    inventory = raw.get("inventory")
    if isinstance(inventory, bool) or not isinstance(inventory, int) or inventory < 0:
        raise BadPayload(f"inventory is {inventory!r}, expected a non-negative integer")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise BadPayload(f"enabled is {enabled!r}, expected true or false")
    currency = text(raw, "currency")
    if not currency:
        raise BadPayload("currency is missing")
    try:
        price = Money(amount(raw.get("price"), "price", non_negative=True), currency)
    except DomainError as exc:  # a currency that is not ISO 4217
        raise BadPayload(str(exc)) from exc
    return Listing(item_id=head.id, variant_id=variant_id, seller_sku=text(raw, "sku"), title=head.name,
                   price=price, quantity=inventory, active=head.on_sale and enabled, barcode=text(raw, "gtin"),
                   raw=raw)


def refusal_text(errors: list[dict[str, Any]]) -> str:
    """Joom's errors in its own words: "code (field): message; ..."."""
    parts = []
    for error in errors:
        where = f" ({error['field']})" if error.get("field") else ""
        parts.append(f"{error.get('code', '?')}{where}: {error.get('message', '')}")
    return "; ".join(parts) or "Joom refused the update without saying why"


def variant_refusals(errors: list[dict[str, Any]], count: int) -> dict[int, str]:
    """Which of `count` variants of an update Joom refused (by position in the request), in Joom's words;
    {} when an error is about something else, so the whole request stands refused."""
    refused: dict[int, list[dict[str, Any]]] = {}
    for error in errors:
        found = _VARIANT_FIELD.match(str(error.get("field", "")))
        if found is None or int(found.group(1)) >= count:
            return {}
        refused.setdefault(int(found.group(1)), []).append(error)
    return {position: refusal_text(own) for position, own in refused.items()}
