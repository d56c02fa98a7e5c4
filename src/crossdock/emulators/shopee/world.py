"""The emulated Shopee world: shops, catalogues, buyers and orders, generated from a seed and moved by a clock."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.emulators._common.buyers import (
    POSTCODE_FLAWS,
    Flaw,
    contact_rng,
    draw_flaw,
    mask,
    mobile_phone,
    with_flaw,
)
from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators._common.orders import check_window
from crossdock.emulators.shopee.catalogue import (
    Catalogue,
    Model,
    Product,
    check_specs,
    json_money,
    listing_truth,
    product_from_spec,
    set_stock,
    stock_of,
)
from crossdock.emulators.shopee.regions import REGIONS, Place, Region
from crossdock.emulators.shopee.returns import ReturnCase
from crossdock.emulators.shopee.shipping import (
    Shipment,
    is_own_carrier_channel,
    own_carrier_channel,
    tracking_number,
)

# OrderStatus of the v2.0 data definition.
ORDER_STATUSES: tuple[str, ...] = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "RETRY_SHIP",
    "SHIPPED",
    "TO_CONFIRM_RECEIVE",
    "IN_CANCEL",
    "CANCELLED",
    "TO_RETURN",
    "COMPLETED",
)
# get_order_list also accepts these as a filter; no emulated order is ever in them.
EXTRA_LIST_FILTERS: tuple[str, ...] = ("INVOICE_PENDING", "PENDING")

_PAID = frozenset(
    {"READY_TO_SHIP", "PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
)
_HANDED_OVER = frozenset({"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})
_DELIVERED = frozenset({"TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})

_LOGISTICS_BY_STATUS = {
    "UNPAID": "LOGISTICS_NOT_START",
    "READY_TO_SHIP": "LOGISTICS_READY",
    "PROCESSED": "LOGISTICS_REQUEST_CREATED",
    "RETRY_SHIP": "LOGISTICS_PICKUP_RETRY",
    "SHIPPED": "LOGISTICS_PICKUP_DONE",
    "TO_CONFIRM_RECEIVE": "LOGISTICS_DELIVERY_DONE",
    "COMPLETED": "LOGISTICS_DELIVERY_DONE",
    "TO_RETURN": "LOGISTICS_DELIVERY_DONE",
}

_IMAGE_HOSTS = {
    "SG": "cf.shopee.sg",
    "MY": "cf.shopee.com.my",
    "TH": "cf.shopee.co.th",
    "VN": "cf.shopee.vn",
    "PH": "cf.shopee.ph",
    "ID": "cf.shopee.co.id",
    "TW": "cf.shopee.tw",
    "BR": "cf.shopee.com.br",
    "MX": "cf.shopee.com.mx",
    "CO": "cf.shopee.com.co",
    "CL": "cf.shopee.cl",
    "PL": "cf.shopee.pl",
}

_SN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_USERNAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_DAY = 86_400
_HOUR = 3_600
# Shopee ids of items and models made from specs start above those random catalogues draw
# (items 10**9..3*10**10, models 10**10..4*10**11), so the two never collide.
FIRST_SPEC_ITEM_ID = 40_000_000_000
FIRST_SPEC_MODEL_ID = 500_000_000_000


@dataclass(frozen=True)
class _Template:
    name: str
    usd: Decimal
    weight_kg: Decimal
    variants: tuple[str, ...]


_TEMPLATES: tuple[_Template, ...] = (
    _Template("Wireless Earbuds Bluetooth 5.3", Decimal("18"), Decimal("0.12"), ("Black", "White", "Pink")),
    _Template("Fast Charging USB-C Cable 1m", Decimal("3"), Decimal("0.05"), ("1m", "2m")),
    _Template("20000mAh Power Bank", Decimal("22"), Decimal("0.4"), ("Black", "Blue")),
    _Template("Phone Case Shockproof", Decimal("4"), Decimal("0.06"), ("iPhone 15", "iPhone 14", "Galaxy S24")),
    _Template("Cotton Oversized T-Shirt", Decimal("7"), Decimal("0.2"), ("S", "M", "L", "XL")),
    _Template("High Waist Yoga Leggings", Decimal("11"), Decimal("0.18"), ("S", "M", "L")),
    _Template("Running Shoes Breathable", Decimal("29"), Decimal("0.7"), ("39", "40", "41", "42", "43")),
    _Template("Stainless Steel Water Bottle 750ml", Decimal("9"), Decimal("0.35"), ("Silver", "Black", "Mint")),
    _Template("Vitamin C Serum 30ml", Decimal("12"), Decimal("0.08"), ()),
    _Template("Sunscreen SPF50 PA++++ 50ml", Decimal("10"), Decimal("0.07"), ()),
    _Template("Matte Lipstick", Decimal("6"), Decimal("0.03"), ("01 Rose", "02 Nude", "03 Red")),
    _Template("Instant Noodles Spicy (Pack of 5)", Decimal("4"), Decimal("0.6"), ()),
    _Template("Arabica Coffee Beans 250g", Decimal("9"), Decimal("0.27"), ("Whole Bean", "Ground")),
    _Template("Non-stick Frying Pan 28cm", Decimal("19"), Decimal("1.1"), ()),
    _Template("LED Desk Lamp Foldable", Decimal("15"), Decimal("0.6"), ("White", "Black")),
    _Template(
        "Mechanical Keyboard 87 Keys", Decimal("35"), Decimal("0.9"), ("Red Switch", "Blue Switch", "Brown Switch")
    ),
    _Template("Wireless Mouse Silent", Decimal("8"), Decimal("0.1"), ("Grey", "Black")),
    _Template("Baby Diapers Size M (60 pcs)", Decimal("14"), Decimal("1.6"), ("M", "L", "XL")),
    _Template("Pet Cat Food 1.2kg", Decimal("11"), Decimal("1.25"), ("Tuna", "Chicken")),
    _Template("Microfiber Bath Towel", Decimal("6"), Decimal("0.3"), ("Blue", "Grey", "Beige")),
    _Template("Storage Box Foldable 30L", Decimal("7"), Decimal("0.8"), ()),
    _Template("Smart Watch Fitness Tracker", Decimal("27"), Decimal("0.15"), ("Black", "Silver")),
    _Template("Hair Dryer 1800W", Decimal("21"), Decimal("0.75"), ()),
    _Template("Backpack Laptop 15.6 inch", Decimal("17"), Decimal("0.65"), ("Black", "Navy", "Grey")),
    _Template("Ceramic Mug 350ml", Decimal("5"), Decimal("0.32"), ("White", "Black", "Sage")),
)
_BRANDS: tuple[str, ...] = (
    "Xiaomi",
    "Baseus",
    "Anker",
    "Uniqlo",
    "Innisfree",
    "Maybelline",
    "Nescafe",
    "Lock&Lock",
    "Logitech",
    "Huggies",
    "Whiskas",
    "Philips",
    "Ugreen",
    "Deli",
    "Lazyhome",
    "Kawan",
)
_BUYER_MESSAGES: tuple[str, ...] = (
    "Please pack carefully, it's a gift.",
    "Call before delivery please.",
    "Leave at the guard house.",
    "Can send fast?",
    "No invoice needed.",
)
_BUYER_CANCEL_REASONS: tuple[str, ...] = (
    "Need to change delivery address",
    "Modify existing order (color, size, voucher, etc)",
    "Found Cheaper Elsewhere",
    "Don't Want to Buy Anymore",
    "Change of mind / others",
)


def _quantize(value: Decimal, step: Decimal) -> Decimal:
    """Round to a multiple of `step`, half up, never below one step."""
    units = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(units, Decimal(1)) * step


def to_timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True)
class Buyer:
    user_id: int
    username: str
    name: str
    phone: str
    place: Place
    street_line: str


@dataclass(frozen=True)
class Line:
    item_id: int
    item_name: str
    item_sku: str
    model_id: int
    model_name: str
    model_sku: str
    quantity: int
    original_price: Decimal
    discounted_price: Decimal
    promotion_type: str
    promotion_id: int
    weight_kg: Decimal
    image_url: str


@dataclass(frozen=True)
class Step:
    """A status change the order's fate holds in store, due at `at` (Unix seconds)."""

    at: int
    status: str
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class Order:
    """A generated order; amounts are Decimal, rendered to Shopee's JSON numbers by `payload`."""

    order_sn: str
    region: Region
    cod: bool
    create_time: int
    days_to_ship: int
    buyer: Buyer
    lines: tuple[Line, ...]
    estimated_shipping_fee: Decimal
    planned_actual_fee: Decimal
    carrier: str
    channel_id: int
    payment_method: str
    package_number: str
    message_to_seller: str
    status: str = "UNPAID"
    update_time: int = 0
    pay_time: int | None = None
    ship_by_date: int = 0
    pickup_done_time: int = 0
    completed_time: int = 0
    logistics_status: str = "LOGISTICS_NOT_START"
    actual_shipping_fee: Decimal = Decimal(0)
    actual_shipping_fee_confirmed: bool = False
    cancel_by: str = ""
    cancel_reason: str = ""
    buyer_cancel_reason: str = ""
    reverse_shipping_fee: Decimal = Decimal(0)
    pending: list[Step] = field(default_factory=list)
    shipment: Shipment | None = None

    @property
    def integrated(self) -> bool:
        """Shopee's own logistics carries the parcel (the buyer did not pick a seller-arranged channel)."""
        return not is_own_carrier_channel(self.channel_id)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.discounted_price * line.quantity for line in self.lines), Decimal(0))

    @property
    def total_amount(self) -> Decimal:
        # The buyer pays the items at their discounted price plus the shipping fee.
        return self.subtotal + self.estimated_shipping_fee

    @property
    def weight_grams(self) -> int:
        grams = sum((line.weight_kg * line.quantity for line in self.lines), Decimal(0)) * 1000
        return int(grams.to_integral_value(rounding=ROUND_HALF_UP))

    def apply(self, status: str, at: int, details: tuple[tuple[str, str], ...] = ()) -> None:
        """Move to `status` at `at`, filling in what that status implies (pay time, pickup, cancel reasons)."""
        previous_logistics = self.logistics_status
        self.status = status
        self.update_time = max(at, self.create_time)
        extra = dict(details)
        if status in _PAID:
            if not self.cod and self.pay_time is None:
                self.pay_time = at
            if self.ship_by_date == 0:
                self.ship_by_date = at + self.days_to_ship * _DAY
        if status in _HANDED_OVER:
            if self.pickup_done_time == 0:
                self.pickup_done_time = at
            self.actual_shipping_fee = self.planned_actual_fee
        if status in _DELIVERED and self.cod and self.pay_time is None:
            # Cash on delivery is paid when the parcel arrives.
            self.pay_time = at
        if status == "COMPLETED":
            self.actual_shipping_fee_confirmed = True
            self.completed_time = at
        if status == "IN_CANCEL":
            self.buyer_cancel_reason = extra.get("buyer_cancel_reason", self.buyer_cancel_reason or "Others")
        if status == "CANCELLED":
            self.cancel_by = extra.get("cancel_by", self.cancel_by or "seller")
            self.cancel_reason = extra.get("cancel_reason", self.cancel_reason or "Out of Stock")
            if previous_logistics in ("LOGISTICS_REQUEST_CREATED", "LOGISTICS_PICKUP_RETRY"):
                self.logistics_status = "LOGISTICS_REQUEST_CANCELED"
            elif previous_logistics == "LOGISTICS_PICKUP_DONE":
                self.logistics_status = "LOGISTICS_DELIVERY_FAILED"
            else:
                self.logistics_status = "LOGISTICS_INVALID"
        elif status != "IN_CANCEL":
            self.logistics_status = _LOGISTICS_BY_STATUS[status]
        if status == "TO_RETURN":
            self.reverse_shipping_fee = Decimal(extra.get("reverse_shipping_fee", str(self.planned_actual_fee)))
        self._track(status, at)

    def _track(self, status: str, at: int) -> None:
        """The 3PL's side of a status change: a generated order arranged in the past gets its parcel, and every
        arranged parcel of an integrated channel records what get_tracking_info then answers."""
        if status == "PROCESSED" and self.shipment is None and self.integrated:
            self.shipment = Shipment("pickup", at, tracking_number(self.region.code, self.order_sn), at)
            self.shipment.track(at, "ORDER_CREATED", f"Shipment arranged with {self.carrier}")
        if self.shipment is None:
            return
        event = {
            "SHIPPED": ("PICKED_UP", f"Parcel has been picked up by {self.carrier}"),
            "TO_CONFIRM_RECEIVE": ("DELIVERED", "Parcel has been delivered"),
            "CANCELLED": ("CANCELED", "Shipment cancelled"),
        }.get(status)
        if event is not None:
            self.shipment.track(at, *event)

    def shown_phone(self) -> str:
        """recipient_address.phone as get_order_detail shows it to the seller."""
        phone = self.buyer.phone
        # A seller shipping with its own carrier sees the number: it has to hand it to that carrier.
        if not self.integrated or not phone:
            return phone
        masked = _MASKED_PHONES.get(self.region.code)
        return phone if masked is None else masked(phone)

    def _money(self, amount: Decimal) -> int | float:
        return json_money(amount, self.region.decimals)

    def payload(self) -> dict[str, Any]:
        """The order as get_order_detail returns it with every optional field requested."""
        place = self.buyer.place
        money = self._money
        location = self.region.location_id
        item_list = [
            {
                "add_on_deal": False,
                "add_on_deal_id": 0,
                "image_info": {"image_url": line.image_url},
                "is_b2c_owned_item": False,
                "is_prescription_item": False,
                "item_id": line.item_id,
                "item_name": line.item_name,
                "item_sku": line.item_sku,
                "main_item": False,
                "model_discounted_price": money(line.discounted_price),
                "model_id": line.model_id,
                "model_name": line.model_name,
                "model_original_price": money(line.original_price),
                "model_quantity_purchased": line.quantity,
                "model_sku": line.model_sku,
                # Outside bundle deals the order item id is the item id.
                "order_item_id": line.item_id,
                "product_location_id": [location],
                "promotion_group_id": 0,
                "promotion_id": line.promotion_id,
                "promotion_type": line.promotion_type,
                "weight": float(line.weight_kg),
                "wholesale": False,
            }
            for line in self.lines
        ]
        package = {
            "group_shipment_id": None,
            "item_list": [
                {
                    "item_id": line.item_id,
                    "model_id": line.model_id,
                    "model_quantity": line.quantity,
                    "order_item_id": line.item_id,
                    "product_location_id": location,
                    "promotion_group_id": 0,
                }
                for line in self.lines
            ],
            "logistics_status": self.logistics_status,
            "package_number": self.package_number,
            "parcel_chargeable_weight_gram": self.weight_grams,
            "shipping_carrier": self.carrier,
            "logistics_channel_id": self.channel_id,
            "allow_self_design_awb": False,
        }
        address_parts = [self.buyer.street_line, place.town, place.district, place.city, place.state, place.zipcode]
        body: dict[str, Any] = {
            "actual_shipping_fee": money(self.actual_shipping_fee),
            "actual_shipping_fee_confirmed": self.actual_shipping_fee_confirmed,
            "buyer_cancel_reason": self.buyer_cancel_reason,
            "buyer_cpf_id": _cpf(self.buyer.user_id) if self.region.code == "BR" else None,
            "buyer_user_id": self.buyer.user_id,
            "buyer_username": self.buyer.username,
            "cancel_by": self.cancel_by,
            "cancel_reason": self.cancel_reason,
            "checkout_shipping_carrier": self.carrier,
            "cod": self.cod,
            "create_time": self.create_time,
            "currency": self.region.currency,
            "days_to_ship": self.days_to_ship,
            "dropshipper": "" if self.region.code == "ID" else None,
            "dropshipper_phone": "" if self.region.code == "ID" else None,
            "estimated_shipping_fee": money(self.estimated_shipping_fee),
            "fulfillment_flag": "fulfilled_by_local_seller",
            "goods_to_declare": False,
            "invoice_data": None,
            "item_list": item_list,
            "message_to_seller": self.message_to_seller,
            "note": "",
            "note_update_time": 0,
            "order_chargeable_weight_gram": self.weight_grams,
            "order_sn": self.order_sn,
            "order_status": self.status,
            "package_list": [package],
            "pay_time": self.pay_time,
            "payment_method": self.payment_method,
            "pickup_done_time": self.pickup_done_time,
            "recipient_address": {
                "city": place.city,
                "district": place.district,
                "full_address": ", ".join(part for part in address_parts if part),
                "name": self.buyer.name,
                "phone": self.shown_phone(),
                "region": self.region.code,
                "state": place.state,
                "town": place.town,
                "zipcode": place.zipcode,
            },
            "region": self.region.code,
            "reverse_shipping_fee": money(self.reverse_shipping_fee),
            "ship_by_date": self.ship_by_date,
            "shipping_carrier": self.carrier,
            "split_up": False,
            "total_amount": money(self.total_amount),
            "update_time": self.update_time,
        }
        if self.status == "COMPLETED":
            body["return_request_due_date"] = self.completed_time + 15 * _DAY
        if self.region.code == "BR":
            body["edt_from"] = self.create_time + 3 * _DAY
            body["edt_to"] = self.create_time + 8 * _DAY
            body["payment_info"] = [
                {
                    "payment_method": self.payment_method,
                    "payment_processor_register": "",
                    "card_brand": "",
                    "transaction_id": "",
                    "payment_amount": money(self.total_amount),
                }
            ]
        return body


