"""Ingest speed: Shopee payloads through mapping, reconcile and idempotent upsert, against a plain bulk insert.

    .venv/bin/python bench/ingest.py [--orders 10000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints orders/s for the Crossdock path (first pull, then a re-pull where every order is unchanged) and for a
plain executemany INSERT of the same rows, measured in this run, and their ratio. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from crossdock.bootstrap import bootstrap
from crossdock.connectors.shopee.mapping import order_from_detail
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.emulators.shopee import ShopeeEmulator
from crossdock.persistence.db import make_engine
from crossdock.persistence.migrate import upgrade
from crossdock.persistence.repositories.orders import _line_rows, _order_values
from crossdock.persistence.tables import order_lines, orders, organisations, platform_accounts, stores
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, OrderRef, OrderSource, TimeField
from crossdock.services.order_sync import OrderSync, PullOrders
from crossdock.services.stores import AddStore
from crossdock.settings import Settings

NOW = datetime(2026, 11, 1, tzinfo=UTC)
PAGE = 100


class PayloadSource:
    """An OrderSource over payloads already in memory: measures our side, not the network."""

    max_window = timedelta(days=3650)
    detail_batch = 50

    def __init__(self, payloads: list[dict[str, Any]]) -> None:
        self.payloads = {p["order_sn"]: p for p in payloads}

    def list_order_refs(self, since: datetime, until: datetime,
                        field: TimeField = TimeField.UPDATED) -> Iterator[list[OrderRef]]:
        keys = list(self.payloads)
        for i in range(0, len(keys), PAGE):
            yield [OrderRef(k) for k in keys[i:i + PAGE]]

    def fetch_orders(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
        return [order_from_detail(self.payloads[r.platform_order_id]) for r in refs]


class BenchSync(OrderSync):
    source: PayloadSource

    def _source(self, store: Any, stats: CallStats) -> OrderSource:
        return self.source


def payloads(n: int) -> list[dict[str, Any]]:
    emu = ShopeeEmulator(1, "bench", ManualClock(NOW), seed=11)
    emu.add_shop(1, "SG")
    emu.generate_orders(1, n, NOW - timedelta(days=60), NOW - timedelta(hours=1))
    return list(emu.orders(1).values())


def fresh(url: str, tmp: Path, tag: str) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp / f'{tag}.db'}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"crossdock_bench_{tag}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def migrated(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def crossdock_path(url: str, data: list[dict[str, Any]], tmp: Path) -> tuple[float, float, int]:
    engine = migrated(url)
    clock = ManualClock(NOW)
    settings = Settings(database_url=url, home=tmp, secret_key=SecretStr(Fernet.generate_key().decode()),
                        connectors={"shopee": {"partner_id": 1, "partner_key": "bench"}})
    app = bootstrap(settings, clock=clock, engine=engine)
    sync = BenchSync(app.sync._uow, app.connectors, app.stores, app.bus, clock, app.sync.policy)
    sync.source = PayloadSource(data)
    store = app.stores.add(AddStore("shopee", "1", "bench", "SG", "SGD"))
    t0 = time.perf_counter()
    first = sync.pull(PullOrders(store.id, since=NOW - timedelta(days=61), until=NOW))
    t1 = time.perf_counter()
    second = sync.pull(PullOrders(store.id, since=NOW - timedelta(days=61), until=NOW))
    t2 = time.perf_counter()
    assert first.orders_new == len(data) and second.orders_unchanged == len(data), (first, second)
    app.close()
    return t1 - t0, t2 - t1, first.orders_new


def plain_insert(url: str, data: list[dict[str, Any]]) -> float:
    """The same rows, already built, in one executemany per table: the floor of what a database can do."""
    engine = migrated(url)
    snaps = [order_from_detail(p) for p in data]
    with engine.begin() as conn:
        conn.execute(insert(organisations).values(id=1, name="b", created_at=NOW))
        conn.execute(insert(platform_accounts).values(id=1, organisation_id=1, platform="shopee", name="b",
                                                      created_at=NOW))
        conn.execute(insert(stores).values(id=1, account_id=1, platform="shopee", external_id="1", name="b",
                                           region="SG", currency="SGD", status="active", health="ok",
                                           health_detail="", created_at=NOW))
    rows = [{"id": i + 1, "store_id": 1, "platform_order_id": s.platform_order_id, "first_seen_at": NOW,
             "last_changed_at": NOW, **_order_values(s, s.status)} for i, s in enumerate(snaps)]
    lines = [ln for i, s in enumerate(snaps) for ln in _line_rows(i + 1, s)]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(orders), rows)
        conn.execute(insert(order_lines), lines)
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    console = Console()
    console.print(f"generating {args.orders} Shopee order payloads …")
    data = payloads(args.orders)
    table = Table(title=f"Ingest of {len(data)} Shopee orders (pages of {PAGE}, one transaction per page)")
    for col in ("database", "first pull orders/s", "re-pull orders/s", "plain INSERT orders/s",
                "ratio (first pull / plain)"):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for label, base in (("SQLite (WAL)", "sqlite://"), ("PostgreSQL", args.pg)):
            try:
                first, again, n = crossdock_path(fresh(base, tmp, "path"), data, tmp)
                plain = plain_insert(fresh(base, tmp, "plain"), data)
            except Exception as exc:  # e.g. PostgreSQL not running: say so and go on
                table.add_row(label, f"skipped: {str(exc).splitlines()[0][:60]}", "", "", "")
                continue
            table.add_row(label, f"{n / first:,.0f}", f"{n / again:,.0f}", f"{n / plain:,.0f}",
                          f"{plain / first:.2f}")
    console.print(table)
    console.print("single process, one core; the pipeline includes mapping, reconcile, status history, run record.")


if __name__ == "__main__":
    main()
