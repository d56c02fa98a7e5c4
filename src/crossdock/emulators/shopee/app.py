"""The HTTP surface of the Shopee emulator: Open Platform v2 auth, order and product APIs, plus /_emulator controls."""

from __future__ import annotations

import base64
import binascii
import html
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from crossdock.emulators._common.catalogue import products_from_json
from crossdock.emulators._common.control import ControlBase, error, json_object
from crossdock.emulators._common.web import form_fields, int_or_none, with_query
from crossdock.emulators.shopee import signing
from crossdock.emulators.shopee.cancel import CancelApi
from crossdock.emulators.shopee.errors import (
    SERVER_ERROR_MESSAGE,
    TOO_MANY_REQUESTS_ERROR,
    TOO_MANY_REQUESTS_MESSAGE,
    ApiError,
    param_error,
)
from crossdock.emulators.shopee.logistics import FileAnswer, LogisticsApi
from crossdock.emulators.shopee.products import ProductApi
from crossdock.emulators.shopee.returns import ReturnsApi
from crossdock.emulators.shopee.world import EXTRA_LIST_FILTERS, ORDER_STATUSES, Order, to_timestamp

if TYPE_CHECKING:
    from crossdock.emulators.shopee.emulator import ShopeeEmulator

AUTH_PARTNER_PATH = "/api/v2/shop/auth_partner"
TOKEN_GET_PATH = "/api/v2/auth/token/get"
ACCESS_TOKEN_GET_PATH = "/api/v2/auth/access_token/get"
ORDER_LIST_PATH = "/api/v2/order/get_order_list"
ORDER_DETAIL_PATH = "/api/v2/order/get_order_detail"

# "Each API request needs to be requested within 5 minutes of a timestamp."
TIMESTAMP_TOLERANCE = timedelta(minutes=5)
# get_order_list: "The maximum date range ... is 15 days."
ORDER_LIST_MAX_WINDOW_SECONDS = 15 * 86_400
ORDER_LIST_PAGE_SIZE_MAX = 100
ORDER_DETAIL_BATCH_MAX = 50
CONSENT_SESSION_TTL = timedelta(minutes=30)

# get_order_detail fields marked "Return by default"; everything else must be asked for.
DETAIL_DEFAULT_FIELDS = frozenset(
    {
        "order_sn",
        "region",
        "currency",
        "cod",
        "order_status",
        "message_to_seller",
        "create_time",
        "update_time",
        "days_to_ship",
        "ship_by_date",
    }
)
# response_optional_fields values that expand to other response keys.
DETAIL_OPTIONAL_ALIASES: dict[str, tuple[str, ...]] = {"edt": ("edt_from", "edt_to")}


@dataclass(frozen=True)
class CallRecord:
    """One request to a Shopee API path, as the emulator answered it."""

    method: str
    path: str
    query: dict[str, str]
    status_code: int
    shop_id: int | None
    time: datetime
    error: str = ""


@dataclass
class _Context:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    now: datetime
    shop_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Every value of each query parameter: get_item_list takes item_status once per status.
    lists: dict[str, list[str]] = field(default_factory=dict)

    @property
    def now_ts(self) -> int:
        return to_timestamp(self.now)


def _request_id() -> str:
    return uuid.uuid4().hex