# get_order_detail, recipient_address: "Different parameters might be masked according to each market and kind of
# seller. For TW region integrated channel orders will be all masked as "****""; the doc's VN sample order shows its
# phone as "******64". Elsewhere the number comes as the buyer's country code and number without "+" (6591234567).
_MASKED_PHONES: dict[str, Callable[[str], str]] = {
    "TW": lambda phone: "****",
    "VN": lambda phone: mask(phone, 0, 2, stars=6),
}


def _cpf(seed: int) -> str:
    digits = f"{seed % 10**11:011d}"
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


@dataclass
class RawOrder:
    """An arbitrary payload stored as given, so connectors can be tested against malformed data."""

    order_sn: str
    body: dict[str, Any]
    create_time: int
    update_time: int

    @property
    def status(self) -> str | None:
        value = self.body.get("order_status")
        return value if isinstance(value, str) else None

    def payload(self) -> dict[str, Any]:
        return copy.deepcopy(self.body)


StoredOrder = Order | RawOrder


@dataclass
class Shop:
    shop_id: int
    region: Region
    name: str
    rng: random.Random
    catalogue: Catalogue
    buyers: list[Buyer] = field(default_factory=list)
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    returns: dict[str, ReturnCase] = field(default_factory=dict)


class World:
    """Shops and their orders. Not thread-safe by itself: the emulator serialises access."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.shops: dict[int, Shop] = {}
        self._used_sns: set[str] = set()
        self._tick_rng = random.Random(f"{seed}:tick")
        # Ids of items and models made from specs, above the ranges random catalogues draw from.
        self._next_item_id = FIRST_SPEC_ITEM_ID
        self._next_model_id = FIRST_SPEC_MODEL_ID

    def add_shop(self, shop_id: int, region_code: str, name: str | None = None, now: datetime | None = None) -> Shop:
        region = REGIONS.get(region_code.upper())
        if region is None:
            raise ValueError(f"unknown Shopee region {region_code!r}; known: {', '.join(sorted(REGIONS))}")
        if shop_id in self.shops:
            raise ValueError(f"shop {shop_id} already exists")
        # One generator per shop, seeded by (seed, shop): shops stay reproducible whatever else is created.
        rng = random.Random(f"{self.seed}:{shop_id}")
        shop = Shop(
            shop_id=shop_id,
            region=region,
            name=name or f"Crossdock Demo {region.code} {shop_id}",
            rng=rng,
            catalogue=_catalogue(rng, random.Random(f"{self.seed}:{shop_id}:stock"), shop_id, region,
                                 to_timestamp(now) if now else 0),
        )
        self.shops[shop_id] = shop
        return shop

    def shop(self, shop_id: int) -> Shop:
        try:
            return self.shops[shop_id]
        except KeyError:
            raise KeyError(f"no shop {shop_id} in the emulator; call add_shop first") from None

    def generate_orders(self, shop_id: int, count: int, start: datetime, end: datetime, now: datetime) -> list[str]:
        check_window(count, start, end)
        shop = self.shop(shop_id)
        if count and not shop.catalogue.products:
            raise ValueError(f"shop {shop_id} sells nothing: set a catalogue before generating orders")
        low, high = to_timestamp(start), to_timestamp(end)
        times = sorted(shop.rng.randint(low, high) for _ in range(count))
        now_ts = to_timestamp(now)
        created: list[str] = []
        for created_at in times:
            order = self._new_order(shop, created_at)
            for step in _fate(shop.rng, order):
                if step.at <= now_ts:
                    order.apply(step.status, step.at, step.details)
                else:
                    order.pending.append(step)
            shop.orders[order.order_sn] = order
            created.append(order.order_sn)
        return created

    def tick(self, now: datetime) -> tuple[int, int]:
        """New orders at `now` and every due status change, stamped `now`; returns (created, updated)."""
        now_ts = to_timestamp(now)
        created = updated = 0
        for shop in self.shops.values():
            for order in list(self.iter_generated(shop)):
                due = [step for step in order.pending if step.at <= now_ts]
                if not due:
                    continue
                for step in due:
                    order.apply(step.status, step.at, step.details)
                order.pending = order.pending[len(due) :]
                # Stamp the change when it becomes visible, so update_time windows never miss it.
                order.update_time = max(now_ts, order.create_time)
                updated += 1
            new = self._tick_rng.randint(0, 3)
            if shop.catalogue.products:
                created += len(self.generate_orders(shop.shop_id, new, now, now, now))
        return created, updated

    @staticmethod
    def iter_generated(shop: Shop) -> Iterator[Order]:
        for order in shop.orders.values():
            if isinstance(order, Order):
                yield order

    def set_status(self, shop_id: int, order_sn: str, status: str, now: datetime) -> None:
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        order = self._find(shop_id, order_sn)
        now_ts = to_timestamp(now)
        if isinstance(order, RawOrder):
            order.body["order_status"] = status
            order.body["update_time"] = now_ts
            order.update_time = now_ts
            return
        # A manual move overrides whatever the order's fate had in store.
        order.pending.clear()
        order.apply(status, now_ts)

    def insert_raw(self, shop_id: int, body: dict[str, Any], now: datetime) -> str:
        shop = self.shop(shop_id)
        now_ts = to_timestamp(now)
        raw_sn = body.get("order_sn")
        order_sn = str(raw_sn) if raw_sn is not None and raw_sn != "" else self._new_sn(shop, now_ts)
        self._used_sns.add(order_sn)
        shop.orders[order_sn] = RawOrder(
            order_sn=order_sn,
            body=copy.deepcopy(body),
            create_time=_int_or(body.get("create_time"), now_ts),
            update_time=_int_or(body.get("update_time"), now_ts),
        )
        return order_sn

    # ---- the catalogue ------------------------------------------------------------------------

    def set_catalogue(self, shop_id: int, specs: Sequence[ProductSpec], now: datetime) -> None:
        """Replace what the shop sells with items built from `specs`, under new item and model ids."""
        shop = self.shop(shop_id)
        check_specs(specs)
        now_ts = to_timestamp(now)
        products = []
        for spec in specs:
            item_id = self._take_item_id()
            model_ids = [self._take_model_id() for _ in spec.variants] if spec.has_variants else []
            image = _image_url(shop.region, f"{item_id:x}")
            products.append(product_from_spec(spec, item_id, model_ids, shop.region, image, now_ts))
        shop.catalogue = Catalogue.of(products)

    def listings(self, shop_id: int) -> list[dict[str, Any]]:
        """One dict per sellable variant (active or not), in listing order."""
        return [listing_truth(product, model) for product, model in self.shop(shop_id).catalogue.variants()]

    def place_order(self, shop_id: int, seller_sku: str, quantity: int, now: datetime) -> str | None:
        """A buyer buys `quantity` of the variant with this SKU: a paid order, or None when Shopee would refuse."""
        return self.place_cart(shop_id, [(seller_sku, quantity)], now)

    def place_cart(self, shop_id: int, cart: Sequence[tuple[str, int]], now: datetime,
                   own_carrier: bool = False) -> str | None:
        """A buyer checks out (SKU, quantity) lines at once: a paid order, or None when a line is unlisted or short
        of stock. With `own_carrier` the buyer picks the shop's non-integrated channel, so the seller ships with
        a carrier of its own and gives Shopee the tracking number."""
        if not cart:
            raise ValueError("the cart is empty")
        shop = self.shop(shop_id)
        wanted: list[tuple[Product, Model | None, int]] = []
        for seller_sku, quantity in cart:
            if quantity < 1:
                raise ValueError("quantity must be at least 1")
            found = shop.catalogue.by_sku.get(seller_sku)
            if found is None:
                raise KeyError(f"shop {shop_id} lists no SKU {seller_sku!r}")
            product, model = found
            if not product.active or stock_of(product, model) < quantity:
                return None
            wanted.append((product, model, quantity))
        now_ts = to_timestamp(now)
        lines = []
        for product, model, quantity in wanted:
            set_stock(product, model, stock_of(product, model) - quantity, now_ts)
            lines.append(_line(product, model, quantity, model.price if model else product.price))
        order = self._order(shop, now_ts, tuple(lines), cod=False)
        if own_carrier:
            order.carrier, order.channel_id = own_carrier_channel(sorted(REGIONS).index(shop.region.code))
        # Paid at once; the order then waits for the seller to arrange shipment.
        order.apply("READY_TO_SHIP", now_ts)
        shop.orders[order.order_sn] = order
        return order.order_sn

    def open_return(self, shop_id: int, order_sn: str, quantity: int, now: datetime) -> ReturnCase:
        """The buyer asks to return `quantity` units of the order's first line (a return/refund request)."""
        order = self._find(shop_id, order_sn)
        if not isinstance(order, Order):
            raise ValueError(f"order {order_sn} is a raw payload; returns need a generated order")
        if order.status not in _HANDED_OVER:
            raise ValueError(f"order {order_sn} is {order.status}: only a shipped or delivered order can be returned")
        line = order.lines[0]
        if not 1 <= quantity <= line.quantity:
            raise ValueError(f"the first line has {line.quantity} unit(s); cannot return {quantity}")
        shop = self.shop(shop_id)
        now_ts = to_timestamp(now)
        case = ReturnCase(
            return_sn=self._new_return_sn(shop, now_ts), order_sn=order_sn, currency=order.region.currency,
            decimals=order.region.decimals, buyer_username=order.buyer.username, create_time=now_ts,
            update_time=now_ts, item_id=line.item_id, model_id=line.model_id, name=line.item_name,
            item_sku=line.item_sku, variation_sku=line.model_sku, amount=quantity, item_price=line.discounted_price,
            image_url=line.image_url, delivered=order.status != "SHIPPED",
        )
        shop.returns[case.return_sn] = case
        order.apply("TO_RETURN", now_ts)
        return case

    def _new_return_sn(self, shop: Shop, created_at: int) -> str:
        # Shaped like the docs' "2206140TA5PM808": the order-style date prefix and nine more characters.
        while True:
            return_sn = self._new_sn(shop, created_at) + "".join(shop.rng.choices(_SN_ALPHABET, k=1))
            if return_sn not in shop.returns:
                return return_sn

    def _take_item_id(self) -> int:
        self._next_item_id += 1
        return self._next_item_id

    def _take_model_id(self) -> int:
        self._next_model_id += 1
        return self._next_model_id

    def _find(self, shop_id: int, order_sn: str) -> StoredOrder:
        shop = self.shop(shop_id)
        try:
            return shop.orders[order_sn]
        except KeyError:
            raise KeyError(f"no order {order_sn} in shop {shop_id}") from None

    def _new_sn(self, shop: Shop, created_at: int) -> str:
        local = datetime.fromtimestamp(created_at, UTC) + shop.region.utc_offset
        prefix = local.strftime("%y%m%d")
        while True:
            order_sn = prefix + "".join(shop.rng.choices(_SN_ALPHABET, k=8))
            if order_sn not in self._used_sns:
                self._used_sns.add(order_sn)
                return order_sn

    def _buyer(self, shop: Shop) -> Buyer:
        rng = shop.rng
        # Roughly a third of orders come from returning buyers, as on a real shop.
        if shop.buyers and rng.random() < 0.35:
            return rng.choice(shop.buyers)
        region = shop.region
        first, last = rng.choice(region.first_names), rng.choice(region.last_names)
        name = f"{last}{first}" if region.code == "TW" else f"{first} {last}"
        place = rng.choice(region.places)
        user_id = rng.randint(10_000_000, 1_999_999_999)
        username = "".join(rng.choices(_USERNAME_ALPHABET, k=rng.randint(6, 12)))
        contact = contact_rng(rng, region.contact_draws)
        phone = mobile_phone(contact, region.code).digits()
        # Shopee asks every buyer for a phone; what slips through is a number short of digits or a mistyped
        # postcode (VN addresses carry none, as in the doc's sample order).
        flaw = draw_flaw(contact, (Flaw.SHORT_PHONE, *(sorted(POSTCODE_FLAWS) if place.zipcode else ())))
        phone, zipcode = with_flaw(flaw, phone, place.zipcode)
        place = replace(place, zipcode=zipcode)
        buyer = Buyer(
            user_id=user_id,
            username=username,
            name=name,
            phone=phone,
            place=place,
            street_line=f"{rng.randint(1, 250)} {rng.choice(place.streets)}",
        )
        shop.buyers.append(buyer)
        return buyer

    def _new_order(self, shop: Shop, created_at: int) -> Order:
        return self._order(shop, created_at, self._draw_lines(shop))

    @staticmethod
    def _draw_lines(shop: Shop) -> tuple[Line, ...]:
        """One to three distinct catalogue variants, some of them on promotion."""
        rng = shop.rng
        region = shop.region
        lines: list[Line] = []
        chosen: set[tuple[int, int]] = set()
        for _ in range(rng.choices((1, 2, 3), weights=(60, 28, 12))[0]):
            product = rng.choice(shop.catalogue.products)
            model = rng.choice(product.models) if product.models else None
            key = (product.item_id, model.model_id if model else 0)
            if key in chosen:
                continue
            chosen.add(key)
            original = model.price if model else product.price
            promotion_type, promotion_id, discounted = "", 0, original
            roll = rng.random()
            if roll < 0.25:
                promotion_type, promotion_id = "product_promotion", rng.randint(10**9, 10**12)
                discounted = _quantize(original * Decimal(rng.choice(("0.9", "0.85", "0.8", "0.7"))), region.price_step)
            elif roll < 0.32:
                promotion_type, promotion_id = "flash_sale", rng.randint(10**14, 10**15)
                discounted = _quantize(original * Decimal(rng.choice(("0.6", "0.5"))), region.price_step)
            quantity = rng.choices((1, 2, 3, 4), weights=(70, 20, 7, 3))[0]
            lines.append(_line(product, model, quantity, discounted, promotion_type, promotion_id))
        return tuple(lines)

    def _order(self, shop: Shop, created_at: int, lines: tuple[Line, ...], cod: bool | None = None) -> Order:
        """A new order of `lines` by a (new or returning) buyer; `cod` forces the payment kind when given."""
        rng = shop.rng
        region = shop.region
        low, high = region.shipping_fee_usd
        fee_usd = low + (high - low) * Decimal(rng.randint(0, 100)) / 100
        estimated = _quantize(fee_usd * region.usd_rate, region.price_step)
        actual = _quantize(estimated * Decimal(rng.choice(("0.9", "1", "1", "1.1"))), region.price_step)
        carrier, channel_id = rng.choice(region.carriers)
        drawn_cod = rng.random() < region.cod_share
        cod = drawn_cod if cod is None else cod
        order = Order(
            order_sn=self._new_sn(shop, created_at),
            region=region,
            cod=cod,
            create_time=created_at,
            days_to_ship=rng.choices((2, 3, 5, 7), weights=(60, 30, 6, 4))[0],
            buyer=self._buyer(shop),
            lines=lines,
            estimated_shipping_fee=estimated,
            planned_actual_fee=actual,
            carrier=carrier,
            channel_id=channel_id,
            payment_method="Cash on Delivery" if cod else rng.choice(region.payment_methods),
            package_number="OFG" + "".join(rng.choices("0123456789", k=15)),
            message_to_seller=rng.choice(_BUYER_MESSAGES) if rng.random() < 0.1 else "",
            update_time=created_at,
        )
        return order


