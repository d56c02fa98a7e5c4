"""Stock files in and reports out: CSV or XLSX with a header row; every bad line reported by its number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from crossdock.domain.inventory.model import Reason
from crossdock.ports.clock import Clock
from crossdock.services.errors import InvalidInput
from crossdock.services.inventory import Adjust, InventoryService, parse_int
from crossdock.services.unit_of_work import UowFactory

# Header names people use for the same column, lower-cased.
_ALIASES = {
    "warehouse": {"warehouse", "warehouse_code", "wh", "仓库"},
    "sku": {"sku", "sku_code", "master_sku", "code", "seller_sku"},
    "quantity": {"quantity", "qty", "count", "on_hand", "数量"},
    "note": {"note", "comment", "reason"},
}


@dataclass(slots=True)
class ImportResult:
    import_id: int
    filename: str
    mode: str
    lines: int
    applied: int
    errors: list[dict[str, Any]] = field(default_factory=list)


def read_table(name: str, content: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(line number as the seller sees it, cells) for every non-empty row of a CSV or XLSX, the header included."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:      # openpyxl raises many kinds for a file that is not a workbook
            raise InvalidInput(f"{name} is not a readable XLSX file: {exc}") from exc
        rows: Iterator[list[Any]] = ([("" if c is None else c) for c in r] for r in sheet.iter_rows(values_only=True))
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030")     # Excel in a Chinese locale saves CSV this way
        rows = (list(r) for r in csv.reader(io.StringIO(text)))
    for number, row in enumerate(rows, start=1):
        if any(str(c).strip() for c in row):
            yield number, row


def read_rows(name: str, content: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, {column: value}) for every data row of a stock file, its header checked first."""
    header: list[str] | None = None
    for number, row in read_table(name, content):
        if header is None:
            header = [_canonical(str(c)) for c in row]
            missing = {"warehouse", "sku", "quantity"} - set(header)
            if missing:
                raise InvalidInput(f"{name}: header row needs columns {', '.join(sorted(missing))} "
                                   f"(found {', '.join(str(c) for c in row)})")
            continue
        yield number, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}


def _canonical(name: str) -> str:
    key = name.strip().lower().replace(" ", "_")
    for canonical, names in _ALIASES.items():
        if key in names:
            return canonical
    return key


class StockFiles:
    def __init__(self, uow: UowFactory, inventory: InventoryService, clock: Clock) -> None:
        self._uow, self._inventory, self._clock = uow, inventory, clock

    def import_file(self, name: str, content: bytes, mode: str = "set") -> ImportResult:
        """mode "set": the file holds counted quantities (a stocktake); "add": quantities to add (negative
        removes). Good lines apply; each bad line is reported with its number and kept with the import."""
        if mode not in ("set", "add"):
            raise InvalidInput("mode is set (counted quantities) or add (changes)")
        changes: list[tuple[int, Adjust]] = []
        errors: list[dict[str, Any]] = []
        lines = 0
        for number, row in read_rows(name, content):
            lines += 1
            try:
                quantity = parse_int(row.get("quantity", ""))
            except ValueError as exc:
                errors.append({"line": number, "error": f"quantity: {exc}"})
                continue
            warehouse, sku = str(row.get("warehouse", "")).strip(), str(row.get("sku", "")).strip()
            if not warehouse or not sku:
                errors.append({"line": number, "error": "warehouse and sku are required"})
                continue
            ref = f"import:{Path(name).name}:{number}"
            changes.append((number, Adjust(warehouse, sku, count=quantity if mode == "set" else None,
                                           delta=quantity if mode == "add" else None, reason=Reason.IMPORT,
                                           reference=ref, note=str(row.get("note", "") or ""))))
        results = self._inventory.adjust([c for _, c in changes]) if changes else []
        for (number, _), problem in zip(changes, results, strict=True):
            if problem:
                errors.append({"line": number, "error": problem})
        errors.sort(key=lambda e: int(e["line"]))
        applied = sum(1 for r in results if r is None)
        with self._uow() as uow:
            import_id = uow.stock.record_import(Path(name).name, mode, lines, applied, errors, self._clock.now())
            uow.commit()
        return ImportResult(import_id, Path(name).name, mode, lines, applied, errors)


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue().encode("utf-8-sig")    # the BOM lets Excel open non-ASCII titles right


def to_xlsx(sheet_name: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name[:31]
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)
