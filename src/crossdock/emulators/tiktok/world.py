"""The emulated TikTok Shop world: sellers, their shops, catalogues and orders, from a seed, moved by a clock."""

from __future__ import annotations

import copy
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from crossdock.emulators._common.buyers import POSTCODE_FLAWS, Flaw, draw_flaw, mask, mobile_phone, with_flaw
from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators.tiktok.catalogue import (
    ACTIVE,
    INACTIVE,
    ListedSku,
    Product,
    ShopCatalogue,
    Warehouse,
    check_specs,
    listed_price,
)
from crossdock.emulators.tiktok.regions import Place, Region, region

if TYPE_CHECKING:
    from crossdock.emulators.tiktok.cancellations import Cancellation
    from crossdock.emulators.tiktok.returns import ReturnCase

# Order status enum of Get Order List / Get Order Detail (202309).
ORDER_STATUSES: tuple[str, ...] = (
    "UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION",
    "IN_TRANSIT", "DELIVERED", "COMPLETED", "CANCELLED",
)
_PAID = frozenset(ORDER_STATUSES) - {"UNPAID", "CANCELLED"}
# "recipient_address is not available under UNPAID and ON_HOLD status."
_ADDRESS_HIDDEN = frozenset({"UNPAID", "ON_HOLD"})

_MINUTE, _HOUR, _DAY = 60, 3_600, 86_400
# Assumptions: the docs give none of these durations; they shape realistic order lives.
UNPAID_CANCEL_AFTER = 24 * _HOUR       # an order never paid is cancelled by the system
ON_HOLD_WINDOW = 1 * _HOUR             # the buyer's free-cancellation window in ON_HOLD markets
SHIP_SLA = 3 * _DAY                    # rts_sla_time: the seller must ship within this after payment
DELIVERY_SLA = 10 * _DAY               # tts_sla_time after payment
COMPLETE_AFTER_DELIVERY = 7 * _DAY     # the order completes once the return window has passed

_PRODUCTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Wireless Earbuds Bluetooth 5.3 Noise Cancelling", "18", ("Black", "White", "Pink")),
    ("Fast Charging USB-C Cable 1m", "3", ("1m", "2m")),
    ("20000mAh Power Bank Slim", "22", ("Black", "Blue")),
    ("Phone Case Shockproof Clear", "4", ("iPhone 15", "iPhone 14", "Galaxy S24")),
    ("Oversized Cotton T-Shirt Unisex", "7", ("S", "M", "L", "XL")),
    ("High Waist Yoga Leggings", "11", ("S", "M", "L")),
    ("Lip Tint Velvet Matte", "6", ("01 Rose", "02 Nude", "03 Red")),
    ("Vitamin C Brightening Serum 30ml", "12", ()),
    ("Sunscreen SPF50 PA++++ 50ml", "10", ()),
    ("Stainless Steel Tumbler 900ml", "9", ("Silver", "Black", "Mint")),
    ("LED Strip Lights RGB 5m", "8", ("5m", "10m")),
    ("Mini Portable Blender USB", "15", ("Pink", "Green")),
    ("Scented Candle Soy Wax", "6", ("Vanilla", "Lavender", "Sea Salt")),
    ("Hair Claw Clip Set (6 pcs)", "4", ()),
    ("Smart Watch Fitness Tracker", "27", ("Black", "Silver")),
    ("Resistance Bands Set", "9", ()),
    ("Ceramic Mug 350ml", "5", ("White", "Black", "Sage")),
)
_BUYER_MESSAGES = ("Please ship asap!", "Gift wrap please", "Leave at the door", "Please pack carefully", "")
_BUYER_CANCEL_REASONS = ("No longer needed", "Need to change shipping address", "Found a better price elsewhere",
                         "Wrong product ordered")
_PROVIDERS = (("6617675021119438849", "TT Virtual express"), ("7129736293356078891", "J&T Express"),
              ("7117858858072016686", "Ninja Van"), ("7208502187360519982", "Flash Express"))
# Delivery options by shipping type: (delivery_option_id, delivery_option_name). Assumption: the ids are made up in
# the docs' format; TikTok assigns them per warehouse delivery setting.
DELIVERY_OPTIONS: dict[str, tuple[str, str]] = {
    "TIKTOK": ("7091146663229654785", "Standard Shipping"),
    "SELLER": ("7208502187360519983", "Seller Shipping"),
}
SHIPPING_TYPES = tuple(DELIVERY_OPTIONS)
_STREETS = ("Orchard", "Sunset", "Riverside", "Market", "Station", "Garden", "Harbour", "Hillview")
# Assumption: the docs show one warehouse; an emulated shop has a default sales warehouse (where a product
# listed without a designated warehouse keeps its stock), a second sales warehouse, and a return warehouse
# (each warehouse type has its own default).
_WAREHOUSES = (("Main Warehouse", "SALES_WAREHOUSE", True), ("Overflow Warehouse", "SALES_WAREHOUSE", False),
               ("Returns", "RETURN_WAREHOUSE", True))
