"""Pure mapping for Amazon Buy Shipping (Merchant Fulfillment v0, merchantFulfillmentV0.json): our parcel and the
seller's ship-from address to ShipmentRequestDetails, the offer to buy, the label out of Label.FileContents, the
Shipment to a CarrierShipment, and what Amazon shows of a shipped order as tracking."""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus
from crossdock.domain.money import Money
from crossdock.ports.carrier import CarrierShipment, LabelFile, Parcel

LABEL_FORMAT = "PDF"
# FileType -> our label format.
_FILE_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "application/zpl": "ZPL"}
# "DeliveryConfirmationWithoutSignature": tracked to the door, no signature (what marketplace parcels need).
DELIVERY_EXPERIENCE = "DeliveryConfirmationWithoutSignature"
# Order statuses that mean Amazon has the shipment confirmed: buying the label confirmed it.
_SHIPPED = frozenset({"Shipped", "PartiallyShipped", "InvoiceUnconfirmed"})


class ShipFrom(BaseModel):
    """Where the seller's parcels leave from, as Buy Shipping's Address takes it (every call names it)."""

    name: str
    address_line1: str
    address_line2: str = ""
    city: str
    state_or_province_code: str = ""
    postal_code: str
    country_code: str
    email: str
    phone: str

    def address(self) -> dict[str, str]:
        out = {"Name": self.name, "AddressLine1": self.address_line1, "City": self.city,
               "PostalCode": self.postal_code, "CountryCode": self.country_code, "Email": self.email,
               "Phone": self.phone}
        if self.address_line2:
            out["AddressLine2"] = self.address_line2
        if self.state_or_province_code:
            out["StateOrProvinceCode"] = self.state_or_province_code
        return out


def _cm(millimetres: int) -> float:
    return float(Decimal(millimetres) / 10)


def request_details(order_id: str, items: Sequence[Mapping[str, Any]], ship_from: ShipFrom, parcel: Parcel,
                    pickup: bool) -> dict[str, Any]:
    """ShipmentRequestDetails for the items ({orderItemId, quantity}) in one parcel."""
    if parcel.weight_grams <= 0:
        raise ValueError("Buy Shipping needs the parcel's weight")
    if min(parcel.length_mm, parcel.width_mm, parcel.height_mm) <= 0:
        raise ValueError("Buy Shipping needs the parcel's length, width and height (or the Amazon connector's "
                         "default_box_mm)")
    return {
        "AmazonOrderId": order_id,
        "ItemList": [{"OrderItemId": str(i["orderItemId"]), "Quantity": int(i["quantity"])} for i in items],
        "ShipFromAddress": ship_from.address(),
        "PackageDimensions": {"Length": _cm(parcel.length_mm), "Width": _cm(parcel.width_mm),
                              "Height": _cm(parcel.height_mm), "Unit": "centimeters"},
        "Weight": {"Value": parcel.weight_grams, "Unit": "g"},
        "ShippingServiceOptions": {"DeliveryExperience": DELIVERY_EXPERIENCE, "CarrierWillPickUp": pickup,
                                   "CarrierWillPickUpOption": "CarrierWillPickUp" if pickup else "ShipperWillDropOff",
                                   "LabelFormat": LABEL_FORMAT},
    }


def _offers_pdf(service: Mapping[str, Any]) -> bool:
    formats = service.get("AvailableLabelFormats")
    options = service.get("AvailableFormatOptionsForLabel")
    listed = set(formats) if isinstance(formats, list) else set()
    if isinstance(options, list):
        listed |= {o.get("LabelFormat") for o in options if isinstance(o, dict)}
    # A service that lists no formats prints its default, which Amazon does not promise to be a PDF.
    return LABEL_FORMAT in listed


def choose_service(payload: Mapping[str, Any]) -> dict[str, Any] | str:
    """The cheapest offer that prints a PDF and needs no more seller inputs; else why there is none."""
    offers = payload.get("ShippingServiceList")
    candidates: list[tuple[Decimal, dict[str, Any]]] = []
    for offer in offers if isinstance(offers, list) else []:
        if not isinstance(offer, dict) or offer.get("RequiresAdditionalSellerInputs") or not _offers_pdf(offer):
            continue
        rate = offer.get("Rate")
        try:
            price = amount(rate.get("Amount") if isinstance(rate, dict) else None, "Rate.Amount")
        except BadPayload:
            continue
        candidates.append((price, offer))
    if candidates:
        return min(candidates, key=lambda pair: pair[0])[1]
    reasons = []
    for rejected in payload.get("RejectedShippingServiceList") or []:
        if isinstance(rejected, dict):
            reasons.append(f"{rejected.get('ShippingServiceName') or rejected.get('ShippingServiceId')}: "
                           f"{rejected.get('RejectionReasonMessage') or rejected.get('RejectionReasonCode')}")
    for key, why in (("TemporarilyUnavailableCarrierList", "temporarily unavailable"),
                     ("TermsAndConditionsNotAcceptedCarrierList", "terms and conditions not accepted")):
        for carrier in payload.get(key) or []:
            if isinstance(carrier, dict) and carrier.get("CarrierName"):
                reasons.append(f"{carrier['CarrierName']}: {why}")
    return "; ".join(reasons) or "Amazon offers no shipping service that prints a PDF label for this parcel"


