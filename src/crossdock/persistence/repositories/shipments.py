"""Shipping: carrier accounts and rules, pick-up points, seller entities, and the shipments themselves with
their lines, tracking events, exceptions and invoices."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from crossdock.persistence.repositories._common import as_dicts, insert_id
from crossdock.persistence.tables import (
    carrier_accounts,
    fulfilment_exceptions,
    invoices,
    order_lines,
    orders,
    pickup_points,
    seller_entities,
    shipment_lines,
    shipments,
    shipping_rules,
    skus,
    store_fulfilment,
    tracking_events,
    warehouse_addresses,
)

_CHUNK = 500


class ShipmentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- set-up -------------------------------------------------------------------------------------------
    def add_carrier_account(self, carrier: str, name: str, settings: bytes, now: datetime) -> int:
        return insert_id(self.conn, carrier_accounts, {"carrier": carrier, "name": name, "settings": settings,
                                                       "active": True, "created_at": now})

    def carrier_accounts(self) -> list[dict[str, Any]]:
        return as_dicts(self.conn.execute(select(carrier_accounts).order_by(carrier_accounts.c.id)))

    def carrier_account(self, *, name: str | None = None, account_id: int | None = None) -> dict[str, Any] | None:
        q = select(carrier_accounts)
        q = q.where(carrier_accounts.c.name == name if name is not None else carrier_accounts.c.id == account_id)
        row = self.conn.execute(q).first()
        return dict(row._mapping) if row else None

    def add_rule(self, values: dict[str, Any]) -> int:
        return insert_id(self.conn, shipping_rules, values)

    def rules(self, active_only: bool = True) -> list[dict[str, Any]]:
        q = select(shipping_rules).order_by(shipping_rules.c.priority, shipping_rules.c.id)
        if active_only:
            q = q.where(shipping_rules.c.active.is_(True))
        return as_dicts(self.conn.execute(q))

    def set_warehouse_address(self, warehouse_id: int, address: dict[str, Any]) -> None:
        done = self.conn.execute(update(warehouse_addresses).where(warehouse_addresses.c.warehouse_id == warehouse_id)
                                 .values(address=address))
        if done.rowcount == 0:
            self.conn.execute(insert(warehouse_addresses).values(warehouse_id=warehouse_id, address=address))

    def warehouse_addresses(self) -> dict[int, dict[str, Any]]:
        return {r.warehouse_id: dict(r.address) for r in self.conn.execute(select(warehouse_addresses))}

    def add_entity(self, values: dict[str, Any]) -> int:
        return insert_id(self.conn, seller_entities, values)

    def entity(self, entity_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(seller_entities).where(seller_entities.c.id == entity_id)).first()
        return dict(row._mapping) if row else None

    def entity_by_code(self, code: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(seller_entities).where(seller_entities.c.code == code)).first()
        return dict(row._mapping) if row else None

    def take_invoice_number(self, entity_id: int) -> int:
        """The entity's next number, taken in this transaction (the row stays locked until commit: gapless)."""
        self.conn.execute(update(seller_entities).where(seller_entities.c.id == entity_id)
                          .values(next_invoice=seller_entities.c.next_invoice + 1))
        return int(self.conn.execute(select(seller_entities.c.next_invoice)
                                     .where(seller_entities.c.id == entity_id)).scalar_one()) - 1

    def set_store_fulfilment(self, store_id: int, entity_id: int | None, return_warehouse_id: int | None,
                             now: datetime) -> None:
        values = {"seller_entity_id": entity_id, "return_warehouse_id": return_warehouse_id, "updated_at": now}
        done = self.conn.execute(update(store_fulfilment).where(store_fulfilment.c.store_id == store_id)
                                 .values(**values))
        if done.rowcount == 0:
            self.conn.execute(insert(store_fulfilment).values(store_id=store_id, **values))

    def store_fulfilment(self, store_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        q = select(store_fulfilment).where(store_fulfilment.c.store_id.in_(sorted(set(store_ids))))
        return {r.store_id: dict(r._mapping) for r in self.conn.execute(q)}

    def add_pickup_point(self, values: dict[str, Any]) -> int:
        return insert_id(self.conn, pickup_points, values)

    def pickup_point(self, point_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(pickup_points).where(pickup_points.c.id == point_id)).first()
        return dict(row._mapping) if row else None

    def pickup_points(self, carrier: str | None = None) -> list[dict[str, Any]]:
        q = select(pickup_points).order_by(pickup_points.c.id)
        if carrier:
            q = q.where(pickup_points.c.carrier == carrier)
        return as_dicts(self.conn.execute(q))

    # --- shipments ----------------------------------------------------------------------------------------
    def orders_to_plan(self, order_ids: Sequence[int] | None, limit: int) -> list[dict[str, Any]]:
        """Reviewed orders none of whose lines is in a live shipment yet."""
        planned = (select(shipment_lines.c.order_id).join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
                   .where(shipments.c.state != "cancelled"))
        q = (select(orders).where(orders.c.status == "reviewed", orders.c.id.not_in(planned))
             .order_by(orders.c.created_at, orders.c.id).limit(limit))
        if order_ids is not None:
            q = q.where(orders.c.id.in_(list(order_ids)))
        return as_dicts(self.conn.execute(q))

    def order_lines(self, order_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        for i in range(0, len(order_ids), _CHUNK):
            q = (select(order_lines).where(order_lines.c.order_id.in_(list(order_ids[i:i + _CHUNK])))
                 .order_by(order_lines.c.order_id, order_lines.c.position))
            for r in self.conn.execute(q):
                out.setdefault(r.order_id, []).append(dict(r._mapping))
        return out

    def add_shipment(self, values: dict[str, Any], lines: Sequence[dict[str, Any]]) -> int:
        placeholder = f"new-{secrets.token_hex(8)}"      # unique until the id is known
        shipment_id = insert_id(self.conn, shipments, {"reference": placeholder, **values})
        # Ours, short, unique, and the same on every retry: sent to carriers as their customer reference.
        self.conn.execute(update(shipments).where(shipments.c.id == shipment_id)
                          .values(reference=f"CD{shipment_id:08d}"))
        self.conn.execute(insert(shipment_lines), [{**line, "shipment_id": shipment_id} for line in lines])
        return shipment_id

    def shipments(self, ids: Sequence[int] | None = None, *, states: Sequence[str] | None = None,
                  limit: int = 10_000, order_id: int | None = None) -> list[dict[str, Any]]:
        q = select(shipments).order_by(shipments.c.id).limit(limit)
        if ids is not None:
            q = q.where(shipments.c.id.in_(list(ids)))
        if states is not None:
            q = q.where(shipments.c.state.in_(list(states)))
        if order_id is not None:
            q = q.where(shipments.c.id.in_(select(shipment_lines.c.shipment_id)
                                           .where(shipment_lines.c.order_id == order_id)))
        return as_dicts(self.conn.execute(q))

    def lines(self, shipment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        for i in range(0, len(shipment_ids), _CHUNK):
            q = (select(shipment_lines, order_lines.c.platform_line_id, order_lines.c.sku.label("seller_sku"),
                        order_lines.c.title, order_lines.c.variant_title, order_lines.c.paid_unit_price,
                        orders.c.platform_order_id, orders.c.currency)
                 .join(order_lines, order_lines.c.id == shipment_lines.c.order_line_id)
                 .join(orders, orders.c.id == shipment_lines.c.order_id)
                 .where(shipment_lines.c.shipment_id.in_(list(shipment_ids[i:i + _CHUNK])))
                 .order_by(shipment_lines.c.shipment_id, shipment_lines.c.id))
            for r in self.conn.execute(q):
                out.setdefault(r.shipment_id, []).append(dict(r._mapping))
        return out

    def update_shipment(self, shipment_id: int, values: dict[str, Any]) -> None:
        self.conn.execute(update(shipments).where(shipments.c.id == shipment_id).values(**values))

    def claim(self, shipment_id: int, from_states: Sequence[str], values: dict[str, Any]) -> bool:
        """Update only if the shipment is still in one of `from_states` (two workers never both buy a label)."""
        q = (update(shipments).where(shipments.c.id == shipment_id, shipments.c.state.in_(list(from_states)))
             .values(**values))
        return bool(self.conn.execute(q).rowcount)

    def claim_many(self, shipment_ids: Sequence[int], from_states: Sequence[str], values: dict[str, Any]) -> list[int]:
        """`claim` for many at once; returns the ids that were still in one of `from_states`."""
        if not shipment_ids:
            return []
        q = (update(shipments).where(shipments.c.id.in_(list(shipment_ids)), shipments.c.state.in_(list(from_states)))
             .values(**values).returning(shipments.c.id))
        return [int(i) for i in self.conn.execute(q).scalars()]

    def order_shipments(self, order_ids: Sequence[int]) -> dict[int, list[str]]:
        """order id -> states of its live shipments."""
        q = (select(shipment_lines.c.order_id, shipments.c.state)
             .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
             .where(shipment_lines.c.order_id.in_(list(order_ids)), shipments.c.state != "cancelled").distinct())
        out: dict[int, list[str]] = {}
        for r in self.conn.execute(q):
            out.setdefault(r.order_id, []).append(r.state)
        return out

    def sku_facts(self, sku_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        ids = sorted(set(sku_ids))
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(ids), _CHUNK):
            q = select(skus.c.id, skus.c.code, skus.c.title, skus.c.weight_kg, skus.c.length_cm, skus.c.width_cm,
                       skus.c.height_cm, skus.c.temperature, skus.c.hs_code, skus.c.origin_country) \
                .where(skus.c.id.in_(ids[i:i + _CHUNK]))
            out.update({r.id: dict(r._mapping) for r in self.conn.execute(q)})
        return out

    # --- tracking -----------------------------------------------------------------------------------------
    def add_events(self, shipment_id: int, events: Sequence[dict[str, Any]]) -> int:
        """Store events not seen before; returns how many were new."""
        have = {(r.at, r.code) for r in self.conn.execute(
            select(tracking_events.c.at, tracking_events.c.code).where(tracking_events.c.shipment_id == shipment_id))}
        fresh = [{**e, "shipment_id": shipment_id} for e in events if (e["at"], e["code"]) not in have]
        if fresh:
            self.conn.execute(insert(tracking_events), fresh)
        return len(fresh)

    def events(self, shipment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        q = (select(tracking_events).where(tracking_events.c.shipment_id.in_(list(shipment_ids)))
             .order_by(tracking_events.c.shipment_id, tracking_events.c.at))
        for r in self.conn.execute(q):
            out.setdefault(r.shipment_id, []).append(dict(r._mapping))
        return out

    # --- exceptions ---------------------------------------------------------------------------------------
    def open_exceptions(self, kind: str | None = None) -> list[dict[str, Any]]:
        q = (select(fulfilment_exceptions).where(fulfilment_exceptions.c.resolved_at.is_(None))
             .order_by(fulfilment_exceptions.c.raised_at, fulfilment_exceptions.c.id))
        if kind:
            q = q.where(fulfilment_exceptions.c.kind == kind)
        return as_dicts(self.conn.execute(q))

    def raise_exception(self, kind: str, order_id: int | None, shipment_id: int | None, detail: str,
                        now: datetime) -> bool:
        """Open one (kind, order, shipment) exception unless it is open already; True when new."""
        key = and_(fulfilment_exceptions.c.kind == kind, fulfilment_exceptions.c.resolved_at.is_(None),
                   fulfilment_exceptions.c.order_id.is_(None) if order_id is None
                   else fulfilment_exceptions.c.order_id == order_id,
                   fulfilment_exceptions.c.shipment_id.is_(None) if shipment_id is None
                   else fulfilment_exceptions.c.shipment_id == shipment_id)
        if self.conn.execute(select(fulfilment_exceptions.c.id).where(key)).first():
            self.conn.execute(update(fulfilment_exceptions).where(key).values(detail=detail))
            return False
        self.conn.execute(insert(fulfilment_exceptions).values(kind=kind, order_id=order_id, shipment_id=shipment_id,
                                                               detail=detail, raised_at=now))
        return True

    def resolve_exceptions(self, ids: Iterable[int], now: datetime) -> None:
        wanted = list(ids)
        if wanted:
            self.conn.execute(update(fulfilment_exceptions).where(fulfilment_exceptions.c.id.in_(wanted))
                              .values(resolved_at=now))

    def unshipped_reviewed(self, limit: int = 10_000) -> list[dict[str, Any]]:
        """Orders the seller still has to ship (review passed or pending, not yet handed to a carrier)."""
        q = (select(orders.c.id, orders.c.platform_order_id, orders.c.ship_by, orders.c.status, orders.c.store_id)
             .where(orders.c.status.in_(["pending_review", "reviewed", "label_created"]))
             .order_by(orders.c.ship_by).limit(limit))
        return as_dicts(self.conn.execute(q))

    # --- invoices -----------------------------------------------------------------------------------------
    def invoice_for(self, order_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(invoices).where(invoices.c.order_id == order_id)).first()
        return dict(row._mapping) if row else None

    def add_invoice(self, values: dict[str, Any]) -> int:
        return insert_id(self.conn, invoices, values)

    def count_shipments(self) -> dict[str, int]:
        q = select(shipments.c.state, func.count()).group_by(shipments.c.state)
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}
