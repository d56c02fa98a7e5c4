"""`crossdock`: connect stores, pull orders, keep stock, look at it all; and run the server with the demo world."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from crossdock.bootstrap import load_secret_key
from crossdock.interfaces.api.schemas import (
    CountCheckOut,
    OrderDetailOut,
    OrderOut,
    StoreOut,
    dump,
)
from crossdock.interfaces.cli.catalogue import skus_cli, warehouses_cli
from crossdock.interfaces.cli.context import JsonOpt, fail, opened
from crossdock.interfaces.cli.fulfilment import (
    carriers_cli,
    invoices_cli,
    returns_cli,
    review_cli,
    shipping_cli,
    tracking_cli,
)
from crossdock.interfaces.cli.listings import listings_cli
from crossdock.interfaces.cli.render import ago, console, emit_json, err, parse_time, styled, table, when
from crossdock.interfaces.cli.stock import stock_cli
from crossdock.services.errors import PlatformUnavailable
from crossdock.services.order_sync import PullOrders, StoreNotPullable
from crossdock.services.stores import AddStore
from crossdock.services.views import OrderFilter, SyncRunView
from crossdock.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Crossdock: every store on every marketplace in one place.",
                  pretty_exceptions_enable=False)
stores_cli = typer.Typer(no_args_is_help=True, help="Connect and look after stores.")
sync_cli = typer.Typer(no_args_is_help=True, help="Pull from the marketplaces and check what was pulled.")
orders_cli = typer.Typer(no_args_is_help=True, help="The one order list for every store.")
quarantine_cli = typer.Typer(no_args_is_help=True, help="Records a platform sent that could not be taken in.")
emulator_cli = typer.Typer(no_args_is_help=True, help="The local marketplace emulators.")
for sub, name in ((stores_cli, "stores"), (sync_cli, "sync"), (orders_cli, "orders"),
                  (quarantine_cli, "quarantine"), (skus_cli, "skus"), (warehouses_cli, "warehouses"),
                  (stock_cli, "stock"), (listings_cli, "listings"), (emulator_cli, "emulator"),
                  (review_cli, "review"), (carriers_cli, "carriers"), (shipping_cli, "shipping"),
                  (tracking_cli, "tracking"), (returns_cli, "returns"), (invoices_cli, "invoices")):
    app.add_typer(sub, name=name)


# --- setup ---------------------------------------------------------------------------------------

@app.command()
def init() -> None:
    """Create the data folder and secret key, and bring the database to the newest schema."""
    settings = Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    load_secret_key(settings)
    with opened() as a:
        console.print(f"[green]ready[/]: database {a.engine.url.render_as_string(hide_password=True)}, "
                      f"home {settings.home}")


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    with opened() as a:
        console.print(f"[green]migrated[/] {a.engine.url.render_as_string(hide_password=True)}")


# --- stores --------------------------------------------------------------------------------------

@stores_cli.command("add")
def stores_add(
    platform: Annotated[str, typer.Option(help="platform code, e.g. shopee")],
    external_id: Annotated[str, typer.Option(help="the platform's shop id")],
    name: Annotated[str, typer.Option()],
    region: Annotated[str, typer.Option(help="marketplace site, e.g. SG")],
    currency: Annotated[str, typer.Option(help="ISO 4217, e.g. SGD")],
    account: Annotated[str, typer.Option(help="platform account owning the store")] = "",
    code: Annotated[str | None, typer.Option(help="authorization code from the platform's consent redirect")] = None,
) -> None:
    """Add a store (idempotent) and, with --code, authorize it."""
    with opened() as a:
        try:
            store = a.stores.add(AddStore(platform=platform, external_id=external_id, name=name, region=region,
                                          currency=currency, account=account))
        except (ValueError, LookupError) as exc:
            raise fail(str(exc)) from None
        if code:
            try:
                a.stores.authorize(store.id, code)
            except (ValueError, PlatformUnavailable) as exc:
                raise fail(str(exc)) from None
        console.print(f"store [bold]{store.id}[/] {store.name} ({store.platform} {store.external_id})"
                      + (" authorized" if code else " added; authorize it with `crossdock stores authorize`"))


@stores_cli.command("connect")
def stores_connect(
    platform: Annotated[str, typer.Option(help="a platform whose accounts own many stores: joom, amazon, tiktok")],
    account: Annotated[str, typer.Option(help="your name for the account, e.g. 'Lumi EU'")],
    code: Annotated[str, typer.Option(help="authorization code from the platform's consent redirect")],
    external_id: Annotated[str, typer.Option(help="account id from the redirect (Amazon selling_partner_id)")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Authorize a platform account and add every store it owns."""
    with opened() as a:
        try:
            found = a.stores.connect_account(platform, code, account=account, external_id=external_id)
        except (ValueError, LookupError, PlatformUnavailable) as exc:
            raise fail(str(exc)) from None
        views = [v for v in a.stores.list() if v.id in {s.id for s in found}]
        if json_out:
            emit_json([StoreOut.of(v) for v in views])
            return
        console.print(f"account [bold]{account}[/] authorized; {len(views)} stores:")
        console.print(table("Stores found", ["id", "store", "region", "currency", "platform status"],
                            [[v.id, f"{v.name} ({v.external_id})", v.region, v.currency, v.platform_status or "-"]
                             for v in views]))


