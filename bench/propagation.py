"""How fast a sale on one store reaches every other store, and whether a flash sale oversells.

    .venv/bin/python bench/propagation.py [--stores 100] [--skus 5000] [--per-store 1000] [--orders 300] [--rate 5]
                                          [--database-url postgresql+psycopg://…]

Five marketplaces' emulators run in process with no artificial latency and never throttle; Crossdock's own
connectors keep each platform's rate limits in real time (--connector-rate sets another where an account's
quota is known). 100 stores (20 per platform) list a share
of 5,000 master SKUs. Buyers place orders at --rate a second (Poisson); each order is ingested at once (as a webhook
makes Crossdock do), reserves stock in the import transaction, and the stock push loop sends the new quantity
to every store listing that SKU. Printed:

- propagation: p50/p95/p99/max of the time from an order's ingestion (the commit that reserved its units) to the
  moment the last store listing its SKU has taken the new quantity (the platform answered the stock update), in
  all and per platform; the baseline is one bare push of a SKU to every store listing it, with nothing else going
  on, measured in the same run, so the ratio says what queueing and coalescing add;
- flash sale: one SKU with 40 units on every store, buyers arriving on random stores at --buyers a second,
  every sale ingested at once (so every unit sold over 40 is sold in Crossdock's propagation window): units
  oversold when every store shows all free stock, and when a small safety stock absorbs the window.
  Aim: 0 with a safety stock.

Not part of `make test`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from pydantic import SecretStr
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the contract harnesses drive the emulators

from tests.contract.harness import Harness
from tests.contract.harnesses.amazon import HARNESS as AMAZON
from tests.contract.harnesses.joom import HARNESS as JOOM
from tests.contract.harnesses.lazada import HARNESS as LAZADA
from tests.contract.harnesses.shopee import HARNESS as SHOPEE
from tests.contract.harnesses.tiktok import HARNESS as TIKTOK

from crossdock.bootstrap import App, bootstrap
from crossdock.domain.events import Event
from crossdock.domain.inventory.events import ListingsPushed, StockChanged
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.jobs.stock_push_loop import StockPushLoop
from crossdock.persistence.migrate import upgrade
from crossdock.ports.clock import SystemClock
from crossdock.services.inventory import AddSku, AddWarehouse, Adjust
from crossdock.settings import Settings

HARNESSES: list[type[Harness]] = [SHOPEE, LAZADA, TIKTOK, AMAZON, JOOM]
FLASH_UNITS = 40


class Locked(httpx.BaseTransport):
    """One request at a time into an emulator (they are written for one event loop), shared with buyers."""

    def __init__(self, inner: httpx.BaseTransport, lock: threading.Lock) -> None:
        self.inner, self.lock = inner, lock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            response = self.inner.handle_request(request)
            response.read()
            return response


@dataclass
class Shop:
    harness: Harness
    store_id: int
    external_id: str
    skus: list[str]


@dataclass
class Round:
    started: float
    ended: float
    skus: frozenset[int]


class PushLog:
    """Every store push as it happens (ListingsPushed): when, which store, which SKUs."""

    def __init__(self, app: App) -> None:
        self.pushes: list[tuple[float, int, frozenset[int]]] = []
        self.changes: list[tuple[float, frozenset[int]]] = []     # commits that changed stock (StockChanged)
        self._lock = threading.Lock()
        app.bus.subscribe(ListingsPushed, self._seen)
        app.bus.subscribe(StockChanged, self._changed)

    def _changed(self, event: Event) -> None:
        assert isinstance(event, StockChanged)
        with self._lock:
            self.changes.append((time.perf_counter(), event.sku_ids))

    def committed(self, since: int, sku_id: int) -> float | None:
        """When the first stock commit after change number `since` touching `sku_id` was published."""
        with self._lock:
            return next((t for t, skus in self.changes[since:] if sku_id in skus), None)

    def _seen(self, event: Event) -> None:
        assert isinstance(event, ListingsPushed)
        with self._lock:
            self.pushes.append((time.perf_counter(), event.store_id, event.sku_ids))

    def reached_each(self, at: float, sku_id: int, stores: set[int]) -> dict[int, float]:
        """When each of `stores` first took a push of `sku_id` made after `at`."""
        with self._lock:
            pushes = list(self.pushes)
        first: dict[int, float] = {}
        for t, store_id, skus in pushes:
            if t >= at and store_id in stores and sku_id in skus and store_id not in first:
                first[store_id] = t
        return first

    def reached(self, at: float, sku_id: int, stores: set[int]) -> float | None:
        """When the last of `stores` took a push of `sku_id` made after `at`; None if one never did."""
        first = self.reached_each(at, sku_id, stores)
        return max(first.values()) if len(first) == len(stores) else None


def build(args: argparse.Namespace, home: Path, console: Console) -> tuple[App, list[Shop], dict[str, int],
                                                                             list[threading.Lock]]:
    harnesses = [h(args.database_url or f"sqlite:///{home / 'scratch.db'}", home) for h in HARNESSES]
    # A platform account's real quota where it is known to be above our connectors' cautious defaults.
    rates = {platform: {"requests_per_second": float(rps), "burst": max(1, int(float(rps) * 2))}
             for platform, rps in (r.split("=", 1) for r in args.connector_rate)}
    locks = [threading.Lock() for _ in harnesses]
    real_now = datetime.now(UTC)
    for h in harnesses:
        h.app.close()
        h.clock.set(real_now)
        h.rate_limit(1_000_000, 1_000_000)     # the emulators never throttle; our connectors keep the real limits
    follow_wall_clock([h.clock for h in harnesses])
    url = args.database_url or f"sqlite:///{home / 'crossdock.db'}"
    settings = Settings(database_url=url, home=home, secret_key=SecretStr(Fernet.generate_key().decode()),
                        connectors={h.platform: {**h.connector_settings(), **rates.get(h.platform, {})}
                                    for h in harnesses})
    app = bootstrap(settings, clock=SystemClock(), transports={
        h.platform: Locked(h.transport, lock) for h, lock in zip(harnesses, locks, strict=True)})
    upgrade(app.engine)
    app.inventory.add_warehouse(AddWarehouse("CN-SZ", "Shenzhen", "CN", priority=10))
    app.inventory.add_warehouse(AddWarehouse("DE-BER", "Berlin", "DE", kind="overseas", priority=20))
    rng = random.Random(7)
    codes = [f"SKU-{i:05d}" for i in range(args.skus)] + ["FLASH-1"]
    with Progress(console=console) as progress:
        task = progress.add_task("catalogue and stock", total=len(codes))
        changes = []
        counts = {"FLASH-1": FLASH_UNITS}
        for code in codes:
            app.inventory.add_sku(AddSku(code, f"Product {code}"))
            if code != "FLASH-1":
                counts[code] = rng.randint(200, 2000)
                changes.append(Adjust("CN-SZ", code, count=counts[code]))
            progress.advance(task)
        app.inventory.adjust(changes)
        app.inventory.adjust([Adjust("CN-SZ", "FLASH-1", count=FLASH_UNITS)])
        shops: list[Shop] = []
        per_platform = args.stores // len(harnesses)
        task = progress.add_task("stores, listings (pulled through each platform's API)",
                                 total=per_platform * len(harnesses))
        for h in harnesses:
            h.app = app
            for _ in range(per_platform):
                store_id, ext = h.connect_store(h.region())
                listed = [*rng.sample(codes[:-1], min(args.per_store, args.skus)), "FLASH-1"]
                h.set_catalogue(ext, [ProductSpec(f"Product {c}", (VariantSpec(c, "", Decimal("9.90"), counts[c]),))
                                      for c in listed])
                pulled = app.listings.pull(store_id)
                assert pulled.unmapped == 0 and not pulled.errors, pulled
                app.inventory.set_store_push(store_id, True)
                shops.append(Shop(h, store_id, ext, listed))
                progress.advance(task)
    sku_ids = {r["code"]: r["id"] for r in app.inventory.skus(limit=1_000_000)}
    return app, shops, sku_ids, locks


def follow_wall_clock(clocks: list[Any]) -> None:
    """Keep the emulators' clocks on real time: platforms check request timestamps against their own."""
    def run() -> None:
        while True:
            now = datetime.now(UTC)
            for clock in clocks:
                clock.set(now)
            time.sleep(0.2)
    threading.Thread(target=run, name="emulator-clocks", daemon=True).start()


