"""The shipping label as an emulated carrier or marketplace logistics draws it: a 100 x 150 mm PDF page per parcel
with the addresses, the service and a Code 128 of the tracking number (what the carrier's scanners read), and the
packing slip some platforms print with it.

Only emulators use this, and every one of them (DHL, YunExpress, Shopee, Lazada, TikTok Shop, Joom) draws its
labels here: the emulator is the carrier, so the label comes from its side of the wire. Crossdock's own documents
are drawn elsewhere (crossdock.documents), so a bug here cannot hide one there.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

# Thermal-label stock: A6-ish 100 x 150 mm, and the A5 some platforms offer (TikTok's document_size).
A6 = (100 * mm, 150 * mm)
A5 = (148 * mm, 210 * mm)
MARGIN = 4 * mm
# Scanners want a quiet zone and bars no thinner than about 0.25 mm; 0.38 mm keeps a 20-digit number within the
# page and readable by a phone camera as well as by a sorter.
_BAR_WIDTH = 0.38 * mm
_MIN_BAR_WIDTH = 0.25 * mm
_BAR_HEIGHT = 24 * mm
_BARCODE_BOTTOM = 12 * mm
# Everything printed above the barcode stops here, so a long packing list never runs into the bars.
_TEXT_FLOOR = 46 * mm
_HEADER = 16 * mm
_BLACK = (0.0, 0.0, 0.0)
_WHITE = (1.0, 1.0, 1.0)
# The built-in PDF fonts carry Latin-1 only; Chinese names and addresses (Shopee TW, YunExpress senders) need a CID
# font. STSong-Light is one of the Adobe Asian fonts every PDF reader has, so nothing is embedded.
_CJK_FONT = "STSong-Light"
_CJK_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))


@dataclass(frozen=True, kw_only=True)
class CarrierLabel:
    carrier: str                       # printed in the header band ("DHL", "YunExpress", a marketplace's 3PL)
    tracking_number: str               # encoded in the barcode and printed under it
    recipient: tuple[str, ...]         # address lines, name first
    sender: tuple[str, ...] = ()       # the FROM block is left out when the platform prints none
    product: str = ""                  # the product's printed name ("DHL PAKET", "EU DDP Line")
    platform: str = ""                 # the marketplace whose logistics booked the parcel ("TikTok Shop")
    weight_grams: int | None = None
    created_at: datetime | None = None
    reference: str = ""                # the shipper's own reference ("Ref: …")
    order_number: str = ""             # the marketplace order the parcel fulfils
    package_number: str = ""           # the marketplace's package id, when an order ships in several
    waybill_number: str = ""           # the logistics' own waybill, when it differs from the tracking number
    cod: str = ""                      # amount to collect on delivery, printed large ("SGD 12.90")
    routing_code: str = ""             # printed above the barcode when the carrier has one (DHL Leitcode)
    notes: tuple[str, ...] = ()        # extra lines: "DDP", "CN22: 2 x T-shirt", the packing list …
    # Carriers print long numbers in groups of four for people to read aloud; marketplace labels print them whole.
    grouped_number: bool = True
    header_rgb: tuple[float, float, float] = _WHITE
    text_rgb: tuple[float, float, float] = _BLACK      # of the header's text


@dataclass(frozen=True, kw_only=True)
class PackingSlip:
    """What is in the parcel, on a page of its own after or instead of the label (TikTok's PACKING_SLIP)."""

    heading: str = "Packing slip"
    reference: str = ""                # "Order … Package …"
    lines: tuple[str, ...] = ()        # "2 x SKU-1"


Page = CarrierLabel | PackingSlip


def render_label(label: CarrierLabel, *, page_size: tuple[float, float] = A6, title: str = "") -> bytes:
    """One label as a one-page PDF."""
    return render_labels([label], page_size=page_size, title=title)


def render_labels(pages: Sequence[Page], *, page_size: tuple[float, float] = A6, title: str = "") -> bytes:
    """Several labels (and packing slips) as one PDF, a page each, in the order given (what a batch print returns)."""
    if not pages:
        raise ValueError("no labels to render")
    buffer = io.BytesIO()
    # invariant: the same label data gives the same bytes, so snapshots and retries compare equal.
    canvas = Canvas(buffer, pagesize=page_size, invariant=True)
    carriers = [p.carrier for p in pages if isinstance(p, CarrierLabel)]
    canvas.setTitle(title or (f"{carriers[0]} labels" if carriers else "Packing slips"))
    for page in pages:
        if isinstance(page, CarrierLabel):
            _draw_label(canvas, page, page_size)
        else:
            _draw_slip(canvas, page, page_size)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_label(canvas: Canvas, label: CarrierLabel, page_size: tuple[float, float]) -> None:
    width, height = page_size
    # header band with the carrier and product names
    canvas.setFillColorRGB(*label.header_rgb)
    canvas.rect(0, height - _HEADER, width, _HEADER, stroke=0, fill=1)
    canvas.setFillColorRGB(*label.text_rgb)
    _text(canvas, MARGIN, height - 11 * mm, label.carrier, 16, bold=True)
    if label.product:
        # the product line moves up to make room for the platform's name under it
        product_y = height - (8 if label.platform else 10) * mm
        _text(canvas, width - MARGIN, product_y, label.product, 10, bold=True, align="right")
    if label.platform:
        _text(canvas, width - MARGIN, height - 13 * mm, label.platform, 7, align="right")
    canvas.setFillColorRGB(*_BLACK)
    # a white band needs a rule to end it; on a coloured one the line falls on the band's edge
    canvas.setLineWidth(0.5)
    canvas.line(0, height - _HEADER, width, height - _HEADER)
    top = height - 21 * mm

    if label.sender:
        top = _block(canvas, "From", label.sender, top, size=7) - 2 * mm
    top = _block(canvas, "To", label.recipient, top, size=10)

    top -= 4 * mm
    for line in _fit(canvas, _facts(label), width - 2 * MARGIN, size=7):
        _text(canvas, MARGIN, top, line, 7)
        top -= 3.5 * mm
    if label.cod:
        top -= 3 * mm
        _text(canvas, MARGIN, top, f"COD {label.cod}", 12, bold=True)
        top -= 6 * mm
    _lines_above_floor(canvas, label.notes, top, size=7, step=3.5 * mm, limit=90)

    if label.routing_code:
        _text(canvas, MARGIN, 42 * mm, f"Routing: {label.routing_code}", 8)
    _barcode(canvas, label.tracking_number, width)
    number = _spaced(label.tracking_number) if label.grouped_number else label.tracking_number
    _text(canvas, width / 2, 7 * mm, number, 11, bold=True, align="centre")


def _facts(label: CarrierLabel) -> list[str]:
    facts = []
    if label.weight_grams is not None:
        facts.append(f"Weight: {label.weight_grams / 1000:.3f} kg")
    if label.created_at is not None:
        facts.append(f"Date: {label.created_at:%Y-%m-%d}")
    for caption, value in (("Ref", label.reference), ("Order", label.order_number), ("Pkg", label.package_number),
                           ("Waybill", label.waybill_number)):
        if value:
            facts.append(f"{caption}: {value}")
    return facts


def _draw_slip(canvas: Canvas, slip: PackingSlip, page_size: tuple[float, float]) -> None:
    _, height = page_size
    margin = 8 * mm
    _text(canvas, margin, height - 15 * mm, slip.heading, 12, bold=True)
    if slip.reference:
        _text(canvas, margin, height - 21 * mm, slip.reference, 8)
    _lines_above_floor(canvas, slip.lines, height - 30 * mm, size=8, step=5 * mm, limit=70, x=margin,
                       floor=10 * mm)


def _block(canvas: Canvas, title: str, lines: tuple[str, ...], top: float, *, size: int) -> float:
    _text(canvas, MARGIN, top, title.upper(), 6)
    top -= size * 0.45 * mm + 2 * mm
    for index, line in enumerate(lines):
        _text(canvas, MARGIN + 2 * mm, top, line[:60], size, bold=index == 0)
        top -= size * 0.45 * mm
    return top


def _lines_above_floor(canvas: Canvas, lines: Sequence[str], top: float, *, size: int, step: float, limit: int,
                       x: float = MARGIN, floor: float = _TEXT_FLOOR) -> None:
    """Lines down from `top`; those that would cross `floor` are counted on the last line instead of printed."""
    room = max(0, int((top - floor) / step) + 1)
    shown = list(lines) if len(lines) <= room else [*lines[:max(0, room - 1)], f"... and {len(lines) - room + 1} more"]
    for line in shown[:room]:
        _text(canvas, x, top, line[:limit], size)
        top -= step


def _fit(canvas: Canvas, facts: list[str], width: float, *, size: int) -> list[str]:
    """Facts joined on as few lines as fit the width."""
    lines: list[str] = []
    for fact in facts:
        joined = f"{lines[-1]}   {fact}" if lines else fact
        if lines and canvas.stringWidth(_printable(joined), "Helvetica", size) <= width:
            lines[-1] = joined
        else:
            lines.append(fact)
    return lines


def _barcode(canvas: Canvas, tracking_number: str, width: float) -> None:
    usable = width - 2 * MARGIN - 6 * mm           # keep a quiet zone on both sides
    bar_width = _BAR_WIDTH
    code = Code128(tracking_number, barWidth=bar_width, barHeight=_BAR_HEIGHT, humanReadable=False, quiet=False)
    if code.width > usable:
        bar_width = max(_MIN_BAR_WIDTH, bar_width * usable / code.width)
        code = Code128(tracking_number, barWidth=bar_width, barHeight=_BAR_HEIGHT, humanReadable=False, quiet=False)
    code.drawOn(canvas, (width - code.width) / 2, _BARCODE_BOTTOM)


def _text(canvas: Canvas, x: float, y: float, text: str, size: float, *, bold: bool = False,
          align: Literal["left", "right", "centre"] = "left") -> None:
    if _is_cjk(text):
        # The CID font has no bold face; the text is printed as it is, glyphs outside the font left blank.
        canvas.setFont(_cjk_font(), size)
    else:
        canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        text = _printable(text)
    if align == "right":
        canvas.drawRightString(x, y, text)
    elif align == "centre":
        canvas.drawCentredString(x, y, text)
    else:
        canvas.drawString(x, y, text)


def _is_cjk(text: str) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in _CJK_RANGES)


def _cjk_font() -> str:
    if _CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_CJK_FONT))
    return _CJK_FONT


def _spaced(number: str) -> str:
    """Groups of four, as carriers print long numbers for people to read aloud."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


def _printable(text: str) -> str:
    """Helvetica only carries Latin-1: other letters lose their accents as carriers transliterate addresses
    ('Nguyễn' -> 'Nguyen', 'Wiśniewska' -> 'Wisniewska'), and what is still outside would print as a box, so '?'."""
    plain = "".join(char if ord(char) <= 0xFF else
                    "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
                    for char in text)
    return plain.encode("latin-1", "replace").decode("latin-1")
