"""Pure mapping from Shopee v2 order and product payloads to domain DTOs; raises BadPayload with the reason."""

from __future__ import annotations

from dataclasses import dataclass
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

# v2.order.get_order_detail OrderStatus enum -> our machine.
STATUS: dict[str, OrderStatus] = {
    "UNPAID": OrderStatus.AWAITING_PAYMENT,
    "PENDING": OrderStatus.AWAITING_PAYMENT,          # held by Shopee before it can be shipped
    "INVOICE_PENDING": OrderStatus.AWAITING_PAYMENT,  # Brazil: waits for the seller's invoice
    "READY_TO_SHIP": OrderStatus.PENDING_REVIEW,
    "PROCESSED": OrderStatus.LABEL_CREATED,           # shipment arranged, tracking number issued
    "RETRY_SHIP": OrderStatus.LABEL_CREATED,          # pickup failed; shipment must be arranged again
    "SHIPPED": OrderStatus.SHIPPED,
    "TO_CONFIRM_RECEIVE": OrderStatus.DELIVERED,
    "COMPLETED": OrderStatus.COMPLETED,
    "IN_CANCEL": OrderStatus.CANCEL_REQUESTED,
    "CANCELLED": OrderStatus.CANCELLED,
    "TO_RETURN": OrderStatus.RETURN_REQUESTED,
}

# The optional fields get_order_detail must be asked for to map an order completely.
DETAIL_FIELDS = ",".join([
    "buyer_user_id", "buyer_username", "recipient_address", "item_list", "pay_time", "total_amount",
    "package_list", "shipping_carrier", "payment_method", "note", "cancel_by", "cancel_reason",
    "buyer_cancel_reason", "fulfillment_flag", "pickup_done_time", "estimated_shipping_fee",
    "actual_shipping_fee", "reverse_shipping_fee",
])


