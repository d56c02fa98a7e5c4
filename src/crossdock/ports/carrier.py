"""What the services need from a carrier (a parcel company's label API, or a marketplace's own logistics)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address


@dataclass(frozen=True, slots=True)
class Parcel:
    weight_grams: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0


@dataclass(frozen=True, slots=True)
class CustomsLine:
    """One kind of goods in the parcel, for the customs declaration of a parcel leaving the EU or China."""

    description: str
    quantity: int
    unit_value: Money
    weight_grams: int           # of one unit
    hs_code: str = ""
    origin_country: str = "CN"
    sku: str = ""


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    # Our shipment reference, sent as the carrier's customer reference: a retried create finds the first one.
    reference: str
    service: str                # the carrier's product code (DHL "V01PAK", YunExpress "EUDDP", …)
    shipper: Address
    recipient: Address
    parcel: Parcel
    value: Money
    contents: tuple[CustomsLine, ...]
    recipient_email: str = ""
    pickup_point_id: str = ""   # deliver to this locker / pick-up point instead of the address


@dataclass(frozen=True, slots=True)
class LabelFile:
    content: bytes
    format: str = "PDF"         # PDF, PNG or ZPL, as the carrier sent it


@dataclass(frozen=True, slots=True)
class CarrierShipment:
    carrier_shipment_id: str    # what the carrier's cancel and label calls take
    tracking_number: str
    label: LabelFile
    cost: Money | None = None
    extra: dict[str, str] = field(default_factory=dict)    # carrier-specific ids worth keeping (waybill, …)


@dataclass(frozen=True, slots=True)
class CarrierProduct:
    code: str
    name: str
    destinations: frozenset[str] = frozenset()   # ISO countries it serves; empty = any
    pickup_points: bool = False


class Carrier(Protocol):
    """A carrier's label API. Validation refusals raise the _kit `Fatal` with the carrier's own words."""

    track_batch: int            # most tracking numbers one tracking call takes

    def products(self) -> list[CarrierProduct]: ...

    def create_shipment(self, request: ShipmentRequest) -> CarrierShipment: ...

    def cancel_shipment(self, shipment: CarrierShipment) -> None: ...

    def track(self, tracking_numbers: Sequence[str]) -> dict[str, list[TrackingEvent]]:
        """Every event so far of each parcel, in the carrier's largest batches; unknown numbers are absent."""
        ...
