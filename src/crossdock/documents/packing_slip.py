"""Packing slips: the sheet that goes into the parcel, one (or more, when long) A4 page per shipment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from crossdock.documents import _a4, _barcodes, _format, _text
from crossdock.documents.model import PackingSlip
from crossdock.domain.errors import DomainError

# SKU, item, variant, quantity
WIDTHS = (38 * mm, 82 * mm, 45 * mm, 15 * mm)
CENTRED = ParagraphStyle("centred", parent=_a4.SMALL, alignment=TA_CENTER)
# A note sits in one boxed cell that cannot split across pages; marketplaces cap notes well below this.
NOTE_LIMIT = 1500


def render_packing_slips(slips: Sequence[PackingSlip]) -> bytes:
    """One packing slip per shipment, each starting on a new page."""
    if not slips:
        raise DomainError("no packing slips to render")
    current: dict[str, PackingSlip] = {}
    story: list[Flowable] = []
    for i, slip in enumerate(slips):
        if i:
            story.append(PageBreak())
        story.append(_Current(current, slip))
        story.extend(_slip(slip))

    def footer(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        slip = current.get("slip")
        if slip is not None:
            text = f"{slip.store_name}  -  order {slip.order_ref}  -  shipment {slip.shipment_ref}"
            _text.draw(canvas, _a4.MARGIN, _a4.MARGIN - 6 * mm, _text.clip(text, _a4.CONTENT_WIDTH, 7.5), 7.5)

    return _a4.build(story, title="Packing slips", on_page_end=footer)


def _slip(slip: PackingSlip) -> list[Flowable]:
    barcode = _barcodes.code128(slip.shipment_ref, "shipment reference", 85 * mm, 14 * mm)
    left = [
        _a4.para(slip.store_name or "Packing slip", _a4.TITLE),
        Spacer(1, 1 * mm),
        Paragraph("PACKING SLIP", _a4.LABEL),
        Spacer(1, 2 * mm),
        _a4.para(f"Order: {slip.order_ref}", _a4.STRONG),
        _a4.para(f"Shipment: {slip.shipment_ref}", _a4.BODY),
    ]
    right = [barcode, _a4.para(slip.shipment_ref, CENTRED)]
    top = Table([[left, right]], colWidths=[_a4.CONTENT_WIDTH - 90 * mm, 90 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))

    address = _format.address_lines(slip.ship_to)
    if slip.ship_to.phone:
        address.append(f"Tel {slip.ship_to.phone}")
    ship_to = [Paragraph("SHIP TO", _a4.LABEL), _a4.lines(address, _a4.BODY)]

    head = [Paragraph("SKU", _a4.HEAD), Paragraph("Item", _a4.HEAD), Paragraph("Variant", _a4.HEAD),
            Paragraph("Qty", _a4.HEAD_RIGHT)]
    rows: list[list[Any]] = [head]
    for line in slip.lines:
        rows.append([_a4.para(line.sku, _a4.CELL), _a4.para(line.title, _a4.CELL), _a4.para(line.variant, _a4.CELL),
                     Paragraph(str(line.quantity), _a4.HEAD_RIGHT)])
    units = sum(line.quantity for line in slip.lines)

    story: list[Flowable] = [top, Spacer(1, 6 * mm), *ship_to, Spacer(1, 6 * mm)]
    if slip.lines:
        story.append(_a4.data_table(rows, WIDTHS, numeric_columns=(3,)))
    story += [Spacer(1, 3 * mm),
              _a4.para(f"{len(slip.lines)} lines, {units} items in this parcel", _a4.STRONG)]
    if slip.buyer_note.strip():
        text = slip.buyer_note.strip()
        if len(text) > NOTE_LIMIT:
            text = text[:NOTE_LIMIT] + "…"
        note = Table([[[Paragraph("NOTE FROM THE BUYER", _a4.LABEL), _a4.para(text, _a4.BODY)]]],
                     colWidths=[_a4.CONTENT_WIDTH])
        note.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                                  ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
        story += [Spacer(1, 6 * mm), note]
    return story


class _Current(Flowable):
    """Zero-size marker: when laid out, it tells the page footer which shipment the page belongs to."""

    def __init__(self, holder: dict[str, PackingSlip], slip: PackingSlip) -> None:
        super().__init__()
        self._holder = holder
        self._slip = slip

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self._holder["slip"] = self._slip
