"""When an emulated DHL parcel shows which scan: a plan of events laid out at creation, played by the clock.

Domestic DHL Paket: data received at creation; picked up after the day's closing (18:00 German time, when the
shipments are manifested); through the parcel centres overnight; out for delivery the next morning and
delivered around noon. International adds an export centre, the destination country and, outside the EU, customs.
Texts follow DHL's English parcel-de wording; the Unified API's statusCode is one of pre-transit, transit,
delivered, failure, unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
CLOSING = time(18, 0)

CREATED, PICKED_UP, ORIGIN_HUB, EXPORT, ARRIVED, CUSTOMS, DEST_HUB = (
    "created", "picked_up", "origin_hub", "export", "arrived", "customs", "dest_hub")
OUT_FOR_DELIVERY, DELIVERED, FAILED, RETURNING, RETURNED = (
    "out_for_delivery", "delivered", "failed", "returning", "returned")


@dataclass(frozen=True)
class PlannedEvent:
    at: datetime
    milestone: str
    status_code: str        # Unified API ShipmentEvent.statusCode
    status: str
    description: str
    locality: str
    country: str            # ISO alpha-2, as the Unified API's location.address.countryCode


def closing_after(moment: datetime, closing: time = CLOSING, ship_date: date | None = None) -> datetime:
    """The end-of-day closing (Tagesabschluss) a shipment created at `moment` is manifested in: that of its
    shipDate, or today's when created before it, else the next working day's (no closing on Sundays)."""
    local = moment.astimezone(BERLIN)
    day = max(local.date(), ship_date) if ship_date is not None else local.date()
    candidate = datetime.combine(day, closing, tzinfo=BERLIN)
    if candidate <= local:
        day += timedelta(days=1)
    if day.weekday() == 6:
        day += timedelta(days=1)
    return datetime.combine(day, closing, tzinfo=BERLIN)


def _at(day_of: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    local = day_of.astimezone(BERLIN).date() + timedelta(days=days)
    return datetime.combine(local, time(hour, minute), tzinfo=BERLIN)


def plan(created: datetime, closing: datetime, *, domestic: bool, customs: bool, origin_city: str,
         dest_city: str, dest_country: str) -> list[PlannedEvent]:
    events = [
        PlannedEvent(created, CREATED, "pre-transit", "Shipment information received",
                     "The instruction data for this shipment have been provided by the sender to DHL electronically",
                     origin_city, "DE"),
        PlannedEvent(closing + timedelta(hours=1), PICKED_UP, "transit", "Picked up",
                     "The shipment has been picked up", origin_city, "DE"),
        PlannedEvent(closing + timedelta(hours=3, minutes=40), ORIGIN_HUB, "transit", "Processed",
                     "The shipment has been processed in the parcel center of origin", origin_city, "DE"),
    ]
    if domestic:
        events += [
            PlannedEvent(_at(closing, 1, 5, 10), DEST_HUB, "transit", "Processed",
                         "The shipment has been processed in the destination parcel center", dest_city, "DE"),
            PlannedEvent(_at(closing, 1, 8, 30), OUT_FOR_DELIVERY, "transit", "Out for delivery",
                         "The shipment has been loaded onto the delivery vehicle", dest_city, "DE"),
            PlannedEvent(_at(closing, 1, 13, 10), DELIVERED, "delivered", "Delivered",
                         "The shipment has been successfully delivered", dest_city, "DE"),
        ]
        return events
    events += [
        PlannedEvent(_at(closing, 1, 6, 0), EXPORT, "transit", "Export",
                     "The international shipment has been processed in the export parcel center", "Leipzig", "DE"),
        PlannedEvent(_at(closing, 2, 9, 0), ARRIVED, "transit", "Arrived",
                     "The shipment has arrived in the destination country", dest_city, dest_country),
    ]
    if customs:
        events.append(PlannedEvent(_at(closing, 2, 15, 0), CUSTOMS, "transit", "Customs",
                                   "The shipment has been cleared by customs", dest_city, dest_country))
    events += [
        PlannedEvent(_at(closing, 3, 8, 30), OUT_FOR_DELIVERY, "transit", "Out for delivery",
                     "The shipment has been loaded onto the delivery vehicle", dest_city, dest_country),
        PlannedEvent(_at(closing, 3, 14, 0), DELIVERED, "delivered", "Delivered",
                     "The shipment has been successfully delivered", dest_city, dest_country),
    ]
    return events


def _final(events: list[PlannedEvent], now: datetime) -> PlannedEvent | None:
    """The delivered or returned event already shown, if any."""
    return next((e for e in events if e.at <= now and e.milestone in (DELIVERED, RETURNED)), None)


def fail_delivery(events: list[PlannedEvent], now: datetime) -> list[PlannedEvent]:
    """The delivery attempt fails: nothing after the parcel goes out for delivery, then a failed attempt."""
    if _final(events, now) is not None:
        raise ValueError("the parcel is already delivered or back with the sender")
    index = next((i for i, e in enumerate(events) if e.milestone == OUT_FOR_DELIVERY), None)
    if index is None:
        raise ValueError("no delivery is planned for this parcel (stalled or already failed)")
    out = events[index]
    attempt = max(out.at + timedelta(hours=4, minutes=30), now)
    failed = replace(out, at=attempt, milestone=FAILED, status_code="failure", status="Delivery failed",
                     description="The recipient was not present; the shipment could not be delivered")
    return [*events[:index + 1], failed]


def return_to_sender(events: list[PlannedEvent], now: datetime, origin_city: str) -> list[PlannedEvent]:
    """From the next scan on, the parcel travels back and is delivered to the sender two days later."""
    if _final(events, now) is not None:
        raise ValueError("the parcel is already delivered or back with the sender")
    shown = [e for e in events if e.at <= now]
    start = max([now, *(e.at for e in shown)]) + timedelta(hours=1)
    last = shown[-1] if shown else events[0]
    return [
        *shown,
        PlannedEvent(start, RETURNING, "transit", "Return",
                     "The shipment is on its way back to the sender", last.locality, last.country),
        PlannedEvent(start + timedelta(days=2), RETURNED, "delivered", "Returned",
                     "The shipment has been delivered back to the sender", origin_city, "DE"),
    ]


def stall(events: list[PlannedEvent], now: datetime) -> list[PlannedEvent]:
    """No scan after now (a parcel lost between two scanners)."""
    return [e for e in events if e.at <= now]
