"""Settles orders' stock inside the transaction that imports them: an arriving order reserves, a cancelled one
releases, a shipped one deducts; the order_stock row makes every step happen once however often it is replayed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crossdock.domain.inventory.model import LedgerEntry, Reason, StockKey
from crossdock.domain.inventory.reservations import Need, StockAction, release, reserve, ship, stock_action
from crossdock.persistence.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class LineRef:
    """An order line as stock needs it: which listing, which seller SKU, how many."""

    sku: str
    item_id: str
    variant_id: str
    quantity: int
    title: str = ""


@dataclass(frozen=True, slots=True)
class OrderChange:
    order_id: int
    status: str
    lines: tuple[LineRef, ...]


@dataclass(slots=True)
class Settled:
    reserved: list[int] = field(default_factory=list)
    oversold: list[int] = field(default_factory=list)
    unmapped: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    shipped: list[int] = field(default_factory=list)


def order_ref(order_id: int) -> str:
    return f"order:{order_id}"


class SkuResolver:
    """Order lines -> master SKU units: through the store's mapped listing, else an exact master SKU code;
    bundles become their components. Loads what a batch needs in a few queries."""

    def __init__(self, uow: UnitOfWork, store_id: int) -> None:
        self.uow, self.store_id = uow, store_id

    def resolve(self, lines: Sequence[LineRef]) -> list[dict[int, int] | None]:
        by_key = self.uow.listings.by_platform_keys(self.store_id, {(x.item_id, x.variant_id) for x in lines})
        by_code = self.uow.catalogue.skus_by_code({x.sku for x in lines if x.sku})
        sku_ids: list[int | None] = []
        for line in lines:
            mapped = by_key.get((line.item_id, line.variant_id))
            if mapped is None and line.sku in by_code:
                mapped = by_code[line.sku].id
            sku_ids.append(mapped)
        rows = self.uow.catalogue.skus_by_id(i for i in sku_ids if i is not None)
        kits = self.uow.catalogue.components(i for i, r in rows.items() if r.kind == "bundle")
        out: list[dict[int, int] | None] = []
        for line, sku_id in zip(lines, sku_ids, strict=True):
            if sku_id is None:
                out.append(None)
            elif rows[sku_id].kind == "bundle":
                out.append({c: q * line.quantity for c, q in kits.get(sku_id, {}).items()} or None)
            else:
                out.append({sku_id: line.quantity})
        return out


def warehouse_preference(uow: UnitOfWork, store_id: int) -> list[str]:
    """The warehouses a store sells from, first choice first: those its allocation gives a share of (all active
    ones when it has no rules), by warehouse priority."""
    active = uow.catalogue.warehouses(active_only=True)
    shares = uow.stock.shares([store_id]).get(store_id)
    if shares is None:
        return [str(w.id) for w in active]
    return [str(w.id) for w in active if w.id in shares and ((shares[w.id][0] or 0) > 0 or (shares[w.id][1] or 0) > 0)]


def settle(uow: UnitOfWork, store_id: int, changes: Sequence[OrderChange], now: datetime) -> Settled:
    """Bring the stock of these orders in line with their status, in the caller's transaction."""
    done = Settled()
    held_states = uow.stock.order_states(c.order_id for c in changes)
    todo: list[tuple[OrderChange, StockAction]] = []
    fresh: list[dict[str, Any]] = []      # first settlements, written in one statement per page
    for change in changes:
        action = stock_action(held_states.get(change.order_id), change.status)
        if action is StockAction.IGNORE:
            fresh.append({"order_id": change.order_id, "state": "untracked", "shortfall": None, "unmapped": None,
                          "updated_at": now})
        elif action is not None:
            todo.append((change, action))
    if not todo:
        uow.stock.insert_order_states(fresh)
        return done
    resolver = SkuResolver(uow, store_id)
    taking = (StockAction.RESERVE, StockAction.RESHIP)
    reserving = [c for c, a in todo if a in taking]
    resolved = resolver.resolve([line for c in reserving for line in c.lines])
    holds = uow.stock.holds(c.order_id for c, a in todo if a not in taking)
    sku_ids = {s for units in resolved if units for s in units} | {s for hs in holds.values() for _, s, _ in hs}
    levels = uow.stock.lock_levels(sku_ids)
    preference = warehouse_preference(uow, store_id)
    codes = {r.id: r.code for r in uow.catalogue.skus_by_id(sku_ids).values()}
    position = 0
    for change, action in todo:
        if action in taking:
            units = resolved[position:position + len(change.lines)]
            position += len(change.lines)
            if action is StockAction.RESERVE:
                _reserve(uow, change, units, levels, preference, codes, now, done, fresh=fresh)
                continue
            # RESHIP: what the order takes now (a shortfall is flagged as for any order), then shipped at once.
            _reserve(uow, change, units, levels, preference, codes, now, Settled())
            holds[change.order_id] = uow.stock.holds([change.order_id]).get(change.order_id, [])
            action = StockAction.SHIP
        held = [LedgerEntry(StockKey(str(w), str(s)), Reason.ORDER_RESERVED, order_ref(change.order_id),
                            reserved=q) for w, s, q in holds.get(change.order_id, [])]
        entries = release(order_ref(change.order_id), held) if action is StockAction.RELEASE \
            else ship(order_ref(change.order_id), held)
        uow.stock.apply(levels, entries, now)
        uow.stock.clear_holds(change.order_id)
        state = "released" if action is StockAction.RELEASE else "shipped"
        uow.stock.set_order_state(change.order_id, state, now)
        (done.released if action is StockAction.RELEASE else done.shipped).append(change.order_id)
    uow.stock.insert_order_states(fresh)
    return done