def _int(obj: dict[str, Any], field: str, *, required: bool = True) -> int | None:
    value = obj.get(field)
    if value is None or value == "":
        if required:
            raise BadPayload(f"{field} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadPayload(f"{field} is {value!r}, expected an integer")
    try:
        return int(value)
    except ValueError:
        raise BadPayload(f"{field} is {value!r}, expected an integer") from None


def _address(raw: Any) -> Address | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadPayload("recipient_address is not an object")
    return Address(
        name=text(raw, "name"), phone=text(raw, "phone"), country=text(raw, "region"),
        state=text(raw, "state"), city=text(raw, "city"),
        district=" ".join(p for p in (text(raw, "district"), text(raw, "town")) if p),
        postcode=text(raw, "zipcode"), full_address=text(raw, "full_address"),
    )


def item_model(raw: dict[str, Any]) -> tuple[int, int]:
    """An item_list entry's (item_id, model_id); model_id is 0 for an item without models."""
    item_id = _int(raw, "item_id")
    assert item_id is not None
    return item_id, _int(raw, "model_id", required=False) or 0


def line_id(raw: dict[str, Any], index: int) -> str:
    """Our platform_line_id of the `index`th item_list entry: order_item_id repeats across models of one item;
    with model_id and position it is unique."""
    item_id, model_id = item_model(raw)
    return f"{text(raw, 'order_item_id') or item_id}-{model_id}-{index}"


def _line(raw: Any, index: int, currency: str) -> OrderLine:
    if not isinstance(raw, dict):
        raise BadPayload(f"item_list[{index}] is not an object")
    quantity = _int(raw, "model_quantity_purchased")
    assert quantity is not None
    if quantity <= 0:
        raise BadPayload(f"item_list[{index}].model_quantity_purchased is {quantity}")
    item_id, model_id = item_model(raw)
    original = amount(raw.get("model_original_price"), f"item_list[{index}].model_original_price")
    discounted = raw.get("model_discounted_price")
    paid = original if discounted is None else amount(discounted, f"item_list[{index}].model_discounted_price")
    return OrderLine(
        platform_line_id=line_id(raw, index),
        sku=text(raw, "model_sku") or text(raw, "item_sku"),
        platform_item_id=str(item_id),
        platform_variant_id=str(model_id) if model_id else "",
        title=text(raw, "item_name"),
        variant_title=text(raw, "model_name"),
        quantity=quantity,
        unit_price=Money(original, currency),
        paid_unit_price=Money(paid, currency),
    )


def order_from_detail(raw: Any) -> OrderSnapshot:
    """One element of get_order_detail's `order_list` -> OrderSnapshot."""
    if not isinstance(raw, dict):
        raise BadPayload("order is not a JSON object")
    order_sn = raw.get("order_sn")
    if not isinstance(order_sn, str) or not order_sn:
        raise BadPayload("order_sn is missing")
    status_text = text(raw, "order_status")
    if status_text not in STATUS:
        raise BadPayload(f"unknown order_status {status_text!r}")
    currency = text(raw, "currency")
    items = raw.get("item_list")
    if not isinstance(items, list) or not items:
        raise BadPayload("item_list is missing or empty")
    try:
        created = _int(raw, "create_time")
        updated = _int(raw, "update_time")
        assert created is not None and updated is not None
        total = Money(amount(raw.get("total_amount"), "total_amount"), currency)
        lines = tuple(_line(item, i, currency) for i, item in enumerate(items))
        pay_time = _int(raw, "pay_time", required=False)
        ship_by = _int(raw, "ship_by_date", required=False)
        return OrderSnapshot(
            platform_order_id=order_sn,
            platform_status=status_text,
            status=STATUS[status_text],
            created_at=from_unix(created),
            updated_at=from_unix(updated),
            total=total,
            buyer=Buyer(platform_buyer_id=text(raw, "buyer_user_id"), username=text(raw, "buyer_username")),
            address=_address(raw.get("recipient_address")),
            lines=lines,
            raw=raw,
            payload_hash=fingerprint(raw),
            paid_at=from_unix(pay_time) if pay_time else None,
            ship_by=from_unix(ship_by) if ship_by else None,
            buyer_note=text(raw, "message_to_seller"),
            cod=bool(raw.get("cod")),
        )
    except DomainError as exc:  # a currency that is not ISO 4217, a time out of range
        raise BadPayload(str(exc)) from exc


# ---- products -------------------------------------------------------------------------------

# model_status of get_model_list that lets a buyer pick the model.
_SELLABLE_MODEL = frozenset({"", "MODEL_NORMAL"})


@dataclass(frozen=True, slots=True)
class ItemHead:
    """What every listing of one item shares, read from get_item_base_info."""

    item_id: str
    title: str
    item_sku: str
    active: bool
    has_model: bool
    gtin_code: str
    raw: dict[str, Any]


def item_head(raw: Any) -> ItemHead:
    """One element of get_item_base_info's `item_list` -> the fields its listings share."""
    if not isinstance(raw, dict):
        raise BadPayload("item is not a JSON object")
    item_id = _int(raw, "item_id")
    status = text(raw, "item_status")
    if not status:
        raise BadPayload("item_status is missing")
    has_model = raw.get("has_model", False)
    if not isinstance(has_model, bool):
        raise BadPayload(f"has_model is {has_model!r}, expected a boolean")
    return ItemHead(item_id=str(item_id), title=text(raw, "item_name"), item_sku=text(raw, "item_sku"),
                    active=status == "NORMAL", has_model=has_model, gtin_code=text(raw, "gtin_code"), raw=raw)


def listing_from_item(head: ItemHead) -> Listing:
    """An item without models is one listing: price and stock come with its base info."""
    raw = head.raw
    return Listing(
        item_id=head.item_id, variant_id="", seller_sku=head.item_sku, title=head.title,
        price=_price(raw.get("price_info"), "price_info"), quantity=_seller_stock(raw.get("stock_info_v2")),
        active=head.active, barcode=head.gtin_code, raw=raw,
    )


def listing_from_model(head: ItemHead, raw: Any) -> Listing:
    """One element of get_model_list's `model` -> the listing of that variant of the item."""
    if not isinstance(raw, dict):
        raise BadPayload("model is not a JSON object")
    model_id = _int(raw, "model_id")
    if not model_id:
        raise BadPayload("model_id is 0 in an item with models")
    return Listing(
        item_id=head.item_id, variant_id=str(model_id),
        seller_sku=text(raw, "model_sku") or head.item_sku, title=head.title,
        price=_price(raw.get("price_info"), "model.price_info"), quantity=_seller_stock(raw.get("stock_info_v2")),
        active=head.active and text(raw, "model_status") in _SELLABLE_MODEL,
        barcode=text(raw, "gtin_code") or head.gtin_code, raw={"item": head.raw, "model": raw},
    )


def _price(raw: Any, field: str) -> Money | None:
    """The seller's own price (original_price): current_price drops while a promotion runs."""
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list) or not isinstance(raw[0], dict):
        raise BadPayload(f"{field} is not a list of objects")
    first = raw[0]
    try:
        return Money(amount(first.get("original_price"), f"{field}.original_price", non_negative=True),
                     text(first, "currency"))
    except DomainError as exc:  # a currency that is not ISO 4217
        raise BadPayload(f"{field}: {exc}") from exc


def _seller_stock(raw: Any) -> int:
    """The seller's stock summed over its warehouses; Shopee's own (FBS) stock is not the seller's to set."""
    if not isinstance(raw, dict):
        raise BadPayload("stock_info_v2 is missing")
    entries = raw.get("seller_stock") or []
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise BadPayload("stock_info_v2.seller_stock is not a list of objects")
    total = 0
    for entry in entries:
        stock = _int(entry, "stock")
        assert stock is not None
        if stock < 0:
            raise BadPayload(f"stock_info_v2.seller_stock has a negative stock {stock}")
        total += stock
    return total
