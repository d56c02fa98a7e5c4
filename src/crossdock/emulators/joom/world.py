"""The emulated Joom world: merchants, their stores and catalogues, EU buyers and orders, moved by a clock."""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.emulators._common.buyers import POSTCODE_FLAWS, Flaw, contact_rng, draw_flaw, mobile_phone, with_flaw
from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators._common.orders import check_window
from crossdock.emulators.joom.catalogue import (
    DEFAULT_INVENTORY,
    Catalogue,
    CatalogueProduct,
    CatalogueVariant,
    Product,
    StoreTerms,
    Variant,
    build_catalogue,
    money,
)
from crossdock.emulators.joom.places import COUNTRIES, EU_BUYER_WEIGHTS, Country, Place

# Order states of the v3 Orders page ("refunded" from the Order object's enum).
ORDER_STATUSES: tuple[str, ...] = (
    "approved",
    "fulfilledOnline",
    "shipped",
    "cancelled",
    "paidByJoomRefund",
    "refunded",
    "returnInitiated",
    "returnExpired",
    "returnArrived",
    "returnCompleted",
    "returnDeclined",
)
# Order ids: "^[A-Z\d]{8}$" (Get Order, parameter `id`), e.g. 26VE349M.
ORDER_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ORDER_ID_LENGTH = 8
# Assumption: Joom's store object is not documented; stores sell in EUR into the EU unless told otherwise.
STORE_REGIONS: tuple[str, ...] = ("EU", *COUNTRIES)
DEFAULT_STORE_CURRENCY = "EUR"
# Assumption: Joom's commission varies by category; one flat rate keeps priceInfo.commissionAmount plausible.
COMMISSION_RATE = Decimal("0.15")
# Assumption: merchants get a few days to fulfil (Order.daysToFulfill); the figure itself is undocumented.
DAYS_TO_FULFILL = 5
ONLINE_SHIPPER = "Joom Logistics"
OFFLINE_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("Yanwen", "5cc1a9b2d8f0a45d0c1f2a01"),
    ("Cainiao", "5cc1a9b2d8f0a45d0c1f2a02"),
    ("4PX", "5cc1a9b2d8f0a45d0c1f2a03"),
    ("DHL eCommerce", "5cc1a9b2d8f0a45d0c1f2a04"),
)
# Every carrier a merchant may name when fulfilling (the shipping providers list): (name, id, online). Assumption:
# Joom's list is long and not public; these are carriers EU-bound Chinese merchants use, the generated orders' ones
# first, and Joom Logistics, the online shipper.
SHIPPING_PROVIDERS: tuple[tuple[str, str, bool], ...] = (
    *((name, provider_id, False) for name, provider_id in OFFLINE_PROVIDERS),
    ("DHL", "5cc1a9b2d8f0a45d0c1f2a05", False),
    ("YunExpress", "5cc1a9b2d8f0a45d0c1f2a06", False),
    ("China Post", "5cc1a9b2d8f0a45d0c1f2a07", False),
    ("SFC", "5cc1a9b2d8f0a45d0c1f2a08", False),
    ("DPD", "5cc1a9b2d8f0a45d0c1f2a09", False),
    ("GLS", "5cc1a9b2d8f0a45d0c1f2a0a", False),
    ("Deutsche Post", "5cc1a9b2d8f0a45d0c1f2a0b", False),
    ("PostNL", "5cc1a9b2d8f0a45d0c1f2a0c", False),
    (ONLINE_SHIPPER, "5cc1a9b2d8f0a45d0c1f2a10", True),
)
_HOUR = 3_600
_DAY = 86_400
_CENT = Decimal("0.01")


def to_timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


def rfc3339(timestamp: int) -> str:
    """Joom writes times as RFC 3339 in UTC."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: object) -> int | None:
    """Unix seconds of an RFC 3339 time with a zone, or None when it is not one."""
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return int(moment.timestamp())


def _hex_id(rng: random.Random) -> str:
    # Joom's product, variant, store and user ids look like 24-digit hex object ids.
    return "".join(rng.choices("0123456789abcdef", k=24))


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str
    phone: str
    country: Country
    place: Place
    street: str
    flat: str


@dataclass(frozen=True)
class Step:
    """A state the order's fate holds in store, due at `at` (Unix seconds)."""

    at: int
    status: str


