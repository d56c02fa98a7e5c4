"""The emulated Lazada world: sellers, catalogues, buyers and orders whose items each carry a status, generated
from a seed and moved by a clock."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
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
from crossdock.emulators.lazada.products import (
    Catalogue,
    Sku,
    catalogue_from_skus,
    catalogue_from_specs,
    listing_rows,
    variation,
)
from crossdock.emulators.lazada.regions import SHIPPING_FEE_USD, VENTURES, Venture
from crossdock.emulators.lazada.reverse import ReverseOrder
from crossdock.emulators.lazada.trace import TraceEvent, stage
from crossdock.emulators.shopee.regions import Place

# Item statuses: the GetOrders "status" filter and error 6 list them; ready_to_ship_pending, repacked and
# confirmed-style states appear in the fulfilment guides. "Lazada has no order status, each item in the order
# has a separate status"; an order's `statuses` lists its items' statuses, each once.
ITEM_STATUSES: tuple[str, ...] = (
    "unpaid", "pending", "packed", "repacked", "topack", "toship", "ready_to_ship", "ready_to_ship_pending",
    "shipping", "shipped", "delivered", "failed_delivery", "canceled", "returned", "failed", "lost",
    "lost_by_3pl", "damaged_by_3pl", "shipped_back", "shipped_back_success", "shipped_back_failed",
    "package_scrapped",
)
# "fill all will get all status of orders" (Get order guide).
STATUS_FILTER_ALL = "all"
# Statuses after which an item takes no further part in the order's fulfilment.
CLOSED_STATUSES = frozenset({"canceled", "failed", "lost", "lost_by_3pl", "damaged_by_3pl", "returned",
                             "shipped_back_success", "package_scrapped"})
# A pseudo step of an order's fate: the buyer asks to cancel and the seller must answer (need_cancel_confirm).
CANCEL_REQUEST = "__cancel_request__"

_DAY = 86_400
_HOUR = 3_600


def _quantize(value: Decimal, step: Decimal) -> Decimal:
    units = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(units, Decimal(1)) * step


def money(amount: Decimal) -> str:
    """Lazada writes amounts as strings with two decimals, whatever the currency ("106.00")."""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def iso_local(ts: int, venture: Venture) -> str:
    """Order times as GetOrders returns them: ISO 8601 in the venture's own offset, e.g. 2018-02-09T22:44:30+08:00."""
    return datetime.fromtimestamp(ts, timezone(venture.market.utc_offset)).isoformat()


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def parse_iso(text: str) -> int | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return None
    return int(moment.timestamp()) if moment.tzinfo is not None else None


@dataclass(frozen=True)
class _Template:
    name: str
    usd: Decimal
    variations: tuple[str, ...]


_TEMPLATES: tuple[_Template, ...] = (
    _Template("TWS Bluetooth Earphones with Charging Case", Decimal("16"), ("Black", "White")),
    _Template("65W GaN Fast Charger USB-C", Decimal("21"), ("White",)),
    _Template("Magnetic Phone Holder for Car", Decimal("7"), ("Silver", "Black")),
    _Template("Cotton Crew Neck T-Shirt", Decimal("6"), ("S", "M", "L", "XL")),
    _Template("Ultra Light Running Shoes", Decimal("32"), ("40", "41", "42", "43")),
    _Template("Vacuum Insulated Tumbler 600ml", Decimal("11"), ("Blue", "Pink", "Black")),
    _Template("Hyaluronic Acid Moisturiser 50ml", Decimal("14"), ()),
    _Template("Sunscreen Gel SPF50+ 80g", Decimal("9"), ()),
    _Template("Jasmine Rice 5kg", Decimal("8"), ()),
    _Template("3-in-1 Instant Coffee (30 sachets)", Decimal("6"), ("Original", "Less Sugar")),
    _Template("Ceramic Non-stick Wok 32cm", Decimal("24"), ()),
    _Template("Robot Vacuum Cleaner", Decimal("120"), ("White",)),
    _Template("Wireless Gaming Mouse", Decimal("19"), ("Black", "White")),
    _Template("Baby Wet Wipes (10 packs)", Decimal("7"), ()),
    _Template("Dry Cat Food 3kg", Decimal("18"), ("Salmon", "Chicken")),
    _Template("Microfibre Bed Sheet Set", Decimal("15"), ("Queen", "King")),
    _Template("Smart Fitness Band", Decimal("25"), ("Black", "Rose Gold")),
    _Template("Anti-theft Laptop Backpack", Decimal("22"), ("Grey", "Black")),
)
_BRANDS: tuple[str, ...] = ("Xiaomi", "Baseus", "Anker", "Ugreen", "Nivea", "Garnier", "Nescafe", "Philips",
                            "Lock&Lock", "Logitech", "Pampers", "Royal Canin", "Realme", "Deli", "Mamypoko")
