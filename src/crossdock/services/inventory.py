"""The catalogue, warehouses, stock levels and their ledger, allocation to stores: the seller's side of stock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError

from crossdock.domain.inventory.allocation import Share, listed_quantity
from crossdock.domain.inventory.events import StockChanged
from crossdock.domain.inventory.model import LedgerEntry, NegativeStock, Reason, StockKey, StockLevel
from crossdock.ports.clock import Clock
from crossdock.services.errors import InvalidInput, NotFound
from crossdock.services.messagebus import MessageBus
from crossdock.services.unit_of_work import UowFactory


class Temperature(StrEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"
    FROZEN = "frozen"


class WarehouseKind(StrEnum):
    OWN = "own"
    OVERSEAS = "overseas"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True, slots=True)
class AddSku:
    code: str
    title: str
    barcode: str | None = None
    weight_kg: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    cost: Decimal | None = None
    cost_currency: str | None = None
    temperature: Temperature = Temperature.AMBIENT
    safety_stock: int = 0
    components: Mapping[str, int] = field(default_factory=dict)   # a bundle: component code -> units
    hs_code: str = ""               # customs tariff code (6 to 10 digits), for commercial invoices
    origin_country: str = "CN"      # where the goods were made (ISO 3166-1 alpha-2)


@dataclass(frozen=True, slots=True)
class AddWarehouse:
    code: str
    name: str
    country: str
    kind: WarehouseKind = WarehouseKind.OWN
    priority: int = 100


@dataclass(frozen=True, slots=True)
class Adjust:
    """A change of one SKU in one warehouse: `delta` units (add mode) or a counted level (`count`)."""

    warehouse: str
    sku: str
    delta: int | None = None
    count: int | None = None
    reason: Reason = Reason.ADJUSTMENT
    reference: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class LevelView:
    warehouse: str
    sku: str
    title: str
    on_hand: int
    reserved: int
    available: int
    inbound: int


class InventoryService:
    def __init__(self, uow: UowFactory, bus: MessageBus, clock: Clock) -> None:
        self._uow, self._bus, self._clock = uow, bus, clock

    # --- catalogue -------------------------------------------------------------------------------

    def add_sku(self, cmd: AddSku) -> int:
        code = cmd.code.strip()
        if not code or not cmd.title.strip():
            raise InvalidInput("a SKU needs a code and a title")
        if cmd.safety_stock < 0:
            raise InvalidInput("safety stock cannot be negative")
        if cmd.cost is not None and not cmd.cost_currency:
            raise InvalidInput("a cost needs its currency (ISO 4217, e.g. CNY)")
        hs_code = cmd.hs_code.replace(".", "").replace(" ", "")
        if hs_code and not (hs_code.isdigit() and 6 <= len(hs_code) <= 10):
            raise InvalidInput(f"HS code must have 6 to 10 digits, got {cmd.hs_code!r}")
        origin = cmd.origin_country.strip().upper()
        if len(origin) != 2 or not origin.isalpha():
            raise InvalidInput(f"origin country must be an ISO 3166-1 alpha-2 code, got {cmd.origin_country!r}")
        now = self._clock.now()
        with self._uow() as uow:
            parts = uow.catalogue.skus_by_code(cmd.components)
            missing = sorted(set(cmd.components) - set(parts))
            if missing:
                raise InvalidInput(f"bundle components not in the catalogue: {', '.join(missing)}")
            if any(q <= 0 for q in cmd.components.values()):
                raise InvalidInput("bundle component quantities must be positive")
            if any(parts[c].kind == "bundle" for c in cmd.components):
                raise InvalidInput("a bundle cannot contain another bundle")
            try:
                sku_id = uow.catalogue.add_sku({
                    "code": code, "title": cmd.title.strip(), "kind": "bundle" if cmd.components else "single",
                    "barcode": cmd.barcode or None, "weight_kg": cmd.weight_kg, "length_cm": cmd.length_cm,
                    "width_cm": cmd.width_cm, "height_cm": cmd.height_cm, "cost": cmd.cost,
                    "cost_currency": cmd.cost_currency.upper() if cmd.cost_currency else None,
                    "temperature": Temperature(cmd.temperature).value, "safety_stock": cmd.safety_stock,
                    "hs_code": hs_code, "origin_country": origin, "created_at": now, "updated_at": now})
            except IntegrityError as exc:
                raise InvalidInput(f"SKU {code} already exists") from exc
            uow.catalogue.set_components(sku_id, {parts[c].id: q for c, q in cmd.components.items()})
            uow.commit()
        return sku_id

    def set_safety_stock(self, code: str, units: int) -> None:
        if units < 0:
            raise InvalidInput("safety stock cannot be negative")
        with self._uow() as uow:
            sku = self._sku(uow, code)
            uow.catalogue.update_sku(sku.id, {"safety_stock": units, "updated_at": self._clock.now()})
            uow.stock.mark_dirty([sku.id], self._clock.now())
            uow.commit()
        self._bus.publish([StockChanged(frozenset({sku.id}))])

    def skus(self, search: str = "", limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.catalogue.list_skus(search, limit, offset)

    @staticmethod
    def _sku(uow: Any, code: str) -> Any:
        found = uow.catalogue.skus_by_code([code]).get(code)
        if found is None:
            raise NotFound(f"no SKU {code}")
        return found

    def add_warehouse(self, cmd: AddWarehouse) -> int:
        if not cmd.code.strip() or len(cmd.country) != 2:
            raise InvalidInput("a warehouse needs a code and a two-letter country")
        with self._uow() as uow:
            try:
                wid = uow.catalogue.add_warehouse({
                    "code": cmd.code.strip(), "name": cmd.name, "country": cmd.country.upper(),
                    "kind": WarehouseKind(cmd.kind).value, "priority": cmd.priority, "active": True,
                    "created_at": self._clock.now()})
            except IntegrityError as exc:
                raise InvalidInput(f"warehouse {cmd.code} already exists") from exc
            uow.commit()
        return wid

    def warehouses(self) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return [{"id": w.id, "code": w.code, "name": w.name, "country": w.country, "kind": w.kind,
                     "priority": w.priority, "active": w.active} for w in uow.catalogue.warehouses()]

    # --- levels and changes ----------------------------------------------------------------------

    def levels(self, sku: str | None = None, warehouse: str | None = None) -> list[LevelView]:
        with self._uow(readonly=True) as uow:
            whs = {w.id: w.code for w in uow.catalogue.warehouses()}
            ids = None
            if sku is not None:
                ids = [self._sku(uow, sku).id]
            raw = uow.stock.levels(ids)
            rows = uow.catalogue.skus_by_id(s for _, s in raw)
        out = [LevelView(whs[w], rows[s].code, rows[s].title, on, res, on - res, inb)
               for (w, s), (on, res, inb) in raw.items() if warehouse is None or whs[w] == warehouse]
        return sorted(out, key=lambda v: (v.sku, v.warehouse))

    def adjust(self, changes: Sequence[Adjust], *, atomic: bool = False) -> list[str | None]:
        """Apply changes in one transaction; one result per change: None when applied, else why not. A change
        that would break a level (negative, less than reserved) is refused on its own and the others apply,
        unless `atomic`: then one refusal applies nothing."""
        now = self._clock.now()
        results: list[str | None] = []
        with self._uow() as uow:
            whs = {w.code: w.id for w in uow.catalogue.warehouses()}
            known = uow.catalogue.skus_by_code(c.sku for c in changes)
            levels = uow.stock.lock_levels(r.id for r in known.values())
            for change in changes:
                problem = self._check(change, whs, known)
                if problem:
                    results.append(problem)
                    continue
                key = StockKey(str(whs[change.warehouse]), str(known[change.sku].id))
                current = levels.get(key) or StockLevel(key)
                delta = change.delta if change.delta is not None else (change.count or 0) - current.on_hand
                field_name = "inbound" if change.reason is Reason.INBOUND else "on_hand"
                entry = LedgerEntry(key, change.reason, change.reference or change.reason.value, **{field_name: delta})
                if change.reason is Reason.RECEIVED:     # arrived: off the way, onto the shelf
                    entry = LedgerEntry(key, change.reason, entry.reference, on_hand=delta, inbound=-delta)
                if delta == 0 and entry.inbound == 0:
                    results.append(None)
                    continue
                try:
                    uow.stock.apply(levels, [entry], now, note=change.note)
                except NegativeStock as exc:
                    results.append(_explain(exc, current))
                    continue
                results.append(None)
            touched = uow.stock.dirty_since_start()
            if atomic and any(results):
                return results
            uow.commit()
        if touched:
            self._bus.publish([StockChanged(frozenset(touched))])
        return results

    @staticmethod
    def _check(change: Adjust, whs: Mapping[str, int], known: Mapping[str, Any]) -> str | None:
        if change.warehouse not in whs:
            return f"unknown warehouse {change.warehouse!r}"
        if change.sku not in known:
            return f"unknown SKU {change.sku!r}"
        if known[change.sku].kind == "bundle":
            return f"{change.sku} is a bundle: count its components"
        if (change.delta is None) == (change.count is None):
            return "give either a quantity change or a counted quantity"
        if change.count is not None and change.count < 0:
            return f"a counted quantity cannot be negative ({change.count})"
        return None

    def transfer(self, sku: str, source: str, target: str, units: int, reference: str) -> None:
        if units <= 0:
            raise InvalidInput("a transfer moves a positive number of units")
        ref = reference or f"transfer:{source}->{target}"
        # Both legs or neither: a half-done transfer would lose or invent units.
        results = self.adjust([Adjust(source, sku, delta=-units, reason=Reason.TRANSFER_OUT, reference=ref),
                               Adjust(target, sku, delta=units, reason=Reason.TRANSFER_IN, reference=ref)],
                              atomic=True)
        if any(results):
            raise InvalidInput("; ".join(r for r in results if r))

    def ledger(self, sku: str | None = None, warehouse: str | None = None, reference: str | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            whs = {w.code: w.id for w in uow.catalogue.warehouses()}
            names = {v: k for k, v in whs.items()}
            sku_id = self._sku(uow, sku).id if sku else None
            if warehouse is not None and warehouse not in whs:
                raise NotFound(f"no warehouse {warehouse}")
            rows = uow.stock.ledger(sku_id=sku_id, warehouse_id=whs.get(warehouse) if warehouse else None,
                                    reference=reference, limit=limit)
            codes = {r.id: r.code for r in uow.catalogue.skus_by_id(x["sku_id"] for x in rows).values()}
        return [{**r, "sku": codes[r["sku_id"]], "warehouse": names[r["warehouse_id"]]} for r in rows]

    # --- allocation ------------------------------------------------------------------------------

    def set_share(self, store_id: int, warehouse: str, *, ratio: Decimal | None = None,
                  quota: int | None = None) -> None:
        """A store's share of one warehouse (both None removes the rule)."""
        if ratio is not None or quota is not None:
            Share(ratio=ratio, quota=quota)   # validates
        with self._uow() as uow:
            whs = {w.code: w.id for w in uow.catalogue.warehouses()}
            if warehouse not in whs:
                raise NotFound(f"no warehouse {warehouse}")
            if uow.stores.get(store_id) is None:
                raise NotFound(f"no store {store_id}")
            uow.stock.set_share(store_id, whs[warehouse], ratio, quota)
            sku_ids = {x["sku_id"] for x in uow.listings.search(store_id=store_id, mapped=True, limit=1_000_000)}
            uow.stock.mark_dirty(sku_ids, self._clock.now())
            uow.commit()
        if sku_ids:
            self._bus.publish([StockChanged(frozenset(sku_ids))])

    def set_store_push(self, store_id: int, enabled: bool, safety_stock: int | None = None) -> None:
        """Turn pushing quantities to a store's listings on (after stock was counted) or off."""
        if safety_stock is not None and safety_stock < 0:
            raise InvalidInput("safety stock cannot be negative")
        now = self._clock.now()
        with self._uow() as uow:
            if uow.stores.get(store_id) is None:
                raise NotFound(f"no store {store_id}")
            uow.stock.set_store_settings(store_id, enabled, safety_stock, now)
            sku_ids = {x["sku_id"] for x in uow.listings.search(store_id=store_id, mapped=True, limit=1_000_000)}
            if enabled:
                uow.stock.mark_dirty(sku_ids, now)
            uow.commit()
        if enabled and sku_ids:
            self._bus.publish([StockChanged(frozenset(sku_ids))])

    def allocation(self, store_id: int) -> dict[str, Any]:
        with self._uow(readonly=True) as uow:
            names = {w.id: w.code for w in uow.catalogue.warehouses()}
            shares = uow.stock.shares([store_id]).get(store_id, {})
            push, safety = uow.stock.store_settings([store_id]).get(store_id, (False, None))
        return {"store_id": store_id, "push_enabled": push, "safety_stock": safety,
                "shares": {names[w]: {"ratio": r, "quota": q} for w, (r, q) in shares.items()}
                or {code: {"ratio": Decimal(1), "quota": None} for code in names.values()}}

    def ledger_matches_levels(self) -> list[str]:
        """Keys whose ledger does not sum to the level (always empty unless someone bypassed the ledger)."""
        with self._uow(readonly=True) as uow:
            sums = uow.stock.ledger_sums()
            levels = uow.stock.levels()
        return [f"warehouse {w} sku {s}: ledger {sums.get((w, s))} level {lv}" for (w, s), lv in levels.items()
                if sums.get((w, s), (0, 0, 0)) != lv]


def _explain(exc: NegativeStock, current: StockLevel) -> str:
    return (f"refused: {exc} (now on hand {current.on_hand}, reserved for orders {current.reserved}, "
            f"available {current.available})")


def parse_int(text: Any) -> int:
    """A whole number from a cell: '12', 12, 12.0 or ' 12 '; ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError("not a number")
    if isinstance(text, int):
        return text
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not a number") from exc
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number")
    return int(value)


def store_quantity(levels: Mapping[tuple[int, int], tuple[int, int, int]], sku_id: int,
                   shares: Mapping[int, tuple[Decimal | None, int | None]] | None, warehouse_ids: Iterable[int],
                   safety: int) -> int:
    """What one store lists of one single SKU: its share of each warehouse's available units, 0 at or under
    the safety threshold."""
    available = {str(w): levels[(w, sku_id)][0] - levels[(w, sku_id)][1]
                 for w in warehouse_ids if (w, sku_id) in levels}
    if shares is None:
        share_map = {str(w): Share(ratio=Decimal(1)) for w in warehouse_ids}
    else:
        share_map = {str(w): Share(ratio=r, quota=q) for w, (r, q) in shares.items()}
    return listed_quantity(available, share_map, safety)
