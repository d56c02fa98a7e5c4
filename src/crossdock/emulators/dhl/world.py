"""The emulated DHL's shipments: created from valid order elements, labelled, manifested at the day's closing,
cancelled before it, and tracked by the clock through their planned events."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crossdock.emulators._common.carrier_labels import CarrierLabel, render_label
from crossdock.emulators.dhl import schedule
from crossdock.emulators.dhl.schedule import BERLIN, PlannedEvent
from crossdock.emulators.dhl.validation import EU_CUSTOMS, PRODUCTS, ship_date

ALPHA2 = {"DEU": "DE", "AUT": "AT", "BEL": "BE", "NLD": "NL", "FRA": "FR", "ITA": "IT", "ESP": "ES", "POL": "PL",
          "CZE": "CZ", "DNK": "DK", "SWE": "SE", "FIN": "FI", "IRL": "IE", "PRT": "PT", "LUX": "LU", "GRC": "GR",
          "HUN": "HU", "ROU": "RO", "BGR": "BG", "HRV": "HR", "SVN": "SI", "SVK": "SK", "LTU": "LT", "LVA": "LV",
          "EST": "EE", "CYP": "CY", "MLT": "MT", "GBR": "GB", "CHE": "CH", "NOR": "NO", "USA": "US", "CHN": "CN"}
DHL_RED = (0.83, 0.02, 0.07)
DHL_YELLOW = (1.0, 0.8, 0.0)
# "Newly created shipments can take between 10 to 30 minutes ... to appear in the Shipment Tracking - Unified API"
# (DHL developer support knowledge base).
TRACKING_LAG = timedelta(minutes=15)


@dataclass
class Shipment:
    number: str
    product: str
    billing_number: str
    ref_no: str
    created: datetime
    closing: datetime
    routing_code: str
    consignee: dict[str, Any]
    shipper: dict[str, Any]
    weight_grams: int
    label_pdf: bytes
    events: list[PlannedEvent]
    deleted_at: datetime | None = None
    scenario: str = ""

    @property
    def destination(self) -> str:
        return str(self.consignee.get("country") or "DEU")

    def state(self, now: datetime) -> str:
        if self.deleted_at is not None:
            return "deleted"
        return "manifested" if now >= self.closing else "created"

    def shown(self, now: datetime) -> list[PlannedEvent]:
        return [e for e in self.events if e.at <= now]

    def truth(self, now: datetime) -> dict[str, Any]:
        return {"shipmentNo": self.number, "product": self.product, "billingNumber": self.billing_number,
                "refNo": self.ref_no, "state": self.state(now), "created": self.created, "closing": self.closing,
                "consignee": dict(self.consignee), "weight_grams": self.weight_grams, "scenario": self.scenario,
                "events": [(e.at, e.status_code, e.description) for e in self.shown(now)]}


@dataclass
class World:
    seed: int
    shipments: dict[str, Shipment] = field(default_factory=dict)
    label_tokens: dict[str, str] = field(default_factory=dict)       # includeDocs=URL token -> shipment number
    next_number: int = 1

    def issue_number(self) -> str:
        # 20 digits starting 00340434, like the shipment numbers in DHL's own examples.
        number = f"00340434{(self.seed % 1000) * 10**9 + self.next_number:012d}"
        self.next_number += 1
        return number

    def create(self, raw: dict[str, Any], now: datetime) -> Shipment:
        """A shipment from an order element `check_shipment` found valid."""
        number = self.issue_number()
        product = str(raw["product"])
        consignee = dict(raw["consignee"])
        shipper = dict(raw.get("shipper") or {})
        details = raw["details"]
        weight = details["weight"]
        grams = int(weight["value"] * 1000 if weight["uom"] == "kg" else weight["value"])
        country = str(consignee.get("country") or "DEU")
        closing = schedule.closing_after(now, ship_date=ship_date(raw))
        postal = str(consignee.get("postalCode") or "")
        routing = f"{postal}+99000{self.next_number:09d}" if country == "DEU" else ""
        events = schedule.plan(now, closing, domestic=PRODUCTS[product][2] == "domestic",
                               customs=country not in EU_CUSTOMS, origin_city=str(shipper.get("city") or "Bonn"),
                               dest_city=str(consignee.get("city") or ""),
                               dest_country=ALPHA2.get(country, country[:2]))
        shipment = Shipment(number=number, product=product, billing_number=str(raw["billingNumber"]),
                            ref_no=str(raw.get("refNo") or ""), created=now, closing=closing, routing_code=routing,
                            consignee=consignee, shipper=shipper, weight_grams=grams, label_pdf=b"", events=events)
        shipment.label_pdf = render_label(_label(shipment, raw))
        self.shipments[number] = shipment
        return shipment

    def url_token(self, number: str) -> str:
        token = secrets.token_urlsafe(24)
        self.label_tokens[token] = number
        return token


def _lines(address: dict[str, Any]) -> tuple[str, ...]:
    name = " ".join(str(address.get(k) or "") for k in ("name1", "name2", "name3", "name")).strip()
    street = " ".join(str(address.get(k) or "") for k in ("addressStreet", "addressHouse")).strip()
    city = " ".join(str(address.get(k) or "") for k in ("postalCode", "city")).strip()
    lines = [name, street, str(address.get("additionalAddressInformation1") or ""), city,
             str(address.get("country") or "")]
    if "lockerID" in address:
        lines[1] = f"Packstation {address['lockerID']}"
        lines[2] = f"Postnummer {address.get('postNumber', '')}"
    if "retailID" in address:
        lines[1] = f"Postfiliale {address['retailID']}"
        lines[2] = f"Postnummer {address.get('postNumber', '')}" if address.get("postNumber") else ""
    return tuple(line for line in lines if line)


def _label(shipment: Shipment, raw: dict[str, Any]) -> CarrierLabel:
    notes: list[str] = []
    customs = raw.get("customs")
    if isinstance(customs, dict) and isinstance(customs.get("items"), list):
        goods = ", ".join(f"{i.get('packagedQuantity', 1)} x {i.get('itemDescription', '')}"
                          for i in customs["items"] if isinstance(i, dict))
        notes.append(f"CN23 {customs.get('exportType', '')}: {goods}")
    if shipment.billing_number:
        notes.append(f"Billing no. {shipment.billing_number}")
    return CarrierLabel(carrier="DHL", product=PRODUCTS[shipment.product][0], tracking_number=shipment.number,
                        sender=_lines(shipment.shipper), recipient=_lines(shipment.consignee),
                        weight_grams=shipment.weight_grams, created_at=shipment.created.astimezone(BERLIN),
                        reference=shipment.ref_no, routing_code=shipment.routing_code, notes=tuple(notes),
                        header_rgb=DHL_YELLOW, text_rgb=DHL_RED)


def label_b64(shipment: Shipment) -> str:
    return base64.b64encode(shipment.label_pdf).decode("ascii")


def label_zpl(shipment: Shipment) -> str:
    """The same label in ZPL II, for docFormat=ZPL2 (a thermal printer's own language)."""
    recipient = _lines(shipment.consignee)
    body = "".join(f"^FO40,{120 + 40 * i}^A0N,30,30^FD{line}^FS" for i, line in enumerate(recipient))
    return (f"^XA^FO40,40^A0N,50,50^FDDHL {PRODUCTS[shipment.product][0]}^FS{body}"
            f"^FO60,700^BCN,200,Y,N,N^FD{shipment.number}^FS^XZ")


def event_json(event: PlannedEvent) -> dict[str, Any]:
    """A Unified API ShipmentEvent; German local time with its offset."""
    return {"timestamp": event.at.astimezone(BERLIN).isoformat(timespec="seconds"),
            "location": {"address": {"addressLocality": event.locality, "countryCode": event.country}},
            "statusCode": event.status_code, "status": event.status, "description": event.description}


def shipment_json(shipment: Shipment, now: datetime) -> dict[str, Any]:
    """A Unified API Shipment (service parcel-de): the latest event as status, every event newest first."""
    shown = shipment.shown(now)
    events = [event_json(e) for e in reversed(shown)]
    consignee, shipper = shipment.consignee, shipment.shipper
    out: dict[str, Any] = {
        "id": shipment.number,
        "service": "parcel-de",
        "origin": {"address": {"addressLocality": str(shipper.get("city") or ""),
                               "countryCode": ALPHA2.get(str(shipper.get("country") or "DEU"), "DE")}},
        "destination": {"address": {"addressLocality": str(consignee.get("city") or ""),
                                    "countryCode": ALPHA2.get(shipment.destination, shipment.destination[:2])}},
        "status": events[0] if events else {},
        "details": {"product": {"productName": PRODUCTS[shipment.product][0]}, "totalNumberOfPieces": 1,
                    "pieceIds": [shipment.number],
                    "weight": {"value": shipment.weight_grams / 1000, "unitText": "kg"}},
        "events": events,
    }
    if shown and shown[-1].milestone == schedule.DELIVERED:
        out["details"]["proofOfDelivery"] = {"timestamp": events[0]["timestamp"],
                                             "signed": {"familyName": "Recipient"}}
    return out
