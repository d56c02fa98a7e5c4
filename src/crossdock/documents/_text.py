"""Text on our documents: Latin in Helvetica, Chinese (and other non-Latin scripts) in the STSong-Light CID font.

Helvetica is one of the PDF base fonts and STSong-Light is a predefined Adobe CID font: neither is
embedded, so no font file ships and a viewer or printer supplies the glyphs. Helvetica's WinAnsi
encoding has no Polish, Czech, Hungarian or Romanian letters (Ł, Č, Ő, Ș …), so those are folded to
their base letter ("Łódź" prints as "Lodz", as many carriers require on labels anyway).
"""

from __future__ import annotations

import functools
import unicodedata
from xml.sax.saxutils import escape

import reportlab.pdfbase.rl_codecs  # noqa: F401  (registers the "winansi" codec used below)
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
CJK = "STSong-Light"

# Letters with no decomposition to a base letter, so NFKD alone cannot fold them
# (dotless i and long s are written as escapes because they look like i and f).
_NO_DECOMPOSITION = str.maketrans({
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "\u0131": "i", "Ŧ": "T", "ŧ": "t",
    "Ŀ": "L", "ŀ": "l", "ĸ": "k", "\u017f": "s",
})


@functools.cache
def ensure_fonts() -> None:
    """Register the CJK font once per process; reportlab keeps registrations globally."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def _winansi(ch: str) -> bool:
    try:
        ch.encode("winansi")
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _fold(ch: str) -> str | None:
    """The WinAnsi spelling of one character, or None when only the CJK font can show it."""
    if ch in "\t\n\r":
        return " "
    if unicodedata.category(ch).startswith("C"):
        return ""          # control, format and private-use characters print as nothing rather than as a box
    if _winansi(ch):
        return ch
    folded = ch.translate(_NO_DECOMPOSITION)
    if folded != ch:
        return folded
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if decomposed and all(_winansi(c) for c in decomposed):
        return decomposed
    return None


def runs(text: str) -> list[tuple[str, bool]]:
    """Split text into (segment, needs_cjk_font) runs, Latin letters already folded to WinAnsi."""
    out: list[tuple[str, bool]] = []
    for ch in unicodedata.normalize("NFC", text):
        folded = _fold(ch)
        cjk = folded is None
        piece = ch if folded is None else folded
        if not piece:
            continue
        if out and out[-1][1] == cjk:
            out[-1] = (out[-1][0] + piece, cjk)
        else:
            out.append((piece, cjk))
    return out


def has_cjk(text: str) -> bool:
    return any(cjk for _, cjk in runs(text))


def _font(cjk: bool, bold: bool) -> str:
    if cjk:
        ensure_fonts()
        return CJK
    return LATIN_BOLD if bold else LATIN


def width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(seg, _font(cjk, bold), size) for seg, cjk in runs(text))


def draw(canvas: Canvas, x: float, y: float, text: str, size: float, bold: bool = False) -> float:
    """Draw text with its baseline at y starting at x; returns the x after the last glyph."""
    for seg, cjk in runs(text):
        font = _font(cjk, bold)
        canvas.setFont(font, size)
        canvas.drawString(x, y, seg)
        x += pdfmetrics.stringWidth(seg, font, size)
    return x


def draw_right(canvas: Canvas, x_right: float, y: float, text: str, size: float, bold: bool = False) -> None:
    draw(canvas, x_right - width(text, size, bold), y, text, size, bold)


def draw_centred(canvas: Canvas, x_centre: float, y: float, text: str, size: float, bold: bool = False) -> None:
    draw(canvas, x_centre - width(text, size, bold) / 2, y, text, size, bold)


def fit_size(text: str, max_width: float, size: float, min_size: float, bold: bool = False) -> float:
    """The largest size, from `size` down to `min_size` in half points, at which text fits on one line."""
    while size > min_size and width(text, size, bold) > max_width:
        size -= 0.5
    return max(size, min_size)


def wrap(text: str, max_width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy line breaking at spaces; a word wider than the line (e.g. Chinese, no spaces) breaks anywhere."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if width(candidate, size, bold) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for ch in word:
                if current and width(current + ch, size, bold) > max_width:
                    lines.append(current)
                    current = ""
                current += ch
        lines.append(current)
    return [line for line in lines if line] or [""]


def clip(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """Cut text to fit one line, marking the cut with an ellipsis."""
    if width(text, size, bold) <= max_width:
        return text
    while text and width(text + "…", size, bold) > max_width:
        text = text[:-1]
    return text + "…"


def markup(text: str) -> str:
    """Paragraph markup for text: XML-escaped, each non-Latin run switched to the CJK font."""
    parts = []
    for seg, cjk in runs(text):
        if cjk:
            ensure_fonts()
            parts.append(f'<font face="{CJK}">{escape(seg)}</font>')
        else:
            parts.append(escape(seg))
    return "".join(parts)
