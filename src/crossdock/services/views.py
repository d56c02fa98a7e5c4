"""What the interfaces read: flat, typed views over stored data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoreView:
    id: int
    platform: str
    external_id: str
    name: str
    region: str
    currency: str
    status: str
    health: str
    health_detail: str
    account_id: int
    account_name: str
    has_credentials: bool
    last_sync_at: datetime | None = None
    last_sync_state: str | None = None
    watermark: datetime | None = None
    orders: int = 0
    platform_status: str = ""
    platform_details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class OrderLineView:
    position: int
    platform_line_id: str
    sku: str
    platform_item_id: str
    platform_variant_id: str
    title: str
    variant_title: str
    quantity: int
    unit_price: Money
    paid_unit_price: Money


@dataclass(frozen=True, slots=True)
class StatusChangeView:
    old_status: str | None
    new_status: str
    platform_status: str
    accepted: bool
    platform_at: datetime
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class OrderSummary:
    id: int
    store_id: int
    store_name: str
    platform: str
    platform_order_id: str
    status: str
    platform_status: str
    total: Money
    created_at: datetime
    platform_updated_at: datetime
    buyer_username: str
    ship_country: str | None
    lines: int


@dataclass(frozen=True, slots=True)
class OrderDetail:
    summary: OrderSummary
    paid_at: datetime | None
    ship_by: datetime | None
    buyer_id: str
    buyer_note: str
    cod: bool
    address: Address | None
    lines: list[OrderLineView]
    history: list[StatusChangeView]
    raw: dict[str, Any]
    first_seen_at: datetime
    last_changed_at: datetime


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: str | None = None
    store_id: int | None = None
    platform: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(slots=True)
class SyncRunView:
    id: int
    store_id: int
    stream: str
    trigger: str
    state: str
    window_from: datetime
    window_to: datetime
    started_at: datetime
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    pages: int = 0
    api_calls: int = 0
    retries: int = 0
    throttled: int = 0
    throttle_wait_seconds: float = 0.0
    orders_new: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    orders_stale: int = 0
    quarantined: int = 0
    error_kind: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class QuarantineItem:
    id: int
    store_id: int
    kind: str
    external_id: str
    reason: str
    payload: Any
    first_seen_at: datetime
    last_seen_at: datetime
    times_seen: int
    resolved_at: datetime | None
    sync_run_id: int | None


@dataclass(frozen=True, slots=True)
class CountCheck:
    store_id: int
    since: datetime
    until: datetime
    platform_count: int
    our_count: int
    missing: list[str] = field(default_factory=list)   # on the platform, not with us
    extra: list[str] = field(default_factory=list)     # with us, not listed by the platform
    quarantined: list[str] = field(default_factory=list)  # on the platform, held back as malformed

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra
