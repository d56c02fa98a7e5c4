"""`crossdock stock`: levels, changes and their ledger, stock files, anomalies, allocation and the push to stores."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from crossdock.bootstrap import App
from crossdock.domain.inventory.model import Reason
from crossdock.interfaces.api.inventory_schemas import (
    AllocationOut,
    AnomalyOut,
    ImportOut,
    LedgerOut,
    LevelOut,
    ManualReason,
    PushReportOut,
)
from crossdock.interfaces.cli.catalogue import ExistingFile, show_line_errors
from crossdock.interfaces.cli.context import JsonOpt, fail, opened
from crossdock.interfaces.cli.render import console, emit_json, err, table, when
from crossdock.services.inventory import Adjust
from crossdock.services.stock_files import to_csv, to_xlsx
from crossdock.services.stock_reports import COLUMNS

stock_cli = typer.Typer(no_args_is_help=True, help="Stock in every warehouse and what each store is shown.")


class ImportMode(StrEnum):
    SET = "set"     # the file holds counted quantities (a stocktake)
    ADD = "add"     # the file holds quantities to add (negative removes)


def show_levels(rows: list[LevelOut], title: str = "Stock") -> None:
    console.print(table(title, ["sku", "title", "warehouse", "on hand", "reserved", "available", "inbound"],
                        [[v.sku, v.title, v.warehouse, v.on_hand, v.reserved, v.available, v.inbound] for v in rows],
                        justify_right=["on hand", "reserved", "available", "inbound"]))


@stock_cli.command("show")
def stock_show(sku: Annotated[str | None, typer.Option(help="one SKU code")] = None,
               warehouse: Annotated[str | None, typer.Option(help="one warehouse code")] = None,
               json_out: JsonOpt = False) -> None:
    """Stock per SKU and warehouse: on hand, reserved for orders, available, inbound."""
    with opened() as a:
        rows = [LevelOut.of(v) for v in a.inventory.levels(sku, warehouse)]
    if json_out:
        emit_json(rows)
    else:
        show_levels(rows)


@stock_cli.command("adjust")
def stock_adjust(
    warehouse: str, sku: str,
    add: Annotated[int | None, typer.Option("--add", help="units to add (negative removes)")] = None,
    count: Annotated[int | None, typer.Option("--count", help="the counted level")] = None,
    reason: Annotated[ManualReason, typer.Option()] = ManualReason.ADJUSTMENT,
    reference: Annotated[str, typer.Option(help="the count sheet, delivery or return it comes from")] = "",
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Change one SKU in one warehouse by --add N or to a counted --count N; recorded in the ledger."""
    if (add is None) == (count is None):
        raise fail("give either --add N or --count N")
    change = Adjust(warehouse, sku, delta=add, count=count, reason=Reason(reason.value), reference=reference,
                    note=note)
    with opened() as a:
        [problem] = a.inventory.adjust([change])
        if problem:
            raise fail(problem)
        show_levels([LevelOut.of(v) for v in a.inventory.levels(sku, warehouse)], "Stock now")


@stock_cli.command("transfer")
def stock_transfer(sku: str, source: Annotated[str, typer.Argument(metavar="FROM")],
                   target: Annotated[str, typer.Argument(metavar="TO")], units: int,
                   reference: Annotated[str, typer.Option()] = "") -> None:
    """Move units of a SKU from one warehouse to another: both legs or neither."""
    with opened() as a:
        a.inventory.transfer(sku, source, target, units, reference)
        show_levels([LevelOut.of(v) for v in a.inventory.levels(sku)], "Stock now")


@stock_cli.command("import")
def stock_import(file: ExistingFile,
                 mode: Annotated[ImportMode, typer.Option(help="set: counted quantities; add: changes")]
                 = ImportMode.SET,
                 json_out: JsonOpt = False) -> None:
    """Apply a stock file (columns warehouse, sku, quantity, note); bad lines are listed by number.

    The good lines apply all the same; the command exits 1 when any line failed."""
    with opened() as a, err.status(f"importing {file.name} …", spinner="dots"):
        result = ImportOut.of(a.stock_files.import_file(file.name, file.read_bytes(), mode.value))
    if json_out:
        emit_json(result)
    else:
        console.print(f"{result.applied} of {result.lines} lines applied from {result.filename} "
                      f"(import {result.import_id}, mode {result.mode})")
        show_line_errors([e.model_dump() for e in result.errors])
    if result.errors:
        raise typer.Exit(1)


@stock_cli.command("ledger")
def stock_ledger(sku: Annotated[str | None, typer.Option()] = None,
                 warehouse: Annotated[str | None, typer.Option()] = None,
                 reference: Annotated[str | None, typer.Option(help="e.g. order:12 or import:count.csv:4")] = None,
                 limit: Annotated[int, typer.Option(min=1)] = 50, json_out: JsonOpt = False) -> None:
    """Every change of stock, newest first, with why and what caused it."""
    with opened() as a:
        rows = [LedgerOut.of(r) for r in a.inventory.ledger(sku, warehouse, reference, limit)]
    if json_out:
        emit_json(rows)
        return
    console.print(table("Stock ledger", ["at (UTC)", "warehouse", "sku", "reason", "reference", "on hand",
                                         "reserved", "inbound", "on hand after", "note"],
                        [[when(r.at), r.warehouse, r.sku, r.reason, r.reference, _signed(r.on_hand_delta),
                          _signed(r.reserved_delta), _signed(r.inbound_delta), r.on_hand_after, r.note]
                         for r in rows], justify_right=["on hand", "reserved", "inbound", "on hand after"]))


