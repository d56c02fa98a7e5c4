"""Inventory rules: stock never goes negative silently, the ledger always sums to the levels, an order
that stock cannot cover is flagged, and stores list only what is there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossdock.domain.errors import DomainError
from crossdock.domain.inventory.allocation import Share, listed_quantity
from crossdock.domain.inventory.model import (
    LedgerEntry,
    NegativeStock,
    Reason,
    StockKey,
    StockLevel,
    apply,
    replay,
)
from crossdock.domain.inventory.reservations import Need, StockAction, release, reserve, ship, stock_action

KEY = StockKey("SZ-01", "MUG-RED")

operations = st.lists(st.tuples(st.sampled_from(["receive", "order", "cancel", "ship", "count"]),
                                st.integers(min_value=-5, max_value=12)), max_size=60)


@given(operations)
def test_the_ledger_always_sums_to_the_level_and_never_goes_negative(ops: list[tuple[str, int]]) -> None:
    level, ledger = StockLevel(KEY), []
    held: list[list[LedgerEntry]] = []
    for i, (op, n) in enumerate(ops):
        ref = f"op-{i}"
        if op == "receive":
            entries = [LedgerEntry(KEY, Reason.IMPORT, ref, on_hand=n)]
        elif op == "count":
            entries = [LedgerEntry(KEY, Reason.ADJUSTMENT, ref, on_hand=-abs(n))]
        elif op == "order":
            r = reserve(ref, [Need(KEY.sku, abs(n))], {KEY: level}, [KEY.warehouse])
            assert sum(e.reserved for e in r.entries) + r.shortfall.get(KEY.sku, 0) == abs(n)
            entries = r.entries
            held.append(entries)
        elif held:
            entries = (release if op == "cancel" else ship)(ref, held.pop(0))
        else:
            continue
        try:
            after = level
            for e in entries:
                after = apply(after, e)
        except NegativeStock:
            continue   # refused whole: the level and ledger are untouched
        level = after
        ledger.extend(entries)
        assert level.on_hand >= 0 and 0 <= level.reserved <= level.on_hand
    assert replay(KEY, ledger) == level


def test_last_units_go_to_the_first_order_and_the_rest_are_flagged() -> None:
    levels = {KEY: StockLevel(KEY, on_hand=3)}
    first = reserve("SO-1", [Need("MUG-RED", 2)], levels, ["SZ-01"])
    levels = {KEY: apply(levels[KEY], first.entries[0])}
    second = reserve("SO-2", [Need("MUG-RED", 2)], levels, ["SZ-01"])
    assert not first.oversold and second.oversold and second.shortfall == {"MUG-RED": 1}
    assert sum(e.reserved for e in second.entries) == 1


def test_reservations_take_warehouses_in_order_of_preference() -> None:
    uk, de = StockKey("UK-1", "MUG-RED"), StockKey("DE-1", "MUG-RED")
    levels = {uk: StockLevel(uk, on_hand=1), de: StockLevel(de, on_hand=5)}
    r = reserve("SO-9", [Need("MUG-RED", 3)], levels, ["UK-1", "DE-1"])
    assert [(e.key.warehouse, e.reserved) for e in r.entries] == [("UK-1", 1), ("DE-1", 2)]


def test_cancel_releases_and_shipping_deducts() -> None:
    level = StockLevel(KEY, on_hand=5)
    held = reserve("SO-1", [Need("MUG-RED", 2)], {KEY: level}, ["SZ-01"]).entries
    for e in held:
        level = apply(level, e)
    assert level.available == 3
    shipped = level
    for e in ship("SO-1", held):
        shipped = apply(shipped, e)
    assert (shipped.on_hand, shipped.reserved) == (3, 0)
    released = level
    for e in release("SO-1", held):
        released = apply(released, e)
    assert (released.on_hand, released.reserved) == (5, 0)


def test_a_change_that_would_go_negative_is_refused() -> None:
    with pytest.raises(NegativeStock, match="MUG-RED"):
        apply(StockLevel(KEY, on_hand=1), LedgerEntry(KEY, Reason.ADJUSTMENT, "count-7", on_hand=-2))
    with pytest.raises(NegativeStock):
        apply(StockLevel(KEY, on_hand=1), LedgerEntry(KEY, Reason.ORDER_RESERVED, "SO-1", reserved=2))


@given(st.dictionaries(st.sampled_from(["A", "B", "C"]), st.integers(min_value=-3, max_value=500)),
       st.dictionaries(st.sampled_from(["A", "B", "C"]),
                       st.one_of(st.builds(Share, ratio=st.decimals(min_value=0, max_value=1, places=2)),
                                 st.builds(Share, quota=st.integers(min_value=0, max_value=50)))),
       st.integers(min_value=0, max_value=20))
def test_a_store_never_lists_more_than_is_there(available: dict[str, int], shares: dict[str, Share],
                                                 safety: int) -> None:
    listed = listed_quantity(available, shares, safety)
    total = sum(max(0, v) for v in available.values())
    assert 0 <= listed <= total
    if total <= safety:
        assert listed == 0


def test_ratios_round_down_and_quotas_cap() -> None:
    shares = {"A": Share(ratio=Decimal("0.5")), "B": Share(quota=10)}
    assert listed_quantity({"A": 7, "B": 4}, shares) == 3 + 4
    assert listed_quantity({"A": 7, "B": 4}, shares, safety_stock=11) == 0   # delisted at the threshold
    with pytest.raises(DomainError):
        Share(ratio=Decimal("1.5"))
    with pytest.raises(DomainError):
        Share()


@pytest.mark.parametrize(("held", "status", "action"), [
    (None, "pending_review", StockAction.RESERVE),
    (None, "shipped", StockAction.IGNORE),
    ("reserved", "cancelled", StockAction.RELEASE),
    ("oversold", "shipped", StockAction.SHIP),
    ("released", "shipped", StockAction.RESHIP),        # cancelled here, shipped there after all
    ("released", "delivered", StockAction.RESHIP),
    ("released", "cancelled", None),
    ("released", "pending_review", None),                # a re-read of the open order changes nothing
    ("shipped", "delivered", None),
])
def test_stock_follows_the_orders_status(held: str | None, status: str, action: StockAction | None) -> None:
    assert stock_action(held, status) is action