@stores_cli.command("discover")
def stores_discover(account_id: int) -> None:
    """Ask the platform again which stores an account owns (new stores are added, status refreshed)."""
    with opened() as a:
        found = a.stores.discover(account_id)
        console.print(f"{len(found)} stores on account {account_id}")


@stores_cli.command("authorize")
def stores_authorize(store_id: int, code: Annotated[str, typer.Option(help="authorization code")]) -> None:
    """Exchange the platform's authorization code for tokens (kept encrypted)."""
    with opened() as a:
        try:
            a.stores.authorize(store_id, code)
        except (ValueError, PlatformUnavailable) as exc:
            raise fail(str(exc)) from None
        console.print(f"store {store_id} [green]authorized[/]")


@stores_cli.command("list")
def stores_list(json_out: JsonOpt = False) -> None:
    """Every store with its health and when it last synced."""
    with opened() as a:
        views = a.stores.list()
        if json_out:
            emit_json([StoreOut.of(v) for v in views])
            return
        now = a.clock.now()
        console.print(table("Stores", ["id", "platform", "store", "region", "health", "last sync", "state",
                                       "orders"],
                            [[v.id, v.platform, f"{v.name} ({v.external_id})", v.region, styled(v.health),
                              ago(v.last_sync_at, now), styled(v.last_sync_state), v.orders] for v in views],
                            justify_right=["orders", "id"]))


# --- sync ----------------------------------------------------------------------------------------

def _show_runs(runs: list[SyncRunView], title: str) -> None:
    def short(r: SyncRunView) -> str:
        return f"{r.window_from:%m-%d %H:%M} → {r.window_to:%m-%d %H:%M}"

    console.print(table(title, ["run", "store", "state", "window (UTC)", "calls", "new/upd/same/stale", "quar.",
                                "throttled", "secs", "error"],
                        [[r.id, r.store_id, styled(r.state), short(r), r.api_calls,
                          f"{r.orders_new}/{r.orders_updated}/{r.orders_unchanged}/{r.orders_stale}",
                          r.quarantined, f"{r.throttled} ({r.throttle_wait_seconds:.1f}s)" if r.throttled else "0",
                          r.duration_seconds, (r.error or "")[:60]] for r in runs],
                        justify_right=["run", "store", "calls", "quar.", "secs"]))


