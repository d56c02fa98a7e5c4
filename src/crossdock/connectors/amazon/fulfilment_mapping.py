"""Pure mapping for Amazon shipment confirmations: our carrier to Amazon's CarrierCode, a stable
packageReferenceId, and the ConfirmShipmentRequest body (ordersV0.json)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from crossdock.connectors.amazon.client import amz_time
from crossdock.ports.marketplace import ShipmentNotice

# Amazon's CarrierCode values (the list of amzn-base.xsd that confirmShipment shares with the order fulfillment
# feed) for the carriers our sellers use, by our carrier code with case, spaces and punctuation left out.
CARRIER_CODES: dict[str, str] = {
    "dhl": "DHL", "dhlexpress": "DHL", "dhlparcel": "DHL", "dhlecommerce": "DHL eCommerce",
    "dhlglobalmail": "DHL Global Mail", "deutschepost": "Deutsche Post", "dpd": "DPD", "gls": "GLS", "ups": "UPS",
    "usps": "USPS", "fedex": "FedEx", "tnt": "TNT", "hermes": "Hermes", "evri": "Evri", "royalmail": "Royal Mail",
    "parcelforce": "Parcelforce", "yodel": "Yodel", "laposte": "La Poste", "colissimo": "Colissimo",
    "chronopost": "Chronopost", "posteitaliane": "Poste Italiane", "sda": "SDA", "correos": "Correos",
    "seur": "Seur", "mrw": "MRW", "nacex": "Nacex", "postnl": "PostNL", "bpost": "Bpost", "asendia": "Asendia",
    "yunexpress": "Yun Express", "4px": "4PX", "yanwen": "Yanwen", "cainiao": "Cainiao", "chinapost": "China Post",
    "sfc": "SFC", "amazonshipping": "Amazon Shipping",
}
# "carrierName: ... Required when carrierCode is Others"; amzn-base.xsd spells the value "Other".
OTHER = "Other"


def _norm(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


_BY_NAME = {_norm(code): code for code in CARRIER_CODES.values()}


def carrier_code(carrier_code_: str, carrier_name: str) -> tuple[str, str]:
    """(carrierCode, carrierName) for our carrier: Amazon's own code when it has one, else "Other" and the name."""
    for wanted in (_norm(carrier_code_), _norm(carrier_name)):
        if wanted in CARRIER_CODES:
            return CARRIER_CODES[wanted], ""
        if wanted in _BY_NAME:
            return _BY_NAME[wanted], ""
    return OTHER, carrier_name or carrier_code_


def package_reference(notice: ShipmentNotice) -> str:
    """A positive number that names this parcel within its order, the same for every retry: the package id when it
    is one, else drawn from the tracking number ("Only positive numeric values are supported")."""
    if notice.package_id.isdigit() and int(notice.package_id) > 0:
        return str(int(notice.package_id))
    digest = hashlib.sha256(notice.tracking_number.encode()).hexdigest()
    return str(int(digest[:12], 16) % 999_999_999 + 1)


def remaining_items(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every order item with what is left to ship of it (none left: nothing to confirm)."""
    left = []
    for item in items:
        item_id = str(item.get("OrderItemId") or "")
        missing = int(item.get("QuantityOrdered") or 0) - int(item.get("QuantityShipped") or 0)
        if item_id and missing > 0:
            left.append({"orderItemId": item_id, "quantity": missing})
    return left


def confirm_request(notice: ShipmentNotice, marketplace_id: str, items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ConfirmShipmentRequest body for a notice."""
    code, name = carrier_code(notice.carrier_code, notice.carrier_name)
    detail: dict[str, Any] = {
        "packageReferenceId": package_reference(notice),
        "carrierCode": code,
        "trackingNumber": notice.tracking_number,
        "shipDate": amz_time(notice.shipped_at),
        "orderItems": [dict(item) for item in items],
    }
    if name:
        detail["carrierName"] = name
    if notice.service:
        detail["shippingMethod"] = notice.service
    return {"marketplaceId": marketplace_id, "packageDetail": detail}
