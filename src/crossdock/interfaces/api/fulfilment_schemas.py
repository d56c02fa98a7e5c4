"""API shapes for fulfilment (review, carriers, shipping, documents, tracking, returns): money as decimal strings
with their currency, never floats; times ISO 8601 UTC; carrier credentials accepted, never answered."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, Field, field_validator

from crossdock.bootstrap import App
from crossdock.domain.fulfilment.exceptions import ExceptionKind
from crossdock.domain.fulfilment.pickup import OpeningHours, PickupPoint
from crossdock.domain.fulfilment.review import address_key
from crossdock.domain.money import minor_units
from crossdock.domain.orders.model import Address
from crossdock.interfaces.api.inventory_schemas import decimal_text
from crossdock.interfaces.api.schemas import AddressOut, MoneyOut
from crossdock.ports.marketplace import CancelReason
from crossdock.services.cancellation import CancelReport
from crossdock.services.carriers import PLATFORM
from crossdock.services.errors import InvalidInput, NotFound
from crossdock.services.inventory import Temperature
from crossdock.services.returns import Inspection, ReturnsReport
from crossdock.services.review import BLACKLIST_KINDS, ReviewReport, blacklist_key
from crossdock.services.shipping import PlanReport, StepReport
from crossdock.services.tracking import ExceptionReport, TrackReport

MAX_BATCH = 1000     # ids in one decision or print job; a seller's day of parcels, not an accident


class ShipmentState(StrEnum):
    PLANNED = "planned"          # waiting for its label (and, without a rule, for a carrier)
    LABELLING = "labelling"      # a label is being bought right now
    LABELLED = "labelled"
    SHIPPED = "shipped"          # the marketplace knows the tracking number
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"


def money_out(amount: Decimal | None, currency: str | None) -> MoneyOut | None:
    if amount is None or not currency:
        return None
    return MoneyOut(amount=decimal_text(amount, minor_units(currency)) or "0", currency=currency)


class RowOut(BaseModel):
    """A shape whose fields are a service row's columns under the same names."""

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        return cls(**{k: row[k] for k in cls.model_fields})


def _letter_code(value: str, letters: int, what: str) -> str:
    """A currency or country code in capitals; ValueError naming `what` it should be."""
    code = value.strip().upper()
    if not re.fullmatch(f"[A-Z]{{{letters}}}", code):
        raise ValueError(f"{value!r} is not {what}")
    return code


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("give decimal numbers as strings (\"0.5\"), never as floats")
    return value


class MoneyIn(BaseModel):
    amount: str = Field(description="decimal string", examples=["150.00"])
    currency: str = Field(examples=["EUR"])

    @field_validator("amount")
    @classmethod
    def _decimal(cls, value: str) -> str:
        # Plain digits only: "1e3" or "-5" are numbers to Decimal, never a price a seller means.
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value.strip()):
            raise ValueError(f"{value!r} is not an amount such as 150 or 19.90")
        return value.strip()

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return _letter_code(value, 3, "an ISO 4217 currency code")


class AddressIn(BaseModel):
    name: str
    phone: str = ""
    country: str = Field(description="ISO 3166 two-letter code", examples=["DE"])
    state: str = ""
    city: str = ""
    district: str = ""
    postcode: str = ""
    line1: str = Field("", description="street and number")
    full_address: str = ""

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _letter_code(value, 2, "a two-letter country code")

    def address(self) -> Address:
        return Address(**self.model_dump())


def address_out(data: Mapping[str, Any] | None) -> AddressOut | None:
    if not data:
        return None
    return AddressOut(**{k: str(data.get(k) or "") for k in AddressOut.model_fields})


# --- review --------------------------------------------------------------------------------------

class ReviewRunIn(BaseModel):
    again: bool = Field(False, description="also review the orders held before (after a rule changed)")
    order_ids: list[int] | None = Field(None, max_length=MAX_BATCH, description="only these orders")