_BUYER_NOTES: tuple[str, ...] = ("Please pack carefully", "Call before delivery", "Leave at the guardhouse",
                                 "Gift, no invoice in the box")
_BUYER_CANCEL_REASONS: tuple[str, ...] = ("Change of mind", "Found cheaper elsewhere", "Change payment method",
                                          "Duplicate order", "Decided for alternative product")


@dataclass(frozen=True)
class Buyer:
    buyer_id: int
    first_name: str
    last_name: str
    phone: str
    place: Place
    street: str


@dataclass
class Item:
    order_item_id: int
    sku: Sku
    item_price: Decimal
    voucher_seller: Decimal
    voucher_platform: Decimal
    shipping_amount: Decimal
    shipping_fee_original: Decimal
    status: str
    created_at: int
    updated_at: int
    tracking_code: str = ""
    package_id: str = ""
    shipment_provider: str = ""
    reason: str = ""
    return_status: str = ""
    cancel_return_initiator: str = ""
    payment_time: int | None = None
    sla_time: int | None = None
    events: list[TraceEvent] = field(default_factory=list)   # the package's logistics history (GetOrderTrace)

    @property
    def voucher_amount(self) -> Decimal:
        return self.voucher_seller + self.voucher_platform

    @property
    def paid_price(self) -> Decimal:
        return self.item_price - self.voucher_amount


@dataclass(frozen=True)
class Step:
    """A change the order's fate holds in store, due at `at` (Unix seconds). `items`: indexes of the items it
    touches; None means every item still taking part in the order."""

    at: int
    status: str
    details: tuple[tuple[str, str], ...] = ()
    items: tuple[int, ...] | None = None


