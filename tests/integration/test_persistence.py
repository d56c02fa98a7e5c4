"""The database layer behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select

from crossdock.persistence.tables import metadata, orders, store_credentials
from crossdock.services.order_sync import PullOrders
from tests.contract.harness import T0, since
from tests.contract.harnesses.shopee import ShopeeHarness


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == []


def test_money_and_time_round_trip_exactly(engine: Engine, database_url: str, tmp_path: Path) -> None:
    h = ShopeeHarness(database_url, tmp_path)
    store_id, ext = h.connect_store("SG")
    h.seed_orders(ext, 20, since(1), T0 - timedelta(hours=1))
    h.app.sync.pull(PullOrders(store_id))
    with engine.connect() as conn:
        totals = conn.execute(select(orders.c.total, orders.c.created_at)).all()
    truth = {Decimal(str(p["total_amount"])) for p in h.truth(ext).values()}
    assert {t for t, _ in totals} == truth
    assert all(isinstance(t, Decimal) and c.tzinfo is not None for t, c in totals)
    h.close()


def test_tokens_are_encrypted_at_rest(engine: Engine, database_url: str, tmp_path: Path) -> None:
    h = ShopeeHarness(database_url, tmp_path)
    store_id, _ = h.connect_store("SG")
    tokens = h.app.stores.tokens(store_id).load()
    assert tokens is not None
    with engine.connect() as conn:
        row = conn.execute(select(store_credentials)).one()
    plain = tokens.access_token.get_secret_value().encode()
    assert plain not in bytes(row.access_token) and tokens.refresh_token.get_secret_value().encode() not in bytes(
        row.refresh_token)
    assert "**" in repr(tokens.access_token)  # SecretStr never prints itself
    h.close()


def test_naive_datetimes_never_reach_the_database(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        conn.execute(metadata.tables["organisations"].insert().values(name="x", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001


@pytest.mark.parametrize("workers", [4])
def test_concurrent_pulls_of_one_store_import_each_order_once(database_url: str, tmp_path: Path,
                                                             workers: int) -> None:
    """Several workers pulling the same store at once (the job key normally prevents it) still
    leave exactly one row per order and consistent counts."""
    h = ShopeeHarness(database_url, tmp_path)
    store_id, ext = h.connect_store("SG")
    h.seed_orders(ext, 300, since(5), T0 - timedelta(hours=1))
    errors: list[BaseException] = []
    runs = []

    def work() -> None:
        try:
            runs.append(h.app.sync.pull(PullOrders(store_id, since=since(6), until=T0)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r.state == "succeeded" for r in runs), [r.error for r in runs]
    with h.app.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(orders)).scalar_one()
        distinct = conn.execute(select(func.count(orders.c.platform_order_id.distinct()))).scalar_one()
    assert n == distinct == 300
    assert sum(r.orders_new for r in runs) == 300
    h.close()


def test_replaying_a_window_does_not_move_the_cursor_back(database_url: str, tmp_path: Path) -> None:
    h = ShopeeHarness(database_url, tmp_path)
    store_id, ext = h.connect_store("SG")
    h.seed_orders(ext, 10, since(3), T0 - timedelta(hours=1))
    h.app.sync.pull(PullOrders(store_id))
    with h.app.uow(readonly=True) as uow:
        mark = uow.sync.watermark(store_id, "orders")
    assert mark == T0
    replay = h.app.sync.pull(PullOrders(store_id, since=since(3), until=since(2)))
    assert replay.state == "succeeded" and replay.orders_new == 0
    with h.app.uow(readonly=True) as uow:
        assert uow.sync.watermark(store_id, "orders") == mark
    assert mark.tzinfo is not None and mark.astimezone(UTC) == T0
    h.close()