@dataclass
class Order:
    """A generated order: one variant line, amounts in Decimal, rendered to Joom's strings by `payload`."""

    id: str
    store_id: str
    currency: str
    created: int
    product: Product
    variant: Variant
    quantity: int
    customer: Customer
    transaction_id: str
    online: bool
    provider: tuple[str, str]
    tracking_number: str
    status: str = "approved"
    updated: int = 0
    fulfilled_at: int = 0
    shipped_at: int = 0
    refund_at: int = 0
    refund_by: str = ""
    refund_reason: str = ""
    refund_amount: Decimal = Decimal(0)
    refund_note: str = ""          # the merchant's words when it cancelled through the API
    return_at: int = 0
    return_decline_reason: str = ""
    pending: list[Step] = field(default_factory=list)
    shipping_requirement: str = "offlineOrOnline"    # onlineShippingRequirement

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots saved before online shipping requirements restore as orders that may go either way.
        self.__dict__.update({"shipping_requirement": "offlineOrOnline", "refund_note": "", **state})

    @property
    def shipping_price(self) -> Decimal:
        return self.variant.shipping * self.quantity

    @property
    def order_price(self) -> Decimal:
        # Assumption: orderPrice is the merchant's price for the whole order, goods plus shipping, before VAT.
        return self.variant.price * self.quantity + self.shipping_price

    @property
    def vat(self) -> Decimal:
        return (self.order_price * self.customer.country.vat_rate).quantize(_CENT, rounding=ROUND_HALF_UP)

    def apply(self, status: str, at: int) -> None:
        """Move to `status` at `at`, filling in what that state implies (shipment, refund, return)."""
        self.status = status
        self.updated = max(at, self.created)
        if status == "fulfilledOnline" and not self.fulfilled_at:
            self.fulfilled_at = at
        if status == "shipped":
            self.shipped_at = self.shipped_at or at
            self.fulfilled_at = self.fulfilled_at or at
        if status == "cancelled":
            # "cancelled": cancelled through the merchant's fault, the buyer gets the money back.
            self.refund_at, self.refund_by, self.refund_reason = at, "merchant", "merchantCancelled"
            self.refund_amount = self.order_price
        elif status == "paidByJoomRefund":
            # Joom refunds the buyer at its own expense; the merchant is still paid.
            self.refund_at, self.refund_by, self.refund_reason = at, "joom", "paidByJoom"
            self.refund_amount = Decimal(0)
        elif status == "refunded":
            self.refund_at, self.refund_by, self.refund_reason = at, "merchant", "itemNotReceived"
            self.refund_amount = self.order_price
        elif status.startswith("return"):
            self.return_at = at
            if status == "returnCompleted":
                self.refund_at, self.refund_by, self.refund_reason = at, "merchant", "returned"
                self.refund_amount = self.order_price
            if status == "returnDeclined":
                self.return_decline_reason = "itemDamagedByCustomer"

    def payload(self) -> dict[str, Any]:
        """The order as GET /api/v3/orders and /api/v3/orders/multi return it."""
        customer, place = self.customer, self.customer.place
        variant: dict[str, Any] = {"id": self.variant.id, "sku": self.variant.sku}
        if self.variant.color:
            variant["color"] = self.variant.color
        if self.variant.size:
            variant["size"] = self.variant.size
        address = {
            "name": customer.name,
            "email": customer.email,
            "phoneNumber": customer.phone,
            "country": customer.country.code,
            "state": place.state,
            "city": place.city,
            "streetAddress1": customer.street,
            "streetAddress2": customer.flat,
            "zipCode": place.zip_code,
        }
        body: dict[str, Any] = {
            "id": self.id,
            "storeId": self.store_id,
            "status": self.status,
            "currency": self.currency,
            "orderTimestamp": rfc3339(self.created),
            "updateTimestamp": rfc3339(self.updated or self.created),
            "quantity": self.quantity,
            "customerId": customer.id,
            "transactionId": self.transaction_id,
            "priceInfo": {
                "orderPrice": money(self.order_price),
                "unitPrice": money(self.variant.price),
                "shippingPrice": money(self.shipping_price),
                "commissionAmount": money(self.order_price * COMMISSION_RATE),
                "buyerGmv": money(self.order_price + self.vat),
                "vat": money(self.vat),
                "refundAmount": money(self.refund_amount),
            },
            "product": {
                "id": self.product.id,
                "sku": self.product.sku,
                "name": self.product.name,
                "mainImage": self.product.main_image,
                "variant": variant,
            },
            "shippingAddress": address,
            "shippingAddressHash": hashlib.sha1(repr(sorted(address.items())).encode()).hexdigest(),
            "allowedShippingTypes": self.shipping_requirement,
            "onlineShippingRequirement": self.shipping_requirement,
            "daysToFulfill": DAYS_TO_FULFILL,
            "shippingOption": {"tierName": "Standard", "tierType": "standard", "warehouseType": "default"},
            "isFbj": False,
            "canBeConsolidated": False,
            "isFulfillmentAllowed": self.status == "approved",
        }
        if self.fulfilled_at:
            shipment: dict[str, Any] = {"trackingNumber": self.tracking_number,
                                        "fulfilledTimestamp": rfc3339(self.fulfilled_at)}
            if self.online:
                shipment.update(shipperName=ONLINE_SHIPPER, provider=ONLINE_SHIPPER,
                                shippingOrderNumber=f"JL{self.id}{self.created % 10_000:04d}")
            else:
                shipment.update(provider=self.provider[0], providerId=self.provider[1])
            if self.shipped_at:
                shipment["shippedTimestamp"] = rfc3339(self.shipped_at)
            body["shipment"] = shipment
        if self.refund_at:
            body["refund"] = {"by": self.refund_by, "reason": self.refund_reason, "timestamp": rfc3339(self.refund_at),
                              "price": money(self.refund_amount), "fraction": 100 if self.refund_amount else 0}
            if self.refund_note:
                body["refund"]["note"] = self.refund_note
        if self.return_at:
            returned: dict[str, Any] = {"timestamp": rfc3339(self.return_at)}
            if self.return_decline_reason:
                returned["declineReason"] = self.return_decline_reason
            body["return"] = returned
        return body


