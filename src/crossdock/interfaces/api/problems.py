"""Errors as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crossdock.ports.marketplace import UnknownPlatform
from crossdock.services.connectors import NotConfigured
from crossdock.services.errors import NotFound
from crossdock.services.order_sync import StoreNotPullable

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, **({"detail": detail} if detail else {}), **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


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

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return problem(404, "Not Found", str(exc))

    @app.exception_handler(StoreNotPullable)
    async def _not_pullable(_: Request, exc: StoreNotPullable) -> JSONResponse:
        return problem(409, "Store cannot be pulled", str(exc))

    @app.exception_handler(UnknownPlatform)
    async def _platform(_: Request, exc: UnknownPlatform) -> JSONResponse:
        return problem(422, "Unknown platform", str(exc))

    @app.exception_handler(NotConfigured)
    async def _not_configured(_: Request, exc: NotConfigured) -> JSONResponse:
        return problem(409, "Platform not configured", str(exc))

    @app.exception_handler(ValueError)
    async def _value(_: Request, exc: ValueError) -> JSONResponse:
        return problem(422, "Invalid value", str(exc))
