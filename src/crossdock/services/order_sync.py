"""Pulls a store's orders: incremental by update time, idempotent, cursor saved with the orders it covers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import structlog
from sqlalchemy.exc import IntegrityError, OperationalError

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, ConnectorError, Fatal, Retryable
from crossdock.domain.events import Event
from crossdock.domain.inventory.events import OrdersOversold, StockChanged
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.domain.orders.rules import Outcome, reconcile
from crossdock.domain.orders.status import OrderStatus
from crossdock.domain.stores.model import Store, StoreHealth
from crossdock.domain.time import require_utc, windows
from crossdock.payloads import fingerprint
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import BadRecord, CallStats, OrderRef, OrderSource, TimeField
from crossdock.services.connectors import Connectors, NotConfigured
from crossdock.services.messagebus import MessageBus
from crossdock.services.order_stock import LineRef, OrderChange, settle
from crossdock.services.secrets import SecretsError
from crossdock.services.stores import StoreService
from crossdock.services.unit_of_work import UowFactory
from crossdock.services.views import CountCheck, SyncRunView

log = structlog.get_logger(__name__)
STREAM = "orders"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PullOrders:
    store_id: int
    since: datetime | None = None    # replay from here instead of the stored cursor
    until: datetime | None = None
    trigger: str = "manual"


class StoreNotPullable(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class SyncPolicy:
    overlap: timedelta = timedelta(minutes=10)       # platforms index updates late; re-read a little
    initial_lookback: timedelta = timedelta(days=30)


ProgressFn = Callable[[SyncRunView, float], None]   # the run so far, fraction of the time range done


def _with_last(items: Iterator[T]) -> Iterator[tuple[T, bool]]:
    """Each item with whether it is the last: lets the last page carry the cursor in its transaction."""
    try:
        current = next(items)
    except StopIteration:
        return
    for following in items:
        yield current, False
        current = following
    yield current, True


def _line_refs(snap: OrderSnapshot) -> tuple[LineRef, ...]:
    return tuple(LineRef(x.sku, x.platform_item_id, x.platform_variant_id, x.quantity, x.title) for x in snap.lines)


class OrderSync:
    def __init__(self, uow: UowFactory, connectors: Connectors, stores: StoreService, bus: MessageBus,
                 clock: Clock, policy: SyncPolicy | None = None) -> None:
        self._uow, self._connectors, self._stores = uow, connectors, stores
        self._bus, self._clock = bus, clock
        self.policy = policy or SyncPolicy()

    def _source(self, store: Store, stats: CallStats) -> OrderSource:
        return self._connectors.order_source(store, self._stores.tokens(store.id), stats)

    # --- the pull -------------------------------------------------------------------------------

    def pull(self, cmd: PullOrders, progress: ProgressFn | None = None) -> SyncRunView:
        store = self._stores.get(cmd.store_id)
        if not store.pullable:
            raise StoreNotPullable(f"store {store.id} ({store.name}) is {store.status.value}/{store.health.value}: "
                                   f"{store.health_detail or 'authorize it again'}")
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            watermark = uow.sync.watermark(store.id, STREAM)
        if cmd.since is not None:
            since = require_utc(cmd.since)
        elif watermark is not None:
            since = watermark - self.policy.overlap
        else:
            since = now - self.policy.initial_lookback
        until = require_utc(cmd.until) if cmd.until is not None else now

        def work(run: SyncRunView, stats: CallStats) -> None:
            if since >= until:
                raise Fatal(f"nothing to pull: since {since.isoformat()} is not before until {until.isoformat()}")
            source = self._source(store, stats)
            span = (until - since).total_seconds()
            for w_from, w_to in windows(since, until, source.max_window):
                self._pull_window(store, source, run, stats, w_from, w_to)
                if progress:
                    progress(run, (w_to - since).total_seconds() / span)

        return self._tracked(store, cmd.trigger, since, until, work)

    def _tracked(self, store: Store, trigger: str, since: datetime, until: datetime,
                 work: Callable[[SyncRunView, CallStats], None]) -> SyncRunView:
        """Run `work` as a recorded sync run: started, then finished or failed with what it cost. Connector
        and configuration errors end the run (and say so); anything else is recorded, then raised."""
        with self._uow() as uow:
            run = SyncRunView(id=0, store_id=store.id, stream=STREAM, trigger=trigger, state="running",
                              window_from=since, window_to=until, started_at=self._clock.now())
            run.id = uow.sync.start_run(run)
            uow.commit()
        started, stats = time.monotonic(), CallStats()
        try:
            work(run, stats)
        except (ConnectorError, NotConfigured, SecretsError) as exc:
            self._fail(store, run, stats, started, exc)
            return run
        except Exception as exc:
            self._fail(store, run, stats, started, exc)
            raise
        self._finish(store, run, stats, started)
        return run

    def _pull_window(self, store: Store, source: OrderSource, run: SyncRunView, stats: CallStats,
                     w_from: datetime, w_to: datetime) -> None:
        open_bad = self._open_quarantine(store.id)
        pages = source.list_order_refs(w_from, w_to, TimeField.UPDATED)
        any_page = False
        for refs, last in _with_last(pages):
            any_page = True
            records = source.fetch_orders(refs)
            run.pages += 1
            self._copy_stats(run, stats)
            self._retry_conflict(partial(self._ingest, store, records, run, open_bad, w_to if last else None))
        if not any_page:
            with self._uow() as uow:
                uow.sync.move_watermark(store.id, STREAM, w_to, self._clock.now())
                self._copy_stats(run, stats)
                uow.sync.save_run(run)
                uow.commit()

    def _retry_conflict(self, work: Callable[[], None]) -> None:
        # Two workers importing the same new order: the loser's insert breaks the unique key and its
        # transaction rolls back whole; done again it sees the winner's row and reconciles against it.
        for attempt in range(3):
            try:
                work()
                return
            except (IntegrityError, OperationalError) as exc:
                if attempt == 2:
                    raise
                log.info("sync.page_conflict_retry", error=str(exc.orig))

    def _open_quarantine(self, store_id: int) -> set[str]:
        with self._uow(readonly=True) as uow:
            return uow.quarantine.open_ids(store_id, "order")

    def _ingest(self, store: Store, records: list[OrderSnapshot | BadRecord], run: SyncRunView,
                open_bad: set[str], watermark: datetime | None) -> None:
        now = self._clock.now()
        snaps: dict[str, OrderSnapshot] = {}
        bad: list[BadRecord] = []
        for rec in records:
            if isinstance(rec, BadRecord):
                bad.append(rec)
            else:
                kept = snaps.get(rec.platform_order_id)
                if kept is None or rec.updated_at >= kept.updated_at:
                    snaps[rec.platform_order_id] = rec

        counts = dict.fromkeys(Outcome, 0)
        events: list[Event] = []
        new: list[tuple[OrderSnapshot, OrderStatus]] = []
        changed: list[tuple[int, OrderSnapshot, OrderStatus]] = []
        history: list[dict[str, Any]] = []
        with self._uow() as uow:
            held = uow.orders.states(store.id, list(snaps), lock=True)
            for key, snap in snaps.items():
                before = held.get(key)
                result = reconcile(store.id, before, snap)
                counts[result.outcome] += 1
                events.extend(result.events)
                if before is None:
                    new.append((snap, result.status))
                elif result.outcome is Outcome.UPDATED:
                    changed.append((before.order_id, snap, result.status))
                    if result.status != before.status or snap.platform_status != before.platform_status:
                        history.append({"order_id": before.order_id, "old_status": before.status.value,
                                        "new_status": result.status.value, "platform_status": snap.platform_status,
                                        "accepted": result.accepted,
                                        "platform_at": snap.updated_at, "recorded_at": now})
            ids = uow.orders.insert(store.id, new, now)
            stock_changes = [OrderChange(oid, st.value, _line_refs(s)) for oid, (s, st) in zip(ids, new, strict=True)]
            stock_changes += [OrderChange(oid, st.value, _line_refs(s)) for oid, s, st in changed]
            history.extend({"order_id": oid, "old_status": None, "new_status": st.value,
                            "platform_status": s.platform_status, "accepted": True, "platform_at": s.updated_at,
                            "recorded_at": now} for oid, (s, st) in zip(ids, new, strict=True))
            uow.orders.update(changed, now)
            uow.orders.record_status_changes(history)
            quarantined = 0
            for rec in bad:
                if uow.quarantine.keep(store_id=store.id, kind="order", external_id=rec.platform_id,
                                       reason=rec.reason, payload=rec.payload, payload_hash=fingerprint(rec.payload),
                                       sync_run_id=run.id, now=now):
                    quarantined += 1
            cleared = [k for k in snaps if k in open_bad]
            if cleared:
                uow.quarantine.resolve(store.id, "order", cleared, now)
                open_bad.difference_update(cleared)
            # Stock moves in the same transaction as the orders that move it: a crash loses neither, and a
            # replayed page finds the order already settled.
            settled = settle(uow, store.id, stock_changes, now)
            if settled.oversold:
                events.append(OrdersOversold(store.id, tuple(settled.oversold)))
            touched = uow.stock.dirty_since_start()
            if touched:
                events.append(StockChanged(frozenset(touched)))
            if watermark is not None:
                uow.sync.move_watermark(store.id, STREAM, watermark, now)
            self._add_counts(run, counts, quarantined, +1)
            uow.sync.save_run(run)
            try:
                uow.commit()
            except BaseException:
                # The page rolled back: so do its counts, or a retried page would count twice.
                self._add_counts(run, counts, quarantined, -1)
                raise
        self._bus.publish(events)

    @staticmethod
    def _add_counts(run: SyncRunView, counts: dict[Outcome, int], quarantined: int, sign: int) -> None:
        run.orders_new += sign * counts[Outcome.NEW]
        run.orders_updated += sign * counts[Outcome.UPDATED]
        run.orders_unchanged += sign * counts[Outcome.UNCHANGED]
        run.orders_stale += sign * counts[Outcome.STALE]
        run.quarantined += sign * quarantined

    # --- the run record -------------------------------------------------------------------------

    @staticmethod
    def _copy_stats(run: SyncRunView, stats: CallStats) -> None:
        run.api_calls, run.retries, run.throttled = stats.api_calls, stats.retries, stats.throttled
        run.throttle_wait_seconds = round(stats.throttle_wait_seconds, 3)

    def _finish(self, store: Store, run: SyncRunView, stats: CallStats, started: float) -> None:
        run.state = "succeeded"
        self._close(store, run, stats, started, StoreHealth.OK, "")

    def _fail(self, store: Store, run: SyncRunView, stats: CallStats, started: float, exc: BaseException) -> None:
        if isinstance(exc, AuthFailed | AuthExpired):
            kind, health = "auth", StoreHealth.AUTH_FAILED
        elif isinstance(exc, Retryable):
            kind, health = "retryable", StoreHealth.FAILING
        elif isinstance(exc, Fatal):
            kind, health = "fatal", StoreHealth.FAILING
        elif isinstance(exc, NotConfigured | SecretsError):
            kind, health = "config", StoreHealth.FAILING
        else:
            kind, health = "crash", StoreHealth.FAILING
        run.state, run.error_kind, run.error = "failed", kind, f"{type(exc).__name__}: {exc}"[:4000]
        log.warning("sync.failed", store_id=store.id, run_id=run.id, kind=kind, error=run.error)
        self._close(store, run, stats, started, health, run.error)

    def _close(self, store: Store, run: SyncRunView, stats: CallStats, started: float, health: StoreHealth,
               detail: str) -> None:
        self._copy_stats(run, stats)
        run.finished_at = self._clock.now()
        run.duration_seconds = round(time.monotonic() - started, 3)
        with self._uow() as uow:
            uow.sync.save_run(run)
            uow.stores.set_health(store.id, health, detail)
            uow.commit()

    def pull_orders(self, store_id: int, platform_order_ids: list[str], trigger: str = "push") -> SyncRunView:
        """Pull named orders now (a push said they changed): the same reconcile and idempotent upsert as
        a window pull, without moving the cursor, which still covers everything by update time."""
        store = self._stores.get(store_id)
        now = self._clock.now()

        def work(run: SyncRunView, stats: CallStats) -> None:
            source = self._source(store, stats)
            refs = [OrderRef(oid) for oid in dict.fromkeys(platform_order_ids)]
            open_bad = self._open_quarantine(store.id)
            batch = max(1, source.detail_batch)
            for i in range(0, len(refs), batch):
                records = source.fetch_orders(refs[i:i + batch])
                run.pages += 1
                self._copy_stats(run, stats)
                self._retry_conflict(partial(self._ingest, store, records, run, open_bad, None))

        return self._tracked(store, trigger, now, now, work)

    # --- checks and reads -----------------------------------------------------------------------

    def check_counts(self, store_id: int, since: datetime, until: datetime) -> CountCheck:
        """Every order the platform lists as created in [since, until] against what we hold."""
        store = self._stores.get(store_id)
        since, until = require_utc(since), require_utc(until)
        source = self._source(store, CallStats())
        theirs: set[str] = set()
        for w_from, w_to in windows(since, until, source.max_window):
            for refs in source.list_order_refs(w_from, w_to, TimeField.CREATED):
                theirs.update(r.platform_order_id for r in refs)
        with self._uow(readonly=True) as uow:
            ours = uow.orders.ids_created_between(store_id, since, until)
            held_bad = uow.quarantine.open_ids(store_id, "order")
        return CountCheck(store_id=store_id, since=since, until=until, platform_count=len(theirs),
                          our_count=len(ours), missing=sorted(theirs - ours - held_bad),
                          extra=sorted(ours - theirs), quarantined=sorted((theirs - ours) & held_bad))

    def runs(self, store_id: int | None = None, limit: int = 50) -> list[SyncRunView]:
        with self._uow(readonly=True) as uow:
            return uow.sync.runs(store_id=store_id, limit=limit)
