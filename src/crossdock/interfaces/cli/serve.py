"""Long-running commands: the API server, the demo world, a standalone emulator."""

from __future__ import annotations

import signal
import threading
from functools import partial
from typing import Any

import uvicorn
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crossdock.bootstrap import App, configure_logging
from crossdock.demo import PLATFORMS, DemoWorld, ensure_demo_config, pull_listings, setup_inventory, sync_all
from crossdock.demo_fulfilment import CARRIERS, setup_fulfilment
from crossdock.interfaces.api.app import create_api
from crossdock.interfaces.cli.context import open_app
from crossdock.interfaces.cli.render import console, err
from crossdock.jobs.runner import JobRunner
from crossdock.jobs.scheduler import Scheduler
from crossdock.jobs.stock_push_loop import StockPushLoop
from crossdock.jobs.tasks import pull_key, pull_store_orders
from crossdock.settings import Settings


def _open_demo(orders: int, days: int) -> tuple[App, DemoWorld, list[int]]:
    """Emulators up (restored or newly seeded), demo stores connected; nothing pulled yet."""
    settings = Settings()
    ensure_demo_config(settings.demo_emulator_port)
    world = DemoWorld(settings.home, base_port=settings.demo_emulator_port, orders_per_store=orders, days=days)
    fresh = world.build()
    world.serve()
    for p in world.platforms:
        console.print(f"{p.code} emulator on http://127.0.0.1:{world.base_port + p.port_offset}")
    for c in CARRIERS:
        console.print(f"{c.code} carrier emulator on http://127.0.0.1:{world.base_port + c.port_offset}")
    console.print("new demo world seeded" if fresh else "saved demo world restored")
    app = open_app("WARNING")
    return app, world, world.connect(app)


def _report(world: DemoWorld, runs: list[Any]) -> None:
    total = sum(r.orders_new for r in runs)
    calls = sum(r.api_calls for r in runs)
    failed = [r for r in runs if r.state != "succeeded"]
    console.print(f"[green]demo ready[/]: {len(runs)} stores on {len(world.platforms)} marketplaces, "
                  f"{total} new orders, {calls} API calls" + (f", [red]{len(failed)} failed runs[/]" if failed else ""))


def run_demo_sync(orders: int, days: int) -> None:
    """`crossdock demo`: build the world and pull it once, in the foreground, with a progress bar."""
    app, world, store_ids = _open_demo(orders, days)
    setup_inventory(app)
    setup_fulfilment(app, world.base_port, store_ids)
    with err.status("pulling the demo stores' listings"):
        pull_listings(app, store_ids)
    columns = (TextColumn("syncing demo stores"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[info]}"), TimeElapsedColumn())
    with Progress(*columns, console=err) as bar:
        task = bar.add_task("sync", total=len(store_ids), info="")

        def on_run(store_id: int, run: Any) -> None:
            bar.update(task, advance=1, info=f"store {store_id}: {run.orders_new} new, {run.orders_updated} updated")

        runs = sync_all(app, store_ids, on_run)
    pushed = app.pusher.push_dirty()
    console.print(f"stock pushed: {pushed.pushed} listings updated on {pushed.stores} stores, {pushed.failed} failed")
    _report(world, runs)
    world.stop()
    app.close()
    console.print("see them with `crossdock orders list` or `make run` for the API")


def _pull_in_background(app: App, world: DemoWorld, runner: JobRunner, store_ids: list[int]) -> None:
    """Queue the first pull of every demo store (keyed, so the scheduler cannot double it) and report when
    they are done; the API answers meanwhile and the orders appear as each store's pages commit."""
    futures = [runner.submit(pull_key(sid), partial(pull_store_orders, app, sid, "demo"))[0] for sid in store_ids]

    def wait_and_report() -> None:
        runs = [f.result() for f in futures]
        _report(world, [r for r in runs if r is not None])

    threading.Thread(target=wait_and_report, name="demo-first-sync", daemon=True).start()


def serve(demo: bool, host: str | None, port: int | None, scheduler: bool, demo_orders: int = 1500) -> None:
    runner = JobRunner(workers=2)
    world = None
    if demo:
        app, world, store_ids = _open_demo(demo_orders, 30)
        if setup_inventory(app):
            console.print("demo inventory: 3 warehouses, the master catalogue and a first stock count")
        if setup_fulfilment(app, world.base_port, store_ids):
            console.print("demo fulfilment: DHL and YunExpress accounts, shipping rules, the invoicing company")
        # Listings first (so arriving orders map to master SKUs), then orders, all in the background.
        runner.submit("demo:listings", partial(pull_listings, app, store_ids))
        console.print(f"pulling {len(store_ids)} demo stores in the background; orders appear as they arrive")
        _pull_in_background(app, world, runner, store_ids)
        world.keep_alive()
        interval = 30.0
    else:
        app = open_app("INFO")
        interval = float(app.settings.sync_interval_seconds)
    stock_loop = StockPushLoop(app)
    stock_loop.start()
    sched = Scheduler(app, runner, interval) if scheduler else None
    if sched:
        sched.start()
    bind_host, bind_port = host or app.settings.api_host, port or app.settings.api_port
    if world:
        pushing = world.push_to(f"http://{bind_host}:{bind_port}")
        console.print(f"pushes from {', '.join(pushing)} go to /api/webhooks/<platform>")
    console.print(f"Crossdock API on http://{bind_host}:{bind_port}/api (docs: /api/docs)")
    try:
        uvicorn.run(create_api(app, runner), host=bind_host, port=bind_port, log_level="warning")
    finally:
        if sched:
            sched.stop()
        stock_loop.stop()
        runner.shutdown(wait=False)
        if world:
            world.stop()
        app.close()


def run_emulator(platform: str, port: int, orders: int) -> None:
    settings = Settings()
    configure_logging(settings, "INFO")
    world = DemoWorld(settings.home, base_port=port, orders_per_store=orders,
                      platforms=[p for p in PLATFORMS if p.code == platform])
    world.build()
    world.serve()
    world.keep_alive()
    console.print(f"{platform} emulator on http://127.0.0.1:{port} (Ctrl-C to stop)")
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    world.stop()