def _line(
    product: Product, model: Model | None, quantity: int, paid: Decimal, promotion_type: str = "",
    promotion_id: int = 0,
) -> Line:
    """An order line for one variant of a catalogue item, at `paid` a unit."""
    return Line(
        item_id=product.item_id,
        item_name=product.item_name,
        item_sku=product.item_sku,
        model_id=model.model_id if model else 0,
        model_name=model.model_name if model else "",
        model_sku=model.model_sku if model else "",
        quantity=quantity,
        original_price=model.price if model else product.price,
        discounted_price=paid,
        promotion_type=promotion_type,
        promotion_id=promotion_id,
        weight_kg=product.weight_kg,
        image_url=product.image_url,
    )


def _int_or(value: object, default: int) -> int:
    # bool is an int subclass, but a boolean timestamp is malformed, not a time.
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _fate(rng: random.Random, order: Order) -> list[Step]:
    """The status changes an order will go through, with Shopee-like delays between them."""
    t = order.create_time
    steps: list[Step] = []

    def later(low: int, high: int) -> int:
        nonlocal t
        t += rng.randint(low, high)
        return t

    roll = rng.random()
    if order.cod:
        # COD orders skip UNPAID: they are ready to ship as soon as they are placed.
        steps.append(Step(t, "READY_TO_SHIP"))
    else:
        steps.append(Step(t, "UNPAID"))
        if roll < 0.05:
            steps.append(
                Step(later(_DAY, 3 * _DAY), "CANCELLED", (("cancel_by", "system"), ("cancel_reason", "Unpaid Order")))
            )
            return steps
        steps.append(Step(later(60, 6 * _HOUR), "READY_TO_SHIP"))
    if roll < 0.11:
        reason = rng.choice(_BUYER_CANCEL_REASONS)
        steps.append(Step(later(_HOUR, _DAY), "IN_CANCEL", (("buyer_cancel_reason", reason),)))
        steps.append(
            Step(
                later(_HOUR, _DAY),
                "CANCELLED",
                (("cancel_by", "buyer"), ("cancel_reason", "Buyer Request to Cancel"), ("buyer_cancel_reason", reason)),
            )
        )
        return steps
    if roll < 0.12:
        steps.append(
            Step(later(_HOUR, 2 * _DAY), "CANCELLED", (("cancel_by", "seller"), ("cancel_reason", "Out of Stock")))
        )
        return steps
    steps.append(Step(later(2 * _HOUR, 2 * _DAY), "PROCESSED"))
    if roll < 0.14:
        steps.append(Step(later(6 * _HOUR, _DAY), "RETRY_SHIP"))
    steps.append(Step(later(3 * _HOUR, _DAY), "SHIPPED"))
    steps.append(Step(later(_DAY, 5 * _DAY), "TO_CONFIRM_RECEIVE"))
    if roll < 0.17:
        steps.append(Step(later(_DAY, 3 * _DAY), "TO_RETURN"))
        return steps
    steps.append(Step(later(_DAY, 7 * _DAY), "COMPLETED"))
    return steps