class ReviewReportOut(BaseModel):
    reviewed: int
    approved: int
    held: int
    reasons: dict[str, int] = Field(description="rule code -> orders it held")

    @classmethod
    def of(cls, r: ReviewReport) -> ReviewReportOut:
        return cls(reviewed=r.reviewed, approved=r.approved, held=r.held, reasons=dict(r.reasons))


class ReasonOut(BaseModel):
    code: str = Field(description="the rule that held the order (or 'seller')", examples=["phone"])
    message: str


class HeldOrderOut(BaseModel):
    order_id: int
    platform_order_id: str
    store_id: int
    reasons: list[ReasonOut]
    decided_by: str = Field(description="rules or seller")
    reviewed_at: datetime

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> HeldOrderOut:
        return cls(order_id=row["order_id"], platform_order_id=row["platform_order_id"], store_id=row["store_id"],
                   reasons=[ReasonOut(**r) for r in row["reasons"] or []], decided_by=row["decided_by"],
                   reviewed_at=row["reviewed_at"])


class DecisionIn(BaseModel):
    order_ids: list[int] = Field(min_length=1, max_length=MAX_BATCH)
    reason: str = Field("", description="why (required to hold or cancel; a note when approving)")


class DecisionOut(BaseModel):
    changed: list[int] = Field(description="orders the decision applied to")
    unchanged: list[int] = Field(description="orders not in a state it applies to (already shipped, cancelled …)")


class CancelIn(DecisionIn):
    platform_reason: CancelReason = Field(description="the reason the marketplace is given, mapped to its own list "
                                                      "(platforms count some against the seller)")


class CancelReportOut(BaseModel):
    done: int = Field(description="the marketplace shows them cancelled")
    retry: int = Field(description="not taken yet (platform unavailable, authorization): sent again next round")
    failed: int = Field(description="refused: the platform's words in errors")
    manual: int = Field(description="the platform takes no cancellation through its API: cancel in its back-end")
    errors: list[str]

    @classmethod
    def of(cls, r: CancelReport) -> CancelReportOut:
        return cls(done=r.done, retry=r.retry, failed=r.failed, manual=r.manual, errors=list(r.errors))


class CancelOut(DecisionOut):
    platform: CancelReportOut = Field(description="what the marketplaces answered for the cancelled orders")


class CancellationOut(RowOut):
    order_id: int
    platform_order_id: str
    store_id: int
    reason: CancelReason
    note: str
    state: str = Field(description="pending, retry, ok, failed (refused), manual (cancel in the back-end)")
    attempts: int
    error: str | None
    order_status: str
    platform_status: str
    requested_at: datetime
    sent_at: datetime | None


class ReopenIn(BaseModel):
    order_ids: list[int] = Field(min_length=1, max_length=MAX_BATCH)
    platform_reason: CancelReason | None = Field(None, description="another reason, when the platform refused this one")


class ReopenOut(BaseModel):
    reopened: list[int]
    platform: CancelReportOut


class ReviewRuleOut(BaseModel):
    code: str
    enabled: bool
    params: dict[str, Any]


ParamValue = str | bool | int


