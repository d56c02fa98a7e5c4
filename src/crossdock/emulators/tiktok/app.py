"""The HTTP surface of the TikTok Shop emulator: auth host, Partner API 202309 (shops, orders, products,
warehouses), consent page, and /_emulator controls. The auth host (auth.tiktok-shops.com) and the API host
share this one app: the paths do not collide, so a client pointed at either base URL reaches the right handler."""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from crossdock.emulators.tiktok import cancellations, products, returns, shipping, signing
from crossdock.emulators.tiktok.documents import DOCUMENT_PATH, document_url, serve_document
from crossdock.emulators.tiktok.world import ORDER_STATUSES, Order, RawOrder, Shop

if TYPE_CHECKING:
    from crossdock.emulators.tiktok.emulator import TikTokEmulator

# Auth host (Authorization overview 202407: Get Access Token API, Get Refresh Token API).
TOKEN_GET_PATH = "/api/v2/token/get"
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"
# Seller consent (services.tiktokshop.com/open/authorize?service_id=...).
CONSENT_PATH = "/open/authorize"
# Partner API 202309.
SHOPS_PATH = "/authorization/202309/shops"
ORDER_SEARCH_PATH = "/order/202309/orders/search"
ORDER_DETAIL_PATH = "/order/202309/orders"
# The current version of Get Order Detail: same request and answer (the 202309 fields are a subset).
ORDER_DETAIL_PATH_202507 = "/order/202507/orders"

# "Timestamps must lie within the range of 5 minutes before to 30 seconds beyond the current time."
TIMESTAMP_PAST = timedelta(minutes=5)
TIMESTAMP_FUTURE = timedelta(seconds=30)
PAGE_SIZE_MAX = 100            # Get Order List page_size "Valid range: [1-100]"
DETAIL_IDS_MAX = 50            # Get Order Detail ids "Max count: 50"
CONSENT_SESSION_TTL = timedelta(minutes=30)

# Common error codes (TikTok Shop API concepts > Common errors).
TOO_MANY_REQUESTS = 36009002
INTERNAL_ERROR = 36009003       # the error_code_list of every order and authorization API
INVALID_PATH = 36009009
INVALID_METHOD = 36009010
INVALID_FORMAT = 36009022
CREDENTIALS = 36009004          # missing sign, bad token/app_key/timestamp, unexpected identifiers
EXPIRED_TOKEN = 105002
INVALID_SIGN = 106001
MISSING_SHOP_CIPHER = 106013
TOKEN_SHOP_MISMATCH = 101000
# Assumption: the Partner API documents no generic "bad parameter" code; the emulator answers the
# Parameter errors table's 36009004 with a message naming the parameter.
INVALID_PARAMETER = 36009004
# Auth host codes. 36004005 ("can not find related auth record") and 36004001 ("rt has expired") are
# what sellers report from the live auth host (EcomPHP/tiktokshop-php#15); the other two are assumptions.
AUTH_RECORD_NOT_FOUND = 36004005
AUTH_REFRESH_EXPIRED = 36004001
AUTH_INVALID_APP = 36004004     # assumption
AUTH_INVALID_PARAM = 36004003   # assumption

# Only HTTP 429 (throttled) and 503 (overload) are documented; the other statuses are assumptions.
# The auth host answers HTTP 200 with the error in `code` (the SDKs read the body of every answer).
ERROR_HTTP_STATUS: dict[int, int] = {
    TOO_MANY_REQUESTS: 429, INTERNAL_ERROR: 500, INVALID_PATH: 404, INVALID_METHOD: 405, INVALID_FORMAT: 400,
    CREDENTIALS: 401, EXPIRED_TOKEN: 401, INVALID_SIGN: 401, MISSING_SHOP_CIPHER: 400, TOKEN_SHOP_MISMATCH: 403,
}
MESSAGES = {
    TOO_MANY_REQUESTS: "Too many requests. You've made too many requests in a short period of time.",
    INTERNAL_ERROR: "Internal error. Please try again. If the issue persists after multiple attempts, "
                    "please contact platform support.",
    EXPIRED_TOKEN: "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.",
    INVALID_SIGN: "Invalid credentials. The `sign` query parameter is invalid.",
    MISSING_SHOP_CIPHER: "Missing identifier. The `shop_cipher` query parameter is required to identify the "
                         "target shop.",
    TOKEN_SHOP_MISMATCH: "Invalid query or header. The `category_asset_cipher` query parameter or "
                         "`x-tts-access-token` header is invalid.",
}
GRANTED_SCOPES = ["seller.authorization.info", "seller.order.info", "seller.fulfillment.basic"]