@dataclass
class Order:
    order_id: str
    seller_id: str
    venture: Venture
    created_at: int
    buyer: Buyer
    items: list[Item]
    payment_method: str
    buyer_note: str
    voucher_code: str
    updated_at: int = 0
    need_cancel_confirm: bool = False
    pending: list[Step] = field(default_factory=list)
    # shipping_provider_type: "standard" (Lazada's logistics carries it) or "seller_own_fleet" (delivered by the
    # seller, DBS: Lazada issues no tracking number and the seller reports the parcel's progress).
    delivery: str = "standard"

    @property
    def dbs(self) -> bool:
        return self.delivery == "seller_own_fleet"

    @property
    def cod(self) -> bool:
        return self.payment_method == "COD"

    def statuses(self) -> list[str]:
        return list(dict.fromkeys(item.status for item in self.items))

    def live_items(self) -> list[Item]:
        return [item for item in self.items if item.status not in CLOSED_STATUSES]

    def apply(self, step: Step, rng: random.Random) -> None:
        details = dict(step.details)
        self.updated_at = max(step.at, self.created_at, self.updated_at)
        if step.status == CANCEL_REQUEST:
            self.need_cancel_confirm = True
            return
        targets = [self.items[i] for i in step.items] if step.items is not None else self.live_items()
        if not targets:
            targets = list(self.items)
        package = "FP" + "".join(rng.choices("0123456789", k=12))
        tracking = "LX" + "".join(rng.choices("0123456789", k=12)) + self.venture.code
        provider = rng.choice(self.venture.shipment_providers)
        for item in targets:
            item.status = step.status
            item.updated_at = self.updated_at
            if step.status == "pending" and not self.cod and item.payment_time is None:
                item.payment_time = step.at
            if step.status == "pending" and item.sla_time is None:
                item.sla_time = step.at + 2 * _DAY
            if step.status == "packed" and not item.package_id:
                item.package_id, item.tracking_code, item.shipment_provider = package, tracking, provider
            if step.status == "delivered" and self.cod and item.payment_time is None:
                item.payment_time = step.at      # cash on delivery is paid at the door
            if "reason" in details:
                item.reason = details["reason"]
            if "initiator" in details:
                item.cancel_return_initiator = details["initiator"]
            if step.status == "returned":
                item.return_status = "returned"
            self.trace(item, step.status, step.at)
        if step.status == "canceled" or not self.live_items():
            self.need_cancel_confirm = False

    def trace(self, item: Item, status: str, at: int) -> None:
        """What Lazada's 3PL reports when a package of its own reaches `status` (DBS packages: the seller reports)."""
        if self.dbs or not item.package_id:
            return
        event = stage(status, at)
        if event is not None and all(e.detail_type != event.detail_type for e in item.events):
            item.events.append(event)

    # ---- wire form -------------------------------------------------------------------------

    def address(self) -> dict[str, Any]:
        b, place, venture = self.buyer, self.buyer.place, self.venture
        return {
            "first_name": b.first_name, "last_name": b.last_name, "phone": self.shown_phone(), "phone2": "",
            "address1": b.street, "address2": "", "address3": place.state, "address4": place.city,
            "address5": place.district, "addressDsitrict": place.district, "city": place.city,
            "post_code": place.zipcode, "country": venture.country_name,
        }

    def shown_phone(self) -> str:
        """address_shipping.phone: the number as the buyer dials it at home ("94236248", GetOrder's sample), masked
        like GetOrders' sample ("6****67") once no item is left to ship.

        Assumption: the docs mark phone as a masked field (dataSecurityLevel C3) without saying when; the emulator
        masks it when the seller no longer needs it, as TikTok does by order status."""
        finished = all(item.status in CLOSED_STATUSES or item.status == "delivered" for item in self.items)
        return mask(self.buyer.phone, 1, 2, stars=4) if finished else self.buyer.phone

    def order_fields(self) -> dict[str, Any]:
        """The order as GetOrders / GetOrder return it (amounts are sums over its items)."""
        price = sum((i.item_price for i in self.items), Decimal(0))
        shipping = sum((i.shipping_amount for i in self.items), Decimal(0))
        original = sum((i.shipping_fee_original for i in self.items), Decimal(0))
        seller_voucher = sum((i.voucher_seller for i in self.items), Decimal(0))
        platform_voucher = sum((i.voucher_platform for i in self.items), Decimal(0))
        return {
            "order_id": self.order_id,
            "order_number": self.order_id,
            "created_at": iso_local(self.created_at, self.venture),
            "updated_at": iso_local(self.updated_at, self.venture),
            "price": money(price),
            "shipping_fee": money(shipping),
            "shipping_fee_original": money(original),
            "shipping_fee_discount_seller": "0.00",
            "shipping_fee_discount_platform": money(original - shipping),
            "voucher": money(seller_voucher + platform_voucher),
            "voucher_seller": money(seller_voucher),
            "voucher_platform": money(platform_voucher),
            "voucher_code": self.voucher_code,
            "payment_method": self.payment_method,
            "items_count": str(len(self.items)),
            "statuses": self.statuses(),
            "customer_first_name": f"{self.buyer.first_name} {self.buyer.last_name}",
            "customer_last_name": "",          # "Empty for now. See customer_first_name."
            "address_shipping": self.address(),
            "address_billing": self.address(),
            "buyer_note": self.buyer_note,
            "remarks": "",
            "gift_option": "false",
            "gift_message": "",
            "delivery_info": "",
            "extra_attributes": "",
            "national_registration_number": "",
            "tax_code": "",
            "branch_number": "",
            "warehouse_code": "dropshipping",
            "promised_shipping_times": "",
            "address_updated_at": "",
            "need_cancel_confirm": "true" if self.need_cancel_confirm else "false",
            "is_cancel_pending": "false",
        }

    def item_fields(self, item: Item) -> dict[str, Any]:
        """One element of GetMultipleOrderItems' order_items (times as epoch milliseconds in strings)."""
        voucher = "LZD-" + self.voucher_code if item.voucher_platform else ""
        return {
            "order_item_id": str(item.order_item_id),
            "order_id": self.order_id,
            "purchase_order_id": "",
            "purchase_order_number": "",
            "status": item.status,
            "name": item.sku.name,
            "sku": item.sku.seller_sku,
            "shop_sku": item.sku.shop_sku,
            "sku_id": str(item.sku.sku_id),
            "product_id": str(item.sku.product_id),
            "variation": item.sku.variation,
            "item_price": money(item.item_price),
            "paid_price": money(item.paid_price),
            "tax_amount": "0.00",
            "currency": self.venture.currency,
            "shipping_amount": money(item.shipping_amount),
            "shipping_fee_original": money(item.shipping_fee_original),
            "shipping_fee_discount_seller": "0.00",
            "shipping_fee_discount_platform": money(item.shipping_fee_original - item.shipping_amount),
            "shipping_service_cost": "0",
            "voucher_amount": money(item.voucher_amount),
            "voucher_seller": money(item.voucher_seller),
            "voucher_platform": money(item.voucher_platform),
            "voucher_code": voucher,
            "voucher_code_seller": "",
            "voucher_code_platform": voucher,
            "voucher_seller_lpi": "0.00",
            "voucher_platform_lpi": "0.00",
            "wallet_credits": "0.00",
            "tracking_code": item.tracking_code,
            "tracking_code_pre": "",
            "package_id": item.package_id,
            "shipment_provider": item.shipment_provider,
            "shipping_provider_type": self.delivery,
            "shipping_type": "Dropshipping",
            "warehouse_code": "dropshipping",
            "created_at": str(item.created_at * 1000),
            "updated_at": str(item.updated_at * 1000),
            "payment_time": str(item.payment_time * 1000) if item.payment_time is not None else "",
            "sla_time_stamp": iso_local(item.sla_time, self.venture) if item.sla_time is not None else "",
            "promised_shipping_time": "",
            "reason": item.reason,
            "reason_detail": item.reason,
            "return_status": item.return_status,
            "cancel_return_initiator": item.cancel_return_initiator,
            "need_cancel_confirm": "true" if self.need_cancel_confirm else "false",
            "is_cancel_pending": "false",
            "is_digital": "0",
            "is_fbl": "0",
            "is_reroute": "0",
            "digital_delivery_info": "",
            "extra_attributes": "",
            "invoice_number": "",
            "order_type": "Normal",
            "buyer_id": str(self.buyer.buyer_id),
            "product_main_image": item.sku.image,
            "product_detail_url": item.sku.url,
        }

    def payload(self) -> dict[str, Any]:
        """The truth: the order's fields with its items under "order_items"."""
        return {**self.order_fields(), "order_items": [self.item_fields(i) for i in self.items]}


