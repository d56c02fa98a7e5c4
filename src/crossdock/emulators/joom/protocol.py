"""What every v3 handler of the Joom emulator shares: the error envelope, the request context, paging cursors."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# v3 error codes (secondary copies of the docs): {"errors": [{"code", "field", "message"}]}.
INVALID_ARGUMENT = "invalid_argument"
UNAUTHORIZED = "unauthorized"
NOT_FOUND = "not_found"
RATE_LIMITED = "rate_limit_exceeded"
RATE_LIMITED_MESSAGE = "Request rate quota exceeded"
# Assumption: the codes of 5xx answers are not documented.
SERVER_ERROR_CODES = {500: "internal", 502: "bad_gateway", 503: "unavailable", 504: "deadline_exceeded"}


class ApiError(Exception):
    """A v3 error answer: one error, or several (`more`) when a request has several faults at once."""

    def __init__(self, status: int, code: str, message: str, field: str = "", retry_after: int = 0,
                 more: list[dict[str, str]] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.field, self.retry_after = status, code, message, field, retry_after
        self.more = more or []

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"errors": [error, *self.more]}


def invalid(name: str, expected: str, got: str) -> ApiError:
    """A 400 invalid_argument worded as the docs' own example."""
    # "Invalid argument `updatedFrom`: expected date/time, got `x`".
    return ApiError(400, INVALID_ARGUMENT, f"Invalid argument `{name}`: expected {expected}, got `{got}`", name)


@dataclass
class Context:
    """One request as a handler sees it: the merchant is filled in once the bearer token is checked."""

    method: str
    path: str
    query: dict[str, str]
    params: dict[str, str]
    base_url: str
    now: datetime
    merchant: str | None = None
    body: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object; invalid_argument otherwise."""
        try:
            parsed = json.loads(self.body) if self.body else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise invalid("body", "a JSON object", self.body[:100])
        return parsed


def encode_cursor(last_id: str, filters: dict[str, str]) -> str:
    # Like the docs' sample cursor (base64 of {"id":"ABCD1234"}), plus the query it continues, so that the
    # `next` link can carry only `after` and `limit` as in the docs' example.
    state = {"id": last_id, **{k: v for k, v in filters.items() if v}}
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, str]:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid("after", "a cursor from paging.next", cursor) from None
    if not isinstance(state, dict) or not isinstance(state.get("id"), str) or not all(
        isinstance(v, str) for v in state.values()
    ):
        raise invalid("after", "a cursor from paging.next", cursor)
    return {str(k): str(v) for k, v in state.items()}


def continue_query(query: dict[str, str], names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """(last id, filters) of a paged request: a cursor's own query, which the request may repeat, never change."""
    filters = {name: query.get(name, "") for name in names}
    if not query.get("after"):
        return "", filters
    state = decode_cursor(query["after"])
    after_id = state.pop("id")
    for name in names:
        if filters[name] and filters[name] != state.get(name, ""):
            raise invalid("after", f"a cursor of the same query ({name} differs)", query["after"])
        filters[name] = state.get(name, "")
    return after_id, filters
