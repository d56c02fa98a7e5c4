"""Platform payloads as JSON: text for storage and a stable fingerprint to tell a real change from a re-send."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def _canonical(payload: Any, option: int) -> bytes:
    try:
        return orjson.dumps(payload, default=str, option=option)
    except TypeError:
        # orjson refuses what the stdlib takes (integers past 64 bits in a malformed payload): keep it anyway.
        return json.dumps(payload, sort_keys=bool(option & orjson.OPT_SORT_KEYS), separators=(",", ":"),
                          ensure_ascii=False, default=str).encode()


def fingerprint(payload: Any) -> str:
    return hashlib.blake2b(_canonical(payload, _SORTED), digest_size=16).hexdigest()


def to_json(payload: Any) -> str:
    """JSON text for a database column."""
    return _canonical(payload, orjson.OPT_NON_STR_KEYS).decode()
