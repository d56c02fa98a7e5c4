"""What every emulated SP-API operation shares on the wire: the error list, the request context, page tokens."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DENIED = "Access to requested resource is denied."


class ApiError(Exception):
    """An SP-API error: {"errors": [{"code", "message", "details"}]}."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(f"{status} {code}: {message} {details}".strip())
        self.status, self.code, self.message, self.details = status, code, message, details


@dataclass(frozen=True)
class CallRecord:
    """One request to the emulator, as it was answered."""

    method: str
    path: str
    query: dict[str, str]
    status_code: int
    seller_id: str | None
    time: datetime
    operation: str = ""
    error: str = ""


def invalid(message: str, details: str = "") -> ApiError:
    """HTTP 400 InvalidInput, the SP-API's answer to a parameter it refuses."""
    return ApiError(400, "InvalidInput", message, details)


@dataclass
class Context:
    """One request as a handler sees it, and what authentication learnt about the caller."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    now: datetime
    operation: str = ""
    base_url: str = ""               # where the request came in, e.g. "https://sellingpartnerapi-eu.amazon.com/"
    seller_id: str | None = None
    elements: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        values = [v for k, v in self.query if k == name]
        return values[-1] if values else None

    def listed(self, name: str) -> list[str]:
        """An array parameter: comma-separated (as the SDKs send it) and/or repeated."""
        return [part.strip() for k, v in self.query if k == name for part in v.split(",") if part.strip()]


@dataclass(frozen=True)
class Answer:
    """A success other than 200 (createFeedDocument 201, createFeed 202)."""

    status: int
    body: Any


def encode_token(state: dict[str, Any]) -> str:
    """A page token carrying the query's state."""
    # Standard base64, so a client that forgets to URL-encode a token ("+", "/", "=") breaks as it would on Amazon.
    return base64.b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def decode_token(token: str, name: str = "NextToken") -> dict[str, Any]:
    """The state a page token carries; 400 InvalidInput for anything the emulator did not issue."""
    try:
        state = json.loads(base64.b64decode(token.encode(), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid(f"Invalid {name}.") from None
    if not isinstance(state, dict):
        raise invalid(f"Invalid {name}.")
    return state
