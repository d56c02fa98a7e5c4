"""The conformance suite every connector passes against its emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from crossdock.persistence.tables import order_status_history, orders
from crossdock.persistence.uow import UnitOfWork
from crossdock.services.order_sync import PullOrders, StoreNotPullable
from crossdock.services.views import OrderFilter
from tests.contract.harness import T0, Harness, since


def pull(h: Harness, store_id: int, **kw: Any) -> Any:
    return h.app.sync.pull(PullOrders(store_id, **kw))


def held(h: Harness, store_id: int) -> dict[str, Any]:
    """platform order id -> (status, platform status, total, updated) as we hold them."""
    with h.app.engine.connect() as conn:
        rows = conn.execute(select(orders.c.platform_order_id, orders.c.platform_status, orders.c.total,
                                   orders.c.currency, orders.c.platform_updated_at)
                            .where(orders.c.store_id == store_id)).all()
    return {r.platform_order_id: r for r in rows}


def assert_mirrors(h: Harness, store_id: int, external_id: str) -> None:
    truth = h.truth(external_id)
    ours = held(h, store_id)
    assert set(ours) == set(truth)
    for key, payload in truth.items():
        assert ours[key].platform_status == h.truth_status(payload), key
        assert ours[key].total == h.truth_total(payload), key


def test_full_sync_equals_platform_and_second_sync_changes_nothing(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 260, since(20), T0 - timedelta(hours=1))
    run = pull(harness, store_id)
    assert run.state == "succeeded", run.error
    assert run.orders_new == 260 and run.quarantined == 0
    assert_mirrors(harness, store_id, ext)

    before = held(harness, store_id)
    harness.clock.advance(minutes=5)
    again = pull(harness, store_id)
    assert again.state == "succeeded"
    assert again.orders_new == 0 and again.orders_updated == 0
    assert held(harness, store_id) == before


def test_api_calls_are_the_minimum_pages_and_batches_allow(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 250, since(5), T0 - timedelta(hours=1))
    calls_before = harness.api_calls()
    run = pull(harness, store_id, since=since(6))
    assert run.pages == math.ceil(250 / harness.page_size)
    assert harness.api_calls() - calls_before == run.api_calls == harness.expected_calls(250)


@pytest.mark.parametrize("count", [0, 1, 100, 101])
def test_pagination_edges(harness: Harness, count: int) -> None:
    store_id, ext = harness.connect_store(harness.region())
    if count:
        harness.seed_orders(ext, count, since(3), T0 - timedelta(hours=1))
    run = pull(harness, store_id, since=since(4))
    assert run.state == "succeeded" and run.orders_new == count
    assert run.pages == math.ceil(count / harness.page_size)
    assert_mirrors(harness, store_id, ext)


def test_update_is_applied_and_history_kept(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 30, since(2), T0 - timedelta(hours=2))
    pull(harness, store_id)
    # An order that has not shipped yet, by our own mapping, so the test means the same on every platform.
    waiting = [o.platform_order_id for status in ("pending_review", "label_created")
               for o in harness.app.queries.orders(OrderFilter(store_id=store_id, status=status), limit=500).items]
    assert waiting, "the seeded world should hold orders that have not shipped"
    pending = sorted(waiting)
    harness.clock.advance(minutes=30)
    harness.set_status(ext, pending[0], harness.shipped_status())
    harness.clock.advance(minutes=1)
    run = pull(harness, store_id)
    assert run.orders_updated == 1 and run.orders_new == 0
    assert_mirrors(harness, store_id, ext)
    page = harness.app.queries.orders(OrderFilter(store_id=store_id, status="shipped"), limit=500)
    assert pending[0] in {o.platform_order_id for o in page.items}
    detail = harness.app.queries.order(next(o.id for o in page.items if o.platform_order_id == pending[0]))
    assert detail.history[-1].new_status == "shipped"


def test_out_of_order_older_update_is_ignored(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 10, since(2), T0 - timedelta(hours=2))
    pull(harness, store_id)
    key, payload = next(iter(harness.truth(ext).items()))
    stored = held(harness, store_id)[key]
    # The platform (or a late push) now serves an older version of the order; a replay picks it up.
    harness.put_raw(ext, harness.older_copy(payload, "CANCELLED", seconds_earlier=3600))
    run = pull(harness, store_id, since=since(3))
    assert run.state == "succeeded" and run.orders_stale >= 1 and run.orders_updated == 0
    assert held(harness, store_id)[key] == stored


def test_crash_before_commit_loses_nothing(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    store_id, ext = harness.connect_store(harness.region())
    total = harness.page_size * 5 // 2   # two full pages and a half: the crash hits page 2
    harness.seed_orders(ext, total, since(10), T0 - timedelta(hours=1))
    real_commit = UnitOfWork.commit
    commits = {"n": 0}

    def crashing_commit(self: UnitOfWork) -> None:
        commits["n"] += 1
        if commits["n"] == 3:   # start of run, page 1, then the power goes out on page 2
            raise RuntimeError("power cut between fetch and commit")
        real_commit(self)

    monkeypatch.setattr(UnitOfWork, "commit", crashing_commit)
    with pytest.raises(RuntimeError, match="power cut"):
        pull(harness, store_id, since=since(11))   # one window: commits are run start, page 1, page 2
    monkeypatch.setattr(UnitOfWork, "commit", real_commit)
    crashed = harness.app.sync.runs(store_id)[0]
    assert crashed.state == "failed" and crashed.error_kind == "crash"
    with harness.app.uow(readonly=True) as uow:
        assert uow.sync.watermark(store_id, "orders") is None   # the window was not finished
    assert len(held(harness, store_id)) == harness.page_size     # page 1 committed, page 2 rolled back

    run = pull(harness, store_id)
    assert run.state == "succeeded"
    assert run.orders_new == total - harness.page_size and run.orders_unchanged == harness.page_size
    assert_mirrors(harness, store_id, ext)


def test_malformed_payload_is_quarantined_and_the_rest_synced(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 40, since(2), T0 - timedelta(hours=1))
    base = next(iter(harness.truth(ext).values()))
    bad = harness.malformed(ext, base)
    harness.put_raw(ext, bad)
    run = pull(harness, store_id)
    assert run.state == "succeeded" and run.quarantined == 1 and run.orders_new == 40
    items = harness.app.queries.quarantine(store_id=store_id)
    assert len(items) == 1 and "TELEPORTED" in items[0].reason and items[0].payload == bad

    harness.clock.advance(minutes=5)
    again = pull(harness, store_id, since=since(3))
    assert again.quarantined == 0                      # kept once, counted as seen again
    assert harness.app.queries.quarantine(store_id=store_id)[0].times_seen == 2

    check = harness.app.sync.check_counts(store_id, since(3), harness.clock.now())
    assert check.missing == [] and check.quarantined == [items[0].external_id]


def test_expired_token_is_refreshed_and_the_sync_goes_on(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 20, since(2), T0 - timedelta(hours=1))
    harness.expire_access(ext)
    run = pull(harness, store_id)
    assert run.state == "succeeded" and run.orders_new == 20
    # The refreshed pair was saved: a later pull (after the old refresh token died) still works.
    harness.clock.advance(hours=5)
    assert pull(harness, store_id).state == "succeeded"


def test_token_expiring_in_the_middle_of_a_pull_is_refreshed(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    total = harness.page_size * 5 // 2
    harness.seed_orders(ext, total, since(5), T0 - timedelta(hours=1))
    harness.transport.after(2, lambda: harness.expire_access(ext))   # after the pull's second request
    run = pull(harness, store_id, since=since(6))
    assert run.state == "succeeded", run.error
    assert run.orders_new == total and run.quarantined == 0
    assert_mirrors(harness, store_id, ext)


def test_dead_refresh_token_stops_the_store_until_reauthorized(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 5, since(1), T0 - timedelta(hours=1))
    harness.clock.advance(days=31)   # both tokens expired
    run = pull(harness, store_id)
    assert run.state == "failed" and run.error_kind == "auth"
    store = harness.app.stores.get(store_id)
    assert store.health.value == "auth_failed"
    with pytest.raises(StoreNotPullable):
        pull(harness, store_id)
    harness.app.stores.authorize(store_id, harness.consent_code(ext))
    assert pull(harness, store_id, since=since(2)).state == "succeeded"


def test_wrong_app_secret_fails_clearly(harness: Harness) -> None:
    store_id, _ext = harness.connect_store(harness.region())
    settings = dict(harness.connector_settings())
    key = next(k for k, v in settings.items() if isinstance(v, str) and "test" in v and k != "base_url")
    settings[key] = settings[key][::-1]
    other = harness.make_app(settings)
    try:
        run = other.sync.pull(PullOrders(store_id))
    finally:
        other.close()
    assert run.state == "failed" and run.error_kind in {"fatal", "auth"}
    assert run.error and ("sign" in run.error.lower() or "auth" in run.error.lower())


def test_server_errors_and_timeouts_are_retried(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 30, since(2), T0 - timedelta(hours=1))
    harness.fail_next(2, 503)
    with harness.timed_out(2):
        run = pull(harness, store_id)
    assert run.state == "succeeded" and run.orders_new == 30
    assert run.retries == 4


def test_throttling_is_waited_out_not_surfaced(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 300, since(3), T0 - timedelta(hours=1))
    harness.rate_limit(1.0, 2)
    run = pull(harness, store_id)
    assert run.state == "succeeded" and run.orders_new == 300
    assert run.throttled > 0 and run.throttle_wait_seconds > 0


def test_money_is_decimal_and_times_are_utc(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 5, since(1), T0 - timedelta(hours=1))
    pull(harness, store_id)
    page = harness.app.queries.orders(OrderFilter(store_id=store_id))
    detail = harness.app.queries.order(page.items[0].id)
    assert isinstance(detail.summary.total.amount, Decimal)
    assert detail.summary.total.currency == harness.currency(harness.region())
    assert all(isinstance(ln.unit_price.amount, Decimal) for ln in detail.lines)
    for stamp in (detail.summary.created_at, detail.summary.platform_updated_at, detail.first_seen_at):
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
    assert detail.summary.created_at.tzinfo == UTC or detail.summary.created_at.utcoffset() == timedelta(0)


def test_count_check_reports_a_gap(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 25, since(4), T0 - timedelta(hours=1))
    pull(harness, store_id)
    ok = harness.app.sync.check_counts(store_id, since(5), harness.clock.now())
    assert ok.ok and ok.platform_count == ok.our_count == 25
    lost = next(iter(held(harness, store_id)))
    with harness.app.engine.begin() as conn:
        oid = conn.execute(select(orders.c.id).where(orders.c.platform_order_id == lost)).scalar_one()
        conn.execute(delete(order_status_history).where(order_status_history.c.order_id == oid))
        conn.execute(delete(orders).where(orders.c.id == oid))
    gap = harness.app.sync.check_counts(store_id, since(5), harness.clock.now())
    assert gap.missing == [lost] and gap.our_count == 24


def test_every_run_is_recorded(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.seed_orders(ext, 12, since(2), T0 - timedelta(hours=1))
    run = pull(harness, store_id)
    (recorded,) = harness.app.sync.runs(store_id)
    assert recorded.id == run.id and recorded.state == "succeeded"
    assert recorded.orders_new == 12 and recorded.api_calls == run.api_calls > 0
    assert recorded.finished_at is not None and recorded.duration_seconds is not None
    assert recorded.window_to == T0 and recorded.window_from == T0 - timedelta(days=30)
    with harness.app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 12
