"""The DHL emulator over HTTP, as a real client would meet it: auth, validation answers, multi-status, closing,
the Unified API's 404 and quotas, label URLs, and the /_emulator levers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from crossdock.emulators.dhl import DhlEmulator
from crossdock.emulators.dhl.schedule import BERLIN, closing_after
from crossdock.ports.clock import ManualClock

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)       # Monday
KEY, USER, PASSWORD, EKP = "key-123", "gkp-user", "gkp-pass", "3333333333"
ORDERS = "/parcel/de/shipping/v2/orders"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def emu(clock: ManualClock) -> DhlEmulator:
    return DhlEmulator(KEY, USER, PASSWORD, EKP, clock=clock, seed=1)


@pytest.fixture
def http(emu: DhlEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=emu.transport(), base_url="https://api-eu.dhl.test") as client:
        yield client


def auth(user: str = USER, password: str = PASSWORD, key: str = KEY) -> dict[str, str]:
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"dhl-api-key": key, "Authorization": f"Basic {basic}"}


def shipment(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "product": "V01PAK", "billingNumber": "33333333330101", "refNo": "Order 12345",
        "shipper": {"name1": "Shop GmbH", "addressStreet": "Charles-de-Gaulle-Str. 20", "postalCode": "53113",
                    "city": "Bonn", "country": "DEU"},
        "consignee": {"name1": "Maria Musterfrau", "addressStreet": "Invalidenstr. 116", "postalCode": "10115",
                      "city": "Berlin", "country": "DEU"},
        "details": {"weight": {"uom": "g", "value": 1200}},
    }
    base.update(changes)
    return base


def post(http: httpx.Client, *shipments: dict[str, Any], params: dict[str, str] | None = None,
         headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.dumps({"profile": "STANDARD_GRUPPENPROFIL", "shipments": list(shipments)})
    return http.post(ORDERS, content=body, params=params or {}, headers=auth() if headers is None else headers)


def messages(response: httpx.Response, index: int = 0) -> dict[str, str]:
    """Each property's messages, joined."""
    out: dict[str, str] = {}
    for m in response.json()["items"][index]["validationMessages"]:
        out[m["property"]] = f"{out[m['property']]} | {m['validationMessage']}" if m["property"] in out \
            else m["validationMessage"]
    return out


def test_a_valid_shipment_gets_number_routing_and_pdf(http: httpx.Client, emu: DhlEmulator) -> None:
    response = post(http, shipment())
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["sstatus"]["statusCode"] == 200 and item["shipmentNo"].startswith("00340434")
    assert item["routingCode"].startswith("10115+")
    assert base64.b64decode(item["label"]["b64"]).startswith(b"%PDF")
    assert item["label"]["fileFormat"] == "PDF"
    assert emu.shipment(item["shipmentNo"])["state"] == "created"


@pytest.mark.parametrize(("change", "prop", "words"), [
    ({"consignee": {"name1": "M", "addressStreet": "Invalidenstr. 1", "postalCode": "1011", "city": "Berlin",
                    "country": "DEU"}}, "consignee.postalCode", "German postcode has 5 digits"),
    ({"consignee": {"name1": "M", "postalCode": "10115", "city": "Berlin", "country": "DEU"}},
     "consignee.addressStreet", "street name is missing"),
    ({"product": "V62KP", "billingNumber": "33333333336201", "details": {"weight": {"uom": "kg", "value": 1.5}}},
     "details.weight", "The weight is too high"),
    ({"billingNumber": "33333333335301"}, "billingNumber", "not valid for product V01PAK"),
    ({"billingNumber": "44444444440101"}, "billingNumber", "not assigned to this user"),
    ({"consignee": {"name1": "J", "addressStreet": "10 Downing Street", "postalCode": "SW1A 1AA", "city": "London",
                    "country": "GBR"}}, "product", "only available for shipments within Germany"),
    ({"consignee": {"name1": "J", "addressStreet": "Main St 1", "postalCode": "12345", "city": "X",
                    "country": "GB"}}, "consignee.country", "not a valid ISO 3166-1 alpha-3"),
    ({"refNo": "short"}, "refNo", "between 8 and 35"),
])
def test_refusals_come_as_validation_messages(http: httpx.Client, emu: DhlEmulator, change: dict[str, Any],
                                              prop: str, words: str) -> None:
    response = post(http, shipment(**change))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["items"][0]["sstatus"]["statusCode"] == 400
    assert words in messages(response)[prop]
    assert emu.shipments() == {}


