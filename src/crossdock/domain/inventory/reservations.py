"""Reserving stock for an order across warehouses: all or what there is, and the shortfall said out loud."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from crossdock.domain.inventory.model import LedgerEntry, Reason, StockKey, StockLevel


@dataclass(frozen=True, slots=True)
class Need:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Reservation:
    entries: list[LedgerEntry] = field(default_factory=list)
    shortfall: dict[str, int] = field(default_factory=dict)   # sku -> units no warehouse could cover

    @property
    def oversold(self) -> bool:
        return bool(self.shortfall)


def reserve(order_ref: str, needs: Sequence[Need], levels: Mapping[StockKey, StockLevel],
            warehouses: Sequence[str]) -> Reservation:
    """Hold units for `order_ref`, taking from warehouses in the given order of preference. Units that no
    warehouse has are not held (stock never goes negative): they are the order's shortfall, so the order is
    flagged oversold instead of silently promised."""
    entries: list[LedgerEntry] = []
    shortfall: dict[str, int] = {}
    taken: dict[StockKey, int] = {}
    for need in needs:
        left = need.quantity
        for wh in warehouses:
            if left <= 0:
                break
            key = StockKey(wh, need.sku)
            level = levels.get(key)
            if level is None:
                continue
            free = level.available - taken.get(key, 0)
            take = min(free, left)
            if take > 0:
                taken[key] = taken.get(key, 0) + take
                entries.append(LedgerEntry(key, Reason.ORDER_RESERVED, order_ref, reserved=take))
                left -= take
        if left > 0:
            shortfall[need.sku] = shortfall.get(need.sku, 0) + left
    return Reservation(entries, shortfall)


def release(order_ref: str, held: Sequence[LedgerEntry]) -> list[LedgerEntry]:
    """Undo an order's reservations (cancelled): the same units become available again."""
    return [LedgerEntry(e.key, Reason.ORDER_RELEASED, order_ref, reserved=-e.reserved) for e in held
            if e.reason is Reason.ORDER_RESERVED]


def ship(order_ref: str, held: Sequence[LedgerEntry]) -> list[LedgerEntry]:
    """The held units left the warehouse: off the shelf and no longer held."""
    return [LedgerEntry(e.key, Reason.ORDER_SHIPPED, order_ref, on_hand=-e.reserved, reserved=-e.reserved)
            for e in held if e.reason is Reason.ORDER_RESERVED]


class StockAction(StrEnum):
    RESERVE = "reserve"
    RELEASE = "release"
    SHIP = "ship"
    IGNORE = "ignore"      # first seen already closed: the seller's count already reflects it
    RESHIP = "reship"      # released, yet the platform says it left after all: take the units again and ship them


# Orders that still wait to leave a warehouse: they hold stock.
OPEN = frozenset({"awaiting_payment", "pending_review", "reviewed", "label_created", "cancel_requested"})
GONE = frozenset({"shipped", "delivered", "completed", "return_requested", "returned"})
HOLDING = frozenset({"reserved", "oversold", "unmapped"})


def stock_action(held_state: str | None, status: str) -> StockAction | None:
    """What an order's stock must do now, given what it holds (`held_state`, None when never settled) and its
    status. An order first seen shipped or cancelled never touches stock: a count taken since covers it."""
    if held_state is None:
        return StockAction.RESERVE if status in OPEN else StockAction.IGNORE
    if held_state in HOLDING:
        if status == "cancelled":
            return StockAction.RELEASE
        if status in GONE:
            return StockAction.SHIP
    if held_state == "released" and status in GONE:
        # The seller cancelled but the platform refused (it had shipped) or the parcel went anyway: the units are
        # gone from the shelf, so they must leave our count too, or every store would show stock we do not have.
        return StockAction.RESHIP
    return None