@dataclass
class RawOrder:
    """A payload stored as given, so connectors can be tested against malformed or older data."""

    id: str
    body: dict[str, Any]
    created: int
    updated: int

    @property
    def status(self) -> str | None:
        value = self.body.get("status")
        return value if isinstance(value, str) else None

    def payload(self) -> dict[str, Any]:
        return copy.deepcopy(self.body)


StoredOrder = Order | RawOrder


@dataclass
class Merchant:
    key: str
    merchant_user_id: str
    name: str


@dataclass
class Store:
    id: str
    merchant: str
    name: str
    region: str
    currency: str
    created: int
    rating: Decimal
    rng: random.Random
    catalogue: Catalogue
    catalogue_version: int = 0
    status: str = "active"
    customers: list[Customer] = field(default_factory=list)
    orders: dict[str, StoredOrder] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The store as the (assumed) GET /api/v3/stores reports it, with its performance figures."""
        generated = [o for o in self.orders.values() if isinstance(o, Order)]
        total = len(generated) or 1

        def share(*states: str) -> str:
            return str((Decimal(sum(o.status in states for o in generated)) / total).quantize(Decimal("0.0001")))

        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "region": self.region,
            "currency": self.currency,
            "createdTimestamp": rfc3339(self.created),
            "rating": str(self.rating),
            "ordersCount": len(self.orders),
            "performance": {
                "cancellationRate": share("cancelled"),
                "refundRate": share("refunded", "returnCompleted"),
                "returnRate": share("returnInitiated", "returnArrived", "returnCompleted", "returnDeclined",
                                    "returnExpired"),
            },
        }


_TEMPLATES: tuple[tuple[str, Decimal, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Wireless Earbuds Bluetooth 5.3", Decimal("17.90"), ("Black", "White"), ()),
    ("USB-C Fast Charging Cable", Decimal("3.49"), ("Black", "White"), ("1m", "2m")),
    ("Silicone Phone Case", Decimal("4.99"), ("Black", "Pink", "Sage"), ("iPhone 15", "Galaxy S24")),
    ("Oversized Cotton T-Shirt", Decimal("8.90"), ("White", "Black", "Beige"), ("S", "M", "L", "XL")),
    ("High Waist Yoga Leggings", Decimal("12.50"), ("Black", "Navy"), ("S", "M", "L")),
    ("Stainless Steel Water Bottle 750 ml", Decimal("9.99"), ("Silver", "Mint"), ()),
    ("LED Desk Lamp Foldable", Decimal("15.40"), ("White", "Black"), ()),
    ("Mechanical Keyboard 87 Keys", Decimal("34.00"), (), ("Red Switch", "Blue Switch")),
    ("Silent Wireless Mouse", Decimal("7.80"), ("Grey", "Black"), ()),
    ("Microfiber Bath Towel", Decimal("6.20"), ("Blue", "Grey", "Beige"), ("70x140", "90x180")),
    ("Foldable Storage Box 30 L", Decimal("7.10"), ("Grey",), ()),
    ("Fitness Tracker Watch", Decimal("26.90"), ("Black", "Silver"), ()),
    ("Laptop Backpack 15.6 inch", Decimal("18.50"), ("Black", "Navy"), ()),
    ("Ceramic Mug 350 ml", Decimal("5.40"), ("White", "Black"), ()),
    ("Hair Clips Set (12 pcs)", Decimal("2.99"), ("Mixed",), ()),
    ("Car Phone Holder Magnetic", Decimal("6.70"), ("Black",), ()),
    ("Kids Building Blocks 300 pcs", Decimal("14.90"), (), ()),
    ("Garden Solar Lights (4 pcs)", Decimal("16.80"), ("Warm White", "Cold White"), ()),
)


class World:
    """Merchants, their stores and orders. Not thread-safe by itself: the emulator serialises access."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.merchants: dict[str, Merchant] = {}
        self.stores: dict[str, Store] = {}
        self._used_ids: set[str] = set()
        self._tick_rng = random.Random(f"{seed}:tick")

    # ---- merchants and stores -----------------------------------------------------------------

    def merchant(self, key: str) -> Merchant:
        """The merchant account `key`, created on first mention with a seeded merchant_user_id."""
        found = self.merchants.get(key)
        if found is None:
            rng = random.Random(f"{self.seed}:merchant:{key}")
            found = Merchant(key=key, merchant_user_id=_hex_id(rng), name=f"{key} GmbH")
            self.merchants[key] = found
        return found

    def merchant_by_user_id(self, merchant_user_id: str) -> Merchant | None:
        return next((m for m in self.merchants.values() if m.merchant_user_id == merchant_user_id), None)

    def add_store(self, external_id: str, region: str, name: str | None, account: str, now: int) -> Store:
        region = region.upper()
        if region not in STORE_REGIONS:
            raise ValueError(f"unknown Joom store region {region!r}; known: {', '.join(STORE_REGIONS)}")
        if not external_id:
            raise ValueError("a store needs an id")
        if external_id in self.stores:
            raise ValueError(f"store {external_id} already exists")
        merchant = self.merchant(account)
        # One generator per store, seeded by (seed, store): stores stay reproducible whatever else is created.
        rng = random.Random(f"{self.seed}:{external_id}")
        store = Store(
            id=external_id,
            merchant=merchant.key,
            name=name or f"Crossdock Demo {region} {external_id}",
            region=region,
            currency=DEFAULT_STORE_CURRENCY,
            created=now,
            rating=Decimal(rng.randint(40, 49)) / 10,
            rng=rng,
            catalogue=_catalogue(rng, external_id, DEFAULT_STORE_CURRENCY, now),
        )
        self.stores[external_id] = store
        return store

    def store(self, external_id: str) -> Store:
        try:
            return self.stores[external_id]
        except KeyError:
            raise KeyError(f"no store {external_id} in the emulator; call add_store first") from None

    def stores_of(self, merchant_key: str) -> list[Store]:
        return [s for s in self.stores.values() if s.merchant == merchant_key]

    def find_order(self, merchant_key: str, order_id: str) -> StoredOrder | None:
        for store in self.stores_of(merchant_key):
            found = store.orders.get(order_id)
            if found is not None:
                return found
        return None

    # ---- orders -------------------------------------------------------------------------------

    def generate_orders(self, store_id: str, count: int, start: datetime, end: datetime, now: datetime) -> list[str]:
        """Orders over [start, end] for products of the catalogue; the past they fill in moves no stock."""
        check_window(count, start, end)
        store = self.store(store_id)
        pool = store.catalogue.order_pool()
        if count and not pool:
            raise ValueError(f"store {store_id} lists no product to order")
        low, high = to_timestamp(start), to_timestamp(end)
        times = sorted(store.rng.randint(low, high) for _ in range(count))
        now_ts = to_timestamp(now)
        created: list[str] = []
        for created_at in times:
            order = self._new_order(store, created_at, pool)
            self._admit(store, order, now_ts)
            created.append(order.id)
        return created

    def _admit(self, store: Store, order: Order, now_ts: int) -> None:
        """File a new order with its fate: states already due are applied, later ones wait for tick()."""
        for step in _fate(store.rng, order):
            if step.at <= now_ts:
                order.apply(step.status, step.at)
            else:
                order.pending.append(step)
        store.orders[order.id] = order

    def tick(self, now: datetime) -> tuple[int, int]:
        """New orders at `now` and every due state change, stamped `now`; returns (created, updated)."""
        now_ts = to_timestamp(now)
        created = updated = 0
        for store in self.stores.values():
            for order in list(self.generated(store)):
                due = [step for step in order.pending if step.at <= now_ts]
                if not due:
                    continue
                for step in due:
                    order.apply(step.status, step.at)
                order.pending = order.pending[len(due):]
                # Stamp the change when it becomes visible, so updatedFrom windows never miss it.
                order.updated = max(now_ts, order.created)
                updated += 1
            count = self._tick_rng.randint(0, 3)
            # Buyers only find what is on sale; a store selling nothing gets no new orders.
            if store.catalogue.selling():
                created += len(self.generate_orders(store.id, count, now, now, now))
        return created, updated

    @staticmethod
    def generated(store: Store) -> Iterator[Order]:
        for order in store.orders.values():
            if isinstance(order, Order):
                yield order

    def set_status(self, store_id: str, order_id: str, status: str, now: datetime) -> None:
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}; known: {', '.join(ORDER_STATUSES)}")
        store = self.store(store_id)
        order = store.orders.get(order_id)
        if order is None:
            raise KeyError(f"no order {order_id} in store {store_id}")
        now_ts = to_timestamp(now)
        if isinstance(order, RawOrder):
            order.body["status"] = status
            order.body["updateTimestamp"] = rfc3339(now_ts)
            order.updated = now_ts
            return
        # A manual move overrides whatever the order's fate had in store.
        order.pending.clear()
        order.apply(status, now_ts)

    def insert_raw(self, store_id: str, body: dict[str, Any], now: datetime) -> str:
        store = self.store(store_id)
        now_ts = to_timestamp(now)
        raw_id = body.get("id")
        order_id = str(raw_id) if raw_id is not None and raw_id != "" else self._new_id(store.rng)
        self._used_ids.add(order_id)
        created = parse_rfc3339(body.get("orderTimestamp"))
        updated = parse_rfc3339(body.get("updateTimestamp"))
        store.orders[order_id] = RawOrder(order_id, copy.deepcopy(body), now_ts if created is None else created,
                                          now_ts if updated is None else updated)
        return order_id

    def _new_id(self, rng: random.Random) -> str:
        while True:
            order_id = "".join(rng.choices(ORDER_ID_ALPHABET, k=ORDER_ID_LENGTH))
            if order_id not in self._used_ids:
                self._used_ids.add(order_id)
                return order_id

    def _customer(self, store: Store) -> Customer:
        rng = store.rng
        # About a quarter of orders come from returning buyers.
        if store.customers and rng.random() < 0.25:
            return rng.choice(store.customers)
        if store.region in COUNTRIES and rng.random() < 0.7:
            country = COUNTRIES[store.region]
        else:
            codes = list(EU_BUYER_WEIGHTS)
            country = COUNTRIES[rng.choices(codes, weights=[EU_BUYER_WEIGHTS[c] for c in codes])[0]]
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        place = rng.choice(country.places)
        number, street = str(rng.randint(1, 180)), rng.choice(place.streets)
        mailbox = f"{first}.{last}".lower().replace(" ", "")
        customer_id = _hex_id(rng)
        email = f"{mailbox}{rng.randint(1, 99)}@example.{country.code.lower()}"
        # Joom passes the buyer's number in international form ("+49..."); what slips through is a phone left out
        # or short of digits, or a mistyped postcode.
        contact = contact_rng(rng, country.contact_draws)
        phone = mobile_phone(contact, country.code).e164()
        flaw = draw_flaw(contact, (Flaw.NO_PHONE, Flaw.SHORT_PHONE, *sorted(POSTCODE_FLAWS)))
        phone, zip_code = with_flaw(flaw, phone, place.zip_code)
        place = replace(place, zip_code=zip_code)
        customer = Customer(
            id=customer_id,
            name=f"{first} {last}",
            email=email,
            phone=phone,
            country=country,
            place=place,
            street=f"{number} {street}" if country.number_first else f"{street} {number}",
            flat=f"Apt {rng.randint(1, 40)}" if rng.random() < 0.3 else "",
        )
        store.customers.append(customer)
        return customer

    def _new_order(self, store: Store, created_at: int, pool: Sequence[CatalogueProduct],
                   bought: tuple[CatalogueVariant, int] | None = None) -> Order:
        """An approved order: for `bought` (variant, quantity) when a buyer chose, else drawn from `pool`."""
        rng = store.rng
        # The draws keep one order (product, shipping mode, id, variant, quantity, ...) so a seed's world is stable.
        product = store.catalogue.product_of(bought[0]) if bought else rng.choice(pool)
        online = rng.random() < 0.25
        order_id = self._new_id(rng)
        variant = bought[0] if bought else rng.choice(product.variants)
        quantity = bought[1] if bought else rng.choices((1, 2, 3), weights=(78, 17, 5))[0]
        return Order(
            id=order_id,
            store_id=store.id,
            currency=store.currency,
            created=created_at,
            product=product.snapshot(),
            variant=variant.snapshot(),
            quantity=quantity,
            customer=self._customer(store),
            transaction_id=_hex_id(rng),
            online=online,
            provider=rng.choice(OFFLINE_PROVIDERS),
            tracking_number=("JL" if online else "LP") + "".join(rng.choices("0123456789", k=12)) + "CN",
            updated=created_at,
        )

    # ---- catalogue ----------------------------------------------------------------------------

    def set_catalogue(self, store_id: str, specs: Sequence[ProductSpec], now: datetime) -> None:
        """Replace the store's products with Joom products for `specs` (new ids each time)."""
        store = self.store(store_id)
        store.catalogue_version += 1
        # A generator of its own, so a catalogue never shifts the store's order draws.
        rng = random.Random(f"{self.seed}:{store_id}:catalogue:{store.catalogue_version}")
        store.catalogue = build_catalogue(specs, StoreTerms(store.id, store.currency), rng, to_timestamp(now))

    def listings(self, store_id: str) -> list[dict[str, Any]]:
        """One row per variant: ids, the merchant's SKU, stock, whether buyers can buy it, its price."""
        catalogue = self.store(store_id).catalogue
        return [
            {"item_id": product.id, "variant_id": variant.id, "seller_sku": variant.sku,
             "quantity": variant.inventory, "active": product.sells(variant), "price": variant.price}
            for product in catalogue.products for variant in product.variants
        ]

    def place_order(self, store_id: str, sku: str, quantity: int, now: datetime) -> str | None:
        """A buyer buys `quantity` of the variant `sku` now; None when it is not for sale or short of stock."""
        if quantity < 1:
            raise ValueError("a buyer buys at least one")
        store = self.store(store_id)
        variant = store.catalogue.variants_by_sku.get(sku)
        if variant is None or variant.inventory < quantity:
            return None
        if not store.catalogue.product_of(variant).sells(variant):
            return None
        variant.inventory -= quantity
        now_ts = to_timestamp(now)
        order = self._new_order(store, now_ts, (), (variant, quantity))
        self._admit(store, order, now_ts)
        return order.id

    def open_return(self, store_id: str, order_id: str, now: datetime) -> None:
        """The customer sends a shipped order back (returnInitiated); what follows is the merchant's and Joom's."""
        store = self.store(store_id)
        order = store.orders.get(order_id)
        if not isinstance(order, Order):
            raise KeyError(f"no order {order_id} in store {store_id}")
        if order.status != "shipped":
            raise ValueError(f"order {order_id} is {order.status}: only a shipped order can be returned")
        order.pending.clear()
        order.apply("returnInitiated", to_timestamp(now))

    def find_product(self, merchant_key: str, product_id: str, sku: str) -> CatalogueProduct | None:
        """A product of the merchant by Joom id, else by product SKU."""
        for store in self.stores_of(merchant_key):
            found = store.catalogue.by_id.get(product_id) if product_id else store.catalogue.by_sku.get(sku)
            if found is not None:
                return found
        return None