def create_request(details: dict[str, Any], offer: Mapping[str, Any]) -> dict[str, Any]:
    return {"ShipmentRequestDetails": details, "ShippingServiceId": text(dict(offer), "ShippingServiceId"),
            "ShippingServiceOfferId": text(dict(offer), "ShippingServiceOfferId"),
            "LabelFormatOption": {"IncludePackingSlipWithLabel": False, "LabelFormat": LABEL_FORMAT}}


def label_of(shipment: Mapping[str, Any]) -> LabelFile:
    """The label document: Base64 of the GZip of the file; its Checksum, Base64 of an MD5, must match. The model
    says the MD5 validates "the PDF document data", so the file's is expected; the compressed data's is taken too."""
    label = shipment.get("Label")
    contents = label.get("FileContents") if isinstance(label, dict) else None
    if not isinstance(contents, dict) or not contents.get("Contents"):
        raise BadPayload("the shipment has no label (Label.FileContents.Contents is empty)")
    try:
        packed = base64.b64decode(str(contents["Contents"]), validate=True)
        document = gzip.decompress(packed)
    except (binascii.Error, ValueError, OSError, EOFError) as exc:
        raise BadPayload(f"Label.FileContents.Contents is not Base64 of GZip data: {exc}") from None
    checksum = str(contents.get("Checksum") or "")
    sums = {base64.b64encode(hashlib.md5(data).digest()).decode() for data in (document, packed)}
    if checksum not in sums:
        raise BadPayload("the label does not match its MD5 Checksum")
    file_type = str(contents.get("FileType") or "")
    label_format = _FILE_TYPES.get(file_type)
    if label_format is None:
        raise BadPayload(f"the label's FileType {file_type!r} is not one Amazon documents")
    return LabelFile(document, label_format)


def shipment_from_payload(shipment: Mapping[str, Any], label: LabelFile) -> CarrierShipment:
    raw = dict(shipment)
    shipment_id, tracking = text(raw, "ShipmentId"), text(raw, "TrackingId")
    if not shipment_id or not tracking:
        raise BadPayload("the shipment has no ShipmentId or TrackingId")
    service = raw.get("ShippingService") if isinstance(raw.get("ShippingService"), dict) else {}
    assert isinstance(service, dict)
    rate = service.get("Rate")
    cost = None
    if isinstance(rate, dict) and rate.get("Amount") is not None:
        try:
            cost = Money(amount(rate.get("Amount"), "Rate.Amount"), text(rate, "CurrencyCode"))
        except DomainError as exc:
            raise BadPayload(f"ShippingService.Rate: {exc}") from None
    extra = {"order_id": text(raw, "AmazonOrderId"), "carrier": text(service, "CarrierName"),
             "shipping_service": text(service, "ShippingServiceId"),
             "service_name": text(service, "ShippingServiceName"), "status": text(raw, "Status")}
    return CarrierShipment(carrier_shipment_id=shipment_id, tracking_number=tracking, label=label, cost=cost,
                           extra={k: v for k, v in extra.items() if v})


def tracking_of_order(order: Mapping[str, Any]) -> list[TrackingEvent]:
    """What Amazon shows of a Buy Shipping parcel through the Orders API: the order confirmed shipped when the label
    was bought. The carrier's scans are not served by the SP-API for these labels, so that is the one event."""
    status = str(order.get("OrderStatus") or "")
    if status not in _SHIPPED:
        return []
    try:
        at = datetime.fromisoformat(str(order.get("LastUpdateDate") or ""))
    except ValueError:
        raise BadPayload(f"LastUpdateDate is {order.get('LastUpdateDate')!r}, expected a date") from None
    if at.tzinfo is None:
        raise BadPayload("LastUpdateDate has no zone")
    return [TrackingEvent(at, TrackingStatus.INFO_RECEIVED, status,
                          f"Amazon shows the order {status}: the label is bought and the carrier has its data")]
