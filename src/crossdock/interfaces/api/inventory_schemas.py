"""API shapes for the catalogue, stock, allocation and listings: decimals as strings, never floats."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crossdock.domain.inventory.model import Reason
from crossdock.domain.money import minor_units
from crossdock.services.inventory import AddSku, AddWarehouse, Adjust, LevelView, Temperature, WarehouseKind
from crossdock.services.listings import ListingPull
from crossdock.services.sku_files import SkuImport
from crossdock.services.stock_files import ImportResult
from crossdock.services.stock_push import PushReport


def decimal_text(value: Decimal | None, places: int = 0) -> str | None:
    """The same text whatever the database's column scale (PostgreSQL pads 12.5 to 12.500000): trailing zeros
    dropped, but at least `places` decimals (a currency's minor units), never an exponent."""
    if value is None:
        return None
    exponent = value.normalize().as_tuple().exponent
    shown = -exponent if isinstance(exponent, int) else 0
    return format(value.quantize(Decimal(1).scaleb(-max(shown, places))), "f")


class ManualReason(StrEnum):
    """Why a person changes stock; orders, transfers and files record their own reasons."""

    ADJUSTMENT = Reason.ADJUSTMENT.value
    RETURN = Reason.RETURN.value
    INBOUND = Reason.INBOUND.value
    RECEIVED = Reason.RECEIVED.value


# --- catalogue -----------------------------------------------------------------------------------

class SkuIn(BaseModel):
    code: str = Field(examples=["MUG-RED"])
    title: str
    barcode: str | None = None
    weight_kg: Decimal | None = Field(None, ge=0, examples=["0.350"])
    length_cm: Decimal | None = Field(None, ge=0)
    width_cm: Decimal | None = Field(None, ge=0)
    height_cm: Decimal | None = Field(None, ge=0)
    cost: Decimal | None = Field(None, ge=0, examples=["12.50"])
    cost_currency: str | None = Field(None, examples=["CNY"])
    temperature: Temperature = Temperature.AMBIENT
    safety_stock: int = 0
    components: dict[str, int] = Field(default_factory=dict, description="a bundle: component SKU code -> units")
    hs_code: str = Field("", description="customs tariff code, 6 to 10 digits", examples=["691200"])
    origin_country: str = Field("CN", description="country of origin, ISO 3166-1 alpha-2")

    def command(self) -> AddSku:
        return AddSku(**self.model_dump())


class SkuOut(BaseModel):
    id: int
    code: str
    title: str
    kind: str = Field(description="single or bundle")
    barcode: str | None
    weight_kg: str | None
    length_cm: str | None
    width_cm: str | None
    height_cm: str | None
    cost: str | None
    cost_currency: str | None
    temperature: str
    safety_stock: int
    hs_code: str
    origin_country: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> SkuOut:
        numbers = {k: decimal_text(row[k]) for k in ("weight_kg", "length_cm", "width_cm", "height_cm")}
        numbers["cost"] = decimal_text(row["cost"], minor_units(row["cost_currency"] or ""))
        return cls(**{k: row[k] for k in cls.model_fields if k not in numbers}, **numbers)


class SafetyStockIn(BaseModel):
    safety_stock: int = Field(description="listings show 0 when available stock is at or under this")


class LineErrorOut(BaseModel):
    line: int = Field(description="the line number as the file shows it, the header being line 1")
    error: str


class SkuImportOut(BaseModel):
    filename: str
    lines: int
    added: list[str]
    errors: list[LineErrorOut]
    listings_mapped: int

    @classmethod
    def of(cls, result: SkuImport, mapped: int) -> SkuImportOut:
        return cls(filename=result.filename, lines=result.lines, added=result.added,
                   errors=[LineErrorOut(**e) for e in result.errors], listings_mapped=mapped)


class WarehouseIn(BaseModel):
    code: str = Field(examples=["UK-LON"])
    name: str
    country: str = Field(description="ISO 3166 two-letter code", examples=["GB"])
    kind: WarehouseKind = WarehouseKind.OWN
    priority: int = Field(100, description="lower ships first")

    def command(self) -> AddWarehouse:
        return AddWarehouse(**self.model_dump())


class WarehouseOut(BaseModel):
    id: int
    code: str
    name: str
    country: str
    kind: str
    priority: int
    active: bool


# --- stock ---------------------------------------------------------------------------------------

class LevelOut(BaseModel):
    sku: str
    title: str
    warehouse: str
    on_hand: int
    reserved: int = Field(description="held for open orders")
    available: int = Field(description="on hand and not reserved")
    inbound: int = Field(description="announced, on the way")

    @classmethod
    def of(cls, v: LevelView) -> LevelOut:
        return cls(sku=v.sku, title=v.title, warehouse=v.warehouse, on_hand=v.on_hand, reserved=v.reserved,
                   available=v.available, inbound=v.inbound)


class AdjustIn(BaseModel):
    warehouse: str
    sku: str
    delta: int | None = Field(None, description="units to add (negative removes)")
    count: int | None = Field(None, description="the counted level; give delta or count")
    reason: ManualReason = ManualReason.ADJUSTMENT
    reference: str = ""
    note: str = ""

    def command(self) -> Adjust:
        return Adjust(self.warehouse, self.sku, delta=self.delta, count=self.count, reason=Reason(self.reason.value),
                      reference=self.reference, note=self.note)


class AdjustResultOut(BaseModel):
    warehouse: str
    sku: str
    ok: bool
    error: str | None = Field(description="why this change was refused; the others still applied")


class TransferIn(BaseModel):
    sku: str
    source: str = Field(description="warehouse the units leave")
    target: str = Field(description="warehouse the units arrive at")
    units: int = Field(gt=0)
    reference: str = ""


class ImportOut(BaseModel):
    import_id: int
    filename: str
    mode: str
    lines: int
    applied: int
    errors: list[LineErrorOut]

    @classmethod
    def of(cls, r: ImportResult) -> ImportOut:
        return cls(import_id=r.import_id, filename=r.filename, mode=r.mode, lines=r.lines, applied=r.applied,
                   errors=[LineErrorOut(**e) for e in r.errors])


class LedgerOut(BaseModel):
    id: int
    at: datetime
    warehouse: str
    sku: str
    reason: str
    reference: str
    on_hand_delta: int
    reserved_delta: int
    inbound_delta: int
    on_hand_after: int
    reserved_after: int
    inbound_after: int
    note: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> LedgerOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class AnomalyOut(BaseModel):
    """One row of the anomaly report; the fields that do not apply to its kind are null."""

    model_config = ConfigDict(extra="ignore")

    kind: str = Field(description="quantity_mismatch, unmapped_listing, oversold, unmapped_order_line, "
                                  "out_of_stock, below_safety_stock")
    store_id: int | None = None
    listing_id: int | None = None
    order_id: int | None = None
    sku: str | None = None
    seller_sku: str | None = None
    item_id: str | None = None
    variant_id: str | None = None
    platform_quantity: int | None = None
    crossdock_quantity: int | None = None
    available: int | None = None
    safety_stock: int | None = None
    detail: str = ""


class PushReportOut(BaseModel):
    skus: int
    listings: int = Field(description="listings whose quantity was due")
    pushed: int
    failed: int
    unchanged: int = Field(description="already showing the right quantity")
    stores: int
    api_calls: int
    seconds: float
    errors: list[str]

    @classmethod
    def of(cls, r: PushReport) -> PushReportOut:
        return cls(skus=r.skus, listings=r.listings, pushed=r.pushed, failed=r.failed, unchanged=r.unchanged,
                   stores=r.stores, api_calls=r.api_calls, seconds=r.seconds, errors=list(r.errors))


# --- allocation ----------------------------------------------------------------------------------

class ShareIn(BaseModel):
    """A store's share of one warehouse: {"ratio": "0.5"}, {"quota": 10}, or {} to remove the rule."""

    ratio: Decimal | None = Field(None, ge=0, le=1, examples=["0.5"])
    quota: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one_of(self) -> ShareIn:
        if self.ratio is not None and self.quota is not None:
            raise ValueError("give a ratio or a quota, not both")
        return self


class ShareOut(BaseModel):
    ratio: str | None
    quota: int | None


class AllocationOut(BaseModel):
    store_id: int
    push_enabled: bool
    safety_stock: int | None = Field(description="overrides the SKUs' own safety stock for this store")
    shares: dict[str, ShareOut] = Field(description="warehouse code -> share; a warehouse not named gives nothing")

    @classmethod
    def of(cls, a: dict[str, Any]) -> AllocationOut:
        return cls(store_id=a["store_id"], push_enabled=a["push_enabled"], safety_stock=a["safety_stock"],
                   shares={w: ShareOut(ratio=decimal_text(s["ratio"]), quota=s["quota"])
                           for w, s in a["shares"].items()})


class StockPushIn(BaseModel):
    enabled: bool
    safety_stock: int | None = Field(None, description="this store's own safety threshold; null uses each SKU's")


# --- listings ------------------------------------------------------------------------------------

class ListingOut(BaseModel):
    id: int
    store_id: int
    item_id: str
    variant_id: str
    seller_sku: str
    title: str
    price: str | None
    currency: str | None
    platform_quantity: int
    active: bool
    barcode: str
    sku: str | None = Field(description="the master SKU it is mapped to")
    mapped_by: str | None = Field(description="seller_sku, barcode or manual")
    pushed_quantity: int | None
    pushed_at: datetime | None
    push_state: str
    push_error: str | None
    first_seen_at: datetime
    last_seen_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any], sku: str | None = None) -> ListingOut:
        fields = {k: row[k] for k in cls.model_fields if k not in ("price", "sku")}
        return cls(**fields, price=decimal_text(row["price"], minor_units(row["currency"] or "")),
                   sku=row.get("sku_code", sku))


class MappingIn(BaseModel):
    sku: str | None = Field(description="master SKU code; null unmaps and keeps the listing out of automapping")


class ListingPullOut(BaseModel):
    store_id: int
    seen: int
    new: int
    mapped: int
    unmapped: int
    quarantined: int
    api_calls: int
    orders_resettled: int
    errors: list[str]

    @classmethod
    def of(cls, p: ListingPull) -> ListingPullOut:
        return cls(store_id=p.store_id, seen=p.seen, new=p.new, mapped=p.mapped, unmapped=p.unmapped,
                   quarantined=p.quarantined, api_calls=p.api_calls, orders_resettled=p.orders_resettled,
                   errors=list(p.errors))


class AutomapOut(BaseModel):
    mapped: int = Field(description="listings mapped by seller SKU or barcode")
    orders_settled: int = Field(description="orders that waited on a mapping and now hold stock")


class UnmappedLineOut(BaseModel):
    order_id: int
    store_id: int | None
    sku: str = Field(description="the seller SKU on the order line")
    item_id: str
    variant_id: str
    quantity: int
    title: str = ""

    @classmethod
    def of(cls, row: dict[str, Any]) -> UnmappedLineOut:
        return cls(**{k: row[k] for k in cls.model_fields if k in row})