@dataclass
class RawOrder:
    """A payload stored as given (tests use it for malformed or stale orders); listed by its own times."""

    order_id: str
    body: dict[str, Any]
    created_at: int
    updated_at: int

    def order_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.body.items() if k != "order_items"}

    def item_list(self) -> list[Any]:
        items = self.body.get("order_items")
        return list(items) if isinstance(items, list) else []

    def payload(self) -> dict[str, Any]:
        return copy.deepcopy(self.body)


StoredOrder = Order | RawOrder


@dataclass
class Seller:
    seller_id: str
    venture: Venture
    name: str
    account: str
    user_id: str
    short_code: str
    rng: random.Random
    catalogue: tuple[Sku, ...]                  # what generated orders draw their items from
    products: Catalogue = field(default_factory=Catalogue)     # what GetProducts lists and buyers buy
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    buyers: list[Buyer] = field(default_factory=list)
    # Delivered by Seller: "PackageStatusUpdateForDBS ... is only open to some stores".
    dbs: bool = False
    reverse_orders: dict[str, ReverseOrder] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One item's status change, as the push mechanism reports it."""

    seller_id: str
    order_id: str
    order_item_id: str
    status: str
    at: int


class World:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.sellers: dict[str, Seller] = {}
        self._used_ids: set[int] = set()
        self._tick_rng = random.Random(f"lazada-tick-{seed}")

    def add_seller(self, seller_id: str, region: str, name: str | None, account: str, now: datetime) -> Seller:
        if not seller_id.isdigit():
            raise ValueError(f"Lazada seller ids are numeric, got {seller_id!r}")
        venture = VENTURES.get(region.upper())
        if venture is None:
            raise ValueError(f"unknown Lazada venture {region!r}; known: {sorted(VENTURES)}")
        if seller_id in self.sellers:
            raise ValueError(f"seller {seller_id} already exists")
        rng = random.Random(f"lazada-{self.seed}-{seller_id}")
        seller = Seller(seller_id=seller_id, venture=venture, name=name or f"Crossdock Demo {venture.code} {seller_id}",
                        account=account, user_id=str(rng.randint(10**8, 10**9 - 1)),
                        short_code=f"{venture.code}{rng.randint(10**4, 10**5 - 1)}", rng=rng,
                        catalogue=self._catalogue(rng, seller_id, venture))
        # Stock is drawn from its own generator, so the orders a seed makes do not depend on it.
        stock = random.Random(f"lazada-stock-{self.seed}-{seller_id}")
        seller.products = catalogue_from_skus(seller.catalogue, lambda: stock.randint(0, 200), _ms(now))
        self.sellers[seller_id] = seller
        return seller

    def seller(self, seller_id: str) -> Seller:
        try:
            return self.sellers[seller_id]
        except KeyError:
            raise KeyError(f"no seller {seller_id} in the emulator; call add_store first") from None

    # ---- orders ----------------------------------------------------------------------------

    def generate_orders(self, seller_id: str, count: int, start: datetime, end: datetime, now: datetime) -> list[str]:
        check_window(count, start, end)
        seller = self.seller(seller_id)
        if count and not seller.catalogue:
            raise ValueError(f"seller {seller_id} sells nothing: give it a catalogue first")
        now_ts = int(now.timestamp())
        low, high = int(start.timestamp()), min(int(end.timestamp()), now_ts)
        times = sorted(seller.rng.randint(low, max(low, high)) for _ in range(count))
        created: list[str] = []
        for created_at in times:
            order = self._new_order(seller, created_at)
            for step in _fate(seller.rng, order):
                if step.at <= now_ts:
                    order.apply(step, seller.rng)
                else:
                    order.pending.append(step)
            seller.orders[order.order_id] = order
            created.append(order.order_id)
        return created

    def tick(self, now: datetime) -> tuple[int, int, list[Change]]:
        """Every due step and a few new orders per seller, stamped now; returns (created, updated, changes)."""
        now_ts = int(now.timestamp())
        created = updated = 0
        changes: list[Change] = []
        for seller in self.sellers.values():
            for order in list(self.iter_generated(seller)):
                due = [step for step in order.pending if step.at <= now_ts]
                if not due:
                    continue
                before = {i.order_item_id: i.status for i in order.items}
                for step in due:
                    # Stamped when the change becomes visible, so update_after windows never miss it.
                    order.apply(Step(now_ts, step.status, step.details, step.items), seller.rng)
                order.pending = order.pending[len(due):]
                changes += _changes(seller.seller_id, order, before)
                updated += 1
            for _ in range(self._tick_rng.randint(0, 3) if seller.catalogue else 0):
                order_id = self.generate_orders(seller.seller_id, 1, now, now, now)[0]
                new = seller.orders[order_id]
                assert isinstance(new, Order)
                changes += _changes(seller.seller_id, new, {})
                created += 1
        return created, updated, changes

    @staticmethod
    def iter_generated(seller: Seller) -> Iterator[Order]:
        for order in seller.orders.values():
            if isinstance(order, Order):
                yield order

    def set_status(self, seller_id: str, order_id: str, status: str, now: datetime) -> list[Change]:
        """Move every item still taking part in the order (all items when none is) to `status`."""
        if status not in ITEM_STATUSES:
            raise ValueError(f"unknown Lazada item status {status!r}")
        seller = self.seller(seller_id)
        order = self.find(seller_id, order_id)
        now_ts = int(now.timestamp())
        if isinstance(order, RawOrder):
            for item in order.item_list():
                if isinstance(item, dict):
                    item["status"] = status
                    item["updated_at"] = str(now_ts * 1000)
            order.body["statuses"] = [status]
            order.body["updated_at"] = iso_local(now_ts, seller.venture)
            order.updated_at = now_ts
            return [Change(seller_id, order_id, str(i.get("order_item_id", "")), status, now_ts)
                    for i in order.item_list() if isinstance(i, dict)]
        # A manual move overrides whatever the order's fate had in store.
        order.pending.clear()
        before = {i.order_item_id: i.status for i in order.items}
        order.apply(Step(now_ts, status), seller.rng)
        return _changes(seller_id, order, before, set_to=status)

    def insert_raw(self, seller_id: str, body: dict[str, Any], now: datetime) -> str:
        seller = self.seller(seller_id)
        now_ts = int(now.timestamp())
        raw_id = body.get("order_id")
        order_id = str(raw_id) if raw_id not in (None, "") else str(self._new_id(seller.rng))
        created = parse_iso(str(body.get("created_at", ""))) or now_ts
        updated = parse_iso(str(body.get("updated_at", ""))) or now_ts
        seller.orders[order_id] = RawOrder(order_id, copy.deepcopy(body), created, updated)
        return order_id

    def find(self, seller_id: str, order_id: str) -> StoredOrder:
        seller = self.seller(seller_id)
        try:
            return seller.orders[order_id]
        except KeyError:
            raise KeyError(f"no order {order_id} for seller {seller_id}") from None

    # ---- products and buyers ----------------------------------------------------------------

    def set_catalogue(self, seller_id: str, specs: Sequence[ProductSpec], now: datetime) -> None:
        """Replace what the seller sells; orders generated from now on draw their items from it."""
        seller = self.seller(seller_id)
        products = catalogue_from_specs(specs, seller.venture, lambda digits: self._new_id(seller.rng, digits),
                                        _ms(now))
        seller.products, seller.catalogue = products, products.order_skus()

    def listings(self, seller_id: str) -> list[dict[str, Any]]:
        return listing_rows(self.seller(seller_id).products)

    def place_order(self, seller_id: str, seller_sku: str, quantity: int,
                    now: datetime) -> tuple[str, list[Change]] | None:
        """A buyer pays now for `quantity` units of one SKU: None when it is not for sale or too few are left.
        KeyError for a seller SKU the seller does not have."""
        return self.place_cart(seller_id, [(seller_sku, quantity)], now)

    def place_cart(self, seller_id: str, cart: Sequence[tuple[str, int]], now: datetime,
                   own_fleet: bool = False) -> tuple[str, list[Change]] | None:
        """A buyer pays now for (seller SKU, quantity) lines; None when one is not for sale or too few are left.
        `own_fleet`: the order is delivered by the seller (DBS), which the seller must be enabled for."""
        if not cart:
            raise ValueError("the cart is empty")
        seller = self.seller(seller_id)
        if own_fleet and not seller.dbs:
            raise ValueError(f"seller {seller_id} is not enabled for Delivered by Seller")
        stocked_lines = []
        for seller_sku, quantity in cart:
            if quantity < 1:
                raise ValueError("quantity must be >= 1")
            stocked = seller.products.by_seller_sku(seller_sku)
            if stocked is None:
                raise KeyError(f"seller {seller_id} has no SKU {seller_sku!r}")
            if not seller.products.product_of(stocked).buyable(stocked) or stocked.sellable < quantity:
                return None
            stocked_lines.append((stocked, quantity))
        for stocked, quantity in stocked_lines:
            stocked.sellable -= quantity
        now_ts = int(now.timestamp())
        # Lazada answers each unit as its own order item; the order is paid, so it waits to be packed.
        units = [stocked.sku for stocked, quantity in stocked_lines for _ in range(quantity)]
        order = self._new_order(seller, now_ts, units=units, cod=False)
        if own_fleet:
            order.delivery = "seller_own_fleet"
        order.apply(Step(now_ts, "pending"), seller.rng)
        seller.orders[order.order_id] = order
        return order.order_id, _changes(seller_id, order, {})

    def open_return(self, seller_id: str, order_id: str, quantity: int, now: datetime) -> ReverseOrder:
        """The buyer asks to return `quantity` units (order items) of the SKU of the order's first item."""
        seller = self.seller(seller_id)
        order = self.find(seller_id, order_id)
        if not isinstance(order, Order):
            raise ValueError(f"order {order_id} is a raw payload; returns need a generated order")
        first = order.items[0]
        units = [item for item in order.items if item.sku.seller_sku == first.sku.seller_sku
                 and item.status in ("shipped", "delivered")]
        if not units:
            raise ValueError(f"order {order_id} has no shipped or delivered item to return")
        if not 1 <= quantity <= len(units):
            raise ValueError(f"{len(units)} unit(s) of {first.sku.seller_sku} can be returned, not {quantity}")
        now_ts = int(now.timestamp())
        reverse = ReverseOrder(
            reverse_order_id=str(self._new_id(seller.rng)), trade_order_id=order_id, venture=seller.venture,
            buyer_id=order.buyer.buyer_id, trade_order_created=order.created_at, created_at=now_ts,
            updated_at=now_ts,
            lines=[(self._new_id(seller.rng), item.order_item_id, item.sku, item.paid_price)
                   for item in units[:quantity]],
        )
        seller.reverse_orders[reverse.reverse_order_id] = reverse
        for item in units[:quantity]:
            item.return_status = "return_requested"
            item.updated_at = now_ts
        order.updated_at = max(order.updated_at, now_ts)
        return reverse

    # ---- generation ------------------------------------------------------------------------

    def _new_id(self, rng: random.Random, digits: int = 15) -> int:
        # Order and order item ids look like the docs' "491253082180001": 15 digits.
        while True:
            candidate = rng.randint(10 ** (digits - 1), 10**digits - 1)
            if candidate not in self._used_ids:
                self._used_ids.add(candidate)
                return candidate

    def _buyer(self, seller: Seller) -> Buyer:
        rng, market = seller.rng, seller.venture.market
        if seller.buyers and rng.random() < 0.3:
            return rng.choice(seller.buyers)
        place = rng.choice(market.places)
        contact = contact_rng(rng, market.contact_draws)
        buyer_id = rng.randint(10**8, 10**10)
        first_name, last_name = rng.choice(market.first_names), rng.choice(market.last_names)
        phone = mobile_phone(contact, seller.venture.code).national()
        # Checkout asks for a phone; what slips through is a number short of digits or a mistyped postcode.
        flaw = draw_flaw(contact, (Flaw.SHORT_PHONE, *(sorted(POSTCODE_FLAWS) if place.zipcode else ())))
        phone, zipcode = with_flaw(flaw, phone, place.zipcode)
        place = replace(place, zipcode=zipcode)
        buyer = Buyer(
            buyer_id=buyer_id, first_name=first_name, last_name=last_name, phone=phone,
            place=place, street=f"{rng.randint(1, 300)} {rng.choice(place.streets)}",
        )
        seller.buyers.append(buyer)
        return buyer

    def _new_order(self, seller: Seller, created_at: int, units: list[Sku] | None = None,
                   cod: bool | None = None) -> Order:
        """A new order of `units` (one SKU per order item; drawn from the catalogue when None)."""
        rng, venture = seller.rng, seller.venture
        market = venture.market
        drawn_cod = rng.random() < venture.cod_share
        cod = drawn_cod if cod is None else cod
        low, high = SHIPPING_FEE_USD
        fee_total = _quantize((low + (high - low) * Decimal(rng.randint(0, 100)) / 100) * market.usd_rate,
                              market.price_step)
        free_shipping = rng.random() < 0.3
        voucher_code = str(rng.randint(10**7, 10**8 - 1)) if rng.random() < 0.2 else ""
        units = self._draw_units(seller) if units is None else units
        items: list[Item] = []
        for index, sku in enumerate(units):
            # The order's shipping fee is split over its items; the first carries the rounding rest.
            share = _quantize(fee_total / len(units), market.price_step) if len(units) > 1 else fee_total
            if index == 0 and len(units) > 1:
                share = fee_total - share * (len(units) - 1)
            share = max(share, Decimal(0))
            platform_voucher = (_quantize(sku.price * Decimal("0.1"), market.price_step)
                                if voucher_code else Decimal(0))
            seller_voucher = (_quantize(sku.price * Decimal("0.05"), market.price_step)
                              if rng.random() < 0.1 else Decimal(0))
            items.append(Item(
                order_item_id=self._new_id(rng), sku=sku, item_price=sku.price,
                voucher_seller=seller_voucher, voucher_platform=platform_voucher,
                shipping_amount=Decimal(0) if free_shipping else share, shipping_fee_original=share,
                status="pending" if cod else "unpaid", created_at=created_at, updated_at=created_at,
                # A cash-on-delivery order needs no payment: it is to be shipped from the start.
                sla_time=created_at + 2 * _DAY if cod else None,
            ))
        return Order(
            order_id=str(self._new_id(rng)), seller_id=seller.seller_id, venture=venture, created_at=created_at,
            buyer=self._buyer(seller), items=items,
            payment_method="COD" if cod else rng.choice(venture.payment_methods),
            buyer_note=rng.choice(_BUYER_NOTES) if rng.random() < 0.08 else "",
            voucher_code=voucher_code, updated_at=created_at,
        )

    @staticmethod
    def _draw_units(seller: Seller) -> list[Sku]:
        rng = seller.rng
        units: list[Sku] = []
        for _ in range(rng.choices((1, 2, 3), weights=(65, 25, 10))[0]):
            sku = rng.choice(seller.catalogue)
            # "If an order is placed for two identical items, it will still be responded to as two different
            # objects with unique order item ids."
            units += [sku] * rng.choices((1, 2), weights=(85, 15))[0]
        return units

    def _catalogue(self, rng: random.Random, seller_id: str, venture: Venture) -> tuple[Sku, ...]:
        market = venture.market
        skus: list[Sku] = []
        for index in range(36):
            template = _TEMPLATES[index % len(_TEMPLATES)]
            brand = rng.choice(_BRANDS)
            product_id = self._new_id(rng) // 10**5        # product ids are shorter: 10 digits
            base = _quantize(template.usd * market.usd_rate * Decimal(rng.randint(80, 130)) / 100, market.price_step)
            name = f"{brand} {template.name}"
            slug = name.lower().replace(" ", "-").replace("&", "and")
            image = "".join(rng.choices("0123456789abcdef", k=32))
            for position, option in enumerate(template.variations or ("",)):
                sku_id = self._new_id(rng) // 10**4
                price = _quantize(base * Decimal(rng.randint(95, 110)) / 100, market.price_step)
                skus.append(Sku(
                    product_id=product_id, sku_id=sku_id,
                    seller_sku=f"CD{int(seller_id) % 10_000:04d}-{index + 1:03d}-{position + 1:02d}",
                    shop_sku=f"{product_id}_{venture.code}-{sku_id}",
                    name=name, variation=_variation(option),
                    price=price,
                    image=f"https://{venture.image_host}/p/{image}.jpg",
                    url=f"https://{venture.web_host}/products/{slug}-i{product_id}-s{sku_id}.html",
                ))
        return tuple(skus)


