"""The HTTP surface of the Amazon emulator: LWA, Sellers, Tokens, Orders v0, Listings Items, Feeds, Reports and
Merchant Fulfillment (Buy Shipping) as documented, plus /_emulator.

Paths, parameters, error bodies and usage plans follow the SP-API models (ordersV0.json, sellers.json,
tokens_2021-03-01.json, listingsItems_2021-08-01.json, feeds_2021-06-30.json, reports_2021-06-30.json,
merchantFulfillmentV0.json); where the models are silent the choice is a named constant marked "assumption".
"""

from __future__ import annotations

import html
import json
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from crossdock.emulators._common.catalogue import products_from_json
from crossdock.emulators._common.control import ControlBase, error, json_object
from crossdock.emulators._common.web import form_fields, with_query
from crossdock.emulators.amazon.auth import Resource
from crossdock.emulators.amazon.feeds_api import FeedsApi
from crossdock.emulators.amazon.listings_api import ListingsApi
from crossdock.emulators.amazon.mfn_api import MerchantFulfillmentApi
from crossdock.emulators.amazon.reports_api import ReportsApi
from crossdock.emulators.amazon.shipping_api import ShippingApi
from crossdock.emulators.amazon.wire import (
    DENIED,
    Answer,
    ApiError,
    CallRecord,
    Context,
    decode_token,
    encode_token,
    invalid,
)
from crossdock.emulators.amazon.world import (
    ALL_ELEMENTS,
    BUYER_INFO,
    ORDER_STATUSES,
    SHIPPING_ADDRESS,
    StoredOrder,
    iso,
    parse_iso,
)

if TYPE_CHECKING:
    from crossdock.emulators.amazon.emulator import AmazonEmulator

LWA_TOKEN_PATH = "/auth/o2/token"
CONSENT_PATH = "/apps/authorize/consent"
PARTICIPATIONS_PATH = "/sellers/v1/marketplaceParticipations"
RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
ORDERS_PATH = "/orders/v0/orders"

# getOrders: "MaxResultsPerPage ... Value must be 1 - 100. Default 100."; MarketplaceIds and AmazonOrderIds maxItems 50.
MAX_RESULTS_PER_PAGE = 100
MAX_LIST_ITEMS = 50
# "LastUpdatedBefore ... at least 2 minutes before current time" (the same for CreatedBefore).
BEFORE_MIN_AGE = timedelta(minutes=2)
# Assumption: getOrderItems pages are not documented; a hundred items per page.
ORDER_ITEMS_PAGE_SIZE = 100
# CreateRestrictedDataTokenRequest.restrictedResources: "Maximum: 50".
MAX_RESTRICTED_RESOURCES = 50
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
FULFILLMENT_CHANNELS = frozenset({"AFN", "MFN"})
PAYMENT_METHODS = frozenset({"COD", "CVS", "Other"})
DATA_ELEMENTS = frozenset({BUYER_INFO, SHIPPING_ADDRESS, "buyerTaxInformation"})
GRANTLESS_SCOPES = frozenset({"sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation"})

# Error messages seen in the docs and in SP-API answers; wording not given there is an assumption.
EXPIRED = "The access token you provided has expired."   # assumption: wording of the expiry detail
INVALID_TOKEN = "The access token you provided is revoked, malformed or invalid."
QUOTA_EXCEEDED = "You exceeded your quota for the requested resource."
# Assumption: HTTP 429/500/503 answers carry no x-amzn-RateLimit-Limit ("For this status code, the rate
# limit header is deprecated and no longer returned", tokens_2021-03-01.json).
RATE_LIMIT_HEADER_STATUSES = frozenset({200, 201, 202, 204, 400, 403, 404})
CONSENT_SESSION_TTL = timedelta(minutes=30)


