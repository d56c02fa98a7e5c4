"""The HTTP surface of the Joom emulator: v2 OAuth, v3 orders, stores and products, plus /_emulator controls."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from crossdock.emulators._common.catalogue import products_from_json
from crossdock.emulators._common.control import ControlBase, error, json_object
from crossdock.emulators._common.web import form_fields, with_query
from crossdock.emulators.joom.auth import TokenPair
from crossdock.emulators.joom.cancel import CANCEL_PATH
from crossdock.emulators.joom.fulfilment import (
    FULFILL_ONLINE_PATH,
    FULFILL_PATH,
    SHIPPING_LABEL_PATH,
    SHIPPING_PROVIDERS_PATH,
    FulfilmentApi,
)
from crossdock.emulators.joom.limits import DEFAULT_GROUP, ORDERS_MULTI_GROUP
from crossdock.emulators.joom.products_api import (
    PRODUCT_PATH,
    PRODUCT_UPDATE_PATH,
    PRODUCTS_MULTI_PATH,
    ProductsApi,
)
from crossdock.emulators.joom.protocol import (
    NOT_FOUND,
    RATE_LIMITED,
    RATE_LIMITED_MESSAGE,
    SERVER_ERROR_CODES,
    UNAUTHORIZED,
    ApiError,
    Context,
    continue_query,
    encode_cursor,
    invalid,
)
from crossdock.emulators.joom.world import ORDER_STATUSES, Order, StoredOrder, parse_rfc3339

if TYPE_CHECKING:
    from crossdock.emulators.joom.emulator import JoomEmulator

OAUTH_AUTHORIZE_PATH = "/api/v2/oauth/authorize"
OAUTH_ACCESS_TOKEN_PATH = "/api/v2/oauth/access_token"
OAUTH_REFRESH_TOKEN_PATH = "/api/v2/oauth/refresh_token"
ORDERS_MULTI_PATH = "/api/v3/orders/multi"
ORDER_PATH = "/api/v3/orders"
# Assumption: no v3 store-list page was found in the docs; this path and its shape are our guess.
STORES_PATH = "/api/v3/stores"

# orders/multi: "limit ... default 100, max 500".
ORDERS_MULTI_DEFAULT_LIMIT = 100
ORDERS_MULTI_MAX_LIMIT = 500
ORDER_ID_PATTERN = re.compile(r"^[A-Z\d]{8}$")
CONSENT_SESSION_TTL = timedelta(minutes=30)

# v2 answers {"code", "data", "message"}: "0 means success and any other number implies a failure".
# Assumption: which numbers and HTTP statuses the OAuth endpoints use for failures is undocumented;
# these follow the v2 (Wish-style) numbering.
OAUTH_MISSING_PARAM = 1000
OAUTH_INVALID_GRANT = 1016
OAUTH_INVALID_CLIENT = 4000
OAUTH_SERVER_ERROR = 9000


class OAuthError(Exception):
    """A v2 OAuth error answer."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "data": {}, "message": self.message}


@dataclass(frozen=True)
class CallRecord:
    """One request to a Joom API path, as the emulator answered it."""

    method: str
    path: str
    query: dict[str, str]
    status_code: int
    merchant: str | None
    time: datetime
    error: str = ""


_CURSOR_FILTERS = ("updatedFrom", "updatedTo", "status", "storeId")


def _stored_times(order: StoredOrder) -> tuple[int, int]:
    if isinstance(order, Order):
        return order.created, order.updated or order.created
    return order.created, order.updated


