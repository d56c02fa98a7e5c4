"""Orders: the bulk write path the sync uses, and the reads the interfaces use."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Connection,
    Select,
    String,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address, OrderSnapshot, OrderState
from crossdock.domain.orders.status import OrderStatus
from crossdock.persistence.tables import order_lines, order_status_history, orders, stores
from crossdock.services.errors import InvalidInput
from crossdock.services.views import (
    OrderDetail,
    OrderFilter,
    OrderLineView,
    OrderSummary,
    Page,
    StatusChangeView,
)

_STATE_COLUMNS = (orders.c.id, orders.c.platform_order_id, orders.c.status, orders.c.platform_status,
                  orders.c.platform_updated_at, orders.c.payload_hash)
_CHUNK = 500  # stays under SQLite's bound-parameter limit in IN (...)
_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('orders', 'id')) FROM generate_series(1, :n)")


def _order_values(snap: OrderSnapshot, status: OrderStatus) -> dict[str, Any]:
    a = snap.address
    return {
        "status": status.value, "platform_status": snap.platform_status, "currency": snap.currency,
        "total": snap.total.amount, "created_at": snap.created_at, "platform_updated_at": snap.updated_at,
        "paid_at": snap.paid_at, "ship_by": snap.ship_by, "buyer_id": snap.buyer.platform_buyer_id,
        "buyer_username": snap.buyer.username, "buyer_note": snap.buyer_note, "cod": snap.cod,
        "ship_name": a.name if a else None, "ship_phone": a.phone if a else None,
        "ship_country": (a.country or None) if a else None, "ship_state": a.state if a else None,
        "ship_city": a.city if a else None, "ship_district": a.district if a else None,
        "ship_postcode": a.postcode if a else None, "ship_line1": a.line1 if a else None,
        "ship_full_address": a.full_address if a else None, "raw": snap.raw, "payload_hash": snap.payload_hash,
    }


def _line_rows(order_id: int, snap: OrderSnapshot) -> list[dict[str, Any]]:
    return [
        {"order_id": order_id, "position": i, "platform_line_id": ln.platform_line_id, "sku": ln.sku,
         "platform_item_id": ln.platform_item_id, "platform_variant_id": ln.platform_variant_id,
         "title": ln.title, "variant_title": ln.variant_title, "quantity": ln.quantity,
         "unit_price": ln.unit_price.amount, "paid_unit_price": ln.paid_unit_price.amount}
        for i, ln in enumerate(snap.lines)
    ]


def encode_cursor(created_at: datetime, order_id: int) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{order_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, oid = text.rsplit("|", 1)
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, int(oid)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"invalid cursor {cursor!r}") from exc


class OrderRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- the sync's write path ------------------------------------------------------------------

    def states(self, store_id: int, platform_ids: Sequence[str], *, lock: bool = False) -> dict[str, OrderState]:
        """What we hold of these orders. `lock` takes row locks on PostgreSQL, so two pulls of the same
        order serialize instead of both deciding on stale state (SQLite's writer lock does this already)."""
        out: dict[str, OrderState] = {}
        postgres = self.conn.dialect.name == "postgresql"
        for i in range(0, len(platform_ids), _CHUNK):
            chunk = list(platform_ids[i:i + _CHUNK])
            # One array parameter keeps the statement text constant, so PostgreSQL plans it once.
            match = (orders.c.platform_order_id == any_(bindparam("ids", chunk, type_=ARRAY(String)))) if postgres \
                else orders.c.platform_order_id.in_(chunk)
            q = select(*_STATE_COLUMNS).where(orders.c.store_id == store_id, match)
            if lock and postgres:
                q = q.with_for_update()
            for r in self.conn.execute(q):
                out[r.platform_order_id] = OrderState(r.id, OrderStatus(r.status), r.platform_status,
                                                      r.platform_updated_at, r.payload_hash)
        return out

    def insert(self, store_id: int, items: Sequence[tuple[OrderSnapshot, OrderStatus]], now: datetime) -> list[int]:
        if not items:
            return []
        rows = [{"store_id": store_id, "platform_order_id": s.platform_order_id, "first_seen_at": now,
                 "last_changed_at": now, **_order_values(s, st)} for s, st in items]
        if self.conn.dialect.name == "postgresql":
            # Ids from the sequence up front, then a pipelined executemany (see persistence.db).
            ids = list(self.conn.execute(_NEXT_IDS, {"n": len(rows)}).scalars())
            for row, oid in zip(rows, ids, strict=True):
                row["id"] = oid
            self.conn.execute(insert(orders), rows)
        else:
            result = self.conn.execute(insert(orders).returning(orders.c.id, sort_by_parameter_order=True), rows)
            ids = [int(r[0]) for r in result]
        self.conn.execute(insert(order_lines), [ln for oid, (s, _) in zip(ids, items, strict=True)
                                                for ln in _line_rows(oid, s)])
        return ids

    def update(self, items: Sequence[tuple[int, OrderSnapshot, OrderStatus]], now: datetime) -> None:
        if not items:
            return
        rows = [{"b_id": oid, "last_changed_at": now, **_order_values(s, st)} for oid, s, st in items]
        self.conn.execute(update(orders).where(orders.c.id == bindparam("b_id")), rows)
        # Lines are updated in place, keyed by position, not deleted and re-inserted: their ids are what
        # shipments refer to.
        ids = [oid for oid, _, _ in items]
        have: dict[tuple[int, int], int] = {}
        for i in range(0, len(ids), _CHUNK):
            q = select(order_lines.c.id, order_lines.c.order_id, order_lines.c.position) \
                .where(order_lines.c.order_id.in_(ids[i:i + _CHUNK]))
            have.update({(r.order_id, r.position): r.id for r in self.conn.execute(q)})
        fresh, changed, keep = [], [], set()
        for oid, snap, _ in items:
            for line in _line_rows(oid, snap):
                line_id = have.get((oid, line["position"]))
                if line_id is None:
                    fresh.append(line)
                else:
                    keep.add(line_id)
                    changed.append({"b_line": line_id, **{k: v for k, v in line.items()
                                                           if k not in ("order_id", "position")}})
        if changed:
            self.conn.execute(update(order_lines).where(order_lines.c.id == bindparam("b_line")), changed)
        if fresh:
            self.conn.execute(insert(order_lines), fresh)
        gone = sorted(set(have.values()) - keep)
        for i in range(0, len(gone), _CHUNK):      # lines the platform no longer reports
            self.conn.execute(delete(order_lines).where(order_lines.c.id.in_(gone[i:i + _CHUNK])))

    def record_status_changes(self, rows: Iterable[dict[str, Any]]) -> None:
        batch = list(rows)
        if batch:
            self.conn.execute(insert(order_status_history), batch)

    # --- reads ----------------------------------------------------------------------------------

    def _summary_query(self) -> Select[Any]:
        line_count = (select(func.count()).where(order_lines.c.order_id == orders.c.id)
                      .correlate(orders).scalar_subquery())
        return (select(orders.c.id, orders.c.store_id, stores.c.name.label("store_name"), stores.c.platform,
                       orders.c.platform_order_id, orders.c.status, orders.c.platform_status, orders.c.total,
                       orders.c.currency, orders.c.created_at, orders.c.platform_updated_at,
                       orders.c.buyer_username, orders.c.ship_country, line_count.label("lines"))
                .join(stores, stores.c.id == orders.c.store_id))

    @staticmethod
    def _summary(r: Any) -> OrderSummary:
        return OrderSummary(
            id=r.id, store_id=r.store_id, store_name=r.store_name, platform=r.platform,
            platform_order_id=r.platform_order_id, status=r.status, platform_status=r.platform_status,
            total=Money(r.total, r.currency), created_at=r.created_at, platform_updated_at=r.platform_updated_at,
            buyer_username=r.buyer_username, ship_country=r.ship_country, lines=r.lines,
        )

    @staticmethod
    def _filtered(q: Select[Any], f: OrderFilter) -> Select[Any]:
        conds = []
        if f.status:
            conds.append(orders.c.status == f.status)
        if f.store_id is not None:
            conds.append(orders.c.store_id == f.store_id)
        if f.platform:
            conds.append(stores.c.platform == f.platform)
        if f.created_from:
            conds.append(orders.c.created_at >= f.created_from)
        if f.created_to:
            conds.append(orders.c.created_at < f.created_to)
        if f.updated_from:
            conds.append(orders.c.platform_updated_at >= f.updated_from)
        if f.updated_to:
            conds.append(orders.c.platform_updated_at < f.updated_to)
        return q.where(*conds) if conds else q

    def list(self, f: OrderFilter, *, limit: int = 50, cursor: str | None = None) -> Page[OrderSummary]:
        """Newest first, keyset-paged on (created_at, id): stable while new orders arrive."""
        q = self._filtered(self._summary_query(), f)
        if cursor:
            at, oid = decode_cursor(cursor)
            q = q.where(or_(orders.c.created_at < at, and_(orders.c.created_at == at, orders.c.id < oid)))
        rows = self.conn.execute(q.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit + 1)).all()
        items = [self._summary(r) for r in rows[:limit]]
        more = len(rows) > limit
        return Page(items, encode_cursor(items[-1].created_at, items[-1].id) if more and items else None)

    def count(self, f: OrderFilter) -> int:
        q = self._filtered(select(func.count()).select_from(orders.join(stores, stores.c.id == orders.c.store_id)), f)
        return int(self.conn.execute(q).scalar_one())

    def counts_by_status(self) -> dict[str, int]:
        q = select(orders.c.status, func.count()).group_by(orders.c.status)
        return {status: int(n) for status, n in self.conn.execute(q)}

    def detail(self, order_id: int) -> OrderDetail | None:
        r = self.conn.execute(self._summary_query().add_columns(
            orders.c.paid_at, orders.c.ship_by, orders.c.buyer_id, orders.c.buyer_note, orders.c.cod,
            orders.c.ship_name, orders.c.ship_phone, orders.c.ship_state, orders.c.ship_city,
            orders.c.ship_district, orders.c.ship_postcode, orders.c.ship_line1, orders.c.ship_full_address,
            orders.c.raw, orders.c.first_seen_at, orders.c.last_changed_at,
        ).where(orders.c.id == order_id)).first()
        if r is None:
            return None
        lines = [
            OrderLineView(position=ln.position, platform_line_id=ln.platform_line_id, sku=ln.sku,
                          platform_item_id=ln.platform_item_id, platform_variant_id=ln.platform_variant_id,
                          title=ln.title, variant_title=ln.variant_title, quantity=ln.quantity,
                          unit_price=Money(ln.unit_price, r.currency),
                          paid_unit_price=Money(ln.paid_unit_price, r.currency))
            for ln in self.conn.execute(select(order_lines).where(order_lines.c.order_id == order_id)
                                        .order_by(order_lines.c.position))
        ]
        history = [
            StatusChangeView(h.old_status, h.new_status, h.platform_status, h.accepted, h.platform_at, h.recorded_at)
            for h in self.conn.execute(select(order_status_history).where(order_status_history.c.order_id == order_id)
                                       .order_by(order_status_history.c.id))
        ]
        address = None
        if r.ship_name is not None or r.ship_full_address is not None:
            address = Address(name=r.ship_name or "", phone=r.ship_phone or "", country=r.ship_country or "",
                              state=r.ship_state or "", city=r.ship_city or "", district=r.ship_district or "",
                              postcode=r.ship_postcode or "", line1=r.ship_line1 or "",
                              full_address=r.ship_full_address or "")
        return OrderDetail(summary=self._summary(r), paid_at=r.paid_at, ship_by=r.ship_by, buyer_id=r.buyer_id,
                           buyer_note=r.buyer_note, cod=r.cod, address=address, lines=lines, history=history,
                           raw=r.raw, first_seen_at=r.first_seen_at, last_changed_at=r.last_changed_at)

    def store_of(self, order_ids: Sequence[int]) -> dict[int, int]:
        """order id -> its store id."""
        out: dict[int, int] = {}
        ids = list(set(order_ids))
        for i in range(0, len(ids), 500):
            q = select(orders.c.id, orders.c.store_id).where(orders.c.id.in_(ids[i:i + 500]))
            out.update({r.id: r.store_id for r in self.conn.execute(q)})
        return out

    def ids_created_between(self, store_id: int, since: datetime, until: datetime) -> set[str]:
        q = select(orders.c.platform_order_id).where(
            orders.c.store_id == store_id, orders.c.created_at >= since, orders.c.created_at <= until)
        return {r[0] for r in self.conn.execute(q)}
