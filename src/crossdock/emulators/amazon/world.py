"""The emulated Amazon world: sellers, their marketplace participations, catalogues, listings, buyers and orders.

Generated from a seed and moved by a clock. Orders render themselves as Orders v0 returns them
(getOrders/getOrder `Order`, getOrderItems `OrderItem`), with restricted data only when asked for. A store
given a catalogue (`set_catalogue`) sells its listings: orders are drawn from them and buyers reduce their stock.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators._common.orders import check_window
from crossdock.emulators.amazon.feeds import LISTINGS_FEED, Feeds, listings_processor
from crossdock.emulators.amazon.listings import AFN_CHANNEL, MFN_CHANNEL, Listing, from_specs
from crossdock.emulators.amazon.marketplaces import BY_ID, Marketplace, Place
from crossdock.emulators.amazon.order_feeds import (
    NO_INVENTORY,
    ORDER_ACKNOWLEDGEMENT_FEED,
    Acknowledgement,
    Refusal,
    not_cancellable,
    unknown_item,
    unknown_order,
)
from crossdock.emulators.amazon.order_feeds import process as process_acknowledgements
from crossdock.emulators.amazon.reports import Reports
from crossdock.emulators.amazon.returns import ReturnCase
from crossdock.emulators.amazon.returns import open_return as _open_return
from crossdock.emulators.amazon.returns import update as _update_return

if TYPE_CHECKING:
    from crossdock.emulators.amazon.mfn import MfnShipment

# Order.OrderStatus enum (ordersV0.json).
ORDER_STATUSES: tuple[str, ...] = (
    "PendingAvailability", "Pending", "Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed",
    "Canceled", "Unfulfillable",
)
# "ShippingAddress is only available for orders with the following status values: Unshipped,
# PartiallyShipped, Shipped and InvoiceUnconfirmed."
ADDRESS_STATUSES = frozenset({"Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"})
# RDT dataElements (tokens_2021-03-01.json, RestrictedResource.dataElements).
BUYER_INFO, SHIPPING_ADDRESS, BUYER_TAX = "buyerInfo", "shippingAddress", "buyerTaxInformation"
ALL_ELEMENTS = frozenset({BUYER_INFO, SHIPPING_ADDRESS, BUYER_TAX})
# Restricted parts of BuyerInfo and ShippingAddress ("Use a Restricted Data Token ... to access the restricted
# data in ShippingAddress, for example, Name, AddressLine1, AddressLine2, AddressLine3, Phone, AddressType and
# ExtendedFields"; BuyerInfo: "for example, BuyerName, BuyerTaxInfo, PurchaseOrderNumber").
# Assumption: BuyerEmail is restricted too (the anonymised e-mail identifies the buyer to the seller).
RESTRICTED_BUYER_FIELDS = frozenset({"BuyerEmail", "BuyerName", "BuyerCounty", "BuyerTaxInfo", "PurchaseOrderNumber"})
RESTRICTED_ADDRESS_FIELDS = frozenset({"Name", "CompanyName", "AddressLine1", "AddressLine2", "AddressLine3", "Phone",
                                       "AddressType", "ExtendedFields"})
# Assumption: getOrders shows a change about two minutes after it happens (the reason LastUpdatedBefore and
# CreatedBefore must be at least two minutes in the past). Generated history therefore stops this long
# before the clock's now; later steps wait for tick().
INDEX_LAG = timedelta(minutes=2)

_CENT = Decimal("0.01")
_ORDER_PREFIXES = ("028", "171", "302", "303", "304", "305", "306", "403", "404", "405", "406", "407", "408")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_MIN, _HOUR, _DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def iso(moment: datetime) -> str:
    """Amazon's date format: ISO 8601 in UTC, whole seconds, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: object) -> datetime | None:
    """An ISO 8601 date-time with a zone (Z or an offset), or None."""
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": str(amount.quantize(_CENT, rounding=ROUND_HALF_UP))}


