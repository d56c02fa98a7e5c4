"""API calls a full sync of the demo world makes, against the fewest the platforms' page and batch limits allow.

    .venv/bin/python bench/sync_calls.py [--orders 1000]

Every marketplace of the demo runs in process at its documented rate limits on a virtual clock (waiting moves
the clock instead of sleeping), so throttling is real but the run takes seconds. Prints per platform: stores,
orders, calls made, calls needed, their ratio (aim <= 1.05), throttled answers absorbed, and failed runs (aim 0).
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from crossdock.bootstrap import bootstrap
from crossdock.demo import PLATFORMS, DemoWorld
from crossdock.persistence.migrate import upgrade
from crossdock.ports.clock import ManualClock
from crossdock.services.order_sync import PullOrders
from crossdock.settings import Settings

START = datetime(2026, 11, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000, help="orders per demo store (before platform scale)")
    args = parser.parse_args()
    console = Console()
    clock = ManualClock(START)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        world = DemoWorld(home, orders_per_store=args.orders, days=30, clock=clock, live=False)
        world.build()
        settings = Settings(database_url=f"sqlite:///{home / 'crossdock.db'}", home=home,
                            secret_key=SecretStr(Fernet.generate_key().decode()),
                            connectors=world.connector_settings())
        app = bootstrap(settings, clock=clock, sleep=lambda s: clock.advance(seconds=s),
                        transports=world.transports())
        upgrade(app.engine)
        by_platform = {p.code: p for p in world.platforms}
        store_ids = world.connect(app)
        stores = {s.id: s for s in app.stores.list()}
        stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        started, virtual_start = time.perf_counter(), clock.now()
        for sid in store_ids:
            platform = stores[sid].platform
            run = app.sync.pull(PullOrders(sid, trigger="bench"))
            s = stats[platform]
            s["stores"] += 1
            s["orders"] += run.orders_new
            s["calls"] += run.api_calls
            s["needed"] += by_platform[platform].min_calls(run.orders_new)
            s["throttled"] += run.throttled
            s["failed"] += run.state != "succeeded"
        elapsed, virtual = time.perf_counter() - started, (clock.now() - virtual_start).total_seconds()
        app.close()

    table = Table(title="Full sync of the demo world at the platforms' documented limits")
    for col in ("platform", "stores", "orders", "calls made", "calls needed", "ratio", "throttled (absorbed)",
                "failed runs"):
        table.add_column(col, justify="right" if col != "platform" else "left")
    total = defaultdict(float)
    for code, s in stats.items():
        table.add_row(code, f"{s['stores']:.0f}", f"{s['orders']:,.0f}", f"{s['calls']:,.0f}", f"{s['needed']:,.0f}",
                      f"{s['calls'] / s['needed']:.3f}" if s["needed"] else "-", f"{s['throttled']:.0f}",
                      f"{s['failed']:.0f}")
        for k, v in s.items():
            total[k] += v
    table.add_row("all", f"{total['stores']:.0f}", f"{total['orders']:,.0f}", f"{total['calls']:,.0f}",
                  f"{total['needed']:,.0f}", f"{total['calls'] / max(total['needed'], 1):.3f}",
                  f"{total['throttled']:.0f}", f"{total['failed']:.0f}", style="bold")
    console.print(table)
    console.print(f"{elapsed:.1f} s of real time; {virtual / 3600:.2f} h of platform time (rate-limit waits "
                  f"included); platforms: {', '.join(p.code for p in PLATFORMS)}")


if __name__ == "__main__":
    main()
