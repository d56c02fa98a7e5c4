"""Pure translation between our carrier port and DHL's wire shapes: the Parcel DE Shipping v2 order body, its
answers, and the Shipment Tracking - Unified API's shipments and events.

Field names and limits follow the Parcel DE Shipping API v2 OpenAPI description (v2.1.14: ShipmentOrderRequest,
Shipment, ContactAddress, Locker, PostOffice, CustomsDetails, Commodity, LabelDataResponse) and the Shipment
Tracking - Unified API description (v1.3.1: supermodelIoLogisticsTrackingShipment / ...ShipmentEvent).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crossdock.carriers._common import exact_json, iso_to_utc
from crossdock.carriers.dhl.countries import UnknownCountry, alpha2, alpha3, needs_customs
from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus
from crossdock.domain.orders.model import Address
from crossdock.ports.carrier import CustomsLine, ShipmentRequest

DEFAULT_PROFILE = "STANDARD_GRUPPENPROFIL"
# Parcel DE timestamps without an offset are German local time (the service's home).
_PARCEL_DE_ZONE = ZoneInfo("Europe/Berlin")
_PRODUCT = re.compile(r"^V(\d{2})[A-Z]+$")
# ContactAddress / Shipper limits
_NAME_MAX, _STREET_MAX, _CITY_MAX, _EXTRA_MAX, _PHONE_MAX, _EMAIL_MAX = 50, 50, 40, 60, 20, 80
_DESCRIPTION_MAX = 256
_REF_MIN, _REF_MAX = 8, 35


def procedure(product: str) -> str:
    """The two digits of the billing number that name the product: "01" for V01PAK, "53" for V53WPAK.

    Shipment.billingNumber: "Digit 11 and digit 12 must correspondent to the number of the product"."""
    match = _PRODUCT.match(product)
    if match is None:
        raise Fatal(f"DHL product code {product!r} is not of the V<2 digits><letters> form (V01PAK, V53WPAK…)",
                    code="product")
    return match.group(1)


def billing_number(ekp: str, product: str, participation: str) -> str:
    """EKP (10) + procedure (2) + participation (2): the 14-character contract number a shipment is booked on."""
    return f"{ekp}{procedure(product)}{participation}"


# ---- the order body ---------------------------------------------------------------------------------------------

def order_body(request: ShipmentRequest, *, billing: str, profile: str = DEFAULT_PROFILE,
               ship_date: str = "") -> dict[str, Any]:
    """POST /orders body for one shipment; Fatal when our data cannot be said in DHL's terms at all."""
    try:
        shipment: dict[str, Any] = {
            "product": request.service,
            "billingNumber": billing,
            "shipper": _shipper(request.shipper),
            "consignee": _consignee(request),
            "details": _details(request),
        }
    except UnknownCountry as exc:
        raise Fatal(str(exc), code="country") from exc
    if request.reference:
        # refNo is 8..35 characters; it is printed on the label and searchable only when >= 8 (API note).
        shipment["refNo"] = request.reference[:_REF_MAX].ljust(_REF_MIN, "-")
    if ship_date:
        shipment["shipDate"] = ship_date
    if needs_customs(request.recipient.country):
        shipment["customs"] = _customs(request)
    return {"profile": profile, "shipments": [shipment]}


def _names(name: str) -> dict[str, str]:
    """name1 holds 50 characters; the rest goes to name2 rather than being cut off the label."""
    name = " ".join(name.split())
    if len(name) <= _NAME_MAX:
        return {"name1": name}
    # break between words where one ends before the limit, so no word is split across the two lines
    cut = name.rfind(" ", 0, _NAME_MAX + 1)
    cut = cut if cut > 0 else _NAME_MAX
    return {"name1": name[:cut].strip(), "name2": name[cut:].strip()[:_NAME_MAX]}


