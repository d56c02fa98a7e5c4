"""Shopee Open Platform v2 on the wire: signing, the envelope, errors, token refresh.

Each method names the API page it implements (open.shopee.com, API v2).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi, retry_after_seconds
from crossdock.domain.time import to_unix
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import TokenSet, TokenStore

# Shopee names the same failure differently across API generations; all mean "refresh the token".
_TOKEN_ERRORS = frozenset({"invalid_acceess_token", "invalid_access_token", "error_invalid_token"})
_RETRYABLE_ERRORS = frozenset({"error_server", "error_network", "error_inner", "error_busy", "error_system_busy"})
# Refresh a little before expiry so a long pull does not meet the deadline mid-page.
_EARLY_REFRESH = timedelta(minutes=5)
# Query parameters; a sequence value repeats the parameter (get_item_list's item_status=A&item_status=B).
Params = Mapping[str, str | int | Sequence[str]]
# A batch API refusing every entry answers this error *and* the per-entry result_list worth reading.
BATCH_ALL_FAILED = "common.batch_api_all_failed"
T = TypeVar("T")


def sign(partner_key: str, *parts: object) -> str:
    """Shopee's request signature: lowercase hex HMAC-SHA256 over the plain concatenation of parts."""
    base = "".join(str(p) for p in parts)
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def _is_token_error(error: str, message: str) -> bool:
    text = message.lower()
    return error in _TOKEN_ERRORS or (error == "error_auth" and "access_token" in text)