# Assumption: how much of each seeded product the shop holds before a test or the demo sets its catalogue.
_SEEDED_STOCK = (0, 250)


def _digits(rng: random.Random, prefix: str, length: int) -> str:
    """A TikTok-style numeric id: `prefix` then random digits up to `length`."""
    return prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix)))


def _image(sku_id: str) -> str:
    return f"https://p16-oec-sg.ibyteimg.com/tos-alisg-i-aphluv4xwc-sg/{sku_id}~tplv-aphluv4xwc.jpeg"


def _contact(rng: random.Random, reg: Region, place: Place, names: list[str],
             shipping_type: str) -> tuple[str, str, str]:
    """(name, phone, postal code) as the order shows them: the phone written "(+60)123456789", and name and phone
    desensitized the way TikTok hides buyers from sellers of orders its own logistics carries (a live MY order
    shows "A*** F***i" and "(+60)113*****36")."""
    first, *rest = names
    phone = mobile_phone(rng, reg.code)
    hidden = shipping_type == "TIKTOK"
    # Behind the stars a number short of digits looks like any other: only a mistyped postcode shows.
    flaw = draw_flaw(rng, sorted(POSTCODE_FLAWS) if hidden else (Flaw.SHORT_PHONE, *sorted(POSTCODE_FLAWS)))
    written, postal_code = with_flaw(flaw, phone.bracketed(), place.postal_code)
    if hidden:
        name = " ".join([first, *(word[0] + "*" * (len(word) - 1) for word in rest)])
        written = f"(+{phone.country_code})" + mask(phone.national_number, 3, 2)
    else:
        name = " ".join(names)
    return name, written, postal_code


def _step(value: Decimal, step: Decimal) -> Decimal:
    units = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(units, Decimal(1)) * step


@dataclass(frozen=True)
class Sku:
    product_id: str
    product_name: str
    sku_id: str
    sku_name: str
    seller_sku: str
    price: Decimal
    image: str


@dataclass
class Seller:
    account: str
    open_id: str
    name: str
    base_region: str
    shop_ids: list[str] = field(default_factory=list)


@dataclass
class Unit:
    """One row of `line_items`: TikTok lists one row per unit bought."""

    id: str
    sku: Sku
    original_price: Decimal
    seller_discount: Decimal
    platform_discount: Decimal
    package: int

    @property
    def sale_price(self) -> Decimal:
        return self.original_price - self.seller_discount - self.platform_discount


@dataclass(frozen=True)
class PackageShipment:
    """How a package left through the Fulfillment API: its tracking number and carrier, and who carries it."""

    tracking_number: str
    provider_id: str
    provider_name: str
    by_seller: bool            # the seller's own carrier (in transit at once) rather than one TikTok arranged
    at: int
    handover_method: str = ""  # PICKUP or DROP_OFF for packages TikTok's carrier takes over
    service: str = ""          # the shipping service a label was bought for (Create Packages, US)


@dataclass(frozen=True)
class Step:
    at: int
    status: str
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class Recipient:
    name: str
    phone: str
    street: str
    unit: str
    state: str
    city: str
    district: str
    postal_code: str


