"""Telling the marketplaces about orders the seller cancelled.

Review's cancel releases the order's stock and records the cancellation in one transaction; this sends it to the
platform afterwards, store by store, and keeps sending what the platform could not take yet. An order the
platform accepts moves from "cancel requested" to "cancelled"; a refusal stays visible with the platform's words.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

from crossdock.connectors._kit.errors import ConnectorError
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import CallStats, CancelOutcome, CancelReason, CancelRequest, ShippedLine
from crossdock.services.connectors import Connectors, NotConfigured
from crossdock.services.lanes import run_in_lanes
from crossdock.services.secrets import SecretsError
from crossdock.services.stores import StoreService
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)
MAX_ATTEMPTS = 10


@dataclass(slots=True)
class CancelReport:
    done: int = 0            # the platform shows them cancelled
    retry: int = 0           # not taken yet: sent again on the next round
    failed: int = 0          # refused, in the platform's words
    manual: int = 0          # the platform takes no cancellation through its API: cancel in its back-end
    errors: list[str] = field(default_factory=list)


class CancellationService:
    def __init__(self, uow: UowFactory, connectors: Connectors, stores: StoreService, clock: Clock,
                 workers: int = 8) -> None:
        self._uow, self._connectors, self._stores, self._clock = uow, connectors, stores, clock
        self._workers = workers

    def send(self, order_ids: Sequence[int] | None = None, *, limit: int = 5000) -> CancelReport:
        """Send the open cancellations (of these orders, or all) to their marketplaces."""
        report = CancelReport()
        lock = threading.Lock()
        with self._uow(readonly=True) as uow:
            due = uow.cancellations.due(order_ids, MAX_ATTEMPTS, limit)
            lines = uow.cancellations.lines([d["order_id"] for d in due])

        def lane(items: list[dict[str, Any]]) -> None:
            by_store: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for item in items:
                by_store[item["store_id"]].append(item)
            for store_id, rows in by_store.items():
                for chunk, results in self._send(store_id, rows, lines):
                    with lock:
                        self._tally(report, chunk, results)

        run_in_lanes(self._stores, due, lane, self._workers)
        return report

    def _send(self, store_id: int, rows: list[dict[str, Any]], lines: dict[int, list[tuple[str, int]]],
              ) -> Iterator[tuple[list[dict[str, Any]], list[tuple[str, str]]]]:
        """Each chunk of the store's rows with its (state, error) per row, recorded."""
        try:
            store = self._stores.get(store_id)
            canceller = self._connectors.canceller(store, self._stores.tokens(store_id), CallStats())
        except NotConfigured as exc:
            manual = ("manual", f"{exc}: cancel it in the platform's seller back-end")
            yield rows, self._record(rows, [manual] * len(rows))
            return
        for start in range(0, len(rows), max(1, canceller.cancel_batch)):
            chunk = rows[start:start + max(1, canceller.cancel_batch)]
            requests = [CancelRequest(r["platform_order_id"], CancelReason(r["reason"]),
                                      tuple(ShippedLine(pid, qty) for pid, qty in lines.get(r["order_id"], [])),
                                      note=r["note"]) for r in chunk]
            try:
                outcomes = canceller.cancel_orders(requests)
            except (ConnectorError, SecretsError) as exc:
                # The store's authorization (or the whole call) failed: these orders wait for the next round.
                results = [("retry", f"{type(exc).__name__}: {exc}")] * len(chunk)
            else:
                results = [self._result(o) for o in self._matched(requests, outcomes)]
            yield chunk, self._record(chunk, results)

    @staticmethod
    def _matched(requests: list[CancelRequest], outcomes: list[CancelOutcome]) -> list[CancelOutcome]:
        by_id = {o.platform_order_id: o for o in outcomes}
        # A connector that answers for fewer orders than asked leaves the rest to try again, never lost.
        return [by_id.get(r.platform_order_id,
                          CancelOutcome(r.platform_order_id, error="the platform gave no answer", retry=True))
                for r in requests]

    @staticmethod
    def _result(outcome: CancelOutcome) -> tuple[str, str]:
        if outcome.ok:
            return ("ok", "")
        return ("retry" if outcome.retry else "failed", outcome.error)

    def _record(self, rows: list[dict[str, Any]], results: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Keep each row's outcome; a retry past the last attempt is given up on. Returns what was kept."""
        now = self._clock.now()
        kept = [("failed" if state == "retry" and row["attempts"] + 1 >= MAX_ATTEMPTS else state, error)
                for row, (state, error) in zip(rows, results, strict=True)]
        with self._uow() as uow:
            accepted = []
            for row, (state, error) in zip(rows, kept, strict=True):
                attempts = row["attempts"] + 1
                values: dict[str, Any] = {"state": state, "attempts": attempts, "error": error[:2000] or None,
                                          "updated_at": now}
                if state == "ok":
                    values["sent_at"] = now
                    accepted.append(row["order_id"])
                uow.cancellations.update(row["order_id"], values)
            # The platform now shows them cancelled; the next pull would say so too.
            uow.review.set_status(accepted, OrderStatus.CANCELLED.value, now,
                                  only_from=[OrderStatus.CANCEL_REQUESTED.value])
            uow.commit()
        for row, (state, error) in zip(rows, kept, strict=True):
            if state != "ok":
                log.warning("cancel.not_taken", order_id=row["order_id"], store_id=row["store_id"], state=state,
                            error=error)
        return kept

    @staticmethod
    def _tally(report: CancelReport, rows: list[dict[str, Any]], results: list[tuple[str, str]]) -> None:
        for row, (state, error) in zip(rows, results, strict=True):
            if state == "ok":
                report.done += 1
                continue
            setattr(report, state, getattr(report, state) + 1)
            report.errors.append(f"{row['platform_order_id']}: {error}")

    def search(self, *, states: Sequence[str] | None = None, store_id: int | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.cancellations.search(states=states, store_id=store_id, limit=limit)

    def reopen(self, order_ids: Sequence[int], reason: CancelReason | None = None) -> list[int]:
        """Make refused or given-up cancellations due again, with another reason if the platform objected to the
        first (Shopee, say, takes only a few); `send` then sends them."""
        now = self._clock.now()
        reopened = []
        with self._uow() as uow:
            for oid in order_ids:
                row = uow.cancellations.get(oid)
                if row and row["state"] in ("failed", "manual", "retry"):
                    values: dict[str, Any] = {"state": "retry", "attempts": 0, "updated_at": now}
                    if reason is not None:
                        values["reason"] = reason.value
                    uow.cancellations.update(oid, values)
                    reopened.append(oid)
            uow.commit()
        return reopened