def _signed(n: int) -> str:
    return f"{n:+d}" if n else ""


def _export(path: Path, rows: list[AnomalyOut]) -> None:
    data = [r.model_dump() for r in rows]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.write_bytes(to_csv(COLUMNS, data))
    elif suffix == ".xlsx":
        path.write_bytes(to_xlsx("anomalies", COLUMNS, data))
    else:
        raise fail(f"export to a .csv or .xlsx file, not {path.name}")
    err.print(f"{len(rows)} anomalies written to {path}")


@stock_cli.command("anomalies")
def stock_anomalies(export: Annotated[Path | None, typer.Option(help="write them to out.csv or out.xlsx")] = None,
                    json_out: JsonOpt = False) -> None:
    """What needs a look: quantity mismatches, unmapped listings and order lines, oversold orders, low stock."""
    with opened() as a:
        rows = [AnomalyOut(**r) for r in a.reports.anomalies()]
    if export is not None:
        _export(export, rows)
    if json_out:
        emit_json(rows)
    elif export is None:
        console.print(table(f"Anomalies ({len(rows)})", ["kind", "store", "listing", "order", "sku",
                                                         "seller sku", "platform", "crossdock", "available",
                                                         "detail"],
                            [[r.kind, r.store_id, r.listing_id, r.order_id, r.sku, r.seller_sku,
                              r.platform_quantity, r.crossdock_quantity, r.available, r.detail] for r in rows],
                            justify_right=["platform", "crossdock", "available"]))


@stock_cli.command("push")
def stock_push(json_out: JsonOpt = False) -> None:
    """Push the quantities of changed SKUs to every store with pushing on. Exits 2 when a listing failed."""
    with opened() as a, err.status("pushing quantities …", spinner="dots"):
        report = PushReportOut.of(a.pusher.push_dirty())
    if json_out:
        emit_json(report)
    else:
        console.print(f"{report.pushed} of {report.listings} listings pushed, {report.failed} failed, "
                      f"{report.unchanged} already right; {report.stores} stores, {report.api_calls} calls, "
                      f"{report.seconds}s")
        for line in report.errors:
            err.print(f"[red]{line}[/]")
    if report.failed:
        raise typer.Exit(2)


def _ratio(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise fail(f"--ratio {text!r} is not a number between 0 and 1") from None


@stock_cli.command("allocate")
def stock_allocate(store_id: int, warehouse: str,
                   ratio: Annotated[str | None, typer.Option(help="share of available units, 0 to 1")] = None,
                   quota: Annotated[int | None, typer.Option(help="at most this many units")] = None,
                   clear: Annotated[bool, typer.Option("--clear", help="remove the rule")] = False) -> None:
    """Set what share of a warehouse's stock a store shows: a ratio, a quota, or no rule.

    Once a store has any rule, the warehouses without one give it nothing."""
    if [ratio is not None, quota is not None, clear].count(True) != 1:
        raise fail("give one of --ratio, --quota or --clear")
    with opened() as a:
        a.inventory.set_share(store_id, warehouse, ratio=_ratio(ratio) if ratio is not None else None, quota=quota)
        show_allocation(allocation_of(a, store_id))


def allocation_of(a: App, store_id: int) -> AllocationOut:
    a.stores.get(store_id)       # says "no store" for an id that does not exist
    return AllocationOut.of(a.inventory.allocation(store_id))


def show_allocation(out: AllocationOut) -> None:
    safety = "each SKU's own" if out.safety_stock is None else str(out.safety_stock)
    console.print(f"store {out.store_id}: pushing {'[green]on[/]' if out.push_enabled else 'off'}, "
                  f"safety stock {safety}")
    console.print(table("Allocation", ["warehouse", "ratio", "quota"],
                        [[w, s.ratio, s.quota] for w, s in out.shares.items()], justify_right=["ratio", "quota"]))


@stock_cli.command("allocation")
def stock_allocation(store_id: int, json_out: JsonOpt = False) -> None:
    """A store's shares of each warehouse and whether quantities are pushed to it."""
    with opened() as a:
        out = allocation_of(a, store_id)
    if json_out:
        emit_json(out)
    else:
        show_allocation(out)


@stock_cli.command("enable-push")
def stock_enable_push(store_id: int, safety_stock: Annotated[int | None, typer.Option(
        help="this store's own safety threshold (default: each SKU's)")] = None) -> None:
    """Start pushing quantities to a store's listings (do it once its stock was counted)."""
    with opened() as a:
        a.inventory.set_store_push(store_id, True, safety_stock)
        show_allocation(allocation_of(a, store_id))
    console.print("run `crossdock stock push` to send the quantities now")


@stock_cli.command("disable-push")
def stock_disable_push(store_id: int) -> None:
    """Stop pushing quantities to a store's listings."""
    with opened() as a:
        a.inventory.set_store_push(store_id, False)
        show_allocation(allocation_of(a, store_id))
