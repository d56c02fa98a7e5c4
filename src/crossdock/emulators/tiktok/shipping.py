"""The Fulfillment API 202309 (Ship Package, Mark Package As Shipped, Get Eligible Shipping Service, Create Packages,
Get Package Shipping Document, Get Tracking) and Logistics' Get Shipping Providers, on a shop's orders.

Followed: partner.tiktokshop.com docv2 pages of each API (copies in lazykern/ecommerce-api-docs
data/raw/tiktok/api-reference/{fulfillment,logistics}/*.spec.json) and "UK & EU: Purchase shipping labels from
TikTok". Who may ship a package how is decided by the order's delivery option (the shop's warehouse delivery
setting, made in Seller Center): TikTok-shipped packages are arranged with Ship Package and get TikTok's label;
seller-shipped packages carry the seller's own tracking number (Ship Package's self_shipment, or Mark Package As
Shipped where that API exists), and in the US the seller may buy a TikTok Shipping label for them (Create Packages).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crossdock.emulators._common.carrier_labels import CarrierLabel, PackingSlip
from crossdock.emulators.tiktok.world import (
    DELIVERY_OPTIONS,
    Order,
    PackageShipment,
    Shop,
    Step,
    Unit,
)

SHIP_PACKAGE_PATH = "/fulfillment/202309/packages/{package_id}/ship"
MARK_SHIPPED_PATH = "/fulfillment/202309/orders/{order_id}/packages"
CREATE_PACKAGES_PATH = "/fulfillment/202309/packages"
ELIGIBLE_SERVICES_PATH = "/fulfillment/202309/orders/{order_id}/shipping_services/query"
SHIPPING_DOCUMENT_PATH = "/fulfillment/202309/packages/{package_id}/shipping_documents"
TRACKING_PATH = "/fulfillment/202309/orders/{order_id}/tracking"
SHIPPING_PROVIDERS_PATH = "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers"

# Mark Package As Shipped: "This API is currently exclusive to the following markets: US, UK, ES, IE, IT, DE, FR, JP."
MARK_SHIPPED_MARKETS = frozenset({"US", "GB", "ES", "IE", "IT", "DE", "FR", "JP"})
# Create Packages "is region specific to the US"; Get Eligible Shipping Service is "for US".
LABEL_PURCHASE_MARKETS = frozenset({"US"})
HANDOVER_METHODS = frozenset({"PICKUP", "DROP_OFF"})
DOCUMENT_TYPES = frozenset({"SHIPPING_LABEL", "PACKING_SLIP", "SHIPPING_LABEL_AND_PACKING_SLIP",
                            "SHIPPING_LABEL_PICTURE", "HAZMAT_LABEL", "INVOICE_LABEL"})
DOCUMENT_SIZES = frozenset({"A6", "A5"})
# The pages each document_type prints: the label, the packing slip, or both (label first).
LABEL_DOCUMENTS = frozenset({"SHIPPING_LABEL", "SHIPPING_LABEL_AND_PACKING_SLIP", "SHIPPING_LABEL_PICTURE",
                             "HAZMAT_LABEL", "INVOICE_LABEL"})
SLIP_DOCUMENTS = frozenset({"PACKING_SLIP", "SHIPPING_LABEL_AND_PACKING_SLIP"})
# "The URL is valid for 24 hours."
DOCUMENT_URL_TTL = 24 * 3_600
_HOUR, _DAY = 3_600, 86_400

# Error codes, each from the error table of the API that answers it.
INVALID_PARAMETERS = 21001001                 # "Invalid parameters. Please ensure you are passing the correct ..."
NOT_ALLOWED = 21011003                        # "fulfill_unit action not allowed"
NOT_SHIPPED_BY_SELLER = 21011004
ALREADY_SHIPPED_ORDER = 21011020              # "These orders are already shipped."
ITEMS_ALREADY_SHIPPED = 21011006
BAD_TRACKING_OR_PROVIDER = 21011022
PACKAGE_NOT_IN_SHOP = 21011028
ORDER_NOT_IN_SHOP = 21011029                  # "order does not belong to fulfill unit"
PACKAGE_ALREADY_SHIPPED = 21011040
ORDER_CANCELLED = 21011041
SPECIAL_CHARACTERS = 21004012
SERVICE_NOT_FOUND = 21004008
LABEL_ALREADY_BOUGHT = 21022025
NOT_IN_REGION = 21008106
NOT_AWAITING_SHIPMENT = 21042057
NO_SUBSCRIPTION = 21008116
FULFILLED_BY_TIKTOK = 21008117
SELLER_SHIPPING_DOCUMENT = 21008017
ARRANGE_FIRST = 21023035
PACKAGE_CANCELLED = 21023059
PICKED_UP = 21042102
MESSAGES: dict[int, str] = {
    INVALID_PARAMETERS: "Invalid parameters. Please ensure you are passing the correct request parameter(s).",
    NOT_ALLOWED: "fulfill_unit action not allowed",
    NOT_SHIPPED_BY_SELLER: "This API cannot be used to update package shipping information for packages that are "
                           "not shipped by sellers.",
    ALREADY_SHIPPED_ORDER: "These orders are already shipped.",
    ITEMS_ALREADY_SHIPPED: "These orders are already shipped.",
    BAD_TRACKING_OR_PROVIDER: "Invalid tracking number or provider ID. Please double check and try again.",
    PACKAGE_NOT_IN_SHOP: "The package does not belong to the current shop.",
    ORDER_NOT_IN_SHOP: "order does not belong to fulfill unit",
    PACKAGE_ALREADY_SHIPPED: "Package has already been shipped.",
    ORDER_CANCELLED: "Cannot complete the operation when order is cancelled.",
    SPECIAL_CHARACTERS: "Tracking number has special characters, verify failed.",
    SERVICE_NOT_FOUND: "create label shipping service not found",
    LABEL_ALREADY_BOUGHT: "A shipping label has already been purchased.",
    NOT_IN_REGION: "This interface cannot be used in this region.",
    NOT_AWAITING_SHIPMENT: "These orders are not in the Awaiting shipment status. Couldn't create labels for them.",
    NO_SUBSCRIPTION: "No Subscription without specified delivery option.",
    FULFILLED_BY_TIKTOK: "The delivery of the specified delivery_option_id is fulfilled by TikTok. No shipping "
                         "provider will be returned.",
    SELLER_SHIPPING_DOCUMENT: "This API is only applicable to TikTok Shipping orders. For seller shipping, please "
                              "obtain the shipping label offline and upload it to TikTok Shop via API or Seller "
                              "Center.",
    ARRANGE_FIRST: "Please arrange shipment before retrieving the shipping document.",
    PACKAGE_CANCELLED: "Package has already been cancelled.",
    PICKED_UP: "Documents couldn't be printed after the package has been pickup.",
}

# Carriers a seller-shipping shop may name (Get Shipping Providers). Assumption: the docs show one ("USPS"); these
# are the carriers TikTok Shop lists in each market's Seller Center, ids made up in TikTok's 19-digit format.
SELLER_PROVIDERS: dict[str, tuple[str, ...]] = {
    "US": ("USPS", "UPS", "FedEx", "DHL eCommerce", "DHL", "OnTrac", "LaserShip", "YunExpress", "4PX", "Yanwen",
           "Cainiao"),
    "GB": ("Royal Mail", "Evri", "DPD", "Yodel", "Parcelforce", "DHL", "DHL eCommerce", "UPS", "FedEx", "YunExpress",
           "4PX"),
    "MX": ("Estafeta", "DHL", "FedEx", "J&T Express", "99minutos"),
}
SEA_PROVIDERS = ("J&T Express", "Ninja Van", "Flash Express", "DHL eCommerce", "Kerry Express", "Best Express",
                 "YunExpress")
# TikTok Shipping labels bought in the US: (service name, carrier, price at 1 lb, delivery days). Assumption:
# services and prices are made up in the shape of the docs' sample ("UPS-first class").
US_SERVICES: tuple[tuple[str, str, Decimal, int, int], ...] = (
    ("USPS Ground Advantage", "USPS", Decimal("4.85"), 2, 5),
    ("UPS Ground", "UPS", Decimal("6.40"), 1, 5),
    ("FedEx Ground Economy", "FedEx", Decimal("5.95"), 2, 7),
)
# Assumption: how long TikTok's carrier takes to collect and deliver a package it arranged, for tick().
COLLECT_AFTER = (3 * _HOUR, 24 * _HOUR)
DELIVER_AFTER = (2 * _DAY, 6 * _DAY)
COMPLETE_AFTER_DELIVERY = 7 * _DAY


class FulfilmentError(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        self.code = code
        self.message = MESSAGES[code] + (f" {detail}" if detail else "")
        super().__init__(f"{code}: {self.message}")


def provider_id(name: str) -> str:
    """A carrier's stable 19-digit id."""
    digits = str(int(hashlib.sha256(f"tts-provider:{name}".encode()).hexdigest(), 16))
    return "7" + digits[:18]


