"""Pure mapping from SP-API payloads to domain DTOs; raises BadPayload.

Orders v0: the connector keeps one document per order: the `Order` object getOrders/getOrder returned (with
the buyerInfo and shippingAddress an RDT unlocks), plus "OrderItems", every page of getOrderItems joined.
Listings Items 2021-08-01: one `Item` per seller SKU -> Listing; a submission response -> its refusal, if any.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money, minor_units
from crossdock.domain.orders.model import Address, Buyer, OrderLine, OrderSnapshot
from crossdock.domain.orders.status import OrderStatus
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import Listing

# Order.OrderStatus enum (ordersV0.json) -> our machine.
STATUS: dict[str, OrderStatus] = {
    "PendingAvailability": OrderStatus.AWAITING_PAYMENT,   # pre-order: payment not yet authorized
    "Pending": OrderStatus.AWAITING_PAYMENT,               # "payment has not been authorized"
    "Unshipped": OrderStatus.PENDING_REVIEW,               # paid, nothing shipped: the seller's move
    # One or more (not all) items shipped. Not "shipped": the seller still owes a shipment, and an order in
    # "shipped" leaves the to-ship list. label_created keeps it there while showing work has started.
    "PartiallyShipped": OrderStatus.LABEL_CREATED,
    "Shipped": OrderStatus.SHIPPED,
    "InvoiceUnconfirmed": OrderStatus.SHIPPED,             # all shipped; only the invoice confirmation is due
    "Canceled": OrderStatus.CANCELLED,
    "Unfulfillable": OrderStatus.CANCELLED,                # multi-channel order Amazon will not fulfil
}
# Statuses in which a buyer's cancellation request (OrderItem.BuyerRequestedCancel) is still open.
_CANCELLABLE = frozenset({"Unshipped", "PartiallyShipped"})
# A marketplace's currency, for the rare order that carries no amount at all (docs: Marketplace IDs).
MARKETPLACE_CURRENCY: dict[str, str] = {
    "A1PA6795UKMFR9": "EUR", "A13V1IB3VIYZZH": "EUR", "APJ6JRA9NG5V4": "EUR", "A1RKKUPIHCS9HS": "EUR",
    "A1805IZSGTT6HS": "EUR", "AMEN7PMS3EDWL": "EUR", "A28R8C7NBKEWEA": "EUR", "A1F83G8C2ARO7P": "GBP",
    "A1C3SOZRARQ6R3": "PLN", "A2NODRKZP88ZB9": "SEK", "A33AVAJ2PDY3EV": "TRY", "ATVPDKIKX0DER": "USD",
    "A2EUQ1WTGCTBG2": "CAD", "A1AM78C64UM0Y8": "MXN", "A2Q3Y263D00KWC": "BRL", "A1VC38T7YXB528": "JPY",
    "A39IBJ37TRP1C6": "AUD", "A19VAU5U5O7RUS": "SGD", "A21TJRUUN4KGV": "INR", "A2VIGQ35RCS4UG": "AED",
}


def merge(order: Any, items: Any) -> Any:
    """The document we keep for an order: the Order object with the getOrderItems list as "OrderItems"."""
    if isinstance(order, dict):
        return {**order, "OrderItems": items}
    return order


def _time(raw: dict[str, Any], field: str, *, required: bool = True) -> datetime | None:
    value = raw.get(field)
    if value is None or value == "":
        if required:
            raise BadPayload(f"{field} is missing")
        return None
    if not isinstance(value, str):
        raise BadPayload(f"{field} is {value!r}, expected an ISO 8601 date")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadPayload(f"{field} is {value!r}, expected an ISO 8601 date") from None
    if moment.tzinfo is None:
        raise BadPayload(f"{field} is {value!r}, a date without a time zone")
    return moment.astimezone(UTC)


def _money(raw: Any, field: str, currency: str | None) -> Money | None:
    """A Money object {"CurrencyCode", "Amount"}; None when absent. The currency must match the order's."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadPayload(f"{field} is not a Money object")
    code = raw.get("CurrencyCode")
    if not isinstance(code, str) or not code:
        raise BadPayload(f"{field}.CurrencyCode is missing")
    if currency is not None and code != currency:
        raise BadPayload(f"{field} is in {code}, the order in {currency}")
    try:
        return Money(amount(raw.get("Amount"), f"{field}.Amount"), code)
    except DomainError as exc:
        raise BadPayload(f"{field}: {exc}") from exc


