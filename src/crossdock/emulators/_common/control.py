"""ControlBase: plumbing of the /_emulator endpoints a demo process is driven by (not part of any platform)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class Controlled(Protocol):
    def now(self) -> datetime: ...

    def tick(self) -> tuple[int, int]: ...

    def generate_orders(self, key: Any, count: int, start: datetime, end: datetime, /) -> list[str]: ...

    def authorize(self, key: Any, /) -> str: ...


EmulatorT = TypeVar("EmulatorT", bound=Controlled)


async def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body ({} when empty); ValueError unless it is an object."""
    raw = await request.body()
    body = json.loads(raw) if raw else {}
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def error(exc: Exception, status: int) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=status)


class ControlBase(Generic[EmulatorT]):
    """What each platform's ControlApi shares; the platform keeps its own routes, names and store answers."""

    def __init__(self, emulator: EmulatorT) -> None:
        self.emu = emulator

    async def tick(self, request: Request) -> Response:
        created, updated = self.emu.tick()
        return JSONResponse({"created": created, "updated": updated})

    async def _generate(self, request: Request, key: Any, key_field: str, ids_field: str) -> Response:
        """Back-fill body["count"] (100) orders over the last body["days"] (30) days for the store `key`."""
        try:
            body = await json_object(request)
            count = int(body.get("count", 100))
            days = float(body.get("days", 30))
            now = self.emu.now()
            created = self.emu.generate_orders(key, count, now - timedelta(days=days), now)
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse({key_field: key, "created": len(created), ids_field: created}, status_code=201)

    def _authorized(self, key: Any, code_field: str, key_field: str) -> Response:
        """A fresh consent code for `key`, or 404 when the emulator does not know it."""
        try:
            code = self.emu.authorize(key)
        except KeyError as exc:
            return error(exc, 404)
        return JSONResponse({code_field: code, key_field: key})
