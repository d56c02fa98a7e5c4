"""Buy Shipping of the emulator (Merchant Fulfillment API v0, merchantFulfillmentV0.json): the carriers' offers for a
seller-fulfilled order, the label Amazon buys for the seller, and its refund.

Field names, enums, length limits and the label's wire form (Label.FileContents.Contents: Base64 of the GZip of the
document; Checksum: Base64 of its MD5) follow the model; the carriers, their services and prices per marketplace are
assumptions, each named below. Buying a label confirms the shipment on the order, as Buy Shipping does ("After a label
refund is requested by calling the cancelShipment operation, the order status of the order remains Shipped").
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.emulators._common.carrier_labels import CarrierLabel, render_label
from crossdock.emulators.amazon.marketplaces import Marketplace
from crossdock.emulators.amazon.world import Order, ShippedPackage, iso

DELIVERY_EXPERIENCES = ("DeliveryConfirmationWithAdultSignature", "DeliveryConfirmationWithSignature",
                        "DeliveryConfirmationWithoutSignature", "NoTracking")
PICKUP_OPTIONS = ("CarrierWillPickUp", "ShipperWillDropOff", "NoPreference")
LABEL_FORMATS = ("PDF", "PNG", "ZPL203", "ZPL300", "ShippingServiceDefault")
HAZMAT_TYPES = ("None", "LQHazmat")
UNITS_OF_LENGTH = ("inches", "centimeters")
UNITS_OF_WEIGHT = ("oz", "g")
SHIPMENT_STATUSES = ("Purchased", "RefundPending", "RefundRejected", "RefundApplied")
SHIPPABLE = frozenset({"Unshipped", "PartiallyShipped"})
# Address maxLength constraints of the model; Address requires these members.
ADDRESS_LIMITS = {"Name": 30, "AddressLine1": 180, "AddressLine2": 60, "AddressLine3": 60, "City": 30,
                  "StateOrProvinceCode": 30, "PostalCode": 30, "Phone": 30}
ADDRESS_REQUIRED = ("Name", "AddressLine1", "City", "PostalCode", "CountryCode", "Email", "Phone")
SHIPMENT_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Assumption: an offer stays good for an hour; a label can be refunded for a day after it was bought, and the carrier
# answers a refund request a day later.
OFFER_TTL = timedelta(hours=1)
CANCEL_WINDOW = timedelta(hours=24)
REFUND_TIME = timedelta(days=1)
# What the emulator renders: PDF. Its services offer no other format (AvailableLabelFormats says so).
OFFERED_FORMATS = ["PDF", "ShippingServiceDefault"]
_OZ = Decimal("28.349523125")
_INCH = Decimal("2.54")
_CENT = Decimal("0.01")


class MfnInvalid(Exception):
    """A request Amazon answers 400 InvalidInput (model wording: "1 validation error detected: ...")."""


def _constraint(value: Any, where: str, rule: str) -> MfnInvalid:
    shown = "null" if value is None else f"'{value}'"
    return MfnInvalid(f"1 validation error detected: Value {shown} at '{where}' failed to satisfy constraint: {rule}")


@dataclass(frozen=True)
class Service:
    """Assumption: a carrier's service as Buy Shipping offers it in a marketplace (prices in EUR, VAT-inclusive)."""

    service_id: str
    name: str
    carrier: str
    base_eur: Decimal
    per_kg_eur: Decimal
    max_grams: int
    transit_days: tuple[int, int]
    pickup: bool = False          # "Scheduled carrier pickup is available only using Dynamex (US), DPD (UK), and
    tracking: str = "digits20"    # Royal Mail (UK)."


