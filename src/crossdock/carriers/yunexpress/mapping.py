"""Pure translation between our carrier port and the YunExpress OMS API (v1, "OMS 1.4.5" document).

Followed: the OMS API document's sections 2.7 WayBill/CreateOrder (array of 1-10 orders; Receiver, Sender,
Parcels customs lines with EName, CName, HSCode, Quantity, UnitPrice, UnitWeight in kg, CurrencyCode),
2.12 Label/Print, 2.10 WayBill/Delete and 2.15 Tracking/GetTrackAllInfo, and its envelope {Code, Message,
RequestId, TimeStamp, Item|Items} where Code "0000" is success. The document is thin on error bodies and on the
tracking node codes (no published list): the adapter maps the documented per-event TrackingStatus numbers and
the parcel's PackageState, and keeps TrackNodeCode as the event's code.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crossdock.carriers._common import exact_json, iso_to_utc
from crossdock.connectors._kit.errors import BadPayload
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus
from crossdock.domain.orders.model import Address
from crossdock.ports.carrier import CustomsLine, ShipmentRequest

SUCCESS = "0000"
# "Common failure codes" of the OMS document.
SUBMISSION_FAILED, AUTH_ERROR, SIGNATURE_ERROR, PARAMETER_ERROR = "1001", "1002", "1003", "1004"
NO_DATA, PARTIAL_SUCCESS = "1006", "1011"
DUPLICATE_ORDER, EXISTING_ORDER, NO_TRACKING_NUMBER = "2004", "2005", "2006"
WEIGHT_NOT_POSITIVE, DESTINATION_NOT_SERVED = "2009", "2010"
REQUEST_LIMIT, PLATFORM_EXCEPTION = "10000", "9999"
# WayBill/Delete and Intercept: OrderType 1 = YunExpress waybill number, 2 = customer order number, 3 = tracking.
ORDER_TYPE_WAYBILL = 1
# CreateOrder ApplicationType: 1 gift, 2 sample, 3 documents, 4 others (goods sold).
APPLICATION_OTHERS = 4
# TrackType in the create answer: 1 tracking number issued, 2 issued later (poll GetTrackingNumber), 3 none.
TRACK_TYPE_PENDING = "2"

# OMS servers and times without an offset are China Standard Time.
CHINA = ZoneInfo("Asia/Shanghai")
_KG = Decimal("0.001")


# ---- CreateOrder ---------------------------------------------------------------------------------------------------

def _split_name(name: str) -> tuple[str, str]:
    """FirstName is mandatory and LastName product-dependent: the last word is the last name."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return " ".join(words[:-1]), words[-1]


def _street(address: Address) -> str:
    if address.line1.strip():
        return address.line1.strip()
    return " ".join(address.full_address.split())


def kilograms(grams: int) -> Decimal:
    """Weights travel in kg with three decimals."""
    return (Decimal(grams) / 1000).quantize(_KG, rounding=ROUND_HALF_UP)


def _centimetres(mm: int) -> int:
    # Whole centimetres; the document defaults an unknown side to 1.
    return max(1, math.ceil(mm / 10)) if mm > 0 else 1


def receiver(address: Address, email: str) -> dict[str, Any]:
    first, last = _split_name(address.name)
    out: dict[str, Any] = {"CountryCode": address.country.upper(), "FirstName": first[:50], "LastName": last[:50],
                           "Street": _street(address)[:200], "City": address.city.strip()[:100],
                           "State": address.state.strip()[:100], "Zip": address.postcode.strip()[:50],
                           "Phone": address.phone.strip()[:200]}
    if email.strip():
        out["Email"] = email.strip()[:100]
    return out


def sender(address: Address) -> dict[str, Any]:
    first, last = _split_name(address.name)
    return {"CountryCode": address.country.upper(), "FirstName": first[:50], "LastName": last[:50],
            "Street": _street(address)[:200], "City": address.city.strip()[:100], "State": address.state.strip()[:100],
            "Zip": address.postcode.strip()[:50], "Phone": address.phone.strip()[:20]}


def parcel_line(line: CustomsLine) -> dict[str, Any]:
    """A customs declaration line: the unit price (FOB) and the weight of one unit, as the document asks."""
    out: dict[str, Any] = {"EName": line.description[:200], "Quantity": line.quantity,
                           "UnitPrice": line.unit_value.amount, "UnitWeight": kilograms(line.weight_grams),
                           "CurrencyCode": line.unit_value.currency}
    if line.hs_code.strip():
        out["HSCode"] = line.hs_code.strip()[:50]
    if line.sku.strip():
        out["SKU"] = line.sku.strip()[:50]
    return out