def _street(address: Address) -> str:
    """Street and house number in one field, as the API recommends ("addressStreet ... can also include house
    number"); "" when the address has none, so DHL's own refusal names the missing street."""
    if address.line1.strip():
        return address.line1.strip()
    return address.full_address.strip().splitlines()[0].strip() if address.full_address.strip() else ""


def _place(address: Address) -> dict[str, str]:
    out: dict[str, str] = {}
    street = _street(address)
    if street:
        out["addressStreet"] = street[:_STREET_MAX]
        if len(street) > _STREET_MAX:
            out["additionalAddressInformation1"] = street[_STREET_MAX:_STREET_MAX + _EXTRA_MAX].strip()
    if address.postcode.strip():
        out["postalCode"] = address.postcode.strip()
    if address.city.strip():
        out["city"] = address.city.strip()[:_CITY_MAX]
    out["country"] = alpha3(address.country)
    return out


def _shipper(address: Address) -> dict[str, str]:
    return {**_names(address.name), **_place(address)}


def _consignee(request: ShipmentRequest) -> dict[str, Any]:
    recipient = request.recipient
    if request.pickup_point_id:
        return pickup_consignee(request.pickup_point_id, recipient, request.recipient_email)
    out: dict[str, Any] = {**_names(recipient.name), **_place(recipient)}
    if recipient.state.strip():
        out["state"] = recipient.state.strip()[:20]
    # ContactAddress.phone: "For shipments within Germany, the phone number cannot be transmitted."
    if recipient.phone.strip() and recipient.country.upper() != "DE":
        out["phone"] = recipient.phone.strip()[:_PHONE_MAX]
    if request.recipient_email.strip():
        out["email"] = request.recipient_email.strip()[:_EMAIL_MAX]
    return out


def pickup_consignee(point: str, recipient: Address, email: str) -> dict[str, Any]:
    """A Packstation (Locker) or post office (PostOffice) consignee from our pick-up point id.

    DHL needs the point's number and the recipient's DHL Postnummer; our id carries both:
    "packstation:<lockerID>:<postNumber>" (or just "<lockerID>:<postNumber>"), and
    "postfiliale:<retailID>[:<postNumber>]" (a post office also takes the recipient's e-mail instead)."""
    parts = [p.strip() for p in point.split(":")]
    kind = parts.pop(0).lower() if parts and not parts[0].isdigit() else "packstation"
    if kind not in {"packstation", "postfiliale", "filiale", "postoffice"} or not parts or not parts[0].isdigit():
        raise Fatal(f"pick-up point {point!r} is not 'packstation:<id>:<postnumber>' or "
                    "'postfiliale:<id>[:<postnumber>]'", code="pickup_point")
    base: dict[str, Any] = {"name": " ".join(recipient.name.split())[:_NAME_MAX],
                            "postalCode": recipient.postcode.strip(), "city": recipient.city.strip()[:_CITY_MAX],
                            "country": alpha3(recipient.country)}
    post_number = parts[1] if len(parts) > 1 else ""
    if kind == "packstation":
        if not post_number:
            raise Fatal("a Packstation delivery needs the recipient's DHL Postnummer: 'packstation:<id>:<postnumber>'",
                        code="pickup_point")
        return {**base, "lockerID": int(parts[0]), "postNumber": post_number}
    office: dict[str, Any] = {**base, "retailID": int(parts[0])}
    if post_number:
        office["postNumber"] = post_number
    if email.strip():
        office["email"] = email.strip()[:_EMAIL_MAX]
    return office


def _details(request: ShipmentRequest) -> dict[str, Any]:
    parcel = request.parcel
    details: dict[str, Any] = {"weight": {"uom": "g", "value": parcel.weight_grams}}
    # Dimensions: "If you provide the dimension information, all attributes need to be provided."
    if parcel.length_mm > 0 and parcel.width_mm > 0 and parcel.height_mm > 0:
        details["dim"] = {"uom": "mm", "length": parcel.length_mm, "width": parcel.width_mm,
                          "height": parcel.height_mm}
    return details


def _customs(request: ShipmentRequest) -> dict[str, Any]:
    currency = request.contents[0].unit_value.currency if request.contents else request.value.currency
    return {
        "exportType": "COMMERCIAL_GOODS",
        # Postal charges paid by the buyer; we do not know them per parcel, so none are declared. Their currency
        # sets the currency of the whole CN23, so it is the goods' own.
        "postalCharges": {"currency": currency, "value": Decimal(0)},
        "invoiceNo": request.reference[:35],
        "items": [_commodity(line) for line in request.contents],
    }


def _commodity(line: CustomsLine) -> dict[str, Any]:
    item: dict[str, Any] = {
        "itemDescription": line.description[:_DESCRIPTION_MAX],
        "packagedQuantity": line.quantity,
        "itemValue": {"currency": line.unit_value.currency, "value": line.unit_value.amount},
        "itemWeight": {"uom": "g", "value": line.weight_grams},
    }
    if line.hs_code.strip():
        item["hsCode"] = line.hs_code.strip()
    if line.origin_country.strip():
        item["countryOfOrigin"] = alpha3(line.origin_country)
    return item


def to_json(value: Any) -> bytes:
    """The request body as JSON with exact Decimals, whole ones without zero decimals (3.00 as 3)."""
    return exact_json(value, bare_whole_numbers=True)


# ---- answers to /orders -------------------------------------------------------------------------------------------

def status_words(status: Any) -> str:
    """A RequestStatus as one line: "Bad Request: <detail>" (title and detail are what DHL wrote)."""
    if not isinstance(status, dict):
        return ""
    title, detail = str(status.get("title") or ""), str(status.get("detail") or "")
    return f"{title}: {detail}" if title and detail else title or detail


def validation_words(item: dict[str, Any]) -> str:
    """An item's error messages in DHL's words, each with the property it names; warnings are left out."""
    messages = item.get("validationMessages")
    parts = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        if str(message.get("validationState", "Error")).lower() == "warning":
            continue
        text = str(message.get("validationMessage") or "").strip()
        prop = str(message.get("property") or "").strip()
        if text:
            parts.append(f"{prop}: {text}" if prop else text)
    return "; ".join(parts)


def refusal(body: Any) -> str:
    """Why DHL refused an /orders call: the items' validation messages, else the statuses' titles and details."""
    if not isinstance(body, dict):
        return ""
    raw = body.get("items")
    items: list[Any] = raw if isinstance(raw, list) else []
    words = [validation_words(i) or status_words(i.get("sstatus")) for i in items if isinstance(i, dict)]
    words = [w for w in words if w]
    if words:
        return "; ".join(words)
    return status_words(body.get("status")) or status_words(body)


def item_status(item: dict[str, Any]) -> int:
    status = item.get("sstatus")
    if not isinstance(status, dict):
        return 0
    code = status.get("statusCode", status.get("status"))
    return code if isinstance(code, int) and not isinstance(code, bool) else 0