class ShopeeClient:
    def __init__(
        self,
        api: HttpApi,
        *,
        partner_id: int,
        partner_key: SecretStr,
        clock: Clock,
        shop_id: int | None = None,
        tokens: TokenStore | None = None,
    ) -> None:
        self._api = api
        self._partner_id = partner_id
        self._key = partner_key
        self._clock = clock
        self._shop_id = shop_id
        self._tokens = tokens

    # --- envelope -----------------------------------------------------------------------------

    def _parse(self, response: httpx.Response, *, token_call: bool = False) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise Retryable(f"Shopee answered HTTP {response.status_code} with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise Retryable("Shopee answered with a JSON body that is not an object")
        error = str(body.get("error") or "")
        message = str(body.get("message") or "")
        if response.status_code == 429 or "too_many" in error or "rate_limit" in error:
            raise Retryable(f"throttled by Shopee: {error} {message}", retry_after_seconds(response), throttled=True)
        if not error and response.is_success:
            return body
        detail = f"{error or 'HTTP ' + str(response.status_code)}: {message} (request_id {body.get('request_id')})"
        if error in _RETRYABLE_ERRORS:
            raise Retryable(detail)
        if token_call and error in {"error_auth", "invalid_code", "invalid_shop_id", "error_param"}:
            raise AuthFailed(detail)
        if _is_token_error(error, message):
            raise AuthExpired(detail)
        raise Fatal(detail, code=error)

    def _public_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        def build() -> httpx.Request:
            ts = to_unix(self._clock.now())
            params: dict[str, str | int] = {"partner_id": self._partner_id, "timestamp": ts,
                      "sign": sign(self._key.get_secret_value(), self._partner_id, path, ts)}
            return self._api.http.build_request("POST", path, params=params, json=body)

        return self._api.call(build, lambda r: self._parse(r, token_call=True))

    def _shop_get(self, path: str, params: Params) -> dict[str, Any]:
        return self._shop_call("GET", path, params, None, self._response_of(path))

    def _shop_post(self, path: str, body: dict[str, Any], *, empty_ok: bool = False) -> dict[str, Any]:
        # POST Shop APIs carry only the common parameters in the query; the business ones go in the JSON body.
        return self._shop_call("POST", path, {}, body, self._response_of(path, empty_ok=empty_ok))

    def _response_of(self, path: str, *, empty_ok: bool = False,
                     batch: bool = False) -> Callable[[httpx.Response], dict[str, Any]]:
        """The answer's `response` object. `empty_ok`: the API answers success with no response at all
        (ship_order); `batch`: a refusal of every entry still hands back the per-entry result_list."""
        def parse(response: httpx.Response) -> dict[str, Any]:
            body = self._batch_body(response) if batch else self._parse(response)
            inner = body.get("response")
            if inner is None and empty_ok:
                return {}
            if not isinstance(inner, dict):
                raise Retryable(f"Shopee answered {path} without a response object")
            return inner

        return parse

    def _batch_body(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if (isinstance(body, dict) and body.get("error") == BATCH_ALL_FAILED and response.status_code < 500
                and isinstance(body.get("response"), dict)
                and isinstance(body["response"].get("result_list"), list)):
            return body
        return self._parse(response)

    def _file(self, response: httpx.Response) -> bytes:
        """download_shipping_document answers the file itself; an error still comes as the JSON envelope."""
        kind = response.headers.get("content-type", "")
        if response.is_success and not kind.startswith("application/json"):
            return response.content
        self._parse(response)
        raise Retryable("Shopee answered download_shipping_document with JSON but no error")

    def _shop_call(self, method: str, path: str, params: Params, body: dict[str, Any] | None,
                   parse: Callable[[httpx.Response], T]) -> T:
        tokens = self._current_tokens()
        try:
            return self._shop_call_with(method, path, params, body, tokens, parse)
        except AuthExpired:
            # Expired or revoked early: refresh once; a second refusal means the seller must re-authorize.
            tokens = self._refresh(tokens)
            try:
                return self._shop_call_with(method, path, params, body, tokens, parse)
            except AuthExpired as exc:
                raise AuthFailed(str(exc)) from exc

    def _shop_call_with(
        self, method: str, path: str, params: Params, body: dict[str, Any] | None, tokens: TokenSet,
        parse: Callable[[httpx.Response], T],
    ) -> T:
        if self._shop_id is None:
            raise Fatal("shop API called without a shop_id")
        shop_id = self._shop_id
        access = tokens.access_token.get_secret_value()

        def build() -> httpx.Request:
            ts = to_unix(self._clock.now())
            common: dict[str, str | int] = {"partner_id": self._partner_id, "timestamp": ts, "access_token": access,
                      "shop_id": shop_id,
                      "sign": sign(self._key.get_secret_value(), self._partner_id, path, ts, access, shop_id)}
            return self._api.http.build_request(method, path, params={**common, **params}, json=body)

        return self._api.call(build, parse)

    # --- tokens -------------------------------------------------------------------------------

    def _current_tokens(self) -> TokenSet:
        if self._tokens is None:
            raise Fatal("this client has no token store")
        tokens = self._tokens.load()
        if tokens is None:
            raise AuthFailed("the store has no tokens: authorize it first")
        if tokens.access_expires_at - _EARLY_REFRESH <= self._clock.now():
            tokens = self._refresh(tokens)
        return tokens

    def _refresh(self, tokens: TokenSet) -> TokenSet:
        assert self._tokens is not None and self._shop_id is not None
        fresh = self.refresh_access_token(tokens.refresh_token, self._shop_id)
        # The old refresh token is dead from now on: save the new pair before anything else.
        self._tokens.save(fresh)
        self._api.stats.token_refreshes += 1
        return fresh

    def _token_set(self, body: dict[str, Any]) -> TokenSet:
        try:
            expire_in = int(body["expire_in"])
            now = self._clock.now()
            return TokenSet(
                access_token=SecretStr(str(body["access_token"])),
                refresh_token=SecretStr(str(body["refresh_token"])),
                access_expires_at=now + timedelta(seconds=expire_in),
                # Shopee documents 30 days for the refresh token but does not return it.
                refresh_expires_at=now + timedelta(days=30),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Fatal(f"Shopee token answer lacks a field: {exc}") from exc

    def get_access_token(self, code: str, shop_id: int) -> TokenSet:
        """v2.public.get_access_token: POST /api/v2/auth/token/get."""
        body = self._public_post("/api/v2/auth/token/get",
                                 {"code": code, "partner_id": self._partner_id, "shop_id": shop_id})
        return self._token_set(body)

    def refresh_access_token(self, refresh_token: SecretStr, shop_id: int) -> TokenSet:
        """v2.public.refresh_access_token: POST /api/v2/auth/access_token/get."""
        body = self._public_post(
            "/api/v2/auth/access_token/get",
            {"refresh_token": refresh_token.get_secret_value(), "partner_id": self._partner_id, "shop_id": shop_id},
        )
        return self._token_set(body)

    # --- orders -------------------------------------------------------------------------------

    def get_order_list(
        self, *, time_range_field: str, time_from: int, time_to: int, page_size: int, cursor: str,
    ) -> dict[str, Any]:
        """v2.order.get_order_list: GET /api/v2/order/get_order_list."""
        return self._shop_get("/api/v2/order/get_order_list", {
            "time_range_field": time_range_field, "time_from": time_from, "time_to": time_to,
            "page_size": page_size, "cursor": cursor, "response_optional_fields": "order_status",
        })

    def get_order_detail(self, order_sns: list[str], optional_fields: str) -> dict[str, Any]:
        """v2.order.get_order_detail: GET /api/v2/order/get_order_detail."""
        try:
            return self._shop_get("/api/v2/order/get_order_detail", {
                "order_sn_list": ",".join(order_sns), "response_optional_fields": optional_fields,
            })
        except Fatal as exc:
            # Shopee answers error_not_found when none of the asked orders exists; the caller reports each.
            if exc.code == "error_not_found":
                return {"order_list": []}
            raise

    def cancel_order(self, order_sn: str, cancel_reason: str,
                     item_list: Sequence[Mapping[str, int]] = ()) -> dict[str, Any]:
        """v2.order.cancel_order: POST /api/v2/order/cancel_order {order_sn, cancel_reason, item_list} ->
        {update_time}; item_list ({item_id, model_id}) is required with OUT_OF_STOCK."""
        body: dict[str, Any] = {"order_sn": order_sn, "cancel_reason": cancel_reason}
        if item_list:
            body["item_list"] = [dict(item) for item in item_list]
        return self._shop_post("/api/v2/order/cancel_order", body)

    # --- products -----------------------------------------------------------------------------

    def get_item_list(self, *, offset: int, page_size: int, item_status: Sequence[str]) -> dict[str, Any]:
        """v2.product.get_item_list: GET /api/v2/product/get_item_list."""
        return self._shop_get("/api/v2/product/get_item_list", {
            "offset": offset, "page_size": page_size, "item_status": list(item_status),
        })

    def get_item_base_info(self, item_ids: Sequence[int]) -> dict[str, Any]:
        """v2.product.get_item_base_info: GET /api/v2/product/get_item_base_info."""
        try:
            return self._shop_get("/api/v2/product/get_item_base_info",
                                  {"item_id_list": ",".join(str(i) for i in item_ids)})
        except Fatal as exc:
            # Shopee answers error_item_not_found when none of the asked items exists; the caller reports each.
            if exc.code == "error_item_not_found":
                return {"item_list": []}
            raise

    def get_model_list(self, item_id: int) -> dict[str, Any]:
        """v2.product.get_model_list: GET /api/v2/product/get_model_list."""
        return self._shop_get("/api/v2/product/get_model_list", {"item_id": item_id})

    def update_stock(self, item_id: int, stock_list: list[dict[str, Any]]) -> dict[str, Any]:
        """v2.product.update_stock: POST /api/v2/product/update_stock (one item, up to 50 models)."""
        return self._shop_post("/api/v2/product/update_stock", {"item_id": item_id, "stock_list": stock_list})

    # --- logistics ----------------------------------------------------------------------------

    @staticmethod
    def _package(package_number: str) -> dict[str, str]:
        # "You should't fill the field with empty string when there isn't a package number."
        return {"package_number": package_number} if package_number else {}

    def get_shipping_parameter(self, order_sn: str, package_number: str = "") -> dict[str, Any]:
        """v2.logistics.get_shipping_parameter: GET /api/v2/logistics/get_shipping_parameter."""
        return self._shop_get("/api/v2/logistics/get_shipping_parameter",
                              {"order_sn": order_sn, **self._package(package_number)})

    def ship_order(self, body: dict[str, Any]) -> None:
        """v2.logistics.ship_order: POST /api/v2/logistics/ship_order (success carries no response object)."""
        self._shop_post("/api/v2/logistics/ship_order", body, empty_ok=True)

    def get_tracking_number(self, order_sn: str, package_number: str = "") -> dict[str, Any]:
        """v2.logistics.get_tracking_number: GET /api/v2/logistics/get_tracking_number."""
        return self._shop_get("/api/v2/logistics/get_tracking_number",
                              {"order_sn": order_sn, **self._package(package_number)})

    def create_shipping_document(self, order_list: list[dict[str, Any]]) -> dict[str, Any]:
        """v2.logistics.create_shipping_document: POST (order_list of 1 to 50) -> {result_list}."""
        return self._shop_call("POST", "/api/v2/logistics/create_shipping_document", {}, {"order_list": order_list},
                               self._response_of("create_shipping_document", batch=True))

    def get_shipping_document_result(self, order_list: list[dict[str, Any]]) -> dict[str, Any]:
        """v2.logistics.get_shipping_document_result: POST (order_list of 1 to 50) -> {result_list[status]}."""
        return self._shop_call("POST", "/api/v2/logistics/get_shipping_document_result", {},
                               {"order_list": order_list},
                               self._response_of("get_shipping_document_result", batch=True))

    def download_shipping_document(self, order_list: list[dict[str, Any]], document_type: str) -> bytes:
        """v2.logistics.download_shipping_document: POST -> the document file (PDF)."""
        return self._shop_call("POST", "/api/v2/logistics/download_shipping_document", {},
                               {"shipping_document_type": document_type, "order_list": order_list}, self._file)

    def get_tracking_info(self, order_sn: str, package_number: str = "") -> dict[str, Any]:
        """v2.logistics.get_tracking_info: GET /api/v2/logistics/get_tracking_info."""
        return self._shop_get("/api/v2/logistics/get_tracking_info",
                              {"order_sn": order_sn, **self._package(package_number)})

    # --- returns ------------------------------------------------------------------------------

    def get_return_list(self, *, page_no: int, page_size: int, update_time_from: int,
                        update_time_to: int) -> dict[str, Any]:
        """v2.returns.get_return_list: GET /api/v2/returns/get_return_list (update window of at most 15 days)."""
        return self._shop_get("/api/v2/returns/get_return_list", {
            "page_no": page_no, "page_size": page_size,
            "update_time_from": update_time_from, "update_time_to": update_time_to,
        })

    def get_return_detail(self, return_sn: str) -> dict[str, Any]:
        """v2.returns.get_return_detail: GET /api/v2/returns/get_return_detail."""
        return self._shop_get("/api/v2/returns/get_return_detail", {"return_sn": return_sn})