def _vat_part(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT contained in a VAT-inclusive amount."""
    return (gross * rate / (1 + rate)).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Template:
    title: str
    eur: Decimal
    variants: tuple[str, ...]


_TEMPLATES: tuple[_Template, ...] = (
    _Template("Wireless Earbuds Bluetooth 5.3 with Charging Case", Decimal("39.99"), ("Black", "White")),
    _Template("USB-C Charging Cable 2 m, Braided", Decimal("12.99"), ("1 m", "2 m")),
    _Template("Power Bank 20000 mAh, 22.5 W Fast Charge", Decimal("34.99"), ()),
    _Template("Shockproof Phone Case", Decimal("14.99"), ("iPhone 15", "iPhone 14", "Galaxy S24")),
    _Template("Organic Cotton T-Shirt, Regular Fit", Decimal("19.99"), ("S", "M", "L", "XL")),
    _Template("High-Waist Yoga Leggings", Decimal("29.99"), ("S", "M", "L")),
    _Template("Running Shoes, Breathable Mesh", Decimal("69.99"), ("40", "41", "42", "43", "44")),
    _Template("Stainless Steel Water Bottle 750 ml", Decimal("21.99"), ("Silver", "Black", "Mint")),
    _Template("Vitamin C Serum 30 ml", Decimal("24.99"), ()),
    _Template("Arabica Coffee Beans 1 kg", Decimal("18.49"), ("Whole Bean", "Ground")),
    _Template("Non-Stick Frying Pan 28 cm", Decimal("32.99"), ()),
    _Template("LED Desk Lamp, Dimmable", Decimal("27.99"), ("White", "Black")),
    _Template("Mechanical Keyboard, ISO Layout", Decimal("79.99"), ("Red Switch", "Brown Switch")),
    _Template("Silent Wireless Mouse", Decimal("16.99"), ("Grey", "Black")),
    _Template("Dry Cat Food 2 kg", Decimal("15.99"), ("Chicken", "Salmon")),
    _Template("Microfibre Bath Towel Set", Decimal("22.99"), ("Blue", "Grey", "Sand")),
    _Template("Fitness Tracker Watch", Decimal("49.99"), ("Black", "Rose")),
    _Template("Laptop Backpack 15.6 Inch, Water-Resistant", Decimal("44.99"), ("Black", "Navy")),
    _Template("Ceramic Mug Set of 4, 350 ml", Decimal("26.99"), ()),
    _Template("Electric Toothbrush with 2 Heads", Decimal("54.99"), ()),
)
_BRANDS = ("Anker", "Ugreen", "Baseus", "Tchibo", "Leifheit", "WMF", "Logitech", "Philips", "Fissler", "Salewa",
           "Rösle", "Hama", "Brita", "Sigg")
_CANCEL_REASONS = ("Order Created By Mistake", "Found cheaper somewhere else", "Delivery date too late",
                   "Need to change shipping address", "No longer needed")


@dataclass(frozen=True)
class Product:
    asin: str
    sku: str
    title: str
    eur: Decimal


@dataclass(frozen=True)
class Buyer:
    name: str
    email: str
    phone: str
    place: Place
    street: str
    address_type: str


@dataclass
class Item:
    order_item_id: str
    product: Product
    quantity: int
    unit_price: Decimal          # local currency, VAT-inclusive
    promotion: Decimal           # discount per unit
    promotion_id: str
    shipping: Decimal            # shipping charged on this line
    shipped: int = 0
    cancel_reason: str = ""      # set when the buyer asked to cancel


@dataclass
class ShippedPackage:
    """A package the seller confirmed (confirmShipment's packageDetail), kept by its packageReferenceId."""

    carrier_code: str
    carrier_name: str
    shipping_method: str
    tracking_number: str
    ship_date: datetime
    items: dict[str, int]          # OrderItemId -> quantity in this package
    confirmed_at: datetime


@dataclass(frozen=True)
class SellerCancellation:
    """The seller's cancellation as Amazon keeps it: the acknowledgement feed message that asked for it. Orders v0
    does not show it (the order just turns Canceled); the emulator keeps it so tests can see who cancelled why."""

    reasons: dict[str, str]        # OrderItemId -> CancelReason, as the message gave them
    feed_id: str
    message_id: int
    at: datetime
    by: str = "Seller"

    @property
    def reason(self) -> str:
        """The message's reason (its first item's that names one; "" when none does)."""
        return next((r for r in self.reasons.values() if r), "")


@dataclass(frozen=True)
class Step:
    """A change the order's fate holds in store: a new status, or (status "") a buyer's cancel request."""

    at: datetime
    status: str
    detail: str = ""


@dataclass
class Order:
    amazon_order_id: str
    seller_id: str
    marketplace: Marketplace
    purchase_date: datetime
    channel: str                 # MFN | AFN
    order_type: str
    is_prime: bool
    is_business: bool
    ship_level: tuple[str, str]
    buyer: Buyer
    items: list[Item]
    handling_days: int
    transit_days: int
    status: str = "Pending"
    last_update: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))
    pending: list[Step] = field(default_factory=list)
    packages: dict[str, ShippedPackage] = field(default_factory=dict)   # by packageReferenceId
    seller_cancellation: SellerCancellation | None = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots saved before confirmShipment (or seller cancellations) existed restore with none.
        self.__dict__.update({"packages": {}, "seller_cancellation": None, **state})

    @property
    def marketplace_id(self) -> str:
        return self.marketplace.id

    def apply(self, step: Step, at: datetime) -> str:
        """Play a step at `at`; returns the ORDER_CHANGE type it causes."""
        if not step.status:
            reason = step.detail or _CANCEL_REASONS[0]
            for item in self.items:
                item.cancel_reason = reason
            # A buyer's cancel request is not a status change, and only status changes move LastUpdateDate.
            return "BuyerRequestedChange"
        self.status = step.status
        self.last_update = max(at, self.purchase_date)
        if step.status == "Shipped" or step.status == "InvoiceUnconfirmed":
            for item in self.items:
                item.shipped = item.quantity
        elif step.status == "PartiallyShipped":
            self.items[0].shipped = self.items[0].quantity
        return "OrderStatusChange"

    # ---- rendering -----------------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.marketplace.currency

    def total(self) -> Decimal:
        return sum((i.unit_price * i.quantity + i.shipping - i.promotion * i.quantity for i in self.items), Decimal(0))

    def _ship_dates(self) -> dict[str, str]:
        if self.channel != "MFN":
            return {}   # "Returned only for seller-fulfilled orders."
        earliest_ship = self.purchase_date + 5 * _MIN
        latest_ship = self.purchase_date + self.handling_days * _DAY
        dates = {"EarliestShipDate": iso(earliest_ship), "LatestShipDate": iso(latest_ship),
                 "EarliestDeliveryDate": iso(latest_ship + _DAY)}
        if self.status not in ("PendingAvailability", "Pending", "Canceled"):
            dates["LatestDeliveryDate"] = iso(latest_ship + self.transit_days * _DAY)
        return dates

    def order_payload(self, elements: frozenset[str]) -> dict[str, Any]:
        """The Order object of getOrders/getOrder; restricted data only for the RDT's dataElements."""
        mp = self.marketplace
        shipped = sum(i.shipped for i in self.items)
        unshipped = 0 if self.status == "Canceled" else sum(i.quantity for i in self.items) - shipped
        body: dict[str, Any] = {
            "AmazonOrderId": self.amazon_order_id,
            "PurchaseDate": iso(self.purchase_date),
            "LastUpdateDate": iso(self.last_update),
            "OrderStatus": self.status,
            "FulfillmentChannel": self.channel,
            "SalesChannel": mp.name,
            "ShipServiceLevel": self.ship_level[0],
            "OrderTotal": money(self.total(), self.currency),
            "NumberOfItemsShipped": shipped,
            "NumberOfItemsUnshipped": unshipped,
            "PaymentMethod": "Other",
            "PaymentMethodDetails": ["Standard"],
            "IsReplacementOrder": False,
            "MarketplaceId": mp.id,
            "ShipmentServiceLevelCategory": self.ship_level[1],
            "OrderType": self.order_type,
            **self._ship_dates(),
            "IsBusinessOrder": self.is_business,
            "IsPrime": self.is_prime,
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsSoldByAB": False,
            "IsIBA": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "HasRegulatedItems": False,
            "ElectronicInvoiceStatus": "NotRequired",
            "AutomatedShippingSettings": {"HasAutomatedShippingSettings": False},
            "BuyerInfo": self._buyer_info(elements),
        }
        if self.status in ADDRESS_STATUSES:
            body["ShippingAddress"] = self._address(elements)
        return body

    def _buyer_info(self, elements: frozenset[str]) -> dict[str, Any]:
        if BUYER_INFO not in elements:
            return {}
        info: dict[str, Any] = {"BuyerEmail": self.buyer.email, "BuyerName": self.buyer.name}
        if self.is_business:
            info["PurchaseOrderNumber"] = f"PO-{self.amazon_order_id[-7:]}"
        return info

    def _address(self, elements: frozenset[str]) -> dict[str, Any]:
        b, place = self.buyer, self.buyer.place
        address: dict[str, Any] = {"City": place.city, "StateOrRegion": place.state, "PostalCode": place.postcode,
                                   "CountryCode": self.marketplace.country}
        if not place.state:
            del address["StateOrRegion"]
        if SHIPPING_ADDRESS in elements:
            address = {"Name": b.name, "AddressLine1": b.street, **address}
            if self.channel == "MFN":   # "Phone is suppressed for all Fulfillment by Amazon (FBA) orders."
                address["Phone"] = b.phone
            address["AddressType"] = b.address_type
        return address

    def items_payload(self, elements: frozenset[str]) -> list[dict[str, Any]]:
        """The OrderItems of getOrderItems."""
        mp, cur = self.marketplace, self.currency
        out: list[dict[str, Any]] = []
        for item in self.items:
            price = item.unit_price * item.quantity
            promo = item.promotion * item.quantity
            entry: dict[str, Any] = {
                "ASIN": item.product.asin,
                "OrderItemId": item.order_item_id,
                "SellerSKU": item.product.sku,
                "Title": item.product.title,
                "QuantityOrdered": item.quantity,
                "QuantityShipped": item.shipped,
                "ProductInfo": {"NumberOfItems": "1"},
                "ItemPrice": money(price, cur),
                "ItemTax": money(_vat_part(price, mp.vat), cur),
                "ShippingPrice": money(item.shipping, cur),
                "ShippingTax": money(_vat_part(item.shipping, mp.vat), cur),
                "ShippingDiscount": money(Decimal(0), cur),
                "ShippingDiscountTax": money(Decimal(0), cur),
                "PromotionDiscount": money(promo, cur),
                "PromotionDiscountTax": money(_vat_part(promo, mp.vat), cur),
                "PromotionIds": [item.promotion_id] if item.promotion_id else [],
                "IsGift": "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
                "IsTransparency": False,
                "SerialNumberRequired": False,
            }
            if item.cancel_reason:
                entry["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true",
                                                 "BuyerCancelReason": item.cancel_reason}
            if BUYER_INFO in elements and self.is_business:
                entry["BuyerInfo"] = {"BuyerCustomizedInfo": {}}
            out.append(entry)
        return out

    def merged(self) -> dict[str, Any]:
        """The order as a seller with every restricted role sees it: the Order plus its OrderItems."""
        return {**self.order_payload(ALL_ELEMENTS), "OrderItems": self.items_payload(ALL_ELEMENTS)}


