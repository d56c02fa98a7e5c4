"""Pushes new quantities to every store listing a changed SKU: coalesced (the newest value only), in each
platform's largest batches, with the outcome recorded per listing.

A change is planned at once (which listings must show what) and handed to its stores' lanes: one lane per
platform account, so a token refresh never races another and the account's rate limit is kept in one place.
Lanes run side by side and never wait for each other: a store free to take a new quantity takes it at once,
whatever the slowest platform is doing. A store whose lane is busy gets only the newest value when it is free.
The marks of a change are cleared once every listing it concerned has been pushed, so a crash before that
leaves them for the next start."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import structlog

from crossdock.connectors._kit.errors import ConnectorError
from crossdock.domain.inventory.events import ListingsPushed
from crossdock.domain.stores.model import Store
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import CallStats, StockSink, StockUpdate
from crossdock.services.connectors import Connectors, NotConfigured
from crossdock.services.inventory import store_quantity
from crossdock.services.messagebus import MessageBus
from crossdock.services.secrets import SecretsError
from crossdock.services.stores import StoreService
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)
MAX_ATTEMPTS = 8      # a listing refused as retryable this often stays failed until the next change
SINK_TTL = 300.0      # seconds a store's connector is kept between pushes (it caches warehouses, ciphers, …)


@dataclass(slots=True)
class PushReport:
    skus: int = 0
    listings: int = 0          # listings whose quantity was due
    pushed: int = 0
    failed: int = 0
    unchanged: int = 0         # already showing the right quantity
    stores: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


class _Plan:
    """One change being pushed: its marks are cleared when the last listing it concerned is pushed."""

    def __init__(self, marks: list[tuple[int, int]], report: PushReport, started: float) -> None:
        self.marks, self.report, self.started = marks, report, started
        self.outstanding = 0
        self.keep_marks = False
        self.done = threading.Event()


@dataclass(slots=True)
class _Due:
    listing_id: int
    sku_id: int
    update: StockUpdate
    plans: list[_Plan]


@dataclass(slots=True)
class _Sink:
    store: Store
    sink: StockSink
    stats: CallStats
    made: float


class StockPusher:
    def __init__(self, uow: UowFactory, connectors: Connectors, stores: StoreService, clock: Clock,
                 bus: MessageBus | None = None, workers: int = 8) -> None:
        self._uow, self._connectors, self._stores, self._clock, self._bus = uow, connectors, stores, clock, bus
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="crossdock-stock-lane")
        self._lock = threading.Lock()        # guards everything below
        self._planning = threading.Lock()    # one plan at a time: a later plan read later levels
        self._inflight: dict[int, int] = {}  # sku id -> token of its mark being pushed
        # The newest quantity handed to a lane and not yet recorded: a plan compares with it, not with the
        # table, or a restock planned while an older value is in flight would look unchanged.
        self._latest: dict[int, int] = {}
        self._pending: dict[tuple[str, int], dict[int, dict[int, _Due]]] = {}   # lane -> store -> listing -> due
        self._running: set[tuple[str, int]] = set()
        self._sinks: dict[int, _Sink] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def desired(self, sku_ids: Iterable[int], *, pushing_only: bool = True) -> dict[int, tuple[dict[str, Any], int]]:
        """listing id -> (listing row, the quantity its store should show) for every mapped listing of these SKUs
        or of bundles made of them (of stores with pushing on, unless `pushing_only` is False)."""
        with self._uow(readonly=True) as uow:
            ids = set(sku_ids)
            ids |= uow.catalogue.bundles_containing(ids)
            rows = uow.listings.for_skus(ids)
            skus = uow.catalogue.skus_by_id(r["sku_id"] for r in rows)
            kits = uow.catalogue.components(i for i, s in skus.items() if s.kind == "bundle")
            parts = {c for k in kits.values() for c in k}
            skus.update(uow.catalogue.skus_by_id(parts - set(skus)))
            levels = uow.stock.levels(set(skus))
            store_ids = {r["store_id"] for r in rows}
            shares = uow.stock.shares(store_ids)
            settings = uow.stock.store_settings(store_ids)
            warehouse_ids = [w.id for w in uow.catalogue.warehouses(active_only=True)]

        def single(sku_id: int, store_id: int) -> int:
            override = settings.get(store_id, (False, None))[1]
            safety = override if override is not None else skus[sku_id].safety_stock
            return store_quantity(levels, sku_id, shares.get(store_id), warehouse_ids, safety)

        out: dict[int, tuple[dict[str, Any], int]] = {}
        for row in rows:
            if pushing_only and not settings.get(row["store_id"], (False, None))[0]:
                continue             # pushing is off for this store
            sku = skus[row["sku_id"]]
            if sku.kind == "bundle":
                kit = kits.get(sku.id, {})
                qty = min((single(c, row["store_id"]) // n for c, n in kit.items()), default=0)
            else:
                qty = single(sku.id, row["store_id"])
            out[row["id"]] = (row, qty)
        return out

    def push_dirty(self) -> PushReport:
        """Push what the SKUs marked dirty (and listings waiting for a retry) should now show, and wait."""
        plan = self.dispatch(retries=True)
        plan.done.wait()
        return plan.report

    def dispatch(self, *, retries: bool = False) -> _Plan:
        """Plan the marked SKUs not already being pushed (and, with `retries`, listings due for another try),
        hand each store its listings, and return without waiting; `plan.done` is set when all are pushed."""
        started = time.monotonic()
        with self._planning:
            with self._uow(readonly=True) as uow:
                marks = uow.stock.dirty()
                retry_skus = uow.listings.retry_skus(MAX_ATTEMPTS) if retries else set()
            with self._lock:
                marks = [(s, t) for s, t in marks if self._inflight.get(s) != t]
                self._inflight.update(marks)
            plan = _Plan(marks, PushReport(skus=len(marks)), started)
            due: dict[int, list[_Due]] = {}
            wanted = self.desired({s for s, _ in marks} | retry_skus) if marks or retry_skus else {}
            with self._lock:
                for listing_id, (row, qty) in wanted.items():
                    sent = self._latest.get(listing_id)
                    # Already showing it: pushed by us, or (never pushed) read so from the platform just now.
                    if sent == qty or (sent is None and (
                            (row["push_state"] == "ok" and row["pushed_quantity"] == qty) or
                            (row["push_state"] == "none" and row["platform_quantity"] == qty))):
                        plan.report.unchanged += 1
                        continue
                    self._latest[listing_id] = qty
                    due.setdefault(row["store_id"], []).append(_Due(
                        listing_id, row["sku_id"],
                        StockUpdate(row["item_id"], row["variant_id"], row["seller_sku"], qty), [plan]))
                plan.outstanding = sum(len(v) for v in due.values())
                plan.report.listings = plan.outstanding
                plan.report.stores = len(due)
            if not plan.outstanding:
                self._finish([plan])
                return plan
            for store_id, items in due.items():
                self._offer(store_id, items)
        return plan

    def _offer(self, store_id: int, items: list[_Due]) -> None:
        store = self._store(store_id)
        # Stores authorized as one account share its tokens and limits, so they share a lane too.
        lane = self._stores.token_owner(store)
        with self._lock:
            waiting = self._pending.setdefault(lane, {}).setdefault(store_id, {})
            for d in items:
                older = waiting.get(d.listing_id)
                if older is not None:       # coalesce: only the newest value goes, for every plan waiting on it
                    d.plans = older.plans + d.plans
                waiting[d.listing_id] = d
            if lane in self._running:
                return
            self._running.add(lane)
        self._pool.submit(self._lane, lane)

    def _lane(self, lane: tuple[str, int]) -> None:
        while True:
            with self._lock:
                work = self._pending.pop(lane, None)
                if not work:
                    self._running.discard(lane)
                    return
            for store_id, items in work.items():
                self._push_store(store_id, list(items.values()))

    def _store(self, store_id: int) -> Store:
        cached = self._sinks.get(store_id)
        return cached.store if cached is not None else self._stores.get(store_id)

    def _sink(self, store_id: int) -> _Sink:
        cached = self._sinks.get(store_id)
        if cached is None or time.monotonic() - cached.made > SINK_TTL:
            store = self._stores.get(store_id)
            stats = CallStats()
            sink = self._connectors.stock_sink(store, self._stores.tokens(store.id), stats)
            cached = self._sinks[store_id] = _Sink(store, sink, stats, time.monotonic())
        return cached

    def _push_store(self, store_id: int, items: list[_Due]) -> None:
        calls = 0
        try:
            sink = self._sink(store_id)
            before = sink.stats.api_calls
            try:
                results: list[Any] | Exception = sink.sink.push_stock([d.update for d in items])
            finally:
                calls = sink.stats.api_calls - before
        except (ConnectorError, NotConfigured, SecretsError) as exc:
            self._sinks.pop(store_id, None)       # rebuilt next time: settings or tokens may have changed
            results = exc
        except Exception as exc:      # a connector's bug: recorded as a failure worth retrying, never a dead lane
            log.exception("stock.push_crashed", store_id=store_id)
            self._sinks.pop(store_id, None)
            results = exc
        rows = self._rows(items, results)
        try:
            with self._uow() as uow:
                uow.listings.record_push(rows, self._clock.now())
                uow.commit()
            recorded = True
        except Exception:             # not written down: the marks stay, so the next plan takes these SKUs again
            log.exception("stock.push_not_recorded", store_id=store_id)
            recorded = False
        self._settle(store_id, items, rows, calls, recorded)

    @staticmethod
    def _rows(items: list[_Due], results: list[Any] | Exception) -> list[dict[str, Any]]:
        if isinstance(results, Exception):
            error = f"{type(results).__name__}: {results}"
            retry = not isinstance(results, NotConfigured)
            return [{"id": d.listing_id, "quantity": d.update.quantity, "ok": False, "error": error, "retry": retry}
                    for d in items]
        return [{"id": d.listing_id, "quantity": d.update.quantity, "ok": r.ok, "error": r.error,
                 "retry": r.retryable} for d, r in zip(items, results, strict=True)]

    def _settle(self, store_id: int, items: list[_Due], rows: list[dict[str, Any]], calls: int,
                recorded: bool) -> None:
        finished: list[_Plan] = []
        plans = {id(p): p for d in items for p in d.plans}.values()
        with self._lock:
            for d, row in zip(items, rows, strict=True):
                if self._latest.get(d.listing_id) == d.update.quantity:
                    del self._latest[d.listing_id]        # nothing newer is waiting: the table is the truth again
                for plan in d.plans:
                    plan.report.pushed += int(row["ok"])
                    plan.report.failed += int(not row["ok"])
                    plan.outstanding -= 1
                    if plan.outstanding == 0:
                        finished.append(plan)
            for plan in plans:
                plan.report.api_calls += calls
                plan.keep_marks |= not recorded     # not written down: the next plan must take these SKUs again
                errors = {r["error"] for r in rows if not r["ok"] and r["error"]}
                if errors and not any(r["ok"] for r in rows):
                    plan.report.errors.append(f"store {store_id}: {errors.pop()}")
        if self._bus is not None:
            self._bus.publish([ListingsPushed(store_id, frozenset(d.sku_id for d in items),
                                              sum(int(r["ok"]) for r in rows), sum(int(not r["ok"]) for r in rows))])
        self._finish(finished)

    def _finish(self, plans: list[_Plan]) -> None:
        marks = [m for p in plans for m in p.marks]
        settled = [m for p in plans if not p.keep_marks for m in p.marks]
        if settled:
            with self._uow() as uow:
                # Marks set again meanwhile carry another token and stay for the next plan.
                uow.stock.clear_dirty(settled)
                uow.commit()
        with self._lock:
            for sku_id, token in marks:
                if self._inflight.get(sku_id) == token:
                    del self._inflight[sku_id]
        for plan in plans:
            plan.report.seconds = round(time.monotonic() - plan.started, 3)
            if plan.report.listings:
                r = plan.report
                log.info("stock.pushed", skus=r.skus, listings=r.listings, pushed=r.pushed, failed=r.failed,
                         seconds=r.seconds)
            plan.done.set()
