"""SKU files (CSV or XLSX, one SKU a line) read into AddSku commands; every bad line reported by its number."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from crossdock.services.errors import InvalidInput
from crossdock.services.inventory import AddSku, InventoryService, Temperature, parse_int
from crossdock.services.stock_files import read_table

COLUMNS = ("code", "title", "barcode", "weight_kg", "length_cm", "width_cm", "height_cm", "cost", "cost_currency",
           "temperature", "safety_stock", "components", "hs_code", "origin_country")
_DECIMALS = ("weight_kg", "length_cm", "width_cm", "height_cm", "cost")


@dataclass(slots=True)
class SkuImport:
    filename: str
    lines: int = 0
    added: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)   # {"line": n, "error": why}


def parse_component(text: str) -> tuple[str, int]:
    """'CUP:2', 'CUP=2' or 'CUP' (one unit) -> ('CUP', 2)."""
    code, sep, units = text.replace("=", ":").partition(":")
    if not code.strip():
        raise ValueError(f"component {text!r} has no SKU code")
    try:
        return code.strip(), parse_int(units) if sep else 1
    except ValueError as exc:
        raise ValueError(f"component {text!r}: {exc}") from exc


def parse_components(text: str) -> dict[str, int]:
    """'A:1;B:2' -> {'A': 1, 'B': 2}; empty means a single SKU, not a bundle."""
    parts = [parse_component(p) for p in str(text).split(";") if p.strip()]
    codes = [c for c, _ in parts]
    if len(set(codes)) != len(codes):
        raise ValueError(f"a component is listed twice in {text!r}")
    return dict(parts)


def parse_decimal(name: str, value: Any) -> Decimal | None:
    text = str(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{name}: {text!r} is not a number") from exc
    if not number.is_finite() or number < 0:
        raise ValueError(f"{name}: {text!r} must be a number, not negative")
    return number


def sku_from_row(row: dict[str, Any]) -> AddSku:
    """One file line as a command; ValueError says which cell is wrong."""
    text = {k: str(v).strip() for k, v in row.items()}
    temperature = text.get("temperature", "").lower() or Temperature.AMBIENT.value
    if temperature not in {t.value for t in Temperature}:
        raise ValueError(f"temperature: {temperature!r} is not one of {', '.join(t.value for t in Temperature)}")
    try:
        safety = parse_int(text.get("safety_stock") or 0)
    except ValueError as exc:
        raise ValueError(f"safety_stock: {exc}") from exc
    n = {name: parse_decimal(name, text.get(name, "")) for name in _DECIMALS}
    return AddSku(code=text.get("code", ""), title=text.get("title", ""), barcode=text.get("barcode") or None,
                  weight_kg=n["weight_kg"], length_cm=n["length_cm"], width_cm=n["width_cm"],
                  height_cm=n["height_cm"], cost=n["cost"], cost_currency=text.get("cost_currency") or None,
                  temperature=Temperature(temperature), safety_stock=safety,
                  components=parse_components(text.get("components", "")), hs_code=text.get("hs_code", ""),
                  origin_country=text.get("origin_country") or "CN")


def _header(name: str, row: list[Any]) -> list[str]:
    header = [str(c).strip().lower().replace(" ", "_") for c in row]
    missing = {"code", "title"} - set(header)
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        raise InvalidInput(f"{name}: the header row needs code and title and may have {', '.join(COLUMNS[2:])}"
                           + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    return header


def read_skus(name: str, content: bytes) -> tuple[list[tuple[int, AddSku]], list[dict[str, Any]], int]:
    """(good lines as commands, bad lines with why, number of data lines)."""
    header: list[str] | None = None
    good: list[tuple[int, AddSku]] = []
    errors: list[dict[str, Any]] = []
    lines = 0
    for number, row in read_table(name, content):
        if header is None:
            header = _header(name, row)
            continue
        lines += 1
        try:
            good.append((number, sku_from_row({h: (row[i] if i < len(row) else "") for i, h in enumerate(header)
                                               if h})))
        except ValueError as exc:
            errors.append({"line": number, "error": str(exc)})
    return good, errors, lines


def import_skus(inventory: InventoryService, name: str, content: bytes,
                progress: Callable[[int, int], None] | None = None) -> SkuImport:
    """Add every good line (a bundle may come before its components: singles go first); a refused line is
    reported with its number and the others still go in."""
    good, errors, lines = read_skus(name, content)
    result = SkuImport(name, lines, errors=errors)
    ordered = sorted(good, key=lambda item: (bool(item[1].components), item[0]))
    for done, (number, cmd) in enumerate(ordered, start=1):
        try:
            inventory.add_sku(cmd)
            result.added.append(cmd.code.strip())
        except InvalidInput as exc:
            result.errors.append({"line": number, "error": str(exc)})
        if progress:
            progress(done, len(ordered))
    result.errors.sort(key=lambda e: int(e["line"]))
    return result