def _fate(rng: random.Random, order: Order) -> list[Step]:
    """The states an order will go through after approval, with Joom-like delays between them.

    Every first move comes at least six hours after the order, so a fresh order is always approved.
    """
    t = order.created
    steps: list[Step] = []

    def later(low: int, high: int, status: str) -> None:
        nonlocal t
        t += rng.randint(low, high)
        steps.append(Step(t, status))

    roll = rng.random()
    if roll < 0.03:
        later(2 * _DAY, 6 * _DAY, "cancelled")          # never fulfilled: cancelled through the merchant's fault
        return steps
    if order.online:
        later(6 * _HOUR, 30 * _HOUR, "fulfilledOnline")
        later(12 * _HOUR, 2 * _DAY, "shipped")
    else:
        later(6 * _HOUR, 3 * _DAY, "shipped")
    if roll < 0.05:
        later(10 * _DAY, 30 * _DAY, "paidByJoomRefund")  # lost in transit: Joom refunds, the merchant is paid
    elif roll < 0.07:
        later(7 * _DAY, 25 * _DAY, "refunded")
    elif roll < 0.11:
        later(5 * _DAY, 20 * _DAY, "returnInitiated")
        outcome = rng.random()
        if outcome < 0.6:
            later(4 * _DAY, 12 * _DAY, "returnArrived")
            later(_DAY, 3 * _DAY, "returnCompleted")
        elif outcome < 0.85:
            later(21 * _DAY, 21 * _DAY, "returnExpired")
        else:
            later(_DAY, 3 * _DAY, "returnDeclined")
    return steps


