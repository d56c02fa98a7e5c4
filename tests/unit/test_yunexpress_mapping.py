"""YunExpress mapping: our requests as CreateOrder elements, its answers, and its tracking codes in our states."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crossdock.carriers.yunexpress import mapping
from crossdock.connectors._kit.errors import BadPayload
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.ports.carrier import CustomsLine, Parcel, ShipmentRequest

FACTORY = Address(name="Shenzhen Bright Trading Co", phone="+86 755 1", country="CN", city="Shenzhen",
                  postcode="518109", line1="88 Minzhi Avenue")
BUYER = Address(name="Maria Anna Musterfrau", phone="+49 170 1", country="de", city="Berlin", postcode="10115",
                line1="Invalidenstr. 116", state="Berlin")
SHIRT = CustomsLine("Cotton T-shirt", 2, Money(Decimal("9.95"), "EUR"), 183, hs_code="610910", sku="TS-1")


def request(**changes: object) -> ShipmentRequest:
    base: dict[str, object] = {"reference": "SHP-1", "service": "EUDDP", "shipper": FACTORY, "recipient": BUYER,
                               "parcel": Parcel(1234, 251, 180, 4), "value": Money(Decimal("19.90"), "EUR"),
                               "contents": (SHIRT,)}
    base.update(changes)
    return ShipmentRequest(**base)  # type: ignore[arg-type]


# ---- tracking codes ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "expected"), [
    (0, None), (10, TrackingStatus.INFO_RECEIVED), (20, TrackingStatus.IN_TRANSIT),
    (30, TrackingStatus.OUT_FOR_DELIVERY), (40, TrackingStatus.EXCEPTION), (50, TrackingStatus.DELIVERED),
    (60, TrackingStatus.EXCEPTION), (80, TrackingStatus.IN_TRANSIT), (90, TrackingStatus.RETURNED),
    (100, TrackingStatus.EXCEPTION), ("50", TrackingStatus.DELIVERED), (70, None), (None, None), (True, None),
])
def test_every_documented_tracking_status(code: object, expected: TrackingStatus | None) -> None:
    assert mapping.tracking_status(code) == expected


def test_transit_with_the_courier_is_out_for_delivery() -> None:
    assert mapping.tracking_status(20, "OUT_FOR_DELIVERY", "") == TrackingStatus.OUT_FOR_DELIVERY
    assert mapping.tracking_status(20, "", "派送中") == TrackingStatus.OUT_FOR_DELIVERY
    assert mapping.tracking_status(40, "OUT_FOR_DELIVERY", "") == TrackingStatus.EXCEPTION


@pytest.mark.parametrize(("state", "expected"), [
    (0, None), (1, TrackingStatus.INFO_RECEIVED), (2, TrackingStatus.IN_TRANSIT), (3, TrackingStatus.DELIVERED),
    (4, TrackingStatus.IN_TRANSIT), (5, TrackingStatus.EXCEPTION), (6, TrackingStatus.EXCEPTION),
    (7, TrackingStatus.RETURNED), (9, None),
])
def test_every_documented_package_state(state: int, expected: TrackingStatus | None) -> None:
    assert mapping.package_state(state) == expected


def test_events_come_oldest_first_in_utc_with_reasons() -> None:
    item = {"PackageState": 6, "OrderTrackingDetails": [
        {"ProcessDate": "2026-11-10T14:00:00", "ProcessUTCTime": "2026-11-10T13:00:00Z", "TrackNodeCode":
         "DELIVERY_FAILURE", "ProcessContent": "Delivery attempt failed", "TrackingStatus": 40,
         "ProcessCity": "Berlin", "ProcessCountry": "DE",
         "AbnormalReasons": [{"AbnormalReasonCode": "NA", "AbnormalReason": "Addressee not available"}]},
        {"ProcessDate": "2026-11-02 17:00:00", "TrackNodeCode": "ORDER_CREATION",
         "ProcessContent": "Shipment information received", "TrackingStatus": 10,
         "ProcessLocation": "Shenzhen, CN"},
    ]}
    events = mapping.tracking_events(item)
    assert [e.at for e in events] == [datetime(2026, 11, 2, 9, 0, tzinfo=UTC),      # China time without offset
                                      datetime(2026, 11, 10, 13, 0, tzinfo=UTC)]
    assert [e.status for e in events] == [TrackingStatus.INFO_RECEIVED, TrackingStatus.EXCEPTION]
    assert events[1].code == "DELIVERY_FAILURE"
    assert events[1].description == "Delivery attempt failed (Addressee not available)"
    assert [e.location for e in events] == ["Shenzhen, CN", "Berlin, DE"]


def test_an_event_without_status_takes_the_parcels_state_when_latest() -> None:
    item = {"PackageState": 3, "OrderTrackingDetails": [
        {"ProcessDate": "2026-11-02T10:00:00", "ProcessContent": "scan"},
        {"ProcessDate": "2026-11-09T10:00:00", "ProcessContent": "signed"},
    ]}
    assert [e.status for e in mapping.tracking_events(item)] == [TrackingStatus.IN_TRANSIT, TrackingStatus.DELIVERED]


@pytest.mark.parametrize("bad", [[], {"OrderTrackingDetails": [{"ProcessContent": "no time"}]},
                                 {"OrderTrackingDetails": [{"ProcessDate": "soon"}]}])
def test_unreadable_tracking_is_a_bad_payload(bad: object) -> None:
    with pytest.raises(BadPayload):
        mapping.tracking_events(bad)


# ---- CreateOrder ------------------------------------------------------------------------------------------------

def test_an_order_in_yunexpress_terms() -> None:
    order = mapping.order(request(recipient_email="m@example.de"), ioss_code="IOSS-REG-1")
    assert order["CustomerOrderNumber"] == "SHP-1" and order["ShippingMethodCode"] == "EUDDP"
    assert order["Weight"] == Decimal("1.234") and order["PackageCount"] == 1
    assert (order["Length"], order["Width"], order["Height"]) == (26, 18, 1)   # whole cm, rounded up
    assert order["Receiver"] == {"CountryCode": "DE", "FirstName": "Maria Anna", "LastName": "Musterfrau",
                                 "Street": "Invalidenstr. 116", "City": "Berlin", "State": "Berlin",
                                 "Zip": "10115", "Phone": "+49 170 1", "Email": "m@example.de"}
    assert order["Sender"]["CountryCode"] == "CN"
    assert order["Parcels"] == [{"EName": "Cotton T-shirt", "Quantity": 2, "UnitPrice": Decimal("9.95"),
                                 "UnitWeight": Decimal("0.183"), "CurrencyCode": "EUR", "HSCode": "610910",
                                 "SKU": "TS-1"}]
    assert order["IossCode"] == "IOSS-REG-1" and "PointRelaisNum" not in order
    wire = json.loads(mapping.to_json([order]), parse_float=Decimal)
    assert wire[0]["Parcels"][0]["UnitPrice"] == Decimal("9.95") and wire[0]["Weight"] == Decimal("1.234")


def test_no_dimensions_default_to_one_cm_and_lines_stay_empty() -> None:
    order = mapping.order(request(parcel=Parcel(50), contents=(), pickup_point_id="FR-12345"))
    assert (order["Length"], order["Width"], order["Height"]) == (1, 1, 1)
    assert order["Weight"] == Decimal("0.050") and order["Parcels"] == []
    assert order["PointRelaisNum"] == "FR-12345"


def test_created_item_and_numbers() -> None:
    body = {"Code": "0000", "Item": [{"CustomerOrderNumber": "SHP-1", "Success": 1, "TrackType": "1",
                                      "WayBillNumber": "YT2630607000000001", "TrackingNumber": None}]}
    item = mapping.created_item(body, "SHP-1")
    assert mapping.succeeded(item)
    assert mapping.numbers(item) == ("YT2630607000000001", "", "1")
    assert not mapping.succeeded({"Success": 0})
    with pytest.raises(BadPayload):
        mapping.created_item({"Code": "1004", "Item": None}, "SHP-1")


def test_label_url_names_yunexpress_errors() -> None:
    ok = {"Item": [{"Url": "http://x/label.pdf", "OrderInfos": [{"CustomerOrderNumber": "A", "Code": 100}]}]}
    assert mapping.label_url(ok) == "http://x/label.pdf"
    bad = {"Item": [{"Url": "", "OrderInfos": [{"CustomerOrderNumber": "A", "Error": "无打印模板", "Code": 200}]}]}
    with pytest.raises(BadPayload, match="无打印模板"):
        mapping.label_url(bad)