def settle_initial(app: App, console: Console) -> float:
    """Stores already show the counted stock (as a seller's would when first connected): nothing to send."""
    started = time.perf_counter()
    while app.pusher.push_dirty().listings:
        pass
    seconds = time.perf_counter() - started
    console.print(f"initial quantities pushed to every listing in {seconds:.1f} s")
    return seconds


def lock_of(shop: Shop, shops: list[Shop], locks: list[threading.Lock]) -> threading.Lock:
    platforms = [s.harness.platform for s in shops]
    order = list(dict.fromkeys(platforms))
    return locks[order.index(shop.harness.platform)]


def buy(shop: Shop, sku: str, lock: threading.Lock) -> str | None:
    with lock:
        return shop.harness.place_order(shop.external_id, sku, 1)


def stream(app: App, shops: list[Shop], sku_ids: dict[str, int], locks: list[threading.Lock], orders: int,
           rate: float, pushes: PushLog, console: Console) -> tuple[list[float], int, dict[str, list[float]]]:
    """Orders on random stores for random SKUs, `rate` a second (Poisson); the latency of each from its commit
    to the last store listing its SKU taking the new quantity, how many never got there, and per platform the
    latency to its last store."""
    rng = random.Random(11)
    ingested: list[tuple[float, int, set[int]]] = []
    listing = {sku: {s.store_id for s in shops if sku in s.skus} for sku in sku_ids}
    with Progress(console=console) as progress:
        task = progress.add_task("order stream", total=orders)
        for _ in range(orders):
            shop = rng.choice(shops)
            sku = rng.choice(shop.skus[:-1])
            order_id = buy(shop, sku, lock_of(shop, shops, locks))
            if order_id is None:
                continue
            mark, started = len(pushes.changes), time.perf_counter()
            run = app.sync.pull_orders(shop.store_id, [order_id], trigger="bench")
            assert run.state == "succeeded", run.error
            # From the commit that reserved its units (the push may finish before pull_orders returns).
            ingested.append((pushes.committed(mark, sku_ids[sku]) or started, sku_ids[sku], listing[sku]))
            time.sleep(rng.expovariate(rate))
            progress.advance(task)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and any(pushes.reached(*i) is None for i in ingested[-5:]):
        time.sleep(0.05)
    latencies, missing = [], 0
    platform_of = {s.store_id: s.harness.platform for s in shops}
    per_platform: dict[str, list[float]] = defaultdict(list)
    for at, sku_id, stores in ingested:
        each = pushes.reached_each(at, sku_id, stores)
        if len(each) < len(stores):
            missing += 1
            continue
        latencies.append(max(each.values()) - at)
        last: dict[str, float] = {}
        for store_id, t in each.items():
            last[platform_of[store_id]] = max(last.get(platform_of[store_id], 0.0), t - at)
        for platform, value in last.items():
            per_platform[platform].append(value)
    return latencies, missing, per_platform


