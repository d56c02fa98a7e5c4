"""The task functions; the in-process runner calls them, and so would a Celery worker."""

from __future__ import annotations

import structlog

from crossdock.bootstrap import App
from crossdock.services.order_sync import PullOrders, StoreNotPullable
from crossdock.services.views import SyncRunView

log = structlog.get_logger(__name__)


def pull_store_orders(app: App, store_id: int, trigger: str = "schedule") -> SyncRunView | None:
    try:
        run = app.sync.pull(PullOrders(store_id, trigger=trigger))
    except StoreNotPullable as exc:
        log.info("sync.skipped", store_id=store_id, reason=str(exc))
        return None
    log.info("sync.done", store_id=store_id, run_id=run.id, state=run.state, new=run.orders_new,
             updated=run.orders_updated, quarantined=run.quarantined, calls=run.api_calls)
    return run


def pull_key(store_id: int) -> str:
    """One pending pull per store: its identity key."""
    return f"orders:{store_id}"


def fulfilment_round(app: App) -> None:
    """Parcels' tracking, the marketplaces' shipment confirmations and cancellations still due (retries), and
    exceptions."""
    tracked = app.tracking.track()
    confirmed = app.shipping.confirm()
    cancelled = app.cancellations.send()
    exceptions = app.tracking.check_exceptions()
    log.info("fulfilment.round", tracked=tracked.shipments, events=tracked.new_events, delivered=tracked.delivered,
             confirmed=confirmed.done, confirm_failed=confirmed.failed, cancelled=cancelled.done,
             cancel_failed=cancelled.failed, exceptions_open=exceptions.open)


def pull_store_returns(app: App, store_id: int) -> None:
    report = app.returns.pull(store_id)
    if report.errors:
        log.info("returns.skipped", store_id=store_id, errors=report.errors)
