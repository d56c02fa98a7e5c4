"""Tracking and exceptions: carriers' events pulled and normalised, parcels' states kept, and what a seller
must look at raised (late shipment, no movement, delivery failed, returned) and closed when it resolves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog

from crossdock.connectors._kit.errors import ConnectorError
from crossdock.domain.fulfilment.exceptions import ExceptionKind, ShipmentFacts, detect
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus, current_status
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import CallStats
from crossdock.services.carriers import PLATFORM, Carriers
from crossdock.services.connectors import Connectors, NotConfigured
from crossdock.services.secrets import SecretsError
from crossdock.services.stores import StoreService
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)
LIVE = ("labelled", "shipped")
INTERRUPTED_AFTER = timedelta(minutes=15)


@dataclass(slots=True)
class TrackReport:
    shipments: int = 0
    new_events: int = 0
    delivered: int = 0
    returned: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ExceptionReport:
    raised: int = 0
    resolved: int = 0
    open: dict[str, int] = field(default_factory=dict)


class TrackingService:
    def __init__(self, uow: UowFactory, connectors: Connectors, stores: StoreService, carriers: Carriers,
                 clock: Clock, no_movement_days: int = 5) -> None:
        self._uow, self._connectors, self._stores, self._carriers = uow, connectors, stores, carriers
        self._clock, self._no_movement_days = clock, no_movement_days

    def track(self, shipment_ids: Sequence[int] | None = None, *, limit: int = 10_000) -> TrackReport:
        """Pull the events of every parcel on its way, in each carrier's largest batches."""
        report = TrackReport()
        with self._uow(readonly=True) as uow:
            live = [s for s in uow.shipments.shipments(shipment_ids, states=list(LIVE), limit=limit)
                    if s["tracking_number"]]
            lines = uow.shipments.lines([s["id"] for s in live if s["carrier"] == PLATFORM])
            accounts = {a["id"]: a for a in uow.shipments.carrier_accounts()}
        report.shipments = len(live)
        found: dict[int, list[TrackingEvent]] = {}
        by_account: dict[int, list[dict[str, Any]]] = defaultdict(list)
        by_store: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for s in live:
            if s["carrier"] == PLATFORM:
                by_store[s["store_id"]].append(s)
            else:
                by_account[s["carrier_account_id"]].append(s)
        for account_id, items in by_account.items():
            try:
                carrier = self._carriers.build(accounts[account_id])
                step = max(1, carrier.track_batch)
                for i in range(0, len(items), step):
                    chunk = items[i:i + step]
                    events = carrier.track([s["tracking_number"] for s in chunk])
                    for s in chunk:
                        found[s["id"]] = events.get(s["tracking_number"], [])
            except (ConnectorError, NotConfigured, SecretsError) as exc:
                report.errors.append(f"{accounts[account_id]['name']}: {exc}")
        for store_id, items in by_store.items():
            try:
                store = self._stores.get(store_id)
                logistics = self._connectors.logistics(store, self._stores.tokens(store_id), CallStats())
                order_of = {s["id"]: lines[s["id"]][0]["platform_order_id"] for s in items if lines.get(s["id"])}
                events = logistics.track(sorted(set(order_of.values())))
                for s in items:
                    if s["id"] in order_of:
                        found[s["id"]] = events.get(order_of[s["id"]], [])
            except (ConnectorError, NotConfigured, SecretsError) as exc:
                report.errors.append(f"store {store_id}: {exc}")
        now = self._clock.now()
        with self._uow() as uow:
            for s in live:
                if s["id"] not in found:
                    continue
                report.new_events += uow.shipments.add_events(s["id"], [
                    {"at": e.at, "status": e.status.value, "code": e.code[:64], "description": e.description,
                     "location": e.location[:200]} for e in found[s["id"]]])
            stored = uow.shipments.events([s["id"] for s in live if s["id"] in found])
            for s in live:
                if s["id"] not in found:
                    continue
                history = [TrackingEvent(e["at"], TrackingStatus(e["status"]), e["code"], e["description"],
                                         e["location"]) for e in stored.get(s["id"], [])]
                status = current_status(history)
                values: dict[str, Any] = {"tracked_at": now, "tracking_status": status.value if status else None,
                                          "last_event_at": max((e.at for e in history), default=None)}
                if status is TrackingStatus.DELIVERED and s["state"] == "shipped":
                    values |= {"state": "delivered", "delivered_at": max(e.at for e in history
                                                                          if e.status is TrackingStatus.DELIVERED)}
                    report.delivered += 1
                elif status is TrackingStatus.RETURNED and s["state"] == "shipped":
                    values["state"] = "returned"
                    report.returned += 1
                uow.shipments.update_shipment(s["id"], values)
            delivered = [s["id"] for s in live if s["id"] in found and s["state"] == "shipped"]
            self._deliver_orders(uow, delivered, now)
            uow.commit()
        return report

    @staticmethod
    def _deliver_orders(uow: Any, shipment_ids: list[int], now: Any) -> None:
        """Orders all of whose parcels arrived are delivered."""
        lines = uow.shipments.lines(shipment_ids)
        order_ids = sorted({x["order_id"] for xs in lines.values() for x in xs})
        if not order_ids:
            return
        states = uow.shipments.order_shipments(order_ids)
        done = [oid for oid in order_ids if states.get(oid) and all(s == "delivered" for s in states[oid])]
        uow.review.set_status(done, OrderStatus.DELIVERED.value, now, only_from=[OrderStatus.SHIPPED.value])

    def check_exceptions(self) -> ExceptionReport:
        """Raise what needs the seller now and close what no longer does."""
        now = self._clock.now()
        report = ExceptionReport()
        with self._uow() as uow:
            wanted: dict[tuple[str, int | None, int | None], str] = {}
            for o in uow.shipments.unshipped_reviewed():
                for raised in detect(ShipmentFacts(ship_by=o["ship_by"], handed_over_at=None, events=()), now,
                                     no_movement_days=self._no_movement_days):
                    if raised.kind is ExceptionKind.LATE_SHIPMENT:
                        wanted[(raised.kind.value, o["id"], None)] = f"{o['platform_order_id']}: {raised.detail}"
            live = uow.shipments.shipments(states=["shipped", "returned"])
            events = uow.shipments.events([s["id"] for s in live])
            for s in live:
                facts = ShipmentFacts(ship_by=None, handed_over_at=s["confirmed_at"] or s["labelled_at"],
                                      events=tuple(TrackingEvent(e["at"], TrackingStatus(e["status"]), e["code"],
                                                                 e["description"], e["location"])
                                                   for e in events.get(s["id"], [])))
                for raised in detect(facts, now, no_movement_days=self._no_movement_days):
                    if raised.kind is not ExceptionKind.LATE_SHIPMENT:
                        wanted[(raised.kind.value, None, s["id"])] = f"{s['reference']}: {raised.detail}"
            # A label purchase cut off (crash, timeout) may or may not have bought the label: a person must look
            # at the carrier's account before buying again, so it is never retried blindly.
            for s in uow.shipments.shipments(states=["labelling"]):
                if now - s["updated_at"] > INTERRUPTED_AFTER:
                    wanted[("label_interrupted", None, s["id"])] = (
                        f"{s['reference']}: the label purchase from {s['carrier']} was interrupted; check the "
                        "carrier's account for this reference, then call the parcel off or buy again")
            for (kind, order_id, shipment_id), detail in wanted.items():
                report.raised += int(uow.shipments.raise_exception(kind, order_id, shipment_id, detail, now))
            stale = [e["id"] for e in uow.shipments.open_exceptions()
                     if (e["kind"], e["order_id"], e["shipment_id"]) not in wanted]
            uow.shipments.resolve_exceptions(stale, now)
            report.resolved = len(stale)
            for e in uow.shipments.open_exceptions():
                report.open[e["kind"]] = report.open.get(e["kind"], 0) + 1
            uow.commit()
        if report.raised:
            log.warning("fulfilment.exceptions", raised=report.raised, open=report.open)
        return report

    def exceptions(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.shipments.open_exceptions(kind)

    def events(self, shipment_id: int) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.shipments.events([shipment_id]).get(shipment_id, [])