@dataclass
class Order:
    """A generated order; `payload()` renders it exactly as the order APIs return it."""

    id: str
    region: Region
    create_time: int
    user_id: str
    buyer_email: str
    buyer_message: str
    recipient: Recipient
    units: list[Unit]
    package_ids: list[str]
    original_shipping_fee: Decimal
    shipping_platform_discount: Decimal
    tax_rate: Decimal
    provider: tuple[str, str]
    is_cod: bool
    payment_method_name: str
    warehouse_id: str
    delivery_option_id: str
    status: str = "UNPAID"
    update_time: int = 0
    paid_time: int | None = None
    rts_time: int | None = None
    collection_time: int | None = None
    delivery_time: int | None = None
    cancel_time: int | None = None
    cancel_reason: str = ""
    cancellation_initiator: str = ""
    is_on_hold_order: bool = False
    tracking_numbers: list[str] = field(default_factory=list)
    collected_packages: int = 0
    pending: list[Step] = field(default_factory=list)
    # TIKTOK (TikTok's carrier takes it: Ship Package arranges it) or SELLER (the seller ships and uploads the
    # tracking number), as the shop's warehouse delivery setting was when the order came in.
    shipping_type: str = "TIKTOK"
    delivery_option_name: str = "Standard Shipping"
    # Packages shipped through the Fulfillment API, by package index; once there is one, generated tracking
    # numbers are no longer shown.
    shipments: dict[int, PackageShipment] = field(default_factory=dict)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots saved before the Fulfillment API existed restore as TikTok-shipped orders.
        self.__dict__.update({"shipping_type": "TIKTOK", "delivery_option_name": "Standard Shipping",
                              "shipments": {}, **state})

    # ---- money ----------------------------------------------------------------------------

    def _money(self, amount: Decimal) -> str:
        return f"{amount:.{self.region.decimals}f}"

    @property
    def sub_total(self) -> Decimal:
        return sum((u.sale_price for u in self.units), Decimal(0))

    @property
    def shipping_fee(self) -> Decimal:
        return self.original_shipping_fee - self.shipping_platform_discount

    @property
    def tax(self) -> Decimal:
        quantum = Decimal(1).scaleb(-self.region.decimals)
        return (self.sub_total * self.tax_rate).quantize(quantum, rounding=ROUND_HALF_UP)

    @property
    def total_amount(self) -> Decimal:
        # "total_amount = sub_total + shipping_fee + taxes + retail_delivery_fee"
        return self.sub_total + self.shipping_fee + self.tax

    # ---- life -----------------------------------------------------------------------------

    def apply(self, status: str, at: int, details: tuple[tuple[str, str], ...] = ()) -> None:
        """Move to `status` at `at`, filling in the times and fields that status implies."""
        extra = dict(details)
        self.status = status
        self.update_time = max(at, self.create_time)
        if status in _PAID and self.paid_time is None:
            self.paid_time = at
        if status == "ON_HOLD":
            self.is_on_hold_order = True
        if status in ("AWAITING_COLLECTION", "PARTIALLY_SHIPPING", "IN_TRANSIT", "DELIVERED", "COMPLETED"):
            if self.rts_time is None:
                self.rts_time = at
            if not self.tracking_numbers and not self.shipments:
                self.tracking_numbers = [extra.get("tracking", f"TT{self.id[-10:]}{i}")
                                         for i in range(len(self.package_ids))]
        if status == "PARTIALLY_SHIPPING":
            self.collected_packages = max(self.collected_packages, 1)
        if status in ("IN_TRANSIT", "DELIVERED", "COMPLETED"):
            self.collected_packages = len(self.package_ids)
            if self.collection_time is None:
                self.collection_time = at
        if status in ("DELIVERED", "COMPLETED") and self.delivery_time is None:
            self.delivery_time = at
        if status == "CANCELLED":
            self.cancel_time = at
            self.cancellation_initiator = extra.get("initiator", self.cancellation_initiator or "SELLER")
            self.cancel_reason = extra.get("reason", self.cancel_reason or "Out of stock")

    def tracking_of(self, package: int) -> tuple[str, str, str] | None:
        """(tracking number, provider id, provider name) of a package once it has left, else None."""
        shipment = self.shipments.get(package)
        if shipment is not None:
            return shipment.tracking_number, shipment.provider_id, shipment.provider_name
        if self.rts_time is not None and not self.shipments and package < len(self.tracking_numbers):
            return self.tracking_numbers[package], *self.provider
        return None

    def _unit_status(self, unit: Unit) -> tuple[str, str]:
        """(display_status, package_status) of one line item."""
        if self.status == "CANCELLED":
            return "CANCELLED", "CANCELLED"
        if self.shipments and self.status not in ("DELIVERED", "COMPLETED"):
            shipment = self.shipments.get(unit.package)
            if shipment is None:
                return "AWAITING_SHIPMENT", "TO_FULFILL"
            if shipment.by_seller or unit.package < self.collected_packages:
                return "IN_TRANSIT", "FULFILLING"
            return "AWAITING_COLLECTION", "PROCESSING"
        if self.status in ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"):
            return ("UNPAID" if self.status == "UNPAID" else "AWAITING_SHIPMENT"), "TO_FULFILL"
        if self.status in ("DELIVERED", "COMPLETED"):
            return self.status, "COMPLETED"
        if unit.package < self.collected_packages:
            return "IN_TRANSIT", "FULFILLING"
        return "AWAITING_COLLECTION", "PROCESSING"

    def payload(self) -> dict[str, Any]:
        money, r = self._money, self.recipient
        shipped = self.rts_time is not None
        first_sent = next((t for t in map(self.tracking_of, range(len(self.package_ids))) if t is not None), None)
        body: dict[str, Any] = {
            "id": self.id,
            "buyer_message": self.buyer_message,
            "create_time": self.create_time,
            "packages": [{"id": pid} for pid in self.package_ids],
            "payment": {
                "currency": self.region.currency,
                "sub_total": money(self.sub_total),
                "shipping_fee": money(self.shipping_fee),
                "seller_discount": money(sum((u.seller_discount for u in self.units), Decimal(0))),
                "platform_discount": money(sum((u.platform_discount for u in self.units), Decimal(0))),
                "total_amount": money(self.total_amount),
                "original_total_product_price": money(sum((u.original_price for u in self.units), Decimal(0))),
                "original_shipping_fee": money(self.original_shipping_fee),
                "shipping_fee_seller_discount": money(Decimal(0)),
                "shipping_fee_platform_discount": money(self.shipping_platform_discount),
                "shipping_fee_cofunded_discount": money(Decimal(0)),
                "tax": money(self.tax),
                "product_tax": money(self.tax),
                "shipping_fee_tax": money(Decimal(0)),
            },
            "status": self.status,
            "fulfillment_type": "FULFILLMENT_BY_SELLER",
            "delivery_type": "HOME_DELIVERY",
            "update_time": self.update_time,
            "payment_method_name": self.payment_method_name,
            "has_updated_recipient_address": False,
            "warehouse_id": self.warehouse_id,
            "shipping_type": self.shipping_type,
            "user_id": self.user_id,
            "seller_note": "",
            "is_cod": self.is_cod,
            "delivery_option_id": self.delivery_option_id,
            "delivery_option_name": self.delivery_option_name,
            "buyer_email": self.buyer_email,
            "is_sample_order": False,
            "is_on_hold_order": self.is_on_hold_order,
            "is_replacement_order": False,
            "is_buyer_request_cancel": False,
            "is_exchange_order": False,
            "commerce_platform": "TIKTOK_SHOP",
            "order_type": "NORMAL",
        }
        if shipped and first_sent is not None:
            body["tracking_number"], body["shipping_provider_id"], body["shipping_provider"] = first_sent
            body["rts_time"] = self.rts_time
        if self.status not in _ADDRESS_HIDDEN and not (self.status == "CANCELLED" and self.paid_time is None):
            country = self.region.country
            body["recipient_address"] = {
                "full_address": f"{r.street} {r.unit}, {r.district}, {r.city}, {r.state}, {r.postal_code}".strip(),
                "phone_number": r.phone,
                "name": r.name,
                "first_name": r.name,
                "last_name": "",
                "address_detail": r.unit,
                "address_line1": r.street,
                "address_line2": r.unit,
                "address_line3": "",
                "address_line4": "",
                "district_info": [
                    {"address_level_name": "Country", "address_name": country, "address_level": "L0"},
                    {"address_level_name": "State", "address_name": r.state, "address_level": "L1"},
                    {"address_level_name": "City", "address_name": r.city, "address_level": "L2"},
                    {"address_level_name": "District", "address_name": r.district, "address_level": "L3"},
                ],
                "postal_code": r.postal_code,
                "region_code": self.region.code,
            }
        for name in ("paid_time", "collection_time", "delivery_time", "cancel_time"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        if self.paid_time is not None:
            body["rts_sla_time"] = self.paid_time + SHIP_SLA
            body["tts_sla_time"] = self.paid_time + DELIVERY_SLA
        if self.status == "CANCELLED":
            body["cancel_reason"] = self.cancel_reason
            body["cancellation_initiator"] = self.cancellation_initiator
        items = []
        for unit in self.units:
            display, package_status = self._unit_status(unit)
            item: dict[str, Any] = {
                "id": unit.id, "sku_id": unit.sku.sku_id, "display_status": display,
                "product_name": unit.sku.product_name, "seller_sku": unit.sku.seller_sku,
                "sku_image": unit.sku.image, "sku_name": unit.sku.sku_name, "product_id": unit.sku.product_id,
                "sale_price": money(unit.sale_price), "platform_discount": money(unit.platform_discount),
                "seller_discount": money(unit.seller_discount), "sku_type": "NORMAL",
                "original_price": money(unit.original_price), "package_status": package_status,
                "currency": self.region.currency, "is_gift": False, "package_id": self.package_ids[unit.package],
                "is_dangerous_good": False, "needs_prescription": False, "gift_retail_price": money(Decimal(0)),
            }
            sent = self.tracking_of(unit.package)
            if shipped and sent is not None:
                item["rts_time"] = self.rts_time
                item["tracking_number"], item["shipping_provider_id"], item["shipping_provider_name"] = sent
            if self.status == "CANCELLED":
                item["cancel_reason"] = self.cancel_reason
                item["cancel_user"] = self.cancellation_initiator
            items.append(item)
        body["line_items"] = items
        return body


@dataclass
class RawOrder:
    """A payload stored as-is (for malformed or hand-made orders); listed by its own times."""

    body: dict[str, Any]
    create_time: int
    update_time: int

    @property
    def status(self) -> str:
        return str(self.body.get("status", ""))

    def payload(self) -> dict[str, Any]:
        return copy.deepcopy(self.body)


@dataclass
class Shop:
    shop_id: str
    name: str
    region: Region
    account: str
    cipher: str
    code: str
    catalogue: tuple[Sku, ...]             # what generated orders are drawn from
    listing: ShopCatalogue                 # the products, SKUs, stock and warehouses the product APIs show
    orders: dict[str, Order | RawOrder] = field(default_factory=dict)
    # The warehouse delivery setting (Seller Center, not the API): who ships the orders that come in from now on.
    shipping_type: str = "TIKTOK"
    returns: dict[str, ReturnCase] = field(default_factory=dict)
    cancellations: dict[str, Cancellation] = field(default_factory=dict)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Snapshots saved before fulfilment restore as TikTok-shipped shops without returns or cancellations.
        self.__dict__.update({"shipping_type": "TIKTOK", "returns": {}, "cancellations": {}, **state})


class World:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.sellers: dict[str, Seller] = {}
        self.shops: dict[str, Shop] = {}
        self._used_ids: set[str] = set()

    # ---- sellers and shops ----------------------------------------------------------------

    def _unique(self, rng: random.Random, prefix: str, length: int) -> str:
        while True:
            value = _digits(rng, prefix, length)
            if value not in self._used_ids:
                self._used_ids.add(value)
                return value

    def _catalogue_id(self) -> str:
        """A fresh 19-digit product or SKU id; one draw per id, since catalogues run to thousands of SKUs."""
        while True:
            value = f"17{self.rng.randrange(10 ** 17):017d}"
            if value not in self._used_ids:
                self._used_ids.add(value)
                return value

    def seller(self, account: str) -> Seller:
        try:
            return self.sellers[account]
        except KeyError:
            raise KeyError(f"no seller account {account!r}") from None

    def shop(self, shop_id: str) -> Shop:
        try:
            return self.shops[str(shop_id)]
        except KeyError:
            raise KeyError(f"no shop {shop_id!r}") from None

    def shop_by_cipher(self, cipher: str) -> Shop | None:
        return next((s for s in self.shops.values() if s.cipher == cipher), None)

    def add_shop(self, shop_id: str, region_code: str, name: str | None, account: str | None,
                 now: int = 0) -> Shop:
        if shop_id in self.shops:
            raise ValueError(f"shop {shop_id} exists already")
        reg = region(region_code)
        # Per-shop generator: a shop's cipher and catalogue do not depend on what was created before it.
        rng = random.Random(f"{self.seed}:shop:{shop_id}")
        owner = account or f"seller-{shop_id}"
        seller = self.sellers.get(owner)
        if seller is None:
            seller = Seller(owner, "".join(rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(43)),
                            owner, reg.code)
            self.sellers[owner] = seller
        seller.shop_ids.append(shop_id)
        alphabet = string.ascii_letters + string.digits + "-_"
        # Ciphers look like the docs' examples: a data-centre prefix and an opaque token.
        prefix = "GCP" if reg.code in ("US", "GB", "MX") else "ROW"
        cipher = f"{prefix}_" + "".join(rng.choice(alphabet) for _ in range(32))
        code = reg.code + "LC" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(8))
        catalogue: list[Sku] = []
        for product_name, usd, variants in rng.sample(_PRODUCTS, 8):
            product_id = self._unique(rng, "17", 19)
            price = _step(Decimal(usd) * reg.usd_rate * Decimal(rng.choice(("0.9", "1", "1.1", "1.25"))),
                          reg.price_step)
            for variant in variants or ("Default",):
                sku_id = self._unique(rng, "17", 19)
                catalogue.append(Sku(
                    product_id, product_name, sku_id, variant,
                    f"{product_name.split()[0][:4].upper()}-{variant.replace(' ', '')[:6].upper()}-{sku_id[-3:]}",
                    price, _image(sku_id),
                ))
        listing = ShopCatalogue(self._warehouses(shop_id))
        listing.replace(self._seeded_products(shop_id, catalogue, listing.default_warehouse.id, now))
        shop = Shop(shop_id, name or f"{reg.country} Trendy Store {shop_id[-4:]}", reg, owner, cipher, code,
                    tuple(catalogue), listing)
        self.shops[shop_id] = shop
        return shop

    def _warehouses(self, shop_id: str) -> tuple[Warehouse, ...]:
        # The first id is the one generated orders have always named as their warehouse.
        rng = random.Random(f"{self.seed}:wh:{shop_id}")
        return tuple(Warehouse(_digits(rng, "69", 19), name, kind, default) for name, kind, default in _WAREHOUSES)

    def _seeded_products(self, shop_id: str, skus: Sequence[Sku], warehouse_id: str, now: int) -> list[Product]:
        """The seeded catalogue as live products, each SKU with some stock in the default warehouse."""
        rng = random.Random(f"{self.seed}:stock:{shop_id}")
        products: dict[str, Product] = {}
        for sku in skus:
            product = products.setdefault(sku.product_id, Product(
                sku.product_id, sku.product_name, ACTIVE, [], Decimal("0.5"), now, now))
            product.skus.append(ListedSku(sku.sku_id, sku.seller_sku, sku.sku_name, sku.price, sku.image,
                                          stock={warehouse_id: rng.randint(*_SEEDED_STOCK)}))
        return list(products.values())

    # ---- the catalogue --------------------------------------------------------------------

    def set_catalogue(self, shop_id: str, specs: Sequence[ProductSpec], now: datetime) -> None:
        """Replace what the shop sells with products built from `specs`, under new product and SKU ids."""
        shop = self.shop(shop_id)
        check_specs(specs)
        now_ts = int(now.timestamp())
        warehouse_id = shop.listing.default_warehouse.id
        products = [self._product(shop.region, spec, warehouse_id, now_ts) for spec in specs]
        shop.listing.replace(products)
        shop.catalogue = tuple(_order_sku(p, s) for p in products for s in p.skus)

    def _product(self, reg: Region, spec: ProductSpec, warehouse_id: str, now_ts: int) -> Product:
        skus = []
        for variant in spec.variants:
            sku_id = self._catalogue_id()
            skus.append(ListedSku(sku_id, variant.sku, variant.name, listed_price(variant.price, reg), _image(sku_id),
                                  variant.barcode, {warehouse_id: variant.quantity}))
        return Product(self._catalogue_id(), spec.title, ACTIVE if spec.active else INACTIVE, skus,
                       spec.weight_kg, now_ts, now_ts)

    def listings(self, shop_id: str) -> list[dict[str, Any]]:
        """One dict per SKU (live or not), in listing order: what a seller sees in Seller Center."""
        return [{"item_id": p.id, "variant_id": s.id, "seller_sku": s.seller_sku, "title": p.title,
                 "quantity": s.quantity, "active": p.active, "price": s.price, "barcode": s.barcode,
                 "status": p.status} for p, s in self.shop(shop_id).listing.variants()]

    def place_order(self, shop_id: str, seller_sku: str, quantity: int, now: datetime) -> str | None:
        """A buyer buys `quantity` of the SKU now: a paid order, or None when TikTok would not sell it."""
        return self.place_order_lines(shop_id, [(seller_sku, quantity)], now)

    def place_order_lines(self, shop_id: str, lines: Sequence[tuple[str, int]], now: datetime) -> str | None:
        """A buyer buys several SKUs in one order now, all in one package; None (nothing sold) when TikTok would not
        sell one of them."""
        if not lines or any(quantity < 1 for _, quantity in lines):
            raise ValueError("an order needs at least one SKU, each bought at least once")
        shop = self.shop(shop_id)
        wanted: dict[str, int] = {}
        for seller_sku, quantity in lines:
            wanted[seller_sku] = wanted.get(seller_sku, 0) + quantity
        for seller_sku, quantity in wanted.items():
            found = shop.listing.by_seller_sku.get(seller_sku)
            if found is None:
                raise KeyError(f"no SKU {seller_sku!r} in this shop")
            if not found[0].active or found[1].quantity < quantity:
                return None
        bought = []
        for seller_sku, quantity in wanted.items():
            taken = shop.listing.take(seller_sku, quantity)
            assert taken is not None   # checked above, under the emulator's lock
            bought.append((_order_sku(*taken), quantity))
        now_ts = int(now.timestamp())
        order = self._new_order(shop, now_ts, bought, one_package=True)
        # Paid at once; the order then waits for the seller to ship it.
        order.apply("AWAITING_SHIPMENT", now_ts)
        shop.orders[order.id] = order
        return order.id

    def set_shipping_type(self, shop_id: str, shipping_type: str) -> None:
        """Change the shop's warehouse delivery setting: orders placed from now on are shipped that way."""
        if shipping_type not in SHIPPING_TYPES:
            raise ValueError(f"shipping type must be one of {', '.join(SHIPPING_TYPES)}")
        self.shop(shop_id).shipping_type = shipping_type

    def new_id(self, prefix: str, length: int) -> str:
        """A fresh TikTok-style numeric id (packages, returns)."""
        return self._unique(self.rng, prefix, length)

    # ---- orders ---------------------------------------------------------------------------

    def _new_order(self, shop: Shop, create_time: int, lines: Sequence[tuple[Sku, int]] = (),
                   one_package: bool = False) -> Order:
        """A new order of random `lines` from the shop's catalogue, or of the given (SKU, quantity) lines."""
        rng, reg = self.rng, shop.region
        quantum = Decimal(1).scaleb(-reg.decimals)
        skus = [sku for sku, _ in lines] or rng.sample(shop.catalogue,
                                                       min(len(shop.catalogue), rng.choice((1, 1, 1, 2, 2, 3))))
        two_packages = len(skus) > 1 and rng.random() < 0.25 and not one_package
        units: list[Unit] = []
        seller_promo = rng.random() < 0.3
        platform_promo = rng.random() < 0.15
        for index, sku in enumerate(skus):
            for _ in range(lines[index][1] if lines else rng.choice((1, 1, 1, 2, 3))):
                seller_discount = (sku.price * Decimal("0.1")).quantize(quantum) if seller_promo else Decimal(0)
                platform_discount = (sku.price * Decimal("0.05")).quantize(quantum) if platform_promo else Decimal(0)
                units.append(Unit(self._unique(rng, "577", 18), sku, sku.price, seller_discount, platform_discount,
                                  1 if two_packages and index > 0 else 0))
        place = rng.choice(reg.places)
        names = rng.choice(reg.names).split()
        # The contact gets a generator of its own, seeded by the two draws the emulator once made for a number, so
        # everything else a seed generates stays as it was.
        contact = random.Random(f"{rng.randint(2, 9)}:{rng.randint(0, 9999)}:{shop.shop_id}:{create_time}")
        name, phone, postal_code = _contact(contact, reg, place, names, shop.shipping_type)
        shipping = _step(Decimal("2.5") * reg.usd_rate, reg.price_step)
        cod = reg.code in ("ID", "VN", "TH", "PH", "MY") and rng.random() < 0.2
        message = rng.choice(_BUYER_MESSAGES) if rng.random() < 0.25 else ""
        return Order(
            id=self._unique(rng, "57", 18), region=reg, create_time=create_time,
            user_id=self._unique(rng, "70", 19),
            buyer_email="".join(rng.choice(string.ascii_letters + string.digits) for _ in range(6))
            + "@scs.tiktokw.us",
            buyer_message=message,
            recipient=Recipient(name, phone, f"{rng.randint(1, 350)} {rng.choice(_STREETS)} Road",
                                f"#{rng.randint(1, 30):02d}-{rng.randint(1, 400):03d}", place.state, place.city,
                                place.district, postal_code),
            units=units,
            package_ids=[self._unique(rng, "115", 19) for _ in range(2 if two_packages else 1)],
            original_shipping_fee=shipping,
            shipping_platform_discount=shipping if rng.random() < 0.4 else Decimal(0),
            tax_rate=reg.sales_tax_rate,
            provider=rng.choice(_PROVIDERS),
            is_cod=cod,
            payment_method_name="Cash on delivery" if cod else rng.choice(("CCDC", "E-wallet", "Bank transfer")),
            warehouse_id=shop.listing.default_warehouse.id,
            delivery_option_id=DELIVERY_OPTIONS[shop.shipping_type][0],
            update_time=create_time,
            shipping_type=shop.shipping_type,
            delivery_option_name=DELIVERY_OPTIONS[shop.shipping_type][1],
        )

    def _fate(self, order: Order) -> list[Step]:
        """The status changes this order's life holds, from its creation on."""
        rng, t = self.rng, order.create_time
        if order.is_cod:
            paid = t     # cash on delivery: nothing to pay up front
        elif rng.random() < 0.08:
            return [Step(t + UNPAID_CANCEL_AFTER, "CANCELLED", (("initiator", "SYSTEM"),
                                                                ("reason", "Payment timeout")))]
        else:
            paid = t + rng.randint(1, 30) * _MINUTE
        steps: list[Step] = []
        ready = paid
        if order.region.on_hold_after_payment:
            steps.append(Step(paid, "ON_HOLD"))
            ready = paid + ON_HOLD_WINDOW
        steps.append(Step(ready, "AWAITING_SHIPMENT"))
        if rng.random() < 0.06:
            return [*steps, Step(ready + rng.randint(1, 12) * _HOUR, "CANCELLED",
                                 (("initiator", "BUYER"), ("reason", rng.choice(_BUYER_CANCEL_REASONS))))]
        arranged = ready + rng.randint(2, 36) * _HOUR
        steps.append(Step(arranged, "AWAITING_COLLECTION"))
        collected = arranged + rng.randint(3, 24) * _HOUR
        if len(order.package_ids) > 1:
            steps.append(Step(collected, "PARTIALLY_SHIPPING"))
            collected += rng.randint(4, 30) * _HOUR
        steps.append(Step(collected, "IN_TRANSIT"))
        delivered = collected + rng.randint(1, 5) * _DAY + rng.randint(0, 12) * _HOUR
        steps.append(Step(delivered, "DELIVERED"))
        steps.append(Step(delivered + COMPLETE_AFTER_DELIVERY, "COMPLETED"))
        return steps

    def generate_orders(self, shop_id: str, count: int, start: datetime, end: datetime, now: datetime) -> list[str]:
        shop = self.shop(shop_id)
        lo, hi, now_ts = int(start.timestamp()), int(end.timestamp()), int(now.timestamp())
        if hi < lo:
            raise ValueError("end is before start")
        hi = min(hi, now_ts)
        if count and not shop.catalogue:
            raise ValueError(f"shop {shop_id} sells nothing: set its catalogue before generating orders")
        times = sorted(self.rng.randint(lo, max(lo, hi)) for _ in range(count))
        created: list[str] = []
        for create_time in times:
            order = self._new_order(shop, create_time)
            steps = self._fate(order)
            for step in steps:
                if step.at <= now_ts:
                    order.apply(step.status, step.at, step.details)
                else:
                    order.pending.append(step)
            shop.orders[order.id] = order
            created.append(order.id)
        return created

    def tick(self, now: datetime) -> tuple[int, int, list[tuple[str, str]]]:
        """Play every due step (stamped now, when the platform notices it) and add a few new orders.

        Returns (created, updated, [(shop_id, order_id) changed or created]).
        """
        now_ts = int(now.timestamp())
        changed: list[tuple[str, str]] = []
        updated = created = 0
        for shop in self.shops.values():
            for order in shop.orders.values():
                if not isinstance(order, Order) or not order.pending or order.pending[0].at > now_ts:
                    continue
                while order.pending and order.pending[0].at <= now_ts:
                    step = order.pending.pop(0)
                    order.apply(step.status, now_ts, step.details)
                updated += 1
                changed.append((shop.shop_id, order.id))
            # A shop that sells nothing gets no new orders.
            arriving = self.rng.randint(0, 3) if shop.catalogue else 0
            for order_id in self.generate_orders(shop.shop_id, arriving, now, now, now):
                created += 1
                changed.append((shop.shop_id, order_id))
        return created, updated, changed

    def set_status(self, shop_id: str, order_id: str, status: str, now: datetime) -> None:
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown TikTok Shop order status {status!r}")
        shop = self.shop(shop_id)
        order = shop.orders.get(order_id)
        if order is None:
            raise KeyError(f"no order {order_id} in shop {shop_id}")
        now_ts = int(now.timestamp())
        if isinstance(order, RawOrder):
            order.body.update(status=status, update_time=now_ts)
            order.update_time = now_ts
            return
        # Someone (a test, the demo) takes the order's life in hand: its planned steps are dropped.
        order.pending.clear()
        order.apply(status, now_ts)

    def insert_raw(self, shop_id: str, payload: dict[str, Any], now: datetime) -> str:
        shop = self.shop(shop_id)
        now_ts = int(now.timestamp())
        order_id = payload.get("id")
        key = str(order_id) if isinstance(order_id, str | int) and str(order_id) else self._unique(self.rng, "57", 18)

        def stamp(name: str) -> int:
            value = payload.get(name)
            return value if isinstance(value, int) and not isinstance(value, bool) else now_ts

        shop.orders[key] = RawOrder(copy.deepcopy(payload), stamp("create_time"), stamp("update_time"))
        return key


def _order_sku(product: Product, sku: ListedSku) -> Sku:
    """A listed SKU as order line items name it."""
    return Sku(product.id, product.title, sku.id, sku.name or "Default", sku.seller_sku, sku.price, sku.image)
