"""Pushes new quantities to every store listing a changed SKU: coalesced (the newest value only), in each
platform's largest batches, one thread per platform account, with the outcome recorded per listing."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import structlog

from crossdock.connectors._kit.errors import ConnectorError, Retryable
from crossdock.domain.stores.model import Store
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import CallStats, StockUpdate
from crossdock.services.connectors import Connectors, NotConfigured
from crossdock.services.inventory import store_quantity
from crossdock.services.secrets import SecretsError
from crossdock.services.stores import StoreService
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)
MAX_ATTEMPTS = 8      # a listing refused as retryable this often stays failed until the next change


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


@dataclass(frozen=True, slots=True)
class Due:
    listing_id: int
    update: StockUpdate


class StockPusher:
    def __init__(self, uow: UowFactory, connectors: Connectors, stores: StoreService, clock: Clock,
                 workers: int = 8) -> None:
        self._uow, self._connectors, self._stores, self._clock = uow, connectors, stores, clock
        self._workers = workers

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
        """Push what the SKUs marked dirty (and listings waiting for a retry) should now show."""
        started = time.monotonic()
        with self._uow(readonly=True) as uow:
            marks = uow.stock.dirty()
            retry_skus = uow.listings.retry_skus(MAX_ATTEMPTS)
        report = PushReport(skus=len(marks))
        due: dict[int, list[Due]] = defaultdict(list)
        for listing_id, (row, qty) in self.desired({s for s, _ in marks} | retry_skus).items():
            # Already showing it: pushed by us, or (never pushed) read so from the platform just now.
            if (row["push_state"] == "ok" and row["pushed_quantity"] == qty) or \
                    (row["push_state"] == "none" and row["platform_quantity"] == qty):
                report.unchanged += 1
                continue
            due[row["store_id"]].append(Due(listing_id, StockUpdate(row["item_id"], row["variant_id"],
                                                                    row["seller_sku"], qty)))
        report.listings = sum(len(v) for v in due.values())
        if due:
            self._push(due, report)
        with self._uow() as uow:
            # Marks set again while we pushed carry a newer seq and stay for the next round.
            uow.stock.clear_dirty(marks)
            uow.commit()
        report.seconds = round(time.monotonic() - started, 3)
        if report.listings:
            log.info("stock.pushed", skus=report.skus, listings=report.listings, pushed=report.pushed,
                     failed=report.failed, seconds=report.seconds)
        return report

    def _push(self, due: Mapping[int, list[Due]], report: PushReport) -> None:
        stores = {s: self._stores.get(s) for s in due}
        by_account: dict[tuple[str, int], list[Store]] = defaultdict(list)
        for store in stores.values():
            # Stores of one account share its tokens and limits: one thread per account keeps a token refresh
            # from racing another, and the account's rate limit is honoured in one place.
            by_account[(store.platform, store.account_id or -store.id)].append(store)
        report.stores = len(stores)

        def run(group: list[Store]) -> list[tuple[Store, list[Due], list[Any] | Exception, int]]:
            done = []
            for store in group:
                stats = CallStats()
                try:
                    sink = self._connectors.stock_sink(store, self._stores.tokens(store.id), stats)
                    results: list[Any] | Exception = sink.push_stock([d.update for d in due[store.id]])
                except (ConnectorError, NotConfigured, SecretsError) as exc:
                    results = exc
                done.append((store, due[store.id], results, stats.api_calls))
            return done

        groups = list(by_account.values())
        with ThreadPoolExecutor(max_workers=max(1, min(self._workers, len(groups)))) as pool:
            outcomes = [o for batch in pool.map(run, groups) for o in batch]
        now = self._clock.now()
        rows: list[dict[str, Any]] = []
        for store, items, results, calls in outcomes:
            report.api_calls += calls
            if isinstance(results, Exception):
                retry = isinstance(results, Retryable)
                msg = f"{type(results).__name__}: {results}"
                report.errors.append(f"store {store.id}: {msg}")
                rows += [{"id": d.listing_id, "quantity": d.update.quantity, "ok": False, "error": msg,
                          "retry": True if retry else not isinstance(results, NotConfigured)} for d in items]
                report.failed += len(items)
                continue
            for d, r in zip(items, results, strict=True):
                rows.append({"id": d.listing_id, "quantity": d.update.quantity, "ok": r.ok, "error": r.error,
                             "retry": r.retryable})
                report.pushed += int(r.ok)
                report.failed += int(not r.ok)
        with self._uow() as uow:
            uow.listings.record_push(rows, now)
            uow.commit()


