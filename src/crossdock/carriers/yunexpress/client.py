"""YunExpress OMS API on the wire: Basic auth of base64("CustomerCode&ApiSecret"), JSON envelopes with Code.

Sections of the OMS document: 2.5 Waybill/GetTrackingNumber, 2.7 WayBill/CreateOrder, 2.8 WayBill/GetOrder,
2.10 WayBill/Delete, 2.12 Label/Print (answers a temporary PDF address, fetched here), 2.15
Tracking/GetTrackAllInfo (one OrderNumber a call). The document names request-limit code 10000 but neither an
HTTP status nor a wait; a 429 or Code 10000 is treated as throttling, honouring Retry-After when sent.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
from pydantic import SecretStr

from crossdock.carriers.yunexpress import mapping
from crossdock.connectors._kit.errors import AuthFailed, BadPayload, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi, retry_after_seconds
from crossdock.domain.fulfilment.tracking import TrackingEvent

CREATE_ORDER_PATH = "/api/WayBill/CreateOrder"
GET_ORDER_PATH = "/api/WayBill/GetOrder"
TRACKING_NUMBER_PATH = "/api/Waybill/GetTrackingNumber"
DELETE_PATH = "/api/WayBill/Delete"
LABEL_PATH = "/api/Label/Print"
TRACK_ALL_PATH = "/api/Tracking/GetTrackAllInfo"


class Envelope:
    """A decoded answer: its Code, Message and the whole body."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.code = mapping.code(body)
        self.message = mapping.message(body)

    def words(self) -> str:
        return f"{self.code} {self.message}".strip()


class YunExpressClient:
    def __init__(self, api: HttpApi, *, customer_code: str, api_secret: SecretStr,
                 default_retry_after: float) -> None:
        self._api = api
        self._customer_code, self._secret = customer_code, api_secret
        self._default_wait = default_retry_after

    def close(self) -> None:
        self._api.close()

    def _headers(self) -> dict[str, str]:
        token = base64.b64encode(f"{self._customer_code}&{self._secret.get_secret_value()}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}", "Accept": "application/json",
                "Content-Type": "application/json; charset=utf-8"}

    def _parse(self, response: httpx.Response) -> Envelope:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        code = mapping.code(body)
        if response.status_code == 429 or code == mapping.REQUEST_LIMIT:
            wait = retry_after_seconds(response)
            raise Retryable(f"throttled by YunExpress ({code} {mapping.message(body)})".strip(),
                            wait if wait is not None else self._default_wait, throttled=True)
        if response.status_code in (401, 403) or code in (mapping.AUTH_ERROR, mapping.SIGNATURE_ERROR):
            raise AuthFailed(f"YunExpress refused the customer code / API secret (HTTP {response.status_code}, "
                             f"{code} {mapping.message(body)})")
        if code == mapping.PLATFORM_EXCEPTION:
            raise Retryable(f"YunExpress platform exception: {mapping.message(body)}")
        if not isinstance(body, dict):
            raise Retryable(f"YunExpress answered HTTP {response.status_code} without a JSON object")
        if response.status_code >= 400:
            raise Fatal(f"YunExpress answered HTTP {response.status_code}: {code} {mapping.message(body)}",
                        code=code or str(response.status_code))
        return Envelope(body)

    def _get(self, path: str, params: dict[str, str]) -> Envelope:
        def build() -> httpx.Request:
            return self._api.http.build_request("GET", path, params=params, headers=self._headers())

        return self._api.call(build, self._parse)

    def _post(self, path: str, body: Any) -> Envelope:
        content = mapping.to_json(body)

        def build() -> httpx.Request:
            return self._api.http.build_request("POST", path, content=content, headers=self._headers())

        return self._api.call(build, self._parse)

    # ---- calls ------------------------------------------------------------------------------------------------------

    def create_order(self, order: dict[str, Any]) -> Envelope:
        """2.7 运单申请 WayBill/CreateOrder, with one order."""
        return self._post(CREATE_ORDER_PATH, [order])

    def get_order(self, order_number: str) -> dict[str, Any] | None:
        """2.8 查询运单 WayBill/GetOrder?OrderNumber= (waybill, customer order or tracking number)."""
        answer = self._get(GET_ORDER_PATH, {"OrderNumber": order_number})
        item = answer.body.get("Item")
        if answer.code != mapping.SUCCESS or not isinstance(item, dict):
            return None
        return item

    def tracking_number(self, customer_order_number: str) -> str:
        """2.5 查询跟踪号 Waybill/GetTrackingNumber?CustomerOrderNumber= ("" while YunExpress has none yet)."""
        answer = self._get(TRACKING_NUMBER_PATH, {"CustomerOrderNumber": customer_order_number})
        items = answer.body.get("Items")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                _, tracking, _ = mapping.numbers(item)
                if tracking:
                    return tracking
        return ""

    def delete(self, waybill: str) -> None:
        """2.10 订单删除 WayBill/Delete: only while the order is a draft or submitted (not yet received)."""
        answer = self._post(DELETE_PATH, {"OrderType": mapping.ORDER_TYPE_WAYBILL, "OrderNumber": waybill})
        item = answer.body.get("Item")
        status = str(item.get("Status", "")).strip().lower() if isinstance(item, dict) else ""
        if answer.code == mapping.SUCCESS and status in ("", "success"):
            return
        remark = str(item.get("Remark") or "").strip() if isinstance(item, dict) else ""
        raise Fatal(f"YunExpress refused to delete {waybill}: {remark or answer.words()}",
                    code=answer.code or "delete")

    def label(self, number: str) -> bytes:
        """2.12 标签打印 Label/Print, then the PDF at the temporary address it answers."""
        answer = self._post(LABEL_PATH, [number])
        if answer.code != mapping.SUCCESS:
            raise Fatal(f"YunExpress printed no label for {number}: {answer.words()}", code=answer.code)
        try:
            url = mapping.label_url(answer.body)
        except BadPayload as exc:
            raise Fatal(exc.reason, code="label") from exc

        def build() -> httpx.Request:
            return self._api.http.build_request("GET", url)

        def parse(response: httpx.Response) -> bytes:
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                raise Fatal(f"YunExpress label {url} answered HTTP {response.status_code} without a PDF",
                            code="label")
            return response.content

        return self._api.call(build, parse)

    def track(self, number: str) -> list[TrackingEvent] | None:
        """2.15 查询物流轨迹信息 Tracking/GetTrackAllInfo?OrderNumber=; None when YunExpress has no such parcel."""
        answer = self._get(TRACK_ALL_PATH, {"OrderNumber": number})
        if answer.code == mapping.NO_DATA:
            return None
        item = answer.body.get("Item")
        if answer.code != mapping.SUCCESS:
            raise Fatal(f"YunExpress tracking of {number} failed: {answer.words()}", code=answer.code)
        if item is None:
            return None
        try:
            return mapping.tracking_events(item)
        except BadPayload as exc:
            raise Fatal(f"YunExpress tracking answer for {number} is unreadable: {exc.reason}") from exc