class ReviewRuleIn(BaseModel):
    enabled: bool
    params: dict[str, ParamValue] = Field(
        default_factory=dict, examples=[{"amount_floor": "0.4"}],
        description="amount_floor, amount_ceiling (decimal strings), hold_buyer_notes (true/false)")

    @field_validator("params", mode="before")
    @classmethod
    def _no_floats(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for v in value.values():
                _no_float(v)
        return value


class BlacklistIn(BaseModel):
    kind: str = Field(description=f"one of {', '.join(BLACKLIST_KINDS)}", examples=["buyer"])
    value: str = Field("", description="the buyer id or name, phone or e-mail; for an address use `address`")
    reason: str
    country: str = Field("", description="the phone's country, to read national numbers")
    address: AddressIn | None = Field(None, description="the address, for kind 'address'")


class BlacklistOut(RowOut):
    id: int
    kind: str
    shown: str = Field(description="as it was entered")
    value: str = Field(description="the normalised key orders are compared in")
    reason: str
    created_at: datetime


# --- carriers ------------------------------------------------------------------------------------

class CarrierAccountIn(BaseModel):
    carrier: str = Field(description="adapter code (dhl, yunexpress …) or 'platform' for the marketplace's "
                                     "own logistics", examples=["dhl"])
    name: str = Field(description="your name for the account, used by rules", examples=["DHL Berlin"])
    settings: dict[str, Any] = Field(default_factory=dict, description="credentials and options as the carrier "
                                                                        "adapter takes them; stored encrypted, "
                                                                        "never answered")


class ServiceOut(BaseModel):
    code: str
    name: str
    destinations: list[str] = Field(description="countries served; empty: any")
    pickup_points: bool


class CarrierAccountOut(BaseModel):
    id: int
    carrier: str
    name: str
    active: bool
    created_at: datetime
    services: list[ServiceOut] = Field(description="what rules and routing may name; the marketplace's logistics "
                                                   "takes any")


def settings_error(message: str, given: Mapping[str, Any]) -> str:
    """A settings refusal without what was sent: pydantic echoes the input (secrets included) in its message."""
    text = re.sub(r",?\s*input_value=.*?, input_type=\w+", "", message, flags=re.DOTALL)
    text = "\n".join(line for line in text.splitlines() if "errors.pydantic.dev" not in line)
    for value in given.values():
        shown = str(value)
        if len(shown) >= 4:
            text = text.replace(shown, "***")
    return " ".join(text.split())


# --- shipping rules, addresses, pick-up points ---------------------------------------------------

class RuleConditions(BaseModel):
    """Every condition set must hold; an empty list or a null bound sets none."""

    countries: list[str] = Field(default_factory=list, examples=[["DE", "FR"]])
    platforms: list[str] = Field(default_factory=list, examples=[["shopee"]])
    store_ids: list[int] = Field(default_factory=list)
    warehouses: list[str] = Field(default_factory=list, description="warehouse codes", examples=[["CN-SZ"]])
    temperatures: list[Temperature] = Field(default_factory=list)
    min_weight_grams: int | None = Field(None, ge=0)
    max_weight_grams: int | None = Field(None, ge=0)
    min_value: MoneyIn | None = None
    max_value: MoneyIn | None = None

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return [c.strip().upper() for c in value]

    def stored(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(mode="json").items() if v not in (None, [])}


class ShippingRuleIn(BaseModel):
    name: str
    account: str = Field(description="carrier account name")
    service: str = Field(description="one of the account's services", examples=["V01PAK"])
    priority: int = Field(100, description="lower is tried first")
    conditions: RuleConditions = Field(default_factory=RuleConditions)


class ShippingRuleOut(BaseModel):
    id: int
    name: str
    priority: int
    account: str
    carrier: str
    service: str
    conditions: RuleConditions
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Mapping[str, Any], accounts: Mapping[int, Mapping[str, Any]]) -> ShippingRuleOut:
        acct = accounts.get(row["carrier_account_id"], {})
        return cls(id=row["id"], name=row["name"], priority=row["priority"], account=acct.get("name", ""),
                   carrier=acct.get("carrier", ""), service=row["service"],
                   conditions=RuleConditions.model_validate(row["conditions"] or {}), active=row["active"],
                   created_at=row["created_at"])


