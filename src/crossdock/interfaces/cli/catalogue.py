"""`crossdock skus` and `crossdock warehouses`: the master catalogue and where its stock is kept."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from crossdock.bootstrap import App
from crossdock.interfaces.api.inventory_schemas import SkuImportOut, SkuOut, WarehouseOut
from crossdock.interfaces.cli.context import JsonOpt, fail, opened
from crossdock.interfaces.cli.render import console, emit_json, err, table
from crossdock.services.inventory import AddSku, AddWarehouse, Temperature, WarehouseKind
from crossdock.services.sku_files import SkuImport, import_skus, parse_component, parse_decimal

skus_cli = typer.Typer(no_args_is_help=True, help="The master catalogue: SKUs and bundles.")
warehouses_cli = typer.Typer(no_args_is_help=True, help="Warehouses stock is kept in.")

ExistingFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                              help="a .csv or .xlsx file with a header row")]


def decimal_option(name: str, value: str | None) -> Decimal | None:
    try:
        return parse_decimal(name, value or "")
    except ValueError as exc:
        raise fail(str(exc)) from None


def components_option(values: list[str] | None) -> dict[str, int]:
    try:
        parts = [parse_component(v) for v in values or []]
    except ValueError as exc:
        raise fail(str(exc)) from None
    return dict(parts)


def show_line_errors(errors: list[dict[str, Any]]) -> None:
    if errors:
        err.print(table(f"Lines not taken in ({len(errors)})", ["line", "error"],
                        [[e["line"], e["error"]] for e in errors], justify_right=["line"]))


@skus_cli.command("add")
def skus_add(
    code: str,
    title: Annotated[str, typer.Option(help="what the seller calls it")],
    barcode: Annotated[str | None, typer.Option(help="EAN/UPC; listings carrying it map to this SKU")] = None,
    weight_kg: Annotated[str | None, typer.Option(help="e.g. 0.35")] = None,
    length_cm: Annotated[str | None, typer.Option()] = None,
    width_cm: Annotated[str | None, typer.Option()] = None,
    height_cm: Annotated[str | None, typer.Option()] = None,
    cost: Annotated[str | None, typer.Option(help="unit cost, e.g. 12.50")] = None,
    cost_currency: Annotated[str | None, typer.Option(help="ISO 4217, e.g. CNY")] = None,
    temperature: Annotated[Temperature, typer.Option()] = Temperature.AMBIENT,
    safety_stock: Annotated[int, typer.Option(help="listings show 0 at or under this many units")] = 0,
    component: Annotated[list[str] | None, typer.Option(
        "--component", help="CODE=QTY, repeatable: makes this SKU a bundle of those")] = None,
    hs_code: Annotated[str, typer.Option(help="customs tariff code, 6 to 10 digits (commercial invoices)")] = "",
    origin: Annotated[str, typer.Option(help="country of origin, ISO 3166-1 alpha-2")] = "CN",
) -> None:
    """Add a SKU (or a bundle with --component), then map the listings that carry its code or barcode."""
    cmd = AddSku(code=code, title=title, barcode=barcode, weight_kg=decimal_option("weight_kg", weight_kg),
                 length_cm=decimal_option("length_cm", length_cm), width_cm=decimal_option("width_cm", width_cm),
                 height_cm=decimal_option("height_cm", height_cm), cost=decimal_option("cost", cost),
                 cost_currency=cost_currency, temperature=temperature, safety_stock=safety_stock,
                 components=components_option(component), hs_code=hs_code, origin_country=origin)
    with opened() as a:
        a.inventory.add_sku(cmd)
        mapped, _ = a.listings.automap()
    kind = f"bundle of {len(cmd.components)}" if cmd.components else "SKU"
    console.print(f"{kind} [bold]{cmd.code}[/] added" + (f"; {mapped} listings mapped to it" if mapped else ""))


@skus_cli.command("list")
def skus_list(search: Annotated[str, typer.Option(help="part of a code or title, or a barcode")] = "",
              limit: Annotated[int, typer.Option(min=1)] = 200, offset: Annotated[int, typer.Option(min=0)] = 0,
              json_out: JsonOpt = False) -> None:
    """The catalogue, by code."""
    with opened() as a:
        rows = [SkuOut.of(r) for r in a.inventory.skus(search, limit, offset)]
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"SKUs ({len(rows)})", ["code", "title", "kind", "barcode", "weight kg", "cost",
                                                "temperature", "safety"],
                        [[s.code, s.title, s.kind, s.barcode, s.weight_kg,
                          f"{s.cost} {s.cost_currency}" if s.cost else None, s.temperature, s.safety_stock]
                         for s in rows], justify_right=["weight kg", "cost", "safety"]))


def _import_with_progress(a: App, file: Path, quiet: bool) -> SkuImport:
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
                  disable=quiet, transient=True) as bar:
        task = bar.add_task(f"adding SKUs from {file.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return import_skus(a.inventory, file.name, file.read_bytes(), progress)


@skus_cli.command("import")
def skus_import(file: ExistingFile, json_out: JsonOpt = False) -> None:
    """Add the SKUs of a CSV or XLSX file; bad lines are listed by number, the rest go in.

    Columns: code, title, barcode, weight_kg, length_cm, width_cm, height_cm,
    cost, cost_currency, temperature, safety_stock, components (a bundle: "A:1;B:2"), hs_code, origin_country.
    Listings are mapped afterwards; exits 1 when any line was not taken in."""
    with opened() as a:
        result = _import_with_progress(a, file, json_out)
        mapped, _ = a.listings.automap()
    if json_out:
        emit_json(SkuImportOut.of(result, mapped))
    else:
        console.print(f"{len(result.added)} of {result.lines} lines added from {file.name}; "
                      f"{mapped} listings mapped")
        show_line_errors(result.errors)
    if result.errors:
        raise typer.Exit(1)


@skus_cli.command("safety")
def skus_safety(code: str, units: int) -> None:
    """Set a SKU's safety stock: its listings show 0 when available stock is at or under it."""
    with opened() as a:
        a.inventory.set_safety_stock(code, units)
    console.print(f"safety stock of {code} set to {units}")


@warehouses_cli.command("add")
def warehouses_add(
    code: str,
    name: Annotated[str, typer.Option()],
    country: Annotated[str, typer.Option(help="two-letter country code, e.g. GB")],
    kind: Annotated[WarehouseKind, typer.Option()] = WarehouseKind.OWN,
    priority: Annotated[int, typer.Option(help="lower ships first")] = 100,
) -> None:
    """Add a warehouse."""
    with opened() as a:
        a.inventory.add_warehouse(AddWarehouse(code, name, country, kind, priority))
    console.print(f"warehouse [bold]{code}[/] added")


@warehouses_cli.command("list")
def warehouses_list(json_out: JsonOpt = False) -> None:
    """Every warehouse, in the order orders take stock from them."""
    with opened() as a:
        rows = [WarehouseOut(**w) for w in a.inventory.warehouses()]
    if json_out:
        emit_json(rows)
        return
    console.print(table("Warehouses", ["code", "name", "country", "kind", "priority", "active"],
                        [[w.code, w.name, w.country, w.kind, w.priority, "yes" if w.active else "no"] for w in rows],
                        justify_right=["priority"]))