@dataclass
class RawOrder:
    """A payload stored as given (the Order object plus "OrderItems"), to test connectors on odd data."""

    amazon_order_id: str
    marketplace_id: str
    body: dict[str, Any]
    purchase_date: datetime
    last_update: datetime

    @property
    def status(self) -> str | None:
        value = self.body.get("OrderStatus")
        return value if isinstance(value, str) else None

    @property
    def channel(self) -> str | None:
        value = self.body.get("FulfillmentChannel")
        return value if isinstance(value, str) else None

    def order_payload(self, elements: frozenset[str]) -> dict[str, Any]:
        body = {k: copy.deepcopy(v) for k, v in self.body.items() if k != "OrderItems"}
        buyer, address = body.get("BuyerInfo"), body.get("ShippingAddress")
        if BUYER_INFO not in elements and isinstance(buyer, dict):
            body["BuyerInfo"] = {k: v for k, v in buyer.items() if k not in RESTRICTED_BUYER_FIELDS}
        if SHIPPING_ADDRESS not in elements and isinstance(address, dict):
            body["ShippingAddress"] = {k: v for k, v in address.items() if k not in RESTRICTED_ADDRESS_FIELDS}
        return body

    def items_payload(self, elements: frozenset[str]) -> Any:
        return copy.deepcopy(self.body.get("OrderItems", []))

    def merged(self) -> dict[str, Any]:
        return copy.deepcopy(self.body)


