"""Order review: the rules hold an order with its reasons or pass it; the seller approves, holds or cancels in
batches. An approved order becomes `reviewed` and goes on to shipping."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import structlog

from crossdock.domain.fulfilment.review import (
    HoldCode,
    ReviewInput,
    ReviewLine,
    ReviewPolicy,
    address_key,
    phone_key,
    review,
)
from crossdock.domain.inventory.events import StockChanged
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import CancelReason
from crossdock.services.errors import InvalidInput, NotFound
from crossdock.services.messagebus import MessageBus
from crossdock.services.order_stock import OrderChange, settle
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)
DUPLICATE_WINDOW = timedelta(hours=48)
BLACKLIST_KINDS = ("buyer", "address", "phone", "email")


@dataclass(slots=True)
class ReviewReport:
    reviewed: int = 0
    approved: int = 0
    held: int = 0
    reasons: dict[str, int] = field(default_factory=dict)     # hold code -> orders held for it


def address_of(row: dict[str, Any]) -> Address | None:
    if not row.get("ship_country") and not row.get("ship_full_address"):
        return None
    return Address(name=row.get("ship_name") or "", phone=row.get("ship_phone") or "",
                   country=row.get("ship_country") or "", state=row.get("ship_state") or "",
                   city=row.get("ship_city") or "", district=row.get("ship_district") or "",
                   postcode=row.get("ship_postcode") or "", line1=row.get("ship_line1") or "",
                   full_address=row.get("ship_full_address") or "")


def blacklist_key(kind: str, value: str, country: str = "") -> str:
    """The normalised form a blacklist entry and an order are compared in."""
    if kind == "phone":
        return phone_key(value, country)
    return " ".join(value.lower().split())


class ReviewService:
    def __init__(self, uow: UowFactory, bus: MessageBus, clock: Clock) -> None:
        self._uow, self._bus, self._clock = uow, bus, clock

    # --- configuration ----------------------------------------------------------------------------------
    def policy(self) -> ReviewPolicy:
        with self._uow(readonly=True) as uow:
            rules = uow.review.rules()
        enabled = frozenset(c for c in HoldCode if rules.get(c.value, (True, {}))[0])
        params: dict[str, Any] = {}
        for _, p in rules.values():
            params.update(p)
        return ReviewPolicy(enabled=enabled,
                            amount_floor=Decimal(str(params.get("amount_floor", ReviewPolicy().amount_floor))),
                            amount_ceiling=Decimal(str(params.get("amount_ceiling", ReviewPolicy().amount_ceiling))),
                            hold_buyer_notes=bool(params.get("hold_buyer_notes", True)))

    def set_rule(self, code: str, enabled: bool, params: dict[str, Any] | None = None) -> None:
        try:
            HoldCode(code)
        except ValueError:
            raise InvalidInput(f"no review rule {code!r}; rules: {', '.join(c.value for c in HoldCode)}") from None
        for key, value in (params or {}).items():
            if key in ("amount_floor", "amount_ceiling"):
                try:
                    if Decimal(str(value)) <= 0:
                        raise InvalidInput(f"{key} must be positive")
                except ArithmeticError:
                    raise InvalidInput(f"{key} must be a number, got {value!r}") from None
        with self._uow() as uow:
            uow.review.set_rule(code, enabled, dict(params or {}), self._clock.now())
            uow.commit()

    def rules(self) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            stored = uow.review.rules()
        return [{"code": c.value, "enabled": stored.get(c.value, (True, {}))[0],
                 "params": stored.get(c.value, (True, {}))[1]} for c in HoldCode]

    def blacklist(self) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.review.blacklist()

    def add_to_blacklist(self, kind: str, value: str, reason: str, country: str = "") -> int | None:
        if kind not in BLACKLIST_KINDS:
            raise InvalidInput(f"blacklist kind must be one of {', '.join(BLACKLIST_KINDS)}, got {kind!r}")
        if not value.strip():
            raise InvalidInput("a blacklist entry needs a value")
        if kind == "address":
            raise InvalidInput("blacklist an address with add_address_to_blacklist (it needs its fields)")
        with self._uow() as uow:
            entry = uow.review.add_blacklisted(kind, blacklist_key(kind, value, country), value.strip(), reason,
                                               self._clock.now())
            uow.commit()
        return entry

    def add_address_to_blacklist(self, address: Address, reason: str) -> int | None:
        if not address_key(address):
            raise InvalidInput("an address on the blacklist needs its country, postcode or city, and street")
        with self._uow() as uow:
            entry = uow.review.add_blacklisted("address", address_key(address), address.full_address or
                                               ", ".join(p for p in (address.line1, address.postcode, address.city,
                                                                     address.country) if p), reason,
                                               self._clock.now())
            uow.commit()
        return entry

    def remove_from_blacklist(self, entry_id: int) -> None:
        with self._uow() as uow:
            if not uow.review.remove_blacklisted(entry_id):
                raise NotFound(f"no blacklist entry {entry_id}")
            uow.commit()

    # --- review -----------------------------------------------------------------------------------------
    def review(self, order_ids: Sequence[int] | None = None, *, again: bool = False, limit: int = 5000) -> ReviewReport:
        """Run the rules over orders waiting for review (or these), writing each one's verdict."""
        policy = self.policy()
        now = self._clock.now()
        report = ReviewReport()
        with self._uow() as uow:
            ids = uow.review.awaiting(OrderStatus.PENDING_REVIEW.value, again=again, order_ids=order_ids, limit=limit)
            if not ids:
                return report
            rows = uow.review.orders(ids)
            lines = uow.review.lines(ids)
            recent = uow.review.recent_of_buyers({r["store_id"] for r in rows}, {r["buyer_id"] for r in rows},
                                                 min(r["created_at"] for r in rows) - DUPLICATE_WINDOW)
            recent_lines = uow.review.lines([r["id"] for r in recent])
            by_buyer: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
            for o in recent:
                by_buyer[(o["store_id"], o["buyer_id"])].append(o)
            keys: list[tuple[str, str]] = []
            for r in rows:
                address = address_of(r)
                keys += [("buyer", blacklist_key("buyer", r["buyer_id"])),
                         ("buyer", blacklist_key("buyer", r["buyer_username"]))]
                if address is not None:
                    keys += [("address", address_key(address)),
                             ("phone", blacklist_key("phone", address.phone, address.country))]
                email = (r["raw"] or {}).get("buyer_email") if isinstance(r["raw"], dict) else None
                if email:
                    keys.append(("email", blacklist_key("email", str(email))))
            hits = uow.review.blacklist_hits(keys)
            approved: list[int] = []
            for r in rows:
                facts = self._input(r, lines.get(r["id"], []), by_buyer.get((r["store_id"], r["buyer_id"]), []),
                                    recent_lines, hits)
                holds = review(facts, policy)
                reasons = [{"code": h.code.value, "message": h.message} for h in holds]
                uow.review.record(r["id"], "held" if holds else "approved", reasons, "rules", "", now)
                report.reviewed += 1
                if holds:
                    report.held += 1
                    for code in {h.code.value for h in holds}:
                        report.reasons[code] = report.reasons.get(code, 0) + 1
                else:
                    approved.append(r["id"])
            report.approved = len(uow.review.set_status(approved, OrderStatus.REVIEWED.value, now,
                                                        only_from=[OrderStatus.PENDING_REVIEW.value]))
            uow.commit()
        log.info("orders.reviewed", reviewed=report.reviewed, approved=report.approved, held=report.held)
        return report

    @staticmethod
    def _input(row: dict[str, Any], lines: list[dict[str, Any]], recent: list[dict[str, Any]],     # same buyer
               recent_lines: dict[int, list[dict[str, Any]]],
               hits: dict[tuple[str, str], dict[str, Any]]) -> ReviewInput:
        address = address_of(row)
        currency = row["currency"]
        review_lines = tuple(ReviewLine(
            sku=line["sku"] or line["platform_item_id"], quantity=line["quantity"],
            paid_unit_price=Money(line["paid_unit_price"], currency),
            listing_price=(Money(line["listing_price"], line["listing_currency"])
                           if line["listing_price"] is not None and line["listing_currency"] else None),
            mapped=line["sku_id"] is not None) for line in lines)
        # The same buyer, address and goods again shortly before: a double click, or a retried checkout.
        basket = sorted((line["sku"], line["platform_item_id"], line["platform_variant_id"], line["quantity"])
                        for line in lines)
        key = address_key(address) if address else ""
        duplicates = tuple(sorted(
            o["platform_order_id"] for o in recent
            if o["id"] != row["id"] and o["store_id"] == row["store_id"] and o["buyer_id"] == row["buyer_id"]
            and abs(o["created_at"] - row["created_at"]) <= DUPLICATE_WINDOW
            and (address_key(a) if (a := address_of(o)) else "") == key
            and sorted((x["sku"], x["platform_item_id"], x["platform_variant_id"], x["quantity"])
                       for x in recent_lines.get(o["id"], [])) == basket))
        found = []
        candidates = [("buyer", blacklist_key("buyer", row["buyer_id"])),
                      ("buyer", blacklist_key("buyer", row["buyer_username"]))]
        if address is not None:
            candidates += [("address", address_key(address)),
                           ("phone", blacklist_key("phone", address.phone, address.country))]
        raw = row["raw"] if isinstance(row["raw"], dict) else {}
        if raw.get("buyer_email"):
            candidates.append(("email", blacklist_key("email", str(raw["buyer_email"]))))
        for k in dict.fromkeys(candidates):
            if k in hits:
                found.append(f"{k[0]} {hits[k]['shown']}: {hits[k]['reason']}")
        return ReviewInput(platform_order_id=row["platform_order_id"], address=address, lines=review_lines,
                           buyer_note=row["buyer_note"] or "", duplicates=duplicates, blacklist_hits=tuple(found),
                           oversold=row.get("stock_state") == "oversold")

    # --- the seller's decisions --------------------------------------------------------------------------
    def _known(self, uow: Any, order_ids: Sequence[int]) -> None:
        found = {r["id"] for r in uow.review.orders(list(order_ids))}
        missing = [str(i) for i in order_ids if i not in found]
        if missing:
            raise NotFound(f"no order {', '.join(missing)}")

    def approve(self, order_ids: Sequence[int], note: str = "") -> list[int]:
        """Approve (also held orders): they go on to shipping."""
        now = self._clock.now()
        with self._uow() as uow:
            self._known(uow, order_ids)
            moved = uow.review.set_status(order_ids, OrderStatus.REVIEWED.value, now,
                                          only_from=[OrderStatus.PENDING_REVIEW.value])
            for oid in moved:
                uow.review.record(oid, "approved", [], "seller", note, now)
            uow.commit()
        return moved

    def hold(self, order_ids: Sequence[int], reason: str) -> list[int]:
        """Hold orders by hand (also approved ones not yet labelled): they go back to review."""
        if not reason.strip():
            raise InvalidInput("say why the orders are held")
        now = self._clock.now()
        with self._uow() as uow:
            self._known(uow, order_ids)
            uow.review.set_status(order_ids, OrderStatus.PENDING_REVIEW.value, now,
                                  only_from=[OrderStatus.REVIEWED.value])
            rows = {r["id"]: r for r in uow.review.orders(list(order_ids))}
            held = [oid for oid in order_ids if rows.get(oid, {}).get("status") == OrderStatus.PENDING_REVIEW.value]
            for oid in held:
                uow.review.record(oid, "held", [{"code": "seller", "message": reason.strip()}], "seller", "", now)
            uow.commit()
        return held

    def cancel(self, order_ids: Sequence[int], reason: str, platform_reason: CancelReason) -> list[int]:
        """The seller will not ship these: their reserved units are released for other orders, and the
        cancellation is recorded in the same transaction for the marketplace (`CancellationService.send` tells
        it, with `platform_reason` in the platform's own words)."""
        if not reason.strip():
            raise InvalidInput("say why the orders are cancelled")
        now = self._clock.now()
        with self._uow() as uow:
            self._known(uow, order_ids)
            rows = {r["id"]: r for r in uow.review.orders(list(order_ids))}
            open_states = (OrderStatus.PENDING_REVIEW.value, OrderStatus.REVIEWED.value)
            done = [oid for oid in order_ids if rows.get(oid, {}).get("status") in open_states]
            by_store: dict[int, list[int]] = defaultdict(list)
            for oid in done:
                by_store[rows[oid]["store_id"]].append(oid)
                uow.review.record(oid, "cancelled", [{"code": "seller", "message": reason.strip()}], "seller",
                                  "", now)
            for store_id, ids in by_store.items():
                # As if the platform had cancelled them: what they hold is released (and pushed to the listings).
                settle(uow, store_id, [OrderChange(oid, OrderStatus.CANCELLED.value, ()) for oid in ids], now)
            uow.review.set_status(done, OrderStatus.CANCEL_REQUESTED.value, now, only_from=list(open_states))
            uow.cancellations.add([{"order_id": oid, "store_id": rows[oid]["store_id"], "reason": platform_reason.value,
                                    "note": reason.strip(), "state": "pending", "requested_at": now,
                                    "updated_at": now} for oid in done])
            touched = uow.stock.dirty_since_start()
            uow.commit()
        if touched:
            self._bus.publish([StockChanged(frozenset(touched))])
        return done

    def held(self, limit: int = 500) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.review.held(limit)

    def verdicts(self, order_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.review.verdicts(list(order_ids))

