"""Lazada Open Platform on the wire: signing, the envelope, errors, token refresh.

Each method names the API page it implements (open.lazada.com, API reference). Seller APIs go to the
store's venture host (api.lazada.sg/rest, ...); the token APIs to the central auth host (auth.lazada.com/rest).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import httpx
import structlog
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi, retry_after_seconds
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import StockUpdate, TokenSet, TokenStore

log = structlog.get_logger(__name__)

SIGN_METHOD = "sha256"
TOKEN_CREATE = "/auth/token/create"
TOKEN_REFRESH = "/auth/token/refresh"
GET_ORDERS = "/orders/get"
GET_ORDER = "/order/get"
GET_MULTIPLE_ORDER_ITEMS = "/orders/items/get"
GET_PRODUCTS = "/products/get"
UPDATE_SELLABLE_QUANTITY = "/product/stock/sellable/update"
GET_SHIPMENT_PROVIDER = "/order/shipment/providers/get"
PACK = "/order/fulfill/pack"
READY_TO_SHIP = "/order/package/rts"
PRINT_AWB = "/order/package/document/get"
DBS_STATUS_UPDATE = "/order/package/sof/status/update"
GET_ORDER_TRACE = "/logistic/order/trace"
GET_REVERSE_ORDERS = "/reverse/getreverseordersforseller"
GET_REVERSE_ORDER_DETAIL = "/order/reverse/return/detail/list"
ORDER_CANCEL_VALIDATE = "/order/reverse/cancel/validate"
INIT_REVERSE_ORDER_CANCEL = "/order/reverse/cancel/create"
# Fulfilment error codes the Pack error table says to try again later on: SYSTEM_ERROR, RPC_ERROR, GET_LOCK_FAILED.
RETRY_LATER = frozenset({"6", "40011", "700024"})

# "this ban will last 1 seconds": ApiCallLimit says how long to stay away.
_BAN = re.compile(r"ban will last (\d+(?:\.\d+)?) second", re.IGNORECASE)
_BAN_DEFAULT_SECONDS = 1.0
# Codes that mean the seller's authorization itself is gone, on the token APIs.
_AUTH_GONE = frozenset({"InvalidCode", "IllegalRefreshToken", "AUTH_TYPE_UNSUPPORTED"})
# Server-side faults worth another try. The error guide names no codes, only the "ISP" (backend service) category
# that says "try again after some time"; these two are the gateway's generic ones.
_RETRYABLE_CODES = frozenset({"InternalError", "ServiceUnavailable"})
# "it is recommended to refresh it 30 minutes before the token expires".
EARLY_REFRESH = timedelta(minutes=30)
# GetMultipleOrderItems E039: none of the asked orders exists; GetOrder E016 (assumed): no such order.
NO_ORDERS_FOUND = "39"
# UpdateSellableQuantity E501 "Update product failed": "an overview error code ... check the detail field in the
# API response to understand the SKU where the error occurred and the cause of the error".
UPDATE_FAILED = "501"


def sign(app_secret: str, api_path: str, params: Mapping[str, str]) -> str:
    """The Signature algorithm page: API path + every parameter except `sign`, sorted by name, as key+value;
    HMAC-SHA256 keyed by the app secret; upper-case hex. Empty values are left out (the Java SDK's rule); this
    client never sends one."""
    base = api_path + "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign" and params[k] != "")
    return hmac.new(app_secret.encode("utf-8"), base.encode("utf-8"), hashlib.sha256).hexdigest().upper()


def _ban_seconds(message: str) -> float:
    found = _BAN.search(message)
    return float(found.group(1)) if found else _BAN_DEFAULT_SECONDS


class LazadaClient:
    def __init__(
        self,
        auth_api: HttpApi,
        *,
        app_key: str,
        app_secret: SecretStr,
        clock: Clock,
        api: HttpApi | None = None,
        tokens: TokenStore | None = None,
    ) -> None:
        self._auth_api = auth_api
        self._api = api
        self._app_key = app_key
        self._secret = app_secret
        self._clock = clock
        self._tokens = tokens

    # --- envelope -----------------------------------------------------------------------------

    def _params(self, api_path: str, business: Mapping[str, str], access_token: str | None) -> dict[str, str]:
        params = {k: v for k, v in business.items() if v != ""}
        params.update({"app_key": self._app_key, "sign_method": SIGN_METHOD,
                       "timestamp": str(int(self._clock.now().timestamp() * 1000))})
        if access_token:
            params["access_token"] = access_token
        params["sign"] = sign(self._secret.get_secret_value(), api_path, params)
        return params

    @staticmethod
    def _parse(response: httpx.Response, *, token_call: bool = False) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise Retryable(f"Lazada answered HTTP {response.status_code} with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise Retryable("Lazada answered with a JSON body that is not an object")
        code = str(body.get("code", ""))
        if code == "0" and response.is_success:
            return body
        kind, message = str(body.get("type", "")), str(body.get("message", ""))
        detail = f"{code or 'HTTP ' + str(response.status_code)}: {message} (request_id {body.get('request_id')})"
        if code == "ApiCallLimit" or response.status_code == 429:
            wait = retry_after_seconds(response) if code != "ApiCallLimit" else _ban_seconds(message)
            raise Retryable(f"throttled by Lazada: {detail}", wait if wait is not None else _BAN_DEFAULT_SECONDS,
                            throttled=True)
        if token_call and code in _AUTH_GONE:
            raise AuthFailed(detail)
        if code == "IllegalAccessToken":
            raise AuthExpired(detail)
        if code in _RETRYABLE_CODES or kind == "ISP" or response.status_code >= 500:
            raise Retryable(detail)
        raise Fatal(detail, code=code)

    # --- seller APIs --------------------------------------------------------------------------

    def _seller_get(self, api_path: str, business: Mapping[str, str]) -> Any:
        body = self._seller_call("GET", api_path, business, self._parse)
        if "data" not in body:
            raise Retryable(f"Lazada answered {api_path} without data")
        return body["data"]

    def _seller_call(self, method: str, api_path: str, business: Mapping[str, str],
                     parse: Callable[[httpx.Response], dict[str, Any]]) -> dict[str, Any]:
        tokens = self._current_tokens()
        try:
            return self._seller_call_with(method, api_path, business, tokens, parse)
        except AuthExpired:
            # Expired or revoked early: refresh once; a second refusal means the seller must authorize again.
            tokens = self._refresh(tokens)
            try:
                return self._seller_call_with(method, api_path, business, tokens, parse)
            except AuthExpired as exc:
                raise AuthFailed(str(exc)) from exc

    def _seller_call_with(self, method: str, api_path: str, business: Mapping[str, str], tokens: TokenSet,
                          parse: Callable[[httpx.Response], dict[str, Any]]) -> dict[str, Any]:
        if self._api is None:
            raise Fatal("this Lazada client has no venture host")
        api = self._api
        access = tokens.access_token.get_secret_value()

        def build() -> httpx.Request:
            params = self._params(api_path, business, access)
            if method == "GET":
                return api.http.build_request("GET", api_path, params=params)
            # A POST carries the business parameters (an XML payload can be long) in the form body; the
            # signature covers them as it covers query parameters.
            form = {k: v for k, v in params.items() if k in business}
            query = {k: v for k, v in params.items() if k not in business}
            return api.http.build_request("POST", api_path, params=query, data=form)

        return api.call(build, parse)

    def _seller_result(self, method: str, api_path: str, business: Mapping[str, str]) -> dict[str, Any]:
        """The `result` object of the fulfilment APIs; `success` false means Lazada refused the whole batch."""
        body = self._seller_call(method, api_path, business, self._parse)
        result = body.get("result")
        if not isinstance(result, dict):
            raise Retryable(f"Lazada answered {api_path} without a result object")
        if result.get("success") in (False, "false"):
            code = str(result.get("error_code") or result.get("errorCode") or "")
            message = str(result.get("error_msg") or result.get("errorMsg") or "refused")
            detail = f"{api_path} {code}: {message}"
            if code in RETRY_LATER:
                raise Retryable(detail)
            raise Fatal(detail, code=code)
        return result

    def _result_data(self, method: str, api_path: str, business: Mapping[str, str]) -> dict[str, Any]:
        data = self._seller_result(method, api_path, business).get("data")
        if not isinstance(data, dict):
            raise Retryable(f"Lazada answered {api_path} without data in its result")
        return data

    # --- tokens -------------------------------------------------------------------------------

    def _current_tokens(self) -> TokenSet:
        if self._tokens is None:
            raise Fatal("this client has no token store")
        tokens = self._tokens.load()
        if tokens is None:
            raise AuthFailed("the store has no tokens: authorize it first")
        if tokens.access_expires_at - EARLY_REFRESH <= self._clock.now():
            tokens = self._refresh(tokens)
        return tokens

    def _refresh(self, tokens: TokenSet) -> TokenSet:
        assert self._tokens is not None
        fresh = self.token_set(self.refresh_access_token(tokens.refresh_token))
        # "You must save the latest refresh_token": the new pair is kept before anything else happens.
        self._tokens.save(fresh)
        self._auth_api.stats.token_refreshes += 1
        return fresh

    def _token_call(self, api_path: str, business: dict[str, str]) -> dict[str, Any]:
        def build() -> httpx.Request:
            params = self._params(api_path, business, None)
            # The code or refresh token travels in the form body, out of URLs and access logs; the signature
            # covers form parameters like query ones.
            query = {k: v for k, v in params.items() if k not in business}
            return self._auth_api.http.build_request("POST", api_path, params=query,
                                                     data={k: params[k] for k in business})

        return self._auth_api.call(build, lambda r: self._parse(r, token_call=True))

    def token_set(self, answer: Mapping[str, Any]) -> TokenSet:
        """A token answer (GenerateAccessToken / RefreshAccessToken) -> TokenSet; expiries are relative seconds."""
        try:
            now = self._clock.now()
            refresh_in = int(str(answer.get("refresh_expires_in", 0)))
            return TokenSet(
                access_token=SecretStr(str(answer["access_token"])),
                refresh_token=SecretStr(str(answer["refresh_token"])),
                access_expires_at=now + timedelta(seconds=int(str(answer["expires_in"]))),
                # "If refresh_expires_in = 0, the access token cannot be refreshed."
                refresh_expires_at=now + timedelta(seconds=max(refresh_in, 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Fatal(f"Lazada token answer lacks a field: {exc}") from exc

    def create_access_token(self, code: str) -> dict[str, Any]:
        """GenerateAccessToken: /auth/token/create (auth host)."""
        return self._token_call(TOKEN_CREATE, {"code": code})

    def refresh_access_token(self, refresh_token: SecretStr) -> dict[str, Any]:
        """RefreshAccessToken: /auth/token/refresh (auth host)."""
        return self._token_call(TOKEN_REFRESH, {"refresh_token": refresh_token.get_secret_value()})

    # --- orders -------------------------------------------------------------------------------

    def get_orders(self, params: Mapping[str, str]) -> dict[str, Any]:
        """GetOrders: GET /orders/get."""
        data = self._seller_get(GET_ORDERS, params)
        if not isinstance(data, dict):
            raise Retryable("GetOrders answered data that is not an object")
        return data

    def get_order(self, order_id: str) -> dict[str, Any] | None:
        """GetOrder: GET /order/get; None when the seller has no such order."""
        try:
            data = self._seller_get(GET_ORDER, {"order_id": order_id})
        except Fatal as exc:
            if exc.code == "16":
                return None
            raise
        return data if isinstance(data, dict) else None

    def get_multiple_order_items(self, order_ids: list[str]) -> list[Any]:
        """GetMultipleOrderItems: GET /orders/items/get, order_ids as a JSON array ("[42922, 32793]")."""
        try:
            data = self._seller_get(GET_MULTIPLE_ORDER_ITEMS, {"order_ids": json.dumps([int(i) for i in order_ids])})
        except Fatal as exc:
            # E039 "No orders were found": none of the asked orders exists; the caller reports each one.
            if exc.code == NO_ORDERS_FOUND:
                return []
            raise
        if not isinstance(data, list):
            raise Retryable("GetMultipleOrderItems answered data that is not a list")
        return data

    # --- products -----------------------------------------------------------------------------

    def get_products(self, params: Mapping[str, str]) -> dict[str, Any]:
        """GetProducts: GET /products/get (filter, offset, limit <= 50) -> {total_products, products}."""
        data = self._seller_get(GET_PRODUCTS, params)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise Retryable("GetProducts answered data that is not an object")
        return data

    def update_sellable_quantity(self, updates: Sequence[StockUpdate]) -> list[Any]:
        """UpdateSellableQuantity: POST /product/stock/sellable/update with the XML `payload`. Returns the
        refused SKUs Lazada lists in `detail` with E501 ([] when it took them all); any other error raises."""
        body = self._seller_call("POST", UPDATE_SELLABLE_QUANTITY, {"payload": stock_payload(updates)},
                                 self._parse_stock)
        return list(body["detail"]) if str(body.get("code")) == UPDATE_FAILED else []

    @classmethod
    def _parse_stock(cls, response: httpx.Response) -> dict[str, Any]:
        """E501 naming refused SKUs is an answer about those SKUs, not a failure of the call."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if (isinstance(body, dict) and str(body.get("code")) == UPDATE_FAILED and response.is_success
                and isinstance(body.get("detail"), list) and body["detail"]):
            return body
        return cls._parse(response)


    # --- fulfilment ---------------------------------------------------------------------------

    def get_shipment_provider(self, orders: list[dict[str, Any]]) -> dict[str, Any]:
        """GetShipmentProvider: /order/shipment/providers/get -> {platform_default, shipment_providers,
        shipping_allocate_type}."""
        return self._result_data("GET", GET_SHIPMENT_PROVIDER,
                                 {"getShipmentProvidersReq": json.dumps({"orders": orders})})

    def pack(self, pack_req: dict[str, Any]) -> dict[str, Any]:
        """Pack: POST /order/fulfill/pack -> {pack_order_list[{order_id, order_item_list[results]}]}."""
        return self._result_data("POST", PACK, {"packReq": json.dumps(pack_req)})

    def ready_to_ship(self, package_ids: Sequence[str]) -> dict[str, Any]:
        """ReadyToShip: POST /order/package/rts -> {packages[{package_id, item_err_code, msg}]}."""
        return self._result_data("POST", READY_TO_SHIP, {"readyToShipReq": json.dumps(
            {"packages": [{"package_id": p} for p in package_ids]})})

    def print_awb(self, package_ids: Sequence[str], doc_type: str = "PDF") -> dict[str, Any]:
        """PrintAWB: /order/package/document/get -> {file (Base64), doc_type, pdf_url}."""
        return self._result_data("GET", PRINT_AWB, {"getDocumentReq": json.dumps(
            {"doc_type": doc_type, "packages": [{"package_id": p} for p in package_ids]})})

    def dbs_status_update(self, *, tracking_number: str, carrier_code: str, package_id: str,
                          track_info: dict[str, Any]) -> None:
        """PackageStatusUpdateForDBS: POST /order/package/sof/status/update; answers {success, module, errorCode}
        at the top level."""
        business = {"trackingNumber": tracking_number, "source": "OPENAPI", "carrierCode": carrier_code,
                    "tag": package_id, "trackInfo": json.dumps(track_info)}
        body = self._seller_call("POST", DBS_STATUS_UPDATE, business, self._parse)
        if body.get("success") in (False, "false"):
            error = body.get("errorCode")
            message = error.get("displayMessage") if isinstance(error, dict) else error
            raise Fatal(f"{DBS_STATUS_UPDATE}: {message or 'refused'}")

    def get_order_trace(self, order_id: str) -> dict[str, Any]:
        """GetOrderTrace: /logistic/order/trace -> {module[{package_detail_info_list[...]}]}."""
        return self._seller_result("GET", GET_ORDER_TRACE, {"order_id": order_id, "locale": "en",
                                                            "ofcPackageIdList": "[]"})

    # --- returns ------------------------------------------------------------------------------

    def get_reverse_orders(self, params: Mapping[str, str]) -> dict[str, Any]:
        """GetReverseOrdersForSeller: /reverse/getreverseordersforseller -> {page_no, page_size, total, items}."""
        return self._seller_result("GET", GET_REVERSE_ORDERS, params)

    def get_reverse_order_detail(self, reverse_order_id: str) -> dict[str, Any]:
        """GetReverseOrderDetail: GET /order/reverse/return/detail/list (Lazada refuses it by POST)."""
        data = self._seller_get(GET_REVERSE_ORDER_DETAIL, {"reverse_order_id": reverse_order_id})
        if not isinstance(data, dict):
            raise Retryable("GetReverseOrderDetail answered data that is not an object")
        return data

    # --- seller cancellation ------------------------------------------------------------------

    def order_cancel_validate(self, order_id: str, order_item_ids: Sequence[str]) -> dict[str, Any]:
        """OrderCancelValidate: GET /order/reverse/cancel/validate -> {tip_type, tip_content, reason_options
        [{reason_id, reason_name}]}: whether the items can be cancelled, and the reasons this order takes."""
        return self._cancel_data(ORDER_CANCEL_VALIDATE, {"order_id": order_id,
                                                         "order_item_id_list": json.dumps(list(order_item_ids))})

    def init_reverse_order_cancel(self, order_id: str, order_item_ids: Sequence[str], reason_id: str) -> dict[str, Any]:
        """InitReverseOrderCancel: GET /order/reverse/cancel/create -> {tip_type, tip_content}; "Seller initiates a
        cancelation" of the order items with a reason_id OrderCancelValidate offered."""
        return self._cancel_data(INIT_REVERSE_ORDER_CANCEL, {
            "order_id": order_id, "order_item_id_list": json.dumps(list(order_item_ids)), "reason_id": reason_id})

    def _cancel_data(self, api_path: str, business: Mapping[str, str]) -> dict[str, Any]:
        data = self._seller_get(api_path, business)
        if not isinstance(data, dict):
            raise Retryable(f"Lazada answered {api_path} with data that is not an object")
        return data


def stock_payload(updates: Sequence[StockUpdate]) -> str:
    """The UpdateSellableQuantity payload, single-warehouse form of the doc's demo:
    <Request><Product><Skus><Sku><ItemId/><SkuId/><SellerSku/><SellableQuantity/></Sku>...</Skus></Product></Request>.
    Built with ElementTree, so a seller SKU holding "<" or "&" is escaped."""
    request = ET.Element("Request")
    skus = ET.SubElement(ET.SubElement(request, "Product"), "Skus")
    for update in updates:
        sku = ET.SubElement(skus, "Sku")
        for tag, value in (("ItemId", update.item_id), ("SkuId", update.variant_id), ("SellerSku", update.seller_sku)):
            if value:
                ET.SubElement(sku, tag).text = value
        ET.SubElement(sku, "SellableQuantity").text = str(update.quantity)
    return ET.tostring(request, encoding="unicode")