def _image_url(region: Region, image_id: str) -> str:
    return f"https://{_IMAGE_HOSTS[region.code]}/file/{region.code.lower()}-11134207-7r98o-{image_id}_tn"


def _catalogue(rng: random.Random, stock_rng: random.Random, shop_id: int, region: Region, now_ts: int) -> Catalogue:
    """Fifty items a shop starts with; stock comes from its own generator so orders stay as they were."""
    products: list[Product] = []
    used_ids: set[int] = set()

    def fresh_id(low: int, high: int) -> int:
        while True:
            candidate = rng.randint(low, high)
            if candidate not in used_ids:
                used_ids.add(candidate)
                return candidate

    for index in range(50):
        template = _TEMPLATES[index % len(_TEMPLATES)]
        brand = rng.choice(_BRANDS)
        price = _quantize(template.usd * region.usd_rate * Decimal(rng.randint(80, 130)) / 100, region.price_step)
        base_sku = f"CD{shop_id % 10_000:04d}-{index + 1:03d}"
        variants = template.variants
        if variants and len(variants) > 2:
            variants = tuple(sorted(rng.sample(variants, rng.randint(2, len(variants))), key=variants.index))
        models = tuple(
            Model(
                model_id=fresh_id(10**10, 4 * 10**11),
                model_name=variant,
                model_sku=f"{base_sku}-{position + 1:02d}",
                price=_quantize(price * Decimal(rng.randint(95, 115)) / 100, region.price_step),
                stock=stock_rng.randint(0, 200),
            )
            for position, variant in enumerate(variants)
        )
        # Sellers often leave the parent SKU empty when every model has its own.
        item_sku = "" if models and rng.random() < 0.1 else base_sku
        image_id = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=14))
        products.append(
            Product(
                item_id=fresh_id(10**9, 3 * 10**10),
                item_name=f"{brand} {template.name}",
                item_sku=item_sku,
                weight_kg=template.weight_kg,
                image_url=_image_url(region, image_id),
                price=price,
                models=models,
                stock=0 if models else stock_rng.randint(0, 200),
                create_time=now_ts,
                update_time=now_ts,
            )
        )
    return Catalogue.of(products)


__all__ = [
    "EXTRA_LIST_FILTERS",
    "ORDER_STATUSES",
    "Order",
    "RawOrder",
    "Shop",
    "StoredOrder",
    "World",
    "to_timestamp",
]