SERVICES: dict[str, tuple[Service, ...]] = {
    "DE": (Service("DHL_PAKET", "DHL Paket", "DHL", Decimal("4.99"), Decimal(0), 31_500, (1, 2)),
           Service("DPD_CLASSIC", "DPD Classic", "DPD", Decimal("4.49"), Decimal("0.30"), 31_500, (1, 3), False,
                   "digits14"),
           Service("GLS_BUSINESS_PARCEL", "GLS BusinessParcel", "GLS", Decimal("4.20"), Decimal("0.25"), 40_000,
                   (1, 3), False, "digits11")),
    "GB": (Service("ROYAL_MAIL_TRACKED_48", "Royal Mail Tracked 48", "Royal Mail", Decimal("3.90"), Decimal(0),
                   20_000, (2, 3), True, "royalmail"),
           Service("DPD_UK_NEXT_DAY", "DPD Next Day", "DPD UK", Decimal("7.10"), Decimal(0), 30_000, (1, 1), True,
                   "digits14")),
    "FR": (Service("COLISSIMO_DOMICILE", "Colissimo Domicile sans signature", "Colissimo", Decimal("5.25"),
                   Decimal("0.40"), 30_000, (2, 3), False, "colissimo"),
           Service("CHRONOPOST_13", "Chronopost 13", "Chronopost", Decimal("9.80"), Decimal("0.50"), 30_000, (1, 1),
                   False, "digits14")),
}


def services_for(marketplace: Marketplace) -> tuple[Service, ...]:
    # Assumption: marketplaces without their own list are served by DHL, DPD and GLS as in Germany.
    return SERVICES.get(marketplace.country, SERVICES["DE"])


def grams(weight: dict[str, Any]) -> Decimal:
    value = Decimal(str(weight["Value"]))
    return value * _OZ if weight["Unit"] == "oz" else value


def rate(service: Service, marketplace: Marketplace, weight_grams: Decimal) -> Decimal:
    kilos = max(Decimal(1), (weight_grams / 1000).to_integral_value(rounding=ROUND_CEILING))
    eur = service.base_eur + service.per_kg_eur * (kilos - 1)
    return (eur * marketplace.eur_rate).quantize(_CENT, rounding=ROUND_HALF_UP)


def tracking_number(style: str, rng: random.Random) -> str:
    digits = "0123456789"
    if style == "royalmail":
        return "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ", k=2)) + "".join(rng.choices(digits, k=9)) + "GB"
    if style == "colissimo":
        return "6A" + "".join(rng.choices(digits, k=11))
    length = {"digits14": 14, "digits11": 11}.get(style, 20)
    return "".join(rng.choices(digits, k=length))


# ---- request validation ------------------------------------------------------------------------------------------

def _object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        raise _constraint(None, where, "Member must not be null")
    if not isinstance(value, dict):
        raise _constraint(value, where, "Member must be an object")
    return value


def _number(value: Any, where: str) -> Decimal:
    if value is None:
        raise _constraint(None, where, "Member must not be null")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _constraint(value, where, "Member must be a number")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise _constraint(value, where, "Member must be a number") from None
    if not number.is_finite() or number <= 0:
        raise _constraint(value, where, "Member must be greater than 0")
    return number


def _enum(value: Any, where: str, allowed: tuple[str, ...]) -> str:
    if value is None:
        raise _constraint(None, where, "Member must not be null")
    if value not in allowed:
        raise _constraint(value, where, f"Member must satisfy enum value set: [{', '.join(allowed)}]")
    return str(value)


def check_address(value: Any, where: str) -> dict[str, str]:
    address = _object(value, where)
    for name in ADDRESS_REQUIRED:
        text = address.get(name)
        if not isinstance(text, str) or not text.strip():
            raise _constraint(text, f"{where}.{name[0].lower()}{name[1:]}", "Member must not be null")
    for name, limit in ADDRESS_LIMITS.items():
        text = address.get(name)
        if isinstance(text, str) and len(text) > limit:
            raise _constraint(text, f"{where}.{name[0].lower()}{name[1:]}",
                              f"Member must have length less than or equal to {limit}")
    if len(address["CountryCode"]) > 2:
        raise _constraint(address["CountryCode"], f"{where}.countryCode",
                          "Member must have length less than or equal to 2")
    return {k: str(v) for k, v in address.items() if isinstance(v, str)}


@dataclass(frozen=True)
class Request:
    """A validated ShipmentRequestDetails."""

    order: Order
    items: dict[str, int]              # OrderItemId -> quantity
    ship_from: dict[str, str]
    dimensions: dict[str, Any]
    weight: dict[str, Any]
    options: dict[str, Any]
    weight_grams: Decimal
    pickup: bool