def test_customs_are_required_outside_the_eu_and_checked(http: httpx.Client) -> None:
    london = {"name1": "Joe Black", "addressStreet": "10 Downing Street", "postalCode": "SW1A 1AA",
              "city": "London", "country": "GBR"}
    missing = post(http, shipment(product="V53WPAK", billingNumber="33333333335301", consignee=london))
    assert "Customs details are mandatory" in messages(missing)["customs"]
    customs: dict[str, Any] = {"exportType": "COMMERCIAL_GOODS",
                               "postalCharges": {"currency": "EUR", "value": 0},
                               "items": [{"itemDescription": "T-shirt", "packagedQuantity": 1,
                                          "itemValue": {"currency": "USD", "value": 10},
                                          "itemWeight": {"uom": "g", "value": 200}}]}
    mixed = post(http, shipment(product="V53WPAK", billingNumber="33333333335301", consignee=london,
                                customs=customs))
    assert "currency" in messages(mixed)["customs.items[0].itemValue.currency"]
    customs["items"][0]["itemValue"]["currency"] = "EUR"
    ok = post(http, shipment(product="V53WPAK", billingNumber="33333333335301", consignee=london, customs=customs))
    assert ok.status_code == 200


def test_a_packstation_takes_dhl_paket_but_not_paket_international(http: httpx.Client) -> None:
    locker = {"name": "Maria", "lockerID": 118, "postNumber": "12345678", "postalCode": "10115", "city": "Berlin"}
    assert post(http, shipment(consignee=locker)).status_code == 200
    refused = post(http, shipment(product="V53WPAK", billingNumber="33333333335301", consignee=locker))
    assert "cannot be delivered to a Packstation" in messages(refused)["product"]
    bad = post(http, shipment(consignee={**locker, "lockerID": 42, "postNumber": "12"}))
    assert set(messages(bad)) >= {"consignee.lockerID", "consignee.postNumber"}


def test_several_shipments_answer_multi_status(http: httpx.Client, emu: DhlEmulator) -> None:
    response = post(http, shipment(), shipment(refNo="x"))
    assert response.status_code == 207
    statuses = [i["sstatus"]["statusCode"] for i in response.json()["items"]]
    assert statuses == [200, 400]
    assert response.json()["status"]["detail"] == "1 of 2 shipments created OK."
    assert len(emu.shipments()) == 1


def test_validate_only_creates_nothing(http: httpx.Client, emu: DhlEmulator) -> None:
    response = post(http, shipment(), params={"validate": "true"})
    assert response.status_code == 200 and "shipmentNo" not in response.json()["items"][0]
    assert emu.shipments() == {}


def test_labels_by_url_and_in_zpl(http: httpx.Client) -> None:
    by_url = post(http, shipment(), params={"includeDocs": "URL"}).json()["items"][0]["label"]["url"]
    pdf = http.get(by_url)                               # a public link: no credentials
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    zpl = post(http, shipment(), params={"docFormat": "ZPL2"}).json()["items"][0]
    assert zpl["label"]["zpl2"].startswith("^XA") and zpl["shipmentNo"] in zpl["label"]["zpl2"]
    assert post(http, shipment(), params={"printFormat": "99x99"}).status_code == 400


@pytest.mark.parametrize("headers", [auth(password="wrong"), auth(key="wrong"), {"dhl-api-key": KEY}, {}])
def test_shipping_needs_api_key_and_basic_auth(http: httpx.Client, headers: dict[str, str]) -> None:
    response = post(http, shipment(), headers=headers)
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_a_wrong_profile_is_refused(http: httpx.Client) -> None:
    body = json.dumps({"profile": "OTHER", "shipments": [shipment()]})
    response = http.post(ORDERS, content=body, headers=auth())
    assert response.status_code == 400 and "profile" in response.json()["status"]["detail"]


def test_delete_before_closing_then_refused_after(http: httpx.Client, emu: DhlEmulator, clock: ManualClock) -> None:
    first = post(http, shipment()).json()["items"][0]["shipmentNo"]
    second = post(http, shipment()).json()["items"][0]["shipmentNo"]
    ok = http.delete(ORDERS, params={"profile": "STANDARD_GRUPPENPROFIL", "shipment": first}, headers=auth())
    assert ok.status_code == 200 and ok.json()["items"][0]["sstatus"]["statusCode"] == 200
    again = http.delete(ORDERS, params={"profile": "STANDARD_GRUPPENPROFIL", "shipment": first}, headers=auth())
    assert again.status_code == 400 and "unknown or has already been deleted" in \
        again.json()["items"][0]["sstatus"]["detail"]
    clock.set(emu.pickup_time(second))
    late = http.delete(ORDERS, params={"profile": "STANDARD_GRUPPENPROFIL", "shipment": second}, headers=auth())
    assert late.status_code == 400 and "closed out" in late.json()["items"][0]["sstatus"]["detail"]
    assert emu.shipment(second)["state"] == "manifested"


def test_closing_is_18h_german_time_and_never_on_sunday() -> None:
    assert closing_after(datetime(2026, 11, 2, 9, 0, tzinfo=UTC)) == datetime(2026, 11, 2, 18, 0, tzinfo=BERLIN)
    assert closing_after(datetime(2026, 11, 2, 17, 30, tzinfo=UTC)) == datetime(2026, 11, 3, 18, 0, tzinfo=BERLIN)
    saturday_night = datetime(2026, 11, 7, 20, 0, tzinfo=UTC)
    assert closing_after(saturday_night) == datetime(2026, 11, 9, 18, 0, tzinfo=BERLIN)