StoredOrder = Order | RawOrder


@dataclass
class Participation:
    marketplace: Marketplace
    store_name: str
    is_participating: bool = True
    has_suspended_listings: bool = False
    listings: dict[str, Listing] = field(default_factory=dict)   # by seller SKU
    # SKUs orders may be drawn from (active, complete listings), kept so a draw costs O(1).
    orderable: list[str] = field(default_factory=list)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots saved before stores had listings restore with none.
        self.__dict__.update({"listings": {}, "orderable": [], **state})


@dataclass
class Seller:
    seller_id: str
    rng: random.Random
    catalogue: tuple[Product, ...]
    participations: dict[str, Participation] = field(default_factory=dict)
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    buyers: dict[str, list[Buyer]] = field(default_factory=dict)
    name: str = ""               # the seller's own name for its account (Seller Central's legal name)
    returns: dict[str, ReturnCase] = field(default_factory=dict)   # by Amazon RMA id

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots saved before returns existed restore with none.
        self.__dict__.update({"returns": {}, **state})

    def orders_in(self, marketplace_id: str) -> Iterator[StoredOrder]:
        for order in self.orders.values():
            if order.marketplace_id == marketplace_id:
                yield order


# Draws one order line: (the product as the order shows it, its unit price, its fulfillment channel or "").
LineDraw = Callable[[], tuple[Product, Decimal, str]]


@dataclass(frozen=True)
class Change:
    """An order change the push mechanism reports (ORDER_CHANGE)."""

    seller_id: str
    amazon_order_id: str
    change_type: str             # OrderStatusChange | BuyerRequestedChange
    at: datetime


