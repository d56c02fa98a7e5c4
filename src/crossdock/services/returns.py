"""After-sales: return requests pulled from each store become after-sales records, each sent to a designated
(overseas) warehouse; what arrives is inspected, restocked through the stock ledger or written off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog

from crossdock.connectors._kit.errors import ConnectorError
from crossdock.domain.fulfilment.returns import ReturnRequest, ReturnState
from crossdock.domain.inventory.model import Reason
from crossdock.domain.orders.status import OrderStatus
from crossdock.payloads import fingerprint
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import BadRecord, CallStats
from crossdock.services.connectors import Connectors, NotConfigured
from crossdock.services.errors import InvalidInput, NotFound
from crossdock.services.inventory import Adjust, InventoryService
from crossdock.services.order_stock import LineRef, SkuResolver
from crossdock.services.secrets import SecretsError
from crossdock.services.stores import StoreService
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)
STREAM = "returns"
FIRST_LOOKBACK = timedelta(days=30)
OVERLAP = timedelta(minutes=10)      # platforms index late: read a little of the last window again


@dataclass(slots=True)
class ReturnsReport:
    read: int = 0
    new: int = 0
    updated: int = 0
    quarantined: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Inspection:
    sku: str               # master SKU code
    restock: int = 0       # units back on the shelf, sellable
    write_off: int = 0     # units damaged, used, missing
    note: str = ""


class ReturnsService:
    def __init__(self, uow: UowFactory, connectors: Connectors, stores: StoreService, inventory: InventoryService,
                 clock: Clock) -> None:
        self._uow, self._connectors, self._stores, self._inventory = uow, connectors, stores, inventory
        self._clock = clock

    def pull(self, store_id: int) -> ReturnsReport:
        """Read the store's return requests changed since the last pull; the cursor moves after the commit."""
        report = ReturnsReport()
        store = self._stores.get(store_id)
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            mark = uow.sync.watermark(store_id, STREAM)
        since = (mark - OVERLAP) if mark else now - FIRST_LOOKBACK
        try:
            source = self._connectors.return_source(store, self._stores.tokens(store_id), CallStats())
            window = source.max_window
            start = since
            while start < now:
                end = min(now, start + window)
                for page in source.list_returns(start, end):
                    self._save(store_id, page, report)
                start = end
        except (ConnectorError, NotConfigured, SecretsError) as exc:
            report.errors.append(f"{type(exc).__name__}: {exc}")
            return report
        with self._uow() as uow:
            uow.sync.move_watermark(store_id, STREAM, now, now)
            uow.commit()
        log.info("returns.pulled", store_id=store_id, read=report.read, new=report.new, updated=report.updated)
        return report

    def _save(self, store_id: int, page: Sequence[ReturnRequest | BadRecord], report: ReturnsReport) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            good = [r for r in page if isinstance(r, ReturnRequest)]
            for bad in (r for r in page if isinstance(r, BadRecord)):
                report.quarantined += int(uow.quarantine.keep(
                    store_id=store_id, kind="return", external_id=bad.platform_id, reason=bad.reason,
                    payload=bad.payload, payload_hash=fingerprint(bad.payload), sync_run_id=None, now=now))
            known = uow.returns.known(store_id, [r.platform_return_id for r in good])
            orders = uow.returns.order_ids(store_id, [r.platform_order_id for r in good])
            resolver = SkuResolver(uow, store_id)
            lines_of = uow.shipments.order_lines(sorted(set(orders.values())))
            warehouse = self._return_warehouse(uow, store_id)
            for r in good:
                report.read += 1
                order_id = orders.get(r.platform_order_id)
                lines = self._lines(r, lines_of.get(order_id, []) if order_id else [], resolver)
                values: dict[str, Any] = {
                    "order_id": order_id, "platform_order_id": r.platform_order_id, "state": r.state.value,
                    "platform_status": r.platform_status, "reason": r.reason,
                    "refund": r.refund.amount if r.refund else None,
                    "currency": r.refund.currency if r.refund else None,
                    "tracking_number": r.tracking_number, "lines": lines, "raw": r.raw,
                    "platform_updated_at": r.updated_at}
                old = known.get(r.platform_return_id)
                if old is None:
                    uow.returns.add({**values, "store_id": store_id, "platform_return_id": r.platform_return_id,
                                     "warehouse_id": warehouse, "created_at": r.created_at})
                    report.new += 1
                    if order_id:
                        uow.review.set_status([order_id], OrderStatus.RETURN_REQUESTED.value, now, only_from=[
                            OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value, OrderStatus.COMPLETED.value])
                elif r.updated_at > old["platform_updated_at"]:
                    if old["state"] == "received":        # our inspection stands; the platform's word is kept
                        values["state"] = "received"
                    # Platforms that report without a change time (Amazon's report) re-send the same return:
                    # only a real change is written.
                    if any(values[k] != old[k] for k in values if k not in ("raw", "platform_updated_at")):
                        uow.returns.update(old["id"], values)
                        report.updated += 1
            uow.commit()

    @staticmethod
    def _lines(r: ReturnRequest, order_lines: list[dict[str, Any]], resolver: SkuResolver) -> list[dict[str, Any]]:
        by_line = {x["platform_line_id"]: x for x in order_lines}
        by_sku = {x["sku"]: x for x in order_lines}
        refs = []
        for line in r.lines:
            source = by_line.get(line.platform_line_id) or by_sku.get(line.sku)
            refs.append(LineRef(line.sku, source["platform_item_id"] if source else "",
                                source["platform_variant_id"] if source else "", line.quantity))
        units = resolver.resolve(refs) if refs else []
        return [{"platform_line_id": line.platform_line_id, "sku": line.sku, "quantity": line.quantity,
                 "units": {str(k): v for k, v in (u or {}).items()}} for line, u in zip(r.lines, units, strict=True)]

    @staticmethod
    def _return_warehouse(uow: Any, store_id: int) -> int | None:
        """The store's designated return warehouse, else the first overseas one, else the first active one."""
        chosen = uow.shipments.store_fulfilment([store_id]).get(store_id, {}).get("return_warehouse_id")
        if chosen:
            return int(chosen)
        active = uow.catalogue.warehouses(active_only=True)
        overseas = [w for w in active if w.kind == "overseas"]
        pick = (overseas or active or [None])[0]
        return pick.id if pick else None

    def returns(self, *, state: str | None = None, store_id: int | None = None,
                limit: int = 200) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.returns.search(state=state, store_id=store_id, limit=limit)

    def receive(self, return_id: int, inspections: Sequence[Inspection]) -> dict[str, Any]:
        """The parcel arrived at the return warehouse: restocked units go back through the stock ledger (reason
        `return`, reference `return:<id>`), written-off units are recorded; receiving twice changes nothing."""
        with self._uow(readonly=True) as uow:
            row = uow.returns.get(return_id)
            warehouses = {w.id: w.code for w in uow.catalogue.warehouses()}
            codes = {r.code for r in uow.catalogue.skus_by_code(i.sku for i in inspections).values()}
        if row is None:
            raise NotFound(f"no return {return_id}")
        if row["state"] == "received":
            raise InvalidInput(f"return {return_id} was received on {row['received_at']:%Y-%m-%d}")
        if row["warehouse_id"] is None:
            raise InvalidInput("the return has no designated warehouse: set the store's return warehouse")
        expected: dict[str, int] = {}
        with self._uow(readonly=True) as uow:
            skus = uow.catalogue.skus_by_id(int(s) for line in row["lines"] for s in line.get("units", {}))
        for line in row["lines"]:
            for sku_id, qty in line.get("units", {}).items():
                code = skus[int(sku_id)].code
                expected[code] = expected.get(code, 0) + qty
        for i in inspections:
            if i.sku not in codes:
                raise InvalidInput(f"no SKU {i.sku!r}")
            if i.restock < 0 or i.write_off < 0:
                raise InvalidInput(f"{i.sku}: units cannot be negative")
            if i.restock + i.write_off > expected.get(i.sku, 0):
                raise InvalidInput(f"{i.sku}: {i.restock + i.write_off} units inspected, the return holds "
                                   f"{expected.get(i.sku, 0)}")
        reference = f"return:{return_id}"
        warehouse = warehouses[row["warehouse_id"]]
        restock = [Adjust(warehouse, i.sku, delta=i.restock, reason=Reason.RETURN, reference=reference)
                   for i in inspections if i.restock]
        with self._uow(readonly=True) as uow:
            already = bool(uow.stock.ledger(reference=reference, limit=1))
        if restock and not already:       # a crash after the restock and before the mark must not restock twice
            problems = [p for p in self._inventory.adjust(restock, atomic=True) if p]
            if problems:
                raise InvalidInput("; ".join(problems))
        inspection = [{"sku": i.sku, "restocked": i.restock, "written_off": i.write_off, "note": i.note}
                      for i in inspections]
        now = self._clock.now()
        with self._uow() as uow:
            uow.returns.mark_received(return_id, inspection, now)
            if row["order_id"]:
                uow.review.set_status([row["order_id"]], OrderStatus.RETURNED.value, now,
                                      only_from=[OrderStatus.RETURN_REQUESTED.value])
            uow.commit()
        log.info("returns.received", return_id=return_id, restocked=sum(i.restock for i in inspections),
                 written_off=sum(i.write_off for i in inspections))
        return {**row, "state": ReturnState.RECEIVED.value, "inspection": inspection, "received_at": now}