def check_details(value: Any, orders: dict[str, Any], where: str = "shipmentRequestDetails") -> Request:
    details = _object(value, where)
    order_id = details.get("AmazonOrderId")
    if not isinstance(order_id, str) or not re.fullmatch(r"[0-9A-Z]{3}-[0-9]{7}-[0-9]{7}", order_id):
        raise _constraint(order_id, f"{where}.amazonOrderId",
                          "Member must satisfy regular expression pattern: [0-9A-Z]{3}-[0-9]{7}-[0-9]{7}")
    order = orders.get(order_id)
    if not isinstance(order, Order):
        raise LookupError(order_id)
    items = details.get("ItemList")
    if not isinstance(items, list) or not items:
        raise _constraint(None, f"{where}.itemList", "Member must not be null")
    quantities: dict[str, int] = {}
    for n, entry in enumerate(items):
        entry = _object(entry, f"{where}.itemList.{n + 1}.member")
        item_id, quantity = entry.get("OrderItemId"), entry.get("Quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise _constraint(quantity, f"{where}.itemList.{n + 1}.member.quantity",
                              "Member must be greater than or equal to 1")
        quantities[str(item_id)] = quantities.get(str(item_id), 0) + quantity
    ship_from = check_address(details.get("ShipFromAddress"), f"{where}.shipFromAddress")
    dimensions = _object(details.get("PackageDimensions"), f"{where}.packageDimensions")
    if "PredefinedPackageDimensions" not in dimensions:
        for name in ("Length", "Width", "Height"):
            _number(dimensions.get(name), f"{where}.packageDimensions.{name.lower()}")
        _enum(dimensions.get("Unit"), f"{where}.packageDimensions.unit", UNITS_OF_LENGTH)
    weight = _object(details.get("Weight"), f"{where}.weight")
    _number(weight.get("Value"), f"{where}.weight.value")
    _enum(weight.get("Unit"), f"{where}.weight.unit", UNITS_OF_WEIGHT)
    options = _object(details.get("ShippingServiceOptions"), f"{where}.shippingServiceOptions")
    _enum(options.get("DeliveryExperience"), f"{where}.shippingServiceOptions.deliveryExperience",
          DELIVERY_EXPERIENCES)
    pickup = options.get("CarrierWillPickUp")
    if not isinstance(pickup, bool):
        raise _constraint(pickup, f"{where}.shippingServiceOptions.carrierWillPickUp", "Member must not be null")
    if options.get("CarrierWillPickUpOption") is not None:
        choice = _enum(options["CarrierWillPickUpOption"], f"{where}.shippingServiceOptions.carrierWillPickUpOption",
                       PICKUP_OPTIONS)
        pickup = pickup or choice == "CarrierWillPickUp"
    if options.get("LabelFormat") not in (None, ""):
        _enum(options["LabelFormat"], f"{where}.shippingServiceOptions.labelFormat", LABEL_FORMATS)
    return Request(order, quantities, ship_from, dimensions, weight, options, grams(weight), pickup)


def order_refusal(request: Request) -> str:
    """Why Amazon will not ship these items of the order ("" when it will)."""
    order = request.order
    if order.channel != "MFN":
        return f"Order {order.amazon_order_id} is fulfilled by Amazon."
    if order.status not in SHIPPABLE:
        return f"Order {order.amazon_order_id} is {order.status}: only Unshipped or PartiallyShipped orders can ship."
    left = {i.order_item_id: i.quantity - i.shipped for i in order.items}
    for item_id, quantity in request.items.items():
        if item_id not in left:
            return f"OrderItemId {item_id} is not an item of order {order.amazon_order_id}."
        if quantity > left[item_id]:
            return f"The quantity for OrderItemId {item_id} exceeds the quantity left to ship ({left[item_id]})."
    return ""


# ---- offers -------------------------------------------------------------------------------------------------------

def offer_id(key: bytes, service: Service, order_id: str, amount: Decimal, now: datetime) -> str:
    """An opaque offer: which service, for which order, at which price, until when; signed so it cannot be forged."""
    body = json.dumps({"s": service.service_id, "o": order_id, "r": str(amount), "t": iso(now + OFFER_TTL)},
                      separators=(",", ":")).encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()[:16]
    return base64.b64encode(body + mac).decode()


