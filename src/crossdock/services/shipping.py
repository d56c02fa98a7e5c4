"""Shipping: reviewed orders become parcels (split by warehouse and temperature, merged per buyer), each gets a
carrier by the seller's rules (or by hand), a label bought from the carrier or the marketplace's own logistics,
and the tracking number told to the marketplace."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, time
from decimal import Decimal
from typing import Any

import structlog

from crossdock.connectors._kit.errors import ConnectorError, Fatal
from crossdock.domain.fulfilment.pickup import OpeningHours, PickupPoint, SlotRefused, check_slot
from crossdock.domain.fulfilment.review import address_key
from crossdock.domain.fulfilment.shipping_rules import ParcelFacts, ShippingRule, choose
from crossdock.domain.fulfilment.split import MergeCandidate, Part, PickLine, merge_groups, split
from crossdock.domain.inventory.events import StockChanged
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.carrier import CarrierShipment, CustomsLine, LabelFile, Parcel, ShipmentRequest
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import CallStats, LogisticsRequest, ShipmentNotice, ShippedLine
from crossdock.services.carriers import PLATFORM, Carriers
from crossdock.services.connectors import Connectors, NotConfigured
from crossdock.services.errors import InvalidInput, NotFound
from crossdock.services.fx import convert
from crossdock.services.lanes import run_in_lanes
from crossdock.services.messagebus import MessageBus
from crossdock.services.order_stock import LineRef, OrderChange, SkuResolver, settle, warehouse_preference
from crossdock.services.review import address_of
from crossdock.services.secrets import SecretsError
from crossdock.services.stores import StoreService
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)
MAX_CONFIRM_ATTEMPTS = 10
LABEL_CHUNK = 50          # parcels claimed, asked for and recorded together
TEMPERATURES = ("ambient", "chilled", "frozen")


@dataclass(slots=True)
class PlanReport:
    orders: int = 0
    shipments: int = 0
    split_orders: int = 0          # orders shipped in more than one parcel
    merged: int = 0                # parcels carrying more than one order
    unrouted: int = 0              # parcels no shipping rule matched: choose a carrier by hand
    shipment_ids: list[int] = field(default_factory=list)
    unplanned: list[str] = field(default_factory=list)     # orders left out, with why (map the SKU, then plan)


@dataclass(slots=True)
class StepReport:
    done: int = 0
    failed: int = 0
    retry: int = 0
    errors: list[str] = field(default_factory=list)


def address_json(address: Address) -> dict[str, str]:
    return asdict(address)


def address_from(data: dict[str, Any]) -> Address:
    known = {f.name for f in fields(Address)}
    return Address(**{k: v or "" for k, v in data.items() if k in known})


def _grams(weight_kg: Decimal | None) -> int:
    return int((weight_kg or Decimal(0)) * 1000)


class ShippingService:
    def __init__(self, uow: UowFactory, connectors: Connectors, stores: StoreService, carriers: Carriers,
                 bus: MessageBus, clock: Clock, workers: int = 8) -> None:
        self._uow, self._connectors, self._stores, self._carriers = uow, connectors, stores, carriers
        self._bus, self._clock, self._workers = bus, clock, workers

    # --- set-up -------------------------------------------------------------------------------------------
    def set_warehouse_address(self, warehouse_code: str, address: Address) -> None:
        with self._uow() as uow:
            wh = {w.code: w.id for w in uow.catalogue.warehouses()}
            if warehouse_code not in wh:
                raise NotFound(f"no warehouse {warehouse_code!r}")
            uow.shipments.set_warehouse_address(wh[warehouse_code], address_json(address))
            uow.commit()

    def add_rule(self, name: str, account: str, service: str, *, priority: int = 100,
                 conditions: dict[str, Any] | None = None) -> int:
        """A shipping rule; conditions: countries, platforms, store_ids, warehouses (codes), temperatures,
        min_weight_grams, max_weight_grams, min_value / max_value ({"amount": "20", "currency": "EUR"})."""
        acct = self._carriers.account(account)
        cond = dict(conditions or {})
        unknown = set(cond) - {"countries", "platforms", "store_ids", "warehouses", "temperatures",
                               "min_weight_grams", "max_weight_grams", "min_value", "max_value"}
        if unknown:
            raise InvalidInput(f"unknown rule conditions: {', '.join(sorted(unknown))}")
        self._check_service(acct, service)
        with self._uow() as uow:
            wh = {w.code: w.id for w in uow.catalogue.warehouses()}
            missing = [c for c in cond.get("warehouses", []) if c not in wh]
            if missing:
                raise InvalidInput(f"no warehouse {', '.join(missing)}")
            for bound in ("min_value", "max_value"):
                if bound in cond:
                    try:
                        Money.of(str(cond[bound]["amount"]), str(cond[bound]["currency"]))
                    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                        raise InvalidInput(f"{bound} must be {{amount, currency}}: {exc}") from None
            rule_id = uow.shipments.add_rule({"name": name, "priority": priority, "carrier_account_id": acct["id"],
                                              "service": service, "conditions": cond, "active": True,
                                              "created_at": self._clock.now()})
            uow.commit()
        return rule_id

    def rules(self) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.shipments.rules()

    def _check_service(self, account: dict[str, Any], service: str) -> None:
        if account["carrier"] == PLATFORM:
            return
        products = sorted(p.code for p in self._carriers.spec(account["carrier"]).products)
        if service not in products:
            raise InvalidInput(f"{account['carrier']} has no service {service!r}; it has {', '.join(products)}")

    @staticmethod
    def _rule(row: dict[str, Any], warehouses: dict[str, int]) -> ShippingRule:
        c = row["conditions"]

        def money(key: str) -> Money | None:
            return Money.of(str(c[key]["amount"]), str(c[key]["currency"])) if key in c else None

        return ShippingRule(
            id=row["id"], name=row["name"], priority=row["priority"], carrier_account_id=row["carrier_account_id"],
            service=row["service"], countries=frozenset(c.get("countries", [])),
            platforms=frozenset(c.get("platforms", [])), store_ids=frozenset(int(s) for s in c.get("store_ids", [])),
            warehouse_ids=frozenset(warehouses[w] for w in c.get("warehouses", []) if w in warehouses),
            temperatures=frozenset(c.get("temperatures", [])), min_weight_grams=c.get("min_weight_grams"),
            max_weight_grams=c.get("max_weight_grams"), min_value=money("min_value"), max_value=money("max_value"))

    # --- planning -----------------------------------------------------------------------------------------
    def plan(self, order_ids: Sequence[int] | None = None, *, limit: int = 5000) -> PlanReport:
        """Parcels for reviewed orders not yet planned: one per warehouse and temperature class, orders of one
        buyer at one address in one store merged, each routed by the first shipping rule that matches."""
        report = PlanReport()
        now = self._clock.now()
        with self._uow() as uow:
            rows = uow.shipments.orders_to_plan(order_ids, limit)
            if not rows:
                return report
            ids = [r["id"] for r in rows]
            lines = uow.shipments.order_lines(ids)
            holds = uow.stock.holds(ids)
            warehouses = {w.code: w.id for w in uow.catalogue.warehouses()}
            rules = [self._rule(r, warehouses) for r in uow.shipments.rules()]
            accounts = {a["id"]: a for a in uow.shipments.carrier_accounts()}
            platforms = {s.id: s.platform for s in uow.stores.all()}
            parts_of: dict[int, list[Part]] = {}
            unit_value: dict[int, dict[int, Money]] = {}    # order -> order line id -> value of one master unit
            resolvers: dict[int, SkuResolver] = {}
            all_skus: set[int] = set()
            pick: dict[int, list[tuple[dict[str, Any], dict[int, int]]]] = {}
            for r in list(rows):
                resolver = resolvers.setdefault(r["store_id"], SkuResolver(uow, r["store_id"]))
                order_lines = lines.get(r["id"], [])
                resolved = resolver.resolve([LineRef(x["sku"], x["platform_item_id"], x["platform_variant_id"],
                                                     x["quantity"]) for x in order_lines])
                missing = [x["sku"] or x["platform_item_id"] for x, u in zip(order_lines, resolved, strict=True)
                           if not u]
                if missing or not order_lines:
                    # A parcel without some of its goods would ship short: the order waits for its mapping.
                    report.unplanned.append(f"{r['platform_order_id']}: no master SKU for "
                                            f"{', '.join(missing) or 'any line'}")
                    rows.remove(r)
                    continue
                pick[r["id"]] = [(x, u or {}) for x, u in zip(order_lines, resolved, strict=True)]
                all_skus |= {s for u in resolved if u for s in u}
            facts = uow.shipments.sku_facts(all_skus)
            ids = [r["id"] for r in rows]
            for r in rows:
                oid = r["id"]
                # Units go to the warehouses that hold them for this order; units held nowhere (oversold, approved
                # anyway) go to the store's first warehouse.
                pool: dict[int, list[list[int]]] = defaultdict(list)
                for w, s, q in holds.get(oid, []):
                    pool[s].append([w, q])
                preferred = warehouse_preference(uow, r["store_id"])
                fallback = int(preferred[0]) if preferred else 0
                pick_lines: list[PickLine] = []
                unit_value[oid] = {}
                for line, units in pick[oid]:
                    total_units = sum(units.values()) or 1
                    unit_value[oid][line["id"]] = Money(line["paid_unit_price"] * line["quantity"] / total_units,
                                                        r["currency"])
                    for sku_id, qty in units.items():
                        left = qty
                        for slot in pool.get(sku_id, []):
                            take = min(left, slot[1])
                            if take:
                                slot[1] -= take
                                left -= take
                                pick_lines.append(self._pick(oid, line["id"], sku_id, take, slot[0], facts))
                        if left:
                            pick_lines.append(self._pick(oid, line["id"], sku_id, left, fallback, facts))
                parts_of[oid] = split(pick_lines) if pick_lines else []
            # Merge what one buyer bought at one address in one store, per warehouse and temperature.
            by_id = {r["id"]: r for r in rows}
            candidates = [MergeCandidate(r["id"], r["store_id"], r["buyer_id"],
                                         address_key(a) if (a := address_of(r)) else "") for r in rows]
            groups = merge_groups(candidates)
            grouped = {oid for g in groups for oid in g}
            batches: list[list[int]] = [*groups, *([oid] for oid in ids if oid not in grouped)]
            for batch in batches:
                lead = by_id[batch[0]]
                recipient = address_of(lead)
                combined: dict[tuple[int, str], list[PickLine]] = defaultdict(list)
                for oid in batch:
                    for part in parts_of[oid]:
                        combined[(part.warehouse_id, part.temperature)] += list(part.lines)
                    if len(parts_of[oid]) > 1:
                        report.split_orders += 1
                report.orders += len(batch)
                for (warehouse_id, temperature), plines in sorted(combined.items()):
                    weight = sum(p.quantity * p.weight_grams for p in plines)
                    value = Money.zero(lead["currency"])
                    for p in plines:
                        value = value + unit_value[p.order_id][p.order_line_id] * p.quantity
                    parcel = ParcelFacts(country=(recipient.country if recipient else ""),
                                         platform=platforms.get(lead["store_id"], ""), store_id=lead["store_id"],
                                         warehouse_id=warehouse_id, weight_grams=weight, value=value,
                                         temperature=temperature)
                    rule = choose(rules, parcel, convert)
                    if rule is not None and accounts[rule.carrier_account_id]["carrier"] == PLATFORM and len(batch) > 1:
                        rule = None      # a marketplace ships one order per parcel: merged parcels need a carrier
                    orders_in = {p.order_id for p in plines}
                    shipment_id = uow.shipments.add_shipment({
                        "store_id": lead["store_id"], "warehouse_id": warehouse_id, "temperature": temperature,
                        "state": "planned", "carrier_account_id": rule.carrier_account_id if rule else None,
                        "carrier": accounts[rule.carrier_account_id]["carrier"] if rule else None,
                        "service": rule.service if rule else None, "chosen_by": "rule" if rule else None,
                        "weight_grams": weight, "value": value.amount, "currency": value.currency,
                        "recipient": address_json(recipient) if recipient else {},
                        "created_at": now, "updated_at": now,
                    }, [{"order_id": p.order_id, "order_line_id": p.order_line_id, "sku_id": p.sku_id,
                         "quantity": p.quantity} for p in plines])
                    report.shipments += 1
                    report.shipment_ids.append(shipment_id)
                    report.merged += int(len(orders_in) > 1)
                    report.unrouted += int(rule is None)
            uow.commit()
        log.info("shipments.planned", orders=report.orders, shipments=report.shipments, split=report.split_orders,
                 merged=report.merged, unrouted=report.unrouted)
        return report

    @staticmethod
    def _pick(order_id: int, line_id: int, sku_id: int, qty: int, warehouse_id: int,
              facts: dict[int, dict[str, Any]]) -> PickLine:
        f = facts.get(sku_id, {})
        temperature = f.get("temperature") if f.get("temperature") in TEMPERATURES else "ambient"
        return PickLine(order_id=order_id, order_line_id=line_id, sku_id=sku_id, quantity=qty,
                        warehouse_id=warehouse_id, temperature=str(temperature),
                        weight_grams=_grams(f.get("weight_kg")))

    def set_carrier(self, shipment_ids: Sequence[int], account: str, service: str) -> int:
        """Route parcels by hand (before their label is bought)."""
        acct = self._carriers.account(account)
        self._check_service(acct, service)
        changed = 0
        with self._uow() as uow:
            for sid in shipment_ids:
                changed += int(uow.shipments.claim(sid, ["planned"], {
                    "carrier_account_id": acct["id"], "carrier": acct["carrier"], "service": service,
                    "chosen_by": "seller", "label_error": None, "updated_at": self._clock.now()}))
            uow.commit()
        return changed

    # --- pick-up points ---------------------------------------------------------------------------------
    def add_pickup_point(self, point: PickupPoint) -> int:
        with self._uow() as uow:
            point_id = uow.shipments.add_pickup_point({
                "carrier": point.carrier, "external_id": point.id, "name": point.name,
                "address": address_json(point.address), "timezone": point.timezone,
                "hours": [{"weekday": h.weekday, "opens": h.opens.strftime("%H:%M"),
                           "closes": h.closes.strftime("%H:%M")} for h in point.hours],
                "slot_minutes": point.slot_minutes})
            uow.commit()
        return point_id

    @staticmethod
    def pickup_point(row: dict[str, Any]) -> PickupPoint:
        return PickupPoint(id=row["external_id"], carrier=row["carrier"], name=row["name"],
                           address=address_from(row["address"]), timezone=row["timezone"],
                           hours=tuple(OpeningHours(h["weekday"], time.fromisoformat(h["opens"]),
                                                    time.fromisoformat(h["closes"])) for h in row["hours"]),
                           slot_minutes=row["slot_minutes"])

    def bind_pickup(self, shipment_id: int, point_id: int, start: datetime, end: datetime) -> None:
        """Deliver the parcel to a pick-up point in one of its slots; a slot the point does not offer is refused."""
        with self._uow() as uow:
            row = uow.shipments.pickup_point(point_id)
            if row is None:
                raise NotFound(f"no pick-up point {point_id}")
            try:
                check_slot(self.pickup_point(row), start, end)
            except SlotRefused as exc:
                raise InvalidInput(str(exc)) from None
            if not uow.shipments.shipments([shipment_id]):
                raise NotFound(f"no shipment {shipment_id}")
            if not uow.shipments.claim(shipment_id, ["planned"], {
                    "pickup_point_id": point_id, "pickup_slot_start": start, "pickup_slot_end": end,
                    "updated_at": self._clock.now()}):
                raise InvalidInput(f"shipment {shipment_id} is not waiting for its label: it cannot be re-routed")
            uow.commit()

    def retry_interrupted(self, shipment_ids: Sequence[int]) -> int:
        """After the seller checked the carrier's account: parcels whose label purchase was cut off may be bought
        again (the next label run takes them)."""
        with self._uow() as uow:
            moved = sum(int(uow.shipments.claim(sid, ["labelling"], {"state": "planned",
                                                                      "updated_at": self._clock.now()}))
                        for sid in shipment_ids)
            uow.commit()
        return moved

    # --- labels -------------------------------------------------------------------------------------------
    def buy_labels(self, shipment_ids: Sequence[int] | None = None, *, limit: int = 5000) -> StepReport:
        """Buy the label of every planned, routed parcel (or these): tracking number and label PDF kept. A parcel
        whose order was cancelled meanwhile is dropped instead (its other orders are planned again)."""
        report = StepReport()
        with self._uow(readonly=True) as uow:
            todo = [s for s in uow.shipments.shipments(shipment_ids, states=["planned"], limit=limit)
                    if s["carrier_account_id"] is not None]
            gone = self._cancelled_orders(uow, [s["id"] for s in todo])
        for shipment in [s for s in todo if s["id"] in gone]:
            self._drop(shipment["id"], f"order cancelled: {', '.join(gone[shipment['id']])}")
            report.failed += 1
            report.errors.append(f"{shipment['reference']}: order cancelled, no label bought")
        todo = [s for s in todo if s["id"] not in gone]
        # Chunks: one transaction claims a chunk (two workers never buy one parcel's label), carriers are asked
        # side by side (they answer in hundreds of milliseconds; each account's client and rate limit shared),
        # one transaction records the chunk. A crash in between leaves the chunk "labelling", which is raised
        # for a person to check, never bought twice blindly.
        with ThreadPoolExecutor(max_workers=max(1, self._workers)) as pool:
            for i in range(0, len(todo), LABEL_CHUNK):
                claimed = self._claim(todo[i:i + LABEL_CHUNK])
                if not claimed:
                    continue
                facts = self._label_facts(claimed)
                outcomes = list(pool.map(self._create, claimed, [facts] * len(claimed)))
                self._record_labels(claimed, facts, outcomes, report)
        return report

    def _claim(self, shipments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        now = self._clock.now()
        with self._uow() as uow:
            ids = set(uow.shipments.claim_many([s["id"] for s in shipments], ["planned"],
                                               {"state": "labelling", "updated_at": now}))
            uow.commit()
        return [s for s in shipments if s["id"] in ids]

    def _label_facts(self, shipments: list[dict[str, Any]]) -> dict[str, Any]:
        """Everything the label requests of these parcels need, read at once."""
        with self._uow(readonly=True) as uow:
            lines = uow.shipments.lines([s["id"] for s in shipments])
            accounts = {a["id"]: a for a in uow.shipments.carrier_accounts()}
            points = {s["pickup_point_id"]: uow.shipments.pickup_point(s["pickup_point_id"])
                      for s in shipments if s["pickup_point_id"]}
            return {"lines": lines, "accounts": accounts, "points": points,
                    "shippers": uow.shipments.warehouse_addresses(),
                    "skus": uow.shipments.sku_facts(x["sku_id"] for xs in lines.values() for x in xs)}

    def _create(self, shipment: dict[str, Any], facts: dict[str, Any]) -> CarrierShipment | Exception:
        """Ask the carrier (or the marketplace) for the label; an exception is returned, not raised."""
        try:
            lines = facts["lines"].get(shipment["id"], [])
            account = facts["accounts"][shipment["carrier_account_id"]]
            if shipment["weight_grams"] <= 0:
                raise InvalidInput("the parcel weighs 0 g: set the weight of its SKUs")
            if not shipment["recipient"]:
                raise InvalidInput("the order has no delivery address")
            if account["carrier"] == PLATFORM:
                return self._arrange(shipment, lines, self._parcel(shipment, lines, facts["skus"]))
            shipper = facts["shippers"].get(shipment["warehouse_id"])
            if shipper is None:
                raise InvalidInput("the warehouse has no sender address: set it first")
            skus, currency = facts["skus"], shipment["currency"]
            point = facts["points"].get(shipment["pickup_point_id"])
            contents = tuple(CustomsLine(
                description=(skus.get(x["sku_id"], {}).get("title") or x["title"])[:100], quantity=x["quantity"],
                unit_value=Money(x["paid_unit_price"], currency),
                weight_grams=_grams(skus.get(x["sku_id"], {}).get("weight_kg")),
                hs_code=skus.get(x["sku_id"], {}).get("hs_code") or "",
                origin_country=skus.get(x["sku_id"], {}).get("origin_country") or "CN",
                sku=skus.get(x["sku_id"], {}).get("code") or "") for x in lines)
            return self._carriers.build(account).create_shipment(ShipmentRequest(
                reference=shipment["reference"], service=shipment["service"], shipper=address_from(shipper),
                recipient=address_from(shipment["recipient"]), parcel=Parcel(shipment["weight_grams"]),
                value=Money(shipment["value"], currency), contents=contents,
                pickup_point_id=point["external_id"] if point else ""))
        except Exception as exc:
            if not isinstance(exc, ConnectorError | InvalidInput | NotConfigured | SecretsError):
                log.exception("shipping.label_crashed", shipment=shipment["reference"])   # a bug: seen, not lost
            return exc

    def _record_labels(self, shipments: list[dict[str, Any]], facts: dict[str, Any],
                       outcomes: list[CarrierShipment | Exception], report: StepReport) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            labelled_orders: set[int] = set()
            for shipment, made in zip(shipments, outcomes, strict=True):
                if isinstance(made, Exception):
                    retry = isinstance(made, ConnectorError) and not isinstance(made, Fatal)
                    error = f"{type(made).__name__}: {made}" if retry or not isinstance(
                        made, Fatal | InvalidInput | NotConfigured | SecretsError) else str(made)
                    uow.shipments.update_shipment(shipment["id"], {"state": "planned", "label_error": error[:2000],
                                                                   "updated_at": now})
                    report.retry += int(retry)
                    report.failed += int(not retry)
                    report.errors.append(f"{shipment['reference']}: {error}")
                    continue
                arranged = facts["accounts"][shipment["carrier_account_id"]]["carrier"] == PLATFORM
                uow.shipments.update_shipment(shipment["id"], {
                    "state": "labelled", "tracking_number": made.tracking_number,
                    "carrier_shipment_id": made.carrier_shipment_id, "label": made.label.content,
                    "label_format": made.label.format, "label_error": None, "labelled_at": now, "updated_at": now,
                    # the marketplace arranged it: it already knows the parcel and its tracking number
                    "platform_state": "ok" if arranged else "none", "confirmed_at": now if arranged else None})
                labelled_orders |= {x["order_id"] for x in facts["lines"].get(shipment["id"], [])}
                report.done += 1
            uow.review.set_status(sorted(labelled_orders), OrderStatus.LABEL_CREATED.value, now,
                                  only_from=[OrderStatus.REVIEWED.value])
            uow.commit()

    @staticmethod
    def _cancelled_orders(uow: Any, shipment_ids: Sequence[int]) -> dict[int, list[str]]:
        """shipment id -> platform ids of its orders cancelled (or being cancelled) since it was planned."""
        lines = uow.shipments.lines(list(shipment_ids))
        order_ids = sorted({x["order_id"] for xs in lines.values() for x in xs})
        states = {o["id"]: o["status"] for o in uow.review.orders(order_ids)} if order_ids else {}
        out: dict[int, list[str]] = {}
        for sid, xs in lines.items():
            gone = sorted({x["platform_order_id"] for x in xs
                           if states.get(x["order_id"]) in (OrderStatus.CANCELLED, OrderStatus.CANCEL_REQUESTED)})
            if gone:
                out[sid] = gone
        return out

    def _drop(self, shipment_id: int, reason: str) -> None:
        """The parcel will not go: cancelled, and its orders that still stand go back to be planned again."""
        now = self._clock.now()
        with self._uow() as uow:
            uow.shipments.update_shipment(shipment_id, {"state": "cancelled", "label_error": reason[:2000],
                                                        "updated_at": now})
            lines = uow.shipments.lines([shipment_id]).get(shipment_id, [])
            uow.review.set_status(sorted({x["order_id"] for x in lines}), OrderStatus.REVIEWED.value, now,
                                  only_from=[OrderStatus.LABEL_CREATED.value])
            uow.commit()

    def cancel(self, shipment_ids: Sequence[int], reason: str) -> StepReport:
        """Call parcels off before they leave: a bought label is cancelled with its carrier (refused once the
        carrier has the parcel), the parcel is dropped and its standing orders can be planned again."""
        if not reason.strip():
            raise InvalidInput("say why the parcels are called off")
        report = StepReport()
        with self._uow(readonly=True) as uow:
            rows = uow.shipments.shipments(list(shipment_ids))
        for shipment in rows:
            if shipment["state"] not in ("planned", "labelling", "labelled"):
                report.failed += 1
                report.errors.append(f"{shipment['reference']} is {shipment['state']}: it cannot be called off")
                continue
            if shipment["state"] == "labelled":
                if shipment["carrier"] == PLATFORM:
                    report.failed += 1
                    report.errors.append(f"{shipment['reference']}: the marketplace arranged it; cancel the "
                                         "shipment in its back-end")
                    continue
                try:
                    with self._uow(readonly=True) as uow:
                        account = uow.shipments.carrier_account(account_id=shipment["carrier_account_id"])
                    assert account is not None
                    self._carriers.build(account).cancel_shipment(CarrierShipment(
                        shipment["carrier_shipment_id"] or "", shipment["tracking_number"] or "",
                        LabelFile(b"", shipment["label_format"] or "PDF")))
                except (ConnectorError, NotConfigured, SecretsError) as exc:
                    report.failed += 1
                    report.errors.append(f"{shipment['reference']}: {exc}")
                    continue
            self._drop(shipment["id"], f"called off: {reason.strip()}")
            report.done += 1
        return report

    @staticmethod
    def _parcel(shipment: dict[str, Any], lines: list[dict[str, Any]], skus: dict[int, dict[str, Any]]) -> Parcel:
        """The parcel's weight, and its size where it is known: one unit of one SKU ships in that SKU's box."""
        if len(lines) == 1 and lines[0]["quantity"] == 1:
            f = skus.get(lines[0]["sku_id"], {})
            dims = [Decimal(f.get(k) or 0) for k in ("length_cm", "width_cm", "height_cm")]
            if all(d > 0 for d in dims):
                length, width, height = (int(d * 10) for d in dims)
                return Parcel(shipment["weight_grams"], length, width, height)
        return Parcel(shipment["weight_grams"])

    def _arrange(self, shipment: dict[str, Any], lines: list[dict[str, Any]], parcel: Parcel) -> CarrierShipment:
        store = self._stores.get(shipment["store_id"])
        logistics = self._connectors.logistics(store, self._stores.tokens(store.id), CallStats())
        [order_id] = {x["platform_order_id"] for x in lines}
        return logistics.arrange(LogisticsRequest(
            platform_order_id=order_id, lines=tuple(ShippedLine(x["platform_line_id"], x["quantity"]) for x in lines),
            parcel=parcel))

    # --- telling the marketplace --------------------------------------------------------------------------
    def confirm(self, shipment_ids: Sequence[int] | None = None, *, limit: int = 5000) -> StepReport:
        """Tell each marketplace the carrier and tracking number of its labelled parcels; retried until it
        accepts (a refusal stays visible with the platform's words)."""
        report = StepReport()
        with self._uow(readonly=True) as uow:
            todo = [s for s in uow.shipments.shipments(shipment_ids, states=["labelled"], limit=limit)
                    if s["platform_state"] in ("none", "retry") and s["platform_attempts"] < MAX_CONFIRM_ATTEMPTS]
            todo += [s for s in uow.shipments.shipments(shipment_ids, states=["labelled"], limit=limit)
                     if s["platform_state"] == "ok"]
            lines = uow.shipments.lines([s["id"] for s in todo])
            gone = self._cancelled_orders(uow, [s["id"] for s in todo])
        report_lock = threading.Lock()

        def note(outcome: str, error: str = "") -> None:
            with report_lock:
                setattr(report, outcome, getattr(report, outcome) + 1)
                if error:
                    report.errors.append(error)

        def one(shipment: dict[str, Any]) -> None:
            if shipment["id"] in gone:
                # cancelled after its label was bought: call the label off rather than announce a parcel
                called_off = self.cancel([shipment["id"]], f"order cancelled: {', '.join(gone[shipment['id']])}")
                note("failed", "; ".join(called_off.errors) or f"{shipment['reference']}: order cancelled, "
                                                                "label called off")
                return
            if shipment["platform_state"] != "ok":
                try:
                    self._notify(shipment, lines.get(shipment["id"], []))
                except (Fatal, NotConfigured, SecretsError) as exc:
                    self._confirm_failed(shipment["id"], "failed", str(exc))
                    note("failed", f"{shipment['reference']}: {exc}")
                    return
                except ConnectorError as exc:
                    self._confirm_failed(shipment["id"], "retry", f"{type(exc).__name__}: {exc}")
                    note("retry", f"{shipment['reference']}: {exc}")
                    return
            self._shipped(shipment, lines.get(shipment["id"], []))
            note("done")

        def lane(items: list[dict[str, Any]]) -> None:
            for shipment in items:
                one(shipment)

        run_in_lanes(self._stores, todo, lane, self._workers)
        return report

    def _notify(self, shipment: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        store = self._stores.get(shipment["store_id"])
        sink = self._connectors.shipment_sink(store, self._stores.tokens(store.id), CallStats())
        carrier = self._carriers.spec(shipment["carrier"])
        by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for x in lines:
            by_order[x["platform_order_id"]].append(x)
        for platform_order_id, items in sorted(by_order.items()):
            sink.confirm_shipment(ShipmentNotice(
                platform_order_id=platform_order_id, carrier_code=carrier.code, carrier_name=carrier.name,
                tracking_number=shipment["tracking_number"], shipped_at=shipment["labelled_at"] or self._clock.now(),
                lines=tuple(ShippedLine(x["platform_line_id"], x["quantity"]) for x in items),
                service=shipment["service"] or ""))

    def _confirm_failed(self, shipment_id: int, state: str, error: str) -> None:
        with self._uow() as uow:
            row = uow.shipments.shipments([shipment_id])[0]
            uow.shipments.update_shipment(shipment_id, {"platform_state": state, "platform_error": error[:2000],
                                                        "platform_attempts": row["platform_attempts"] + 1,
                                                        "updated_at": self._clock.now()})
            uow.commit()

    def _shipped(self, shipment: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            uow.shipments.update_shipment(shipment["id"], {
                "state": "shipped", "platform_state": "ok", "platform_error": None,
                "confirmed_at": shipment["confirmed_at"] or now, "updated_at": now})
            order_ids = sorted({x["order_id"] for x in lines})
            states = uow.shipments.order_shipments(order_ids)
            # An order counts as shipped, and its held units leave the shelf, once every parcel of it has left.
            done = [oid for oid in order_ids if all(s in ("shipped", "delivered", "returned")
                                                    for s in states.get(oid, []))]
            uow.review.set_status(done, OrderStatus.SHIPPED.value, now,
                                  only_from=[OrderStatus.REVIEWED.value, OrderStatus.LABEL_CREATED.value])
            if done:
                settle(uow, shipment["store_id"], [OrderChange(oid, OrderStatus.SHIPPED.value, ()) for oid in done],
                       now)
            touched = uow.stock.dirty_since_start()
            uow.commit()
        if touched:
            self._bus.publish([StockChanged(frozenset(touched))])

    def fulfil(self, order_ids: Sequence[int] | None = None) -> tuple[PlanReport, StepReport, StepReport]:
        """Plan, buy labels and confirm in one go (what a batch "ship" button does)."""
        planned = self.plan(order_ids)
        labels = self.buy_labels(planned.shipment_ids if order_ids is not None else None)
        confirmed = self.confirm(planned.shipment_ids if order_ids is not None else None)
        return planned, labels, confirmed

    # --- reads --------------------------------------------------------------------------------------------
    def shipments(self, ids: Sequence[int] | None = None, *, states: Sequence[str] | None = None,
                  order_id: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            rows = uow.shipments.shipments(ids, states=states, order_id=order_id, limit=limit)
            lines = uow.shipments.lines([r["id"] for r in rows])
        return [{**{k: v for k, v in r.items() if k != "label"}, "has_label": r["label"] is not None,
                 "lines": [{k: x[k] for k in ("order_id", "platform_order_id", "seller_sku", "sku_id", "quantity")}
                           for x in lines.get(r["id"], [])]} for r in rows]

    def label(self, shipment_id: int) -> tuple[bytes, str]:
        with self._uow(readonly=True) as uow:
            rows = uow.shipments.shipments([shipment_id])
        if not rows:
            raise NotFound(f"no shipment {shipment_id}")
        if rows[0]["label"] is None:
            raise InvalidInput(f"shipment {rows[0]['reference']} has no label yet")
        return bytes(rows[0]["label"]), rows[0]["label_format"] or "PDF"