class World:
    """Sellers and their orders. Not thread-safe by itself: the emulator serialises access."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.sellers: dict[str, Seller] = {}
        self.feeds = Feeds()
        self.reports = Reports()
        self._used_ids: set[str] = set()
        self._tick_rng = random.Random(f"{seed}:tick")
        # Returns draw from their own generator, so opening one leaves the sellers' orders as they would have been.
        self._returns_rng = random.Random(f"{seed}:returns")
        self._rma_ids: set[str] = set()
        self.mfn_shipments: dict[str, MfnShipment] = {}     # Buy Shipping labels, by ShipmentId
        self.mfn_rng = random.Random(f"{seed}:mfn")
        # Order changes made while serving a request (a feed processed), to push once no request holds the lock.
        self.outbox: list[Change] = []

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots saved before the Feeds and Reports APIs existed restore with no feeds, reports or returns.
        self.__dict__.update({"feeds": Feeds(), "reports": Reports(), "_returns_rng": random.Random(),
                              "_rma_ids": set(), "mfn_shipments": {}, "mfn_rng": random.Random(), "outbox": [],
                              **state})

    def take_outbox(self) -> list[Change]:
        changes, self.outbox = self.outbox, []
        return changes

    # ---- sellers and stores ---------------------------------------------------------------------

    def add_store(self, seller_id: str, marketplace: Marketplace, name: str | None = None,
                  seller_name: str = "") -> None:
        seller = self.sellers.get(seller_id)
        if seller is None:
            # One generator per seller: sellers stay reproducible whatever else is created.
            rng = random.Random(f"{self.seed}:{seller_id}")
            seller = Seller(seller_id, rng, _catalogue(rng, seller_id), name=seller_name)
            self.sellers[seller_id] = seller
        elif seller_name and seller.name and seller_name != seller.name:
            raise ValueError(f"seller {seller_id} is {seller.name!r}, not {seller_name!r}")
        seller.name = seller.name or seller_name
        if marketplace.id in seller.participations:
            raise ValueError(f"seller {seller_id} already sells in {marketplace.country}")
        store_name = name or f"Crossdock Demo {seller_id[-4:]}"
        seller.participations[marketplace.id] = Participation(marketplace, store_name)

    def seller(self, seller_id: str) -> Seller:
        try:
            return self.sellers[seller_id]
        except KeyError:
            raise KeyError(f"no seller {seller_id} in the emulator; call add_store first") from None

    def resolve(self, key: str) -> str:
        """A seller id from a seller id, a store id ("<seller>:<marketplace>") or a seller's account name."""
        seller_id = key.partition(":")[0]
        if seller_id in self.sellers:
            return seller_id
        named = [s.seller_id for s in self.sellers.values() if s.name and s.name == key]
        if len(named) == 1:
            return named[0]
        raise KeyError(f"no seller {key!r} in the emulator; call add_store first")

    def store(self, seller_id: str, marketplace_id: str) -> Participation:
        seller = self.seller(seller_id)
        try:
            return seller.participations[marketplace_id]
        except KeyError:
            raise KeyError(f"seller {seller_id} does not sell in marketplace {marketplace_id}") from None

    # ---- orders ---------------------------------------------------------------------------------

    def generate_orders(self, seller_id: str, marketplace_id: str, count: int, start: datetime, end: datetime,
                        now: datetime) -> list[str]:
        check_window(count, start, end)
        self.store(seller_id, marketplace_id)
        seller = self.seller(seller_id)
        low, high = int(start.timestamp()), int(end.timestamp())
        times = sorted(seller.rng.randint(low, high) for _ in range(count))
        visible = now - INDEX_LAG
        created: list[str] = []
        for stamp in times:
            order = self._new_order(seller, BY_ID[marketplace_id], datetime.fromtimestamp(stamp, UTC))
            steps = _fate(seller.rng, order)
            order.apply(steps[0], steps[0].at)       # the order exists from its purchase on
            for step in steps[1:]:
                if step.at <= visible:
                    order.apply(step, step.at)
                else:
                    order.pending.append(step)
            seller.orders[order.amazon_order_id] = order
            created.append(order.amazon_order_id)
        return created

    def tick(self, now: datetime) -> tuple[int, int, list[Change]]:
        """New orders at `now` and every due step, stamped `now`; (created, updated, changes)."""
        created = updated = 0
        changes: list[Change] = []
        for seller in self.sellers.values():
            for order in [o for o in seller.orders.values() if isinstance(o, Order)]:
                due = [step for step in order.pending if step.at <= now]
                if not due:
                    continue
                order.pending = order.pending[len(due):]
                # Stamp the change when it becomes visible, so LastUpdatedAfter windows never miss it; the
                # order's current state is notified once per kind of change.
                kinds = dict.fromkeys(order.apply(step, now) for step in due)
                changes.extend(Change(seller.seller_id, order.amazon_order_id, kind, now) for kind in kinds)
                updated += 1
            for marketplace_id in sorted(seller.participations):
                count = self._tick_rng.randint(0, 2)
                if seller.participations[marketplace_id].orderable:
                    new = self._buy_now(seller, marketplace_id, count, now)
                else:
                    new = self.generate_orders(seller.seller_id, marketplace_id, count, now, now, now)
                for order_id in new:
                    created += 1
                    changes.append(Change(seller.seller_id, order_id, "OrderStatusChange", now))
        return created, updated, changes

    def find(self, seller_id: str, order_id: str) -> StoredOrder:
        try:
            return self.seller(seller_id).orders[order_id]
        except KeyError:
            raise KeyError(f"no order {order_id} for seller {seller_id}") from None

    def set_status(self, seller_id: str, order_id: str, status: str, now: datetime) -> None:
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown OrderStatus {status!r}; known: {', '.join(ORDER_STATUSES)}")
        order = self.find(seller_id, order_id)
        if isinstance(order, RawOrder):
            order.body["OrderStatus"] = status
            order.body["LastUpdateDate"] = iso(now)
            order.last_update = now
            return
        order.pending.clear()   # a manual move overrides whatever the order's fate had in store
        order.apply(Step(now, status), now)

    def insert_raw(self, seller_id: str, marketplace_id: str, body: dict[str, Any], now: datetime) -> str:
        seller = self.seller(seller_id)
        self.store(seller_id, marketplace_id)
        given = body.get("AmazonOrderId")
        order_id = str(given) if given not in (None, "") else self._new_id(seller)
        self._used_ids.add(order_id)
        seller.orders[order_id] = RawOrder(
            amazon_order_id=order_id, marketplace_id=marketplace_id, body=copy.deepcopy(body),
            purchase_date=parse_iso(body.get("PurchaseDate")) or now,
            last_update=parse_iso(body.get("LastUpdateDate")) or now,
        )
        return order_id

    # ---- returns and the returns report -------------------------------------------------------------

    def open_return(self, seller_id: str, order_id: str, sku: str | None, quantity: int, reason: str,
                    in_policy: bool, now: datetime) -> str:
        seller = self.seller(seller_id)
        order = self.find(seller_id, order_id)
        if not isinstance(order, Order):
            raise ValueError(f"order {order_id} was stored by hand: it cannot be returned")
        case = _open_return(order, list(seller.returns.values()), sku, quantity, reason, in_policy, now,
                            self._returns_rng, self._rma_ids)
        seller.returns[case.rma_id] = case
        return case.rma_id

    def update_return(self, seller_id: str, rma_id: str, now: datetime, *, status: str | None = None,
                      delivered: bool = False, refund: Decimal | None = None) -> None:
        case = self.seller(seller_id).returns.get(rma_id)
        if case is None:
            raise KeyError(f"no return {rma_id} for seller {seller_id}")
        _update_return(case, now, self._returns_rng, status=status, delivered=delivered, refund=refund)

    def return_rows(self, seller_id: str, marketplace_ids: list[str], start: datetime,
                    end: datetime) -> list[dict[str, str]]:
        """The returns report's rows: returns requested in [start, end] in those marketplaces, oldest first."""
        cases = sorted((c for c in self.seller(seller_id).returns.values()
                        if c.marketplace_id in marketplace_ids and start <= c.requested <= end),
                       key=lambda c: (c.requested, c.rma_id))
        return [row for case in cases for row in case.rows()]

    def settle_reports(self, now: datetime) -> None:
        """Finish every report whose processing time is over."""
        self.reports.settle(now, self.return_rows, self.feeds.documents)

    # ---- listings -------------------------------------------------------------------------------

    def set_catalogue(self, seller_id: str, marketplace_id: str, specs: Sequence[ProductSpec],
                      now: datetime) -> None:
        """Replace the store's listings with one per variant of `specs`."""
        store = self.store(seller_id, marketplace_id)
        store.listings = from_specs(seller_id, specs, now)
        _refresh_orderable(store)

    def settle_feeds(self, now: datetime) -> None:
        """Finish every feed whose processing time is over (its messages change listings or orders then; order
        changes wait in the outbox)."""
        processors = {LISTINGS_FEED: listings_processor(self._store_listings),
                      ORDER_ACKNOWLEDGEMENT_FEED: lambda feed, body, at: process_acknowledgements(feed, body, self, at)}
        for seller_id in self.feeds.settle(now, processors):
            for store in self.seller(seller_id).participations.values():
                _refresh_orderable(store)

    def acknowledge(self, seller_id: str, acknowledgement: Acknowledgement, feed_id: str,
                    at: datetime) -> Refusal | None:
        """One OrderAcknowledgement message: Success acknowledges the order, Failure cancels all of it."""
        order_id = acknowledgement.amazon_order_id
        order = self.sellers[seller_id].orders.get(order_id) if seller_id in self.sellers else None
        if order is None:
            return unknown_order(order_id)
        if not isinstance(order, Order):
            # Assumption: a hand-made order is in no state Amazon acts on.
            return not_cancellable(order_id, f"its status is {order.status or 'unknown'}")
        known = {item.order_item_id for item in order.items}
        stray = next((code for code, _ in acknowledgement.items if code not in known), None)
        if stray is not None:
            return unknown_item(order_id, stray)
        if acknowledgement.status_code == "Success":
            return None      # acknowledged: nothing Orders v0 shows changes
        refusal = _cancel_refusal(order)
        if refusal is not None:
            return refusal
        reasons = dict(acknowledgement.items)
        order.status, order.last_update = "Canceled", max(at, order.last_update)
        order.pending.clear()     # the order's fate ends here
        order.seller_cancellation = SellerCancellation(reasons, feed_id, acknowledgement.message_id, at)
        self._restock(order, reasons, at)
        self.outbox.append(Change(seller_id, order_id, "OrderStatusChange", at))
        return None

    def _restock(self, order: Order, reasons: dict[str, str], at: datetime) -> None:
        """The cancelled units back on sale: "For all CancelReason values except NoInventory, Amazon will increase the
        item's stock level by the count of canceled units" (of the seller-fulfilled listing it was sold from)."""
        store = self.sellers[order.seller_id].participations.get(order.marketplace_id)
        if store is None:
            return
        for item in order.items:
            reason = reasons.get(item.order_item_id, "")
            listing = store.listings.get(item.product.sku)
            if reason and reason != NO_INVENTORY and listing is not None and listing.channel == MFN_CHANNEL:
                listing.quantity += item.quantity - item.shipped
                listing.updated = max(at, listing.updated)

    def _store_listings(self, seller_id: str, marketplace_id: str) -> dict[str, Listing] | None:
        store = self.sellers[seller_id].participations.get(marketplace_id) if seller_id in self.sellers else None
        return store.listings if store is not None else None

    def place_order(self, seller_id: str, marketplace_id: str, sku: str, quantity: int, now: datetime) -> str | None:
        """A buyer buys `quantity` of a listing now: an Unshipped order, or None when it cannot be bought."""
        return self.place_order_lines(seller_id, marketplace_id, [(sku, quantity)], now)

    def place_order_lines(self, seller_id: str, marketplace_id: str, lines: Sequence[tuple[str, int]],
                          now: datetime) -> str | None:
        """A buyer buys several listings in one order now: an Unshipped order with an item per SKU, or None (nothing
        sold) when one of them cannot be bought in that quantity."""
        store = self.store(seller_id, marketplace_id)
        wanted: dict[str, int] = {}
        for sku, quantity in lines:
            wanted[sku] = wanted.get(sku, 0) + quantity
        listings = [(store.listings.get(sku), quantity) for sku, quantity in wanted.items()]
        if not listings:
            return None
        for listing, quantity in listings:
            if listing is None or quantity < 1 or not listing.buyable or listing.quantity < quantity:
                return None
        seller, mp = self.seller(seller_id), store.marketplace
        items: list[Item] = []
        channels: set[str] = set()
        for listing, quantity in listings:
            assert listing is not None and listing.price is not None   # a buyable listing has an offer
            listing.sell(quantity, now)
            channels.add(listing.channel)
            items.append(Item(order_item_id=f"{seller.rng.randint(10**13, 10**14 - 1)}", product=_product(listing),
                              quantity=quantity, unit_price=listing.price, promotion=Decimal(0), promotion_id="",
                              shipping=Decimal(0)))
        order = Order(
            amazon_order_id=self._new_id(seller), seller_id=seller_id, marketplace=mp, purchase_date=now,
            # Amazon ships the order only when every line is stocked in its network.
            channel="AFN" if channels == {AFN_CHANNEL} else "MFN", order_type="StandardOrder",
            is_prime=False, is_business=False, ship_level=mp.ship_levels[0], buyer=self._buyer(seller, mp),
            items=items, handling_days=2, transit_days=3, status="Unshipped", last_update=now)
        seller.orders[order.amazon_order_id] = order
        return order.amazon_order_id

    def _line_draw(self, seller: Seller, mp: Marketplace) -> LineDraw:
        """Where order lines come from: the store's listings once it has some, else the seller's old catalogue."""
        store = seller.participations[mp.id]
        rng = seller.rng
        if store.orderable:
            def from_listings() -> tuple[Product, Decimal, str]:
                listing = store.listings[rng.choice(store.orderable)]
                # Assumption: a line of a listing whose offer a patch deleted is priced 0 (history knows no better).
                return _product(listing), listing.price or Decimal(0), listing.channel
            return from_listings

        def from_catalogue() -> tuple[Product, Decimal, str]:
            product = rng.choice(seller.catalogue)
            return product, _local_price(product.eur, mp, rng), ""
        return from_catalogue

    def _buy_now(self, seller: Seller, marketplace_id: str, count: int, now: datetime) -> list[str]:
        """New orders in a store with listings: buyers pick buyable listings, one unit each."""
        store = seller.participations[marketplace_id]
        placed: list[str] = []
        for _ in range(count):
            order_id = self.place_order(seller.seller_id, marketplace_id, seller.rng.choice(store.orderable), 1, now)
            if order_id is not None:
                placed.append(order_id)
        return placed

    # ---- generation -----------------------------------------------------------------------------

    def _new_id(self, seller: Seller) -> str:
        rng = seller.rng
        while True:
            order_id = f"{rng.choice(_ORDER_PREFIXES)}-{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9_999_999):07d}"
            if order_id not in self._used_ids:
                self._used_ids.add(order_id)
                return order_id

    def _buyer(self, seller: Seller, mp: Marketplace) -> Buyer:
        rng = seller.rng
        known = seller.buyers.setdefault(mp.id, [])
        # About a third of orders come from returning buyers, as on a real store.
        if known and rng.random() < 0.3:
            return rng.choice(known)
        place = rng.choice(mp.places)
        street = rng.choice(place.streets)
        number = str(rng.randint(1, 180))
        # Street and number order as the country writes an address.
        line = f"{number} {street}" if mp.country in ("GB", "FR") else f"{street} {number}"
        local = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=14))
        buyer = Buyer(
            name=f"{rng.choice(mp.first_names)} {rng.choice(mp.last_names)}",
            email=f"{local}@marketplace.{mp.domain.removeprefix('www.')}",
            phone=mp.phone_prefix + "".join(rng.choices("0123456789", k=10)),
            place=place, street=line,
            address_type="Commercial" if rng.random() < 0.1 else "Residential",
        )
        known.append(buyer)
        return buyer

    def _new_order(self, seller: Seller, mp: Marketplace, purchased: datetime) -> Order:
        rng = seller.rng
        channel = "AFN" if rng.random() < 0.35 else "MFN"
        preorder = rng.random() < 0.015
        draw = self._line_draw(seller, mp)
        items: list[Item] = []
        chosen: set[str] = set()
        channels: set[str] = set()
        for position in range(rng.choices((1, 2, 3), weights=(70, 22, 8))[0]):
            product, unit, line_channel = draw()
            if product.sku in chosen:
                continue
            chosen.add(product.sku)
            channels.add(line_channel)
            promotion, promotion_id = Decimal(0), ""
            if rng.random() < 0.15:
                promotion = (unit * Decimal(rng.choice(("0.10", "0.15", "0.20")))).quantize(_CENT)
                promotion_id = f"PLM_{rng.randint(10**9, 10**10 - 1)}"
            shipping = Decimal(0)
            if position == 0 and channel == "MFN" and rng.random() < 0.4:
                shipping = _local_price(Decimal("3.99"), mp, rng, vary=False)
            items.append(Item(
                order_item_id=f"{rng.randint(10**13, 10**14 - 1)}",
                product=product, quantity=rng.choices((1, 2, 3), weights=(80, 15, 5))[0],
                unit_price=unit, promotion=promotion, promotion_id=promotion_id, shipping=shipping,
            ))
        if "" not in channels:
            # Lines from listings: Amazon ships the order only when every line is stocked in its network.
            channel = "AFN" if channels == {AFN_CHANNEL} else "MFN"
        is_prime = channel == "MFN" and rng.random() < 0.12
        levels = mp.ship_levels
        level = levels[3] if is_prime else rng.choices(levels, weights=(60, 20, 15, 5))[0]
        return Order(
            amazon_order_id=self._new_id(seller), seller_id=seller.seller_id, marketplace=mp,
            purchase_date=purchased, channel=channel,
            order_type="Preorder" if preorder else "StandardOrder",
            is_prime=is_prime, is_business=rng.random() < 0.08,
            ship_level=level, buyer=self._buyer(seller, mp), items=items,
            handling_days=rng.choice((1, 2, 2, 3)), transit_days=rng.choice((2, 3, 4, 5)),
            status="PendingAvailability" if preorder else "Pending", last_update=purchased,
        )


