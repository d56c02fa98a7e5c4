"""Code 128 symbols sized for thermal label printers: whole printer dots per module, quiet zones kept."""

from __future__ import annotations

import math

from reportlab.graphics.barcode.code128 import Code128

from crossdock.domain.errors import DomainError

# Most label printers are 203 dpi. A module of a whole number of dots, starting on a dot boundary, prints
# every bar at its true width; a fractional module would be rounded bar by bar and could misread.
DOT = 72 / 203
QUIET_MODULES = 10          # ISO/IEC 15417 asks for at least 10 modules of white on each side


def check_value(value: str, what: str) -> str:
    if not value:
        raise DomainError(f"{what} is empty: nothing to put in a barcode")
    bad = [ch for ch in value if not 32 <= ord(ch) <= 126]
    if bad:
        raise DomainError(f"{what} {value!r} has characters Code 128 cannot carry: {''.join(bad)!r}")
    return value


def snap(x: float) -> float:
    """The nearest printer-dot boundary at or left of x (page coordinates start on a boundary)."""
    return math.floor(x / DOT + 1e-9) * DOT


def code128(value: str, what: str, max_width: float, bar_height: float,
            max_dots: int = 3, min_dots: int = 2) -> Code128:
    """The widest Code 128 of `value` (quiet zones included) that fits max_width, in whole dots per module.

    Three dots (0.375 mm) reads reliably off a worn thermal head; two (0.25 mm) is the floor we accept.
    """
    check_value(value, what)
    for dots in range(max_dots, min_dots - 1, -1):
        module = dots * DOT
        symbol = Code128(value, barWidth=module, barHeight=bar_height, quiet=True,
                         lquiet=QUIET_MODULES * module, rquiet=QUIET_MODULES * module, humanReadable=False)
        if symbol.width <= max_width:
            return symbol
    raise DomainError(f"{what} {value!r} is too long for a readable barcode in {max_width / 72 * 25.4:.0f} mm")
