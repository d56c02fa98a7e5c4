"""Parcel labels of our own, 100 x 150 mm (4 x 6 in thermal stock), one page per parcel."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from crossdock.documents import _barcodes, _format, _text
from crossdock.documents.model import LabelData
from crossdock.domain.errors import DomainError

PAGE_WIDTH = 100 * mm
PAGE_HEIGHT = 150 * mm
MARGIN = 3 * mm
INNER = PAGE_WIDTH - 2 * MARGIN
# The barcode may use almost the full width: its quiet zones are white, only the stock's edge must be avoided.
BARCODE_MAX_WIDTH = PAGE_WIDTH - 4 * mm

# Bands from the top of the page down, as (top, bottom) in points.
HEADER = (150 * mm, 133 * mm)
SENDER = (133 * mm, 113 * mm)
RECIPIENT = (113 * mm, 64 * mm)
INFO = (64 * mm, 55 * mm)
TRACKING = (55 * mm, 21 * mm)
REFERENCE = (21 * mm, 0.0)


def render_labels(labels: Sequence[LabelData]) -> bytes:
    """One 100 x 150 mm page per label, in the given order."""
    if not labels:
        raise DomainError("no labels to render")
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle("Shipping labels")
    canvas.setCreator("Crossdock")
    for label in labels:
        _draw_label(canvas, label)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_label(c: Canvas, label: LabelData) -> None:
    # Barcodes are built first so that a bad tracking number fails before anything is drawn.
    tracking = _barcodes.code128(label.tracking_number, "tracking number", BARCODE_MAX_WIDTH, 25 * mm)
    reference = _barcodes.code128(label.reference, "shipment reference", BARCODE_MAX_WIDTH, 9 * mm,
                                  max_dots=2, min_dots=1)
    _header(c, label)
    _sender(c, label)
    _recipient(c, label)
    _info(c, label)
    for _, bottom in (HEADER, SENDER, RECIPIENT, INFO, TRACKING):
        c.setLineWidth(1.2)
        c.line(MARGIN, bottom, PAGE_WIDTH - MARGIN, bottom)

    x = _barcodes.snap((PAGE_WIDTH - tracking.width) / 2)
    tracking.drawOn(c, x, TRACKING[1] + 8 * mm)
    size = _text.fit_size(label.tracking_number, INNER, 13, 8, bold=True)
    _text.draw_centred(c, PAGE_WIDTH / 2, TRACKING[1] + 3 * mm, label.tracking_number, size, bold=True)

    x = _barcodes.snap((PAGE_WIDTH - reference.width) / 2)
    reference.drawOn(c, x, REFERENCE[1] + 8 * mm)
    _text.draw_centred(c, PAGE_WIDTH / 2, REFERENCE[1] + 4 * mm, f"Ref {label.reference}", 8)


def _header(c: Canvas, label: LabelData) -> None:
    top, bottom = HEADER
    right = PAGE_WIDTH - MARGIN
    text_right = right
    if label.routing_code:
        box_width = 38 * mm
        c.setFillGray(0)
        c.rect(right - box_width, bottom + 1.5 * mm, box_width, top - bottom - 3.5 * mm, stroke=0, fill=1)
        c.setFillGray(1)
        size = _text.fit_size(label.routing_code, box_width - 3 * mm, 26, 9, bold=True)
        _text.draw_centred(c, right - box_width / 2, bottom + 5 * mm, label.routing_code, size, bold=True)
        c.setFillGray(0)
        text_right = right - box_width - 2 * mm
    avail = text_right - MARGIN
    size = _text.fit_size(label.carrier_name, avail, 16, 8, bold=True)
    _text.draw(c, MARGIN, top - 7 * mm, _text.clip(label.carrier_name, avail, size, True), size, bold=True)
    service = _text.clip(label.service, avail, 10)
    _text.draw(c, MARGIN, top - 12.5 * mm, service, 10)


def _sender(c: Canvas, label: LabelData) -> None:
    top, bottom = SENDER
    _text.draw(c, MARGIN, top - 3 * mm, "FROM", 6, bold=True)
    lines = _format.address_lines(label.shipper)
    if label.shipper.phone:
        lines.append(f"Tel {label.shipper.phone}")
    size = 7.0
    leading = size * 1.15
    y = top - 3 * mm - leading
    x = MARGIN + 9 * mm
    for line in _wrap_all(lines, PAGE_WIDTH - MARGIN - x, size):
        if y < bottom + 1 * mm:
            break
        _text.draw(c, x, y, line, size)
        y -= leading


def _recipient(c: Canvas, label: LabelData) -> None:
    top, bottom = RECIPIENT
    _text.draw(c, MARGIN, top - 4 * mm, "TO", 9, bold=True)
    lines = _format.address_lines(label.recipient, with_name=False)
    phone = f"Tel {label.recipient.phone}" if label.recipient.phone else ""
    x = MARGIN + 9 * mm
    avail_width = PAGE_WIDTH - MARGIN - x
    floor = bottom + (9 * mm if label.pickup_point else 2 * mm)

    # Shrink the whole block together until it fits, so the name stays the largest line.
    for size in (12.0, 11.0, 10.0, 9.0, 8.0, 7.0):
        name_size = size + 2
        name = _text.wrap(label.recipient.name, avail_width, name_size, bold=True)
        body = _wrap_all(lines, avail_width, size)
        height = len(name) * name_size * 1.15 + len(body) * size * 1.2 + (size * 1.3 if phone else 0)
        if height <= top - 2 * mm - floor:
            break
    y = top - 2 * mm - name_size
    for line in name:
        _text.draw(c, x, y, line, name_size, bold=True)
        y -= name_size * 1.15
    for i, line in enumerate(body):
        if y < floor:
            break
        # The last line is the country; it and the postcode line matter most to sorting, so they stand out.
        _text.draw(c, x, y, line, size, bold=i == len(body) - 1)
        y -= size * 1.2
    if phone and y >= floor:
        _text.draw(c, x, y - size * 0.1, phone, size - 1)

    if label.pickup_point:
        c.setFillGray(0)
        c.rect(MARGIN, bottom + 1 * mm, INNER, 7 * mm, stroke=0, fill=1)
        c.setFillGray(1)
        text = f"PICK-UP POINT: {label.pickup_point}"
        size = _text.fit_size(text, INNER - 3 * mm, 10, 6, bold=True)
        _text.draw(c, MARGIN + 1.5 * mm, bottom + 3.3 * mm, _text.clip(text, INNER - 3 * mm, size, True), size,
                   bold=True)
        c.setFillGray(0)


def _info(c: Canvas, label: LabelData) -> None:
    top, bottom = INFO
    cells = [
        ("WEIGHT", _format.kilograms(label.weight_grams)),
        ("PARCEL", f"{label.parcel_index}/{label.parcel_count}"),
        ("SERVICE", label.service or "-"),
    ]
    cell_width = INNER / len(cells)
    for i, (caption, value) in enumerate(cells):
        x = MARGIN + i * cell_width
        if i:
            c.setLineWidth(0.8)
            c.line(x, bottom, x, top)
        _text.draw(c, x + 1.5 * mm, top - 3 * mm, caption, 6, bold=True)
        size = _text.fit_size(value, cell_width - 3 * mm, 11, 6, bold=True)
        _text.draw(c, x + 1.5 * mm, bottom + 1.8 * mm, _text.clip(value, cell_width - 3 * mm, size, True), size,
                   bold=True)


def _wrap_all(lines: list[str], max_width: float, size: float) -> list[str]:
    out: list[str] = []
    for line in lines:
        out.extend(_text.wrap(line, max_width, size))
    return out
