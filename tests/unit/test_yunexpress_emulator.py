"""The YunExpress emulator over HTTP, as a real client would meet it: Basic auth of code&secret, envelopes and
failure codes, deletion before receipt only, labels by temporary address, tracking, and the demo levers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pypdfium2
import pytest

from crossdock.emulators.yunexpress import YunExpressEmulator
from crossdock.ports.clock import ManualClock

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CODE, SECRET = "CN0098765", "axzc2utvPbfc9UbJDOh+7w=="


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def emu(clock: ManualClock) -> YunExpressEmulator:
    return YunExpressEmulator(CODE, SECRET, clock=clock, seed=1)


def token(code: str = CODE, secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{code}&{secret}".encode()).decode()}


@pytest.fixture
def http(emu: YunExpressEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=emu.transport(), base_url="http://oms.api.yunexpress.test",
                      headers=token()) as client:
        yield client


def order(reference: str = "SHP-1", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "CustomerOrderNumber": reference, "ShippingMethodCode": "EUDDP", "PackageCount": 1, "Weight": 0.48,
        "Length": 25, "Width": 18, "Height": 4,
        "Receiver": {"CountryCode": "DE", "FirstName": "Maria", "LastName": "Musterfrau",
                     "Street": "Invalidenstr. 116", "City": "Berlin", "Zip": "10115"},
        "Parcels": [{"EName": "T-shirt", "Quantity": 2, "UnitPrice": 9.95, "UnitWeight": 0.18,
                     "CurrencyCode": "EUR", "HSCode": "610910"}],
    }
    base.update(changes)
    return base


def create(http: httpx.Client, *orders: dict[str, Any]) -> dict[str, Any]:
    response = http.post("/api/WayBill/CreateOrder", json=list(orders))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["RequestId"] and body["TimeStamp"]
    return body


def test_an_order_gets_a_yt_waybill_and_tracking_number(http: httpx.Client, emu: YunExpressEmulator) -> None:
    body = create(http, order())
    assert body["Code"] == "0000"
    [item] = body["Item"]
    assert item["Success"] == 1 and item["TrackType"] == "1"
    assert item["WayBillNumber"].startswith("YT") and len(item["WayBillNumber"]) == 18
    assert item["TrackingNumber"] == item["WayBillNumber"]
    assert emu.shipment(item["WayBillNumber"])["state"] == "submitted"


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"Parcels": []}, "1001", "申报信息不能为空"),
    ({"Parcels": [{"EName": "T-shirt", "Quantity": 1, "UnitPrice": 5, "UnitWeight": 0.1, "CurrencyCode": "EUR"}]},
     "1001", "HSCode is required on a duties-paid line"),
    ({"Receiver": {"CountryCode": "US", "FirstName": "A", "Street": "1 Main St", "City": "NYC", "Zip": "10001"}},
     "2010", "does not serve US"),
    ({"Weight": 0}, "2009", "Weight must be greater than 0"),
    ({"ShippingMethodCode": "NOPE"}, "1001", "unknown ShippingMethodCode"),
    ({"Receiver": {"CountryCode": "DE", "FirstName": "A", "City": "Berlin", "Zip": "1011"}}, "1001",
     "Receiver.Street is required"),
])
def test_refusals_carry_the_documented_code_and_a_remark(http: httpx.Client, emu: YunExpressEmulator,
                                                         change: dict[str, Any], code: str, words: str) -> None:
    body = create(http, order(**change))
    assert body["Code"] == code
    assert body["Item"][0]["Success"] == 0 and words in body["Item"][0]["Remark"]
    assert emu.shipments() == {}


def test_a_second_order_number_is_a_duplicate(http: httpx.Client) -> None:
    create(http, order("SHP-7"))
    again = create(http, order("SHP-7"))
    assert again["Code"] == "2004" and "已存在" in again["Item"][0]["Remark"]


def test_some_good_some_bad_is_a_partial_success(http: httpx.Client, emu: YunExpressEmulator) -> None:
    body = create(http, order("A-1"), order("A-2", Parcels=[]))
    assert body["Code"] == "1011"
    assert [i["Success"] for i in body["Item"]] == [1, 0]
    assert len(emu.shipments()) == 1


def test_more_than_ten_orders_is_a_parameter_error(http: httpx.Client) -> None:
    body = create(http, *[order(f"B-{i}") for i in range(11)])
    assert body["Code"] == "1004"


def test_wrong_secret_is_refused(emu: YunExpressEmulator) -> None:
    with httpx.Client(transport=emu.transport(), base_url="http://x", headers=token(secret="wrong")) as client:
        response = client.post("/api/WayBill/CreateOrder", json=[order()])
    assert response.status_code == 401 and response.json()["Code"] == "1002"


def test_paths_ignore_case_like_the_aspnet_service(http: httpx.Client) -> None:
    waybill = create(http, order())["Item"][0]["WayBillNumber"]
    assert http.get("/api/waybill/getorder", params={"OrderNumber": waybill}).json()["Code"] == "0000"
    assert http.get("/API/WAYBILL/GETORDER", params={"OrderNumber": "SHP-1"}).json()["Item"]["WayBillNumber"] == \
        waybill


def test_a_tracked_later_line_reports_its_number_through_get_tracking_number(http: httpx.Client) -> None:
    item = create(http, order("C-1", ShippingMethodCode="THPHR"))["Item"][0]
    assert item["TrackType"] == "2" and item["TrackingNumber"] is None
    items = http.get("/api/Waybill/GetTrackingNumber", params={"CustomerOrderNumber": "C-1,C-404"}).json()["Items"]
    assert items[0]["TrackingNumber"] == item["WayBillNumber"] and items[0]["Status"] == 1
    assert items[1]["Status"] == 4


def test_delete_before_receipt_then_refused(http: httpx.Client, emu: YunExpressEmulator, clock: ManualClock) -> None:
    first = create(http, order("D-1"))["Item"][0]["WayBillNumber"]
    second = create(http, order("D-2"))["Item"][0]["WayBillNumber"]
    deleted = http.post("/api/WayBill/Delete", json={"OrderType": 1, "OrderNumber": first}).json()
    assert deleted["Code"] == "0000" and deleted["Item"]["Status"] == "Success"
    assert emu.shipment(first)["state"] == "deleted"
    assert http.get("/api/Tracking/GetTrackAllInfo", params={"OrderNumber": first}).json()["Code"] == "1006"
    wrong_type = http.post("/api/WayBill/Delete", json={"OrderType": 2, "OrderNumber": second}).json()
    assert wrong_type["Item"]["Status"] == "Failure"            # 2 means a customer order number
    clock.set(emu.pickup_time(second))
    late = http.post("/api/WayBill/Delete", json={"OrderType": 1, "OrderNumber": second}).json()
    assert late["Code"] == "1001" and late["Item"]["Status"] == "Failure" and "已收货" in late["Item"]["Remark"]
    assert emu.shipment(second)["state"] == "received"


def test_labels_come_as_a_temporary_pdf_address(http: httpx.Client, emu: YunExpressEmulator) -> None:
    a = create(http, order("E-1"))["Item"][0]["WayBillNumber"]
    create(http, order("E-2"))
    body = http.post("/api/Label/Print", json=[a, "E-2", "YT000"]).json()
    [item] = body["Item"]
    assert [i["Code"] for i in item["OrderInfos"]] == [100, 100, 200]
    with httpx.Client(transport=emu.transport()) as anonymous:              # no credentials on the file
        pdf = anonymous.get(item["Url"])
        assert anonymous.get("http://oms.api.yunexpress.test/LabelPrint/0000.pdf").status_code == 404
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert len(pypdfium2.PdfDocument(pdf.content)) == 2                     # one page per known parcel
    legacy = http.post("/api/Label/Print", json={"OrderNumbers": a}).json()
    assert legacy["Item"][0]["Url"]


def test_tracking_shows_scans_as_time_passes(http: httpx.Client, clock: ManualClock) -> None:
    waybill = create(http, order())["Item"][0]["WayBillNumber"]
    first = http.get("/api/Tracking/GetTrackAllInfo", params={"OrderNumber": waybill}).json()["Item"]
    assert first["PackageState"] == 1 and len(first["OrderTrackingDetails"]) == 1
    assert first["OrderTrackingDetails"][0]["TrackingStatus"] == 10
    clock.advance(days=5)
    later = http.get("/api/Tracking/GetTrackAllInfo", params={"OrderNumber": "SHP-1"}).json()["Item"]
    statuses = [d["TrackingStatus"] for d in later["OrderTrackingDetails"]]
    assert 80 in statuses and later["PackageState"] == 2                   # customs inspection passed through
    assert http.get("/api/Tracking/GetTrackAllInfo", params={"OrderNumber": "YT0"}).json()["Code"] == "1006"


def test_the_request_limit_answers_10000_with_a_wait(http: httpx.Client, emu: YunExpressEmulator,
                                                     clock: ManualClock) -> None:
    emu.rate_limit(1, 1)
    assert http.get("/api/WayBill/GetOrder", params={"OrderNumber": "x"}).status_code == 200
    limited = http.get("/api/WayBill/GetOrder", params={"OrderNumber": "x"})
    assert limited.status_code == 429 and limited.json()["Code"] == "10000" and limited.headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert http.get("/api/WayBill/GetOrder", params={"OrderNumber": "x"}).status_code == 200


def test_control_routes_drive_a_demo(http: httpx.Client, emu: YunExpressEmulator, clock: ManualClock) -> None:
    waybill = create(http, order())["Item"][0]["WayBillNumber"]
    assert http.get("/_emulator/shipments").json()[waybill]["state"] == "submitted"
    assert http.post(f"/_emulator/shipments/{waybill}/stall").status_code == 200
    assert emu.shipment(waybill)["scenario"] == "stall"
    assert http.post(f"/_emulator/shipments/{waybill}/fail_delivery").status_code == 409   # no delivery planned
    assert http.post("/_emulator/shipments/YT0/return_to_sender").status_code == 404
    assert http.post("/_emulator/fail_next", json={"n": 1, "status": 500}).status_code == 200
    failed = http.get("/api/WayBill/GetOrder", params={"OrderNumber": waybill})
    assert failed.status_code == 500 and failed.json()["Code"] == "9999"
    assert http.post("/_emulator/rate_limit", json={"per_second": 0}).status_code == 400
    clock.advance(timedelta(days=20))
    assert len(emu.shipment(waybill)["events"]) == 1


def test_the_body_must_be_json(http: httpx.Client) -> None:
    response = http.post("/api/WayBill/CreateOrder", content=b"{not json",
                         headers={"Content-Type": "application/json"})
    assert response.json()["Code"] == "1004"
    assert json.loads(response.text)["Item"] is None