def _catalogue(rng: random.Random, store_id: str, currency: str, now: int) -> Catalogue:
    """The store's starting catalogue from the templates (drawn from the store's generator, in a fixed order)."""
    products: list[CatalogueProduct] = []
    prefix = "".join(ch for ch in store_id.upper() if ch.isalnum())[-6:] or "STORE"
    for index in range(30):
        name, base, colors, sizes = _TEMPLATES[index % len(_TEMPLATES)]
        price = (base * Decimal(rng.randint(85, 125)) / 100).quantize(_CENT)
        shipping = Decimal(rng.choice(("0.00", "0.99", "1.49", "1.99", "2.49")))
        product_sku = f"JM-{prefix}-{index + 1:03d}"
        drawn: list[tuple[str, str, str, str, Decimal]] = []
        for color in colors or ("",):
            for size in sizes or ("",):
                suffix = "-".join(p for p in (color, size) if p).upper().replace(" ", "")
                variant_id = _hex_id(rng)
                drawn.append((variant_id, f"{product_sku}-{suffix}" if suffix else product_sku, color, size,
                              (price * Decimal(rng.randint(95, 110)) / 100).quantize(_CENT)))
        product_id = _hex_id(rng)
        variants = [CatalogueVariant(id=vid, product_id=product_id, sku=sku, size=size, color=color, price=vprice,
                                     currency=currency, shipping=shipping, weight_kg=Decimal("0.5"),
                                     inventory=DEFAULT_INVENTORY)
                    for vid, sku, color, size, vprice in drawn]
        products.append(CatalogueProduct(
            id=product_id, sku=product_sku, store_id=store_id, name=name,
            main_image=f"https://images.joom.com/{product_id}_original.jpg", variants=variants, updated=now,
        ))
    return Catalogue(products)