def bare_push(app: App, sku_id: int, loop: StockPushLoop) -> float:
    """One push of one SKU to every store listing it, with nothing else going on: the baseline."""
    loop.stop()
    app.inventory.adjust([Adjust("CN-SZ", _code(app, sku_id), delta=-1)])
    started = time.perf_counter()
    app.pusher.push_dirty()
    return time.perf_counter() - started


def _code(app: App, sku_id: int) -> str:
    return next(r["code"] for r in app.inventory.skus(limit=1_000_000) if r["id"] == sku_id)


def flash_sale(app: App, shops: list[Shop], locks: list[threading.Lock], rate: float) -> tuple[int, int]:
    """Buyers arrive on random stores at `rate` a second (Poisson) and buy FLASH-1 one unit at a time until
    every store refuses; each sale is ingested at once. Returns (units sold, units sold over the stock)."""
    rng = random.Random(3)
    sold = 0
    open_shops = list(shops)
    while open_shops:
        time.sleep(rng.expovariate(rate))
        shop = rng.choice(open_shops)
        order_id = buy(shop, "FLASH-1", lock_of(shop, shops, locks))
        if order_id is None:
            open_shops.remove(shop)
            continue
        sold += 1
        app.sync.pull_orders(shop.store_id, [order_id], trigger="bench")
    return sold, max(0, sold - FLASH_UNITS)