def read_offer(key: bytes, token: str) -> dict[str, str] | None:
    try:
        raw = base64.b64decode(token.encode(), validate=True)
    except ValueError:
        return None
    body, mac = raw[:-16], raw[-16:]
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()[:16]):
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def service_payload(service: Service, marketplace: Marketplace, request: Request, now: datetime, key: bytes,
                    *, with_offer: bool = True) -> dict[str, Any]:
    amount = rate(service, marketplace, request.weight_grams)
    earliest, latest = service.transit_days
    ship_date = now.replace(microsecond=0)
    payload: dict[str, Any] = {
        "ShippingServiceName": service.name, "CarrierName": service.carrier, "ShippingServiceId": service.service_id,
        "ShippingServiceOfferId": offer_id(key, service, request.order.amazon_order_id, amount, now)
        if with_offer else "",
        "ShipDate": iso(ship_date), "EarliestEstimatedDeliveryDate": iso(ship_date + timedelta(days=earliest)),
        "LatestEstimatedDeliveryDate": iso(ship_date + timedelta(days=latest)),
        "Rate": {"CurrencyCode": marketplace.currency, "Amount": float(amount)},
        "ShippingServiceOptions": {"DeliveryExperience": request.options["DeliveryExperience"],
                                   "CarrierWillPickUp": request.pickup, "LabelFormat": ""},
        "AvailableLabelFormats": list(OFFERED_FORMATS),
        "AvailableFormatOptionsForLabel": [{"LabelFormat": f} for f in OFFERED_FORMATS],
        "RequiresAdditionalSellerInputs": False,
    }
    return payload


def eligible(request: Request, marketplace: Marketplace) -> tuple[list[Service], list[dict[str, str]]]:
    """The services that can carry the parcel, and those that cannot with the reason."""
    fit: list[Service] = []
    rejected: list[dict[str, str]] = []
    for service in services_for(marketplace):
        # Assumption: the rejection codes and messages.
        if request.weight_grams > service.max_grams:
            rejected.append({"CarrierName": service.carrier, "ShippingServiceName": service.name,
                             "ShippingServiceId": service.service_id, "RejectionReasonCode": "WEIGHT_OVER_LIMIT",
                             "RejectionReasonMessage": f"The package is heavier than {service.max_grams // 1000} kg."})
        elif request.pickup and not service.pickup:
            rejected.append({"CarrierName": service.carrier, "ShippingServiceName": service.name,
                             "ShippingServiceId": service.service_id, "RejectionReasonCode": "PICKUP_NOT_AVAILABLE",
                             "RejectionReasonMessage": "The carrier does not pick up parcels for this service."})
        else:
            fit.append(service)
    fit.sort(key=lambda s: rate(s, marketplace, request.weight_grams))
    return fit, rejected


# ---- shipments ----------------------------------------------------------------------------------------------------

@dataclass
class MfnShipment:
    shipment_id: str
    seller_id: str
    order_id: str
    items: dict[str, int]
    ship_from: dict[str, str]
    ship_to: dict[str, str]
    dimensions: dict[str, Any]
    weight: dict[str, Any]
    service: dict[str, Any]
    label: dict[str, Any]
    tracking_id: str
    insurance: dict[str, Any]
    created: datetime
    status: str = "Purchased"
    updated: datetime | None = None
    refund_requested: datetime | None = None
    refund_outcome: str = ""          # RefundApplied or RefundRejected, once the carrier answers
    extra: dict[str, Any] = field(default_factory=dict)

    def current_status(self, now: datetime) -> str:
        if self.refund_requested is not None and now >= self.refund_requested + REFUND_TIME:
            return self.refund_outcome
        return self.status

    def payload(self, now: datetime, *, restricted: bool = True) -> dict[str, Any]:
        status = self.current_status(now)
        refunded = status != "Purchased"
        body: dict[str, Any] = {
            "ShipmentId": self.shipment_id, "AmazonOrderId": self.order_id,
            "Insurance": dict(self.insurance),
            "ItemList": [{"OrderItemId": k, "Quantity": v} for k, v in self.items.items()],
            "ShipFromAddress": dict(self.ship_from), "ShipToAddress": dict(self.ship_to),
            "PackageDimensions": dict(self.dimensions), "Weight": dict(self.weight),
            "ShippingService": dict(self.service),
            # "If the shipment is canceled, an empty Label is returned."
            "Label": {"Dimensions": {}, "FileContents": {"Contents": "", "FileType": "", "Checksum": ""}}
            if refunded else dict(self.label),
            "Status": status, "TrackingId": self.tracking_id, "CreatedDate": iso(self.created),
        }
        last = self.refund_requested + REFUND_TIME if self.refund_requested and now >= (
            self.refund_requested + REFUND_TIME) else self.updated
        if last is not None:
            body["LastUpdatedDate"] = iso(last)
        return body