class JoomApi:
    """Request handling; every handler runs under the emulator's lock so state changes are atomic."""

    def __init__(self, emulator: JoomEmulator) -> None:
        self.emu = emulator
        self.products = ProductsApi(emulator)
        self.fulfilment = FulfilmentApi(emulator)
        self._consent_sessions: dict[str, tuple[str, str, datetime]] = {}

    # ---- plumbing -------------------------------------------------------------------------

    async def _context(self, request: Request) -> Context:
        query = dict(request.query_params)
        params = dict(query)
        body = (await request.body()).decode("utf-8", "replace")
        if body and "json" not in request.headers.get("content-type", ""):
            # OAuth endpoints take form fields; query parameters work too (as several clients send them).
            params.update(form_fields(body))
        return Context(request.method, request.url.path, query, params, str(request.base_url), self.emu.now(),
                       body=body)

    def _record(self, ctx: Context, status: int, error: str) -> None:
        self.emu.record(CallRecord(ctx.method, ctx.path, ctx.query, status, ctx.merchant, ctx.now, error))

    def _bearer(self, request: Request, ctx: Context) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, UNAUTHORIZED, "Missing access token: send Authorization: Bearer <token>")
        merchant = self.emu.auth.access_token_merchant(token.strip(), ctx.now)
        if merchant is None:
            raise ApiError(401, UNAUTHORIZED, "Invalid or expired access token")
        return merchant

    async def _serve_v3(self, request: Request, handler: Callable[[Context], dict[str, Any] | Response],
                        group: str) -> Response:
        ctx = await self._context(request)
        with self.emu.lock:
            try:
                injected = self.emu.take_injected_failure()
                if injected == 429:
                    raise ApiError(429, RATE_LIMITED, RATE_LIMITED_MESSAGE, retry_after=1)
                if injected is not None:
                    raise ApiError(injected, SERVER_ERROR_CODES.get(injected, "internal"), "Internal error")
                ctx.merchant = self._bearer(request, ctx)
                wait = self.emu.limiter.wait(ctx.merchant, group, ctx.now)
                if wait:
                    raise ApiError(429, RATE_LIMITED, RATE_LIMITED_MESSAGE, retry_after=wait)
                result = handler(ctx)
            except ApiError as exc:
                self._record(ctx, exc.status, exc.code)
                # Assumption: Joom's docs name 429 but no header; we say when to come back, as most APIs do.
                headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
                return JSONResponse(exc.body(), status_code=exc.status, headers=headers)
            self._record(ctx, 200, "")
        # A document (the shipping label) goes out as it is; everything else is JSON.
        return result if isinstance(result, Response) else JSONResponse(result)

    async def _serve_oauth(self, request: Request, handler: Callable[[Context], dict[str, Any]]) -> Response:
        ctx = await self._context(request)
        with self.emu.lock:
            try:
                injected = self.emu.take_injected_failure()
                if injected is not None:
                    raise OAuthError(injected, OAUTH_SERVER_ERROR, "Internal error")
                data = handler(ctx)
            except OAuthError as exc:
                self._record(ctx, exc.status, str(exc.code))
                return JSONResponse(exc.body(), status_code=exc.status)
            self._record(ctx, 200, "")
        return JSONResponse({"code": 0, "data": data, "message": ""})

    # ---- v2 OAuth -------------------------------------------------------------------------

    def _client(self, ctx: Context, *names: str) -> dict[str, str]:
        for name in ("client_id", "client_secret", *names):
            if not ctx.params.get(name):
                raise OAuthError(400, OAUTH_MISSING_PARAM, f"Missing required parameter: {name}")
        if ctx.params["client_id"] != self.emu.client_id or not secrets.compare_digest(
            ctx.params["client_secret"].encode(), self.emu.client_secret.encode()
        ):
            raise OAuthError(401, OAUTH_INVALID_CLIENT, "Unauthorized: invalid client_id or client_secret")
        return ctx.params

    def _token_data(self, ctx: Context, pair: TokenPair) -> dict[str, Any]:
        ctx.merchant = pair.merchant
        return {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires_in": pair.expires_in,
            "expiry_time": pair.expiry_time,
            "merchant_user_id": self.emu.world.merchant(pair.merchant).merchant_user_id,
        }

    def access_token(self, ctx: Context) -> dict[str, Any]:
        params = self._client(ctx, "code", "grant_type")
        if params["grant_type"] != "authorization_code":
            raise OAuthError(400, OAUTH_MISSING_PARAM, "grant_type must be authorization_code")
        pair = self.emu.auth.redeem_code(params["code"], params.get("redirect_uri", ""), ctx.now)
        if pair is None:
            raise OAuthError(400, OAUTH_INVALID_GRANT, "Invalid or expired authorization code")
        return self._token_data(ctx, pair)

    def refresh_token(self, ctx: Context) -> dict[str, Any]:
        params = self._client(ctx, "refresh_token", "grant_type")
        if params["grant_type"] != "refresh_token":
            raise OAuthError(400, OAUTH_MISSING_PARAM, "grant_type must be refresh_token")
        pair = self.emu.auth.refresh(params["refresh_token"], ctx.now)
        if pair is None:
            raise OAuthError(400, OAUTH_INVALID_GRANT, "Invalid or expired refresh token")
        return self._token_data(ctx, pair)

    # ---- v3 -------------------------------------------------------------------------------

    def orders_multi(self, ctx: Context) -> dict[str, Any]:
        """GET /api/v3/orders/multi: the merchant's orders by id, `limit` a page, `after` a cursor."""
        assert ctx.merchant is not None
        query = ctx.query
        raw_limit = query.get("limit", str(ORDERS_MULTI_DEFAULT_LIMIT))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= ORDERS_MULTI_MAX_LIMIT:
            raise invalid("limit", f"integer in [1, {ORDERS_MULTI_MAX_LIMIT}]", raw_limit)
        limit = int(raw_limit)
        after_id, filters = continue_query(query, _CURSOR_FILTERS)
        updated_from = self._time_filter(filters, "updatedFrom")
        updated_to = self._time_filter(filters, "updatedTo")
        if updated_from is not None and updated_to is not None and updated_from > updated_to:
            raise invalid("updatedTo", "a time after updatedFrom", filters["updatedTo"])
        if filters["status"] and filters["status"] not in ORDER_STATUSES:
            raise invalid("status", f"one of {', '.join(ORDER_STATUSES)}", filters["status"])
        stores = self.emu.world.stores_of(ctx.merchant)
        if filters["storeId"]:
            # A store of another merchant is reported like a missing one, never revealed.
            stores = [s for s in stores if s.id == filters["storeId"]]
            if not stores:
                raise invalid("storeId", "a store of this merchant", filters["storeId"])

        matches: list[tuple[str, StoredOrder]] = []
        for store in stores:
            for order_id, order in store.orders.items():
                _, updated = _stored_times(order)
                # updatedFrom is inclusive, updatedTo exclusive (assumption: the docs do not say).
                if updated_from is not None and updated < updated_from:
                    continue
                if updated_to is not None and updated >= updated_to:
                    continue
                if filters["status"] and order.status != filters["status"]:
                    continue
                if after_id and order_id <= after_id:
                    continue
                matches.append((order_id, order))
        # Assumption: pages run in order id order; an id never changes, so a cursor holding the last id
        # stays valid while orders change between pages.
        matches.sort(key=lambda pair: pair[0])
        page = matches[:limit]
        paging: dict[str, Any] = {}
        if len(matches) > limit:
            cursor = encode_cursor(page[-1][0], filters)
            query_string = urlencode({"after": cursor, "limit": limit})
            paging["next"] = f"{ctx.base_url.rstrip('/')}{ORDERS_MULTI_PATH}?{query_string}"
        return {"data": {"items": [order.payload() for _, order in page]}, "paging": paging}

    @staticmethod
    def _time_filter(filters: dict[str, str], name: str) -> int | None:
        text = filters[name]
        if not text:
            return None
        moment = parse_rfc3339(text)
        if moment is None:
            raise invalid(name, "date/time", text)
        return moment

    def get_order(self, ctx: Context) -> dict[str, Any]:
        """GET /api/v3/orders?id=: one order of the merchant."""
        assert ctx.merchant is not None
        order_id = ctx.query.get("id", "")
        if not ORDER_ID_PATTERN.match(order_id):
            raise invalid("id", "valid order ID", order_id)
        order = self.emu.world.find_order(ctx.merchant, order_id)
        if order is None:
            raise ApiError(404, NOT_FOUND, f"Order with ID '{order_id}' not found")
        return {"data": order.payload()}

    def list_stores(self, ctx: Context) -> dict[str, Any]:
        """GET /api/v3/stores (assumed): the merchant's stores with their status and performance."""
        assert ctx.merchant is not None
        stores = sorted(self.emu.world.stores_of(ctx.merchant), key=lambda s: s.id)
        return {"data": {"items": [store.payload() for store in stores]}}

    def unknown(self, ctx: Context) -> dict[str, Any]:
        raise ApiError(404, NOT_FOUND, f"Unknown method {ctx.method} {ctx.path}")

    # ---- the merchant's consent page ------------------------------------------------------

    async def authorize_get(self, request: Request) -> Response:
        ctx = await self._context(request)
        with self.emu.lock:
            if ctx.query.get("client_id") != self.emu.client_id:
                self._record(ctx, 400, str(OAUTH_INVALID_CLIENT))
                return JSONResponse(OAuthError(400, OAUTH_INVALID_CLIENT, "Unknown client_id").body(), 400)
            session = secrets.token_hex(16)
            redirect = ctx.query.get("redirect_uri", "") or self.emu.redirect_uri
            self._consent_sessions[session] = (redirect, ctx.query.get("state", ""), ctx.now + CONSENT_SESSION_TTL)
            merchants = sorted(self.emu.world.merchants.values(), key=lambda m: m.key)
            self._record(ctx, 200, "")
        forms = "\n".join(
            f"""<li><form method="post" action="{OAUTH_AUTHORIZE_PATH}">
  <input type="hidden" name="session" value="{session}">
  <input type="hidden" name="merchant" value="{html.escape(m.key)}">
  <strong>{html.escape(m.name)}</strong> (merchant {m.merchant_user_id})
  <button type="submit">Allow access</button>
</form></li>"""
            for m in merchants
        )
        return HTMLResponse(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Joom for Merchants - Grant permissions (emulator)</title></head>
<body><h1>Allow app {html.escape(self.emu.client_id)} to access your merchant account?</h1>
<ul>
{forms or "<li>No merchant accounts in the emulator.</li>"}
</ul></body></html>""")

    async def authorize_post(self, request: Request) -> Response:
        ctx = await self._context(request)
        with self.emu.lock:
            session = self._consent_sessions.pop(ctx.params.get("session", ""), None)
            merchant = ctx.params.get("merchant", "")
            if session is None or ctx.now >= session[2] or merchant not in self.emu.world.merchants:
                self._record(ctx, 400, str(OAUTH_MISSING_PARAM))
                return JSONResponse(OAuthError(400, OAUTH_MISSING_PARAM, "Authorization session expired").body(), 400)
            redirect, state = session[0], session[1]
            code = self.emu.auth.issue_code(merchant, ctx.now, redirect)
            ctx.merchant = merchant
            self._record(ctx, 302 if redirect else 200, "")
        if not redirect:
            return HTMLResponse(f"<!doctype html><p>Authorization code: <code>{code}</code></p>")
        params = {"code": code, **({"state": state} if state else {})}
        return RedirectResponse(with_query(redirect, params), status_code=302)

    # ---- routes ---------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        def v3(handler: Callable[[Context], dict[str, Any] | Response],
               group: str = DEFAULT_GROUP) -> Callable[..., Any]:
            async def endpoint(request: Request) -> Response:
                return await self._serve_v3(request, handler, group)
            return endpoint

        def oauth(handler: Callable[[Context], dict[str, Any]]) -> Callable[..., Any]:
            async def endpoint(request: Request) -> Response:
                return await self._serve_oauth(request, handler)
            return endpoint

        return [
            Route(OAUTH_AUTHORIZE_PATH, self.authorize_get, methods=["GET"]),
            Route(OAUTH_AUTHORIZE_PATH, self.authorize_post, methods=["POST"]),
            Route(OAUTH_ACCESS_TOKEN_PATH, oauth(self.access_token), methods=["POST"]),
            Route(OAUTH_REFRESH_TOKEN_PATH, oauth(self.refresh_token), methods=["POST"]),
            Route(ORDERS_MULTI_PATH, v3(self.orders_multi, ORDERS_MULTI_GROUP), methods=["GET"]),
            Route(ORDER_PATH, v3(self.get_order), methods=["GET"]),
            Route(STORES_PATH, v3(self.list_stores), methods=["GET"]),
            Route(FULFILL_PATH, v3(self.fulfilment.fulfill), methods=["POST"]),
            Route(FULFILL_ONLINE_PATH, v3(self.fulfilment.fulfill_online), methods=["POST"]),
            Route(CANCEL_PATH, v3(self.fulfilment.cancel), methods=["POST"]),
            Route(SHIPPING_LABEL_PATH, v3(self.fulfilment.shipping_label), methods=["GET"]),
            Route(SHIPPING_PROVIDERS_PATH, v3(self.fulfilment.shipping_providers), methods=["GET"]),
            Route(PRODUCTS_MULTI_PATH, v3(self.products.multi), methods=["GET"]),
            Route(PRODUCT_PATH, v3(self.products.get), methods=["GET"]),
            Route(PRODUCT_UPDATE_PATH, v3(self.products.update), methods=["POST"]),
            Route("/api/{rest:path}", v3(self.unknown), methods=["GET", "POST", "PUT", "DELETE"]),
        ]


class ControlApi(ControlBase["JoomEmulator"]):
    """/_emulator endpoints for driving a demo process over HTTP; not part of Joom."""

    def _store_info(self, store_id: str) -> dict[str, Any]:
        with self.emu.lock:
            store = self.emu.world.store(store_id)
            merchant = self.emu.world.merchant(store.merchant)
            return {"id": store.id, "name": store.name, "region": store.region, "currency": store.currency,
                    "account": merchant.key, "merchant_user_id": merchant.merchant_user_id,
                    "order_count": len(store.orders)}

    async def add_store(self, request: Request) -> Response:
        try:
            body = await json_object(request)
            self.emu.add_store(str(body["external_id"]), str(body.get("region", "EU")), body.get("name"),
                               body.get("account"))
        except (KeyError, ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse(self._store_info(str(body["external_id"])), status_code=201)

    async def list_stores(self, request: Request) -> Response:
        with self.emu.lock:
            ids = sorted(self.emu.world.stores)
        return JSONResponse({"stores": [self._store_info(store_id) for store_id in ids]})

    async def generate(self, request: Request) -> Response:
        return await self._generate(request, str(request.path_params["store_id"]), "store_id", "order_ids")

    async def set_catalogue(self, request: Request) -> Response:
        """Replace a store's products: {"products": [{title, active, weight_kg, variants: [...]}]}."""
        store_id = str(request.path_params["store_id"])
        try:
            specs = products_from_json((await json_object(request)).get("products"))
            self.emu.set_catalogue(store_id, specs)
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError, ArithmeticError) as exc:
            return error(exc, 400)
        return JSONResponse({"store_id": store_id, "products": len(specs),
                             "variants": sum(len(spec.variants) for spec in specs)}, status_code=201)

    async def listings(self, request: Request) -> Response:
        try:
            rows = self.emu.listings(str(request.path_params["store_id"]))
        except KeyError as exc:
            return error(exc, 404)
        return JSONResponse({"listings": [dict(row, price=str(row["price"])) for row in rows]})

    async def buy(self, request: Request) -> Response:
        """A buyer's purchase now: {"sku", "quantity"} -> {"order_id"}, or 409 when Joom would not sell it."""
        try:
            body = await json_object(request)
            sku, quantity = str(body["sku"]), int(body.get("quantity", 1))
        except (KeyError, ValueError, TypeError) as exc:
            return error(exc, 400)
        try:
            order_id = self.emu.place_order(str(request.path_params["store_id"]), sku, quantity)
        except KeyError as exc:
            return error(exc, 404)
        except ValueError as exc:
            return error(exc, 400)
        if order_id is None:
            return JSONResponse({"error": f"{sku} is not for sale in that quantity"}, status_code=409)
        return JSONResponse({"order_id": order_id}, status_code=201)

    async def open_return(self, request: Request) -> Response:
        """The customer sends a shipped order back: the order turns returnInitiated."""
        store_id, order_id = str(request.path_params["store_id"]), str(request.path_params["order_id"])
        try:
            self.emu.open_return(store_id, order_id)
        except KeyError as exc:
            return error(exc, 404)
        except ValueError as exc:
            return error(exc, 409)
        return JSONResponse({"order_id": order_id, "status": "returnInitiated"}, status_code=201)

    async def authorize(self, request: Request) -> Response:
        account = str(request.path_params["account"])
        code = self.emu.authorize(account)
        return JSONResponse({"code": code, "merchant_user_id": self.emu.merchant_user_id(account)})

    def routes(self) -> list[Route]:
        return [
            Route("/_emulator/stores", self.add_store, methods=["POST"]),
            Route("/_emulator/stores", self.list_stores, methods=["GET"]),
            Route("/_emulator/stores/{store_id}/orders", self.generate, methods=["POST"]),
            Route("/_emulator/accounts/{account}/authorize", self.authorize, methods=["POST"]),
            Route("/_emulator/stores/{store_id}/catalogue", self.set_catalogue, methods=["POST"]),
            Route("/_emulator/stores/{store_id}/listings", self.listings, methods=["GET"]),
            Route("/_emulator/stores/{store_id}/buy", self.buy, methods=["POST"]),
            Route("/_emulator/stores/{store_id}/orders/{order_id}/return", self.open_return, methods=["POST"]),
            Route("/_emulator/tick", self.tick, methods=["POST"]),
        ]




def create_app(emulator: JoomEmulator) -> Starlette:
    return Starlette(routes=[*JoomApi(emulator).routes(), *ControlApi(emulator).routes()])

