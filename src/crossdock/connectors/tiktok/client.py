"""TikTok Shop Partner API (202309) on the wire: signing, the envelope, error classes, seller tokens.

Each method names the API page it implements (partner.tiktokshop.com/docv2).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urljoin

import httpx
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi, retry_after_seconds
from crossdock.domain.errors import DomainError
from crossdock.domain.time import from_unix, to_unix
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import TokenSet, TokenStore

# Common errors page: the codes a caller must treat specially.
TOO_MANY_REQUESTS = 36009002
RETRYABLE_CODES = frozenset({36009003, 36009007})       # internal error, request timeout
EXPIRED_TOKEN = 105002
INVALID_CREDENTIALS = 36009004                           # also bad app_key / timestamp / identifiers
REAUTHORIZE_CODES = frozenset({105005, 101000})          # scope not granted; token not valid for this shop
# Refresh a little before expiry so a long pull does not meet the deadline mid-page.
_EARLY_REFRESH = timedelta(minutes=5)


def sign(app_secret: str, path: str, params: Mapping[str, str], body: str = "") -> str:
    """"Sign your API request": HMAC-SHA256 (key app_secret, lowercase hex) of
    app_secret + path + sorted {key}{value} of the query (but sign and access_token) + body + app_secret."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("sign", "access_token"))
    message = f"{app_secret}{path}{pairs}{body}{app_secret}"
    return hmac.new(app_secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class TikTokClient:
    def __init__(
        self,
        api: HttpApi,
        *,
        app_key: str,
        app_secret: SecretStr,
        auth_base_url: str,
        clock: Clock,
        tokens: TokenStore | None = None,
    ) -> None:
        self._api = api
        self._app_key = app_key
        self._secret = app_secret
        self._auth_base = auth_base_url.rstrip("/") + "/"
        self._clock = clock
        self._tokens = tokens

    # --- envelope -----------------------------------------------------------------------------

    def _parse(self, response: httpx.Response, *, token_call: bool = False) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise Retryable(f"TikTok Shop answered HTTP {response.status_code} with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise Retryable("TikTok Shop answered with a JSON body that is not an object")
        code = body.get("code")
        message = str(body.get("message") or "")
        detail = f"{code if code is not None else 'HTTP ' + str(response.status_code)}: {message} " \
                 f"(request_id {body.get('request_id')})"
        # "All requests that are made after rate limits have been exceeded are throttled and an HTTP 429
        # error is returned" with code 36009002.
        if response.status_code == 429 or code == TOO_MANY_REQUESTS:
            raise Retryable(f"throttled by TikTok Shop: {detail}", retry_after_seconds(response), throttled=True)
        if code == 0 and response.is_success:
            data = body.get("data")
            if data is None:
                return {}
            if not isinstance(data, dict):
                raise Fatal(f"TikTok Shop answered a `data` that is not an object: {detail}")
            return data
        if code in RETRYABLE_CODES:
            raise Retryable(detail)
        if token_call:
            # The auth host refused the code or the refresh token: only the seller can fix that.
            raise AuthFailed(f"TikTok Shop authorization refused: {detail}")
        if code == EXPIRED_TOKEN:
            raise AuthExpired(detail)
        if code == INVALID_CREDENTIALS and "access" in message.lower() and "token" in message.lower():
            # The token is unknown to TikTok (revoked, or replaced): a refresh may still save the day.
            raise AuthExpired(detail)
        if code in REAUTHORIZE_CODES:
            raise AuthFailed(detail)
        raise Fatal(detail, code=str(code) if code is not None else str(response.status_code))

    # --- the auth host ------------------------------------------------------------------------

    def _auth_get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        url = urljoin(self._auth_base, path.lstrip("/"))
        query = {"app_key": self._app_key, "app_secret": self._secret.get_secret_value(), **params}
        return self._api.call(lambda: self._api.http.build_request("GET", url, params=query),
                              lambda r: self._parse(r, token_call=True))

    def _token_set(self, data: dict[str, Any]) -> TokenSet:
        try:
            # Both expiries are Unix timestamps, not durations ("access_token_expire_in: Unix timestamp").
            refresh_at = data.get("refresh_token_expire_in")
            return TokenSet(
                access_token=SecretStr(str(data["access_token"])),
                refresh_token=SecretStr(str(data["refresh_token"])),
                access_expires_at=from_unix(int(data["access_token_expire_in"])),
                refresh_expires_at=from_unix(int(refresh_at)) if refresh_at else None,
            )
        except (KeyError, TypeError, ValueError, DomainError) as exc:
            raise Fatal(f"TikTok Shop token answer lacks a field: {exc}") from exc

    def get_access_token(self, auth_code: str) -> TokenSet:
        """Get Access Token API: GET auth.tiktok-shops.com/api/v2/token/get."""
        return self._token_set(self._auth_get("/api/v2/token/get",
                                              {"auth_code": auth_code, "grant_type": "authorized_code"}))

    def refresh_access_token(self, refresh_token: SecretStr) -> TokenSet:
        """Get Refresh Token API: GET auth.tiktok-shops.com/api/v2/token/refresh."""
        return self._token_set(self._auth_get("/api/v2/token/refresh", {
            "refresh_token": refresh_token.get_secret_value(), "grant_type": "refresh_token"}))

    # --- tokens -------------------------------------------------------------------------------

    def _current_tokens(self) -> TokenSet:
        if self._tokens is None:
            raise Fatal("this client has no token store")
        tokens = self._tokens.load()
        if tokens is None:
            raise AuthFailed("the TikTok Shop seller has not authorized Crossdock yet")
        if tokens.access_expires_at - _EARLY_REFRESH <= self._clock.now():
            tokens = self._refresh(tokens)
        return tokens

    def _refresh(self, tokens: TokenSet) -> TokenSet:
        assert self._tokens is not None
        if tokens.refresh_expires_at is not None and tokens.refresh_expires_at <= self._clock.now():
            raise AuthFailed(f"the TikTok Shop refresh token expired at {tokens.refresh_expires_at.isoformat()}: "
                             "the seller must authorize again")
        fresh = self.refresh_access_token(tokens.refresh_token)
        # Saved at once: the other stores of this seller share these tokens.
        self._tokens.save(fresh)
        self._api.stats.token_refreshes += 1
        return fresh

    # --- the Partner API ----------------------------------------------------------------------

    def _call(self, method: str, path: str, params: dict[str, str],
              body: dict[str, Any] | None = None) -> dict[str, Any]:
        tokens = self._current_tokens()
        try:
            return self._call_with(method, path, params, body, tokens)
        except AuthExpired:
            # Expired or revoked early: refresh once; a second refusal means the seller must re-authorize.
            tokens = self._refresh(tokens)
            try:
                return self._call_with(method, path, params, body, tokens)
            except AuthExpired as exc:
                raise AuthFailed(str(exc)) from exc

    def _call_with(self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None,
                   tokens: TokenSet) -> dict[str, Any]:
        # The body is serialised once: the bytes signed are the bytes sent.
        content = json.dumps(body, separators=(",", ":")) if body is not None else ""
        access = tokens.access_token.get_secret_value()

        def build() -> httpx.Request:
            query = {"app_key": self._app_key, "timestamp": str(to_unix(self._clock.now())), **params}
            headers = {"x-tts-access-token": access, "Content-Type": "application/json"}
            data = content.encode() if content else None
            # Signed over the path actually requested, which includes any prefix of the base URL.
            unsigned = self._api.http.build_request(method, path, params=query, headers=headers, content=data)
            query["sign"] = sign(self._secret.get_secret_value(), unsigned.url.path, query, content)
            return self._api.http.build_request(method, path, params=query, headers=headers, content=data)

        return self._api.call(build, self._parse)

    def get_authorized_shops(self) -> list[dict[str, Any]]:
        """Get Authorized Shops (202309): GET /authorization/202309/shops."""
        shops = self._call("GET", "/authorization/202309/shops", {}).get("shops") or []
        if not isinstance(shops, list):
            raise Fatal("Get Authorized Shops answered `shops` that is not a list")
        return [s for s in shops if isinstance(s, dict)]

    def search_orders(self, *, shop_cipher: str, page_size: int, page_token: str, sort_field: str,
                      sort_order: str, filters: dict[str, Any]) -> dict[str, Any]:
        """Get Order List (202309): POST /order/202309/orders/search."""
        params = {"shop_cipher": shop_cipher, "page_size": str(page_size), "sort_field": sort_field,
                  "sort_order": sort_order}
        if page_token:
            params["page_token"] = page_token
        return self._call("POST", "/order/202309/orders/search", params, filters)

    def get_orders(self, *, shop_cipher: str, ids: list[str]) -> dict[str, Any]:
        """Get Order Detail (202309): GET /order/202309/orders?ids=."""
        return self._call("GET", "/order/202309/orders", {"shop_cipher": shop_cipher, "ids": ",".join(ids)})

    def search_products(self, *, shop_cipher: str, page_size: int, page_token: str,
                        filters: dict[str, Any]) -> dict[str, Any]:
        """Search Products (202309): POST /product/202309/products/search."""
        params = {"shop_cipher": shop_cipher, "page_size": str(page_size)}
        if page_token:
            params["page_token"] = page_token
        return self._call("POST", "/product/202309/products/search", params, filters)

    def get_warehouses(self, *, shop_cipher: str) -> list[dict[str, Any]]:
        """Get Warehouse List (202309): GET /logistics/202309/warehouses."""
        warehouses = self._call("GET", "/logistics/202309/warehouses", {"shop_cipher": shop_cipher}).get("warehouses")
        if not isinstance(warehouses, list):
            raise Fatal("Get Warehouse List answered `warehouses` that is not a list")
        return [w for w in warehouses if isinstance(w, dict)]

    def update_inventory(self, *, shop_cipher: str, product_id: str, skus: list[dict[str, Any]]) -> dict[str, Any]:
        """Update Inventory (202309): POST /product/202309/products/{product_id}/inventory/update."""
        path = f"/product/202309/products/{quote(product_id, safe='')}/inventory/update"
        return self._call("POST", path, {"shop_cipher": shop_cipher}, {"skus": skus})

    # --- fulfilment and returns -------------------------------------------------------------------

    def ship_package(self, *, shop_cipher: str, package_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Ship Package (202309): POST /fulfillment/202309/packages/{package_id}/ship."""
        path = f"/fulfillment/202309/packages/{quote(package_id, safe='')}/ship"
        return self._call("POST", path, {"shop_cipher": shop_cipher}, body)

    def mark_package_shipped(self, *, shop_cipher: str, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Mark Package As Shipped (202309): POST /fulfillment/202309/orders/{order_id}/packages."""
        path = f"/fulfillment/202309/orders/{quote(order_id, safe='')}/packages"
        return self._call("POST", path, {"shop_cipher": shop_cipher}, body)

    def get_shipping_providers(self, *, shop_cipher: str, delivery_option_id: str) -> list[dict[str, Any]]:
        """Get Shipping Providers (202309): GET /logistics/202309/delivery_options/{delivery_option_id}/
        shipping_providers."""
        path = f"/logistics/202309/delivery_options/{quote(delivery_option_id, safe='')}/shipping_providers"
        providers = self._call("GET", path, {"shop_cipher": shop_cipher}).get("shipping_providers") or []
        if not isinstance(providers, list):
            raise Fatal("Get Shipping Providers answered `shipping_providers` that is not a list")
        return [p for p in providers if isinstance(p, dict)]

    def eligible_shipping_services(self, *, shop_cipher: str, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Get Eligible Shipping Service (202309, US): POST /fulfillment/202309/orders/{order_id}/shipping_services/
        query."""
        path = f"/fulfillment/202309/orders/{quote(order_id, safe='')}/shipping_services/query"
        return self._call("POST", path, {"shop_cipher": shop_cipher}, body)

    def create_packages(self, *, shop_cipher: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create Packages (202309, US: buys a TikTok Shipping label): POST /fulfillment/202309/packages."""
        return self._call("POST", "/fulfillment/202309/packages", {"shop_cipher": shop_cipher}, body)

    def get_shipping_document(self, *, shop_cipher: str, package_id: str, document_type: str = "SHIPPING_LABEL",
                              document_format: str = "PDF", document_size: str = "A6") -> dict[str, Any]:
        """Get Package Shipping Document (202309): GET /fulfillment/202309/packages/{package_id}/shipping_documents
        -> {doc_url (valid 24 h), tracking_number}."""
        path = f"/fulfillment/202309/packages/{quote(package_id, safe='')}/shipping_documents"
        return self._call("GET", path, {"shop_cipher": shop_cipher, "document_type": document_type,
                                        "document_format": document_format, "document_size": document_size})

    def download_document(self, url: str) -> bytes:
        """The document a doc_url names: an object-storage URL that takes no TikTok signature or token (none is
        sent, so the seller's token never leaves for another host)."""
        def build() -> httpx.Request:
            return self._api.http.build_request("GET", url)

        def parse(response: httpx.Response) -> bytes:
            if response.is_success:
                return response.content
            if response.status_code >= 500 or response.status_code == 429:
                raise Retryable(f"shipping document download: HTTP {response.status_code}")
            raise Fatal(f"shipping document URL refused: HTTP {response.status_code} {response.text[:200]}",
                        code=str(response.status_code))

        return self._api.call(build, parse)

    def get_tracking(self, *, shop_cipher: str, order_id: str) -> list[dict[str, Any]]:
        """Get Tracking (202309): GET /fulfillment/202309/orders/{order_id}/tracking."""
        path = f"/fulfillment/202309/orders/{quote(order_id, safe='')}/tracking"
        events = self._call("GET", path, {"shop_cipher": shop_cipher}).get("tracking") or []
        if not isinstance(events, list):
            raise Fatal("Get Tracking answered `tracking` that is not a list")
        return [e for e in events if isinstance(e, dict)]

    def search_returns(self, *, shop_cipher: str, page_size: int, page_token: str, sort_field: str, sort_order: str,
                       filters: dict[str, Any]) -> dict[str, Any]:
        """Search Returns (202309): POST /return_refund/202309/returns/search."""
        params = {"shop_cipher": shop_cipher, "page_size": str(page_size), "sort_field": sort_field,
                  "sort_order": sort_order}
        if page_token:
            params["page_token"] = page_token
        return self._call("POST", "/return_refund/202309/returns/search", params, filters)

    def cancel_order(self, *, shop_cipher: str, body: dict[str, Any]) -> dict[str, Any]:
        """Cancel Order (Return and Refund 202309): POST /return_refund/202309/cancellations {order_id,
        cancel_reason, skus | order_line_item_ids} -> {cancel_id, cancel_status}."""
        return self._call("POST", "/return_refund/202309/cancellations", {"shop_cipher": shop_cipher}, body)