def ship_to(order: Order) -> dict[str, str]:
    buyer, place = order.buyer, order.buyer.place
    address = {"Name": buyer.name[:30], "AddressLine1": buyer.street, "Email": buyer.email, "City": place.city,
               "PostalCode": place.postcode, "CountryCode": order.marketplace.country, "Phone": buyer.phone}
    if place.state:
        address["StateOrProvinceCode"] = place.state
    return address


def label_document(request: Request, service: Service, tracking: str, now: datetime) -> dict[str, Any]:
    """The Label object: the PDF drawn as the carrier prints it, gzipped and Base64-encoded, with its MD5."""
    order, sender = request.order, request.ship_from
    to = ship_to(order)
    pdf = render_label(CarrierLabel(
        carrier=service.carrier, tracking_number=tracking, product=service.name, platform="Amazon Buy Shipping",
        recipient=(to["Name"], to["AddressLine1"], f"{to['PostalCode']} {to['City']}", to["CountryCode"]),
        sender=(sender["Name"], sender["AddressLine1"], f"{sender['PostalCode']} {sender['City']}",
                sender["CountryCode"]),
        weight_grams=int(request.weight_grams), created_at=now, order_number=order.amazon_order_id,
        notes=tuple(f"{q} x {next(i.product.sku for i in order.items if i.order_item_id == k)}"
                    for k, q in request.items.items())))
    return {"Dimensions": {"Length": 6.0, "Width": 4.0, "Unit": "inches"},     # 4 x 6 in thermal stock
            "FileContents": {"Contents": base64.b64encode(gzip.compress(pdf, mtime=0)).decode(),
                             "FileType": "application/pdf",
                             "Checksum": base64.b64encode(hashlib.md5(pdf).digest()).decode()},
            "LabelFormat": "PDF"}


def buy(request: Request, service: Service, marketplace: Marketplace, seller_id: str, now: datetime,
        rng: random.Random, key: bytes) -> MfnShipment:
    """The label bought: the shipment, and the order confirmed shipped with the label's carrier and tracking."""
    order = request.order
    tracking = tracking_number(service.tracking, rng)
    value = sum(((i.unit_price - i.promotion) * request.items.get(i.order_item_id, 0) for i in order.items),
                Decimal(0))
    shipment = MfnShipment(
        shipment_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), seller_id=seller_id,
        order_id=order.amazon_order_id, items=dict(request.items), ship_from=request.ship_from, ship_to=ship_to(order),
        dimensions=request.dimensions, weight=request.weight,
        service=service_payload(service, marketplace, request, now, key, with_offer=False),
        label=label_document(request, service, tracking, now), tracking_id=tracking,
        # Assumption: insured for the items' value up to a 500 minimum cover of the carrier.
        insurance={"CurrencyCode": marketplace.currency, "Amount": float(min(value, Decimal(500)))}, created=now)
    for item in order.items:
        item.shipped += request.items.get(item.order_item_id, 0)
    order.packages[f"MFN-{shipment.shipment_id}"] = ShippedPackage(
        service.carrier, "", service.name, tracking, now, dict(request.items), now)
    order.status = "Shipped" if all(i.shipped >= i.quantity for i in order.items) else "PartiallyShipped"
    order.last_update = now
    order.pending.clear()
    return shipment


def cancel(shipment: MfnShipment, now: datetime) -> None:
    """Ask the carrier for the label's refund; it answers a day later (rejected past the cancellation window)."""
    if shipment.refund_requested is not None:
        raise MfnInvalid(f"Shipment {shipment.shipment_id} has already been canceled.")   # assumption: wording
    shipment.refund_requested, shipment.status, shipment.updated = now, "RefundPending", now
    shipment.refund_outcome = "RefundApplied" if now <= shipment.created + CANCEL_WINDOW else "RefundRejected"