def _variation(value: str) -> str:
    sized = value.isdigit() or value in {"S", "M", "L", "XL", "Queen", "King"}
    return variation("Size" if sized else "Color family", value)


def _changes(seller_id: str, order: Order, before: dict[int, str], set_to: str | None = None) -> list[Change]:
    """The order lines whose status changed; with `set_to`, also those a manual move just set to the status they
    already had (Lazada pushes every line an action touches)."""
    def touched(item: Item) -> bool:
        if before.get(item.order_item_id) != item.status:
            return True
        return set_to is not None and item.status == set_to and item.updated_at == order.updated_at

    return [Change(seller_id, order.order_id, str(i.order_item_id), i.status, order.updated_at)
            for i in order.items if touched(i)]


def _fate(rng: random.Random, order: Order) -> list[Step]:
    """The changes an order will go through, with Lazada-like delays: pay, pack, ready to ship, ship, deliver,
    and the side roads (unpaid timeout, buyer or seller cancellation, a partly cancelled order, failed delivery
    shipped back, lost by the carrier, return)."""
    t = order.created_at
    steps: list[Step] = []

    def later(low: int, high: int) -> int:
        nonlocal t
        t += rng.randint(low, high)
        return t

    roll = rng.random()
    if not order.cod:
        if roll < 0.05:
            steps.append(Step(later(_DAY, 3 * _DAY), "canceled", (("reason", "Payment not completed"),)))
            return steps
        steps.append(Step(later(60, 2 * _HOUR), "pending"))
    if roll < 0.09:
        reason = rng.choice(_BUYER_CANCEL_REASONS)
        steps.append(Step(later(_HOUR, 12 * _HOUR), CANCEL_REQUEST))
        steps.append(Step(later(_HOUR, 12 * _HOUR), "canceled",
                          (("reason", reason), ("initiator", "cancellation-customer"))))
        return steps
    if roll < 0.10:
        steps.append(Step(later(_HOUR, _DAY), "canceled",
                          (("reason", "Out of stock"), ("initiator", "cancellation-seller"))))
        return steps
    if len(order.items) > 1 and rng.random() < 0.1:
        # The seller runs out of one item and cancels just that one; the rest ships.
        steps.append(Step(later(_HOUR, 6 * _HOUR), "canceled",
                          (("reason", "Out of stock"), ("initiator", "cancellation-seller")),
                          (len(order.items) - 1,)))
    steps.append(Step(later(2 * _HOUR, _DAY), "packed"))
    steps.append(Step(later(30 * 60, 12 * _HOUR), "ready_to_ship"))
    steps.append(Step(later(3 * _HOUR, _DAY), "shipped"))
    fate = rng.random()
    if fate < 0.005:
        steps.append(Step(later(2 * _DAY, 5 * _DAY), "lost_by_3pl", (("reason", "Lost by 3PL"),)))
        return steps
    if fate < 0.025:
        steps.append(Step(later(_DAY, 3 * _DAY), "failed_delivery", (("reason", "Customer not reachable"),)))
        steps.append(Step(later(_DAY, 2 * _DAY), "shipped_back"))
        steps.append(Step(later(2 * _DAY, 5 * _DAY), "shipped_back_success"))
        return steps
    steps.append(Step(later(_DAY, 5 * _DAY), "delivered"))
    if fate < 0.055:
        steps.append(Step(later(2 * _DAY, 7 * _DAY), "returned", (("reason", "Damaged item"),)))
    return steps


__all__ = ["CLOSED_STATUSES", "ITEM_STATUSES", "STATUS_FILTER_ALL", "Change", "Order", "RawOrder", "Seller",
           "StoredOrder", "World", "iso_local", "money", "parse_iso"]