class OpeningHoursIn(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    opens: time = Field(examples=["08:00"])
    closes: time = Field(examples=["20:00"], description="00:00: until midnight")


class PickupPointIn(BaseModel):
    carrier: str = Field(examples=["dhl"])
    external_id: str = Field(description="the carrier's id of the point", examples=["PS-123"])
    name: str
    address: AddressIn
    timezone: str = Field(description="IANA zone the hours are in", examples=["Europe/Berlin"])
    hours: list[OpeningHoursIn] = Field(min_length=1)
    slot_minutes: int = Field(60, gt=0)

    def point(self) -> PickupPoint:
        return PickupPoint(id=self.external_id, carrier=self.carrier, name=self.name, address=self.address.address(),
                           timezone=self.timezone,
                           hours=tuple(OpeningHours(h.weekday, h.opens, h.closes) for h in self.hours),
                           slot_minutes=self.slot_minutes)


class PickupPointOut(BaseModel):
    id: int
    carrier: str
    external_id: str
    name: str


# --- shipping runs and shipments -----------------------------------------------------------------

class OrderIdsIn(BaseModel):
    order_ids: list[int] | None = Field(None, max_length=MAX_BATCH, description="only these orders; null: all")


class ShipmentIdsIn(BaseModel):
    shipment_ids: list[int] | None = Field(None, max_length=MAX_BATCH, description="only these; null: all due")


class PrintIn(BaseModel):
    shipment_ids: list[int] = Field(min_length=1, max_length=MAX_BATCH, description="in print order")


class PlanOut(BaseModel):
    orders: int
    shipments: int
    split_orders: int = Field(description="orders shipped in more than one parcel")
    merged: int = Field(description="parcels carrying more than one order")
    unrouted: int = Field(description="parcels no rule matched: route them by hand")
    shipment_ids: list[int]

    @classmethod
    def of(cls, r: PlanReport) -> PlanOut:
        return cls(orders=r.orders, shipments=r.shipments, split_orders=r.split_orders, merged=r.merged,
                   unrouted=r.unrouted, shipment_ids=list(r.shipment_ids))


class CancelShipmentsIn(BaseModel):
    shipment_ids: list[int] = Field(min_length=1, max_length=MAX_BATCH)
    reason: str = Field(min_length=1)


class StepOut(BaseModel):
    done: int
    failed: int = Field(description="refused (the carrier's or platform's words in errors)")
    retry: int = Field(description="the carrier or platform was unavailable: the next run tries again")
    errors: list[str]

    @classmethod
    def of(cls, r: StepReport) -> StepOut:
        return cls(done=r.done, failed=r.failed, retry=r.retry, errors=list(r.errors))

    def add(self, r: StepReport) -> None:
        self.done, self.failed, self.retry = self.done + r.done, self.failed + r.failed, self.retry + r.retry
        self.errors += r.errors


class RunOut(BaseModel):
    plan: PlanOut
    labels: StepOut
    confirm: StepOut


class RouteIn(BaseModel):
    account: str = Field(description="carrier account name")
    service: str


class PickupIn(BaseModel):
    point_id: int
    start: datetime = Field(description="slot start, with its zone", examples=["2026-11-09T09:00:00Z"])
    end: datetime


class ShipmentLineOut(BaseModel):
    order_id: int
    platform_order_id: str
    seller_sku: str
    quantity: int


class ShipmentOut(BaseModel):
    id: int
    reference: str = Field(description="ours, sent to the carrier as its customer reference")
    store_id: int
    warehouse: str
    temperature: str
    state: str
    carrier: str | None
    account: str | None
    service: str | None
    chosen_by: str | None = Field(description="rule or seller")
    weight_grams: int
    value: MoneyOut
    recipient: AddressOut | None
    pickup_point_id: int | None
    pickup_slot_start: datetime | None
    pickup_slot_end: datetime | None
    tracking_number: str | None
    has_label: bool
    label_format: str | None
    label_error: str | None
    labelled_at: datetime | None
    platform_state: str = Field(description="none, ok, retry, failed: whether the marketplace took the number")
    platform_error: str | None
    confirmed_at: datetime | None
    tracking_status: str | None
    last_event_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime
    lines: list[ShipmentLineOut]

    @classmethod
    def of(cls, row: Mapping[str, Any], warehouses: Mapping[int, str],
           accounts: Mapping[int, Mapping[str, Any]]) -> ShipmentOut:
        plain = {k: row[k] for k in cls.model_fields
                 if k not in ("warehouse", "account", "value", "recipient", "lines")}
        value = money_out(row["value"], row["currency"])
        assert value is not None
        acct = accounts.get(row["carrier_account_id"]) if row["carrier_account_id"] else None
        return cls(**plain, warehouse=warehouses.get(row["warehouse_id"], str(row["warehouse_id"])),
                   account=acct["name"] if acct else None, value=value, recipient=address_out(row["recipient"]),
                   lines=[ShipmentLineOut(**x) for x in row["lines"]])


# --- tracking ------------------------------------------------------------------------------------

class TrackOut(BaseModel):
    shipments: int = Field(description="parcels asked about")
    new_events: int
    delivered: int
    returned: int
    errors: list[str]

    @classmethod
    def of(cls, r: TrackReport) -> TrackOut:
        return cls(shipments=r.shipments, new_events=r.new_events, delivered=r.delivered, returned=r.returned,
                   errors=list(r.errors))


class ExceptionCheckOut(BaseModel):
    raised: int
    resolved: int
    open: dict[str, int] = Field(description="kind -> exceptions open now")

    @classmethod
    def of(cls, r: ExceptionReport) -> ExceptionCheckOut:
        return cls(raised=r.raised, resolved=r.resolved, open=dict(r.open))


class TrackingRunOut(BaseModel):
    tracking: TrackOut
    exceptions: ExceptionCheckOut


class ExceptionOut(RowOut):
    id: int
    kind: ExceptionKind
    order_id: int | None
    shipment_id: int | None
    detail: str
    raised_at: datetime


class EventOut(RowOut):
    at: datetime
    status: str
    code: str
    description: str
    location: str


# --- returns -------------------------------------------------------------------------------------

class ReturnsPullOut(BaseModel):
    store_id: int
    read: int
    new: int
    updated: int
    quarantined: int
    errors: list[str]

    @classmethod
    def of(cls, store_id: int, r: ReturnsReport) -> ReturnsPullOut:
        return cls(store_id=store_id, read=r.read, new=r.new, updated=r.updated, quarantined=r.quarantined,
                   errors=list(r.errors))


class ReturnLineOut(RowOut):
    platform_line_id: str
    sku: str = Field(description="the seller SKU as the platform knows it")
    quantity: int


class InspectionOut(BaseModel):
    sku: str
    restocked: int
    written_off: int
    note: str


class ReturnOut(BaseModel):
    id: int
    store_id: int
    platform_return_id: str
    order_id: int | None
    platform_order_id: str
    state: str
    platform_status: str
    reason: str
    refund: MoneyOut | None
    tracking_number: str
    warehouse: str | None = Field(description="where the goods go back to")
    lines: list[ReturnLineOut]
    received_at: datetime | None
    inspection: list[InspectionOut] | None
    platform_updated_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, row: Mapping[str, Any], warehouses: Mapping[int, str]) -> ReturnOut:
        return cls(id=row["id"], store_id=row["store_id"], platform_return_id=row["platform_return_id"],
                   order_id=row["order_id"], platform_order_id=row["platform_order_id"], state=row["state"],
                   platform_status=row["platform_status"], reason=row["reason"],
                   refund=money_out(row["refund"], row["currency"]), tracking_number=row["tracking_number"],
                   warehouse=warehouses.get(row["warehouse_id"]) if row["warehouse_id"] else None,
                   lines=[ReturnLineOut.of(x) for x in row["lines"]],
                   received_at=row["received_at"],
                   inspection=[InspectionOut(**i) for i in row["inspection"]] if row["inspection"] else None,
                   platform_updated_at=row["platform_updated_at"], created_at=row["created_at"])


