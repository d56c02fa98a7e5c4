"""When an emulated YunExpress parcel shows which scan: the China to Europe line, slower than a domestic parcel and
with customs on both ends.

Order data at creation; received at the Shenzhen warehouse the next day (from then on the order can no longer be
deleted); export customs, the flight, import customs (filed under TrackingStatus 80 while inspected) and the hand
over to the last-mile carrier; out for delivery and delivered about eight days after creation. TrackingStatus
numbers are those of the OMS document; the node codes are ours (the document publishes no list).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
_ZONES = {"CN": "Asia/Shanghai", "GB": "Europe/London", "IE": "Europe/Dublin", "PT": "Europe/Lisbon",
          "FI": "Europe/Helsinki", "EE": "Europe/Tallinn", "LV": "Europe/Riga", "LT": "Europe/Vilnius",
          "BG": "Europe/Sofia", "RO": "Europe/Bucharest", "GR": "Europe/Athens", "CY": "Asia/Nicosia"}

CREATED, RECEIVED, DEPARTED, EXPORT_CLEARED, FLIGHT_OUT, FLIGHT_IN = (
    "ORDER_CREATION", "PICKED_UP", "DEPARTED_FACILITY", "EXPORT_CUSTOMS_CLEARED", "FLIGHT_DEPARTED",
    "FLIGHT_ARRIVED")
IMPORT_INSPECTION, IMPORT_CLEARED, LAST_MILE, OUT_FOR_DELIVERY, DELIVERED = (
    "IMPORT_CUSTOMS_INSPECTION", "IMPORT_CUSTOMS_CLEARED", "HANDED_TO_LAST_MILE", "OUT_FOR_DELIVERY", "DELIVERED")
DELIVERY_FAILURE, RETURNING, RETURNED = "DELIVERY_FAILURE", "RETURN_TO_SENDER", "RETURNED"


def zone(country: str) -> ZoneInfo:
    return ZoneInfo(_ZONES.get(country.upper(), "Europe/Berlin"))


@dataclass(frozen=True)
class PlannedEvent:
    at: datetime
    node: str               # TrackNodeCode
    status: int             # TrackingStatus: 10 pre-advice, 20 transit, 40 failed, 50 delivered, 80 unknown,
                            # 90 returned
    content: str            # ProcessContent
    city: str
    country: str            # alpha-2
    abnormal: tuple[tuple[str, str], ...] = ()      # AbnormalReasons (code, reason)


def _local(day_of: datetime, days: int, hour: int, country: str) -> datetime:
    tz = zone(country)
    date = day_of.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(date, time(hour, 0), tzinfo=tz)


def plan(created: datetime, *, dest_city: str, dest_country: str, hub_city: str = "Liege",
         hub_country: str = "BE") -> list[PlannedEvent]:
    return [
        PlannedEvent(created, CREATED, 10, "Shipment information received", "Shenzhen", "CN"),
        PlannedEvent(created + timedelta(hours=20), RECEIVED, 20,
                     "Parcel received at YunExpress Shenzhen sorting center", "Shenzhen", "CN"),
        PlannedEvent(created + timedelta(hours=26), DEPARTED, 20, "Departed from YunExpress sorting center",
                     "Shenzhen", "CN"),
        PlannedEvent(created + timedelta(days=2), EXPORT_CLEARED, 20, "Export customs clearance completed",
                     "Shenzhen", "CN"),
        PlannedEvent(created + timedelta(days=3), FLIGHT_OUT, 20, "Departed from origin airport", "Shenzhen", "CN"),
        PlannedEvent(created + timedelta(days=4), FLIGHT_IN, 20, "Arrived at destination airport", hub_city,
                     hub_country),
        PlannedEvent(created + timedelta(days=4, hours=10), IMPORT_INSPECTION, 80,
                     "Import customs clearance in progress", hub_city, hub_country),
        PlannedEvent(created + timedelta(days=5), IMPORT_CLEARED, 20, "Import customs clearance completed",
                     hub_city, hub_country),
        PlannedEvent(created + timedelta(days=6), LAST_MILE, 20, "Handed over to the last-mile carrier", hub_city,
                     hub_country),
        PlannedEvent(_local(created, 8, 8, dest_country), OUT_FOR_DELIVERY, 20, "Out for delivery", dest_city,
                     dest_country),
        PlannedEvent(_local(created, 8, 15, dest_country), DELIVERED, 50, "Delivered", dest_city, dest_country),
    ]


def received_at(events: list[PlannedEvent]) -> datetime | None:
    """When YunExpress has the parcel in hand (orders can be deleted only before)."""
    return next((e.at for e in events if e.node == RECEIVED), None)


def _final(events: list[PlannedEvent], now: datetime) -> bool:
    return any(e.at <= now and e.node in (DELIVERED, RETURNED) for e in events)


def fail_delivery(events: list[PlannedEvent], now: datetime) -> list[PlannedEvent]:
    if _final(events, now):
        raise ValueError("the parcel is already delivered or back with the sender")
    index = next((i for i, e in enumerate(events) if e.node == OUT_FOR_DELIVERY), None)
    if index is None:
        raise ValueError("no delivery is planned for this parcel (stalled or already failed)")
    out = events[index]
    failed = replace(out, at=max(out.at + timedelta(hours=5), now), node=DELIVERY_FAILURE, status=40,
                     content="Delivery attempt failed", abnormal=(("NA", "Addressee not available"),))
    return [*events[:index + 1], failed]


def return_to_sender(events: list[PlannedEvent], now: datetime) -> list[PlannedEvent]:
    if _final(events, now):
        raise ValueError("the parcel is already delivered or back with the sender")
    shown = [e for e in events if e.at <= now]
    start = max([now, *(e.at for e in shown)]) + timedelta(hours=2)
    last = shown[-1] if shown else events[0]
    return [*shown,
            PlannedEvent(start, RETURNING, 90, "Parcel is being returned to the sender", last.city, last.country),
            PlannedEvent(start + timedelta(days=3), RETURNED, 90, "Parcel returned to the sender", "Shenzhen", "CN")]


def stall(events: list[PlannedEvent], now: datetime) -> list[PlannedEvent]:
    return [e for e in events if e.at <= now]


def package_state(shown: list[PlannedEvent]) -> int:
    """PackageState of the OMS document: 1 submitted, 2 in transit, 3 delivered, 4 received, 6 failed, 7 returned."""
    if not shown:
        return 0
    node = shown[-1].node
    if node == CREATED:
        return 1
    if node == RECEIVED:
        return 4
    return {DELIVERED: 3, DELIVERY_FAILURE: 6, RETURNING: 7, RETURNED: 7}.get(node, 2)
