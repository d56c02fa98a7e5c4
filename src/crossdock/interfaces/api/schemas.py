"""API shapes: money as a decimal string with its currency, times as ISO 8601 UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter

from crossdock.domain.money import Money
from crossdock.services.views import (
    CountCheck,
    OrderDetail,
    OrderSummary,
    StoreView,
)


class MoneyOut(BaseModel):
    amount: str = Field(description="decimal string, never a float", examples=["19.90"])
    currency: str = Field(examples=["SGD"])

    @classmethod
    def of(cls, m: Money) -> MoneyOut:
        return cls(amount=str(m.amount), currency=m.currency)


class StoreOut(BaseModel):
    id: int
    platform: str
    external_id: str
    name: str
    region: str
    currency: str
    status: str
    health: str
    health_detail: str
    account: str
    authorized: bool
    orders: int
    last_sync_at: datetime | None
    last_sync_state: str | None
    watermark: datetime | None
    account_id: int
    platform_status: str = Field(description="the store's status as the platform reports it")
    platform_details: dict[str, Any] | None = Field(description="performance figures as the platform reports them")

    @classmethod
    def of(cls, s: StoreView) -> StoreOut:
        return cls(id=s.id, platform=s.platform, external_id=s.external_id, name=s.name, region=s.region,
                   currency=s.currency, status=s.status, health=s.health, health_detail=s.health_detail,
                   account=s.account_name, authorized=s.has_credentials, orders=s.orders,
                   last_sync_at=s.last_sync_at, last_sync_state=s.last_sync_state, watermark=s.watermark,
                   account_id=s.account_id, platform_status=s.platform_status, platform_details=s.platform_details)


class AccountConnectIn(BaseModel):
    platform: str = Field(examples=["joom"])
    account: str = Field(description="your name for the account")
    code: str = Field(description="the authorization code the platform redirected back with")
    external_id: str = Field("", description="the account id the redirect carried, where there is one")


class StoreIn(BaseModel):
    platform: str = Field(examples=["shopee"])
    external_id: str = Field(description="the platform's shop id", examples=["880001"])
    name: str
    region: str = Field(examples=["SG"])
    currency: str = Field(examples=["SGD"])
    account: str = ""


class AuthorizeIn(BaseModel):
    code: str = Field(description="the authorization code the platform redirected back with")


class OrderOut(BaseModel):
    id: int
    store_id: int
    store: str
    platform: str
    platform_order_id: str
    status: str
    platform_status: str
    total: MoneyOut
    created_at: datetime
    platform_updated_at: datetime
    buyer: str
    ship_country: str | None
    lines: int

    @classmethod
    def of(cls, o: OrderSummary) -> OrderOut:
        return cls(id=o.id, store_id=o.store_id, store=o.store_name, platform=o.platform,
                   platform_order_id=o.platform_order_id, status=o.status, platform_status=o.platform_status,
                   total=MoneyOut.of(o.total), created_at=o.created_at, platform_updated_at=o.platform_updated_at,
                   buyer=o.buyer_username, ship_country=o.ship_country, lines=o.lines)


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class LineOut(BaseModel):
    position: int
    sku: str
    title: str
    variant_title: str
    quantity: int
    unit_price: MoneyOut
    paid_unit_price: MoneyOut
    platform_item_id: str
    platform_variant_id: str
    platform_line_id: str


class AddressOut(BaseModel):
    name: str
    phone: str
    country: str
    state: str
    city: str
    district: str
    postcode: str
    line1: str
    full_address: str


class StatusChangeOut(BaseModel):
    old_status: str | None
    new_status: str
    platform_status: str
    accepted: bool
    platform_at: datetime
    recorded_at: datetime


class OrderDetailOut(OrderOut):
    paid_at: datetime | None
    ship_by: datetime | None
    buyer_id: str
    buyer_note: str
    cod: bool
    address: AddressOut | None
    items: list[LineOut]
    history: list[StatusChangeOut]
    raw: dict[str, Any] = Field(description="the platform's payload as last received, for audit")
    first_seen_at: datetime
    last_changed_at: datetime

    @classmethod
    def of_detail(cls, d: OrderDetail) -> OrderDetailOut:
        base = OrderOut.of(d.summary).model_dump()
        a = d.address
        return cls(
            **base, paid_at=d.paid_at, ship_by=d.ship_by, buyer_id=d.buyer_id, buyer_note=d.buyer_note, cod=d.cod,
            address=AddressOut(**{k: getattr(a, k) for k in AddressOut.model_fields}) if a else None,
            items=[LineOut(position=ln.position, sku=ln.sku, title=ln.title, variant_title=ln.variant_title,
                           quantity=ln.quantity, unit_price=MoneyOut.of(ln.unit_price),
                           paid_unit_price=MoneyOut.of(ln.paid_unit_price), platform_item_id=ln.platform_item_id,
                           platform_variant_id=ln.platform_variant_id, platform_line_id=ln.platform_line_id)
                   for ln in d.lines],
            history=[StatusChangeOut(**vars_of(h)) for h in d.history],
            raw=d.raw, first_seen_at=d.first_seen_at, last_changed_at=d.last_changed_at,
        )


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def dump(value: Any) -> Any:
    """JSON-ready form of a view dataclass (sync runs, quarantine items are served as they are)."""
    return TypeAdapter(type(value)).dump_python(value, mode="json")


class SyncIn(BaseModel):
    since: datetime | None = Field(None, description="replay from this time instead of the stored cursor")
    until: datetime | None = None


class CountCheckOut(BaseModel):
    store_id: int
    since: datetime
    until: datetime
    platform_count: int
    our_count: int
    missing: list[str]
    extra: list[str]
    quarantined: list[str]
    ok: bool

    @classmethod
    def of(cls, c: CountCheck) -> CountCheckOut:
        return cls(**vars_of(c), ok=c.ok)


class Health(BaseModel):
    status: str
    database: str
    version: str
    stores: int
    orders: int
    open_quarantine: int
