"""The YunExpress adapter's handling of what YunExpress answers: late tracking numbers, duplicates, throttling
and platform errors in any HTTP status, refusals; mostly against the emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from crossdock.carriers._registry import CarrierContext
from crossdock.carriers.yunexpress import CARRIER, YunExpressSettings
from crossdock.carriers.yunexpress.adapter import YunExpressCarrier
from crossdock.connectors._kit.errors import AuthFailed, Fatal
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.emulators.yunexpress import YunExpressEmulator
from crossdock.ports.carrier import CustomsLine, Parcel, ShipmentRequest
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _advance(clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds=seconds)
CODE, SECRET = "CN0098765", "secret=="
FACTORY = Address(name="Bright Trading", phone="", country="CN", city="Shenzhen", postcode="518109",
                  line1="88 Minzhi Avenue")
BUYER = Address(name="Maria Musterfrau", phone="", country="DE", city="Berlin", postcode="10115",
                line1="Invalidenstr. 116")


def request(reference: str = "SHP-1", service: str = "EUDDP") -> ShipmentRequest:
    line = CustomsLine("T-shirt", 1, Money(Decimal("9.95"), "EUR"), 180, hs_code="610910")
    return ShipmentRequest(reference=reference, service=service, shipper=FACTORY, recipient=BUYER,
                           parcel=Parcel(300), value=Money(Decimal("9.95"), "EUR"), contents=(line,))


def carrier_for(transport: httpx.BaseTransport, clock: ManualClock, stats: CallStats | None = None
                ) -> YunExpressCarrier:
    settings = YunExpressSettings(base_url="http://yun.test", customer_code=CODE,
                                  api_secret=SECRET)  # type: ignore[arg-type]
    ctx = CarrierContext(clock=clock, sleep=lambda s: _advance(clock, s), transport=transport,
                         stats=stats or CallStats())
    return CARRIER.factory(settings, ctx)   # type: ignore[return-value]


@pytest.fixture
def world() -> tuple[YunExpressEmulator, ManualClock]:
    clock = ManualClock(T0)
    return YunExpressEmulator(CODE, SECRET, clock=clock), clock


def test_a_line_that_numbers_later_is_asked_for_its_tracking_number(
        world: tuple[YunExpressEmulator, ManualClock]) -> None:
    emu, clock = world
    shipment = carrier_for(emu.transport(), clock).create_shipment(request(service="THPHR"))
    assert shipment.tracking_number == emu.shipment(shipment.carrier_shipment_id)["TrackingNumber"]
    assert emu.api_calls("/api/Waybill/GetTrackingNumber") == 1
    assert shipment.extra["customerOrderNumber"] == "SHP-1"


def test_a_line_numbered_at_once_is_not_asked_again(world: tuple[YunExpressEmulator, ManualClock]) -> None:
    emu, clock = world
    carrier_for(emu.transport(), clock).create_shipment(request())
    assert emu.api_calls("/api/Waybill/GetTrackingNumber") == 0
    assert emu.api_calls("/api/Label/Print") == 1


def test_delete_after_receipt_is_refused_in_yunexpress_words(world: tuple[YunExpressEmulator, ManualClock]) -> None:
    emu, clock = world
    carrier = carrier_for(emu.transport(), clock)
    shipment = carrier.create_shipment(request())
    clock.set(emu.pickup_time(shipment.carrier_shipment_id))
    with pytest.raises(Fatal, match="已收货"):
        carrier.cancel_shipment(shipment)


def test_an_unknown_line_is_refused(world: tuple[YunExpressEmulator, ManualClock]) -> None:
    emu, clock = world
    with pytest.raises(Fatal, match="unknown ShippingMethodCode"):
        carrier_for(emu.transport(), clock).create_shipment(request(service="XXDDP"))


def _envelope(code: str, message: str = "", status: int = 200, item: object = None) -> httpx.Response:
    return httpx.Response(status, json={"Code": code, "Message": message, "Item": item})


def test_code_10000_without_a_wait_is_throttling_with_the_default_wait() -> None:
    clock = ManualClock(T0)
    answers = iter([_envelope("10000", "request limit"), _envelope("1006", "no data")])
    stats = CallStats()
    carrier = carrier_for(httpx.MockTransport(lambda request: next(answers)), clock, stats)
    assert carrier.track(["YT1"]) == {}
    assert stats.throttled == 1 and stats.throttle_wait_seconds >= 2.0


def test_a_platform_exception_in_a_200_is_retried() -> None:
    clock = ManualClock(T0)
    answers = iter([_envelope("9999", "系统异常"), _envelope("1006", "no data")])
    stats = CallStats()
    assert carrier_for(httpx.MockTransport(lambda request: next(answers)), clock, stats).track(["YT1"]) == {}
    assert stats.retries == 1


def test_a_refused_secret_in_a_200_fails_authentication() -> None:
    transport = httpx.MockTransport(lambda request: _envelope("1002", "客户编号或ApiSecret错误"))
    with pytest.raises(AuthFailed, match="1002"):
        carrier_for(transport, ManualClock(T0)).track(["YT1"])


def test_the_request_says_who_we_are_in_basic_auth() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _envelope("1006")

    carrier_for(httpx.MockTransport(answer), ManualClock(T0)).track(["YT1"])
    assert seen[0].headers["Authorization"] == "Basic Q04wMDk4NzY1JnNlY3JldD09"   # base64("CN0098765&secret==")
    assert seen[0].url.path == "/api/Tracking/GetTrackAllInfo" and seen[0].url.params["OrderNumber"] == "YT1"


def test_the_create_body_is_an_array_with_exact_numbers() -> None:
    bodies: list[object] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content, parse_float=Decimal))
        return _envelope("1001", "提交失败", item=[{"CustomerOrderNumber": "SHP-1", "Success": 0,
                                                   "Remark": "收件人城市不能为空"}])

    with pytest.raises(Fatal, match="收件人城市不能为空"):
        carrier_for(httpx.MockTransport(answer), ManualClock(T0)).create_shipment(request())
    [body] = bodies
    assert isinstance(body, list) and body[0]["Parcels"][0]["UnitPrice"] == Decimal("9.95")
    assert body[0]["Weight"] == Decimal("0.300")