def order(request: ShipmentRequest, *, application_type: int = APPLICATION_OTHERS,
          ioss_code: str = "") -> dict[str, Any]:
    """One element of the CreateOrder array. Empty customs lines are sent as they are: YunExpress refuses them."""
    parcel = request.parcel
    out: dict[str, Any] = {
        "CustomerOrderNumber": request.reference,
        "ShippingMethodCode": request.service,
        "PackageCount": 1,
        "Weight": kilograms(parcel.weight_grams),
        "SizeUnits": "cm",
        "Length": _centimetres(parcel.length_mm),
        "Width": _centimetres(parcel.width_mm),
        "Height": _centimetres(parcel.height_mm),
        "Receiver": receiver(request.recipient, request.recipient_email),
        "Sender": sender(request.shipper),
        "ApplicationType": application_type,
        "ReturnOption": False,
        "Parcels": [parcel_line(line) for line in request.contents],
    }
    if request.pickup_point_id:
        out["PointRelaisNum"] = request.pickup_point_id
    if ioss_code:
        out["IossCode"] = ioss_code
    return out


def to_json(value: Any) -> bytes:
    """The request body as JSON with exact Decimals, each with the places it carries (0.100 kg stays 0.100)."""
    return exact_json(value)


# ---- envelopes ----------------------------------------------------------------------------------------------------

def code(body: Any) -> str:
    value = body.get("Code") if isinstance(body, dict) else None
    return str(value).strip() if value is not None else ""


def message(body: Any) -> str:
    value = body.get("Message") if isinstance(body, dict) else None
    return str(value).strip() if value else ""


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return str(value).strip() if value is not None else ""


def created_item(body: Any, reference: str) -> dict[str, Any]:
    """The CreateOrder answer's item for our order (Item is a list, one per order sent)."""
    items = body.get("Item") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise BadPayload("YunExpress CreateOrder answer has no Item list")
    for item in items:
        if isinstance(item, dict) and _text(item, "CustomerOrderNumber") == reference:
            return item
    if len(items) == 1 and isinstance(items[0], dict):
        return items[0]
    raise BadPayload(f"YunExpress CreateOrder answer has no item for {reference}")


def succeeded(item: dict[str, Any]) -> bool:
    """Success is 1 (some answers write it as "1" or true)."""
    return str(item.get("Success")).strip().lower() in ("1", "true")


def numbers(item: dict[str, Any]) -> tuple[str, str, str]:
    """(WayBillNumber, TrackingNumber or "", TrackType) of a created order or of a GetOrder / GetTrackingNumber item."""
    waybill = _text(item, "WayBillNumber") or _text(item, "WaybillNumber")
    return waybill, _text(item, "TrackingNumber"), _text(item, "TrackType")


def label_url(body: Any) -> str:
    """The temporary PDF address of a Label/Print answer; BadPayload naming YunExpress' error when none."""
    items = body.get("Item") if isinstance(body, dict) else None
    first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None
    if first is None:
        raise BadPayload("YunExpress Label/Print answer has no Item")
    infos = first.get("OrderInfos")
    errors = [f"{_text(i, 'CustomerOrderNumber')}: {_text(i, 'Error')}" for i in infos or []
              if isinstance(i, dict) and str(i.get("Code")) != "100" and _text(i, "Error")]
    url = _text(first, "Url")
    if errors or not url:
        raise BadPayload("YunExpress printed no label: " + ("; ".join(errors) or "no Url in the answer"))
    return url


# ---- tracking -----------------------------------------------------------------------------------------------------

