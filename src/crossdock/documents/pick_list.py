"""The pick list of a warehouse wave: one walk through the bins, in bin order, with what to take from each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Paragraph, Spacer

from crossdock.documents import _a4, _barcodes, _format, _text
from crossdock.documents.model import PickLine, PickList

HEADER_HEIGHT = 30 * mm
# Location, SKU, title, quantity, picked tick box, orders served.
WIDTHS = (26 * mm, 34 * mm, 60 * mm, 13 * mm, 12 * mm, 35 * mm)


@dataclass(frozen=True, slots=True)
class PickRow:
    location: str
    sku: str
    title: str
    quantity: int
    order_refs: tuple[str, ...]


def natural_key(text: str) -> tuple[Any, ...]:
    """Bins sort as people read them: A-2 before A-10."""
    parts = re.split(r"(\d+)", text.casefold())
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def pick_rows(lines: tuple[PickLine, ...]) -> list[PickRow]:
    """Lines for the same SKU in the same bin are merged, then sorted by bin and SKU."""
    merged: dict[tuple[str, str], PickRow] = {}
    for line in lines:
        key = (line.location.strip(), line.sku.strip())
        seen = merged.get(key)
        if seen is None:
            merged[key] = PickRow(key[0], key[1], line.title, line.quantity, tuple(dict.fromkeys(line.order_refs)))
        else:
            refs = tuple(dict.fromkeys(seen.order_refs + line.order_refs))
            merged[key] = PickRow(seen.location, seen.sku, seen.title, seen.quantity + line.quantity, refs)
    return sorted(merged.values(), key=lambda r: (natural_key(r.location), natural_key(r.sku)))


def render_pick_list(pick_list: PickList) -> bytes:
    rows = pick_rows(pick_list.lines)
    wave = _barcodes.code128(pick_list.wave_id, "wave id", 75 * mm, 12 * mm)

    def header(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        top = _a4.PAGE_HEIGHT - _a4.MARGIN
        _text.draw(canvas, _a4.MARGIN, top - 6 * mm, "PICK LIST", 17, bold=True)
        warehouse = " - ".join(p for p in (pick_list.warehouse_code, pick_list.warehouse_name) if p)
        _text.draw(canvas, _a4.MARGIN, top - 12 * mm, _text.clip(f"Warehouse: {warehouse}", 95 * mm, 10), 10)
        _text.draw(canvas, _a4.MARGIN, top - 17 * mm, f"Wave: {pick_list.wave_id}", 10, bold=True)
        _text.draw(canvas, _a4.MARGIN, top - 22 * mm, f"Created: {_format.timestamp(pick_list.created_at)}", 9)
        x = _barcodes.snap(_a4.PAGE_WIDTH - _a4.MARGIN - wave.width)
        wave.drawOn(canvas, x, top - 17 * mm)
        _text.draw_centred(canvas, x + wave.width / 2, top - 21 * mm, pick_list.wave_id, 8)
        canvas.setStrokeColor(colors.black)
        canvas.line(_a4.MARGIN, top - HEADER_HEIGHT + 3 * mm, _a4.PAGE_WIDTH - _a4.MARGIN,
                    top - HEADER_HEIGHT + 3 * mm)

    story: list[Flowable] = []
    if rows:
        story.append(_table(rows))
    else:
        story.append(_a4.para("Nothing to pick in this wave.", _a4.STRONG))
    story += [Spacer(1, 5 * mm), _totals(rows)]
    return _a4.build(story, title=f"Pick list {pick_list.wave_id}", header_height=HEADER_HEIGHT, on_page=header,
                     footer=lambda n, total: f"Wave {pick_list.wave_id}  -  page {n} of {total}")


def _table(rows: list[PickRow]) -> Flowable:
    head = [Paragraph(t, _a4.HEAD_RIGHT if t == "Qty" else _a4.HEAD)
            for t in ("Location", "SKU", "Title", "Qty", "Picked", "Orders")]
    body: list[list[Any]] = [head]
    extra: list[tuple[Any, ...]] = []
    previous = None
    for i, row in enumerate(rows, start=1):
        first_in_bin = row.location != previous
        previous = row.location
        if first_in_bin and i > 1:
            extra.append(("LINEABOVE", (0, i), (-1, i), 1.0, colors.black))
        body.append([
            _a4.para(row.location, _a4.HEAD) if first_in_bin else "",
            _a4.para(row.sku, _a4.CELL),
            _a4.para(row.title, _a4.CELL),
            Paragraph(str(row.quantity), _a4.HEAD_RIGHT),
            _TickBox(),
            _a4.para(", ".join(row.order_refs), _a4.CELL),
        ])
    return _a4.data_table(body, WIDTHS, numeric_columns=(3,), extra=extra)


def _totals(rows: list[PickRow]) -> Flowable:
    locations = len({r.location for r in rows})
    units = sum(r.quantity for r in rows)
    orders = len({ref for r in rows for ref in r.order_refs})
    return _a4.para(f"Totals: {len(rows)} lines, {locations} locations, {units} units, {orders} orders", _a4.STRONG)


class _TickBox(Flowable):
    """An empty square for the picker's pen."""

    SIDE = 3.5 * mm

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.SIDE, self.SIDE

    def draw(self) -> None:
        self.canv.setLineWidth(0.7)
        self.canv.rect(0, 0, self.SIDE, self.SIDE)
