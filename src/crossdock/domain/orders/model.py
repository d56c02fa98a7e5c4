"""What a platform tells us about an order (the snapshot) and what we already hold (the state)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money
from crossdock.domain.orders.status import OrderStatus
from crossdock.domain.time import require_utc


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    phone: str
    country: str          # ISO 3166-1 alpha-2
    state: str = ""
    city: str = ""
    district: str = ""
    postcode: str = ""
    line1: str = ""       # street part when the platform splits it out
    full_address: str = ""


@dataclass(frozen=True, slots=True)
class Buyer:
    platform_buyer_id: str
    username: str
    email: str = ""


@dataclass(frozen=True, slots=True)
class OrderLine:
    platform_line_id: str
    sku: str                    # the seller's SKU as the platform knows it ("" when the listing has none)
    platform_item_id: str
    platform_variant_id: str
    title: str
    variant_title: str
    quantity: int
    unit_price: Money           # before the seller's or platform's discount
    paid_unit_price: Money      # what the buyer paid per unit


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """An order exactly as its platform reports it at `updated_at`, already typed."""

    platform_order_id: str
    platform_status: str
    status: OrderStatus                 # the platform status mapped into our machine
    created_at: datetime
    updated_at: datetime
    total: Money
    buyer: Buyer
    address: Address | None
    lines: tuple[OrderLine, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)
    payload_hash: str = ""              # fingerprint of `raw`, to tell a real change from a re-send
    paid_at: datetime | None = None
    ship_by: datetime | None = None
    buyer_note: str = ""
    cod: bool = False

    def __post_init__(self) -> None:
        for name in ("created_at", "updated_at", "paid_at", "ship_by"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_utc(value))
        for line in self.lines:
            if line.quantity <= 0:
                raise DomainError(f"line {line.platform_line_id} has quantity {line.quantity}")

    @property
    def currency(self) -> str:
        return self.total.currency


@dataclass(frozen=True, slots=True)
class OrderState:
    """The little we must know of a stored order to decide what a new snapshot changes."""

    order_id: int
    status: OrderStatus
    platform_status: str
    platform_updated_at: datetime
    payload_hash: str