def created(body: Any) -> tuple[str, bytes, str]:
    """(shipmentNo, label PDF, routingCode) of the first item of a successful /orders answer."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise BadPayload("DHL /orders answer holds no items")
    item = items[0]
    if item_status(item) != 200:
        raise Fatal(f"DHL refused the shipment: {validation_words(item) or status_words(item.get('sstatus'))}",
                    code=str(item_status(item)))
    number = item.get("shipmentNo")
    if not isinstance(number, str | int) or isinstance(number, bool) or not str(number).strip():
        raise BadPayload("DHL /orders item lacks shipmentNo")
    label = item.get("label")
    b64 = label.get("b64") if isinstance(label, dict) else None
    if not isinstance(b64, str) or not b64:
        raise BadPayload("DHL /orders item lacks label.b64 (was includeDocs=URL or docFormat=ZPL2 asked?)")
    try:
        pdf = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadPayload(f"DHL label.b64 is not base64: {exc}") from exc
    if not pdf.startswith(b"%PDF"):
        raise BadPayload("DHL label.b64 is not a PDF")
    routing = item.get("routingCode")
    return str(number).strip(), pdf, routing if isinstance(routing, str) else ""


# ---- tracking -------------------------------------------------------------------------------------------------------

# Status texts DHL writes on the last leg (parcel-de, express and ecommerce wordings, English and German).
_OUT_FOR_DELIVERY = ("delivery vehicle", "out for delivery", "with delivery courier", "zustellfahrzeug",
                     "in zustellung", "wird zugestellt")
_RETURN = ("back to the sender", "returned to the sender", "return to sender", "returned to sender",
           "returned to shipper", "returning to shipper", "zurück an den absender", "rücksendung", "retoure an")


def event_status(status_code: str, status: str = "", description: str = "") -> TrackingStatus:
    """Our state for a Unified API event.

    statusCode is one of pre-transit, transit, delivered, failure, unknown (ShipmentEvent.statusCode); the API has
    no code of its own for "out for delivery" or "returned", which only its texts tell."""
    text = f"{status} {description}".lower()
    if any(word in text for word in _RETURN):
        return TrackingStatus.RETURNED
    code = status_code.strip().lower()
    if code == "pre-transit":
        return TrackingStatus.INFO_RECEIVED
    if code == "delivered":
        return TrackingStatus.DELIVERED
    if code == "failure":
        return TrackingStatus.EXCEPTION
    if any(word in text for word in _OUT_FOR_DELIVERY):
        return TrackingStatus.OUT_FOR_DELIVERY
    # transit, unknown (DHL could not classify the scan) and codes added later: the parcel is somewhere on its way.
    return TrackingStatus.IN_TRANSIT


def parse_timestamp(value: Any) -> datetime:
    """An event timestamp as aware UTC; one without an offset is read as German time."""
    if not isinstance(value, str) or not value.strip():
        raise BadPayload(f"DHL tracking event timestamp is {value!r}")
    try:
        return iso_to_utc(value, _PARCEL_DE_ZONE)
    except ValueError as exc:
        raise BadPayload(f"DHL tracking event timestamp {value!r} is not ISO 8601") from exc


def _location(event: dict[str, Any]) -> str:
    location = event.get("location")
    address = location.get("address") if isinstance(location, dict) else None
    if not isinstance(address, dict):
        return ""
    locality = str(address.get("addressLocality") or "").strip()
    country = str(address.get("countryCode") or "").strip()
    country = alpha2(country) or country if len(country) == 3 else country
    return ", ".join(p for p in (locality, country) if p)


def tracking_event(event: Any) -> TrackingEvent:
    if not isinstance(event, dict):
        raise BadPayload("DHL tracking event is not an object")
    status_code = str(event.get("statusCode") or "unknown")
    status, description = str(event.get("status") or ""), str(event.get("description") or "")
    return TrackingEvent(at=parse_timestamp(event.get("timestamp")),
                         status=event_status(status_code, status, description),
                         code=status_code, description=description or status, location=_location(event))


def shipment_events(body: Any, tracking_number: str) -> list[TrackingEvent] | None:
    """Every event of the shipment `tracking_number` in a /track/shipments answer, oldest first; None when the
    answer holds no such shipment."""
    shipments = body.get("shipments") if isinstance(body, dict) else None
    if not isinstance(shipments, list):
        raise BadPayload("DHL tracking answer has no shipments list")
    for shipment in shipments:
        if isinstance(shipment, dict) and str(shipment.get("id", "")).strip() == tracking_number:
            raw = shipment.get("events")
            events = [tracking_event(e) for e in raw] if isinstance(raw, list) else []
            if not events and isinstance(shipment.get("status"), dict):
                events = [tracking_event(shipment["status"])]
            return sorted(events, key=lambda e: e.at)
    return None
