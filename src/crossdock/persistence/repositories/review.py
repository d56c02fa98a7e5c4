"""Order review: its rules, the blacklist, each order's verdict, and the facts the rules look at."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from crossdock.persistence.repositories._common import insert_id
from crossdock.persistence.tables import (
    blacklist,
    listings,
    order_lines,
    order_reviews,
    order_status_history,
    order_stock,
    orders,
    review_rules,
)

_CHUNK = 500


class ReviewRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # rules and blacklist
    def rules(self) -> dict[str, tuple[bool, dict[str, Any]]]:
        return {r.code: (r.enabled, dict(r.params)) for r in self.conn.execute(select(review_rules))}

    def set_rule(self, code: str, enabled: bool, params: dict[str, Any], now: datetime) -> None:
        values = {"enabled": enabled, "params": params, "updated_at": now}
        if self.conn.execute(update(review_rules).where(review_rules.c.code == code).values(**values)).rowcount == 0:
            self.conn.execute(insert(review_rules).values(code=code, **values))

    def blacklist(self) -> list[dict[str, Any]]:
        q = select(blacklist).order_by(blacklist.c.kind, blacklist.c.id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def add_blacklisted(self, kind: str, value: str, shown: str, reason: str, now: datetime) -> int | None:
        known = select(blacklist.c.id).where(blacklist.c.kind == kind, blacklist.c.value == value)
        if self.conn.execute(known).first():
            return None
        return insert_id(self.conn, blacklist, {"kind": kind, "value": value, "shown": shown, "reason": reason,
                                                "created_at": now})

    def remove_blacklisted(self, entry_id: int) -> bool:
        return bool(self.conn.execute(delete(blacklist).where(blacklist.c.id == entry_id)).rowcount)

    def blacklist_hits(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        wanted = {k for k in keys if k[1]}
        if not wanted:
            return {}
        q = select(blacklist).where(blacklist.c.value.in_({v for _, v in wanted}))
        return {(r.kind, r.value): dict(r._mapping) for r in self.conn.execute(q) if (r.kind, r.value) in wanted}

    # the orders to review and their facts
    def awaiting(self, status: str, *, again: bool, order_ids: Sequence[int] | None, limit: int) -> list[int]:
        """Orders in `status` without a verdict (and, with `again`, those held), oldest first."""
        q = (select(orders.c.id).outerjoin(order_reviews, order_reviews.c.order_id == orders.c.id)
             .where(orders.c.status == status)
             .order_by(orders.c.created_at, orders.c.id).limit(limit))
        q = q.where(order_reviews.c.state.in_(["held"]) | order_reviews.c.order_id.is_(None)) if again else \
            q.where(order_reviews.c.order_id.is_(None))
        if order_ids is not None:
            q = q.where(orders.c.id.in_(list(order_ids)))
        return list(self.conn.execute(q).scalars())

    def orders(self, order_ids: Sequence[int]) -> list[dict[str, Any]]:
        out = []
        for i in range(0, len(order_ids), _CHUNK):
            chunk = list(order_ids[i:i + _CHUNK])
            q = (select(orders, order_stock.c.state.label("stock_state"))
                 .outerjoin(order_stock, order_stock.c.order_id == orders.c.id).where(orders.c.id.in_(chunk)))
            out += [dict(r._mapping) for r in self.conn.execute(q)]
        return out

    def lines(self, order_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """Each order's lines, with the price and master SKU of the listing sold (None when unknown)."""
        out: dict[int, list[dict[str, Any]]] = {}
        for i in range(0, len(order_ids), _CHUNK):
            chunk = list(order_ids[i:i + _CHUNK])
            q = (select(order_lines, orders.c.store_id, orders.c.currency, listings.c.price.label("listing_price"),
                        listings.c.currency.label("listing_currency"), listings.c.sku_id)
                 .join(orders, orders.c.id == order_lines.c.order_id)
                 .outerjoin(listings, and_(listings.c.store_id == orders.c.store_id,
                                           listings.c.item_id == order_lines.c.platform_item_id,
                                           listings.c.variant_id == order_lines.c.platform_variant_id))
                 .where(order_lines.c.order_id.in_(chunk)).order_by(order_lines.c.order_id, order_lines.c.position))
            for r in self.conn.execute(q):
                out.setdefault(r.order_id, []).append(dict(r._mapping))
        return out

    def recent_of_buyers(self, store_ids: Iterable[int], buyer_ids: Iterable[str],
                         since: datetime) -> list[dict[str, Any]]:
        """Orders of these buyers since `since` (candidates for the duplicate rule)."""
        buyers = sorted({b for b in buyer_ids if b})
        if not buyers:
            return []
        q = (select(orders.c.id, orders.c.store_id, orders.c.platform_order_id, orders.c.buyer_id, orders.c.status,
                    orders.c.created_at, orders.c.ship_name, orders.c.ship_phone, orders.c.ship_country,
                    orders.c.ship_state, orders.c.ship_city, orders.c.ship_district, orders.c.ship_postcode,
                    orders.c.ship_line1, orders.c.ship_full_address)
             .where(orders.c.store_id.in_(sorted(set(store_ids))), orders.c.buyer_id.in_(buyers),
                    orders.c.created_at >= since, orders.c.status != "cancelled"))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # verdicts
    def verdicts(self, order_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(order_ids), _CHUNK):
            q = select(order_reviews).where(order_reviews.c.order_id.in_(list(order_ids[i:i + _CHUNK])))
            out.update({r.order_id: dict(r._mapping) for r in self.conn.execute(q)})
        return out

    def record(self, order_id: int, state: str, reasons: list[dict[str, str]], decided_by: str, note: str,
               now: datetime) -> None:
        values = {"state": state, "reasons": reasons, "decided_by": decided_by, "note": note, "reviewed_at": now}
        done = self.conn.execute(update(order_reviews).where(order_reviews.c.order_id == order_id).values(**values))
        if done.rowcount == 0:
            self.conn.execute(insert(order_reviews).values(order_id=order_id, **values))

    def held(self, limit: int = 500) -> list[dict[str, Any]]:
        q = (select(order_reviews, orders.c.platform_order_id, orders.c.store_id)
             .join(orders, orders.c.id == order_reviews.c.order_id)
             .where(order_reviews.c.state == "held").order_by(order_reviews.c.reviewed_at).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def set_status(self, order_ids: Sequence[int], new: str, now: datetime, *, only_from: Sequence[str]) -> list[int]:
        """Move orders to our own status `new` (from one of `only_from`), with a history row; returns those moved."""
        rows = self.conn.execute(select(orders.c.id, orders.c.status, orders.c.platform_status)
                                 .where(orders.c.id.in_(list(order_ids)), orders.c.status.in_(list(only_from))))
        moved = [(r.id, r.status, r.platform_status) for r in rows]
        if not moved:
            return []
        self.conn.execute(update(orders).where(orders.c.id.in_([m[0] for m in moved]))
                          .values(status=new, last_changed_at=now))
        self.conn.execute(insert(order_status_history), [
            {"order_id": oid, "old_status": old, "new_status": new, "platform_status": ps, "accepted": True,
             "platform_at": now, "recorded_at": now} for oid, old, ps in moved])
        return [m[0] for m in moved]
