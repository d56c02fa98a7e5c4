"""Typed readers for platform payload fields; each raises BadPayload naming the field, never a bare error."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from crossdock.connectors._kit.errors import BadPayload


def text(obj: dict[str, Any], field: str) -> str:
    """The field as text; absent or null is ""; an object or a list where text belongs is a bad payload."""
    value = obj.get(field)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise BadPayload(f"{field} is {type(value).__name__}, expected text")
    return str(value)


def amount(value: Any, field: str, *, required: bool = True, non_negative: bool = False) -> Decimal:
    """A money amount, exact: platforms send decimal strings ("19.90") or JSON numbers; a float is read
    through its shortest repr, which is the text the platform sent, so no binary error leaks in."""
    if value is None or value == "":
        if required:
            raise BadPayload(f"{field} is missing")
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise BadPayload(f"{field} is {value!r}, expected an amount")
    try:
        parsed = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise BadPayload(f"{field} is {value!r}, expected an amount") from None
    if not parsed.is_finite():
        raise BadPayload(f"{field} is {value!r}, expected a finite amount")
    if non_negative and parsed < 0:
        raise BadPayload(f"{field} is {value!r}, expected a non-negative amount")
    return parsed