class InspectionIn(BaseModel):
    sku: str = Field(description="master SKU code")
    restock: int = Field(0, ge=0, description="units back on the shelf")
    write_off: int = Field(0, ge=0, description="units damaged, used or missing")
    note: str = ""

    def inspection(self) -> Inspection:
        return Inspection(sku=self.sku, restock=self.restock, write_off=self.write_off, note=self.note)


class ReceiveIn(BaseModel):
    items: list[InspectionIn] = Field(min_length=1)


# --- invoices ------------------------------------------------------------------------------------

class SellerEntityIn(BaseModel):
    code: str = Field(examples=["CDE"])
    name: str = Field(examples=["Crossdock Europe GmbH"])
    address: AddressIn
    vat_number: str = Field("", examples=["DE136695976"])
    eori: str = ""
    invoice_prefix: str = Field("", description="default: the code and a dash", examples=["CDE-2026-"])


class SellerEntityOut(BaseModel):
    id: int
    code: str


class StoreFulfilmentIn(BaseModel):
    """A field left out (null) stays as it is; an empty string clears it."""

    entity: str | None = Field(None, description="seller entity code that invoices the store's buyers")
    return_warehouse: str | None = Field(None, description="warehouse code the store's returns go to")


# --- the services' rows in these shapes (shared by the API and the CLI) ----------------------------