def test_tracking_knows_a_parcel_after_the_lag_only(http: httpx.Client, emu: DhlEmulator,
                                                     clock: ManualClock) -> None:
    number = post(http, shipment()).json()["items"][0]["shipmentNo"]
    headers = {"DHL-API-Key": KEY}
    early = http.get("/track/shipments", params={"trackingNumber": number}, headers=headers)
    assert early.status_code == 404
    assert early.headers["content-type"].startswith("application/problem+json")
    assert early.json()["title"] == "No result found"
    clock.advance(minutes=20)
    found = http.get("/track/shipments", params={"trackingNumber": number}, headers=headers)
    assert found.status_code == 200
    [body] = found.json()["shipments"]
    assert body["id"] == number and body["service"] == "parcel-de"
    assert body["status"]["statusCode"] == "pre-transit" and len(body["events"]) == 1
    clock.advance(seconds=1)
    assert http.get("/track/shipments", params={"trackingNumber": number, "service": "express"},
                    headers=headers).status_code == 404
    clock.advance(seconds=1)
    assert http.get("/track/shipments", params={"trackingNumber": number}).status_code == 401


def test_the_tracking_day_quota_answers_429_until_midnight_gmt(http: httpx.Client, emu: DhlEmulator,
                                                              clock: ManualClock) -> None:
    emu.rate_limit("tracking", 100, 100, per_day=2)
    headers = {"DHL-API-Key": KEY}
    for _ in range(2):
        assert http.get("/track/shipments", params={"trackingNumber": "1"}, headers=headers).status_code == 404
    spent = http.get("/track/shipments", params={"trackingNumber": "1"}, headers=headers)
    assert spent.status_code == 429
    assert int(spent.headers["Retry-After"]) == int(timedelta(hours=15).total_seconds())
    clock.set(datetime(2026, 11, 3, 0, 0, 1, tzinfo=UTC))
    assert http.get("/track/shipments", params={"trackingNumber": "1"}, headers=headers).status_code == 404


def test_the_per_second_quota_says_when_to_come_back(http: httpx.Client, clock: ManualClock) -> None:
    headers = {"DHL-API-Key": KEY}
    assert http.get("/track/shipments", params={"trackingNumber": "1"}, headers=headers).status_code == 404
    second = http.get("/track/shipments", params={"trackingNumber": "1"}, headers=headers)
    assert second.status_code == 429 and second.headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert http.get("/track/shipments", params={"trackingNumber": "1"}, headers=headers).status_code == 404


def test_control_routes_drive_a_demo(http: httpx.Client, emu: DhlEmulator, clock: ManualClock) -> None:
    number = post(http, shipment()).json()["items"][0]["shipmentNo"]
    truth = http.get("/_emulator/shipments").json()
    assert truth[number]["state"] == "created"
    assert http.post(f"/_emulator/shipments/{number}/fail_delivery").status_code == 200
    assert emu.shipment(number)["scenario"] == "fail_delivery"
    assert http.post(f"/_emulator/shipments/{number}/teleport").status_code == 404
    assert http.post("/_emulator/shipments/nope/stall").status_code == 404
    clock.advance(days=3)
    assert http.post(f"/_emulator/shipments/{number}/return_to_sender").status_code == 200
    assert http.post("/_emulator/fail_next", json={"n": 1, "status": 503}).status_code == 200
    assert post(http, shipment()).status_code == 503
    assert http.post("/_emulator/rate_limit", json={"api": "shipping", "per_second": 1, "burst": 1}).status_code == 200
    assert post(http, shipment()).status_code == 200
    assert post(http, shipment()).status_code == 429
    assert http.post("/_emulator/rate_limit", json={"api": "nope", "per_second": 1, "burst": 1}).status_code == 400


def test_a_delivered_parcel_cannot_fail_any_more(http: httpx.Client, emu: DhlEmulator, clock: ManualClock) -> None:
    number = post(http, shipment()).json()["items"][0]["shipmentNo"]
    clock.advance(days=3)
    with pytest.raises(ValueError, match="already delivered"):
        emu.fail_delivery(number)
    assert http.post(f"/_emulator/shipments/{number}/return_to_sender").status_code == 409


def test_a_ship_date_sets_the_closing_and_may_not_be_past(http: httpx.Client, emu: DhlEmulator) -> None:
    number = post(http, shipment(shipDate="2026-11-04")).json()["items"][0]["shipmentNo"]
    assert emu.pickup_time(number) == datetime(2026, 11, 4, 18, 0, tzinfo=BERLIN)
    assert "not be in the past" in messages(post(http, shipment(shipDate="2026-11-01")))["shipDate"]
    assert "yyyy-mm-dd" in messages(post(http, shipment(shipDate="04.11.2026")))["shipDate"]