def _local_price(eur: Decimal, mp: Marketplace, rng: random.Random, vary: bool = True) -> Decimal:
    """A shelf price in the marketplace's currency, ending as shoppers expect (.99, or whole kronor)."""
    factor = Decimal(rng.randint(92, 112)) / 100 if vary else Decimal(1)
    raw = eur * mp.eur_rate * factor
    if mp.currency == "SEK":
        return max(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP), Decimal(1))
    return max(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP) - _CENT, Decimal("0.99"))


def _cancel_refusal(order: Order) -> Refusal | None:
    """Why Amazon will not let the seller cancel the order now; None when it will."""
    order_id = order.amazon_order_id
    if order.status == "Canceled":
        # Assumption: a second cancellation is refused, not passed over.
        return not_cancellable(order_id, "it is already canceled")
    if order.channel != "MFN":
        return not_cancellable(order_id, "it is fulfilled by Amazon")
    if order.status in ("Shipped", "PartiallyShipped", "InvoiceUnconfirmed") or any(i.shipped for i in order.items):
        return not_cancellable(order_id, "items of it have already been confirmed as shipped")
    if order.status != "Unshipped":
        # Assumption: Seller Central cancels neither orders awaiting payment (Pending) nor unfulfillable ones.
        return not_cancellable(order_id, f"its status is {order.status}")
    return None