def _currency(order: dict[str, Any], items: list[Any]) -> str:
    total = order.get("OrderTotal")
    if isinstance(total, dict) and isinstance(total.get("CurrencyCode"), str) and total["CurrencyCode"]:
        return str(total["CurrencyCode"])
    for item in items:
        price = item.get("ItemPrice") if isinstance(item, dict) else None
        if isinstance(price, dict) and isinstance(price.get("CurrencyCode"), str) and price["CurrencyCode"]:
            return str(price["CurrencyCode"])
    currency = MARKETPLACE_CURRENCY.get(text(order, "MarketplaceId"))
    if currency is None:
        raise BadPayload("no amount and no known MarketplaceId to tell the order's currency")
    return currency


def _per_unit(amount: Decimal, quantity: int, currency: str) -> Decimal:
    unit = amount / quantity
    # ItemPrice is unit price x quantity; an uneven split is rounded to the currency's minor unit.
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return unit if unit == unit.quantize(exponent) else Money(unit, currency).rounded().amount


def _line(raw: Any, index: int, currency: str) -> OrderLine | None:
    where = f"OrderItems[{index}]"
    if not isinstance(raw, dict):
        raise BadPayload(f"{where} is not an object")
    item_id, asin = raw.get("OrderItemId"), raw.get("ASIN")
    if not isinstance(item_id, str) or not item_id:
        raise BadPayload(f"{where}.OrderItemId is missing")
    if not isinstance(asin, str) or not asin:
        raise BadPayload(f"{where}.ASIN is missing")
    quantity = raw.get("QuantityOrdered")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise BadPayload(f"{where}.QuantityOrdered is {quantity!r}, expected an integer")
    if quantity < 0:
        raise BadPayload(f"{where}.QuantityOrdered is {quantity}")
    if quantity == 0:
        return None   # a line cancelled to nothing: kept in the raw payload, nothing to fulfil
    zero = Money(Decimal(0), currency)
    price = _money(raw.get("ItemPrice"), f"{where}.ItemPrice", currency) or zero
    promotion = _money(raw.get("PromotionDiscount"), f"{where}.PromotionDiscount", currency) or zero
    return OrderLine(
        platform_line_id=item_id,
        sku=text(raw, "SellerSKU"),
        platform_item_id=asin,
        platform_variant_id="",
        title=text(raw, "Title"),
        variant_title="",
        quantity=quantity,
        unit_price=Money(_per_unit(price.amount, quantity, currency), currency),
        paid_unit_price=Money(_per_unit(price.amount - promotion.amount, quantity, currency), currency),
    )


def _total(order: dict[str, Any], lines_raw: list[Any], currency: str) -> Money:
    given = _money(order.get("OrderTotal"), "OrderTotal", currency)
    if given is not None:
        return given
    # No OrderTotal (Amazon leaves it out on some pending and cancelled orders): what the items add up to.
    total = Decimal(0)
    for index, raw in enumerate(lines_raw):
        if not isinstance(raw, dict):
            continue
        where = f"OrderItems[{index}]"
        for field, sign in (("ItemPrice", 1), ("ShippingPrice", 1), ("GiftWrapPrice", 1),
                            ("PromotionDiscount", -1), ("ShippingDiscount", -1)):
            part = _money(raw.get(field), f"{where}.{field}", currency)
            if part is not None:
                total += sign * part.amount
    return Money(total, currency)


def _address(raw: Any) -> Address | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadPayload("ShippingAddress is not an object")
    lines = [text(raw, f) for f in ("AddressLine1", "AddressLine2", "AddressLine3") if text(raw, f)]
    street = ", ".join(lines)
    place = " ".join(p for p in (text(raw, "PostalCode"), text(raw, "City")) if p)
    return Address(
        name=text(raw, "Name"), phone=text(raw, "Phone"), country=text(raw, "CountryCode"),
        state=text(raw, "StateOrRegion"), city=text(raw, "City"),
        district=text(raw, "District") or text(raw, "County") or text(raw, "Municipality"),
        postcode=text(raw, "PostalCode"), line1=street,
        full_address=", ".join(p for p in (street, place, text(raw, "StateOrRegion"), text(raw, "CountryCode")) if p),
    )


def _buyer(raw: Any) -> Buyer:
    info = raw if isinstance(raw, dict) else {}
    email = text(info, "BuyerEmail")
    # Amazon gives no buyer id; the anonymised e-mail is stable per buyer and seller.
    return Buyer(platform_buyer_id=email, username=text(info, "BuyerName"), email=email)