class ApiError(Exception):
    def __init__(self, code: int, message: str | None = None, status: int | None = None) -> None:
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, "Error")
        self.status = status if status is not None else ERROR_HTTP_STATUS.get(code, 400)
        super().__init__(f"{code}: {self.message}")


def _param(detail: str) -> ApiError:
    return ApiError(INVALID_PARAMETER, f"Invalid parameter. {detail}", 400)


@dataclass(frozen=True)
class CallRecord:
    """One request the emulator answered."""

    method: str
    path: str
    query: dict[str, str]
    status_code: int
    shop_id: str | None
    time: datetime
    code: int = 0


@dataclass
class _Context:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    now: datetime
    pairs: list[tuple[str, str]] = field(default_factory=list)   # the query as sent, repeated keys kept
    base_url: str = ""
    account: str = ""
    shop: Shop | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def now_ts(self) -> int:
        return int(self.now.timestamp())


def _request_id(now: datetime) -> str:
    # Shaped like the docs' request ids: a timestamp then hex.
    return now.strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:20].upper()


def _encode_token(key: tuple[int, str], query_hash: str) -> str:
    raw = json.dumps({"k": list(key), "q": query_hash}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, query_hash: str) -> tuple[int, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        value, order_id = data["k"]
        if data["q"] != query_hash:
            raise ValueError("page_token of another query")
        return int(value), str(order_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise _param("page_token is invalid.") from None


def _times(order: Order | RawOrder) -> tuple[int, int]:
    return order.create_time, order.update_time


def _template_pattern(template: str) -> re.Pattern[str]:
    """"/a/{x}/b" -> a pattern matching "/a/<one path segment>/b", the segment captured as `x`."""
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(f"(?P<{p}>[^/]+)" if i % 2 else re.escape(p) for i, p in enumerate(parts)))


@contextmanager
def _fulfilment_errors() -> Iterator[None]:
    """A Fulfillment, Logistics or Return API's refusal, in the common error envelope."""
    try:
        yield
    except (shipping.FulfilmentError, returns.ReturnsError, cancellations.CancelError) as exc:
        # Assumption, as for the other business errors: HTTP 400 with the code in the body.
        raise ApiError(exc.code, exc.message, 400) from None


@contextmanager
def _product_errors() -> Iterator[None]:
    """A product API's refusal of the whole call, answered in the common error envelope."""
    try:
        yield
    except products.ProductApiError as exc:
        # Assumption, as for the other business errors: HTTP 400 with the code in the body.
        raise ApiError(exc.code, exc.message, 400) from None


class TikTokApi:
    """Request handling; handlers run under the emulator's lock so each call sees one consistent world."""

    def __init__(self, emulator: TikTokEmulator) -> None:
        self.emu = emulator
        self._consent_sessions: dict[str, tuple[str, datetime]] = {}
        # path template -> (method, handler, needs shop_cipher)
        self.open_api: dict[str, tuple[str, Callable[[_Context], dict[str, Any]], bool]] = {
            SHOPS_PATH: ("GET", self.get_authorized_shops, False),
            ORDER_SEARCH_PATH: ("POST", self.get_order_list, True),
            ORDER_DETAIL_PATH: ("GET", self.get_order_detail, True),
            ORDER_DETAIL_PATH_202507: ("GET", self.get_order_detail, True),
            products.SEARCH_PATH: ("POST", self.search_products, True),
            products.INVENTORY_UPDATE_PATH: ("POST", self.update_inventory, True),
            products.WAREHOUSES_PATH: ("GET", self.get_warehouses, True),
            shipping.SHIP_PACKAGE_PATH: ("POST", self.ship_package, True),
            shipping.MARK_SHIPPED_PATH: ("POST", self.mark_package_shipped, True),
            shipping.CREATE_PACKAGES_PATH: ("POST", self.create_packages, True),
            shipping.ELIGIBLE_SERVICES_PATH: ("POST", self.eligible_services, True),
            shipping.SHIPPING_DOCUMENT_PATH: ("GET", self.shipping_document, True),
            shipping.TRACKING_PATH: ("GET", self.get_tracking, True),
            shipping.SHIPPING_PROVIDERS_PATH: ("GET", self.shipping_providers, True),
            returns.SEARCH_PATH: ("POST", self.search_returns, True),
            cancellations.CANCEL_PATH: ("POST", self.cancel_order, True),
            cancellations.SEARCH_PATH: ("POST", self.search_cancellations, True),
        }
        self._templates = [(_template_pattern(t), t) for t in self.open_api if "{" in t]

    # ---- plumbing -------------------------------------------------------------------------

    def _resolve(self, ctx: _Context) -> str | None:
        """The API template the request's path belongs to, its path parameters kept in ctx.extra."""
        if ctx.path in self.open_api:
            return ctx.path
        for pattern, template in self._templates:
            match = pattern.fullmatch(ctx.path)
            if match:
                ctx.extra["path"] = match.groupdict()
                return template
        return None

    async def _context(self, request: Request) -> _Context:
        body = await request.body()
        return _Context(request.method, request.url.path, dict(request.query_params),
                        {k.lower(): v for k, v in request.headers.items()}, body, self.emu.now(),
                        pairs=request.query_params.multi_items(), base_url=str(request.base_url))

    def _record(self, ctx: _Context, status: int, code: int) -> None:
        shop_id = ctx.shop.shop_id if ctx.shop else None
        query = {k: v for k, v in ctx.query.items() if k not in ("app_secret", "access_token")}
        self.emu.record(CallRecord(ctx.method, ctx.path, query, status, shop_id, ctx.now, code))

    def _answer(self, ctx: _Context, handler: Callable[[_Context], dict[str, Any]], success: str) -> Response:
        try:
            injected = self.emu.take_injected_failure()
            if injected is not None:
                raise ApiError(TOO_MANY_REQUESTS if injected == 429 else INTERNAL_ERROR, status=injected)
            data = handler(ctx)
        except ApiError as exc:
            self._record(ctx, exc.status, exc.code)
            return JSONResponse({"code": exc.code, "message": exc.message, "request_id": _request_id(ctx.now)},
                                status_code=exc.status)
        self._record(ctx, 200, 0)
        return JSONResponse({"code": 0, "message": success, "request_id": _request_id(ctx.now), "data": data})

    # ---- the auth host --------------------------------------------------------------------

    def _app_credentials(self, ctx: _Context, grant_type: str) -> None:
        # The auth host answers HTTP 200 and puts the failure in `code`.
        if ctx.query.get("app_key") != self.emu.app_key or ctx.query.get("app_secret") != self.emu.app_secret:
            raise ApiError(AUTH_INVALID_APP, "invalid app_key or app_secret", 200)
        if ctx.query.get("grant_type") != grant_type:
            raise ApiError(AUTH_INVALID_PARAM, f"grant_type must be {grant_type}", 200)

    def _token_data(self, pair: Any) -> dict[str, Any]:
        seller = self.emu.world.seller(pair.account)
        return {
            "access_token": pair.access_token, "access_token_expire_in": int(pair.access_expires_at.timestamp()),
            "refresh_token": pair.refresh_token,
            "refresh_token_expire_in": int(pair.refresh_expires_at.timestamp()),
            "open_id": seller.open_id, "seller_name": seller.name, "seller_base_region": seller.base_region,
            "user_type": 0, "granted_scopes": list(GRANTED_SCOPES),
        }

    def token_get(self, ctx: _Context) -> dict[str, Any]:
        self._app_credentials(ctx, "authorized_code")
        code = ctx.query.get("auth_code", "")
        if not code:
            raise ApiError(AUTH_INVALID_PARAM, "auth_code is required", 200)
        pair = self.emu.auth.redeem_code(code, ctx.now)
        if pair is None:
            raise ApiError(AUTH_RECORD_NOT_FOUND, "can not find related auth record", 200)
        ctx.account = pair.account
        return self._token_data(pair)

    def token_refresh(self, ctx: _Context) -> dict[str, Any]:
        self._app_credentials(ctx, "refresh_token")
        token = ctx.query.get("refresh_token", "")
        if not token:
            raise ApiError(AUTH_INVALID_PARAM, "refresh_token is required", 200)
        state = self.emu.auth.refresh_state(token, ctx.now)
        if state == "expired":
            raise ApiError(AUTH_REFRESH_EXPIRED, "rt has expired", 200)
        pair = self.emu.auth.refresh(token, ctx.now)
        if pair is None:
            raise ApiError(AUTH_RECORD_NOT_FOUND, "can not find related auth record", 200)
        return self._token_data(pair)

    async def token_get_endpoint(self, request: Request) -> Response:
        ctx = await self._context(request)
        with self.emu.lock:
            return self._answer(ctx, self.token_get, "success")

    async def token_refresh_endpoint(self, request: Request) -> Response:
        ctx = await self._context(request)
        with self.emu.lock:
            return self._answer(ctx, self.token_refresh, "success")

    # ---- the Partner API: common parameters, signature, token, shop -----------------------

    def _authenticate(self, ctx: _Context, needs_shop: bool) -> None:
        query = ctx.query
        if query.get("app_key") != self.emu.app_key:
            raise ApiError(CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter.")
        if not query.get("sign"):
            raise ApiError(CREDENTIALS, "Missing credentials. The request does not include a required signature "
                                        "in the query.")
        stamp = int_or_none(query.get("timestamp"))
        if stamp is None or stamp < 0:
            raise ApiError(CREDENTIALS, "Invalid timestamp. The value of the `timestamp` query parameter must not "
                                        "be lesser than 0.")
        if stamp < ctx.now_ts - TIMESTAMP_PAST.total_seconds():
            raise ApiError(CREDENTIALS, "Invalid timestamp. The value of the `timestamp` query parameter must not "
                                        "be earlier than 5 minutes before the current time.")
        if stamp > ctx.now_ts + TIMESTAMP_FUTURE.total_seconds():
            raise ApiError(CREDENTIALS, "Invalid timestamp. The value of the `timestamp` query parameter must not "
                                        "exceed the current time by more than 30 seconds.")
        # A multipart body is left out of the signature; every other body is signed as sent.
        multipart = ctx.headers.get("content-type", "").startswith("multipart/form-data")
        body = "" if multipart else ctx.body.decode("utf-8", "replace")
        if not signing.verify(self.emu.app_secret, ctx.path, ctx.pairs or query, body, query["sign"]):
            raise ApiError(INVALID_SIGN)
        if ctx.body and ctx.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise ApiError(INVALID_FORMAT, "Invalid request format. The request body format must be "
                                           "`application/json` for structured data or `multipart/form-data` "
                                           "for binary files.")
        token = ctx.headers.get("x-tts-access-token", "")
        state, account = self.emu.auth.access_state(token, ctx.now)
        if state == "unknown":
            raise ApiError(CREDENTIALS, "Invalid credentials. The `x-tts-access-token` header is invalid.")
        if state == "expired":
            raise ApiError(EXPIRED_TOKEN)
        ctx.account = account
        cipher = query.get("shop_cipher")
        if not needs_shop:
            if cipher is not None:
                raise ApiError(CREDENTIALS, "Unexpected identifier. The `shop_cipher` query parameter is not "
                                            "required for this request.", 400)
        else:
            if not cipher:
                raise ApiError(MISSING_SHOP_CIPHER)
            shop = self.emu.world.shop_by_cipher(cipher)
            if shop is None or shop.account != account:
                raise ApiError(TOKEN_SHOP_MISMATCH)
            ctx.shop = shop
        limiter_key = ctx.shop.shop_id if ctx.shop else f"seller:{account}"
        # The quota is per API: every product's Update Inventory path shares one bucket.
        if not self.emu.limiter.allow(ctx.extra.get("api") or ctx.path, limiter_key, ctx.now):
            raise ApiError(TOO_MANY_REQUESTS)

    async def open_api_endpoint(self, request: Request) -> Response:
        ctx = await self._context(request)
        with self.emu.lock:
            template = self._resolve(ctx)
            route = self.open_api.get(template) if template else None
            ctx.extra["api"] = template

            def handle(c: _Context) -> dict[str, Any]:
                if route is None:
                    raise ApiError(INVALID_PATH, "Invalid path. The specified path does not match any available "
                                                 "endpoint.")
                method, handler, needs_shop = route
                if c.method != method:
                    raise ApiError(INVALID_METHOD, "Invalid method. The HTTP method used is not supported by this "
                                                   "endpoint.")
                self._authenticate(c, needs_shop)
                return handler(c)

            response = self._answer(ctx, handle, "Success")
        # Webhooks go out once the lock is free: the receiver may call back to read the order.
        self.emu.notify(ctx.extra.get("changed", []), ctx.extra.get("cancellations", []))
        return response

    # ---- Partner API handlers -------------------------------------------------------------

    def get_authorized_shops(self, ctx: _Context) -> dict[str, Any]:
        seller = self.emu.world.seller(ctx.account)
        shops = [self.emu.world.shop(shop_id) for shop_id in seller.shop_ids]
        seller_type = "CROSS_BORDER" if len({s.region.code for s in shops}) > 1 else "LOCAL"
        return {"shops": [{"id": s.shop_id, "name": s.name, "region": s.region.code, "seller_type": seller_type,
                           "cipher": s.cipher, "code": s.code} for s in shops]}

    def _json_body(self, ctx: _Context) -> dict[str, Any]:
        if not ctx.body.strip():
            return {}
        try:
            body = json.loads(ctx.body)
        except ValueError:
            raise ApiError(INVALID_FORMAT, "Invalid request format. The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise ApiError(INVALID_FORMAT, "Invalid request format. The request body must be a JSON object.")
        return body

    def get_order_list(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        query = ctx.query
        page_size = int_or_none(query.get("page_size"))
        if page_size is None or not 1 <= page_size <= PAGE_SIZE_MAX:
            raise _param(f"page_size must be between 1 and {PAGE_SIZE_MAX}.")
        sort_field = query.get("sort_field") or "create_time"
        if sort_field not in ("create_time", "update_time"):
            raise _param("sort_field must be create_time or update_time.")
        sort_order = query.get("sort_order") or "DESC"
        if sort_order not in ("ASC", "DESC"):
            raise _param("sort_order must be ASC or DESC.")
        body = self._json_body(ctx)
        bounds: dict[str, int] = {}
        for name in ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt"):
            if body.get(name) is not None:
                value = int_or_none(body[name])
                if value is None or value < 0:
                    raise _param(f"{name} must be a Unix timestamp.")
                bounds[name] = value
        status = body.get("order_status")
        if status is not None and status not in ORDER_STATUSES:
            raise _param("order_status is invalid.")
        shipping_type = body.get("shipping_type")
        if shipping_type is not None and shipping_type not in ("TIKTOK", "SELLER"):
            raise _param("shipping_type must be TIKTOK or SELLER.")
        buyer = body.get("buyer_user_id")

        # "If *_ge is filled but *_lt is empty, *_lt will default to the current time", and the reverse
        # defaults to the shop's earliest time.
        def window(prefix: str) -> tuple[int, int] | None:
            ge, lt = bounds.get(f"{prefix}_ge"), bounds.get(f"{prefix}_lt")
            if ge is None and lt is None:
                return None
            return (ge if ge is not None else 0), (lt if lt is not None else ctx.now_ts)

        created, updated = window("create_time"), window("update_time")
        query_hash = hashlib.sha256(json.dumps([sort_field, sort_order, sorted(body.items(), key=str)],
                                               default=str).encode()).hexdigest()[:16]
        after = _decode_token(query["page_token"], query_hash) if query.get("page_token") else None
        descending = sort_order == "DESC"
        matches: list[tuple[tuple[int, str], Order | RawOrder]] = []
        for order_id, order in ctx.shop.orders.items():
            create_time, update_time = _times(order)
            if created and not created[0] <= create_time < created[1]:
                continue
            if updated and not updated[0] <= update_time < updated[1]:
                continue
            if status is not None and order.status != status:
                continue
            user_id = order.user_id if isinstance(order, Order) else str(order.body.get("user_id", ""))
            if buyer is not None and user_id != str(buyer):
                continue
            shipped_by = "TIKTOK" if isinstance(order, Order) else str(order.body.get("shipping_type", ""))
            if shipping_type is not None and shipped_by != shipping_type:
                continue
            key = (create_time if sort_field == "create_time" else update_time, order_id)
            matches.append((key, order))
        matches.sort(key=lambda pair: pair[0], reverse=descending)
        total = len(matches)
        if after is not None:
            matches = [m for m in matches if (m[0] < after if descending else m[0] > after)]
        page = matches[:page_size]
        more = len(matches) > page_size
        return {
            "next_page_token": _encode_token(page[-1][0], query_hash) if more else "",
            "total_count": total,
            "orders": [order.payload() for _, order in page],
        }

    def get_order_detail(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        # ids come comma-joined (ids=a,b) or repeated (ids=a&ids=b), as client libraries encode lists.
        sent = [v for k, v in ctx.pairs if k == "ids"] or [ctx.query.get("ids") or ""]
        ids = [part.strip() for value in sent for part in value.split(",") if part.strip()]
        if not ids:
            raise _param("ids is required.")
        if len(ids) > DETAIL_IDS_MAX:
            raise _param(f"ids accepts at most {DETAIL_IDS_MAX} order ids.")
        # Assumption: ids the shop does not have are left out of the answer rather than failing the call.
        found = [ctx.shop.orders[i].payload() for i in dict.fromkeys(ids) if i in ctx.shop.orders]
        return {"orders": found}

    def search_products(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _product_errors():
            return products.search_products(ctx.shop.listing, ctx.shop.region, ctx.query, body, ctx.now_ts)

    def get_warehouses(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        return products.list_warehouses(ctx.shop.listing, ctx.shop.region)

    def update_inventory(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _product_errors():
            return products.update_inventory(ctx.shop.listing, ctx.extra["path"]["product_id"], body, ctx.now_ts)

    # ---- fulfilment and returns ----------------------------------------------------------

    def _path(self, ctx: _Context, name: str) -> str:
        return str(ctx.extra["path"][name])

    def ship_package(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _fulfilment_errors():
            return shipping.ship_package(ctx.shop, self._path(ctx, "package_id"), body, ctx.now_ts, self.emu.world.rng)

    def mark_package_shipped(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _fulfilment_errors():
            return shipping.mark_package_shipped(ctx.shop, self._path(ctx, "order_id"), body, ctx.now_ts,
                                                 self.emu.world.rng, self._package_id)

    def create_packages(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _fulfilment_errors():
            return shipping.create_packages(ctx.shop, body, ctx.now_ts, self.emu.world.rng, self._package_id)

    def eligible_services(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _fulfilment_errors():
            return shipping.eligible_services(ctx.shop, self._path(ctx, "order_id"), body)

    def shipping_document(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        with _fulfilment_errors():
            wanted = shipping.shipping_document(ctx.shop, self._path(ctx, "package_id"), ctx.query)
        shipment = wanted.order.shipments[wanted.package]
        url = document_url(self.emu.url_key, ctx.base_url, ctx.shop.shop_id, wanted.order.package_ids[wanted.package],
                           wanted.document_type, wanted.size, ctx.now_ts + shipping.DOCUMENT_URL_TTL)
        return {"doc_url": url, "tracking_number": shipment.tracking_number}

    def get_tracking(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        with _fulfilment_errors():
            return shipping.tracking(ctx.shop, self._path(ctx, "order_id"))

    def shipping_providers(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        with _fulfilment_errors():
            return shipping.get_shipping_providers(ctx.shop, self._path(ctx, "delivery_option_id"))

    def search_returns(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _fulfilment_errors():
            return returns.search_returns(ctx.shop, ctx.query, body, ctx.now_ts)

    def cancel_order(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _fulfilment_errors():
            # Cancel ids look like the docs' ("4035318504086604100").
            case = cancellations.cancel_order(ctx.shop, body, ctx.now_ts, lambda: self.emu.world.new_id("4035", 19))
        ctx.extra["changed"] = [(ctx.shop.shop_id, case.order_id)]
        ctx.extra["cancellations"] = [(ctx.shop.shop_id, case.cancel_id)]
        return {"cancel_id": case.cancel_id, "cancel_status": case.status}

    def search_cancellations(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.shop is not None
        body = self._json_body(ctx)
        with _fulfilment_errors():
            return cancellations.search_cancellations(ctx.shop, ctx.query, body, ctx.now_ts)

    def _package_id(self) -> str:
        return self.emu.world.new_id("115", 19)

    async def document(self, request: Request) -> Response:
        """The object-storage URL a doc_url points at: the PDF, while the URL's 24 hours last."""
        with self.emu.lock:
            return serve_document(self.emu, request.path_params["token"])

    # ---- the seller's consent page --------------------------------------------------------

    async def consent_page(self, request: Request) -> Response:
        with self.emu.lock:
            now = self.emu.now()
            if not request.query_params.get("service_id"):
                return JSONResponse({"code": AUTH_INVALID_PARAM, "message": "service_id is required"},
                                    status_code=400)
            session = secrets.token_hex(16)
            self._consent_sessions[session] = (request.query_params.get("state", ""), now + CONSENT_SESSION_TTL)
            sellers = sorted(self.emu.world.sellers.values(), key=lambda s: s.account)
            rows = "\n".join(
                f"""<li><form method="post" action="{CONSENT_PATH}">
  <input type="hidden" name="session" value="{session}">
  <input type="hidden" name="account" value="{html.escape(s.account)}">
  <strong>{html.escape(s.name)}</strong> ({len(s.shop_ids)} shops, {html.escape(s.base_region)})
  <button type="submit">Authorize</button>
</form></li>""" for s in sellers)
        return HTMLResponse(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>TikTok Shop - Authorize app (emulator)</title></head>
<body><h1>Authorize app {html.escape(self.emu.app_key)}</h1><p>Log in as the seller granting access.</p>
<ul>
{rows or "<li>No sellers in the emulator.</li>"}
</ul></body></html>""")

    async def consent_confirm(self, request: Request) -> Response:
        form = form_fields(await request.body())
        with self.emu.lock:
            now = self.emu.now()
            session = self._consent_sessions.pop(form.get("session", ""), None)
            account = form.get("account", "")
            if session is None or now >= session[1] or account not in self.emu.world.sellers:
                return JSONResponse({"code": AUTH_INVALID_PARAM, "message": "Authorization session expired."},
                                    status_code=400)
            code = self.emu.auth.issue_code(account, now)
        # "{redirect_url}?code=...&state={state}"
        return RedirectResponse(with_query(self.emu.redirect_url, {"code": code, "state": session[0]}),
                                status_code=302)

    def routes(self) -> list[Route]:
        return [
            Route(TOKEN_GET_PATH, self.token_get_endpoint, methods=["GET"]),
            Route(TOKEN_REFRESH_PATH, self.token_refresh_endpoint, methods=["GET"]),
            Route(CONSENT_PATH, self.consent_page, methods=["GET"]),
            Route(CONSENT_PATH, self.consent_confirm, methods=["POST"]),
            Route(DOCUMENT_PATH, self.document, methods=["GET"]),
        ]

    def fallback(self) -> list[Route]:
        return [Route("/{rest:path}", self.open_api_endpoint, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])]


class ControlApi(ControlBase["TikTokEmulator"]):
    """/_emulator endpoints for driving a demo process over HTTP; not part of TikTok Shop."""

    async def add_shop(self, request: Request) -> Response:
        try:
            body = await json_object(request)
            self.emu.add_store(str(body["shop_id"]), str(body["region"]), body.get("name"), body.get("account"))
        except (KeyError, ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse(self._shop_info(str(body["shop_id"])), status_code=201)

    async def list_shops(self, request: Request) -> Response:
        with self.emu.lock:
            ids = sorted(self.emu.world.shops)
        return JSONResponse({"shops": [self._shop_info(i) for i in ids]})

    async def generate(self, request: Request) -> Response:
        return await self._generate(request, request.path_params["shop_id"], "shop_id", "order_ids")

    async def authorize(self, request: Request) -> Response:
        return self._authorized(request.path_params["account"], "code", "account")

    async def set_catalogue(self, request: Request) -> Response:
        """Replace the shop's catalogue: {"products": [{title, active, weight_kg, variants: [...]}]}."""
        shop_id = request.path_params["shop_id"]
        try:
            specs = products_from_json((await json_object(request)).get("products"))
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            return error(exc, 400)
        try:
            self.emu.set_catalogue(shop_id, specs)
        except KeyError as exc:
            return error(exc, 404)
        except ValueError as exc:
            return error(exc, 400)
        return JSONResponse({"shop_id": shop_id, "listings": len(self.emu.listings(shop_id))}, status_code=201)

    async def listings(self, request: Request) -> Response:
        try:
            rows = self.emu.listings(request.path_params["shop_id"])
        except KeyError as exc:
            return error(exc, 404)
        return JSONResponse({"listings": [dict(row, price=str(row["price"])) for row in rows]})

    async def buy(self, request: Request) -> Response:
        """A buyer buys now: {"sku", "quantity"} or {"lines": [{"sku", "quantity"}, ...]} -> {"order_id"}, or 409
        when TikTok would not sell it."""
        try:
            body = await json_object(request)
            raw_lines = body.get("lines") or [body]
            lines = [(str(line["sku"]), int(line.get("quantity", 1))) for line in raw_lines]
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            return error(exc, 400)
        try:
            order_id = self.emu.place_order_lines(request.path_params["shop_id"], lines)
        except KeyError as exc:      # no such shop, or no such SKU in it
            return error(exc, 404)
        except ValueError as exc:
            return error(exc, 400)
        if order_id is None:
            return JSONResponse({"error": "not for sale: the product is not live or the stock is short"},
                                status_code=409)
        return JSONResponse({"order_id": order_id}, status_code=201)

    async def shipping_type(self, request: Request) -> Response:
        """The shop's warehouse delivery setting: {"shipping_type": "TIKTOK" | "SELLER"}."""
        try:
            body = await json_object(request)
            self.emu.set_shipping_type(request.path_params["shop_id"], str(body["shipping_type"]))
        except KeyError as exc:
            return error(exc, 404 if "shop" in str(exc) else 400)
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse({"shop_id": request.path_params["shop_id"], "shipping_type": body["shipping_type"]})

    async def open_return(self, request: Request) -> Response:
        """The buyer asks for a return: {"quantity": 1, "seller_sku"?, "return_type"?} -> {"return_id"}."""
        shop_id, order_id = request.path_params["shop_id"], request.path_params["order_id"]
        try:
            body = await json_object(request)
            return_id = self.emu.open_return(shop_id, order_id, int(body.get("quantity", 1)), body.get("seller_sku"),
                                             str(body.get("return_type", "RETURN_AND_REFUND")))
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError) as exc:
            return error(exc, 409)
        return JSONResponse({"return_id": return_id}, status_code=201)

    async def return_status(self, request: Request) -> Response:
        """Move a return along: {"status", "tracking_number"?}."""
        shop_id, return_id = request.path_params["shop_id"], request.path_params["return_id"]
        try:
            body = await json_object(request)
            self.emu.set_return_status(shop_id, return_id, str(body["status"]), str(body.get("tracking_number", "")))
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse({"return_id": return_id, "status": body["status"]})

    def _shop_info(self, shop_id: str) -> dict[str, Any]:
        with self.emu.lock:
            shop = self.emu.world.shop(shop_id)
            return {"shop_id": shop.shop_id, "region": shop.region.code, "currency": shop.region.currency,
                    "name": shop.name, "account": shop.account, "order_count": len(shop.orders)}

    def routes(self) -> list[Route]:
        return [
            Route("/_emulator/shops", self.add_shop, methods=["POST"]),
            Route("/_emulator/shops", self.list_shops, methods=["GET"]),
            Route("/_emulator/shops/{shop_id}/orders", self.generate, methods=["POST"]),
            Route("/_emulator/shops/{shop_id}/catalogue", self.set_catalogue, methods=["POST"]),
            Route("/_emulator/shops/{shop_id}/listings", self.listings, methods=["GET"]),
            Route("/_emulator/shops/{shop_id}/buy", self.buy, methods=["POST"]),
            Route("/_emulator/shops/{shop_id}/shipping_type", self.shipping_type, methods=["POST"]),
            Route("/_emulator/shops/{shop_id}/orders/{order_id}/returns", self.open_return, methods=["POST"]),
            Route("/_emulator/shops/{shop_id}/returns/{return_id}/status", self.return_status, methods=["POST"]),
            Route("/_emulator/sellers/{account}/authorize", self.authorize, methods=["POST"]),
            Route("/_emulator/tick", self.tick, methods=["POST"]),
        ]




def create_app(emulator: TikTokEmulator) -> Starlette:
    api = TikTokApi(emulator)
    return Starlette(routes=[*api.routes(), *ControlApi(emulator).routes(), *api.fallback()])
