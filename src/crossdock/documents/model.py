"""What each printed document needs, as plain frozen values checked when built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.vat import check_rate
from crossdock.domain.money import Money, check_currency
from crossdock.domain.orders.model import Address
from crossdock.domain.time import require_utc


def _positive(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError(f"{what} must be a positive integer, got {value!r}")


def _not_negative(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError(f"{what} must be a whole number of grams >= 0, got {value!r}")


def _required(value: str, what: str) -> None:
    if not value or not value.strip():
        raise DomainError(f"{what} is required")


def _country(code: str, what: str) -> None:
    if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
        raise DomainError(f"{what} must be an ISO 3166-1 alpha-2 code such as 'DE', got {code!r}")


# -- shipping label ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LabelData:
    tracking_number: str
    carrier_name: str
    service: str
    shipper: Address
    recipient: Address
    reference: str                 # our shipment reference
    weight_grams: int
    parcel_index: int = 1
    parcel_count: int = 1
    pickup_point: str = ""         # locker / pick-up point name and id when the parcel goes there
    routing_code: str = ""         # carrier sort code, printed large when given

    def __post_init__(self) -> None:
        _required(self.tracking_number, "tracking number")
        _required(self.carrier_name, "carrier name")
        _required(self.reference, "shipment reference")
        _not_negative(self.weight_grams, "weight")
        _positive(self.parcel_index, "parcel index")
        _positive(self.parcel_count, "parcel count")
        if self.parcel_index > self.parcel_count:
            raise DomainError(f"parcel {self.parcel_index} of {self.parcel_count} does not exist")


# -- pick list --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PickLine:
    location: str                  # bin / shelf code
    sku: str
    title: str
    quantity: int
    order_refs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _required(self.sku, "pick line SKU")
        _positive(self.quantity, f"pick quantity of {self.sku}")


@dataclass(frozen=True, slots=True)
class PickList:
    warehouse_code: str
    warehouse_name: str
    wave_id: str
    created_at: datetime
    lines: tuple[PickLine, ...]

    def __post_init__(self) -> None:
        _required(self.wave_id, "wave id")
        object.__setattr__(self, "created_at", require_utc(self.created_at))


# -- packing slip -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PackingSlipLine:
    sku: str
    title: str
    quantity: int
    variant: str = ""

    def __post_init__(self) -> None:
        _positive(self.quantity, f"packed quantity of {self.sku or self.title}")


@dataclass(frozen=True, slots=True)
class PackingSlip:
    store_name: str
    order_ref: str
    shipment_ref: str
    ship_to: Address
    lines: tuple[PackingSlipLine, ...]
    buyer_note: str = ""

    def __post_init__(self) -> None:
        _required(self.shipment_ref, "shipment reference")
        _required(self.order_ref, "order reference")


# -- invoices ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SellerEntity:
    """The legal entity that sells or exports: its registered name, address and tax identifiers."""

    name: str
    address: Address
    vat_number: str = ""
    eori: str = ""

    def __post_init__(self) -> None:
        _required(self.name, "seller name")


class Incoterm(StrEnum):
    DDP = "DDP"        # delivered duty paid: the seller pays import duty and VAT
    DAP = "DAP"        # delivered at place: the consignee pays them on arrival


@dataclass(frozen=True, slots=True)
class CustomsLine:
    description: str
    hs_code: str                   # 6 to 10 digits of the Harmonized System tariff code
    origin_country: str            # ISO 3166-1 alpha-2
    quantity: int
    unit_value: Money
    net_weight_grams: int          # of the whole line

    def __post_init__(self) -> None:
        _required(self.description, "customs description")
        digits = self.hs_code.replace(".", "").replace(" ", "")
        if not digits.isdigit() or not 6 <= len(digits) <= 10:
            raise DomainError(f"HS code of {self.description!r} must have 6 to 10 digits, got {self.hs_code!r}")
        _country(self.origin_country, f"origin country of {self.description!r}")
        _positive(self.quantity, f"quantity of {self.description!r}")
        _not_negative(self.net_weight_grams, f"net weight of {self.description!r}")
        if self.unit_value.amount < 0:
            raise DomainError(f"unit value of {self.description!r} is negative")


@dataclass(frozen=True, slots=True)
class CommercialInvoice:
    invoice_number: str
    invoice_date: date
    exporter: SellerEntity
    consignee: Address
    incoterm: Incoterm
    currency: str
    lines: tuple[CustomsLine, ...]
    gross_weight_grams: int        # the whole consignment with its packaging
    parcels: int = 1
    reason_for_export: str = "Sale of goods"
    order_ref: str = ""
    tracking_number: str = ""
    ioss_number: str = ""          # EU Import One-Stop Shop id, for consignments up to EUR 150

    def __post_init__(self) -> None:
        _required(self.invoice_number, "invoice number")
        check_currency(self.currency)
        if not self.lines:
            raise DomainError("a commercial invoice needs at least one line")
        for line in self.lines:
            if line.unit_value.currency != self.currency:
                raise DomainError(f"line {line.description!r} is in {line.unit_value.currency}, "
                                  f"the invoice in {self.currency}")
        _not_negative(self.gross_weight_grams, "gross weight")
        _positive(self.parcels, "parcel count")
        net = sum(line.net_weight_grams for line in self.lines)
        if self.gross_weight_grams < net:
            raise DomainError(f"gross weight {self.gross_weight_grams} g is less than the lines' net weight {net} g")


@dataclass(frozen=True, slots=True)
class SalesInvoiceLine:
    description: str
    quantity: int
    unit_gross: Money              # as the marketplace charged it, VAT included
    vat_rate: Decimal              # percent, e.g. Decimal("19")
    sku: str = ""

    def __post_init__(self) -> None:
        _required(self.description, "invoice line description")
        _positive(self.quantity, f"quantity of {self.description!r}")
        check_rate(self.vat_rate)


@dataclass(frozen=True, slots=True)
class SalesInvoice:
    invoice_number: str            # allocated by the caller's numbering sequence
    invoice_date: date
    seller: SellerEntity
    buyer: Address
    order_ref: str
    currency: str
    lines: tuple[SalesInvoiceLine, ...]
    supply_date: date | None = None    # printed when it differs from the invoice date

    def __post_init__(self) -> None:
        _required(self.invoice_number, "invoice number")
        _required(self.seller.vat_number, "seller VAT number (an EU invoice must show it)")
        check_currency(self.currency)
        _country(self.buyer.country, "buyer country")
        if not self.lines:
            raise DomainError("an invoice needs at least one line")
        for line in self.lines:
            if line.unit_gross.currency != self.currency:
                raise DomainError(f"line {line.description!r} is in {line.unit_gross.currency}, "
                                  f"the invoice in {self.currency}")