# Event TrackingStatus (OMS document): 0 not found, 10 pre-advice, 20 transit, 30 ready for pickup, 40 failed,
# 50 delivered, 60 exception, 80 unknown, 90 returned, 100 cancelled.
_TRACKING_STATUS: dict[int, TrackingStatus | None] = {
    0: None,
    10: TrackingStatus.INFO_RECEIVED,
    20: TrackingStatus.IN_TRANSIT,
    30: TrackingStatus.OUT_FOR_DELIVERY,     # waiting at the pick-up point: the last step before the buyer has it
    40: TrackingStatus.EXCEPTION,
    50: TrackingStatus.DELIVERED,
    60: TrackingStatus.EXCEPTION,
    80: TrackingStatus.IN_TRANSIT,           # unclassified scan (YunExpress also files customs inspection here)
    90: TrackingStatus.RETURNED,
    100: TrackingStatus.EXCEPTION,           # cancelled after the parcel was announced
}
# PackageState (OMS document): 0 unknown, 1 submitted, 2 in transit, 3 delivered, 4 received, 5 cancelled,
# 6 delivery failed, 7 returned.
_PACKAGE_STATE: dict[int, TrackingStatus | None] = {
    0: None,
    1: TrackingStatus.INFO_RECEIVED,
    2: TrackingStatus.IN_TRANSIT,
    3: TrackingStatus.DELIVERED,
    4: TrackingStatus.IN_TRANSIT,            # received at YunExpress' warehouse
    5: TrackingStatus.EXCEPTION,
    6: TrackingStatus.EXCEPTION,
    7: TrackingStatus.RETURNED,
}
_OUT_FOR_DELIVERY = ("out for delivery", "out_for_delivery", "with courier for delivery", "派送中", "派件中")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def tracking_status(status: Any, node_code: str = "", description: str = "") -> TrackingStatus | None:
    """Our state for an event's TrackingStatus number; None for "not found" and numbers YunExpress has not
    documented. Transit events whose node or text says the courier has the parcel are out for delivery."""
    number = _int(status)
    mapped = _TRACKING_STATUS.get(number) if number is not None else None
    if mapped is TrackingStatus.IN_TRANSIT:
        text = f"{node_code} {description}".lower()
        if any(word in text for word in _OUT_FOR_DELIVERY):
            return TrackingStatus.OUT_FOR_DELIVERY
    return mapped


def package_state(state: Any) -> TrackingStatus | None:
    """Our state for a parcel's PackageState; None for unknown."""
    number = _int(state)
    return _PACKAGE_STATE.get(number) if number is not None else None


def parse_time(utc: Any, local: Any) -> datetime:
    """ProcessUTCTime when sent, else ProcessDate read as China time (the OMS server's zone)."""
    for value, zone in ((utc, ZoneInfo("UTC")), (local, CHINA)):
        if isinstance(value, str) and value.strip():
            try:
                return iso_to_utc(value.strip().replace(" ", "T", 1), zone)
            except ValueError as exc:
                raise BadPayload(f"YunExpress event time {value!r} is not ISO 8601") from exc
    raise BadPayload("YunExpress tracking event has neither ProcessUTCTime nor ProcessDate")


def _place(detail: dict[str, Any]) -> str:
    location = _text(detail, "ProcessLocation")
    if location:
        return location
    return ", ".join(p for p in (_text(detail, "ProcessCity"), _text(detail, "ProcessCountry")) if p)


def tracking_events(item: Any) -> list[TrackingEvent]:
    """Every event of a GetTrackAllInfo Item, oldest first. An event without a usable TrackingStatus takes the
    parcel's PackageState when it is the latest one, and "in transit" otherwise."""
    if not isinstance(item, dict):
        raise BadPayload("YunExpress tracking Item is not an object")
    details = item.get("OrderTrackingDetails")
    raw = [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []
    timed = sorted(((parse_time(d.get("ProcessUTCTime"), d.get("ProcessDate")), d) for d in raw),
                   key=lambda pair: pair[0])
    parcel = package_state(item.get("PackageState"))
    events = []
    for index, (at, detail) in enumerate(timed):
        node = _text(detail, "TrackNodeCode")
        description = _text(detail, "ProcessContent") or _text(detail, "TrackCodeDescription")
        status = tracking_status(detail.get("TrackingStatus"), node, description)
        if status is None:
            status = parcel if index == len(timed) - 1 and parcel is not None else TrackingStatus.IN_TRANSIT
        reasons = detail.get("AbnormalReasons")
        if isinstance(reasons, list) and reasons:
            why = "; ".join(_text(r, "AbnormalReason") for r in reasons if isinstance(r, dict))
            description = f"{description} ({why})" if why else description
        events.append(TrackingEvent(at=at, status=status, code=node or str(detail.get("TrackingStatus", "")),
                                    description=description, location=_place(detail)))
    return events