def restock_flash(app: App) -> None:
    """FLASH-1 back to FLASH_UNITS free units (what the last sale holds stays held), pushed everywhere."""
    app.inventory.adjust([Adjust("CN-SZ", "FLASH-1", count=FLASH_UNITS + _reserved(app, "FLASH-1"))])
    while app.pusher.push_dirty().listings:
        pass


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--skus", type=int, default=5000)
    parser.add_argument("--per-store", type=int, default=1000, help="SKUs each store lists")
    parser.add_argument("--orders", type=int, default=300, help="orders in the stream")
    parser.add_argument("--rate", type=float, default=5.0, help="orders a second in the stream, all stores together")
    parser.add_argument("--buyers", type=float, default=20.0, help="flash-sale buyers a second, all stores together")
    parser.add_argument("--safety", type=int, default=5, help="safety stock of the flash SKU in its second run")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--connector-rate", action="append", default=[], metavar="PLATFORM=RPS",
                        help="a platform's request rate instead of the connector's default (e.g. lazada=40, for an "
                             "app whose quota is known); the table title says when one is set")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        app, shops, sku_ids, locks = build(args, Path(tmp), console)
        settle_initial(app, console)
        pushes = PushLog(app)
        loop = StockPushLoop(app, retry_seconds=1.0)
        loop.start()
        latencies, missing, by_platform = stream(app, shops, sku_ids, locks, args.orders, args.rate, pushes,
                                                 console)
        store_pushes = len(pushes.pushes)
        baseline_sku = sku_ids[shops[0].skus[0]]
        baseline = bare_push(app, baseline_sku, loop)

        sales = []
        for label, prepare in (("every store shows all free stock", None),
                               (f"safety stock {args.safety} units", "safety")):
            if prepare == "safety":
                app.inventory.set_safety_stock("FLASH-1", args.safety)
            restock_flash(app)
            loop = StockPushLoop(app, retry_seconds=1.0)
            loop.start()
            sold, over = flash_sale(app, shops, locks, args.buyers)
            loop.stop()
            sales.append((label, sold, over))
        per_platform: dict[str, int] = defaultdict(int)
        for s in shops:
            per_platform[s.harness.platform] += 1
        app.close()

    mix = ", ".join(f"{k} {v}" for k, v in per_platform.items())
    overrides = f"; rates set: {', '.join(args.connector_rate)}" if args.connector_rate else ""
    table = Table(title=f"Propagation at {args.rate:g} orders a second: {len(shops)} stores ({mix}),"
                        f" {args.skus:,} SKUs, {args.per_store:,} listed per store{overrides}")
    for col in ("orders", "p50 s", "p95 s", "p99 s", "max s", "never reached", "store pushes", "baseline push s",
                "p50 / baseline"):
        table.add_column(col, justify="right")
    p50 = pct(latencies, 0.5)
    table.add_row(f"{len(latencies)}", f"{p50:.3f}", f"{pct(latencies, 0.95):.3f}", f"{pct(latencies, 0.99):.3f}",
                  f"{max(latencies, default=float('nan')):.3f}", f"{missing}", f"{store_pushes}", f"{baseline:.3f}",
                  f"{p50 / baseline:.2f}" if baseline else "-")
    console.print(table)
    platforms = Table(title="To the last store of each platform (the connectors keep each platform's rate limits)")
    for col in ("platform", "p50 s", "p99 s", "max s"):
        platforms.add_column(col, justify="right" if col != "platform" else "left")
    for platform, values in sorted(by_platform.items()):
        platforms.add_row(platform, f"{pct(values, 0.5):.3f}", f"{pct(values, 0.99):.3f}", f"{max(values):.3f}")
    console.print(platforms)
    flash = Table(title=f"Flash sale: {FLASH_UNITS} units of one SKU on every store, {args.buyers:g} buyers a "
                        f"second; every sale ingested at once")
    for col in ("allocation", "units sold", "oversold units"):
        flash.add_column(col, justify="right" if col != "allocation" else "left")
    for label, sold, over in sales:
        flash.add_row(label, str(sold), str(over))
    console.print(flash)


def _reserved(app: App, code: str) -> int:
    return sum(v.reserved for v in app.inventory.levels(code))


if __name__ == "__main__":
    main()