def existing_orders(app: App, order_ids: Sequence[int]) -> None:
    """NotFound naming the first id that is no order: a batch decision never half-applies to a typo."""
    for oid in dict.fromkeys(order_ids):
        app.queries.order(oid)


def warehouse_codes(app: App) -> dict[int, str]:
    return {w["id"]: w["code"] for w in app.inventory.warehouses()}


def accounts_by_id(app: App) -> dict[int, dict[str, Any]]:
    return {a["id"]: a for a in app.carriers.accounts()}


def shipments_out(app: App, rows: list[dict[str, Any]]) -> list[ShipmentOut]:
    codes, accounts = warehouse_codes(app), accounts_by_id(app)
    return [ShipmentOut.of(r, codes, accounts) for r in rows]


def shipment_row(app: App, shipment_id: int) -> dict[str, Any]:
    rows = app.shipping.shipments([shipment_id])
    if not rows:
        raise NotFound(f"no shipment {shipment_id}")
    return rows[0]


def existing_shipments(app: App, shipment_ids: Sequence[int]) -> None:
    found = {r["id"] for r in app.shipping.shipments(list(shipment_ids), limit=len(shipment_ids) + 1)}
    missing = [str(i) for i in dict.fromkeys(shipment_ids) if i not in found]
    if missing:
        raise NotFound(f"no shipment {', '.join(missing)}")


def account_out(app: App, row: dict[str, Any]) -> CarrierAccountOut:
    services: list[ServiceOut] = []
    if row["carrier"] != PLATFORM:
        try:
            products = app.carriers.spec(row["carrier"]).products
        except InvalidInput:        # the adapter was uninstalled since: the account stays listed
            products = ()
        services = [ServiceOut(code=p.code, name=p.name, destinations=sorted(p.destinations),
                               pickup_points=p.pickup_points) for p in products]
    return CarrierAccountOut(id=row["id"], carrier=row["carrier"], name=row["name"], active=row["active"],
                             created_at=row["created_at"], services=services)


def add_carrier_account(app: App, body: CarrierAccountIn) -> CarrierAccountOut:
    try:
        account_id = app.carriers.add_account(body.carrier, body.name, body.settings)
    except InvalidInput as exc:
        raise InvalidInput(settings_error(str(exc), body.settings)) from None
    return next(account_out(app, a) for a in app.carriers.accounts() if a["id"] == account_id)


def add_blacklist_entry(app: App, body: BlacklistIn) -> tuple[BlacklistOut, bool]:
    """The entry and whether it is new: adding what is listed already changes nothing."""
    if body.kind == "address":
        if body.address is None:
            raise InvalidInput("an address entry needs its address: street, postcode, city and country")
        place = body.address.address()
        key = address_key(place)
        if not key:     # an entry without a street would match no order, silently
            raise InvalidInput("an address entry needs its street (line1 or full_address)")
        entry = app.review.add_address_to_blacklist(place, body.reason)
    else:
        entry = app.review.add_to_blacklist(body.kind, body.value, body.reason, body.country)
        key = blacklist_key(body.kind, body.value, body.country)
    rows = app.review.blacklist()
    if entry is None:
        return BlacklistOut.of(next(r for r in rows if (r["kind"], r["value"]) == (body.kind, key))), False
    return BlacklistOut.of(next(r for r in rows if r["id"] == entry)), True
