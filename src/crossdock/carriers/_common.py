"""What every carrier adapter shares: its rate-limited HTTP API built from the registry's context, request bodies
written as JSON with exact Decimal numbers, and event times read in the carrier's home zone."""

from __future__ import annotations

import json
import re
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crossdock.carriers._registry import CarrierContext
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.ratelimit import TokenBucket

# Some carriers send more than microseconds ("…:20.331986369+01:00"), which datetime cannot hold.
_BEYOND_MICROSECONDS = re.compile(r"(\.\d{6})\d+")


def throttled_api(base_url: str, ctx: CarrierContext, *, per_second: float, burst: int) -> HttpApi:
    """An HttpApi on the context's transport, clock and call counts, held to `per_second` requests with `burst`."""
    return HttpApi(base_url, stats=ctx.stats, sleep=ctx.sleep, transport=ctx.transport,
                   limiter=TokenBucket(per_second, burst, ctx.clock, ctx.sleep))


def exact_json(value: Any, *, bare_whole_numbers: bool = False) -> bytes:
    """JSON text with Decimals written as exact numbers (json.dumps would refuse them, and a float would round).

    With `bare_whole_numbers` a whole Decimal is written without its zero decimals ("3", not "3.00"); other
    amounts keep their places ("0.10") either way."""
    return _encode(value, bare_whole_numbers).encode("utf-8")


def _encode(value: Any, bare: bool) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} as a JSON number")
        return format(value.normalize() if bare and value == value.to_integral() else value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v, bare)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v, bare) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def iso_to_utc(text: str, home: tzinfo) -> datetime:
    """An ISO 8601 time as aware UTC, read in the carrier's `home` zone when it has no offset and cut to
    microseconds; ValueError when it is not ISO 8601."""
    moment = datetime.fromisoformat(_BEYOND_MICROSECONDS.sub(r"\1", text.strip().replace("Z", "+00:00")))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=home)
    return moment.astimezone(ZoneInfo("UTC"))