def seller_providers(shop: Shop) -> list[dict[str, str]]:
    names = SELLER_PROVIDERS.get(shop.region.code, SEA_PROVIDERS)
    return [{"id": provider_id(name), "name": name} for name in names]


# ---- reading the request -------------------------------------------------------------------------

def _text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FulfilmentError(INVALID_PARAMETERS, f"{name} must be a string.")
    return value


def _ids(body: Mapping[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise FulfilmentError(INVALID_PARAMETERS, f"{name} must be a list of ids.")
    return list(dict.fromkeys(value))


def _order(shop: Shop, order_id: str) -> Order:
    order = shop.orders.get(order_id)
    if not isinstance(order, Order):
        raise FulfilmentError(ORDER_NOT_IN_SHOP)
    return order


def find_package(shop: Shop, package_id: str) -> tuple[Order, int]:
    for order in shop.orders.values():
        if isinstance(order, Order) and package_id in order.package_ids:
            return order, order.package_ids.index(package_id)
    raise FulfilmentError(PACKAGE_NOT_IN_SHOP)


def _tracking_number(value: str) -> str:
    if not value:
        raise FulfilmentError(INVALID_PARAMETERS, "tracking_number is required.")
    if not value.isalnum() or not value.isascii():
        raise FulfilmentError(SPECIAL_CHARACTERS)
    return value


def _check_open(order: Order, package: int | None = None) -> None:
    """The order (or package) can still be shipped."""
    if order.status == "CANCELLED":
        raise FulfilmentError(ORDER_CANCELLED)
    if package is not None and (package in order.shipments or (not order.shipments and order.rts_time is not None)):
        raise FulfilmentError(PACKAGE_ALREADY_SHIPPED)
    if order.status in ("UNPAID", "ON_HOLD"):
        raise FulfilmentError(NOT_ALLOWED)
    if order.status not in ("AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION"):
        raise FulfilmentError(ALREADY_SHIPPED_ORDER)


# ---- moving the order ----------------------------------------------------------------------------

def _after_shipping(order: Order, now: int, rng: random.Random) -> None:
    """The order's status once some packages left, and the carrier's steps to come (the planned fate is dropped:
    the seller took the order in hand)."""
    shipped = order.shipments
    every = len(shipped) == len(order.package_ids)
    handed_over = [p for p, s in shipped.items() if s.by_seller]
    if every and len(handed_over) == len(order.package_ids):
        order.apply("IN_TRANSIT", now)
    elif handed_over:
        order.apply("PARTIALLY_SHIPPING", now)
    elif every:
        order.apply("AWAITING_COLLECTION", now)
    else:
        order.update_time = now
        if order.rts_time is None:
            order.rts_time = now
    order.pending.clear()
    if not every:
        return
    t = now
    if order.status == "AWAITING_COLLECTION":
        t += rng.randint(*COLLECT_AFTER)
        order.pending.append(Step(t, "IN_TRANSIT"))
    t += rng.randint(*DELIVER_AFTER)
    order.pending.append(Step(t, "DELIVERED"))
    order.pending.append(Step(t + COMPLETE_AFTER_DELIVERY, "COMPLETED"))


def _carrier_tracking(provider_name: str, rng: random.Random) -> str:
    """A tracking number in the carrier's own shape (USPS 22 digits, UPS 1Z..., others prefixed letters)."""
    digits = "".join(rng.choice("0123456789") for _ in range(20))
    if provider_name.startswith("USPS"):
        return "9400" + digits[:18]
    if provider_name.startswith("UPS"):
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
    prefix = "".join(ch for ch in provider_name.upper() if ch.isalpha())[:3] or "TT"
    return prefix + digits[:12]


def _split(order: Order, unit_ids: Sequence[str], new_package_id: Callable[[], str]) -> int:
    """The package holding exactly these units: an existing one, or a new one they move to."""
    units = [u for u in order.units if u.id in unit_ids]
    packages = {u.package for u in units}
    if len(packages) == 1:
        package = packages.pop()
        if {u.id for u in order.units if u.package == package} == set(unit_ids):
            return package
    order.package_ids.append(new_package_id())
    package = len(order.package_ids) - 1
    for unit in units:
        unit.package = package
    return package


def _units(order: Order, unit_ids: Sequence[str]) -> list[Unit]:
    known = {u.id: u for u in order.units}
    unknown = [i for i in unit_ids if i not in known]
    if unknown:
        raise FulfilmentError(INVALID_PARAMETERS, f"order_line_item_ids {unknown} are not in the order.")
    if any(known[i].package in order.shipments for i in unit_ids):
        raise FulfilmentError(ITEMS_ALREADY_SHIPPED)
    return [known[i] for i in unit_ids]


def _unshipped(order: Order) -> list[str]:
    return [u.id for u in order.units if u.package not in order.shipments]


# ---- the APIs ------------------------------------------------------------------------------------

def ship_package(shop: Shop, package_id: str, body: Mapping[str, Any], now: int, rng: random.Random) -> dict[str, Any]:
    """Ship Package: TikTok's carrier is booked (handover_method), or the seller's own tracking number is uploaded
    (self_shipment) for seller-shipped packages."""
    order, package = find_package(shop, package_id)
    handover = _text(body, "handover_method")
    if handover and handover not in HANDOVER_METHODS:
        raise FulfilmentError(INVALID_PARAMETERS, "handover_method must be PICKUP or DROP_OFF.")
    slot = body.get("pickup_slot")
    if slot is not None and not isinstance(slot, dict):
        raise FulfilmentError(INVALID_PARAMETERS, "pickup_slot must be an object.")
    self_shipment = body.get("self_shipment")
    if self_shipment is not None and not isinstance(self_shipment, dict):
        raise FulfilmentError(INVALID_PARAMETERS, "self_shipment must be an object.")
    _check_open(order, package)
    if self_shipment is not None:
        if order.shipping_type != "SELLER":
            raise FulfilmentError(NOT_SHIPPED_BY_SELLER)
        tracking = _tracking_number(_text(self_shipment, "tracking_number"))
        carrier = _seller_provider(shop, _text(self_shipment, "shipping_provider_id"))
        order.shipments[package] = PackageShipment(tracking, carrier["id"], carrier["name"], True, now)
    else:
        if order.shipping_type == "SELLER":
            # "For package with SEND_BY_SELLER as delivery_option ... you must input a tracking_number."
            raise FulfilmentError(INVALID_PARAMETERS, "self_shipment is required for packages shipped by the seller.")
        provider_id_, provider_name = order.provider
        order.shipments[package] = PackageShipment(_carrier_tracking(provider_name, rng), provider_id_,
                                                   provider_name, False, now, handover or "DROP_OFF")
    _after_shipping(order, now, rng)
    return {}


def _seller_provider(shop: Shop, given: str) -> dict[str, str]:
    if not given:
        raise FulfilmentError(INVALID_PARAMETERS, "shipping_provider_id is required.")
    found = next((p for p in seller_providers(shop) if p["id"] == given), None)
    if found is None:
        raise FulfilmentError(BAD_TRACKING_OR_PROVIDER)
    return found


def mark_package_shipped(shop: Shop, order_id: str, body: Mapping[str, Any], now: int, rng: random.Random,
                         new_package_id: Callable[[], str]) -> dict[str, Any]:
    """Mark Package As Shipped: the seller's own carrier took these line items (all unshipped ones when none are
    named); they become one package."""
    if shop.region.code not in MARK_SHIPPED_MARKETS:
        raise FulfilmentError(NOT_IN_REGION)
    order = _order(shop, order_id)
    unit_ids = _ids(body, "order_line_item_ids")
    tracking = _tracking_number(_text(body, "tracking_number"))
    carrier = _seller_provider(shop, _text(body, "shipping_provider_id"))
    if order.shipping_type != "SELLER":
        raise FulfilmentError(NOT_SHIPPED_BY_SELLER)
    if order.status == "CANCELLED":
        raise FulfilmentError(ORDER_CANCELLED)
    if order.status not in ("AWAITING_SHIPMENT", "PARTIALLY_SHIPPING"):
        raise FulfilmentError(ALREADY_SHIPPED_ORDER if order.rts_time is not None else NOT_AWAITING_SHIPMENT)
    units = _units(order, unit_ids or _unshipped(order))
    if not units:
        raise FulfilmentError(ALREADY_SHIPPED_ORDER)
    package = _split(order, [u.id for u in units], new_package_id)
    order.shipments[package] = PackageShipment(tracking, carrier["id"], carrier["name"], True, now)
    _after_shipping(order, now, rng)
    return {"order_id": order.id, "order_line_item_ids": [u.id for u in units],
            "package_id": order.package_ids[package]}


def get_shipping_providers(shop: Shop, delivery_option_id: str) -> dict[str, Any]:
    """Get Shipping Providers of one of the shop's delivery options."""
    if delivery_option_id == DELIVERY_OPTIONS["TIKTOK"][0]:
        raise FulfilmentError(FULFILLED_BY_TIKTOK)
    if delivery_option_id != DELIVERY_OPTIONS["SELLER"][0]:
        raise FulfilmentError(NO_SUBSCRIPTION)
    return {"shipping_providers": seller_providers(shop)}


def _parcel(body: Mapping[str, Any]) -> tuple[Decimal, dict[str, str] | None, dict[str, str] | None]:
    """(weight in pounds for pricing, the weight and the dimension as sent) of a label request."""
    weight, dimension = body.get("weight"), body.get("dimension")
    pounds = Decimal(1)
    if weight is not None:
        if not isinstance(weight, dict) or weight.get("unit") not in ("GRAM", "POUND"):
            raise FulfilmentError(INVALID_PARAMETERS, "weight needs value and unit GRAM or POUND.")
        try:
            value = Decimal(str(weight.get("value")))
        except ArithmeticError:
            raise FulfilmentError(INVALID_PARAMETERS, "weight.value must be a number.") from None
        if not value.is_finite() or value <= 0:
            raise FulfilmentError(INVALID_PARAMETERS, "weight.value must be positive.")
        pounds = value if weight["unit"] == "POUND" else value / Decimal("453.6")
    # "The length, width, and height must be passed together."
    if dimension is not None and (not isinstance(dimension, dict) or dimension.get("unit") not in ("CM", "INCH")
                                  or not all(isinstance(dimension.get(k), str) and dimension[k]
                                             for k in ("length", "width", "height"))):
        raise FulfilmentError(INVALID_PARAMETERS, "dimension needs length, width, height and unit CM or INCH.")
    return pounds, weight, dimension


def _services(pounds: Decimal) -> list[dict[str, Any]]:
    extra = max(Decimal(0), pounds - 1).quantize(Decimal(1), rounding="ROUND_CEILING") * Decimal("0.90")
    return [{"id": provider_id(f"service:{name}"), "name": name, "price": str(price + extra), "currency": "USD",
             "earliest_delivery_days": low, "latest_delivery_days": high, "is_default": index == 0,
             "shipping_provider_name": carrier, "shipping_provider_id": provider_id(carrier)}
            for index, (name, carrier, price, low, high) in enumerate(US_SERVICES)]


def eligible_services(shop: Shop, order_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Get Eligible Shipping Service (US): the labels TikTok Shipping sells for these line items."""
    if shop.region.code not in LABEL_PURCHASE_MARKETS:
        raise FulfilmentError(NOT_IN_REGION)
    order = _order(shop, order_id)
    _check_open(order)
    unit_ids = _ids(body, "order_line_item_ids") or _unshipped(order)
    _units(order, unit_ids)
    pounds, weight, dimension = _parcel(body)
    answer: dict[str, Any] = {"order_id": order.id, "order_line_id": unit_ids, "shipping_services": _services(pounds)}
    if weight is not None:
        answer["weight"] = weight
    if dimension is not None:
        answer["dimension"] = dimension
    return answer


def create_packages(shop: Shop, body: Mapping[str, Any], now: int, rng: random.Random,
                    new_package_id: Callable[[], str]) -> dict[str, Any]:
    """Create Packages (US): buys a TikTok Shipping label for these line items; the package then waits for the
    carrier like any TikTok-shipped one."""
    if shop.region.code not in LABEL_PURCHASE_MARKETS:
        raise FulfilmentError(NOT_IN_REGION)
    order_id = _text(body, "order_id")
    if not order_id:
        raise FulfilmentError(INVALID_PARAMETERS, "order_id is required.")
    order = _order(shop, order_id)
    _check_open(order)
    requested = _ids(body, "order_line_item_ids")
    if requested and any(u.package in order.shipments for u in order.units if u.id in requested):
        raise FulfilmentError(LABEL_ALREADY_BOUGHT)
    unit_ids = requested or _unshipped(order)
    if not unit_ids:
        raise FulfilmentError(LABEL_ALREADY_BOUGHT)
    _units(order, unit_ids)
    pounds, weight, dimension = _parcel(body)
    services = _services(pounds)
    wanted = _text(body, "shipping_service_id")
    service = next((s for s in services if s["id"] == wanted), None) if wanted else services[0]
    if service is None:
        raise FulfilmentError(SERVICE_NOT_FOUND)
    package = _split(order, unit_ids, new_package_id)
    order.shipments[package] = PackageShipment(
        _carrier_tracking(service["shipping_provider_name"], rng), service["shipping_provider_id"],
        service["shipping_provider_name"], False, now, "DROP_OFF", service["name"])
    _after_shipping(order, now, rng)
    answer: dict[str, Any] = {
        "order_id": order.id, "order_line_item_ids": unit_ids, "package_id": order.package_ids[package],
        "shipping_service_info": {k: service[k] for k in ("id", "name", "price", "currency", "earliest_delivery_days",
                                                           "latest_delivery_days", "shipping_provider_id",
                                                           "shipping_provider_name")},
        "create_time": now,
    }
    if weight is not None:
        answer["weight"] = weight
    if dimension is not None:
        answer["dimension"] = dimension
    return answer


@dataclass(frozen=True)
class DocumentRequest:
    order: Order
    package: int
    document_type: str
    size: str


def shipping_document(shop: Shop, package_id: str, query: Mapping[str, str]) -> DocumentRequest:
    """Get Package Shipping Document: which document of which package (the caller signs its URL)."""
    document_type = query.get("document_type", "")
    if document_type not in DOCUMENT_TYPES:
        raise FulfilmentError(INVALID_PARAMETERS, "document_type is invalid.")
    size = query.get("document_size") or "A6"
    if size not in DOCUMENT_SIZES:
        raise FulfilmentError(INVALID_PARAMETERS, "document_size must be A6 or A5.")
    document_format = query.get("document_format") or "PDF"
    # "ZPL (Only for BR market)".
    if document_format != "PDF":
        raise FulfilmentError(INVALID_PARAMETERS, "document_format must be PDF in this market.")
    order, package = find_package(shop, package_id)
    if order.status == "CANCELLED":
        raise FulfilmentError(PACKAGE_CANCELLED)
    shipment = order.shipments.get(package)
    if shipment is None:
        if order.shipping_type == "SELLER":
            raise FulfilmentError(SELLER_SHIPPING_DOCUMENT)
        raise FulfilmentError(ARRANGE_FIRST)
    if shipment.by_seller:
        raise FulfilmentError(SELLER_SHIPPING_DOCUMENT)
    if package < order.collected_packages or order.status in ("IN_TRANSIT", "DELIVERED", "COMPLETED"):
        raise FulfilmentError(PICKED_UP)
    return DocumentRequest(order, package, document_type, size)


def document_pages(shop: Shop, order: Order, package: int,
                   document_type: str) -> list[CarrierLabel | PackingSlip]:
    """The pages of a package's shipping document: TikTok's label and/or the packing slip."""
    shipment = order.shipments[package]
    r = order.recipient
    items: dict[str, int] = {}
    for unit in order.units:
        if unit.package == package:
            name = unit.sku.seller_sku or unit.sku.product_name
            items[name] = items.get(name, 0) + 1
    pages: list[CarrierLabel | PackingSlip] = []
    if document_type in LABEL_DOCUMENTS:
        pages.append(CarrierLabel(
            carrier=shipment.provider_name[:30], platform="TikTok Shop", tracking_number=shipment.tracking_number,
            order_number=order.id, package_number=order.package_ids[package],
            sender=(f"{shop.name}, {shop.region.country}",),
            recipient=(r.name, f"{r.street} {r.unit}", f"{r.city} {r.postal_code}",
                       f"{r.state}, {order.region.country}"),
            grouped_number=False))
    if document_type in SLIP_DOCUMENTS:
        pages.append(PackingSlip(reference=f"Order {order.id}  Package {order.package_ids[package]}",
                                 lines=tuple(f"{units} x {name[:60]}" for name, units in items.items())))
    return pages


def tracking(shop: Shop, order_id: str) -> dict[str, Any]:
    """Get Tracking: the order's logistics events, newest first."""
    order = _order(shop, order_id)
    events: list[tuple[int, str]] = []
    by_seller = any(s.by_seller for s in order.shipments.values())
    if order.rts_time is not None:
        events.append((order.rts_time, "The seller has shipped your package." if by_seller else
                       "Shipping label created. The package is awaiting carrier pickup."))
    if order.collection_time is not None and not by_seller:
        events.append((order.collection_time, "Package picked up by the carrier."))
    if order.collection_time is not None:
        events.append((order.collection_time + 1, "Package is in transit to the destination."))
    if order.delivery_time is not None:
        events.append((order.delivery_time, "Your package was delivered!"))
    # Newest first; events of one instant keep the order they happened in, reversed.
    newest_first = sorted(enumerate(events), key=lambda pair: (pair[1][0], pair[0]), reverse=True)
    return {"tracking": [{"description": text, "update_time_millis": at * 1000} for _, (at, text) in newest_first]}