def _csv(raw: str | None) -> list[str]:
    # The docs' own examples put spaces around commas, so tolerate them.
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _encode_cursor(create_time: int, order_sn: str) -> str:
    return base64.urlsafe_b64encode(f"{create_time}|{order_sn}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        create_time, order_sn = decoded.split("|", 1)
        return int(create_time), order_sn
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise param_error("cursor is invalid") from None


class ShopeeApi:
    """Request handling; every handler runs under the emulator's lock so state changes are atomic."""

    def __init__(self, emulator: ShopeeEmulator) -> None:
        self.emu = emulator
        self._consent_sessions: dict[str, tuple[str, datetime]] = {}

    # ---- plumbing -------------------------------------------------------------------------

    def _context(self, request: Request, body: bytes) -> _Context:
        return _Context(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            body=body,
            now=self.emu.now(),
            # Known before authentication so that even rejected calls are attributed to their shop.
            shop_id=int_or_none(request.query_params.get("shop_id", "")),
            lists={key: request.query_params.getlist(key) for key in request.query_params},
        )

    def _record(self, ctx: _Context, status: int, error: str) -> None:
        self.emu.record(CallRecord(ctx.method, ctx.path, ctx.query, status, ctx.shop_id, ctx.now, error))

    @staticmethod
    def _error_content(exc: ApiError) -> dict[str, Any]:
        content: dict[str, Any] = {"request_id": _request_id(), "error": exc.error, "message": exc.message}
        if exc.response is not None:
            content["response"] = exc.response
        return content

    async def _serve(self, request: Request, handler: Callable[[_Context], Any], *, wrap: bool) -> Response:
        body = await request.body()
        with self.emu.lock:
            ctx = self._context(request, body)
            try:
                injected = self.emu.take_injected_failure()
                if injected is not None:
                    if injected == 429:
                        raise ApiError(TOO_MANY_REQUESTS_ERROR, TOO_MANY_REQUESTS_MESSAGE, injected)
                    raise ApiError("error_server", SERVER_ERROR_MESSAGE, injected)
                result = handler(ctx)
            except ApiError as exc:
                self._record(ctx, exc.status, exc.error)
                return JSONResponse(self._error_content(exc), status_code=exc.status)
            self._record(ctx, 200, "")
        # Orders an API call moved (ship_order) are pushed like any change, outside the lock.
        self.emu._push(ctx.extra.get("changed", []))
        if isinstance(result, FileAnswer):
            # download_shipping_document answers the file itself, not a JSON envelope.
            return Response(result.content, media_type=result.media_type,
                            headers={"Content-Disposition": f'attachment; filename="{result.filename}"'})
        request_id = _request_id()
        if not wrap:
            # The auth endpoints answer flat, without a "response" object.
            return JSONResponse({**result, "request_id": request_id, "error": "", "message": ""})
        warning = result.pop("__warning__", None)
        content: dict[str, Any] = {"request_id": request_id, "error": "", "message": ""}
        if warning:
            content["warning"] = warning
        content["response"] = result
        return JSONResponse(content)

    def _common(self, ctx: _Context) -> tuple[int, int, str]:
        """Check partner_id, timestamp and the presence of sign; returns them parsed."""
        query = ctx.query
        if "partner_id" not in query or query["partner_id"] == "":
            raise ApiError("error_param", "There is no partner_id in query.")
        partner_id = int_or_none(query["partner_id"])
        if partner_id is None or partner_id != self.emu.partner_id:
            raise ApiError("error_param", "Invalid partner_id.")
        if not query.get("sign"):
            raise ApiError("error_param", "There is no sign in query.")
        if not query.get("timestamp"):
            raise ApiError("error_param", "no timestamp")
        timestamp = int_or_none(query["timestamp"])
        tolerance = int(TIMESTAMP_TOLERANCE.total_seconds())
        if timestamp is None or abs(ctx.now_ts - timestamp) > tolerance:
            raise ApiError("error_param", "Invalid timestamp")
        return partner_id, timestamp, query["sign"]

    def _public_auth(self, ctx: _Context) -> None:
        partner_id, timestamp, sign = self._common(ctx)
        base = signing.public_base_string(partner_id, ctx.path, timestamp)
        if not signing.verify(self.emu.partner_key, base, sign):
            raise ApiError("error_sign", "Wrong sign.")

    def _shop_auth(self, ctx: _Context) -> int:
        """Authenticate a Shop API call and charge its rate-limit bucket; returns the shop id."""
        partner_id, timestamp, sign = self._common(ctx)
        access_token = ctx.query.get("access_token", "")
        if not access_token:
            raise ApiError("error_param", "There is no access_token in query.")
        shop_id = int_or_none(ctx.query.get("shop_id", ""))
        if shop_id is None:
            raise ApiError("error_param", "There is no shop_id in query.")
        ctx.shop_id = shop_id
        base = signing.shop_base_string(partner_id, ctx.path, timestamp, access_token, shop_id)
        if not signing.verify(self.emu.partner_key, base, sign):
            raise ApiError("error_sign", "Wrong sign.")
        if self.emu.auth.access_token_shop(access_token, ctx.now) != shop_id:
            raise ApiError("error_auth", "Invalid access_token.")
        if shop_id not in self.emu.world.shops:
            raise ApiError("error_shop", "shopid is invalid")
        if not self.emu.limiter.allow(partner_id, shop_id, ctx.now):
            raise ApiError(TOO_MANY_REQUESTS_ERROR, TOO_MANY_REQUESTS_MESSAGE)
        return shop_id

    @staticmethod
    def _json_body(ctx: _Context) -> dict[str, Any]:
        try:
            body = json.loads(ctx.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError("error_param", "parse data failed") from None
        if not isinstance(body, dict):
            raise ApiError("error_param", "parse data failed")
        return body

    def _token_body(self, ctx: _Context, secret_field: str) -> tuple[str, int]:
        body = self._json_body(ctx)
        if "shop_id" in body:
            ctx.shop_id = int_or_none(body["shop_id"])
        if int_or_none(body.get("partner_id")) != self.emu.partner_id:
            raise ApiError("error_param", "Invalid partner_id.")
        secret = body.get(secret_field)
        if not isinstance(secret, str) or not secret:
            raise param_error(f"{secret_field} is required")
        if "shop_id" not in body:
            if "main_account_id" in body or "merchant_id" in body:
                raise param_error("the emulator only supports shop_id authorization")
            raise param_error("shop_id is required")
        if ctx.shop_id is None:
            raise param_error("shop_id is invalid")
        return secret, ctx.shop_id

    # ---- Shopee APIs ----------------------------------------------------------------------

    def token_get(self, ctx: _Context) -> dict[str, Any]:
        self._public_auth(ctx)
        code, shop_id = self._token_body(ctx, "code")
        pair = self.emu.auth.redeem_code(code, shop_id, ctx.now)
        if pair is None:
            # The error example of v2.public.get_access_token.
            raise ApiError("error_auth", "Invalid code")
        return {"refresh_token": pair.refresh_token, "access_token": pair.access_token, "expire_in": pair.expire_in}

    def access_token_get(self, ctx: _Context) -> dict[str, Any]:
        self._public_auth(ctx)
        refresh_token, shop_id = self._token_body(ctx, "refresh_token")
        pair = self.emu.auth.refresh(refresh_token, shop_id, ctx.now)
        if pair is None:
            # Undocumented; assumed to mirror the access_token wording.
            raise ApiError("error_auth", "Invalid refresh_token.")
        return {
            "partner_id": self.emu.partner_id,
            "refresh_token": pair.refresh_token,
            "access_token": pair.access_token,
            "expire_in": pair.expire_in,
            "shop_id": pair.shop_id,
        }

    @staticmethod
    def _required_int(query: dict[str, str], name: str) -> int:
        value = int_or_none(query.get(name, ""))
        if value is None:
            raise param_error(f"{name} is invalid" if query.get(name) else f"{name} is required")
        return value

    def get_order_list(self, ctx: _Context) -> dict[str, Any]:
        shop = self.emu.world.shop(self._shop_auth(ctx))
        query = ctx.query
        time_field = query.get("time_range_field", "")
        if time_field not in ("create_time", "update_time"):
            raise param_error("time_range_field should be create_time or update_time")
        time_from = self._required_int(query, "time_from")
        time_to = self._required_int(query, "time_to")
        if time_from >= time_to or time_to - time_from > ORDER_LIST_MAX_WINDOW_SECONDS:
            raise ApiError(
                "order.order_list_invalid_time", "Start time must be earlier than end time and diff in 15days."
            )
        page_size = self._required_int(query, "page_size")
        if not 1 <= page_size <= ORDER_LIST_PAGE_SIZE_MAX:
            raise param_error(f"page_size should be between 1 and {ORDER_LIST_PAGE_SIZE_MAX}")
        cursor = query.get("cursor", "")
        # The docs' own sample request sends cursor="" with the quotes; read that as the first page.
        after = _decode_cursor(cursor) if cursor not in ("", '""', "''") else None
        status_filter = query.get("order_status", "")
        if status_filter and status_filter not in ORDER_STATUSES + EXTRA_LIST_FILTERS:
            raise param_error("order_status is invalid")
        with_status = "order_status" in _csv(query.get("response_optional_fields"))

        # Newest first, keyed on (create_time, order_sn): neither ever changes, so a cursor holding the
        # last key seen stays valid while update_time moves between pages.
        matches: list[tuple[tuple[int, str], Any]] = []
        for order in shop.orders.values():
            moment = order.create_time if time_field == "create_time" else order.update_time
            if not time_from <= moment <= time_to:
                continue
            if status_filter and order.status != status_filter:
                continue
            key = (order.create_time, order.order_sn)
            if after is not None and not key < after:
                continue
            matches.append((key, order))
        matches.sort(key=lambda pair: pair[0], reverse=True)
        page = matches[:page_size]
        more = len(matches) > page_size
        order_list: list[dict[str, Any]] = []
        for _, order in page:
            entry: dict[str, Any] = {"order_sn": order.order_sn}
            if with_status:
                entry["order_status"] = order.status if isinstance(order, Order) else order.body.get("order_status")
            order_list.append(entry)
        next_cursor = _encode_cursor(*page[-1][0]) if more else ""
        return {"more": more, "next_cursor": next_cursor, "order_list": order_list}

    def get_order_detail(self, ctx: _Context) -> dict[str, Any]:
        shop = self.emu.world.shop(self._shop_auth(ctx))
        order_sns = list(dict.fromkeys(_csv(ctx.query.get("order_sn_list"))))
        if not order_sns:
            raise param_error("order_sn_list is required")
        if len(_csv(ctx.query.get("order_sn_list"))) > ORDER_DETAIL_BATCH_MAX:
            raise param_error(f"order_sn_list limit [1,{ORDER_DETAIL_BATCH_MAX}]")
        wanted = set(DETAIL_DEFAULT_FIELDS)
        for name in _csv(ctx.query.get("response_optional_fields")):
            wanted.update(DETAIL_OPTIONAL_ALIASES.get(name, (name,)))
        if ctx.query.get("request_order_status_pending", "").lower() == "true":
            wanted.add("pending_terms")
        found: list[dict[str, Any]] = []
        missing: list[str] = []
        for order_sn in order_sns:
            order = shop.orders.get(order_sn)
            if order is None:
                missing.append(order_sn)
            elif isinstance(order, Order):
                payload = order.payload()
                payload["pending_terms"] = []
                found.append({key: value for key, value in payload.items() if key in wanted})
            else:
                found.append(order.payload())
        if not found:
            raise ApiError("error_not_found", "Wrong parameters, detail: the order is not found.")
        result: dict[str, Any] = {"order_list": found}
        if missing:
            result["__warning__"] = [f"order_sn not found: {','.join(missing)}"]
        return result

    def unknown_api(self, ctx: _Context) -> dict[str, Any]:
        raise ApiError("error_not_found", f"Wrong parameters, detail: no api at {ctx.path}.")

    # ---- the seller's consent page --------------------------------------------------------

    def _consent_session(self, ctx: _Context) -> str:
        self._public_auth(ctx)
        redirect = ctx.query.get("redirect", "")
        if not redirect:
            raise param_error("redirect is required")
        session = secrets.token_hex(16)
        self._consent_sessions[session] = (redirect, ctx.now + CONSENT_SESSION_TTL)
        return session

    async def auth_partner_get(self, request: Request) -> Response:
        body = await request.body()
        with self.emu.lock:
            ctx = self._context(request, body)
            try:
                session = self._consent_session(ctx)
            except ApiError as exc:
                self._record(ctx, exc.status, exc.error)
                return JSONResponse(self._error_content(exc), status_code=exc.status)
            self._record(ctx, 200, "")
            shops = sorted(self.emu.world.shops.values(), key=lambda shop: shop.shop_id)
        forms = "\n".join(
            f"""<li><form method="post" action="{AUTH_PARTNER_PATH}">
  <input type="hidden" name="session" value="{session}">
  <input type="hidden" name="shop_id" value="{shop.shop_id}">
  <strong>{html.escape(shop.name)}</strong> (shop_id {shop.shop_id}, {shop.region.code})
  <button type="submit">Confirm Authorization</button>
</form></li>"""
            for shop in shops
        )
        page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Shopee Open Platform - Authorization (emulator)</title></head>
<body><h1>Authorize partner {self.emu.partner_id}</h1>
<p>Choose the shop that grants access to this app.</p>
<ul>
{forms or "<li>No shops in the emulator.</li>"}
</ul></body></html>"""
        return HTMLResponse(page)

    async def auth_partner_post(self, request: Request) -> Response:
        form = form_fields(await request.body())
        with self.emu.lock:
            now = self.emu.now()
            session = self._consent_sessions.pop(form.get("session", ""), None)
            shop_id = int_or_none(form.get("shop_id", ""))
            record_shop = shop_id
            if session is None or now >= session[1] or shop_id not in self.emu.world.shops or shop_id is None:
                self.emu.record(CallRecord("POST", AUTH_PARTNER_PATH, {}, 400, record_shop, now, "error_param"))
                return JSONResponse(
                    {"request_id": _request_id(), "error": "error_param", "message": "Authorization session expired."},
                    status_code=400,
                )
            code = self.emu.auth.issue_code(shop_id, now)
            self.emu.record(CallRecord("POST", AUTH_PARTNER_PATH, {}, 302, shop_id, now))
        return RedirectResponse(with_query(session[0], {"code": code, "shop_id": str(shop_id)}), status_code=302)

    # ---- routes ---------------------------------------------------------------------------

    async def token_get_endpoint(self, request: Request) -> Response:
        return await self._serve(request, self.token_get, wrap=False)

    async def access_token_get_endpoint(self, request: Request) -> Response:
        return await self._serve(request, self.access_token_get, wrap=False)

    async def order_list_endpoint(self, request: Request) -> Response:
        return await self._serve(request, self.get_order_list, wrap=True)

    async def order_detail_endpoint(self, request: Request) -> Response:
        return await self._serve(request, self.get_order_detail, wrap=True)

    async def unknown_endpoint(self, request: Request) -> Response:
        return await self._serve(request, self.unknown_api, wrap=True)

    def routes(self) -> list[Route]:
        return [
            Route(AUTH_PARTNER_PATH, self.auth_partner_get, methods=["GET"]),
            Route(AUTH_PARTNER_PATH, self.auth_partner_post, methods=["POST"]),
            Route(TOKEN_GET_PATH, self.token_get_endpoint, methods=["POST"]),
            Route(ACCESS_TOKEN_GET_PATH, self.access_token_get_endpoint, methods=["POST"]),
            Route(ORDER_LIST_PATH, self.order_list_endpoint, methods=["GET"]),
            Route(ORDER_DETAIL_PATH, self.order_detail_endpoint, methods=["GET"]),
            *ProductApi(self).routes(),
            *LogisticsApi(self).routes(),
            *ReturnsApi(self).routes(),
            *CancelApi(self).routes(),
            Route("/api/{rest:path}", self.unknown_endpoint, methods=["GET", "POST"]),
        ]


class ControlApi(ControlBase["ShopeeEmulator"]):
    """/_emulator endpoints for driving a demo process over HTTP; not part of Shopee."""

    async def add_shop(self, request: Request) -> Response:
        try:
            body = await json_object(request)
            self.emu.add_shop(int(body["shop_id"]), str(body["region"]), body.get("name"))
        except (KeyError, ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse(self._shop_info(int(body["shop_id"])), status_code=201)

    async def list_shops(self, request: Request) -> Response:
        with self.emu.lock:
            ids = sorted(self.emu.world.shops)
        return JSONResponse({"shops": [self._shop_info(shop_id) for shop_id in ids]})

    async def generate(self, request: Request) -> Response:
        return await self._generate(request, int(request.path_params["shop_id"]), "shop_id", "order_sns")

    async def authorize(self, request: Request) -> Response:
        return self._authorized(int(request.path_params["shop_id"]), "code", "shop_id")

    async def set_catalogue(self, request: Request) -> Response:
        """Replace the shop's catalogue with {"products": [...]}; answers its listings."""
        shop_id = int(request.path_params["shop_id"])
        try:
            body = await json_object(request)
            specs = products_from_json(body.get("products"))
            self.emu.set_catalogue(shop_id, specs)
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError, ArithmeticError) as exc:
            return error(exc, 400)
        return JSONResponse({"shop_id": shop_id, "listings": _listings_json(self.emu.listings(shop_id))},
                            status_code=201)

    async def listings(self, request: Request) -> Response:
        shop_id = int(request.path_params["shop_id"])
        try:
            rows = self.emu.listings(shop_id)
        except KeyError as exc:
            return error(exc, 404)
        return JSONResponse({"shop_id": shop_id, "listings": _listings_json(rows)})

    async def buy(self, request: Request) -> Response:
        """A buyer buys {"sku", "quantity"} now, or a cart {"lines": [{"sku", "quantity"}], "own_carrier": bool}
        (own_carrier: the shop's non-integrated channel): {"order_sn"}, or 409 when Shopee would refuse it."""
        shop_id = int(request.path_params["shop_id"])
        try:
            body = await json_object(request)
            if isinstance(body.get("lines"), list):
                cart = [(str(line["sku"]), int(line.get("quantity", 1))) for line in body["lines"]]
                order_sn = self.emu.place_cart(shop_id, cart, bool(body.get("own_carrier", False)))
            elif not body.get("sku"):
                raise ValueError("sku is required")
            else:
                order_sn = self.emu.place_order(shop_id, str(body["sku"]), int(body.get("quantity", 1)))
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        if order_sn is None:
            return JSONResponse({"error": "the listing is unlisted or has too little stock"}, status_code=409)
        return JSONResponse({"shop_id": shop_id, "order_sn": order_sn}, status_code=201)

    async def open_return(self, request: Request) -> Response:
        """A buyer asks to return {"order_sn", "quantity"} (1 by default) of a shipped order's first line."""
        shop_id = int(request.path_params["shop_id"])
        try:
            body = await json_object(request)
            if not body.get("order_sn"):
                raise ValueError("order_sn is required")
            return_sn = self.emu.open_return(shop_id, str(body["order_sn"]), int(body.get("quantity", 1)))
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse({"shop_id": shop_id, "return_sn": return_sn}, status_code=201)

    def _shop_info(self, shop_id: int) -> dict[str, Any]:
        with self.emu.lock:
            shop = self.emu.world.shop(shop_id)
            return {
                "shop_id": shop.shop_id,
                "region": shop.region.code,
                "currency": shop.region.currency,
                "name": shop.name,
                "order_count": len(shop.orders),
            }

    def routes(self) -> list[Route]:
        return [
            Route("/_emulator/shops", self.add_shop, methods=["POST"]),
            Route("/_emulator/shops", self.list_shops, methods=["GET"]),
            Route("/_emulator/shops/{shop_id:int}/orders", self.generate, methods=["POST"]),
            Route("/_emulator/shops/{shop_id:int}/authorize", self.authorize, methods=["POST"]),
            Route("/_emulator/shops/{shop_id:int}/catalogue", self.set_catalogue, methods=["POST"]),
            Route("/_emulator/shops/{shop_id:int}/listings", self.listings, methods=["GET"]),
            Route("/_emulator/shops/{shop_id:int}/buy", self.buy, methods=["POST"]),
            Route("/_emulator/shops/{shop_id:int}/returns", self.open_return, methods=["POST"]),
            Route("/_emulator/tick", self.tick, methods=["POST"]),
        ]


def _listings_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Prices travel as decimal strings so no float rounding creeps into a demo's checks.
    return [{**row, "price": str(row["price"])} for row in rows]


def create_app(emulator: ShopeeEmulator) -> Starlette:
    return Starlette(routes=[*ShopeeApi(emulator).routes(), *ControlApi(emulator).routes()])
