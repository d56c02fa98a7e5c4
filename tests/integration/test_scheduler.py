"""The scheduler pulls every store that can be pulled, and leaves alone those that cannot."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from crossdock.domain.stores.model import StoreHealth, StoreStatus
from crossdock.jobs.runner import JobRunner
from crossdock.jobs.scheduler import Scheduler
from crossdock.services.stores import AddStore
from tests.contract.harness import T0, since
from tests.contract.harnesses.shopee import ShopeeHarness


def test_tick_pulls_active_authorized_stores_only(database_url: str, tmp_path: Path) -> None:
    h = ShopeeHarness(database_url, tmp_path)
    good, ext = h.connect_store("SG")
    paused, _ = h.connect_store("MY")
    broken, _ = h.connect_store("TH")
    never = h.app.stores.add(AddStore("shopee", "999", "not yet authorized", "PH", "PHP"))
    h.seed_orders(ext, 15, since(2), T0 - timedelta(hours=1))
    h.app.stores.set_status(paused, StoreStatus.PAUSED)
    with h.app.uow() as uow:
        uow.stores.set_health(broken, StoreHealth.AUTH_FAILED, "refresh token expired")
        uow.commit()

    runner = JobRunner(workers=2)
    scheduler = Scheduler(h.app, runner, interval_seconds=60)
    assert h.app.stores.pullable_ids() == [good]
    assert scheduler.tick() == 1
    runner.shutdown(wait=True)
    runs = h.app.sync.runs()
    assert [(r.store_id, r.trigger, r.orders_new) for r in runs] == [(good, "schedule", 15)]
    assert never.id not in {r.store_id for r in runs}
    h.close()
