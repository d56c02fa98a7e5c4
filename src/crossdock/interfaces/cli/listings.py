"""`crossdock listings`: what each store lists, and its mapping to master SKUs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from crossdock.bootstrap import App
from crossdock.interfaces.api.inventory_schemas import ListingOut, ListingPullOut, UnmappedLineOut
from crossdock.interfaces.cli.context import JsonOpt, fail, opened
from crossdock.interfaces.cli.render import console, emit_json, err, styled, table
from crossdock.services.connectors import NotConfigured
from crossdock.services.errors import PlatformUnavailable

listings_cli = typer.Typer(no_args_is_help=True, help="Store listings and their master SKUs.")


def _pull_one(a: App, store_id: int, bar: Progress) -> ListingPullOut | str:
    """The pull's result, or why the store could not be read."""
    task = bar.add_task(f"store {store_id}", info="reading listings …")
    try:
        pulled = ListingPullOut.of(a.listings.pull(store_id))
    except (NotConfigured, PlatformUnavailable) as exc:
        bar.update(task, info=f"[red]failed[/]: {exc}")
        return str(exc)
    bar.update(task, info=f"{pulled.seen} listings, {pulled.new} new, {pulled.mapped} mapped, "
                          f"{pulled.unmapped} unmapped" + (f", [yellow]{len(pulled.errors)} errors[/]"
                                                           if pulled.errors else ""))
    return pulled


@listings_cli.command("pull")
def listings_pull(store_id: Annotated[int | None, typer.Argument(help="the store to read")] = None,
                  all_: Annotated[bool, typer.Option("--all", help="every authorized store")] = False,
                  json_out: JsonOpt = False) -> None:
    """Read every listing of a store (or of all with --all) and map them to SKUs by seller SKU or barcode.

    Exits 1 when the store could not be read (2 with --all when any could not)."""
    if (store_id is None) == (not all_):
        raise fail("give a STORE_ID or --all")
    with opened() as a:
        ids = [store_id] if store_id is not None else a.stores.pullable_ids()
        if not ids:
            raise fail("no store to read: add and authorize one first (`crossdock stores add`)")
        for sid in ids:
            a.stores.get(sid)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.fields[info]}"),
                      TimeElapsedColumn(), console=err, disable=json_out) as bar:
            outcomes = {sid: _pull_one(a, sid, bar) for sid in ids}
    done = [o for o in outcomes.values() if isinstance(o, ListingPullOut)]
    if json_out:
        emit_json(done)
    else:
        _show_pulls(done)
    failed = {sid: why for sid, why in outcomes.items() if isinstance(why, str)}
    for sid, why in failed.items():
        err.print(f"[red]error:[/] store {sid}: {escape(why)}")
    if failed:
        raise typer.Exit(2 if all_ else 1)


def _show_pulls(pulls: list[ListingPullOut]) -> None:
    console.print(table("Listings pulled", ["store", "seen", "new", "mapped", "unmapped", "quarantined", "calls",
                                            "orders settled", "errors"],
                        [[p.store_id, p.seen, p.new, p.mapped, p.unmapped, p.quarantined, p.api_calls,
                          p.orders_resettled, "; ".join(p.errors)[:80]] for p in pulls],
                        justify_right=["seen", "new", "mapped", "unmapped", "quarantined", "calls",
                                       "orders settled"]))


@listings_cli.command("list")
def listings_list(store: Annotated[int | None, typer.Option("--store")] = None,
                  unmapped: Annotated[bool, typer.Option("--unmapped", help="only those with no SKU")] = False,
                  limit: Annotated[int, typer.Option(min=1)] = 200, offset: Annotated[int, typer.Option(min=0)] = 0,
                  json_out: JsonOpt = False) -> None:
    """Listings of every store (or one), with the SKU each is mapped to and the last push."""
    with opened() as a:
        rows = [ListingOut.of(r) for r in a.listings.listings(store, False if unmapped else None, limit, offset)]
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"Listings ({len(rows)})", ["id", "store", "item", "variant", "seller sku", "title",
                                                    "platform qty", "sku", "mapped by", "pushed", "push"],
                        [[x.id, x.store_id, x.item_id, x.variant_id, x.seller_sku, x.title[:40],
                          x.platform_quantity, x.sku or "[yellow]unmapped[/]", x.mapped_by, x.pushed_quantity,
                          styled(x.push_state)] for x in rows],
                        justify_right=["id", "store", "platform qty", "pushed"]))


@listings_cli.command("map")
def listings_map(listing_id: int, sku_code: Annotated[str | None, typer.Argument(help="master SKU code")] = None,
                 unmap: Annotated[bool, typer.Option("--unmap", help="remove the mapping (and keep it off "
                                                                     "automatic mapping)")] = False) -> None:
    """Map a listing to a master SKU by hand, or --unmap it."""
    if (sku_code is None) == (not unmap):
        raise fail("give a SKU_CODE or --unmap")
    with opened() as a:
        a.listings.map(listing_id, None if unmap else sku_code)
    console.print(f"listing {listing_id} " + ("unmapped" if unmap else f"mapped to [bold]{sku_code}[/]"))


@listings_cli.command("automap")
def listings_automap() -> None:
    """Map unmapped listings whose seller SKU or barcode matches a master SKU."""
    with opened() as a:
        mapped, settled = a.listings.automap()
    console.print(f"{mapped} listings mapped; {settled} waiting orders now hold stock")


@listings_cli.command("unmapped-lines")
def listings_unmapped_lines(limit: Annotated[int, typer.Option(min=1)] = 500, json_out: JsonOpt = False) -> None:
    """Lines of open orders that no SKU covers: their stock is not reserved until the listing is mapped."""
    with opened() as a:
        rows = [UnmappedLineOut.of(r) for r in a.listings.unmapped_order_lines(limit)]
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"Unmapped order lines ({len(rows)})", ["order", "store", "seller sku", "item", "variant",
                                                                 "qty", "title"],
                        [[r.order_id, r.store_id, r.sku, r.item_id, r.variant_id, r.quantity, r.title[:40]]
                         for r in rows], justify_right=["order", "store", "qty"]))