def _cancel_requested(items: list[Any]) -> bool:
    for item in items:
        request = item.get("BuyerRequestedCancel") if isinstance(item, dict) else None
        if isinstance(request, dict) and str(request.get("IsBuyerRequestedCancel", "")).lower() == "true":
            return True
    return False


def order_from_payload(raw: Any) -> OrderSnapshot:
    """One order document (Order + "OrderItems") -> OrderSnapshot."""
    if not isinstance(raw, dict):
        raise BadPayload("order is not a JSON object")
    order_id = raw.get("AmazonOrderId")
    if not isinstance(order_id, str) or not order_id:
        raise BadPayload("AmazonOrderId is missing")
    status_text = text(raw, "OrderStatus")
    if status_text not in STATUS:
        raise BadPayload(f"unknown OrderStatus {status_text!r}")
    items = raw.get("OrderItems")
    if not isinstance(items, list):
        raise BadPayload("OrderItems is missing or not a list")
    if not items:
        raise BadPayload("OrderItems is empty")
    created = _time(raw, "PurchaseDate")
    updated = _time(raw, "LastUpdateDate")
    assert created is not None and updated is not None
    currency = _currency(raw, items)
    status = STATUS[status_text]
    if status_text in _CANCELLABLE and _cancel_requested(items):
        status = OrderStatus.CANCEL_REQUESTED   # Amazon keeps the status; the request sits on the items
    try:
        lines = tuple(line for i, item in enumerate(items) if (line := _line(item, i, currency)) is not None)
        return OrderSnapshot(
            platform_order_id=order_id,
            platform_status=status_text,
            status=status,
            created_at=created,
            updated_at=updated,
            total=_total(raw, items, currency),
            buyer=_buyer(raw.get("BuyerInfo")),
            address=_address(raw.get("ShippingAddress")),
            lines=lines,
            raw=raw,
            payload_hash=fingerprint(raw),
            ship_by=_time(raw, "LatestShipDate", required=False),
            cod=raw.get("PaymentMethod") == "COD",
        )
    except DomainError as exc:  # a currency that is not ISO 4217, a quantity the domain refuses
        raise BadPayload(str(exc)) from exc


# ---- Listings Items API (2021-08-01): one `Item` of one marketplace -> Listing ---------------------------------

MFN_CHANNEL = "DEFAULT"    # FulfillmentAvailability.fulfillmentChannelCode of stock the seller ships itself
# externally_assigned_product_identifier types that are barcodes (EAN-13, UPC-A, GTIN-14, ISBN, JAN).
BARCODE_TYPES = frozenset({"ean", "upc", "gtin", "isbn", "jan"})