@sync_cli.command("orders")
def sync_orders(
    store: Annotated[list[int] | None, typer.Option("--store", help="store id (repeatable); default all")] = None,
    since: Annotated[str | None, typer.Option(help="replay from this time (ISO 8601 UTC, or 2d / 6h ago)")] = None,
    until: Annotated[str | None, typer.Option(help="up to this time")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Pull orders now: incremental from each store's cursor, or a replay window with --since."""
    with opened() as a:
        now = a.clock.now()
        try:
            since_at, until_at = parse_time(since, now), parse_time(until, now)
        except ValueError as exc:
            raise fail(f"bad time: {exc}") from None
        ids = store or a.stores.pullable_ids()
        if not ids:
            raise fail("no store to pull: add and authorize one first (`crossdock stores add`)")
        runs: list[SyncRunView] = []
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                      TimeElapsedColumn(), console=err, disable=json_out, transient=False) as bar:
            for sid in ids:
                task = bar.add_task(f"store {sid}", total=1.0, info="")

                def progress(run: SyncRunView, done: float, task_id: TaskID = task) -> None:
                    bar.update(task_id, completed=done, info=f"{run.orders_new} new, {run.orders_updated} updated, "
                                                             f"{run.api_calls} calls")
                try:
                    run = a.sync.pull(PullOrders(sid, since=since_at, until=until_at, trigger="cli"), progress)
                except StoreNotPullable as exc:
                    bar.update(task, info=f"[yellow]skipped[/]: {exc}")
                    continue
                bar.update(task, completed=1.0, info=f"{styled(run.state)}: {run.orders_new} new, "
                                                     f"{run.orders_updated} updated, {run.quarantined} quarantined")
                runs.append(run)
        if json_out:
            emit_json([dump(r) for r in runs])
        else:
            _show_runs(runs, "Sync summary")
        if any(r.state == "failed" for r in runs):
            raise typer.Exit(2)


@sync_cli.command("status")
def sync_status(store: Annotated[int | None, typer.Option("--store")] = None,
                limit: Annotated[int, typer.Option()] = 20, json_out: JsonOpt = False) -> None:
    """The latest sync runs, per store or for all."""
    with opened() as a:
        runs = a.sync.runs(store, limit)
        if json_out:
            emit_json([dump(r) for r in runs])
        else:
            _show_runs(runs, "Sync runs")


@sync_cli.command("check")
def sync_check(store: Annotated[int, typer.Option("--store")],
               since: Annotated[str, typer.Option(help="ISO 8601 UTC or 7d")] = "7d",
               until: Annotated[str | None, typer.Option()] = None, json_out: JsonOpt = False) -> None:
    """Compare the orders the platform lists as created in a window with the orders we hold."""
    with opened() as a:
        now = a.clock.now()
        since_at, until_at = parse_time(since, now), parse_time(until, now) or now
        assert since_at is not None
        check = a.sync.check_counts(store, since_at, until_at)
        if json_out:
            emit_json(CountCheckOut.of(check))
        else:
            verdict = "[green]complete[/]" if check.ok else "[red]gap found[/]"
            console.print(f"store {store} {when(check.since)} → {when(check.until)}: platform "
                          f"{check.platform_count}, Crossdock {check.our_count}, quarantined "
                          f"{len(check.quarantined)} — {verdict}")
            for label, ids in (("missing here", check.missing), ("not on the platform", check.extra),
                               ("quarantined", check.quarantined)):
                if ids:
                    console.print(f"  {label}: {', '.join(ids[:20])}{' …' if len(ids) > 20 else ''}")
        if not check.ok:
            raise typer.Exit(3)


# --- orders --------------------------------------------------------------------------------------

@orders_cli.command("list")
def orders_list(
    status: Annotated[str | None, typer.Option(help="e.g. pending_review")] = None,
    store: Annotated[int | None, typer.Option("--store")] = None,
    platform: Annotated[str | None, typer.Option()] = None,
    created_from: Annotated[str | None, typer.Option(help="ISO 8601 UTC or 2d")] = None,
    created_to: Annotated[str | None, typer.Option()] = None,
    updated_from: Annotated[str | None, typer.Option()] = None,
    updated_to: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    cursor: Annotated[str | None, typer.Option(help="from a previous page")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Orders from every store, newest first."""
    with opened() as a:
        now = a.clock.now()
        try:
            f = OrderFilter(status=status, store_id=store, platform=platform,
                            created_from=parse_time(created_from, now), created_to=parse_time(created_to, now),
                            updated_from=parse_time(updated_from, now), updated_to=parse_time(updated_to, now))
            page = a.queries.orders(f, limit=limit, cursor=cursor)
        except ValueError as exc:
            raise fail(str(exc)) from None
        if json_out:
            emit_json({"items": [OrderOut.of(o).model_dump(mode="json") for o in page.items],
                       "next_cursor": page.next_cursor})
            return
        total = a.queries.order_count(f)
        console.print(table(f"Orders ({len(page.items)} of {total})",
                            ["id", "store", "order", "status", "platform status", "total", "created", "buyer",
                             "to", "lines"],
                            [[o.id, o.store_name, o.platform_order_id, o.status, o.platform_status,
                              f"{o.total.amount} {o.total.currency}", when(o.created_at), o.buyer_username,
                              o.ship_country, o.lines] for o in page.items],
                            justify_right=["id", "total", "lines"]))
        if page.next_cursor:
            console.print(f"more: --cursor {page.next_cursor}")


@orders_cli.command("show")
def orders_show(order_id: int, json_out: JsonOpt = False) -> None:
    """One order: lines, address, status history, the platform's payload."""
    with opened() as a:
        d = a.queries.order(order_id)
        if json_out:
            emit_json(OrderDetailOut.of_detail(d))
            return
        s = d.summary
        console.print(f"[bold]{s.platform_order_id}[/] on {s.platform} store {s.store_name} — {s.status} "
                      f"(platform: {s.platform_status}) — {s.total.amount} {s.total.currency}")
        console.print(f"created {when(s.created_at)}, paid {when(d.paid_at)}, ship by {when(d.ship_by)}, "
                      f"updated on platform {when(s.platform_updated_at)}{', COD' if d.cod else ''}")
        if d.address:
            ad = d.address
            console.print(f"ship to {ad.name}, {ad.phone}, {ad.full_address}, {ad.city} {ad.postcode} {ad.country}")
        if d.buyer_note:
            console.print(f"buyer note: {d.buyer_note}")
        console.print(table("Lines", ["#", "sku", "title", "variant", "qty", "unit", "paid"],
                            [[ln.position + 1, ln.sku, ln.title[:50], ln.variant_title, ln.quantity,
                              ln.unit_price.amount, ln.paid_unit_price.amount] for ln in d.lines],
                            justify_right=["qty", "unit", "paid"]))
        console.print(table("Status history", ["platform time", "from", "to", "platform status", "accepted"],
                            [[when(h.platform_at), h.old_status, h.new_status, h.platform_status,
                              "yes" if h.accepted else "[red]refused[/]"] for h in d.history]))


@quarantine_cli.command("list")
def quarantine_list(store: Annotated[int | None, typer.Option("--store")] = None,
                    all_: Annotated[bool, typer.Option("--all", help="include resolved")] = False,
                    json_out: JsonOpt = False) -> None:
    """Malformed records held back, with the reason; they clear when the platform sends them clean."""
    with opened() as a:
        items = a.queries.quarantine(store_id=store, include_resolved=all_)
        if json_out:
            emit_json([dump(q) for q in items])
            return
        console.print(table("Quarantine", ["id", "store", "kind", "record", "reason", "seen", "first", "last",
                                           "resolved"],
                            [[q.id, q.store_id, q.kind, q.external_id, q.reason, q.times_seen, when(q.first_seen_at),
                              when(q.last_seen_at), when(q.resolved_at)] for q in items]))


# --- servers -------------------------------------------------------------------------------------

@app.command()
def demo(orders: Annotated[int, typer.Option(help="orders per demo store")] = 1500,
         days: Annotated[int, typer.Option(help="days of history")] = 30) -> None:
    """Build the demo world (Shopee stores in six regions, thousands of orders) and sync it."""
    from crossdock.interfaces.cli.serve import run_demo_sync

    run_demo_sync(orders=orders, days=days)


@app.command()
def serve(demo: Annotated[bool, typer.Option("--demo", help="also run the emulated marketplaces with the demo "
                                                           "world")] = False,
          host: Annotated[str | None, typer.Option()] = None, port: Annotated[int | None, typer.Option()] = None,
          scheduler: Annotated[bool, typer.Option(help="pull every store on schedule")] = True,
          demo_orders: Annotated[int, typer.Option(help="orders per demo store when the world is new")] = 1500,
          ) -> None:
    """Run the REST API (and the scheduled pulls) on http://127.0.0.1:8000."""
    from crossdock.interfaces.cli.serve import serve as run_server

    run_server(demo=demo, host=host, port=port, scheduler=scheduler, demo_orders=demo_orders)


@emulator_cli.command("run")
def emulator_run(platform: Annotated[str, typer.Option(help="shopee, amazon, lazada, tiktok, joom")] = "shopee",
                 port: Annotated[int, typer.Option()] = 8101,
                 orders: Annotated[int, typer.Option(help="orders per demo store on first start")] = 1500) -> None:
    """Serve one platform's emulator with its demo stores until stopped (state kept in <home>/emulators)."""
    from crossdock.demo import PLATFORMS
    from crossdock.interfaces.cli.serve import run_emulator

    known = [p.code for p in PLATFORMS]
    if platform not in known:
        raise fail(f"no emulator for {platform!r}; available: {', '.join(known)}")
    run_emulator(platform=platform, port=port, orders=orders)


if __name__ == "__main__":
    app()
