"""Catalogue, listings and stock rows; stock levels change only here, each change with its ledger row."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, tuple_, update

from crossdock.domain.inventory.model import LedgerEntry, StockKey, StockLevel, apply
from crossdock.persistence.tables import (
    allocation_rules,
    bundle_components,
    listings,
    order_holds,
    order_stock,
    orders,
    skus,
    stock_dirty,
    stock_imports,
    stock_ledger,
    stock_levels,
    store_stock,
    warehouses,
)
from crossdock.ports.marketplace import Listing


@dataclass(frozen=True, slots=True)
class SkuRow:
    id: int
    code: str
    title: str
    kind: str
    barcode: str | None
    temperature: str
    safety_stock: int


@dataclass(frozen=True, slots=True)
class WarehouseRow:
    id: int
    code: str
    name: str
    country: str
    kind: str
    priority: int
    active: bool


class CatalogueRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_sku(self, values: dict[str, Any]) -> int:
        return int(self.conn.execute(insert(skus).values(**values).returning(skus.c.id)).scalar_one())

    def update_sku(self, sku_id: int, values: dict[str, Any]) -> None:
        self.conn.execute(update(skus).where(skus.c.id == sku_id).values(**values))

    def skus_by_code(self, codes: Iterable[str]) -> dict[str, SkuRow]:
        wanted = list(set(codes))
        rows: dict[str, SkuRow] = {}
        for i in range(0, len(wanted), 500):
            for r in self.conn.execute(select(*_SKU_COLS).where(skus.c.code.in_(wanted[i:i + 500]))):
                rows[r.code] = SkuRow(*r)
        return rows

    def skus_by_id(self, ids: Iterable[int]) -> dict[int, SkuRow]:
        wanted = list(set(ids))
        rows: dict[int, SkuRow] = {}
        for i in range(0, len(wanted), 500):
            for r in self.conn.execute(select(*_SKU_COLS).where(skus.c.id.in_(wanted[i:i + 500]))):
                rows[r.id] = SkuRow(*r)
        return rows

    def skus_by_barcode(self, barcodes: Iterable[str]) -> dict[str, SkuRow]:
        wanted = [b for b in set(barcodes) if b]
        rows: dict[str, SkuRow] = {}
        for i in range(0, len(wanted), 500):
            for r in self.conn.execute(select(*_SKU_COLS).where(skus.c.barcode.in_(wanted[i:i + 500]))):
                rows[r.barcode] = SkuRow(*r)
        return rows

    def list_skus(self, search: str = "", limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        q = select(skus).order_by(skus.c.code).limit(limit).offset(offset)
        if search:
            like = f"%{search}%"
            q = q.where(or_(skus.c.code.ilike(like), skus.c.title.ilike(like), skus.c.barcode == search))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def set_components(self, bundle_id: int, components: Mapping[int, int]) -> None:
        self.conn.execute(delete(bundle_components).where(bundle_components.c.bundle_id == bundle_id))
        if components:
            self.conn.execute(insert(bundle_components), [
                {"bundle_id": bundle_id, "component_id": c, "quantity": q} for c, q in components.items()])

    def components(self, bundle_ids: Iterable[int]) -> dict[int, dict[int, int]]:
        """bundle id -> {component sku id: units per bundle}."""
        out: dict[int, dict[int, int]] = {}
        ids = list(set(bundle_ids))
        if ids:
            for r in self.conn.execute(select(bundle_components).where(bundle_components.c.bundle_id.in_(ids))):
                out.setdefault(r.bundle_id, {})[r.component_id] = r.quantity
        return out

    def bundles_containing(self, component_ids: Iterable[int]) -> set[int]:
        ids = list(set(component_ids))
        if not ids:
            return set()
        q = select(bundle_components.c.bundle_id).where(bundle_components.c.component_id.in_(ids))
        return set(self.conn.execute(q).scalars())

    def add_warehouse(self, values: dict[str, Any]) -> int:
        return int(self.conn.execute(insert(warehouses).values(**values).returning(warehouses.c.id)).scalar_one())

    def warehouses(self, active_only: bool = False) -> list[WarehouseRow]:
        q = select(warehouses.c.id, warehouses.c.code, warehouses.c.name, warehouses.c.country, warehouses.c.kind,
                   warehouses.c.priority, warehouses.c.active).order_by(warehouses.c.priority, warehouses.c.code)
        if active_only:
            q = q.where(warehouses.c.active.is_(True))
        return [WarehouseRow(*r) for r in self.conn.execute(q)]


_SKU_COLS = (skus.c.id, skus.c.code, skus.c.title, skus.c.kind, skus.c.barcode, skus.c.temperature,
             skus.c.safety_stock)


class ListingRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def upsert(self, store_id: int, currency: str, pulled: Sequence[Listing], now: datetime) -> list[int]:
        """Insert or refresh the store's listings as the platform reported them; keeps mapping and push
        state. Returns the ids of listings seen for the first time."""
        keys = [(x.item_id, x.variant_id) for x in pulled]
        held: dict[tuple[str, str], int] = {}
        for i in range(0, len(keys), 400):
            q = select(listings.c.id, listings.c.item_id, listings.c.variant_id).where(
                listings.c.store_id == store_id,
                tuple_(listings.c.item_id, listings.c.variant_id).in_(keys[i:i + 400]))
            held.update({(r.item_id, r.variant_id): r.id for r in self.conn.execute(q)})
        fresh, seen = [], []
        for x in pulled:
            values = {"seller_sku": x.seller_sku, "title": x.title,
                      "price": x.price.amount if x.price else None,
                      "currency": x.price.currency if x.price else currency,
                      "platform_quantity": x.quantity, "active": x.active, "barcode": x.barcode,
                      "raw": x.raw, "last_seen_at": now}
            lid = held.get((x.item_id, x.variant_id))
            if lid is None:
                fresh.append({**values, "store_id": store_id, "item_id": x.item_id, "variant_id": x.variant_id,
                              "first_seen_at": now})
            else:
                seen.append({**values, "b_id": lid})
        new_ids: list[int] = []
        for row in fresh:
            new_ids.append(int(self.conn.execute(insert(listings).values(**row).returning(listings.c.id))
                               .scalar_one()))
        if seen:
            from sqlalchemy import bindparam
            stmt = update(listings).where(listings.c.id == bindparam("b_id")).values(
                {k: bindparam(k) for k in seen[0] if k != "b_id"})
            self.conn.execute(stmt, seen)
        return new_ids

    def unmapped(self, store_id: int | None = None) -> list[dict[str, Any]]:
        q = select(listings).where(listings.c.sku_id.is_(None)).order_by(listings.c.store_id, listings.c.seller_sku)
        if store_id is not None:
            q = q.where(listings.c.store_id == store_id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def set_mapping(self, listing_ids: Sequence[int], sku_id: int | None, mapped_by: str | None) -> None:
        if listing_ids:
            self.conn.execute(update(listings).where(listings.c.id.in_(list(listing_ids)))
                              .values(sku_id=sku_id, mapped_by=mapped_by))

    def get(self, listing_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(listings).where(listings.c.id == listing_id)).first()
        return dict(row._mapping) if row else None

    def search(self, *, store_id: int | None = None, sku_id: int | None = None, mapped: bool | None = None,
               limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        q = (select(listings, skus.c.code.label("sku_code")).select_from(listings.outerjoin(skus))
             .order_by(listings.c.store_id, listings.c.seller_sku, listings.c.id).limit(limit).offset(offset))
        if store_id is not None:
            q = q.where(listings.c.store_id == store_id)
        if sku_id is not None:
            q = q.where(listings.c.sku_id == sku_id)
        if mapped is not None:
            q = q.where(listings.c.sku_id.is_not(None) if mapped else listings.c.sku_id.is_(None))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def by_platform_keys(self, store_id: int, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
        """(item id, variant id) -> the mapped SKU id (None when the listing is known but unmapped)."""
        wanted = list(set(keys))
        out: dict[tuple[str, str], int | None] = {}
        for i in range(0, len(wanted), 400):
            q = select(listings.c.item_id, listings.c.variant_id, listings.c.sku_id).where(
                listings.c.store_id == store_id,
                tuple_(listings.c.item_id, listings.c.variant_id).in_(wanted[i:i + 400]))
            out.update({(r.item_id, r.variant_id): r.sku_id for r in self.conn.execute(q)})
        return out

    def for_skus(self, sku_ids: Iterable[int]) -> list[dict[str, Any]]:
        ids = list(set(sku_ids))
        rows: list[dict[str, Any]] = []
        for i in range(0, len(ids), 500):
            q = select(listings.c.id, listings.c.store_id, listings.c.item_id, listings.c.variant_id,
                       listings.c.seller_sku, listings.c.sku_id, listings.c.pushed_quantity, listings.c.push_state,
                       listings.c.platform_quantity).where(listings.c.sku_id.in_(ids[i:i + 500]))
            rows.extend(dict(r._mapping) for r in self.conn.execute(q))
        return rows

    def retry_skus(self, max_attempts: int) -> set[int]:
        """SKUs of listings whose last push failed for a passing reason and are worth another try."""
        q = select(listings.c.sku_id).where(listings.c.push_state == "retry", listings.c.sku_id.is_not(None),
                                            listings.c.push_attempts < max_attempts).distinct()
        return set(self.conn.execute(q).scalars())

    def record_push(self, results: Sequence[dict[str, Any]], now: datetime) -> None:
        """results: {id, quantity, ok, error, retry}: what the platform now shows, or why not."""
        for r in results:
            if r["ok"]:
                values: dict[str, Any] = {"pushed_quantity": r["quantity"], "pushed_at": now, "push_state": "ok",
                                          "push_error": None, "push_attempts": 0,
                                          "platform_quantity": r["quantity"]}
            else:
                values = {"push_state": "retry" if r["retry"] else "failed", "push_error": r["error"][:2000],
                          "pushed_at": now, "push_attempts": listings.c.push_attempts + 1}
            self.conn.execute(update(listings).where(listings.c.id == r["id"]).values(**values))


class StockRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._dirtied: set[int] = set()

    def dirty_since_start(self) -> set[int]:
        """SKUs this unit of work marked for pushing (to announce after commit)."""
        return set(self._dirtied)

    # levels and the ledger
    def lock_levels(self, sku_ids: Iterable[int]) -> dict[StockKey, StockLevel]:
        """The levels of these SKUs in every warehouse, locked until commit (PostgreSQL FOR UPDATE, in a fixed
        order so two writers never wait on each other in a cycle; SQLite already holds its write lock)."""
        ids = sorted(set(sku_ids))
        if not ids:
            return {}
        q = (select(stock_levels.c.warehouse_id, stock_levels.c.sku_id, stock_levels.c.on_hand,
                    stock_levels.c.reserved, stock_levels.c.inbound)
             .where(stock_levels.c.sku_id.in_(ids))
             .order_by(stock_levels.c.sku_id, stock_levels.c.warehouse_id).with_for_update())
        return {StockKey(str(r.warehouse_id), str(r.sku_id)):
                StockLevel(StockKey(str(r.warehouse_id), str(r.sku_id)), r.on_hand, r.reserved, r.inbound)
                for r in self.conn.execute(q)}

    def levels(self, sku_ids: Iterable[int] | None = None) -> dict[tuple[int, int], tuple[int, int, int]]:
        """(warehouse id, sku id) -> (on hand, reserved, inbound), unlocked, for reading."""
        q = select(stock_levels.c.warehouse_id, stock_levels.c.sku_id, stock_levels.c.on_hand,
                   stock_levels.c.reserved, stock_levels.c.inbound)
        out: dict[tuple[int, int], tuple[int, int, int]] = {}
        if sku_ids is None:
            for r in self.conn.execute(q):
                out[(r.warehouse_id, r.sku_id)] = (r.on_hand, r.reserved, r.inbound)
            return out
        ids = list(set(sku_ids))
        for i in range(0, len(ids), 500):
            for r in self.conn.execute(q.where(stock_levels.c.sku_id.in_(ids[i:i + 500]))):
                out[(r.warehouse_id, r.sku_id)] = (r.on_hand, r.reserved, r.inbound)
        return out

    def apply(self, levels: dict[StockKey, StockLevel], entries: Sequence[LedgerEntry], now: datetime,
              note: str = "") -> None:
        """Apply entries to the locked `levels` (updated in place): one ledger row each, then the new levels.
        Raises NegativeStock (nothing written) if any entry would leave a level negative."""
        rows: list[dict[str, Any]] = []
        touched: dict[StockKey, bool] = {}
        for entry in entries:
            existed = entry.key in levels or touched.get(entry.key, False)
            level = levels.get(entry.key) or StockLevel(entry.key)
            after = apply(level, entry)
            levels[entry.key] = after
            touched.setdefault(entry.key, existed)
            rows.append({"warehouse_id": int(entry.key.warehouse), "sku_id": int(entry.key.sku),
                         "reason": entry.reason.value, "reference": entry.reference,
                         "on_hand_delta": entry.on_hand, "reserved_delta": entry.reserved,
                         "inbound_delta": entry.inbound, "on_hand_after": after.on_hand,
                         "reserved_after": after.reserved, "inbound_after": after.inbound, "note": note, "at": now})
        if not rows:
            return
        self.conn.execute(insert(stock_ledger), rows)
        from sqlalchemy import bindparam
        existing = [{"w": int(k.warehouse), "s": int(k.sku), "on_hand": levels[k].on_hand,
                     "reserved": levels[k].reserved, "inbound": levels[k].inbound, "updated_at": now}
                    for k, existed in touched.items() if existed]
        created = [{"warehouse_id": int(k.warehouse), "sku_id": int(k.sku), "on_hand": levels[k].on_hand,
                    "reserved": levels[k].reserved, "inbound": levels[k].inbound, "updated_at": now}
                   for k, existed in touched.items() if not existed]
        if existing:
            self.conn.execute(update(stock_levels).where(and_(stock_levels.c.warehouse_id == bindparam("w"),
                                                              stock_levels.c.sku_id == bindparam("s")))
                              .values(on_hand=bindparam("on_hand"), reserved=bindparam("reserved"),
                                      inbound=bindparam("inbound"), updated_at=bindparam("updated_at")), existing)
        if created:
            self.conn.execute(insert(stock_levels), created)
        self.mark_dirty({int(k.sku) for k in touched}, now)

    def ledger(self, *, sku_id: int | None = None, warehouse_id: int | None = None, reference: str | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
        q = select(stock_ledger).order_by(stock_ledger.c.id.desc()).limit(limit)
        if sku_id is not None:
            q = q.where(stock_ledger.c.sku_id == sku_id)
        if warehouse_id is not None:
            q = q.where(stock_ledger.c.warehouse_id == warehouse_id)
        if reference is not None:
            q = q.where(stock_ledger.c.reference == reference)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def ledger_sums(self) -> dict[tuple[int, int], tuple[int, int, int]]:
        q = select(stock_ledger.c.warehouse_id, stock_ledger.c.sku_id, func.sum(stock_ledger.c.on_hand_delta),
                   func.sum(stock_ledger.c.reserved_delta), func.sum(stock_ledger.c.inbound_delta)) \
            .group_by(stock_ledger.c.warehouse_id, stock_ledger.c.sku_id)
        return {(r[0], r[1]): (int(r[2]), int(r[3]), int(r[4])) for r in self.conn.execute(q)}

    # what orders hold
    def order_states(self, order_ids: Iterable[int]) -> dict[int, str]:
        ids = list(set(order_ids))
        out: dict[int, str] = {}
        for i in range(0, len(ids), 500):
            q = select(order_stock.c.order_id, order_stock.c.state).where(order_stock.c.order_id.in_(ids[i:i + 500]))
            out.update({r.order_id: r.state for r in self.conn.execute(q)})
        return out

    def holds(self, order_ids: Iterable[int]) -> dict[int, list[tuple[int, int, int]]]:
        """order id -> [(warehouse id, sku id, units)]."""
        ids = list(set(order_ids))
        out: dict[int, list[tuple[int, int, int]]] = {}
        for i in range(0, len(ids), 500):
            q = select(order_holds).where(order_holds.c.order_id.in_(ids[i:i + 500]))
            for r in self.conn.execute(q):
                out.setdefault(r.order_id, []).append((r.warehouse_id, r.sku_id, r.quantity))
        return out

    def insert_order_states(self, rows: Sequence[dict[str, Any]]) -> None:
        """First settlements: order_id, state, shortfall, unmapped, updated_at (the key refuses a second)."""
        if rows:
            self.conn.execute(insert(order_stock), list(rows))

    def set_order_state(self, order_id: int, state: str, now: datetime, shortfall: dict[str, int] | None = None,
                        unmapped: list[dict[str, Any]] | None = None) -> None:
        values = {"state": state, "shortfall": shortfall or None, "unmapped": unmapped or None, "updated_at": now}
        self.conn.execute(update(order_stock).where(order_stock.c.order_id == order_id).values(**values))

    def add_holds(self, order_id: int, held: Mapping[tuple[int, int], int], new: bool = False) -> None:
        """Record units an order holds; `new`: the order held nothing before (no read needed)."""
        if not held:
            return
        current = {} if new else {(w, s): q for w, s, q in self.holds([order_id]).get(order_id, [])}
        for (w, s), q in held.items():
            if (w, s) in current:
                self.conn.execute(update(order_holds).where(
                    order_holds.c.order_id == order_id, order_holds.c.warehouse_id == w, order_holds.c.sku_id == s)
                    .values(quantity=current[(w, s)] + q))
            else:
                self.conn.execute(insert(order_holds).values(order_id=order_id, warehouse_id=w, sku_id=s, quantity=q))

    def clear_holds(self, order_id: int) -> None:
        self.conn.execute(delete(order_holds).where(order_holds.c.order_id == order_id))

    def order_rows(self, order_ids: Iterable[int]) -> list[dict[str, Any]]:
        ids = list(set(order_ids))
        if not ids:
            return []
        q = select(order_stock).where(order_stock.c.order_id.in_(ids)).order_by(order_stock.c.order_id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def waiting_for_mapping(self, store_id: int) -> list[int]:
        """The store's orders holding lines that no master SKU covered yet."""
        q = (select(order_stock.c.order_id).join(orders, orders.c.id == order_stock.c.order_id)
             .where(order_stock.c.state == "unmapped", orders.c.store_id == store_id).order_by(order_stock.c.order_id))
        return list(self.conn.execute(q).scalars())

    def orders_in_state(self, state: str, limit: int = 500) -> list[dict[str, Any]]:
        q = select(order_stock).where(order_stock.c.state == state).order_by(order_stock.c.order_id).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # pushing
    def mark_dirty(self, sku_ids: Iterable[int], now: datetime) -> None:
        ids = sorted(set(sku_ids))
        if not ids:
            return
        self._dirtied.update(ids)
        # A fresh random token, not max()+1: two writers on PostgreSQL can read the same max, and the pusher
        # clears a mark only if its token is still the one it read, so a change made meanwhile is never lost.
        seq = secrets.randbits(62)
        held = set(self.conn.execute(select(stock_dirty.c.sku_id).where(stock_dirty.c.sku_id.in_(ids))).scalars())
        if held:
            self.conn.execute(update(stock_dirty).where(stock_dirty.c.sku_id.in_(list(held)))
                              .values(seq=seq, marked_at=now))
        fresh = [{"sku_id": i, "seq": seq, "marked_at": now} for i in ids if i not in held]
        if fresh:
            self.conn.execute(insert(stock_dirty), fresh)

    def dirty(self, limit: int = 5000) -> list[tuple[int, int]]:
        """(sku id, seq) of SKUs waiting to be pushed, oldest first."""
        q = select(stock_dirty.c.sku_id, stock_dirty.c.seq).order_by(stock_dirty.c.marked_at).limit(limit)
        return [(r.sku_id, r.seq) for r in self.conn.execute(q)]

    def clear_dirty(self, seen: Sequence[tuple[int, int]]) -> None:
        """Forget the marks that were pushed, unless the SKU was marked again meanwhile (another token)."""
        for sku_id, seq in seen:
            self.conn.execute(delete(stock_dirty).where(stock_dirty.c.sku_id == sku_id, stock_dirty.c.seq == seq))

    # allocation and store settings
    def shares(self, store_ids: Iterable[int]) -> dict[int, dict[int, tuple[Decimal | None, int | None]]]:
        ids = list(set(store_ids))
        out: dict[int, dict[int, tuple[Decimal | None, int | None]]] = {}
        if ids:
            for r in self.conn.execute(select(allocation_rules).where(allocation_rules.c.store_id.in_(ids))):
                out.setdefault(r.store_id, {})[r.warehouse_id] = (r.ratio, r.quota)
        return out

    def set_share(self, store_id: int, warehouse_id: int, ratio: Decimal | None, quota: int | None) -> None:
        self.conn.execute(delete(allocation_rules).where(allocation_rules.c.store_id == store_id,
                                                         allocation_rules.c.warehouse_id == warehouse_id))
        if ratio is not None or quota is not None:
            self.conn.execute(insert(allocation_rules).values(store_id=store_id, warehouse_id=warehouse_id,
                                                              ratio=ratio, quota=quota))

    def store_settings(self, store_ids: Iterable[int] | None = None) -> dict[int, tuple[bool, int | None]]:
        q = select(store_stock.c.store_id, store_stock.c.push_enabled, store_stock.c.safety_stock)
        if store_ids is not None:
            q = q.where(store_stock.c.store_id.in_(list(set(store_ids))))
        return {r.store_id: (r.push_enabled, r.safety_stock) for r in self.conn.execute(q)}

    def set_store_settings(self, store_id: int, push_enabled: bool, safety_stock: int | None,
                           now: datetime) -> None:
        self.conn.execute(delete(store_stock).where(store_stock.c.store_id == store_id))
        self.conn.execute(insert(store_stock).values(store_id=store_id, push_enabled=push_enabled,
                                                     safety_stock=safety_stock, updated_at=now))

    # imports
    def record_import(self, filename: str, mode: str, lines: int, applied: int, errors: list[dict[str, Any]],
                      now: datetime) -> int:
        return int(self.conn.execute(insert(stock_imports).values(
            filename=filename, mode=mode, imported_at=now, lines=lines, applied=applied, errors=errors)
            .returning(stock_imports.c.id)).scalar_one())