def _entries(raw: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """An array of objects of the item; absent is empty."""
    value = raw.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise BadPayload(f"{field} is not a list of objects")
    return value


def _of_marketplace(entries: list[dict[str, Any]], marketplace_id: str) -> list[dict[str, Any]]:
    # Entries without a marketplaceId (fulfillmentAvailability has none) belong to the marketplace asked for.
    return [e for e in entries if e.get("marketplaceId") in (None, marketplace_id)]


def _summary(raw: dict[str, Any], marketplace_id: str) -> dict[str, Any]:
    found = _of_marketplace(_entries(raw, "summaries"), marketplace_id)
    return found[0] if found else {}


def _statuses(summary: dict[str, Any]) -> list[str]:
    value = summary.get("status", [])
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise BadPayload("summaries.status is not a list of statuses")
    return value


def _offer_price(raw: dict[str, Any], marketplace_id: str) -> Money | None:
    """The consumer (B2C) offer's price in the marketplace; None when the listing has no offer yet."""
    offers = _of_marketplace(_entries(raw, "offers"), marketplace_id)
    offer = next((o for o in offers if o.get("offerType") == "B2C"), offers[0] if offers else None)
    if offer is None:
        return None
    price = offer.get("price")
    if not isinstance(price, dict):
        raise BadPayload("offers.price is not a Money object")
    code = price.get("currencyCode")
    if not isinstance(code, str) or not code:
        raise BadPayload("offers.price.currencyCode is missing")
    try:
        return Money(amount(price.get("amount"), "offers.price.amount", non_negative=True), code)
    except DomainError as exc:
        raise BadPayload(f"offers.price: {exc}") from exc


def _quantity(entry: dict[str, Any]) -> int:
    value = entry.get("quantity", 0)    # "quantity" is optional; an entry without one offers nothing
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadPayload(f"fulfillmentAvailability.quantity is {value!r}, expected a whole number >= 0")
    return value


def _availability(raw: dict[str, Any]) -> tuple[int, bool]:
    """(sellable quantity, fulfilled by Amazon). Seller-fulfilled stock (DEFAULT) is ours to set; without it,
    the quantities Amazon's networks (AMAZON_EU, AMAZON_NA ...) report are Amazon's, counted for information."""
    entries = _entries(raw, "fulfillmentAvailability")
    for entry in entries:
        if entry.get("fulfillmentChannelCode") == MFN_CHANNEL:
            return _quantity(entry), False
    return sum(_quantity(entry) for entry in entries), bool(entries)


def fulfilled_by_amazon(raw: Any) -> bool:
    """An FBA listing: Amazon counts its stock, and a DEFAULT quantity would switch it to seller fulfilment."""
    return isinstance(raw, dict) and _availability(raw)[1]


def listing_product_type(raw: Any, marketplace_id: str) -> str:
    """The listing's product type (patches must name it); "PRODUCT", Amazon's generic one, when not shown."""
    summary = _summary(raw, marketplace_id) if isinstance(raw, dict) else {}
    return text(summary, "productType") or "PRODUCT"


def listing_created(raw: Any, marketplace_id: str) -> datetime | None:
    """summaries.createdDate, the key the connector pages by; None when not shown."""
    if not isinstance(raw, dict):
        return None
    return _time(_summary(raw, marketplace_id), "createdDate", required=False)


def _barcode(raw: dict[str, Any]) -> str:
    attributes = raw.get("attributes")
    identifiers = attributes.get("externally_assigned_product_identifier") if isinstance(attributes, dict) else None
    for entry in identifiers if isinstance(identifiers, list) else []:
        if isinstance(entry, dict) and str(entry.get("type", "")).lower() in BARCODE_TYPES and entry.get("value"):
            return str(entry["value"])
    return ""


def listing_from_item(raw: Any, marketplace_id: str) -> Listing:
    """A listings `Item` (with summaries, offers, fulfillmentAvailability) -> Listing, identified by its SKU.

    active: BUYABLE, or DISCOVERABLE at quantity 0 (live but sold out: Amazon drops BUYABLE until restocked,
    and we must keep pushing stock to it)."""
    if not isinstance(raw, dict):
        raise BadPayload("listings item is not a JSON object")
    sku = raw.get("sku")
    if not isinstance(sku, str) or not sku:
        raise BadPayload("sku is missing")
    summary = _summary(raw, marketplace_id)
    statuses = _statuses(summary)
    quantity, _ = _availability(raw)
    return Listing(
        item_id=sku, variant_id="", seller_sku=sku, title=text(summary, "itemName"),
        price=_offer_price(raw, marketplace_id), quantity=quantity,
        active="BUYABLE" in statuses or ("DISCOVERABLE" in statuses and quantity == 0),
        barcode=_barcode(raw), raw=raw,
    )


def submission_error(raw: Any) -> str | None:
    """A ListingsItemSubmissionResponse's refusal in Amazon's words; None when ACCEPTED (or VALID)."""
    if not isinstance(raw, dict):
        raise BadPayload("submission response is not a JSON object")
    status = raw.get("status")
    if status in ("ACCEPTED", "VALID"):
        return None
    if status != "INVALID":
        raise BadPayload(f"unknown submission status {status!r}")
    issues = [i for i in _entries(raw, "issues") if i.get("severity", "ERROR") == "ERROR"]
    words = [f"{text(i, 'code')}: {text(i, 'message')}".strip(": ") for i in issues]
    return "; ".join(w for w in words if w) or "Amazon refused the submission (INVALID) without an issue"


def feed_report_errors(raw: Any) -> tuple[dict[int, str], list[str]]:
    """A listings feed processing report (v2) -> (Amazon's ERROR words per messageId, feed-level errors).

    A message without an ERROR issue was accepted; WARNING and INFO issues do not refuse it."""
    if not isinstance(raw, dict):
        raise BadPayload("processing report is not a JSON object")
    by_message: dict[int, list[str]] = {}
    feed_level: list[str] = []
    for issue in _entries(raw, "issues"):
        if issue.get("severity", "ERROR") != "ERROR":
            continue
        words = f"{text(issue, 'code')}: {text(issue, 'message')}".strip(": ") or "rejected without a message"
        message_id = issue.get("messageId")
        if isinstance(message_id, int) and not isinstance(message_id, bool):
            by_message.setdefault(message_id, []).append(words)
        else:
            feed_level.append(words)
    return {m: "; ".join(w) for m, w in by_message.items()}, feed_level
