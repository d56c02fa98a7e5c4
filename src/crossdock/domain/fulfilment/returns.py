"""Return requests as marketplaces report them, in one vocabulary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from crossdock.domain.money import Money
from crossdock.domain.time import require_utc


class ReturnState(StrEnum):
    REQUESTED = "requested"        # the buyer asked; the seller must answer
    APPROVED = "approved"          # the buyer may send it back
    IN_TRANSIT = "in_transit"      # the buyer shipped it
    RECEIVED = "received"          # it arrived at the return address
    REFUNDED = "refunded"          # money went back (with or without the goods)
    REJECTED = "rejected"
    CANCELLED = "cancelled"        # withdrawn by the buyer or closed by the platform


@dataclass(frozen=True, slots=True)
class ReturnLine:
    platform_line_id: str          # the order line it returns ("" when the platform names only the SKU)
    sku: str                       # the seller SKU as the platform knows it
    quantity: int


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    platform_return_id: str
    platform_order_id: str
    platform_status: str           # the platform's own word, kept as sent
    state: ReturnState
    created_at: datetime
    updated_at: datetime
    reason: str
    lines: tuple[ReturnLine, ...]
    refund: Money | None = None
    tracking_number: str = ""      # the buyer's return parcel, when the platform gives it
    raw: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("created_at", "updated_at"):
            object.__setattr__(self, name, require_utc(getattr(self, name)))
