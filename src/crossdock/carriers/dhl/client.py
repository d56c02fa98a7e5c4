"""DHL on the wire: Parcel DE Shipping API v2 (orders) and the Shipment Tracking - Unified API (shipments).

Shipping: developer.dhl.com "Parcel DE Shipping (Post & Parcel Germany)" v2, POST and DELETE /orders, with the
header `dhl-api-key` plus HTTP Basic user and password (securitySchemes ApiKey + BasicAuth).
Tracking: developer.dhl.com "Shipment Tracking - Unified" v1, GET /shipments?trackingNumber=, header
`DHL-API-Key`; 404 application/problem+json for an unknown number; 429 once the plan's per-second or per-day
quota is spent (initial plan: 1 call a second, 250 a day; the day resets at 00:00 GMT).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from crossdock.carriers.dhl import mapping
from crossdock.connectors._kit.errors import AuthFailed, BadPayload, ConnectorError, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi, retry_after_seconds
from crossdock.domain.fulfilment.tracking import TrackingEvent

T = TypeVar("T")

ORDERS_PATH = "/orders"
SHIPMENTS_PATH = "/shipments"


class QuotaSpent(ConnectorError):
    """A 429 whose wait is longer than worth sleeping through (the day's tracking quota). Not Retryable, so the
    HTTP layer does not sleep for hours; the client turns it into a Retryable for the caller's own schedule."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _unspent(api: HttpApi, build: Callable[[], httpx.Request], parse: Callable[[httpx.Response], T]) -> T:
    """api.call, with a spent quota handed to the caller as Retryable (after the HTTP layer gave up on it)."""
    try:
        return api.call(build, parse)
    except QuotaSpent as exc:
        raise Retryable(str(exc), exc.retry_after, throttled=True) from exc


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class DhlClient:
    def __init__(self, shipping: HttpApi, tracking: HttpApi, *, api_key: SecretStr, username: str,
                 password: SecretStr, tracking_api_key: SecretStr, max_throttle_wait: float) -> None:
        self._shipping, self._tracking = shipping, tracking
        self._api_key, self._username, self._password = api_key, username, password
        self._tracking_key = tracking_api_key
        self._max_wait = max_throttle_wait

    def close(self) -> None:
        self._shipping.close()
        self._tracking.close()

    # ---- common answers ---------------------------------------------------------------------------------------

    def _throttled(self, response: httpx.Response, what: str) -> ConnectorError:
        wait = retry_after_seconds(response)
        words = mapping.status_words(_json(response)) or "Too Many Requests"
        if wait is not None and wait > self._max_wait:
            return QuotaSpent(f"DHL {what} quota spent ({words}); try again in {wait:.0f} s", wait)
        return Retryable(f"throttled by DHL {what}: {words}", wait, throttled=True)

    @staticmethod
    def _unauthorized(response: httpx.Response, what: str) -> AuthFailed:
        words = mapping.status_words(_json(response)) or "Unauthorized"
        return AuthFailed(f"DHL {what} refused the credentials (HTTP {response.status_code}: {words}); check the "
                          "API key, and for shipping the business customer portal user and password")

    def _shipping_headers(self) -> dict[str, str]:
        basic = base64.b64encode(f"{self._username}:{self._password.get_secret_value()}".encode()).decode("ascii")
        return {"dhl-api-key": self._api_key.get_secret_value(), "Authorization": f"Basic {basic}",
                "Accept": "application/json", "Content-Type": "application/json"}

    # ---- POST /orders -----------------------------------------------------------------------------------------------

    def create_order(self, body: dict[str, Any], *, print_format: str, must_encode: bool) -> dict[str, Any]:
        """Parcel DE Shipping v2 "Create one or more shipments and their documents" (operationId createOrders)."""
        params = {"docFormat": "PDF", "includeDocs": "include", "printFormat": print_format,
                  "mustEncode": "true" if must_encode else "false", "combine": "true"}
        content = mapping.to_json(body)

        def build() -> httpx.Request:
            return self._shipping.http.build_request("POST", ORDERS_PATH, params=params, content=content,
                                                     headers=self._shipping_headers())

        return _unspent(self._shipping, build, self._parse_orders)

    def _parse_orders(self, response: httpx.Response) -> dict[str, Any]:
        body = _json(response)
        if response.status_code == 429:
            raise self._throttled(response, "shipping")
        if response.status_code in (401, 403):
            raise self._unauthorized(response, "Parcel DE Shipping")
        if response.status_code in (200, 207):
            if not isinstance(body, dict):
                raise Retryable(f"DHL answered HTTP {response.status_code} without a JSON object")
            return body
        if response.status_code == 400:
            raise Fatal(f"DHL refused the shipment: {mapping.refusal(body) or 'Bad Request'}", code="400")
        raise Fatal(f"DHL answered HTTP {response.status_code}: {mapping.refusal(body)}",
                    code=str(response.status_code))

    # ---- DELETE /orders ---------------------------------------------------------------------------------------------

    def delete_order(self, shipment_no: str, *, profile: str) -> None:
        """Parcel DE Shipping v2 "Delete one or more shipments" (operationId ordersAccountDelete): only before the
        shipment is manifested (the day's closing)."""
        params = {"profile": profile, "shipment": shipment_no}

        def build() -> httpx.Request:
            return self._shipping.http.build_request("DELETE", ORDERS_PATH, params=params,
                                                     headers=self._shipping_headers())

        _unspent(self._shipping, build, self._parse_delete)

    def _parse_delete(self, response: httpx.Response) -> None:
        body = _json(response)
        if response.status_code == 429:
            raise self._throttled(response, "shipping")
        if response.status_code in (401, 403):
            raise self._unauthorized(response, "Parcel DE Shipping")
        items = body.get("items") if isinstance(body, dict) else None
        first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None
        if response.status_code in (200, 207) and first is not None and mapping.item_status(first) == 200:
            return
        if response.status_code in (200, 207, 400):
            raise Fatal(f"DHL refused to cancel the shipment: {mapping.refusal(body) or 'Bad Request'}",
                        code=str(mapping.item_status(first) if first else response.status_code))
        raise Fatal(f"DHL answered HTTP {response.status_code} to the cancellation: {mapping.refusal(body)}",
                    code=str(response.status_code))

    # ---- GET /track/shipments ---------------------------------------------------------------------------------------

    def track(self, tracking_number: str, *, service: str, language: str) -> list[TrackingEvent] | None:
        """Shipment Tracking - Unified "Retrieve Tracking Information": one number a call; None when unknown."""
        params = {"trackingNumber": tracking_number, "language": language}
        if service:
            params["service"] = service
        headers = {"DHL-API-Key": self._tracking_key.get_secret_value(), "Accept": "application/json"}

        def build() -> httpx.Request:
            return self._tracking.http.build_request("GET", SHIPMENTS_PATH, params=params, headers=headers)

        def parse(response: httpx.Response) -> list[TrackingEvent] | None:
            if response.status_code == 429:
                raise self._throttled(response, "tracking")
            if response.status_code in (401, 403):
                raise self._unauthorized(response, "Shipment Tracking")
            if response.status_code == 404:
                return None
            body = _json(response)
            if response.status_code != 200:
                raise Fatal(f"DHL tracking answered HTTP {response.status_code}: {mapping.status_words(body)}",
                            code=str(response.status_code))
            return mapping.shipment_events(body, tracking_number)

        try:
            return _unspent(self._tracking, build, parse)
        except BadPayload as exc:
            raise Fatal(f"DHL tracking answer for {tracking_number} is unreadable: {exc.reason}") from exc
