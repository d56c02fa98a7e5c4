"""Shared A4 page furniture: margins, paragraph styles, table styles and "page x of y" footers."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

from crossdock.documents import _text

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
FOOTER_HEIGHT = 10 * mm

BODY = ParagraphStyle("body", fontName=_text.LATIN, fontSize=9, leading=11.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#333333"))
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)
CELL_RIGHT = ParagraphStyle("cell_right", parent=CELL, alignment=TA_RIGHT)
HEAD = ParagraphStyle("head", parent=CELL, fontName=_text.LATIN_BOLD)
HEAD_RIGHT = ParagraphStyle("head_right", parent=HEAD, alignment=TA_RIGHT)
LABEL = ParagraphStyle("label", parent=BODY, fontName=_text.LATIN_BOLD, fontSize=7.5, leading=9.5,
                       textColor=colors.HexColor("#444444"))
TITLE = ParagraphStyle("title", parent=BODY, fontName=_text.LATIN_BOLD, fontSize=17, leading=21)
STRONG = ParagraphStyle("strong", parent=BODY, fontName=_text.LATIN_BOLD, fontSize=10, leading=13)

GRID = colors.HexColor("#999999")
SHADE = colors.HexColor("#e6e6e6")


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain (not markup) text; Chinese lines break between any two characters."""
    if _text.has_cjk(text):
        style = ParagraphStyle(f"{style.name}_cjk", parent=style, wordWrap="CJK")
    return Paragraph(_text.markup(text), style)


def lines(texts: Sequence[str], style: ParagraphStyle = BODY) -> Paragraph:
    """Several plain-text lines in one paragraph."""
    joined = "<br/>".join(_text.markup(t) for t in texts if t)
    if any(_text.has_cjk(t) for t in texts):
        style = ParagraphStyle(f"{style.name}_cjk", parent=style, wordWrap="CJK")
    return Paragraph(joined, style)


def data_table(rows: list[list[Any]], widths: Sequence[float], numeric_columns: Sequence[int] = (),
               repeat_header: bool = True, extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    """A ruled table whose first row is a shaded header repeated on every page it spans."""
    table = Table(rows, colWidths=list(widths), repeatRows=1 if repeat_header else 0)
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for col in numeric_columns:
        style.append(("ALIGN", (col, 0), (col, -1), "RIGHT"))
    style.extend(extra)
    table.setStyle(TableStyle(style))
    return table


PageHook = Callable[[Canvas, BaseDocTemplate], None]


def _numbered_canvas(footer: Callable[[int, int], str]) -> type[Canvas]:
    """A canvas class that holds pages back until the end so each footer can say "page x of y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's own page-x-of-y recipe uses it

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                text = footer(number, total)
                self.setFillColor(colors.black)
                _text.draw(self, MARGIN, MARGIN - 6 * mm, text, 7.5)
                super().showPage()
            super().save()

    return NumberedCanvas


def build(story: list[Flowable], *, title: str, header_height: float = 0.0, on_page: PageHook | None = None,
          on_page_end: PageHook | None = None, footer: Callable[[int, int], str] | None = None) -> bytes:
    """Lay the story out on A4 pages.

    on_page draws the fixed header of every page into header_height; on_page_end runs after the page's
    flowables (so it knows what the page held); footer gives the "page x of y" line.
    """
    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                          bottomMargin=MARGIN, title=title, author="Crossdock", creator="Crossdock")
    frame = Frame(MARGIN, MARGIN, CONTENT_WIDTH, PAGE_HEIGHT - 2 * MARGIN - header_height,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")

    def hook(fn: PageHook | None) -> PageHook:
        def run(canvas: Canvas, document: BaseDocTemplate) -> None:
            if fn is not None:
                canvas.saveState()
                fn(canvas, document)
                canvas.restoreState()
        return run

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=hook(on_page),
                                       onPageEnd=hook(on_page_end))])
    if footer is None:
        doc.build(story)
    else:
        doc.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()
