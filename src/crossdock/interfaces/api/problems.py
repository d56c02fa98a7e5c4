"""Errors as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crossdock.domain.errors import DomainError
from crossdock.ports.marketplace import UnknownPlatform
from crossdock.services.connectors import NotConfigured
from crossdock.services.errors import InvalidInput, NotFound, PlatformUnavailable
from crossdock.services.order_sync import StoreNotPullable
from crossdock.services.pushes import PushesNotSupported

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, **({"detail": detail} if detail else {}), **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


# Service errors and the HTTP answer each one gets.
_MAPPED: list[tuple[type[Exception], int, str]] = [
    (NotFound, 404, "Not Found"),
    (StoreNotPullable, 409, "Store cannot be pulled"),
    (UnknownPlatform, 422, "Unknown platform"),
    (NotConfigured, 409, "Platform not configured"),
    (PushesNotSupported, 404, "No pushes from this platform"),
    (PlatformUnavailable, 503, "Platform unavailable"),
]


def _answer(status: int, title: str) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handler(_: Request, exc: Exception) -> JSONResponse:
        return problem(status, title, str(exc))
    return handler


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail) if exc.status_code != 404 else "Not Found",
                       str(exc.detail) if exc.status_code == 404 else "")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return problem(422, "Invalid request", "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                                         for e in errors), errors=errors)

    for exc_type, status, title in _MAPPED:
        app.add_exception_handler(exc_type, _answer(status, title))

    # A rule the domain enforces (a share is a ratio or a quota …) broken by what was sent: the sender's to fix.
    @app.exception_handler(InvalidInput)
    @app.exception_handler(DomainError)
    async def _invalid_input(_: Request, exc: Exception) -> JSONResponse:
        return problem(422, "Invalid value", str(exc))
