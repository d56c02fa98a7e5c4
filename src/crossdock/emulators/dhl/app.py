"""The HTTP surface of the DHL emulator: Parcel DE Shipping v2 under /parcel/de/shipping/v2, Shipment Tracking -
Unified under /track, and /_emulator controls for a demo process.

Shapes follow the Parcel DE Shipping v2.1.14 OpenAPI description (LabelDataResponse, ResponseItem, RequestStatus,
ValidationMessageItem; 200 for one shipment, 207 multi-status for several, 400 with validationMessages, 401, 429,
500) and the Unified API v1.3.1 description (supermodelIoLogisticsTrackingShipments; 404 problem+json
"No result found").
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
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crossdock.emulators._common.carrier_control import CarrierControlBase, RouteSpec
from crossdock.emulators.dhl import world as shapes
from crossdock.emulators.dhl.limits import SHIPPING, TRACKING
from crossdock.emulators.dhl.schedule import BERLIN
from crossdock.emulators.dhl.validation import check_shipment

if TYPE_CHECKING:
    from crossdock.emulators.dhl.emulator import DhlEmulator

SHIPPING_ROOT = "/parcel/de/shipping/v2"
TRACKING_ROOT = "/track"
PROBLEM = "application/problem+json"
PRINT_FORMATS = frozenset({"A4", "910-300-600", "910-300-610", "910-300-700", "910-300-700-oz", "910-300-710",
                           "910-300-300", "910-300-300-oz", "910-300-400", "910-300-410", "100x70mm"})
MAX_SHIPMENTS = 30
_TITLES = {200: "OK", 207: "Multi-Status", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


@dataclass(frozen=True)
class CallRecord:
    api: str                  # "shipping" or "tracking"
    method: str
    path: str
    query: str
    status_code: int
    time: datetime


class Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any], retry_after: int | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.body, self.retry_after = status, body, retry_after

    def response(self) -> Response:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after else None
        return JSONResponse(self.body, status_code=self.status, media_type=PROBLEM, headers=headers)


def request_status(status: int, detail: str = "") -> dict[str, Any]:
    """A Parcel DE RequestStatus (statusCode is the deprecated twin of status; both are sent)."""
    body: dict[str, Any] = {"title": _TITLES.get(status, "Error"), "statusCode": status, "status": status}
    if detail:
        body["detail"] = detail[:80]
    return body


def shipment_numbers(request: Request) -> list[str]:
    """The `shipment` query parameters GET and DELETE /orders take: 1 to 30 of them."""
    numbers = request.query_params.getlist("shipment")
    if not 1 <= len(numbers) <= MAX_SHIPMENTS:
        raise Refused(400, {"status": request_status(400, "Give 1 to 30 shipment parameters.")})
    return numbers


def problem(status: int, title: str, detail: str, instance: str = "") -> dict[str, Any]:
    """A Unified API problem detail."""
    body: dict[str, Any] = {"title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    return body


def _flag(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise Refused(400, {"status": request_status(400, f"Query parameter {name} must be true or false.")})
    return value.lower() == "true"


class DhlApi:
    def __init__(self, emulator: DhlEmulator) -> None:
        self.emu = emulator

    # ---- plumbing -------------------------------------------------------------------------------------------------

    async def _serve(self, request: Request, api: str, handler: Callable[[Request, Any], Response]) -> Response:
        raw = await request.body()
        with self.emu.lock:
            now = self.emu.now()
            try:
                injected = self.emu.take_injected_failure()
                if injected is not None:
                    raise self._failure(api, injected)
                self._authenticate(request, api)
                wait = self.emu.limits.wait(api, now)
                if wait:
                    raise self._failure(api, 429, wait)
                body = json.loads(raw, parse_float=Decimal) if raw else None
                response = handler(request, body)
            except json.JSONDecodeError:
                response = Refused(400, {"status": request_status(400, "The request body is not valid JSON.")}
                                   ).response()
            except Refused as exc:
                response = exc.response()
            self.emu.record(CallRecord(api, request.method, request.url.path, request.url.query,
                                       response.status_code, now))
        return response

    @staticmethod
    def _failure(api: str, status: int, retry_after: int = 1) -> Refused:
        if api == TRACKING:
            title = _TITLES.get(status, "Error")
            detail = ("The rate limit of your application has been exceeded." if status == 429
                      else "The service is temporarily unavailable.")
            return Refused(status, problem(status, title, detail), retry_after if status == 429 else None)
        detail = "Too many requests." if status == 429 else "The service is temporarily unavailable."
        return Refused(status, request_status(status, detail), retry_after if status == 429 else None)

    def _authenticate(self, request: Request, api: str) -> None:
        account = self.emu.auth
        if api == TRACKING:
            key = request.headers.get("dhl-api-key", "")
            if not key or not secrets.compare_digest(key.encode(), account.tracking_api_key.encode()):
                raise Refused(401, problem(401, "Unauthorized", "Unauthorized for given resource."))
            return
        key = request.headers.get("dhl-api-key", "")
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            user = password = ""
        if (scheme.lower() != "basic" or not key
                or not secrets.compare_digest(key.encode(), account.api_key.encode())
                or not secrets.compare_digest(user.encode(), account.username.encode())
                or not secrets.compare_digest(password.encode(), account.password.encode())):
            raise Refused(401, request_status(401, "Unauthorized for given resource."))

    # ---- Parcel DE Shipping v2 -----------------------------------------------------------------------------------

    async def version(self, request: Request) -> Response:
        return JSONResponse({"amp": {"name": "pp-parcel-shipping-native", "env": "emulator", "version": "v2.1.14",
                                     "rev": "1"}, "backend": {"env": "emulator", "version": "v2.1.14"}})

    async def create_orders(self, request: Request) -> Response:
        return await self._serve(request, SHIPPING, self._create_orders)

    def _create_orders(self, request: Request, body: Any) -> Response:
        validate = _flag(request, "validate", False)
        _flag(request, "mustEncode", False)
        include = request.query_params.get("includeDocs", "include")
        doc_format = request.query_params.get("docFormat", "PDF")
        print_format = request.query_params.get("printFormat", "910-300-400")
        if include not in ("include", "URL") or doc_format not in ("PDF", "ZPL2") or print_format not in PRINT_FORMATS:
            raise Refused(400, {"status": request_status(400, "A query parameter has a value that is not allowed.")})
        if not isinstance(body, dict):
            raise Refused(400, {"status": request_status(400, "The request body must be a ShipmentOrderRequest.")})
        profile = body.get("profile")
        if not isinstance(profile, str) or profile not in self.emu.auth.profiles:
            raise Refused(400, {"status": request_status(400, f"The profile {profile!r} is not valid for this user.")})
        shipments = body.get("shipments")
        if not isinstance(shipments, list) or not 1 <= len(shipments) <= MAX_SHIPMENTS:
            raise Refused(400, {"status": request_status(400, f"shipments must hold 1 to {MAX_SHIPMENTS} elements.")})
        now = self.emu.now()
        items: list[dict[str, Any]] = []
        for raw in shipments:
            messages = check_shipment(raw, ekp=self.emu.auth.ekp, today=now.astimezone(BERLIN).date())
            if messages:
                items.append({"sstatus": request_status(400, "Validation failed."), "validationMessages": messages})
            elif validate:
                items.append({"sstatus": request_status(200), "validationMessages": []})
            else:
                shipment = self.emu.world.create(raw, now)
                items.append(self._created_item(request, shipment, include, doc_format, print_format))
        ok = sum(1 for i in items if i["sstatus"]["statusCode"] == 200)
        if len(items) > 1:
            status = 207
            detail = f"{ok} of {len(items)} shipments {'validated' if validate else 'created'} OK."
        else:
            status = 200 if ok else 400
            detail = "The Webservice call ran successfully." if ok else "Validation failed."
        media = "application/json" if status != 400 else PROBLEM
        return JSONResponse({"status": request_status(status, detail), "items": items}, status_code=status,
                            media_type=media)

    def _created_item(self, request: Request, shipment: shapes.Shipment, include: str, doc_format: str,
                      print_format: str) -> dict[str, Any]:
        label: dict[str, Any] = {"fileFormat": doc_format, "printFormat": print_format}
        if include == "URL":
            token = self.emu.world.url_token(shipment.number)
            label["url"] = f"{str(request.base_url).rstrip('/')}{SHIPPING_ROOT}/labels?token={token}"
        elif doc_format == "ZPL2":
            label["zpl2"] = shapes.label_zpl(shipment)
        else:
            label["b64"] = shapes.label_b64(shipment)
        item: dict[str, Any] = {"shipmentNo": shipment.number, "sstatus": request_status(200), "label": label,
                                "validationMessages": []}
        if shipment.routing_code:
            item["routingCode"] = shipment.routing_code
        if shipment.ref_no:
            item["shipmentRefNo"] = shipment.ref_no
        return item

    async def get_orders(self, request: Request) -> Response:
        return await self._serve(request, SHIPPING, self._get_orders)

    def _get_orders(self, request: Request, body: Any) -> Response:
        numbers = shipment_numbers(request)
        now = self.emu.now()
        items: list[dict[str, Any]] = []
        for number in numbers:
            shipment = self.emu.world.shipments.get(number)
            if shipment is None or shipment.state(now) != "created":
                items.append({"shipmentNo": number, "sstatus": request_status(
                    400, "Unknown shipment, or closed out: its documents can no longer be retrieved.")})
            else:
                items.append(self._created_item(request, shipment, "include", "PDF", "910-300-400"))
        ok = sum(1 for i in items if i["sstatus"]["statusCode"] == 200)
        status = 207 if len(items) > 1 else (200 if ok else 400)
        return JSONResponse({"status": request_status(status), "items": items}, status_code=status)

    async def delete_orders(self, request: Request) -> Response:
        return await self._serve(request, SHIPPING, self._delete_orders)

    def _delete_orders(self, request: Request, body: Any) -> Response:
        profile = request.query_params.get("profile", "")
        if profile not in self.emu.auth.profiles:
            raise Refused(400, {"status": request_status(400, f"The profile {profile!r} is not valid for this user.")})
        numbers = shipment_numbers(request)
        now = self.emu.now()
        items: list[dict[str, Any]] = []
        for number in numbers:
            shipment = self.emu.world.shipments.get(number)
            if shipment is None or shipment.deleted_at is not None:
                detail = "The shipment number is unknown or has already been deleted."
            elif shipment.state(now) == "manifested":
                detail = "Shipment already closed out (manifested) and can no longer be deleted."
            else:
                shipment.deleted_at = now
                items.append({"shipmentNo": number, "sstatus": request_status(200)})
                continue
            items.append({"shipmentNo": number, "sstatus": request_status(400, detail)})
        ok = sum(1 for i in items if i["sstatus"]["statusCode"] == 200)
        status = 207 if len(items) > 1 else (200 if ok else 400)
        media = "application/json" if status != 400 else PROBLEM
        return JSONResponse({"status": request_status(status), "items": items}, status_code=status, media_type=media)

    async def label_download(self, request: Request) -> Response:
        """GET /labels?token=: the public label URL (no authorization, by the API's design)."""
        with self.emu.lock:
            number = self.emu.world.label_tokens.get(request.query_params.get("token", ""))
            shipment = self.emu.world.shipments.get(number or "")
            if shipment is None:
                return JSONResponse(request_status(404, "Unknown label token."), status_code=404, media_type=PROBLEM)
            return Response(shipment.label_pdf, media_type="application/pdf")

    # ---- Shipment Tracking - Unified --------------------------------------------------------------------------------

    async def track(self, request: Request) -> Response:
        return await self._serve(request, TRACKING, self._track)

    def _track(self, request: Request, body: Any) -> Response:
        number = request.query_params.get("trackingNumber", "").strip()
        if not number:
            raise Refused(400, problem(400, "Bad Request", "The trackingNumber query parameter is required."))
        service = request.query_params.get("service", "")
        now = self.emu.now()
        shipment = self.emu.world.shipments.get(number)
        if (shipment is None or shipment.deleted_at is not None or service not in ("", "parcel-de")
                or now < shipment.created + self.emu.tracking_lag):
            raise Refused(404, problem(404, "No result found", "No shipment with given tracking number found.",
                                       f"/shipments?trackingNumber={number}"))
        return JSONResponse({"shipments": [shapes.shipment_json(shipment, now)]},
                            headers={"Content-Language": "en"})


class ControlApi(CarrierControlBase["DhlEmulator"]):
    """/_emulator routes: the demo's levers (not part of DHL's API)."""

    number_field = "shipmentNo"

    async def shipments(self, request: Request) -> Response:
        truth = self.emu.shipments()
        return JSONResponse({number: _jsonable(t) for number, t in truth.items()})

    def _set_rate_limit(self, body: dict[str, Any]) -> None:
        per_day = body.get("per_day")
        self.emu.rate_limit(str(body.get("api", TRACKING)), float(body["per_second"]), int(body["burst"]),
                            int(per_day) if per_day is not None else None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def create_app(emulator: DhlEmulator) -> Starlette:
    api, control = DhlApi(emulator), ControlApi(emulator)
    handlers: list[RouteSpec] = [
        (f"{SHIPPING_ROOT}/", api.version, ["GET"]),
        (f"{SHIPPING_ROOT}/orders", api.create_orders, ["POST"]),
        (f"{SHIPPING_ROOT}/orders", api.get_orders, ["GET"]),
        (f"{SHIPPING_ROOT}/orders", api.delete_orders, ["DELETE"]),
        (f"{SHIPPING_ROOT}/labels", api.label_download, ["GET"]),
        (f"{TRACKING_ROOT}/shipments", api.track, ["GET"]),
        *control.routes(),
    ]
    return Starlette(routes=[Route(path, endpoint, methods=methods) for path, endpoint, methods in handlers])
