"""Stock levels and the ledger entries that change them; a level is never changed any other way."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from crossdock.domain.errors import DomainError


class NegativeStock(DomainError):
    """A change would leave on-hand or reserved stock below zero."""


class Reason(StrEnum):
    ORDER_RESERVED = "order_reserved"     # an order holds units
    ORDER_RELEASED = "order_released"     # the order was cancelled: its units are free again
    ORDER_SHIPPED = "order_shipped"       # the held units left the warehouse
    ADJUSTMENT = "adjustment"             # a count, damage, loss
    IMPORT = "import"                     # a stock file (CSV/XLSX)
    RETURN = "return"                     # a buyer's return put back on the shelf
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    INBOUND = "inbound"                   # announced (on the way), not yet on hand
    RECEIVED = "received"                 # inbound units arrived


@dataclass(frozen=True, slots=True)
class StockKey:
    warehouse: str
    sku: str


@dataclass(frozen=True, slots=True)
class StockLevel:
    key: StockKey
    on_hand: int = 0
    reserved: int = 0
    inbound: int = 0

    @property
    def available(self) -> int:
        """What can still be promised: on hand and not held for an order."""
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One change, with why and what caused it; the ledger of a key always sums to its level."""

    key: StockKey
    reason: Reason
    reference: str                 # the order, file line, count sheet or transfer that caused it
    on_hand: int = 0               # deltas
    reserved: int = 0
    inbound: int = 0


def apply(level: StockLevel, entry: LedgerEntry) -> StockLevel:
    if entry.key != level.key:
        raise DomainError(f"entry for {entry.key} applied to {level.key}")
    on_hand, reserved, inbound = level.on_hand + entry.on_hand, level.reserved + entry.reserved, \
        level.inbound + entry.inbound
    if on_hand < 0 or reserved < 0 or inbound < 0:
        raise NegativeStock(f"{entry.reason.value} {entry.reference} would leave {level.key.sku} in "
                            f"{level.key.warehouse} at on hand {on_hand}, reserved {reserved}, inbound {inbound}")
    if reserved > on_hand:
        raise NegativeStock(f"{entry.reason.value} {entry.reference} would hold {reserved} of {on_hand} on hand "
                            f"of {level.key.sku} in {level.key.warehouse}")
    return StockLevel(level.key, on_hand, reserved, inbound)


def replay(key: StockKey, entries: list[LedgerEntry]) -> StockLevel:
    """The level a ledger describes, from nothing; refuses a ledger that ever goes negative."""
    level = StockLevel(key)
    for entry in entries:
        level = apply(level, entry)
    return level