def _refresh_orderable(store: Participation) -> None:
    """The SKUs orders may be drawn from: active listings with a catalogue item."""
    store.orderable = [sku for sku, listing in store.listings.items() if listing.active and listing.complete]


def _product(listing: Listing) -> Product:
    """A listing as an order line shows it; `eur` is unused for listings, whose price is already local."""
    return Product(asin=listing.asin, sku=listing.sku, title=listing.title, eur=listing.price or Decimal(0))


def _fate(rng: random.Random, order: Order) -> list[Step]:
    """The steps of an order's life with Amazon-like delays: payment, shipment, the odd cancellation."""
    t = order.purchase_date

    def later(low: timedelta, high: timedelta) -> datetime:
        nonlocal t
        t += timedelta(seconds=rng.randint(int(low.total_seconds()), int(high.total_seconds())))
        return t

    steps = [Step(t, order.status)]
    if order.order_type == "Preorder":
        steps.append(Step(later(2 * _DAY, 10 * _DAY), "Pending"))
    roll = rng.random()
    if roll < 0.015:   # payment never authorized
        steps.append(Step(later(4 * _HOUR, 2 * _DAY), "Canceled"))
        return steps
    steps.append(Step(later(_MIN, 3 * _HOUR), "Unshipped"))
    if roll < 0.045:   # the buyer asks to cancel, the seller agrees
        steps.append(Step(later(_HOUR, 12 * _HOUR), "", rng.choice(_CANCEL_REASONS)))
        steps.append(Step(later(_HOUR, 12 * _HOUR), "Canceled"))
        return steps
    if roll < 0.055:   # the seller cannot ship
        steps.append(Step(later(6 * _HOUR, 36 * _HOUR), "Canceled"))
        return steps
    if len(order.items) > 1 and roll < 0.3:
        steps.append(Step(later(4 * _HOUR, 2 * _DAY), "PartiallyShipped"))
        steps.append(Step(later(6 * _HOUR, 2 * _DAY), "Shipped"))
    else:
        steps.append(Step(later(4 * _HOUR, 2 * _DAY), "Shipped"))
    return steps


def _catalogue(rng: random.Random, seller_id: str) -> tuple[Product, ...]:
    products: list[Product] = []
    used: set[str] = set()
    for index in range(40):
        template = _TEMPLATES[index % len(_TEMPLATES)]
        variant = rng.choice(template.variants) if template.variants else ""
        while True:
            asin = "B0" + "".join(rng.choices(_ALNUM, k=8))
            if asin not in used:
                used.add(asin)
                break
        title = f"{rng.choice(_BRANDS)} {template.title}" + (f", {variant}" if variant else "")
        products.append(Product(asin=asin, sku=f"CD-{seller_id[-4:]}-{index + 1:03d}", title=title,
                                eur=template.eur))
    return tuple(products)
