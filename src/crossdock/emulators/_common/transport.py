"""A synchronous httpx transport that serves requests from an in-process ASGI app."""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp


class ASGISyncTransport(httpx.BaseTransport):
    """Lets a sync `httpx.Client` call an ASGI app without a server.

    httpx only ships an async ASGI transport, so the app runs on a private event loop in a daemon
    thread; each request blocks until the app has answered. A private loop (rather than
    `asyncio.run` per request) keeps this usable from code that already runs inside an event loop.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="asgi-sync-transport", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        future = asyncio.run_coroutine_threadsafe(self._call(request, body), self._running_loop())
        status, headers, content = future.result()
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _call(self, request: httpx.Request, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        response = await httpx.ASGITransport(app=self._app).handle_async_request(inner)
        content = await response.aread()
        await response.aclose()
        return response.status_code, response.headers.multi_items(), content

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