class LwaError(Exception):
    """A Login with Amazon error: {"error", "error_description"} (OAuth 2.0)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status, self.error, self.description = status, error, description


def _request_id() -> str:
    return str(uuid.uuid4())


def _path_matches(pattern: str, path: str) -> bool:
    """An RDT path matches itself, or any path where it has a {placeholder} segment."""
    want, got = pattern.strip("/").split("/"), path.strip("/").split("/")
    return len(want) == len(got) and all(w == g or (w.startswith("{") and w.endswith("}")) for w, g in zip(want, got,
                                                                                                         strict=True))


class AmazonApi:
    """Request handling; every handler runs under the emulator's lock so state changes are atomic."""

    def __init__(self, emulator: AmazonEmulator) -> None:
        self.emu = emulator
        self._consent_sessions: dict[str, tuple[str, str, datetime]] = {}
        self._feeds = FeedsApi(emulator, self._authenticate, emulator.record)
        self._reports = ReportsApi(emulator, self._authenticate, self._feeds)

    # ---- plumbing -------------------------------------------------------------------------------

    def _context(self, request: Request, body: bytes, operation: str) -> Context:
        return Context(method=request.method, path=request.url.path, query=request.query_params.multi_items(),
                        headers={k.lower(): v for k, v in request.headers.items()}, body=body, now=self.emu.now(),
                        operation=operation, base_url=str(request.base_url))

    def _record(self, ctx: Context, status: int, error: str) -> None:
        query = {k: v for k, v in ctx.query}
        self.emu.record(CallRecord(ctx.method, ctx.path, query, status, ctx.seller_id, ctx.now, ctx.operation, error))

    def _headers(self, ctx: Context, status: int) -> dict[str, str]:
        headers = {"x-amzn-RequestId": _request_id()}
        if ctx.operation in self.emu.limiter.plans and status in RATE_LIMIT_HEADER_STATUSES:
            headers["x-amzn-RateLimit-Limit"] = f"{self.emu.limiter.rate(ctx.operation):g}"
        return headers

    async def _serve(self, request: Request, operation: str, handler: Callable[[Context], Any]) -> Response:
        body = await request.body()
        with self.emu.lock:
            ctx = self._context(request, body, operation)
            try:
                injected = self.emu.take_injected_failure()
                if injected is not None:
                    raise self._injected(injected)
                # Feeds and reports finish on the clock: whatever is due has happened before this request is answered.
                self.emu.world.settle_feeds(ctx.now)
                self.emu.world.settle_reports(ctx.now)
                content = handler(ctx)
            except ApiError as exc:
                self._record(ctx, exc.status, exc.code)
                error: dict[str, str] = {"code": exc.code, "message": exc.message, "details": exc.details}
                return JSONResponse({"errors": [error]}, status_code=exc.status, headers=self._headers(ctx, exc.status))
            status = 200
            if isinstance(content, Answer):
                status, content = content.status, content.body
            self._record(ctx, status, "")
            if status == 204:
                # confirmShipment: "Success." with an empty body.
                return Response(status_code=204, headers=self._headers(ctx, status))
            return JSONResponse(content, status_code=status, headers=self._headers(ctx, status))

    @staticmethod
    def _injected(status: int) -> ApiError:
        if status == 429:
            return ApiError(429, "QuotaExceeded", QUOTA_EXCEEDED)
        if status == 503:
            return ApiError(503, "ServiceUnavailable", "Service temporarily unavailable. Please retry.")
        if status >= 500:
            return ApiError(status, "InternalFailure", "We encountered an internal error. Please try again.")
        return ApiError(status, "InvalidInput", "Invalid Input")

    def _authenticate(self, ctx: Context, *, restricted: bool = False, rdt_only: bool = False,
                      rate_limited: bool = True) -> str:
        """Check x-amz-access-token (an LWA access token, or an RDT for a restricted operation); charge the
        seller's bucket for the operation. Returns the seller id."""
        token = ctx.headers.get("x-amz-access-token", "")
        if not token:
            raise ApiError(403, "Unauthorized", DENIED)
        auth = self.emu.auth
        if token.startswith("Atz.sprdt|"):
            rdt = auth.rdt(token)
            if rdt is None:
                raise ApiError(403, "Unauthorized", DENIED, INVALID_TOKEN)
            ctx.seller_id = rdt.seller_id
            if ctx.now >= rdt.expires_at:
                raise ApiError(403, "Unauthorized", DENIED, EXPIRED)
            match = next((r for r in rdt.resources if r.method == ctx.method and _path_matches(r.path, ctx.path)),
                         None)
            if not restricted or match is None:
                # An RDT authorizes only the restricted resources it was issued for.
                raise ApiError(403, "Unauthorized", DENIED)
            ctx.elements = match.data_elements
        else:
            grant = auth.access(token)
            if grant is None:
                raise ApiError(403, "Unauthorized", DENIED, INVALID_TOKEN)
            ctx.seller_id = grant.seller_id
            if ctx.now >= grant.expires_at:
                raise ApiError(403, "Unauthorized", DENIED, EXPIRED)
            if rdt_only:
                raise ApiError(403, "Unauthorized", DENIED, "This operation requires a Restricted Data Token.")
            if not grant.seller_id:
                # A grantless token (client_credentials) cannot act for a seller.
                raise ApiError(403, "Unauthorized", DENIED)
        assert ctx.seller_id is not None
        if rate_limited and not self.emu.limiter.allow(ctx.seller_id, ctx.operation, ctx.now):
            raise ApiError(429, "QuotaExceeded", QUOTA_EXCEEDED)
        return ctx.seller_id

    # ---- Login with Amazon -------------------------------------------------------------------------

    async def lwa_token(self, request: Request) -> Response:
        """POST /auth/o2/token (form): authorization_code, refresh_token and client_credentials grants."""
        body = await request.body()
        with self.emu.lock:
            ctx = self._context(request, body, "")
            try:
                injected = self.emu.take_injected_failure()
                if injected is not None:
                    raise LwaError(injected, "server_error" if injected >= 500 else "invalid_request",
                                   "The authorization server encountered an unexpected error.")
                content = self._lwa_grant(ctx)
            except LwaError as exc:
                self._record(ctx, exc.status, exc.error)
                return JSONResponse({"error_description": exc.description, "error": exc.error},
                                    status_code=exc.status, headers={"Cache-Control": "no-store"})
            self._record(ctx, 200, "")
        return JSONResponse(content, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _lwa_grant(self, ctx: Context) -> dict[str, Any]:
        if not ctx.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise LwaError(400, "invalid_request", "The request has an invalid parameter : Content-Type")
        form = form_fields(ctx.body)
        grant = form.get("grant_type", "")
        if not grant:
            raise LwaError(400, "invalid_request", "The request is missing a required parameter : grant_type")
        if grant not in ("authorization_code", "refresh_token", "client_credentials"):
            raise LwaError(400, "unsupported_grant_type", "Invalid grant_type parameter value")
        for name in ("client_id", "client_secret"):
            if not form.get(name):
                raise LwaError(400, "invalid_request", f"The request is missing a required parameter : {name}")
        if form["client_id"] != self.emu.client_id or not secrets.compare_digest(form["client_secret"],
                                                                                 self.emu.client_secret):
            raise LwaError(401, "invalid_client", "Client authentication failed")
        auth, now = self.emu.auth, ctx.now
        if grant == "client_credentials":
            if form.get("scope") not in GRANTLESS_SCOPES:
                raise LwaError(400, "invalid_scope", "An unknown scope was specified")
            token = auth.issue_grantless(now)
            return {"access_token": token, "scope": form["scope"], "token_type": "bearer", "expires_in": 3600}
        if grant == "authorization_code":
            code = form.get("code", "")
            if not code:
                raise LwaError(400, "invalid_request", "The request is missing a required parameter : code")
            tokens = auth.redeem_code(code, now)
            if tokens is None:
                raise LwaError(400, "invalid_grant", "The request has an invalid grant parameter : code")
        else:
            refresh = form.get("refresh_token", "")
            if not refresh:
                raise LwaError(400, "invalid_request", "The request is missing a required parameter : refresh_token")
            tokens = auth.refresh(refresh, now)
            if tokens is None:
                raise LwaError(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
        ctx.seller_id = tokens.seller_id
        return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token, "token_type": "bearer",
                "expires_in": tokens.expires_in}

    # ---- Sellers ----------------------------------------------------------------------------------

    def marketplace_participations(self, ctx: Context) -> dict[str, Any]:
        """getMarketplaceParticipations: GET /sellers/v1/marketplaceParticipations."""
        seller = self.emu.world.seller(self._authenticate(ctx))
        payload = []
        for part in seller.participations.values():
            mp = part.marketplace
            payload.append({
                "marketplace": {"id": mp.id, "countryCode": mp.country, "name": mp.name,
                                "defaultCurrencyCode": mp.currency, "defaultLanguageCode": mp.language,
                                "domainName": mp.domain},
                "participation": {"isParticipating": part.is_participating,
                                  "hasSuspendedListings": part.has_suspended_listings},
                "storeName": part.store_name,
            })
        return {"payload": payload}

    # ---- Tokens -----------------------------------------------------------------------------------

    def create_restricted_data_token(self, ctx: Context) -> dict[str, Any]:
        """createRestrictedDataToken: POST /tokens/2021-03-01/restrictedDataToken."""
        seller_id = self._authenticate(ctx)
        try:
            body = json.loads(ctx.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "InvalidInput", "Invalid Input", "The request body is not valid JSON.") from None
        resources = body.get("restrictedResources") if isinstance(body, dict) else None
        if not isinstance(resources, list) or not resources:
            raise ApiError(400, "InvalidRequest", "Request is missing or has invalid parameters",
                           "Resource not provided.")
        if len(resources) > MAX_RESTRICTED_RESOURCES:
            raise ApiError(400, "InvalidRequest", "Request is missing or has invalid parameters",
                           f"At most {MAX_RESTRICTED_RESOURCES} restricted resources are allowed.")
        parsed: list[Resource] = []
        for raw in resources:
            parsed.append(self._resource(raw))
        token = self.emu.auth.issue_rdt(seller_id, tuple(parsed), ctx.now)
        return {"restrictedDataToken": token, "expiresIn": 3600}

    @staticmethod
    def _resource(raw: Any) -> Resource:
        bad = "Request is missing or has invalid parameters"
        if not isinstance(raw, dict):
            raise ApiError(400, "InvalidRequest", bad, "Resource not provided.")
        method, path, elements = raw.get("method"), raw.get("path"), raw.get("dataElements")
        if method not in ("GET", "PUT", "POST", "DELETE"):
            raise ApiError(400, "InvalidRequest", bad, "Resource not provided.")
        if not isinstance(path, str) or not _restricted_path(path):
            raise ApiError(400, "InvalidRequest", bad, f"Invalid resource path: {path}")
        orders_op = path.startswith(ORDERS_PATH) and not path.endswith(("/address", "/buyerInfo"))
        if elements is None:
            if orders_op:
                # "This parameter is required only when getting an RDT for use with the getOrder, getOrders,
                # or getOrderItems operation of the Orders API."
                raise ApiError(400, "InvalidRequest", bad, "dataElements is required for this resource.")
            return Resource(method, path)
        if not isinstance(elements, list) or not elements or any(e not in DATA_ELEMENTS for e in elements):
            raise ApiError(400, "InvalidRequest", bad, f"Invalid dataElements: {elements}")
        return Resource(method, path, frozenset(elements))

    # ---- Orders v0 --------------------------------------------------------------------------------

    def _marketplaces(self, ctx: Context, seller_id: str, given: list[str]) -> list[str]:
        if not given:
            raise invalid("Missing required parameter: MarketplaceIds")
        if len(given) > MAX_LIST_ITEMS:
            raise invalid(f"MarketplaceIds cannot contain more than {MAX_LIST_ITEMS} values.")
        seller = self.emu.world.seller(seller_id)
        for mp in given:
            if mp not in seller.participations:
                # Assumption: a marketplace the seller does not sell in is answered like a malformed one.
                raise invalid("Invalid Input", f"Invalid MarketplaceId: {mp}")
        return list(dict.fromkeys(given))

    def _date(self, ctx: Context, name: str) -> datetime | None:
        text = ctx.param(name)
        if text is None or text == "":
            return None
        moment = parse_iso(text)
        if moment is None:
            raise invalid(f"Invalid {name}: {text}. The date must be in ISO 8601 format.")
        return moment

    def _list_query(self, ctx: Context, mps: list[str]) -> dict[str, Any]:
        """Validate getOrders' filters as documented and turn them into the state a NextToken carries."""
        created_after, created_before = self._date(ctx, "CreatedAfter"), self._date(ctx, "CreatedBefore")
        updated_after, updated_before = self._date(ctx, "LastUpdatedAfter"), self._date(ctx, "LastUpdatedBefore")
        seller_order_id = ctx.param("SellerOrderId") or ""
        order_ids = ctx.listed("AmazonOrderIds")
        if len(order_ids) > MAX_LIST_ITEMS:
            raise invalid(f"AmazonOrderIds cannot contain more than {MAX_LIST_ITEMS} values.")
        if (created_after is None) == (updated_after is None):
            raise invalid("Exactly one of CreatedAfter and LastUpdatedAfter must be specified.")
        if created_after is not None and (updated_before is not None or updated_after is not None):
            raise invalid("LastUpdatedAfter and LastUpdatedBefore cannot be specified when CreatedAfter is.")
        if updated_after is not None and created_before is not None:
            raise invalid("CreatedBefore cannot be specified when LastUpdatedAfter is.")
        latest = ctx.now - BEFORE_MIN_AGE
        field_name = "Created" if created_after is not None else "LastUpdated"
        after = created_after if created_after is not None else updated_after
        before = created_before if created_after is not None else updated_before
        assert after is not None
        if before is not None and before > latest:
            raise invalid(f"{field_name}Before must be at least 2 minutes before the current time.")
        # Omitted, the upper bound is the latest allowed one (as MWS documented it; assumption for SP-API).
        effective = before if before is not None else latest
        if effective < after:
            raise invalid(f"{field_name}Before must be equal to or after {field_name}After "
                           "and at least 2 minutes before the current time.")
        statuses = ctx.listed("OrderStatuses")
        if any(s not in ORDER_STATUSES for s in statuses):
            raise invalid("Invalid Input", f"Invalid OrderStatuses: {','.join(statuses)}")
        channels = ctx.listed("FulfillmentChannels")
        if any(c not in FULFILLMENT_CHANNELS for c in channels):
            raise invalid("Invalid Input", f"Invalid FulfillmentChannels: {','.join(channels)}")
        payments = ctx.listed("PaymentMethods")
        if any(p not in PAYMENT_METHODS for p in payments):
            raise invalid("Invalid Input", f"Invalid PaymentMethods: {','.join(payments)}")
        email = ctx.param("BuyerEmail") or ""
        if seller_order_id and (channels or statuses or payments or updated_after or email):
            raise invalid("If SellerOrderId is specified, then FulfillmentChannels, OrderStatuses, PaymentMethod, "
                           "LastUpdatedAfter, LastUpdatedBefore, and BuyerEmail cannot be specified.")
        size_text = ctx.param("MaxResultsPerPage")
        try:
            size = MAX_RESULTS_PER_PAGE if size_text in (None, "") else int(str(size_text))
        except ValueError:
            raise invalid(f"Invalid MaxResultsPerPage: {size_text}") from None
        if not 1 <= size <= MAX_RESULTS_PER_PAGE:
            raise invalid(f"MaxResultsPerPage must be between 1 and {MAX_RESULTS_PER_PAGE}.")
        return {"m": mps, "f": field_name, "a": iso(after), "b": iso(effective), "s": statuses, "c": channels,
                "p": payments, "o": order_ids, "e": email, "so": seller_order_id, "n": size, "k": None,
                "sub": ctx.seller_id}

    def get_orders(self, ctx: Context) -> dict[str, Any]:
        """getOrders: GET /orders/v0/orders."""
        seller_id = self._authenticate(ctx, restricted=True)
        mps = self._marketplaces(ctx, seller_id, ctx.listed("MarketplaceIds"))
        token = ctx.param("NextToken")
        if token:
            # "If NextToken is present, that will be used to retrieve the orders instead of other criteria."
            state = decode_token(token)
            if state.get("sub") != seller_id or state.get("m") != mps:
                raise invalid("Invalid NextToken.")
        else:
            state = self._list_query(ctx, mps)
        try:
            after, before = parse_iso(state["a"]), parse_iso(state["b"])
            size, key = int(state["n"]), state.get("k")
        except (KeyError, TypeError, ValueError):
            raise invalid("Invalid NextToken.") from None
        assert after is not None and before is not None
        seller = self.emu.world.seller(seller_id)
        matches: list[tuple[tuple[str, str], StoredOrder]] = []
        for order in seller.orders.values():
            if order.marketplace_id not in mps or not self._selected(order, state, after, before):
                continue
            sort_key = (iso(order.purchase_date), order.amazon_order_id)
            if key is not None and not sort_key > tuple(key):
                continue
            matches.append((sort_key, order))
        matches.sort(key=lambda pair: pair[0])
        page = matches[:size]
        payload: dict[str, Any] = {"Orders": [o.order_payload(ctx.elements) for _, o in page]}
        if len(matches) > size:
            payload["NextToken"] = encode_token({**state, "k": list(page[-1][0])})
        payload["CreatedBefore" if state["f"] == "Created" else "LastUpdatedBefore"] = state["b"]
        return {"payload": payload}

    @staticmethod
    def _selected(order: StoredOrder, state: dict[str, Any], after: datetime, before: datetime) -> bool:
        moment = order.purchase_date if state["f"] == "Created" else order.last_update
        if not after <= moment <= before:
            return False
        if state["s"] and order.status not in state["s"]:
            return False
        if state["c"] and order.channel not in state["c"]:
            return False
        if state["o"] and order.amazon_order_id not in state["o"]:
            return False
        if state["e"] or state["so"]:
            merged = order.merged()
            raw_buyer = merged.get("BuyerInfo")
            buyer: dict[str, Any] = raw_buyer if isinstance(raw_buyer, dict) else {}
            if state["e"] and buyer.get("BuyerEmail") != state["e"]:
                return False
            if state["so"] and merged.get("SellerOrderId", merged.get("AmazonOrderId")) != state["so"]:
                return False
        # PaymentMethods: every emulated order is paid by "Other" (no COD or CVS in the EU marketplaces).
        return not (state["p"] and "Other" not in state["p"])

    def _order(self, ctx: Context, seller_id: str) -> StoredOrder:
        order_id = str(ctx.extra["orderId"])
        if not ORDER_ID.match(order_id):
            raise invalid("Invalid Input", f"Invalid AmazonOrderId: {order_id}")
        order = self.emu.world.seller(seller_id).orders.get(order_id)
        if order is None:
            raise ApiError(404, "NotFound", "Order not found", f"No order {order_id} for this selling partner.")
        return order

    def get_order(self, ctx: Context) -> dict[str, Any]:
        """getOrder: GET /orders/v0/orders/{orderId}."""
        order = self._order(ctx, self._authenticate(ctx, restricted=True))
        return {"payload": order.order_payload(ctx.elements)}

    def get_order_items(self, ctx: Context) -> dict[str, Any]:
        """getOrderItems: GET /orders/v0/orders/{orderId}/orderItems."""
        order = self._order(ctx, self._authenticate(ctx, restricted=True))
        items = order.items_payload(ctx.elements)
        start = 0
        token = ctx.param("NextToken")
        if token:
            state = decode_token(token)
            if state.get("o") != order.amazon_order_id or not isinstance(state.get("i"), int):
                raise invalid("Invalid NextToken.")
            start = state["i"]
        payload: dict[str, Any] = {"AmazonOrderId": order.amazon_order_id}
        if not isinstance(items, list):
            payload["OrderItems"] = items      # a raw order's malformed items, served as stored
            return {"payload": payload}
        size = self.emu.order_items_page_size
        payload["OrderItems"] = items[start:start + size]
        if start + size < len(items):
            payload["NextToken"] = encode_token({"o": order.amazon_order_id, "i": start + size})
        return {"payload": payload}

    def get_order_address(self, ctx: Context) -> dict[str, Any]:
        """getOrderAddress: GET /orders/v0/orders/{orderId}/address (restricted: RDT only)."""
        order = self._order(ctx, self._authenticate(ctx, restricted=True, rdt_only=True))
        body = order.order_payload(ALL_ELEMENTS)
        payload: dict[str, Any] = {"AmazonOrderId": order.amazon_order_id}
        if isinstance(body.get("ShippingAddress"), dict):
            payload["ShippingAddress"] = body["ShippingAddress"]
        return {"payload": payload}

    def get_order_buyer_info(self, ctx: Context) -> dict[str, Any]:
        """getOrderBuyerInfo: GET /orders/v0/orders/{orderId}/buyerInfo (restricted: RDT only)."""
        order = self._order(ctx, self._authenticate(ctx, restricted=True, rdt_only=True))
        buyer = order.order_payload(ALL_ELEMENTS).get("BuyerInfo")
        return {"payload": {"AmazonOrderId": order.amazon_order_id, **(buyer if isinstance(buyer, dict) else {})}}

    def not_found(self, ctx: Context) -> dict[str, Any]:
        # Assumption: an unknown path is answered 404 in the usual error list.
        raise ApiError(404, "NotFound", "Resource not found.", ctx.path)

    # ---- the seller's consent (website authorization workflow, condensed to one page) -------------

    async def consent_get(self, request: Request) -> Response:
        query = request.query_params
        with self.emu.lock:
            now = self.emu.now()
            if query.get("application_id") != self.emu.application_id:
                return HTMLResponse("<h1>We're sorry</h1><p>The application could not be found.</p>",
                                    status_code=400)
            redirect = query.get("redirect_uri", "") or self.emu.redirect_uri
            if not redirect:
                return HTMLResponse("<h1>We're sorry</h1><p>No redirect_uri.</p>", status_code=400)
            session = secrets.token_hex(16)
            self._consent_sessions[session] = (redirect, query.get("state", ""), now + CONSENT_SESSION_TTL)
            sellers = sorted(self.emu.world.sellers)
        forms = "\n".join(
            f"""<li><form method="post" action="{CONSENT_PATH}">
  <input type="hidden" name="session" value="{session}">
  <input type="hidden" name="selling_partner_id" value="{html.escape(s)}">
  <strong>{html.escape(s)}</strong> <button type="submit">Confirm</button>
</form></li>""" for s in sellers)
        return HTMLResponse(f"""<!doctype html><html><head><meta charset="utf-8">
<title>Seller Central - Authorize application (emulator)</title></head>
<body><h1>Authorize {html.escape(self.emu.application_id)}</h1><p>Sign in as one of these selling partners:</p>
<ul>{forms or "<li>No sellers in the emulator.</li>"}</ul></body></html>""")

    async def consent_post(self, request: Request) -> Response:
        form = form_fields(await request.body())
        with self.emu.lock:
            now = self.emu.now()
            session = self._consent_sessions.pop(form.get("session", ""), None)
            seller_id = form.get("selling_partner_id", "")
            if session is None or now >= session[2] or seller_id not in self.emu.world.sellers:
                return HTMLResponse("<h1>We're sorry</h1><p>The authorization session expired.</p>", status_code=400)
            code = self.emu.auth.issue_code(seller_id, now)
        redirect, state, _ = session
        return RedirectResponse(with_query(redirect, {"state": state, "selling_partner_id": seller_id,
                                                       "spapi_oauth_code": code}), status_code=302)

    # ---- routes ---------------------------------------------------------------------------------

    def _route(self, operation: str, handler: Callable[[Context], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            def with_path_params(ctx: Context) -> Any:
                ctx.extra.update(request.path_params)
                return handler(ctx)
            return await self._serve(request, operation, with_path_params)
        return endpoint

    def routes(self) -> list[Route]:
        return [
            Route(LWA_TOKEN_PATH, self.lwa_token, methods=["POST"]),
            Route(CONSENT_PATH, self.consent_get, methods=["GET"]),
            Route(CONSENT_PATH, self.consent_post, methods=["POST"]),
            Route(PARTICIPATIONS_PATH, self._route("getMarketplaceParticipations", self.marketplace_participations),
                  methods=["GET"]),
            Route(RDT_PATH, self._route("createRestrictedDataToken", self.create_restricted_data_token),
                  methods=["POST"]),
            Route(ORDERS_PATH, self._route("getOrders", self.get_orders), methods=["GET"]),
            Route(ORDERS_PATH + "/{orderId}", self._route("getOrder", self.get_order), methods=["GET"]),
            Route(ORDERS_PATH + "/{orderId}/orderItems", self._route("getOrderItems", self.get_order_items),
                  methods=["GET"]),
            Route(ORDERS_PATH + "/{orderId}/address", self._route("getOrderAddress", self.get_order_address),
                  methods=["GET"]),
            Route(ORDERS_PATH + "/{orderId}/buyerInfo", self._route("getOrderBuyerInfo", self.get_order_buyer_info),
                  methods=["GET"]),
            *[Route(path, self._route(operation, handler), methods=[method])
              for path, method, operation, handler in (*ListingsApi(self.emu, self._authenticate).operations(),
                                                       *self._feeds.operations(), *self._reports.operations(),
                                                       *ShippingApi(self.emu, self._authenticate).operations(),
                                                       *MerchantFulfillmentApi(self.emu,
                                                                               self._authenticate).operations())],
            *self._feeds.routes(),
            Route("/{rest:path}", self._route("", self.not_found), methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]


def _restricted_path(path: str) -> bool:
    """Paths of the restricted operations the emulator serves (the Tokens API guide lists more)."""
    patterns = (ORDERS_PATH, ORDERS_PATH + "/{orderId}", ORDERS_PATH + "/{orderId}/orderItems",
                ORDERS_PATH + "/{orderId}/address", ORDERS_PATH + "/{orderId}/buyerInfo",
                "/mfn/v0/shipments", "/mfn/v0/shipments/{shipmentId}")
    return any(_path_matches(p, path) for p in patterns)


class ControlApi(ControlBase["AmazonEmulator"]):
    """/_emulator endpoints for driving a demo process over HTTP; not part of Amazon."""

    async def add_store(self, request: Request) -> Response:
        try:
            body = await json_object(request)
            external_id = self.emu.add_store(str(body["external_id"]), str(body["region"]), body.get("name"))
        except (KeyError, ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse({"external_id": external_id}, status_code=201)

    async def list_stores(self, request: Request) -> Response:
        with self.emu.lock:
            stores = [{"external_id": f"{s.seller_id}:{mp}", "seller_id": s.seller_id, "marketplace_id": mp,
                       "region": p.marketplace.country, "currency": p.marketplace.currency, "name": p.store_name,
                       "order_count": sum(1 for _ in s.orders_in(mp))}
                      for s in self.emu.world.sellers.values() for mp, p in s.participations.items()]
        return JSONResponse({"stores": stores})

    async def generate(self, request: Request) -> Response:
        return await self._generate(request, request.path_params["external_id"], "external_id", "order_ids")

    async def authorize(self, request: Request) -> Response:
        return self._authorized(request.path_params["seller_id"], "spapi_oauth_code", "selling_partner_id")

    async def set_catalogue(self, request: Request) -> Response:
        """Replace the store's listings with {"products": [...]}; answers them."""
        external_id = request.path_params["external_id"]
        try:
            specs = products_from_json((await json_object(request)).get("products"))
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            return error(exc, 400)
        try:
            self.emu.set_catalogue(external_id, specs)
        except KeyError as exc:
            return error(exc, 404)
        except ValueError as exc:
            return error(exc, 400)
        return JSONResponse({"external_id": external_id, "listings": _listings_json(self.emu.listings(external_id))},
                            status_code=201)

    async def listings(self, request: Request) -> Response:
        external_id = request.path_params["external_id"]
        try:
            rows = self.emu.listings(external_id)
        except (KeyError, ValueError) as exc:
            return error(exc, 404)
        return JSONResponse({"external_id": external_id, "listings": _listings_json(rows)})

    async def buy(self, request: Request) -> Response:
        """A buyer orders {"sku", "quantity"} (or {"lines": [{"sku", "quantity"}, ...]}) now: 201 {"order_id"}, or
        409 when a listing cannot sell that."""
        external_id = request.path_params["external_id"]
        try:
            body = await json_object(request)
            lines = [(str(line["sku"]), int(line.get("quantity", 1))) for line in (body.get("lines") or [body])]
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            return error(exc, 400)
        try:
            order_id = self.emu.place_order_lines(external_id, lines)
        except (KeyError, ValueError) as exc:
            return error(exc, 404)
        if order_id is None:
            return JSONResponse({"error": "a listing is not buyable in that quantity"}, status_code=409)
        return JSONResponse({"order_id": order_id}, status_code=201)

    async def shipments(self, request: Request) -> Response:
        """The packages the seller confirmed for an order, as Amazon keeps them (not visible in Orders v0)."""
        try:
            rows = self.emu.shipments(request.path_params["external_id"], request.path_params["order_id"])
        except (KeyError, ValueError) as exc:
            return error(exc, 404)
        return JSONResponse({"packages": [dict(row, shipDate=iso(row["shipDate"])) for row in rows]})

    async def open_return(self, request: Request) -> Response:
        """The buyer asks for a return: {"quantity": 1, "sku"?, "reason"?, "in_policy"?} -> 201 {"amazon_rma_id"};
        404 for an unknown store or order, 409 when the order cannot be returned so."""
        try:
            body = await json_object(request)
            quantity, sku = int(body.get("quantity", 1)), body.get("sku")
            reason, in_policy = str(body.get("reason", "CR-UNWANTED_ITEM")), bool(body.get("in_policy", True))
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        try:
            rma_id = self.emu.open_return(request.path_params["external_id"], request.path_params["order_id"],
                                          quantity, None if sku is None else str(sku), reason, in_policy)
        except KeyError as exc:
            return error(exc, 404)
        except ValueError as exc:
            return error(exc, 409)
        return JSONResponse({"amazon_rma_id": rma_id}, status_code=201)

    async def update_return(self, request: Request) -> Response:
        """Move a return along: {"status"?, "delivered"?: true, "refund"?: "24.90"} -> its report rows."""
        external_id, rma_id = request.path_params["external_id"], request.path_params["rma_id"]
        try:
            body = await json_object(request)
            refund = body.get("refund")
            self.emu.update_return(external_id, rma_id, status=body.get("status"),
                                   delivered=bool(body.get("delivered", False)),
                                   refund=None if refund is None else Decimal(str(refund)))
        except KeyError as exc:
            return error(exc, 404)
        except (ValueError, TypeError, ArithmeticError) as exc:
            return error(exc, 400)
        return JSONResponse({"amazon_rma_id": rma_id, "rows": self.emu.returns(external_id)[rma_id]})

    async def returns(self, request: Request) -> Response:
        """The store's returns as the returns report lists them, by Amazon RMA id."""
        try:
            return JSONResponse({"returns": self.emu.returns(request.path_params["external_id"])})
        except (KeyError, ValueError) as exc:
            return error(exc, 404)

    def routes(self) -> list[Route]:
        return [
            Route("/_emulator/stores", self.add_store, methods=["POST"]),
            Route("/_emulator/stores", self.list_stores, methods=["GET"]),
            Route("/_emulator/stores/{external_id}/orders", self.generate, methods=["POST"]),
            Route("/_emulator/stores/{external_id}/catalogue", self.set_catalogue, methods=["POST"]),
            Route("/_emulator/stores/{external_id}/listings", self.listings, methods=["GET"]),
            Route("/_emulator/stores/{external_id}/buy", self.buy, methods=["POST"]),
            Route("/_emulator/stores/{external_id}/orders/{order_id}/shipments", self.shipments, methods=["GET"]),
            Route("/_emulator/stores/{external_id}/orders/{order_id}/returns", self.open_return, methods=["POST"]),
            Route("/_emulator/stores/{external_id}/returns", self.returns, methods=["GET"]),
            Route("/_emulator/stores/{external_id}/returns/{rma_id}", self.update_return, methods=["POST"]),
            Route("/_emulator/sellers/{seller_id}/authorize", self.authorize, methods=["POST"]),
            Route("/_emulator/tick", self.tick, methods=["POST"]),
        ]


def _listings_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Prices as decimal text: JSON numbers would turn them into floats on the way.
    return [{**row, "price": None if row["price"] is None else str(row["price"])} for row in rows]


def create_app(emulator: AmazonEmulator) -> Starlette:
    # The control routes come first: the API's catch-all would answer them otherwise.
    return Starlette(routes=[*ControlApi(emulator).routes(), *AmazonApi(emulator).routes()])


__all__ = ["CallRecord", "create_app"]
