"""Joom for Merchants API on the wire: v2 OAuth tokens, v3 bearer calls, error bodies, token refresh.

Each method names the API page it implements: merchant.joom.com/docs/api/v3 (orders, stores, products) and
docs.merchant.joom.com "Joom OAuth" (tokens). Tokens belong to the merchant account, shared by its stores.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi, retry_after_seconds
from crossdock.domain.errors import DomainError
from crossdock.domain.time import from_unix
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import TokenSet, TokenStore

T = TypeVar("T")

ACCESS_TOKEN_PATH = "/api/v2/oauth/access_token"
REFRESH_TOKEN_PATH = "/api/v2/oauth/refresh_token"
ORDERS_MULTI_PATH = "/api/v3/orders/multi"
ORDER_PATH = "/api/v3/orders"
# No v3 store list is documented; this path is an assumption shared with the lead's decision.
STORES_PATH = "/api/v3/stores"
PRODUCTS_MULTI_PATH = "/api/v3/products/multi"
PRODUCT_UPDATE_PATH = "/api/v3/products/update"
FULFILL_PATH = "/api/v3/orders/fulfill"
CANCEL_PATH = "/api/v3/orders/cancel"
FULFILL_ONLINE_PATH = "/api/v3/orders/fulfillOnline"
SHIPPING_LABEL_PATH = "/api/v3/orders/shippingLabel"
# Assumption: the docs name a shipping providers list endpoint under Orders but we found no copy of its page.
SHIPPING_PROVIDERS_PATH = "/api/v3/orders/shippingProviders"
# Answers to a write that refuse what was sent (invalid_argument, not_found) rather than fail the call.
_REFUSALS = frozenset({400, 404})

# Access tokens live 30 days; refresh a day early so a pull never meets the deadline mid-way.
_EARLY_REFRESH = timedelta(days=1)
# Joom does not say how long a refresh token lives: assume as long as the access token.
REFRESH_TOKEN_LIFETIME = timedelta(days=30)


def page_items(body: dict[str, Any], what: str) -> list[Any]:
    """The entries of a v3 list answer: {"data": {"items": [...]}} (clients in the wild) or {"data": [...]}
    (the docs' own example); both shapes are read, since the two sources disagree."""
    data = body.get("data")
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        items: list[Any] = data["items"]
        return items
    raise Retryable(f"Joom answered {what} without a data list")


def next_link(body: dict[str, Any]) -> str:
    paging = body.get("paging")
    link = paging.get("next") if isinstance(paging, dict) else None
    return link if isinstance(link, str) else ""


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _describe(status: int, errors: list[dict[str, Any]]) -> str:
    if not errors:
        return f"HTTP {status}"
    parts = []
    for e in errors:
        where = f" ({e['field']})" if e.get("field") else ""
        parts.append(f"{e.get('code', '?')}{where}: {e.get('message', '')}")
    return f"HTTP {status} " + "; ".join(parts)


class JoomClient:
    def __init__(
        self,
        api: HttpApi,
        *,
        client_id: str,
        client_secret: SecretStr,
        clock: Clock,
        tokens: TokenStore | None = None,
        redirect_uri: str = "",
    ) -> None:
        self._api = api
        self._client_id = client_id
        self._secret = client_secret
        self._clock = clock
        self._tokens = tokens
        self._redirect_uri = redirect_uri

    # --- answers ------------------------------------------------------------------------------

    @staticmethod
    def _parse_v3(response: httpx.Response) -> dict[str, Any]:
        """v3 "Responses": 200 with a JSON body, or 400/401/403/404/429/500 with {"errors": [...]}."""
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        errors = _errors(body)
        if response.status_code == 429:
            raise Retryable(f"throttled by Joom: {_describe(429, errors)}", retry_after_seconds(response),
                            throttled=True)
        if response.is_success:
            if not isinstance(body, dict):
                raise Retryable(f"Joom answered HTTP {response.status_code} with a body that is not a JSON object")
            return body
        detail = _describe(response.status_code, errors)
        if response.status_code == 401:
            # A bad, expired or revoked access token: refresh it, then try once more.
            raise AuthExpired(detail)
        code = str(errors[0].get("code", "")) if errors else ""
        raise Fatal(f"Joom refused {response.request.url.path}: {detail}", code=code or f"http_{response.status_code}")

    @staticmethod
    def _parse_oauth(response: httpx.Response) -> dict[str, Any]:
        """v2 "Response Scheme": {"code": 0, "data": {...}, "message": ""}; any other code is a failure."""
        if response.status_code == 429:
            raise Retryable("throttled by Joom's token endpoint", retry_after_seconds(response), throttled=True)
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if response.is_success and not isinstance(body, dict):
            raise Retryable(f"Joom answered HTTP {response.status_code} with a body that is not a JSON object")
        code = body.get("code") if isinstance(body, dict) else None
        data = body.get("data") if isinstance(body, dict) else None
        if response.is_success and code == 0 and isinstance(data, dict):
            return data
        message = body.get("message", "") if isinstance(body, dict) else ""
        # A refused code or refresh token, or app credentials Joom does not know: nothing a retry can fix.
        raise AuthFailed(f"Joom refused the OAuth token request (HTTP {response.status_code}, code {code}: "
                         f"{message}); authorize the merchant account again, or check client_id/client_secret")

    # --- tokens -------------------------------------------------------------------------------

    def _token_request(self, path: str, fields: dict[str, str]) -> TokenSet:
        form = {"client_id": self._client_id, "client_secret": self._secret.get_secret_value(), **fields}

        def build() -> httpx.Request:
            return self._api.http.build_request("POST", path, data=form)

        return self._token_set(self._api.call(build, self._parse_oauth))

    def _token_set(self, data: dict[str, Any]) -> TokenSet:
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            raise Fatal("Joom's token answer lacks access_token or refresh_token")
        now = self._clock.now()
        expires_in, expiry_time = data.get("expires_in"), data.get("expiry_time")
        try:
            if isinstance(expires_in, int) and not isinstance(expires_in, bool):
                expires_at = now + timedelta(seconds=expires_in)
            elif isinstance(expiry_time, int) and not isinstance(expiry_time, bool):
                expires_at = from_unix(expiry_time)
            else:
                raise Fatal("Joom's token answer has neither expires_in nor expiry_time")
        except (DomainError, OverflowError) as exc:
            raise Fatal(f"Joom's token answer has an impossible expiry: {exc}") from exc
        return TokenSet(access_token=SecretStr(access), refresh_token=SecretStr(refresh),
                        access_expires_at=expires_at, refresh_expires_at=now + REFRESH_TOKEN_LIFETIME)

    def get_access_token(self, code: str) -> TokenSet:
        """Joom OAuth, "Getting the Access Token": POST /api/v2/oauth/access_token (grant_type=authorization_code)."""
        fields = {"code": code, "grant_type": "authorization_code"}
        if self._redirect_uri:
            fields["redirect_uri"] = self._redirect_uri
        return self._token_request(ACCESS_TOKEN_PATH, fields)

    def refresh_access_token(self, refresh_token: SecretStr) -> TokenSet:
        """Joom OAuth, "Refreshing the Access Token": POST /api/v2/oauth/refresh_token (grant_type=refresh_token)."""
        return self._token_request(REFRESH_TOKEN_PATH, {"refresh_token": refresh_token.get_secret_value(),
                                                        "grant_type": "refresh_token"})

    def _current_tokens(self) -> TokenSet:
        if self._tokens is None:
            raise Fatal("this client has no token store")
        tokens = self._tokens.load()
        if tokens is None:
            raise AuthFailed("the Joom merchant account has no tokens: authorize it first")
        if tokens.access_expires_at - _EARLY_REFRESH <= self._clock.now():
            tokens = self._refresh(tokens)
        return tokens

    def _refresh(self, tokens: TokenSet) -> TokenSet:
        assert self._tokens is not None
        try:
            fresh = self.refresh_access_token(tokens.refresh_token)
        except AuthFailed:
            # The merchant's stores share one token pair: another store's pull may have refreshed it (and
            # so retired our refresh token) a moment ago. Its saved pair is then the one to use.
            stored = self._tokens.load()
            if stored is not None and (stored.refresh_token.get_secret_value()
                                       != tokens.refresh_token.get_secret_value()):
                return stored
            raise
        # The used refresh token may be dead from now on: save the new pair before anything else.
        self._tokens.save(fresh)
        self._api.stats.token_refreshes += 1
        return fresh

    # --- v3 calls -----------------------------------------------------------------------------

    @staticmethod
    def _headers(tokens: TokenSet) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.access_token.get_secret_value()}", "Accept": "application/json"}

    def _authorized(self, build: Callable[[TokenSet], httpx.Request], parse: Callable[[httpx.Response], T]) -> T:
        """A bearer call with the merchant's token; a refused token is refreshed and the call tried once more."""
        tokens = self._current_tokens()
        try:
            return self._api.call(partial(build, tokens), parse)
        except AuthExpired:
            tokens = self._refresh(tokens)
            try:
                return self._api.call(partial(build, tokens), parse)
            except AuthExpired as exc:
                # A brand-new token refused: the merchant revoked the app. Only a new consent helps.
                raise AuthFailed(f"Joom refused a freshly refreshed token, authorize again: {exc}") from exc

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        def build(tokens: TokenSet) -> httpx.Request:
            return self._api.http.build_request("GET", path, params=params, headers=self._headers(tokens))

        return self._authorized(build, self._parse_v3)

    def _follow(self, link: str, fallback_path: str) -> dict[str, Any]:
        """The page a "paging.next" link names, fetched on our own base URL: its path and query, never its
        host, so a tampered link cannot send the merchant's token elsewhere."""
        url = httpx.URL(link)
        path = url.path if url.path.startswith("/api/v3/") else fallback_path
        return self._get(path, dict(url.params.multi_items()))

    def orders_multi(self, params: dict[str, str]) -> dict[str, Any]:
        """Orders, "Get multiple orders": GET /api/v3/orders/multi (limit, updatedFrom, updatedTo, storeId)."""
        return self._get(ORDERS_MULTI_PATH, params)

    def orders_multi_next(self, link: str) -> dict[str, Any]:
        """The page after, from "paging.next" of GET /api/v3/orders/multi."""
        return self._follow(link, ORDERS_MULTI_PATH)

    def get_order(self, order_id: str) -> dict[str, Any] | None:
        """Orders, "Get order": GET /api/v3/orders?id=; None when Joom answers not_found."""
        try:
            body = self._get(ORDER_PATH, {"id": order_id})
        except Fatal as exc:
            if exc.code in {"not_found", "http_404"}:
                return None
            raise
        data = body.get("data")
        if not isinstance(data, dict):
            raise Retryable("Joom answered GET /orders without a data object")
        return data

    def list_stores(self) -> dict[str, Any]:
        """Stores: GET /api/v3/stores (assumed endpoint) -> the merchant's stores, status and performance."""
        return self._get(STORES_PATH, {})

    def products_multi(self, params: dict[str, str]) -> dict[str, Any]:
        """Products, "Get multiple products": GET /api/v3/products/multi (limit, after, storeId)."""
        return self._get(PRODUCTS_MULTI_PATH, params)

    def products_multi_next(self, link: str) -> dict[str, Any]:
        """The page after, from "paging.next" of GET /api/v3/products/multi."""
        return self._follow(link, PRODUCTS_MULTI_PATH)

    def update_variants(self, product_id: str, variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Products, "Update product": POST /api/v3/products/update?id= {"variants": [...]}.

        Returns Joom's errors when it refuses the request as sent (400, each faulty field named, or 404 for a
        product it does not know), [] when applied. Auth, throttling and outages raise like every call.
        """
        payload = {"variants": variants}

        def build(tokens: TokenSet) -> httpx.Request:
            return self._api.http.build_request("POST", PRODUCT_UPDATE_PATH, params={"id": product_id},
                                                json=payload, headers=self._headers(tokens))

        return self._authorized(build, self._parse_refusal)

    @classmethod
    def _parse_refusal(cls, response: httpx.Response) -> list[dict[str, Any]]:
        """A write's answer: the errors of a refusal (400/404), [] for success; anything else as _parse_v3."""
        if response.status_code not in _REFUSALS:
            cls._parse_v3(response)
            return []
        try:
            errors = _errors(response.json())
        except ValueError:
            errors = []
        return errors or [{"code": f"http_{response.status_code}", "message": response.text[:200]}]

    # --- fulfilment -----------------------------------------------------------------------------

    def _post(self, path: str, params: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
        def build(tokens: TokenSet) -> httpx.Request:
            return self._api.http.build_request("POST", path, params=params, json=payload,
                                                headers=self._headers(tokens))

        return self._authorized(build, self._parse_v3)

    def fulfill_offline(self, order_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Orders, "/orders/fulfill": POST /api/v3/orders/fulfill?id= {provider | providerId, trackingNumber} ->
        the shipped order."""
        data = self._post(FULFILL_PATH, {"id": order_id}, payload).get("data")
        if not isinstance(data, dict):
            raise Retryable("Joom answered /orders/fulfill without the order")
        return data

    def fulfill_online(self, order_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Orders, "/orders/fulfillOnline": POST /api/v3/orders/fulfillOnline?id= -> {trackingNumber,
        shippingOrderNumber, shipperName}."""
        data = self._post(FULFILL_ONLINE_PATH, {"id": order_id}, payload).get("data")
        if not isinstance(data, dict):
            raise Retryable("Joom answered /orders/fulfillOnline without shipping info")
        return data

    def shipping_label(self, order_id: str) -> bytes:
        """Orders, "shipping label": GET /api/v3/orders/shippingLabel?id= -> the label of an order fulfilled
        online, as a PDF."""
        def build(tokens: TokenSet) -> httpx.Request:
            headers = {**self._headers(tokens), "Accept": "application/pdf"}
            return self._api.http.build_request("GET", SHIPPING_LABEL_PATH, params={"id": order_id},
                                                headers=headers)

        def parse(response: httpx.Response) -> bytes:
            if response.is_success and not response.headers.get("content-type", "").startswith("application/json"):
                return response.content
            self._parse_v3(response)     # raises the error the answer carries
            raise Retryable("Joom answered the shipping label request with JSON instead of the label")

        return self._authorized(build, parse)

    def shipping_providers(self) -> list[dict[str, Any]]:
        """Orders, the list of accepted shipping providers: GET /api/v3/orders/shippingProviders."""
        return [p for p in page_items(self._get(SHIPPING_PROVIDERS_PATH, {}), "shipping providers")
                if isinstance(p, dict)]

    def cancel_order(self, order_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Orders, "cancel order": POST /api/v3/orders/cancel?id= {reason (outOfStock | unableToFulfill), note} ->
        the cancelled order. Field names and reasons as a published v3 client types them (no copy of the page)."""
        data = self._post(CANCEL_PATH, {"id": order_id}, payload).get("data")
        if not isinstance(data, dict):
            raise Retryable("Joom answered /orders/cancel without the order")
        return data