def _reserve(uow: UnitOfWork, change: OrderChange, units: Sequence[dict[int, int] | None],
             levels: dict[StockKey, Any], preference: list[str], codes: dict[int, str], now: datetime,
             done: Settled, *, fresh: list[dict[str, Any]] | None = None) -> None:
    """Reserve what the order's mapped lines need; `fresh` collects the state row of a first settlement (else
    the order's existing row is updated)."""
    needs: dict[int, int] = {}
    unmapped: list[dict[str, Any]] = []
    for line, line_units in zip(change.lines, units, strict=True):
        if line_units is None:
            unmapped.append({"sku": line.sku, "item_id": line.item_id, "variant_id": line.variant_id,
                             "quantity": line.quantity, "title": line.title})
            continue
        for sku_id, q in line_units.items():
            needs[sku_id] = needs.get(sku_id, 0) + q
    result = reserve(order_ref(change.order_id), [Need(str(s), q) for s, q in sorted(needs.items())], levels,
                     preference)
    uow.stock.apply(levels, result.entries, now)
    held: dict[tuple[int, int], int] = {}
    for e in result.entries:
        key = (int(e.key.warehouse), int(e.key.sku))
        held[key] = held.get(key, 0) + e.reserved
    uow.stock.add_holds(change.order_id, held, new=fresh is not None)
    shortfall = {codes.get(int(s), s): q for s, q in result.shortfall.items()}
    state = "unmapped" if unmapped else "oversold" if shortfall else "reserved"
    if fresh is not None:
        fresh.append({"order_id": change.order_id, "state": state, "shortfall": shortfall or None,
                      "unmapped": unmapped or None, "updated_at": now})
    else:
        uow.stock.set_order_state(change.order_id, state, now, shortfall, unmapped)
    {"unmapped": done.unmapped, "oversold": done.oversold, "reserved": done.reserved}[state].append(change.order_id)


def resettle_unmapped(uow: UnitOfWork, store_id: int, order_ids: Sequence[int], now: datetime) -> Settled:
    """Orders that waited for a SKU mapping: reserve the lines that now map (the others keep waiting)."""
    done = Settled()
    resolver = SkuResolver(uow, store_id)
    preference = warehouse_preference(uow, store_id)
    for row in uow.stock.order_rows(order_ids):
        if row["state"] != "unmapped":
            continue
        lines = tuple(LineRef(x["sku"], x["item_id"], x["variant_id"], int(x["quantity"]), x.get("title", ""))
                      for x in row["unmapped"] or [])
        units = resolver.resolve(lines)
        if all(u is None for u in units):
            continue
        sku_ids = {s for u in units if u for s in u}
        levels = uow.stock.lock_levels(sku_ids)
        codes = {r.id: r.code for r in uow.catalogue.skus_by_id(sku_ids).values()}
        _reserve(uow, OrderChange(row["order_id"], "pending_review", lines), units, levels, preference, codes, now,
                 done)
        if row["shortfall"]:
            # What the lines reserved earlier could not cover still stands beside the new shortfall.
            [after] = uow.stock.order_rows([row["order_id"]])
            merged = {**row["shortfall"], **(after["shortfall"] or {})}
            state = "unmapped" if after["state"] == "unmapped" else "oversold"
            uow.stock.set_order_state(row["order_id"], state, now, merged, after["unmapped"])
    return done
