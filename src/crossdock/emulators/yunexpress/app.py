"""The HTTP surface of the YunExpress emulator: the OMS API under /api, the temporary label files, and
/_emulator controls for a demo process.

Envelope {Code, Message, RequestId, TimeStamp, Item|Items}, Code "0000" for success and the document's failure
codes otherwise. The OMS document does not say which HTTP status carries a refused credential or a request
limit: this emulator answers 401 with Code 1002 and 429 with Code 10000 (and Retry-After), and 200 for every
business refusal, as the document's examples are all HTTP 200 envelopes.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from crossdock.emulators._common.carrier_control import CarrierControlBase, RouteSpec
from crossdock.emulators.yunexpress import world as shapes
from crossdock.emulators.yunexpress.schedule import CHINA
from crossdock.emulators.yunexpress.validation import DUPLICATE, check_order

if TYPE_CHECKING:
    from crossdock.emulators.yunexpress.emulator import YunExpressEmulator

SUCCESS, PARTIAL, FAILED, AUTH, PARAMETER, NO_DATA, LIMIT, PLATFORM = (
    "0000", "1011", "1001", "1002", "1004", "1006", "10000", "9999")
MAX_ORDERS, MAX_LABELS, MAX_TRACKING_NUMBERS = 10, 50, 30


@dataclass(frozen=True)
class CallRecord:
    method: str
    path: str
    query: str
    status_code: int
    code: str
    time: datetime


class Answer(Exception):
    """An envelope to answer at once (refusals and faults)."""

    def __init__(self, code: str, message: str, status: int = 200, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.retry_after = code, message, status, retry_after


def _encode(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, datetime):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


class YunResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encode(content).encode("utf-8")


class YunExpressApi:
    def __init__(self, emulator: YunExpressEmulator) -> None:
        self.emu = emulator

    def _envelope(self, code: str, message: str, **payload: Any) -> dict[str, Any]:
        return {"Code": code, "Message": message, "RequestId": secrets.token_hex(8),
                "TimeStamp": self.emu.now().astimezone(CHINA).isoformat(timespec="milliseconds"), **payload}

    async def _serve(self, request: Request, handler: Callable[[Request, Any], tuple[str, str, dict[str, Any]]]
                     ) -> Response:
        raw = await request.body()
        with self.emu.lock:
            now = self.emu.now()
            status, code = 200, SUCCESS
            headers: dict[str, str] = {}
            try:
                injected = self.emu.take_injected_failure()
                if injected == 429:
                    raise Answer(LIMIT, "请求过于频繁, 请稍后再试 (request limit reached)", 429, 1)
                if injected is not None:
                    raise Answer(PLATFORM, "系统异常, 请稍后再试 (platform exception)", injected)
                self._authenticate(request)
                wait = self.emu.limiter_wait(now)
                if wait:
                    raise Answer(LIMIT, "请求过于频繁, 请稍后再试 (request limit reached)", 429, wait)
                try:
                    body = json.loads(raw, parse_float=Decimal) if raw else None
                except json.JSONDecodeError as exc:
                    raise Answer(PARAMETER, f"参数错误 (the body is not JSON: {exc.msg})") from exc
                code, message, payload = handler(request, body)
                content = self._envelope(code, message, **payload)
            except Answer as answer:
                status, code = answer.status, answer.code
                content = self._envelope(answer.code, answer.message, Item=None)
                if answer.retry_after:
                    headers["Retry-After"] = str(answer.retry_after)
            self.emu.record(CallRecord(request.method, request.url.path, request.url.query, status, code, now))
        return YunResponse(content, status_code=status, headers=headers or None)

    def _authenticate(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        expected = f"{self.emu.customer_code}&{self.emu.api_secret}"
        if scheme.lower() != "basic" or not secrets.compare_digest(decoded.encode(), expected.encode()):
            raise Answer(AUTH, "客户编号或ApiSecret错误 (customer code or API secret error)", 401)

    # ---- 2.7 WayBill/CreateOrder --------------------------------------------------------------------------------

    async def create_order(self, request: Request) -> Response:
        return await self._serve(request, self._create_order)

    def _create_order(self, request: Request, body: Any) -> tuple[str, str, dict[str, Any]]:
        if not isinstance(body, list) or not 1 <= len(body) <= MAX_ORDERS:
            raise Answer(PARAMETER, f"参数错误: 请提交1-{MAX_ORDERS}个订单 (send an array of 1 to {MAX_ORDERS} orders)")
        now = self.emu.now()
        items: list[dict[str, Any]] = []
        codes: list[str] = []
        for raw in body:
            code, remarks = check_order(raw, self.emu.products)
            reference = str(raw.get("CustomerOrderNumber", "")).strip() if isinstance(raw, dict) else ""
            if not remarks and self.emu.world.live(reference) is not None:
                code, remarks = DUPLICATE, [f"客户订单号[{reference}]已存在 (CustomerOrderNumber already exists)"]
            if remarks:
                codes.append(code)
                items.append({"CustomerOrderNumber": reference, "Success": 0, "TrackType": "",
                              "Remark": "; ".join(remarks), "RequireSenderAddress": 0, "AgentNumber": None,
                              "WayBillNumber": "", "TrackingNumber": None, "ShipperBoxs": []})
                continue
            product = self.emu.products[str(raw["ShippingMethodCode"]).strip()]
            order = self.emu.world.create(raw, product, now)
            pending = product.track_type == "2"
            items.append({"CustomerOrderNumber": order.customer_order_number, "Success": 1,
                          "TrackType": product.track_type, "Remark": "", "RequireSenderAddress": 0,
                          "AgentNumber": None, "WayBillNumber": order.waybill,
                          "TrackingNumber": None if pending else order.tracking_number, "ShipperBoxs": []})
        if not codes:
            return SUCCESS, "提交成功 (submitted)", {"Item": items}
        if len(codes) < len(items):
            return PARTIAL, "部分成功 (partial success)", {"Item": items}
        return codes[0], str(items[0]["Remark"]), {"Item": items}

    # ---- 2.8 WayBill/GetOrder, 2.5 Waybill/GetTrackingNumber -----------------------------------------------------

    async def get_order(self, request: Request) -> Response:
        return await self._serve(request, self._get_order)

    def _get_order(self, request: Request, body: Any) -> tuple[str, str, dict[str, Any]]:
        number = request.query_params.get("OrderNumber", "").strip()
        order = self.emu.world.live(number) if number else None
        if order is None:
            return NO_DATA, "查询不到数据 (no data)", {"Item": None}
        return SUCCESS, "", {"Item": shapes.order_json(order, self.emu.now())}

    async def tracking_numbers(self, request: Request) -> Response:
        return await self._serve(request, self._tracking_numbers)

    def _tracking_numbers(self, request: Request, body: Any) -> tuple[str, str, dict[str, Any]]:
        wanted = [n.strip() for n in request.query_params.get("CustomerOrderNumber", "").split(",") if n.strip()]
        if not 1 <= len(wanted) <= MAX_TRACKING_NUMBERS:
            raise Answer(PARAMETER, f"参数错误 (give 1 to {MAX_TRACKING_NUMBERS} CustomerOrderNumber, comma-separated)")
        items = []
        for reference in wanted:
            order = self.emu.world.live(reference)
            if order is None:
                items.append({"CustomerOrderNumber": reference, "TrackingNumber": "", "WayBillNumber": "",
                              "Status": 4, "Remark": "订单不存在 (no such order)", "ChildTrackings": []})
            else:
                items.append({"CustomerOrderNumber": reference, "TrackingNumber": order.tracking_number,
                              "WayBillNumber": order.waybill, "Status": 1, "Remark": "", "ChildTrackings": []})
        return SUCCESS, "", {"Items": items}

    # ---- 2.10 WayBill/Delete --------------------------------------------------------------------------------------

    async def delete(self, request: Request) -> Response:
        return await self._serve(request, self._delete)

    def _delete(self, request: Request, body: Any) -> tuple[str, str, dict[str, Any]]:
        if not isinstance(body, dict) or str(body.get("OrderType", "")) not in ("1", "2", "3") \
                or not str(body.get("OrderNumber") or "").strip():
            raise Answer(PARAMETER, "参数错误: OrderType(1,2,3)与OrderNumber不能为空 (OrderType and OrderNumber are "
                                    "required)")
        number, kind = str(body["OrderNumber"]).strip(), int(str(body["OrderType"]))
        order = self.emu.world.live(number)
        # OrderType says which of its numbers OrderNumber is; another of them does not find the order.
        if order is not None and number != (order.waybill, order.customer_order_number,
                                            order.tracking_number)[kind - 1]:
            order = None
        now = self.emu.now()
        item = {"Status": "Failure", "Type": kind, "OrderNumber": number}
        if order is None:
            return FAILED, "删除失败 (delete failed)", {"Item": {**item, "Remark": "订单不存在 (no such order)"}}
        if order.received(now):
            return FAILED, "删除失败 (delete failed)", {"Item": {
                **item, "Remark": "订单已收货, 不能删除, 请使用拦截 (the parcel has been received; it can no longer be "
                                  "deleted, intercept it instead)"}}
        order.deleted_at = now
        return SUCCESS, "删除成功 (deleted)", {"Item": {**item, "Status": "Success", "Remark": ""}}

    # ---- 2.12 Label/Print -----------------------------------------------------------------------------------------

    async def print_label(self, request: Request) -> Response:
        return await self._serve(request, self._print_label)

    def _print_label(self, request: Request, body: Any) -> tuple[str, str, dict[str, Any]]:
        # The document's body is an array of numbers; some clients send {"OrderNumbers": "a,b"}: both are read.
        if isinstance(body, dict) and isinstance(body.get("OrderNumbers"), str):
            body = [n for n in body["OrderNumbers"].split(",")]
        if not isinstance(body, list) or not 1 <= len(body) <= MAX_LABELS:
            raise Answer(PARAMETER, f"参数错误: 请提交1-{MAX_LABELS}个单号 (send 1 to {MAX_LABELS} numbers)")
        infos, printed = [], []
        for raw in body:
            number = str(raw).strip()
            order = self.emu.world.live(number)
            if order is None:
                infos.append({"CustomerOrderNumber": number, "Error": "订单不存在 (no such order)", "Code": 200})
            else:
                printed.append(order.waybill)
                infos.append({"CustomerOrderNumber": order.customer_order_number, "Error": "", "Code": 100})
        url = ""
        if printed:
            url = f"{str(request.base_url).rstrip('/')}/LabelPrint/{self.emu.world.print_token(printed)}.pdf"
        return SUCCESS, "", {"Item": [{"Url": url, "OrderInfos": infos}]}

    async def label_file(self, request: Request) -> Response:
        """The temporary label address Label/Print hands out (no authorization, like a shared link)."""
        with self.emu.lock:
            pdf = self.emu.world.label_pdf(request.path_params["token"])
        if pdf is None:
            return Response(b"Not Found", status_code=404, media_type="text/plain")
        return Response(pdf, media_type="application/pdf")

    # ---- 2.15 Tracking/GetTrackAllInfo -----------------------------------------------------------------------------

    async def track_all(self, request: Request) -> Response:
        return await self._serve(request, self._track_all)

    def _track_all(self, request: Request, body: Any) -> tuple[str, str, dict[str, Any]]:
        number = request.query_params.get("OrderNumber", "").strip()
        if not number:
            raise Answer(PARAMETER, "参数错误: OrderNumber不能为空 (OrderNumber is required)")
        order = self.emu.world.live(number)
        if order is None:
            return NO_DATA, "查询不到数据 (no data)", {"Item": None}
        return SUCCESS, "", {"Item": shapes.track_json(order, self.emu.now())}


class ControlApi(CarrierControlBase["YunExpressEmulator"]):
    """/_emulator routes: the demo's levers (not part of YunExpress' API)."""

    number_field = "WayBillNumber"

    async def shipments(self, request: Request) -> Response:
        return YunResponse(self.emu.shipments())

    def _set_rate_limit(self, body: dict[str, Any]) -> None:
        self.emu.rate_limit(float(body["per_second"]), int(body["burst"]))


class _CaseInsensitivePaths:
    """The OMS API is an ASP.NET service: its routes ignore case (clients write both WayBill and Waybill)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].lower().startswith("/api/"):
            scope = {**scope, "path": scope["path"].lower()}
        await self.app(scope, receive, send)


def create_app(emulator: YunExpressEmulator) -> Starlette:
    api, control = YunExpressApi(emulator), ControlApi(emulator)
    handlers: list[RouteSpec] = [
        ("/api/WayBill/CreateOrder", api.create_order, ["POST"]),
        ("/api/WayBill/GetOrder", api.get_order, ["GET"]),
        ("/api/Waybill/GetTrackingNumber", api.tracking_numbers, ["GET"]),
        ("/api/WayBill/Delete", api.delete, ["POST"]),
        ("/api/Label/Print", api.print_label, ["POST"]),
        ("/api/Tracking/GetTrackAllInfo", api.track_all, ["GET"]),
        ("/LabelPrint/{token}.pdf", api.label_file, ["GET"]),
        *control.routes(),
    ]
    routes = [Route(path.lower() if path.startswith("/api/") else path, endpoint, methods=methods)
              for path, endpoint, methods in handlers]
    return Starlette(routes=routes, middleware=[Middleware(_CaseInsensitivePaths)])
