"""The HTTP surface of the Lazada emulator: the auth, order and product APIs of every venture on one ASGI app,
plus /_emulator controls.

Which venture a call is for comes, as on the real platform, from the host it was sent to
(api.lazada.sg/rest, api.lazada.co.th/rest, ..., auth.lazada.com/rest). A server on a loopback port cannot be
reached by those names, so the same APIs are also served under a path prefix naming the host:
http://127.0.0.1:8102/sg/rest/orders/get, http://127.0.0.1:8102/auth/rest/auth/token/create. The API path that
is signed is the part after /rest in both forms.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crossdock.emulators._common.catalogue import products_from_json
from crossdock.emulators._common.control import ControlBase, error, json_object
from crossdock.emulators.lazada import fulfilment_routes, signing
from crossdock.emulators.lazada.auth import Account, TokenPair
from crossdock.emulators.lazada.fulfilment_routes import Answer, ReverseRefused
from crossdock.emulators.lazada.products import FILTERS, Product, product_payload
from crossdock.emulators.lazada.regions import AUTH_HOST, HOSTS, VENTURES
from crossdock.emulators.lazada.stock import PayloadError, parse_payload
from crossdock.emulators.lazada.stock import apply as apply_sellable
from crossdock.emulators.lazada.world import ITEM_STATUSES, STATUS_FILTER_ALL, Order, RawOrder, Seller, StoredOrder

if TYPE_CHECKING:
    from crossdock.emulators.lazada.emulator import LazadaEmulator

AUTH = "auth"                       # the venture key of the authorization host
TOKEN_CREATE = "/auth/token/create"
TOKEN_REFRESH = "/auth/token/refresh"
ORDERS_GET = "/orders/get"
ORDER_GET = "/order/get"
ORDERS_ITEMS_GET = "/orders/items/get"
PRODUCTS_GET = "/products/get"
STOCK_UPDATE = "/product/stock/sellable/update"
AUTH_APIS = frozenset({TOKEN_CREATE, TOKEN_REFRESH})
SELLER_APIS = frozenset({ORDERS_GET, ORDER_GET, ORDERS_ITEMS_GET, PRODUCTS_GET, STOCK_UPDATE,
                         *fulfilment_routes.PATHS})

# Common parameters: timestamp "with less than 7200s difference from UTC time".
TIMESTAMP_TOLERANCE = timedelta(seconds=7200)
SIGN_METHOD = "sha256"
# GetOrders: limit "The supported maximum number is 100"; offset "Max Size:4500".
ORDERS_LIMIT_MAX = 100
ORDERS_OFFSET_MAX = 4500
# Assumption: GetOrders' defaults are not documented; these follow the doc's request sample and SDK docs.
ORDERS_LIMIT_DEFAULT = 100
ORDERS_SORT_BY_DEFAULT = "created_at"
ORDERS_SORT_DIRECTION_DEFAULT = "DESC"
# GetMultipleOrderItems: "No more than 50 at a time".
ORDER_IDS_MAX = 50
# GetOrders dates: "YYYY-MM-DDTHH:mm:ss±HH:MM" (error 17).
_ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
# GetProducts dates: ISO 8601; the doc's samples write the offset without a colon ("2018-01-01T00:00:00+0800").
_ISO_PRODUCTS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)$")
# GetProducts limit: "The maximum is 50" (E019 "should not exceed a maximum of 50"); offset: "The maximum offset
# is 10000". Assumption: the default page is the doc sample's 10.
PRODUCTS_LIMIT_MAX = 50
PRODUCTS_LIMIT_DEFAULT = 10
PRODUCTS_OFFSET_MAX = 10_000
# sku_seller_list: "A maximum of 100 SKUs can be returned"; a list that is not a JSON array of text is E070.
SKU_SELLER_LIST_MAX = 100

# Error messages: documented where a page gives them (GenerateAccessToken, RefreshAccessToken, the GetOrders and
# GetMultipleOrderItems error tables, the throttling message); the rest are assumptions, marked below.
MSG_MISSING = "The input parameter “{}” that is mandatory for processing this request is not supplied"
MSG_SIGNATURE = "The request signature does not conform to lazop standards"
MSG_ACCESS_TOKEN = "The specified access token is invalid or expired"     # assumption: mirrors the refresh text
MSG_REFRESH_TOKEN = "The specified refresh token is invalid or expired"
MSG_CODE = "Invalid authorization code"
MSG_THROTTLED = "Api access frequency exceeds the limit. this ban will last {} seconds"
# Assumptions: codes for an unknown app key, a stale timestamp, an unknown API path and server faults.
CODE_APP_KEY, MSG_APP_KEY = "InvalidAppKey", "The specified app key is invalid"
CODE_TIMESTAMP, MSG_TIMESTAMP = "InvalidTimestamp", "The specified timestamp is out of range (7200 s)"
CODE_API_PATH, MSG_API_PATH = "InvalidApiPath", "The specified API path is invalid"
CODE_SERVER, MSG_SERVER = "InternalError", "The request processing has failed due to some unknown error"
CODE_UNAVAILABLE, MSG_UNAVAILABLE = "ServiceUnavailable", "The request has failed due to a temporary failure"

# Assumption: the docs give no HTTP statuses for errors. The Lazop SDKs read the outcome from the body's
# `code`, as gateways of this family answer HTTP 200 with an error body; the emulator does the same, and only
# injected server faults (fail_next) carry a 5xx status.
ERROR_HTTP_STATUS: dict[str, int] = {}
DEFAULT_ERROR_HTTP_STATUS = 200


class ApiError(Exception):
    def __init__(self, code: str, message: str, kind: str = "ISV", status: int | None = None,
                 detail: list[dict[str, str]] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.kind, self.detail = code, message, kind, detail
        self.status = status if status is not None else ERROR_HTTP_STATUS.get(code, DEFAULT_ERROR_HTTP_STATUS)


def _missing(name: str) -> ApiError:
    return ApiError("MissingParameter", MSG_MISSING.format(name))


def _numbered(number: int, detail: str) -> ApiError:
    # GetOrders / GetMultipleOrderItems business errors: code "14", message 'E014: "abc" Invalid Offset'.
    return ApiError(str(number), f"E{number:03d}: {detail}")


@dataclass(frozen=True)
class CallRecord:
    """One request to a Lazada API, as the emulator answered it."""

    method: str
    venture: str            # SG, MY, ... or "auth"
    path: str               # the API path, e.g. /orders/get
    params: dict[str, str]  # without sign and tokens
    status_code: int
    seller_id: str | None
    time: datetime
    error: str = ""


@dataclass
class _Context:
    method: str
    venture: str
    path: str
    params: dict[str, str]
    now: datetime
    seller: Seller | None = None
    account: Account | None = None


def request_id() -> str:
    # Shaped like the docs' "0ba2887315178178017221014": 25 characters.
    return secrets.token_hex(6) + "".join(str(secrets.randbelow(10)) for _ in range(13))


def resolve(host: str, path: str) -> tuple[str, str] | None:
    """(venture key, API path) for a request, or None when it names no Lazada host."""
    host = host.split(":", 1)[0].lower()
    if path.startswith("/rest/"):
        if host == AUTH_HOST:
            return AUTH, path[len("/rest"):]
        if host in HOSTS:
            return HOSTS[host], path[len("/rest"):]
        return None
    prefix, _, rest = path.lstrip("/").partition("/")
    if rest.startswith("rest/"):
        key = prefix.lower()
        if key == AUTH:
            return AUTH, "/" + rest[len("rest/"):]
        if key.upper() in VENTURES:
            return key.upper(), "/" + rest[len("rest/"):]
    return None


def _timestamp(raw: str) -> datetime | None:
    # "e.g. 1517820392000": epoch milliseconds; the SDKs also accept an ISO time.
    text = raw.strip()
    if text.isdigit():
        try:
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class LazadaApi:
    """Request handling; every handler runs under the emulator's lock, so state changes are atomic."""

    def __init__(self, emulator: LazadaEmulator) -> None:
        self.emu = emulator

    async def serve(self, request: Request) -> Response:
        where = resolve(request.headers.get("host", ""), request.url.path)
        if where is None:
            error = ApiError(CODE_API_PATH, MSG_API_PATH, status=404)
            return JSONResponse(self._error_body(error), status_code=error.status)
        body = await request.body()
        params = dict(request.query_params)
        if body and "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
            # The SDKs post API parameters as a form; the signature covers them like query parameters.
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        venture, path = where
        with self.emu.lock:
            ctx = _Context(request.method, venture, path, params, self.emu.now())
            try:
                injected = self.emu.take_injected_failure()
                if injected is not None:
                    raise self._injected(injected)
                handler = self._route(ctx)
                self._authenticate(ctx)
                result = handler(ctx)
            except ReverseRefused as refused:
                exc = ApiError(str(refused.number), refused.detail)
                self._record(ctx, exc.status, exc.code)
                return JSONResponse(self._error_body(exc), status_code=exc.status)
            except ApiError as exc:
                self._record(ctx, exc.status, exc.code)
                return JSONResponse(self._error_body(exc), status_code=exc.status)
            self._record(ctx, 200, "")
        if isinstance(result, Answer):
            # Sent outside the lock: the receiver may call back into the emulator to read the order.
            self.emu._push(result.changes)
            return JSONResponse({"code": "0", **result.body, "request_id": request_id()})
        # The token APIs answer flat, with code "0" among the token fields; the others wrap data in an envelope.
        return JSONResponse({**result, "request_id": request_id()} if path in AUTH_APIS
                            else {"code": "0", "data": result, "request_id": request_id()})

    # ---- plumbing -------------------------------------------------------------------------

    @staticmethod
    def _error_body(exc: ApiError) -> dict[str, Any]:
        body: dict[str, Any] = {"type": exc.kind, "code": exc.code, "message": exc.message}
        if exc.detail is not None:
            body["detail"] = exc.detail
        return {**body, "request_id": request_id()}

    @staticmethod
    def _injected(status: int) -> ApiError:
        if status == 429:
            return ApiError("ApiCallLimit", MSG_THROTTLED.format(1), status=429)
        if status == 503:
            return ApiError(CODE_UNAVAILABLE, MSG_UNAVAILABLE, kind="ISP", status=status)
        return ApiError(CODE_SERVER, MSG_SERVER, kind="SYSTEM", status=status)

    def _record(self, ctx: _Context, status: int, error: str) -> None:
        shown = {k: v for k, v in ctx.params.items() if k not in {"sign", "access_token", "refresh_token", "code"}}
        seller_id = ctx.seller.seller_id if ctx.seller else None
        self.emu.record(CallRecord(ctx.method, ctx.venture, ctx.path, shown, status, seller_id, ctx.now, error))

    def _route(self, ctx: _Context) -> Callable[[_Context], Any]:
        routes: dict[str, Callable[[_Context], Any]] = (
            {TOKEN_CREATE: self.token_create, TOKEN_REFRESH: self.token_refresh} if ctx.venture == AUTH
            else {ORDERS_GET: self.get_orders, ORDER_GET: self.get_order, ORDERS_ITEMS_GET: self.get_order_items,
                  PRODUCTS_GET: self.get_products, STOCK_UPDATE: self.update_sellable_quantity})
        handler = routes.get(ctx.path)
        if handler is None and ctx.venture != AUTH and ctx.path in fulfilment_routes.PATHS:
            handler = self.fulfilment
        if handler is None:
            raise ApiError(CODE_API_PATH, MSG_API_PATH)
        return handler

    def fulfilment(self, ctx: _Context) -> Any:
        assert ctx.seller is not None
        if ctx.path == fulfilment_routes.REVERSE_DETAIL and ctx.method != "GET":
            # Sellers report a POST to this API is refused so.
            raise ApiError("UnsupportedHTTPMethod", "The specified HTTP method is not supported by this API")
        for name in fulfilment_routes.REQUIRED.get(ctx.path, ()):
            if not ctx.params.get(name, "").strip():
                raise _missing(name)
        return fulfilment_routes.handle(ctx.path, ctx.seller, ctx.params, int(ctx.now.timestamp()))

    def _authenticate(self, ctx: _Context) -> None:
        """Common parameters, signature, token and call limits, in the order a gateway checks them."""
        p = ctx.params
        for name in ("app_key", "timestamp", "sign_method", "sign"):
            if not p.get(name):
                raise _missing(name)
        if p["app_key"] != self.emu.app_key:
            raise ApiError(CODE_APP_KEY, MSG_APP_KEY)
        stamp = _timestamp(p["timestamp"])
        if stamp is None or abs(stamp - ctx.now) > TIMESTAMP_TOLERANCE:
            raise ApiError(CODE_TIMESTAMP, MSG_TIMESTAMP)
        if p["sign_method"] != SIGN_METHOD or not signing.verify(self.emu.app_secret, ctx.path, p, p["sign"]):
            raise ApiError("IncompleteSignature", MSG_SIGNATURE)
        if ctx.path in SELLER_APIS:
            token = p.get("access_token", "")
            if not token:
                raise _missing("access_token")
            account = self.emu.auth.account_of(token, ctx.now)
            seller_id = account.sellers.get(ctx.venture) if account else None
            # Assumption: a token used on a venture where its account has no seller is refused like a bad token.
            if account is None or seller_id is None or seller_id not in self.emu.world.sellers:
                raise ApiError("IllegalAccessToken", MSG_ACCESS_TOKEN)
            ctx.account, ctx.seller = account, self.emu.world.sellers[seller_id]
        ban = self.emu.limiter.check(self.emu.app_key, ctx.path, ctx.now)
        if ban:
            raise ApiError("ApiCallLimit", MSG_THROTTLED.format(ban))

    # ---- authorization: GenerateAccessToken, RefreshAccessToken --------------------------

    @staticmethod
    def _token_answer(pair: TokenPair, list_key: str) -> dict[str, Any]:
        acct = pair.account
        countries = sorted(acct.sellers)
        info = [{"country": c.lower(), "seller_id": acct.sellers[c], "user_id": acct.user_ids[c],
                 "short_code": f"{c}{acct.sellers[c][-5:]}"} for c in countries]
        return {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            # "cb" for a cross-border account that holds sellers in several ventures (guide sample).
            "country": countries[0].lower() if len(countries) == 1 else "cb",
            "account_platform": "seller_center",
            "expires_in": pair.expires_in,
            "refresh_expires_in": pair.refresh_expires_in,
            "account": acct.account,
            list_key: info,
            "code": "0",
        }

    def token_create(self, ctx: _Context) -> dict[str, Any]:
        code = ctx.params.get("code", "")
        if not code:
            raise _missing("code")
        pair = self.emu.auth.redeem_code(code, ctx.now)
        if pair is None:
            raise ApiError("InvalidCode", MSG_CODE)
        return self._token_answer(pair, "country_user_info")

    def token_refresh(self, ctx: _Context) -> dict[str, Any]:
        token = ctx.params.get("refresh_token", "")
        if not token:
            raise _missing("refresh_token")
        pair = self.emu.auth.refresh(token, ctx.now)
        if pair is None:
            raise ApiError("IllegalRefreshToken", MSG_REFRESH_TOKEN)
        # RefreshAccessToken's reference names the list country_user_info_list (GenerateAccessToken's does not).
        return self._token_answer(pair, "country_user_info_list")

    # ---- orders: GetOrders, GetOrder, GetMultipleOrderItems ------------------------------

    @staticmethod
    def _date(params: dict[str, str], name: str) -> int | None:
        raw = params.get(name, "")
        if raw == "":
            return None
        if not _ISO_WITH_OFFSET.match(raw.strip()):
            raise _numbered(17, f'"{raw}" Invalid Date Format')
        return int(datetime.fromisoformat(raw.strip().replace("Z", "+00:00")).timestamp())

    @staticmethod
    def _bounded_int(params: dict[str, str], name: str, default: int, low: int, high: int, number: int,
                     label: str) -> int:
        raw = params.get(name, "")
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise _numbered(number, f'"{raw}" {label}') from None
        if not low <= value <= high:
            raise _numbered(number, f'"{raw}" {label}')
        return value

    def get_orders(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.seller is not None
        p = ctx.params
        created_after, created_before = self._date(p, "created_after"), self._date(p, "created_before")
        update_after, update_before = self._date(p, "update_after"), self._date(p, "update_before")
        if created_after is None and update_after is None:
            # "Either UpdatedAfter or CreatedAfter is mandatory."
            raise _missing("created_after")
        status = p.get("status", "") or STATUS_FILTER_ALL
        if status != STATUS_FILTER_ALL and status not in ITEM_STATUSES:
            raise _numbered(36, "Invalid status filter")
        sort_by = p.get("sort_by", "") or ORDERS_SORT_BY_DEFAULT
        if sort_by not in ("created_at", "updated_at"):
            raise _numbered(75, "Invalid sort filter.")
        direction = (p.get("sort_direction", "") or ORDERS_SORT_DIRECTION_DEFAULT).upper()
        if direction not in ("ASC", "DESC"):
            raise _numbered(74, "Invalid sort direction.")
        offset = self._bounded_int(p, "offset", 0, 0, ORDERS_OFFSET_MAX, 14, "Invalid Offset")
        limit = self._bounded_int(p, "limit", ORDERS_LIMIT_DEFAULT, 1, ORDERS_LIMIT_MAX, 19, "Invalid Limit")

        def inside(moment: int, after: int | None, before: int | None) -> bool:
            # "after or on" / "before or on": both bounds are inclusive.
            return (after is None or moment >= after) and (before is None or moment <= before)

        matches: list[tuple[tuple[int, int], StoredOrder]] = []
        for order in ctx.seller.orders.values():
            if not inside(order.created_at, created_after, created_before):
                continue
            if not inside(order.updated_at, update_after, update_before):
                continue
            if status != STATUS_FILTER_ALL and status not in _statuses(order):
                continue
            moment = order.created_at if sort_by == "created_at" else order.updated_at
            # Assumption: ties on the sort time are broken by order id, in the same direction.
            matches.append(((moment, _numeric(order.order_id)), order))
        matches.sort(key=lambda pair: pair[0], reverse=direction == "DESC")
        page = [order.order_fields() for _, order in matches[offset:offset + limit]]
        # The doc sample writes both counts as strings ("count": "10", "countTotal": "500").
        return {"count": str(len(page)), "countTotal": str(len(matches)), "orders": page}

    def get_order(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.seller is not None
        order_id = ctx.params.get("order_id", "")
        if not order_id:
            raise _missing("order_id")
        order = ctx.seller.orders.get(order_id.strip())
        if order is None:
            # Assumption: GetOrder's answer for an order the seller does not have.
            raise _numbered(16, f'"{order_id}" Invalid Order ID')
        return order.order_fields()

    def get_order_items(self, ctx: _Context) -> list[dict[str, Any]]:
        assert ctx.seller is not None
        raw = ctx.params.get("order_ids", "")
        if not raw:
            raise _missing("order_ids")
        try:
            ids = json.loads(raw)
        except ValueError:
            raise _numbered(56, "Invalid OrdersIdList format. Must use array format [1,2]") from None
        if not isinstance(ids, list) or not ids:
            raise _numbered(56, "Invalid OrdersIdList format. Must use array format [1,2]")
        if len(ids) > ORDER_IDS_MAX:
            raise _numbered(38, "Too many orders were requested")
        if any(isinstance(i, bool) or not isinstance(i, int | str) or not str(i).strip().isdigit() for i in ids):
            raise _numbered(37, "One or more order id in the list are incorrect")
        out: list[dict[str, Any]] = []
        for order_id in dict.fromkeys(str(i).strip() for i in ids):
            order = ctx.seller.orders.get(order_id)
            if order is None:
                continue     # assumption: orders the seller does not have are left out of the answer
            out.append(_items_entry(order))
        if not out:
            raise _numbered(39, "No orders were found")
        return out

    # ---- products: GetProducts, UpdateSellableQuantity -----------------------------------

    @staticmethod
    def _product_date(params: dict[str, str], name: str) -> int | None:
        """A GetProducts date bound as epoch milliseconds."""
        raw = params.get(name, "").strip()
        if raw == "":
            return None
        if not _ISO_PRODUCTS.match(raw):
            raise _numbered(17, f'"{raw}" Invalid Date Format')
        return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() * 1000)

    @staticmethod
    def _sku_seller_list(params: dict[str, str]) -> set[str] | None:
        raw = params.get("sku_seller_list", "")
        if raw.strip() == "":
            return None
        try:
            skus = json.loads(raw)
        except ValueError:
            skus = None
        if not isinstance(skus, list) or not all(isinstance(s, str) for s in skus) or \
                len(skus) > SKU_SELLER_LIST_MAX:
            raise _numbered(70, "You have corrupt data in your sku seller list.")
        return set(skus)

    def _product_filter(self, params: dict[str, str]) -> Callable[[Product], bool]:
        """The optional GetProducts filters (dates "after or on" / "before or on", seller SKUs) as one test."""
        bounds = [(self._product_date(params, f"{kind}_{side}"), kind, side)
                  for kind in ("create", "update") for side in ("after", "before")]
        wanted = self._sku_seller_list(params)

        def keep(product: Product) -> bool:
            for bound, kind, side in bounds:
                moment = product.created_ms if kind == "create" else product.updated_ms
                if bound is not None and (moment < bound if side == "after" else moment > bound):
                    return False
            return wanted is None or any(s.sku.seller_sku in wanted for s in product.skus)

        return keep

    def get_products(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.seller is not None
        p = ctx.params
        status_filter = p.get("filter", "")
        if not status_filter:
            raise _missing("filter")            # documented as "Mandatory"
        if status_filter not in FILTERS:
            raise _numbered(36, "Invalid status filter")
        offset = self._bounded_int(p, "offset", 0, 0, PRODUCTS_OFFSET_MAX, 14, "Invalid Offset")
        limit = self._bounded_int(p, "limit", PRODUCTS_LIMIT_DEFAULT, 1, PRODUCTS_LIMIT_MAX, 19, "Invalid Limit")
        keep = self._product_filter(p)
        products = [product for product in ctx.seller.products.matching(status_filter) if keep(product)]
        # The doc's sample writes the count as a string ("total_products": "10"); it counts items, not SKUs.
        return {"total_products": str(len(products)),
                "products": [product_payload(product) for product in products[offset:offset + limit]]}

    def update_sellable_quantity(self, ctx: _Context) -> dict[str, Any]:
        assert ctx.seller is not None
        payload = ctx.params.get("payload", "")
        if not payload.strip():
            raise _missing("payload")
        try:
            lines = parse_payload(payload)
        except PayloadError as exc:
            raise _numbered(exc.number, exc.detail) from None
        refused = apply_sellable(ctx.seller.products, lines, int(ctx.now.timestamp() * 1000))
        if refused:
            # "This error code is an overview error code ... check the detail field in the API response to
            # understand the SKU where the error occurred and the cause of the error."
            raise ApiError("501", "E501: Update product failed", detail=refused)
        return {}

    def routes(self) -> list[Route]:
        return [Route("/{rest:path}", self.serve, methods=["GET", "POST"])]


def _numeric(order_id: str) -> int:
    return int(order_id) if order_id.isdigit() else 0


def _statuses(order: StoredOrder) -> list[str]:
    if isinstance(order, Order):
        return order.statuses()
    statuses = order.body.get("statuses")
    return [str(s) for s in statuses] if isinstance(statuses, list) else []


def _items_entry(order: StoredOrder) -> dict[str, Any]:
    if isinstance(order, RawOrder):
        return {"order_number": str(order.body.get("order_number", order.order_id)), "order_id": order.order_id,
                "order_items": order.item_list()}
    return {"order_number": order.order_id, "order_id": order.order_id,
            "order_items": [order.item_fields(item) for item in order.items]}


class ControlApi(ControlBase["LazadaEmulator"]):
    """/_emulator endpoints for driving a demo process over HTTP; not part of Lazada."""

    async def add_store(self, request: Request) -> Response:
        try:
            body = await json_object(request)
            self.emu.add_store(str(body["seller_id"]), str(body["region"]), body.get("name"), body.get("account"))
            if body.get("dbs"):
                # {"dbs": true}: Delivered by Seller is open to the store.
                self.emu.enable_dbs(str(body["seller_id"]))
        except (KeyError, ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse(self._info(str(body["seller_id"])), status_code=201)

    async def list_stores(self, request: Request) -> Response:
        with self.emu.lock:
            ids = sorted(self.emu.world.sellers)
        return JSONResponse({"sellers": [self._info(seller_id) for seller_id in ids]})

    async def generate(self, request: Request) -> Response:
        return await self._generate(request, request.path_params["seller_id"], "seller_id", "order_ids")

    async def authorize(self, request: Request) -> Response:
        return self._authorized(request.path_params["seller_id"], "code", "seller_id")

    async def set_catalogue(self, request: Request) -> Response:
        """Body {"products": [{title, active, weight_kg, variants: [{sku, name, price, quantity, barcode}]}]}."""
        seller_id = request.path_params["seller_id"]
        try:
            body = await json_object(request)
            specs = products_from_json(body["products"])
            self.emu.set_catalogue(seller_id, specs)
        except KeyError as exc:
            return error(exc, 404 if seller_id not in self.emu.world.sellers else 400)
        except (ValueError, TypeError, ArithmeticError) as exc:
            return error(exc, 400)
        return JSONResponse({"seller_id": seller_id, "products": len(specs),
                             "skus": sum(len(spec.variants) for spec in specs)}, status_code=201)

    async def listings(self, request: Request) -> Response:
        try:
            rows = self.emu.listings(request.path_params["seller_id"])
        except KeyError as exc:
            return error(exc, 404)
        return JSONResponse({"listings": [{**row, "price": str(row["price"])} for row in rows]})

    async def buy(self, request: Request) -> Response:
        """Body {"sku": seller SKU, "quantity": n}, or a cart {"lines": [{"sku", "quantity"}], "own_fleet": bool}
        (own_fleet: delivered by the seller) -> 201 {"order_id"}, or 409 when Lazada would not sell."""
        try:
            body = await json_object(request)
            seller_id = request.path_params["seller_id"]
            if isinstance(body.get("lines"), list):
                cart = [(str(line["sku"]), int(line.get("quantity", 1))) for line in body["lines"]]
                order_id = self.emu.place_cart(seller_id, cart, bool(body.get("own_fleet", False)))
            else:
                order_id = self.emu.place_order(seller_id, str(body["sku"]), int(body.get("quantity", 1)))
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        if order_id is None:
            return JSONResponse({"error": "not for sale: inactive, or not enough sellable stock"}, status_code=409)
        return JSONResponse({"order_id": order_id}, status_code=201)

    async def open_return(self, request: Request) -> Response:
        """Body {"order_id", "quantity" (1)}: the buyer asks to return units of the order's first SKU."""
        try:
            body = await json_object(request)
            if not body.get("order_id"):
                raise ValueError("order_id is required")
            reverse_id = self.emu.open_return(request.path_params["seller_id"], str(body["order_id"]),
                                              int(body.get("quantity", 1)))
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse({"reverse_order_id": reverse_id}, status_code=201)

    def _info(self, seller_id: str) -> dict[str, Any]:
        with self.emu.lock:
            seller = self.emu.world.seller(seller_id)
            return {"seller_id": seller.seller_id, "region": seller.venture.code, "currency": seller.venture.currency,
                    "name": seller.name, "account": seller.account, "order_count": len(seller.orders),
                    "dbs": seller.dbs}

    def routes(self) -> list[Route]:
        return [
            Route("/_emulator/sellers", self.add_store, methods=["POST"]),
            Route("/_emulator/sellers", self.list_stores, methods=["GET"]),
            Route("/_emulator/sellers/{seller_id}/orders", self.generate, methods=["POST"]),
            Route("/_emulator/sellers/{seller_id}/authorize", self.authorize, methods=["POST"]),
            Route("/_emulator/sellers/{seller_id}/catalogue", self.set_catalogue, methods=["POST"]),
            Route("/_emulator/sellers/{seller_id}/listings", self.listings, methods=["GET"]),
            Route("/_emulator/sellers/{seller_id}/buy", self.buy, methods=["POST"]),
            Route("/_emulator/sellers/{seller_id}/returns", self.open_return, methods=["POST"]),
            Route("/_emulator/tick", self.tick, methods=["POST"]),
        ]




def create_app(emulator: LazadaEmulator) -> Starlette:
    return Starlette(routes=[*ControlApi(emulator).routes(), *LazadaApi(emulator).routes()])
