"""Pure mapping from Lazada orders (GetOrders order + its GetMultipleOrderItems items) to domain snapshots, and from
GetProducts products to listings (one per SKU); raises BadPayload with the reason.

Lazada has no order status: "each item in the order has a separate status". The order's status in our machine
is derived from its items (see `derive_status`), and `platform_status` keeps the item status that decided it;
the items' own statuses stay in the raw payload.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address, Buyer, OrderLine, OrderSnapshot
from crossdock.domain.orders.status import RANK, OrderStatus
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import Listing

# The key under which the order's items ride along with the order in a stored payload.
ITEMS_KEY = "order_items"

# Item statuses (GetOrders status filter, error 6, fulfilment guides) -> our machine.
STATUS: dict[str, OrderStatus] = {
    "unpaid": OrderStatus.AWAITING_PAYMENT,
    "pending": OrderStatus.PENDING_REVIEW,              # paid (or COD): the seller has to pack it
    "repacked": OrderStatus.PENDING_REVIEW,             # package undone: to be packed again
    "topack": OrderStatus.PENDING_REVIEW,
    "packed": OrderStatus.LABEL_CREATED,                # package, tracking number and carrier assigned
    "toship": OrderStatus.LABEL_CREATED,
    "ready_to_ship": OrderStatus.LABEL_CREATED,         # waiting for the carrier's pick-up
    "ready_to_ship_pending": OrderStatus.LABEL_CREATED,
    "shipping": OrderStatus.SHIPPED,
    "shipped": OrderStatus.SHIPPED,
    "failed_delivery": OrderStatus.SHIPPED,             # still with the carrier: re-delivered or shipped back
    "delivered": OrderStatus.DELIVERED,
    "canceled": OrderStatus.CANCELLED,
    "failed": OrderStatus.CANCELLED,                    # legacy: the order failed and was closed
    "lost": OrderStatus.CANCELLED,                      # lost or damaged by the carrier: closed, never completed
    "lost_by_3pl": OrderStatus.CANCELLED,
    "damaged_by_3pl": OrderStatus.CANCELLED,
    "shipped_back": OrderStatus.RETURN_REQUESTED,       # undeliverable parcel on its way back to the seller
    "shipped_back_failed": OrderStatus.RETURN_REQUESTED,
    "shipped_back_success": OrderStatus.RETURNED,
    "returned": OrderStatus.RETURNED,
    "package_scrapped": OrderStatus.RETURNED,           # the returning parcel was scrapped: closed
}

# address_shipping.country is a name; our Address wants ISO 3166-1 alpha-2.
_COUNTRIES = {"singapore": "SG", "malaysia": "MY", "thailand": "TH", "philippines": "PH", "vietnam": "VN",
              "viet nam": "VN", "indonesia": "ID"}


def derive_status(item_statuses: Sequence[str], need_cancel_confirm: bool = False) -> tuple[OrderStatus, str]:
    """An order's status from its items' statuses -> (our status, the item status that decided it).

    - Items closed without fulfilment (cancelled, lost) drop out while other items remain: a partly cancelled
      order goes on with the rest. When every item is closed so, the order is cancelled.
    - A remaining item on its way back (shipped_back) makes the order a return request.
    - Otherwise the least advanced remaining item on the main road decides (an order is shipped once all its
      items are); when only returned items remain, the order is returned.
    - A buyer's cancellation the seller must answer (need_cancel_confirm) before shipping is a cancel request.
    Unknown item statuses raise BadPayload.
    """
    if not item_statuses:
        raise BadPayload("the order has no items")
    mapped: list[tuple[str, OrderStatus]] = []
    for item_status in item_statuses:
        if item_status not in STATUS:
            raise BadPayload(f"unknown item status {item_status!r}")
        mapped.append((item_status, STATUS[item_status]))
    live = [pair for pair in mapped if pair[1] is not OrderStatus.CANCELLED]
    if not live:
        return OrderStatus.CANCELLED, mapped[0][0]
    returning = [pair for pair in live if pair[1] is OrderStatus.RETURN_REQUESTED]
    main = [pair for pair in live if pair[1] in RANK]
    if returning:
        text, status = returning[0]
    elif main:
        text, status = min(main, key=lambda pair: RANK[pair[1]])
    else:
        text, status = live[0]
    if need_cancel_confirm and status in RANK and RANK[status] < RANK[OrderStatus.SHIPPED]:
        status = OrderStatus.CANCEL_REQUESTED
    return status, text


def _flag(obj: dict[str, Any], field: str) -> bool:
    # Documented as Boolean, sent as the string "true" in the samples.
    value = obj.get(field)
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def parse_time(value: Any, field: str) -> datetime:
    """Order times: ISO 8601 with offset ("2018-02-09T22:44:30+08:00") or the older "2014-10-15 18:36:05 +0800"."""
    if value is None or value == "":
        raise BadPayload(f"{field} is missing")
    if not isinstance(value, str):
        raise BadPayload(f"{field} is {value!r}, expected an ISO 8601 time")
    text = value.strip()
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%Y-%m-%d %H:%M:%S %z")):
        try:
            moment = parse(text)
        except ValueError:
            continue
        if moment.tzinfo is None:
            raise BadPayload(f"{field} is {value!r}, a time without an offset")
        return moment.astimezone(UTC)
    raise BadPayload(f"{field} is {value!r}, expected an ISO 8601 time")


def _millis(value: Any, field: str) -> datetime | None:
    # Item times are epoch milliseconds in strings ("1413786247000").
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip().isdigit():
        raise BadPayload(f"{field} is {value!r}, expected epoch milliseconds")
    try:
        return datetime.fromtimestamp(int(str(value).strip()) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadPayload(f"{field} is {value!r}, out of range") from None


def _address(raw: Any, region: str) -> Address | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadPayload("address_shipping is not an object")
    name = " ".join(p for p in (text(raw, "first_name"), text(raw, "last_name")) if p)
    country_text = text(raw, "country").strip()
    country = _COUNTRIES.get(country_text.lower(), country_text.upper() if len(country_text) == 2 else region)
    city = text(raw, "city") or text(raw, "address4")
    # address1 detailed address, address3 state, address4 city, address5 third level (Get order guide).
    parts = [text(raw, "address1"), text(raw, "address2"), text(raw, "address5"), city, text(raw, "address3"),
             text(raw, "post_code"), country_text]
    return Address(
        name=name, phone=text(raw, "phone"), country=country, state=text(raw, "address3"), city=city,
        district=text(raw, "addressDsitrict") or text(raw, "address5"), postcode=text(raw, "post_code"),
        line1=text(raw, "address1"), full_address=", ".join(dict.fromkeys(p for p in parts if p)),
    )


def _line(raw: dict[str, Any], index: int, currency: str) -> OrderLine:
    where = f"order_items[{index}]"
    line_id = text(raw, "order_item_id")
    if not line_id:
        raise BadPayload(f"{where}.order_item_id is missing")
    price = amount(raw.get("item_price"), f"{where}.item_price")
    paid = raw.get("paid_price")
    return OrderLine(
        platform_line_id=line_id,
        sku=text(raw, "sku"),
        platform_item_id=text(raw, "product_id"),
        platform_variant_id=text(raw, "sku_id"),
        title=text(raw, "name"),
        variant_title=text(raw, "variation"),
        # "lazada does not count the number of items in the order, but rather responds to the order items as
        # separate objects": every order item is one unit.
        quantity=1,
        unit_price=Money(price, currency),
        paid_unit_price=Money(price if paid in (None, "") else amount(paid, f"{where}.paid_price"), currency),
    )


def order_from_payload(raw: Any, region: str) -> OrderSnapshot:
    """A GetOrders order carrying its GetMultipleOrderItems items under "order_items" -> OrderSnapshot.

    `region` (the store's venture) stands in for an address country Lazada writes in a form we do not know.
    """
    if not isinstance(raw, dict):
        raise BadPayload("order is not a JSON object")
    order_id = text(raw, "order_id")
    if not order_id:
        raise BadPayload("order_id is missing")
    items = raw.get(ITEMS_KEY)
    if not isinstance(items, list) or not items:
        raise BadPayload("the order has no items (GetMultipleOrderItems returned none)")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadPayload(f"order_items[{index}] is not an object")
        if text(item, "order_id") not in ("", order_id):
            raise BadPayload(f"order_items[{index}] belongs to order {text(item, 'order_id')}, not {order_id}")
        if not text(item, "status"):
            raise BadPayload(f"order_items[{index}].status is missing")
    status, platform_status = derive_status([text(i, "status") for i in items], _flag(raw, "need_cancel_confirm"))
    currencies = {text(i, "currency") for i in items}
    if len(currencies) != 1 or "" in currencies:
        raise BadPayload(f"order items do not agree on one currency: {sorted(currencies)}")
    currency = currencies.pop()
    try:
        created = parse_time(raw.get("created_at"), "created_at")
        updated = parse_time(raw.get("updated_at"), "updated_at")
        item_times = [_millis(i.get("updated_at"), f"order_items[{n}].updated_at") for n, i in enumerate(items)]
        # An item can change before its order's stamp does; the latest of them is when the order last changed.
        updated = max([updated, *(t for t in item_times if t is not None)])
        # Get order guide: "buyer paid price = price - voucher + shipping_fee".
        total = (amount(raw.get("price"), "price") - amount(raw.get("voucher"), "voucher", required=False)
                 + amount(raw.get("shipping_fee"), "shipping_fee", required=False))
        lines = tuple(_line(item, n, currency) for n, item in enumerate(items))
        paid_times = (_millis(i.get("payment_time"), f"order_items[{n}].payment_time") for n, i in enumerate(items))
        paid = [t for t in paid_times if t is not None]
        live = [i for i in items if STATUS[text(i, "status")] is not OrderStatus.CANCELLED] or items
        slas = [parse_time(i["sla_time_stamp"], "sla_time_stamp") for i in live if i.get("sla_time_stamp")]
        first = items[0]
        return OrderSnapshot(
            platform_order_id=order_id,
            platform_status=platform_status,
            status=status,
            created_at=created,
            updated_at=updated,
            total=Money(total, currency),
            buyer=Buyer(platform_buyer_id=text(first, "buyer_id"),
                        username=" ".join(p for p in (text(raw, "customer_first_name"),
                                                      text(raw, "customer_last_name")) if p)),
            address=_address(raw.get("address_shipping"), region),
            lines=lines,
            raw=raw,
            payload_hash=fingerprint(raw),
            paid_at=min(paid) if paid else None,
            ship_by=min(slas) if slas else None,
            buyer_note=text(raw, "buyer_note"),
            cod=text(raw, "payment_method").upper() == "COD",
        )
    except DomainError as exc:  # a currency that is not ISO 4217, a time out of range
        raise BadPayload(str(exc)) from exc


# ---- listings ---------------------------------------------------------------------------------------------

# Each venture sells in its own currency (the order items' "currency" says the same); GetProducts prices carry none.
VENTURE_CURRENCY: dict[str, str] = {"SG": "SGD", "MY": "MYR", "TH": "THB", "PH": "PHP", "VN": "VND", "ID": "IDR"}
# Product "status": "Active,InActive,Pending QC,Suspended,Deleted"; SKU "Status": "active" (GetProducts samples).
ACTIVE = "active"
_WHOLE = re.compile(r"^-?[0-9]+$")


def _whole(value: Any, field: str) -> int:
    """A stock count: a JSON integer or a string of digits, never negative."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadPayload(f"{field} is {value!r}, expected a whole number")
    if isinstance(value, str) and not _WHOLE.match(value.strip()):
        raise BadPayload(f"{field} is {value!r}, expected a whole number")
    number = int(value)
    if number < 0:
        raise BadPayload(f"{field} is {value!r}, expected a count that is not negative")
    return number


def _sellable(sku: dict[str, Any]) -> int:
    """What buyers can buy: the sum of the warehouses' sellableQuantity when Lazada lists them, else `quantity`
    (the samples show both equal: quantity 1719 beside sellableQuantity 1719, totalQuantity 1745 with 26 occupied)."""
    warehouses = sku.get("multiWarehouseInventories")
    if isinstance(warehouses, list) and warehouses and \
            all(isinstance(w, dict) and "sellableQuantity" in w for w in warehouses):
        return sum(_whole(w["sellableQuantity"], f"multiWarehouseInventories[{n}].sellableQuantity")
                   for n, w in enumerate(warehouses))
    return _whole(sku.get("quantity"), "quantity")


def product_skus(raw: Any) -> tuple[str, list[Any]]:
    """A GetProducts product -> (item_id, its skus); BadPayload when the product as a whole cannot be read."""
    if not isinstance(raw, dict):
        raise BadPayload("product is not a JSON object")
    item_id = text(raw, "item_id")
    if not item_id:
        raise BadPayload("item_id is missing")
    skus = raw.get("skus")
    if not isinstance(skus, list) or not skus:
        raise BadPayload("the product has no skus (Lazada lists at least one)")
    return item_id, skus


def listing_from_sku(product: dict[str, Any], sku: Any, currency: str) -> Listing:
    """One SKU of a GetProducts product -> Listing.

    The price is the regular `price`: a `special_price` runs only between its own dates, and a listing carries
    one price. Lazada documents no barcode on a SKU, so none is read."""
    if not isinstance(sku, dict):
        raise BadPayload("sku is not a JSON object")
    sku_id = text(sku, "SkuId")
    if not sku_id:
        raise BadPayload("SkuId is missing")
    attributes = product.get("attributes")
    title = text(attributes, "name") if isinstance(attributes, dict) else ""
    price = amount(sku.get("price"), "price", non_negative=True)
    # An item is for sale when both it (status "Active") and the SKU ("Status": "active") are switched on.
    active = text(product, "status").strip().lower() == ACTIVE and text(sku, "Status").strip().lower() == ACTIVE
    try:
        money = Money(price, currency)
    except DomainError as exc:
        raise BadPayload(str(exc)) from exc
    return Listing(item_id=text(product, "item_id"), variant_id=sku_id, seller_sku=text(sku, "SellerSku"),
                   title=title, price=money, quantity=_sellable(sku), active=active, raw=sku)
