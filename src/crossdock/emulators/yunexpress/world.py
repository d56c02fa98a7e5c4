"""The emulated YunExpress' orders: created from valid CreateOrder elements, labelled, received at the warehouse
a day later (no deleting after that), and tracked by the clock through their planned events."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crossdock.emulators._common.carrier_labels import CarrierLabel, render_labels
from crossdock.emulators.yunexpress import schedule
from crossdock.emulators.yunexpress.schedule import CHINA, PlannedEvent
from crossdock.emulators.yunexpress.validation import Product

YUN_BLUE = (0.0, 0.33, 0.65)
WHITE = (1.0, 1.0, 1.0)
WAREHOUSE = ("YunExpress Shenzhen", "Longhua District", "518109 Shenzhen", "CN")


@dataclass
class Order:
    waybill: str
    customer_order_number: str
    tracking_number: str
    product: Product
    created: datetime
    raw: dict[str, Any]
    events: list[PlannedEvent]
    deleted_at: datetime | None = None
    scenario: str = ""

    @property
    def receiver(self) -> dict[str, Any]:
        receiver = self.raw.get("Receiver")
        return receiver if isinstance(receiver, dict) else {}

    def received(self, now: datetime) -> bool:
        at = schedule.received_at(self.events)
        return at is not None and now >= at

    def shown(self, now: datetime) -> list[PlannedEvent]:
        return [e for e in self.events if e.at <= now]

    def state(self, now: datetime) -> str:
        if self.deleted_at is not None:
            return "deleted"
        return "received" if self.received(now) else "submitted"

    def truth(self, now: datetime) -> dict[str, Any]:
        return {"WayBillNumber": self.waybill, "CustomerOrderNumber": self.customer_order_number,
                "TrackingNumber": self.tracking_number, "ShippingMethodCode": self.product.code,
                "state": self.state(now), "created": self.created, "scenario": self.scenario,
                "Receiver": dict(self.receiver), "Parcels": list(self.raw.get("Parcels") or []),
                "PackageState": schedule.package_state(self.shown(now)),
                "events": [(e.at, e.status, e.node) for e in self.shown(now)]}


@dataclass
class World:
    seed: int
    orders: dict[str, Order] = field(default_factory=dict)                 # by waybill number
    label_files: dict[str, list[str]] = field(default_factory=dict)       # temporary token -> waybills
    next_number: int = 1

    def issue_number(self, now: datetime) -> str:
        # YT + 16 digits, as YunExpress numbers are (YT2232521272432059): year, day of year, then a sequence.
        local = now.astimezone(CHINA)
        number = f"YT{local:%y}{local.timetuple().tm_yday:03d}{self.seed % 100:02d}{self.next_number:09d}"
        self.next_number += 1
        return number

    def live(self, number: str) -> Order | None:
        """The order known by its waybill, customer order or tracking number (deleted ones are gone)."""
        for order in self.orders.values():
            if order.deleted_at is None and number in (order.waybill, order.customer_order_number,
                                                       order.tracking_number):
                return order
        return None

    def create(self, raw: dict[str, Any], product: Product, now: datetime) -> Order:
        waybill = self.issue_number(now)
        receiver = raw["Receiver"]
        events = schedule.plan(now, dest_city=str(receiver.get("City") or ""),
                               dest_country=str(receiver.get("CountryCode") or "").upper())
        order = Order(waybill=waybill, customer_order_number=str(raw["CustomerOrderNumber"]).strip(),
                      tracking_number=waybill, product=product, created=now, raw=raw, events=events)
        self.orders[waybill] = order
        return order

    def print_token(self, waybills: list[str]) -> str:
        token = secrets.token_hex(16)
        self.label_files[token] = waybills
        return token

    def label_pdf(self, token: str) -> bytes | None:
        waybills = self.label_files.get(token)
        if not waybills:
            return None
        return render_labels([_label(self.orders[w]) for w in waybills])


def _lines(party: dict[str, Any]) -> tuple[str, ...]:
    name = " ".join(str(party.get(k) or "") for k in ("FirstName", "LastName")).strip()
    street = " ".join(str(party.get(k) or "") for k in ("Street", "HouseNumber")).strip()
    place = " ".join(str(party.get(k) or "") for k in ("Zip", "City")).strip()
    lines = (name, str(party.get("Company") or ""), street, place, str(party.get("State") or ""),
             str(party.get("CountryCode") or ""))
    return tuple(line for line in lines if line)


def _weight_grams(raw: dict[str, Any]) -> int:
    try:
        return int(Decimal(str(raw.get("Weight", 0))) * 1000)
    except ArithmeticError:
        return 0


def _label(order: Order) -> CarrierLabel:
    parcels = [p for p in order.raw.get("Parcels") or [] if isinstance(p, dict)]
    goods = ", ".join(f"{p.get('Quantity', 1)} x {p.get('EName', '')}" for p in parcels)
    notes = [f"Line: {order.product.code}", f"CN22: {goods}"[:90]]
    if order.product.ddp:
        notes.insert(0, "DDP - duties and VAT paid")
    sender = order.raw.get("Sender")
    return CarrierLabel(carrier="YunExpress", product=order.product.name, tracking_number=order.tracking_number,
                        sender=_lines(sender) if isinstance(sender, dict) and sender else WAREHOUSE,
                        recipient=_lines(order.receiver), weight_grams=_weight_grams(order.raw),
                        created_at=order.created.astimezone(CHINA), reference=order.customer_order_number,
                        notes=tuple(notes), header_rgb=YUN_BLUE, text_rgb=WHITE)


def detail_json(event: PlannedEvent) -> dict[str, Any]:
    """An OrderTrackingDetails element: local time where the scan happened, and the same instant in UTC."""
    local = event.at.astimezone(schedule.zone(event.country))
    return {"ProcessDate": local.strftime("%Y-%m-%dT%H:%M:%S"),
            "ProcessUTCTime": event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ProcessContent": event.content, "ProcessLocation": f"{event.city}, {event.country}",
            "TrackNodeCode": event.node, "TrackCodeDescription": event.content, "ProcessCountry": event.country,
            "ProcessProvince": "", "ProcessCity": event.city, "TrackingStatus": event.status,
            "AbnormalReasons": [{"AbnormalReasonCode": c, "AbnormalReason": r} for c, r in event.abnormal]}


def track_json(order: Order, now: datetime) -> dict[str, Any]:
    shown = order.shown(now)
    receiver = order.receiver
    delivered = [e for e in shown if e.node == schedule.DELIVERED]
    return {"CountryCode": str(receiver.get("CountryCode") or ""), "WaybillNumber": order.waybill,
            "TrackingNumber": order.tracking_number, "CustomerOrderNumber": order.customer_order_number,
            "ProviderName": "YunExpress", "ProviderTelephone": "", "ProviderSite": "https://www.yunexpress.com",
            "POD": "", "PODs": [], "CreatedBy": order.created.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M:%S"),
            "PackageState": schedule.package_state(shown),
            "TrackingStatus": shown[-1].status if shown else 0,
            "IntervalDays": (delivered[0].at - order.created).days if delivered else 0,
            "OrderTrackingDetails": [detail_json(e) for e in reversed(shown)]}


def order_json(order: Order, now: datetime) -> dict[str, Any]:
    """A GetOrder Item."""
    raw = order.raw
    return {"WayBillNumber": order.waybill, "OrderNumber": order.customer_order_number,
            "ShippingMethodCode": order.product.code, "TrackingNumber": order.tracking_number,
            "TransactionNumber": str(raw.get("TransactionNumber") or ""),
            "Length": raw.get("Length"), "Width": raw.get("Width"), "Height": raw.get("Height"),
            "Status": schedule.package_state(order.shown(now)), "PackageNumber": raw.get("PackageCount", 1),
            "Weight": raw.get("Weight"), "Receiver": dict(order.receiver), "Sender": raw.get("Sender") or {},
            "ApplicationType": raw.get("ApplicationType", 4), "ReturnOption": bool(raw.get("ReturnOption")),
            "Parcels": list(raw.get("Parcels") or [])}
