"""DHL mapping: our requests in Parcel DE Shipping v2 terms, its answers, and Unified API events in our states."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crossdock.carriers.dhl import mapping
from crossdock.carriers.dhl.countries import UnknownCountry, alpha2, alpha3, needs_customs
from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.ports.carrier import CustomsLine, Parcel, ShipmentRequest

SHOP = Address(name="Crossdock Demo Shop GmbH", phone="+49 228 1", country="DE", city="Bonn", postcode="53113",
               line1="Charles-de-Gaulle-Str. 20")


def request(recipient: Address, *, service: str = "V01PAK", contents: tuple[CustomsLine, ...] = (),
            pickup: str = "", email: str = "", reference: str = "SHP-2026-000001",
            parcel: Parcel = Parcel(1200, 300, 200, 100)) -> ShipmentRequest:
    return ShipmentRequest(reference=reference, service=service, shipper=SHOP, recipient=recipient, parcel=parcel,
                           value=Money(Decimal("39.90"), "EUR"), contents=contents, recipient_email=email,
                           pickup_point_id=pickup)


BERLIN = Address(name="Maria Musterfrau", phone="+49 170 1234567", country="DE", city="Berlin", postcode="10115",
                 line1="Invalidenstr. 116")
LONDON = Address(name="Joe Black", phone="+44 20 7946 0000", country="GB", city="London", postcode="SW1A 1AA",
                 line1="10 Downing Street")
PARIS = Address(name="Jeanne Martin", phone="+33 1 2345", country="FR", city="Paris", postcode="75001",
                line1="1 Rue de Rivoli")
SHIRT = CustomsLine("Cotton T-shirt", 2, Money(Decimal("9.95"), "EUR"), 180, hs_code="610910", origin_country="CN")


# ---- event codes ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "expected"), [
    ("pre-transit", TrackingStatus.INFO_RECEIVED),
    ("transit", TrackingStatus.IN_TRANSIT),
    ("delivered", TrackingStatus.DELIVERED),
    ("failure", TrackingStatus.EXCEPTION),
    ("unknown", TrackingStatus.IN_TRANSIT),
    ("something-new", TrackingStatus.IN_TRANSIT),
])
def test_every_unified_status_code_has_a_state(code: str, expected: TrackingStatus) -> None:
    assert mapping.event_status(code, "", "The shipment has been processed") == expected


@pytest.mark.parametrize("text", ["The shipment has been loaded onto the delivery vehicle", "WITH DELIVERY COURIER",
                                  "Die Sendung wurde in das Zustellfahrzeug geladen", "Out for delivery"])
def test_transit_on_the_last_leg_is_out_for_delivery(text: str) -> None:
    assert mapping.event_status("transit", "", text) == TrackingStatus.OUT_FOR_DELIVERY


@pytest.mark.parametrize(("code", "text"), [
    ("delivered", "The shipment has been delivered back to the sender"),
    ("transit", "The shipment is on its way back to the sender"),
    ("failure", "RETURNED TO SHIPPER"),
    ("transit", "Die Sendung wird zurück an den Absender geschickt"),
])
def test_a_return_is_returned_whatever_the_code(code: str, text: str) -> None:
    assert mapping.event_status(code, text, "") == TrackingStatus.RETURNED


def test_out_for_delivery_words_do_not_turn_a_delivery_back() -> None:
    assert mapping.event_status("delivered", "", "Delivered from the delivery vehicle") == TrackingStatus.DELIVERED


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-03T13:10:00+01:00", datetime(2026, 11, 3, 12, 10, tzinfo=UTC)),
    ("2026-11-03T12:10:00Z", datetime(2026, 11, 3, 12, 10, tzinfo=UTC)),
    ("2026-07-03T13:10:00", datetime(2026, 7, 3, 11, 10, tzinfo=UTC)),           # naive: German summer time
    ("2023-11-21T15:27:20.331986369+01:00", datetime(2023, 11, 21, 14, 27, 20, 331986, tzinfo=UTC)),
])
def test_timestamps_become_aware_utc(text: str, expected: datetime) -> None:
    assert mapping.parse_timestamp(text) == expected


@pytest.mark.parametrize("bad", [None, "", "yesterday"])
def test_an_unreadable_timestamp_is_a_bad_payload(bad: object) -> None:
    with pytest.raises(BadPayload):
        mapping.parse_timestamp(bad)


def test_shipment_events_come_oldest_first_with_places() -> None:
    body = {"shipments": [{"id": "00340434003000000001", "events": [
        {"timestamp": "2026-11-03T13:10:00+01:00", "statusCode": "delivered", "status": "Delivered",
         "description": "The shipment has been successfully delivered",
         "location": {"address": {"addressLocality": "Berlin", "countryCode": "DE"}}},
        {"timestamp": "2026-11-02T10:00:00+01:00", "statusCode": "pre-transit", "status": "",
         "description": "The instruction data for this shipment have been provided",
         "location": {"address": {"addressLocality": "Bonn", "countryCode": "DEU"}}},
    ]}]}
    events = mapping.shipment_events(body, "00340434003000000001")
    assert events is not None
    assert [e.status for e in events] == [TrackingStatus.INFO_RECEIVED, TrackingStatus.DELIVERED]
    assert [e.location for e in events] == ["Bonn, DE", "Berlin, DE"]
    assert events[1].code == "delivered"
    assert mapping.shipment_events(body, "00340434003000000002") is None


def test_a_shipment_without_events_is_read_from_its_status() -> None:
    body = {"shipments": [{"id": "1", "status": {"timestamp": "2026-11-02T10:00:00Z", "statusCode": "transit",
                                                 "description": "Processed"}}]}
    events = mapping.shipment_events(body, "1")
    assert events is not None and [e.status for e in events] == [TrackingStatus.IN_TRANSIT]


# ---- the order body ------------------------------------------------------------------------------------------

def test_billing_number_is_ekp_procedure_participation() -> None:
    assert mapping.billing_number("3333333333", "V01PAK", "01") == "33333333330101"
    assert mapping.billing_number("3333333333", "V53WPAK", "02") == "33333333335302"
    assert mapping.billing_number("3333333333", "V62KP", "01") == "33333333336201"
    with pytest.raises(Fatal):
        mapping.procedure("PAKET")


def test_a_domestic_parcel_in_dhl_terms() -> None:
    body = mapping.order_body(request(BERLIN, email="maria@example.de"), billing="33333333330101")
    assert body["profile"] == "STANDARD_GRUPPENPROFIL"
    [shipment] = body["shipments"]
    assert shipment["product"] == "V01PAK" and shipment["billingNumber"] == "33333333330101"
    assert shipment["refNo"] == "SHP-2026-000001"
    assert shipment["shipper"] == {"name1": "Crossdock Demo Shop GmbH", "addressStreet": "Charles-de-Gaulle-Str. 20",
                                   "postalCode": "53113", "city": "Bonn", "country": "DEU"}
    consignee = shipment["consignee"]
    assert consignee["country"] == "DEU" and consignee["email"] == "maria@example.de"
    assert "phone" not in consignee               # not transmitted within Germany
    assert shipment["details"] == {"weight": {"uom": "g", "value": 1200},
                                   "dim": {"uom": "mm", "length": 300, "width": 200, "height": 100}}
    assert "customs" not in shipment


def test_an_eu_parcel_needs_no_customs_but_keeps_the_phone() -> None:
    [shipment] = mapping.order_body(request(PARIS, service="V53WPAK"), billing="33333333335301")["shipments"]
    assert "customs" not in shipment
    assert shipment["consignee"]["phone"] == "+33 1 2345" and shipment["consignee"]["country"] == "FRA"


def test_a_parcel_leaving_the_eu_declares_its_goods() -> None:
    [shipment] = mapping.order_body(request(LONDON, service="V53WPAK", contents=(SHIRT,)),
                                    billing="33333333335301")["shipments"]
    customs = shipment["customs"]
    assert customs["exportType"] == "COMMERCIAL_GOODS"
    assert customs["postalCharges"] == {"currency": "EUR", "value": Decimal(0)}
    assert customs["items"] == [{"itemDescription": "Cotton T-shirt", "packagedQuantity": 2,
                                 "itemValue": {"currency": "EUR", "value": Decimal("9.95")},
                                 "itemWeight": {"uom": "g", "value": 180}, "hsCode": "610910",
                                 "countryOfOrigin": "CHN"}]
    wire = json.loads(mapping.to_json({"customs": customs}), parse_float=Decimal)
    assert wire["customs"]["items"][0]["itemValue"]["value"] == Decimal("9.95")


def test_missing_dimensions_and_a_short_reference() -> None:
    [shipment] = mapping.order_body(request(BERLIN, reference="A1", parcel=Parcel(500)),
                                    billing="33333333330101")["shipments"]
    assert "dim" not in shipment["details"]
    assert len(shipment["refNo"]) >= 8 and shipment["refNo"].startswith("A1")


def test_a_street_missing_is_left_for_dhl_to_name() -> None:
    nowhere = Address(name="X", phone="", country="DE", city="Berlin", postcode="10115")
    [shipment] = mapping.order_body(request(nowhere), billing="33333333330101")["shipments"]
    assert "addressStreet" not in shipment["consignee"]


def test_a_long_name_continues_in_name2() -> None:
    long = Address(name="Gesellschaft für sehr lange Firmennamen und Ähnliches mbH & Co. KG", phone="",
                   country="DE", city="Berlin", postcode="10115", line1="Invalidenstr. 1")
    consignee = mapping.order_body(request(long), billing="33333333330101")["shipments"][0]["consignee"]
    assert consignee["name1"] == "Gesellschaft für sehr lange Firmennamen und"
    assert consignee["name2"] == "Ähnliches mbH & Co. KG"


def test_a_packstation_and_a_post_office() -> None:
    locker = mapping.order_body(request(BERLIN, pickup="packstation:118:1234567890"),
                                billing="33333333330101")["shipments"][0]["consignee"]
    assert locker == {"name": "Maria Musterfrau", "postalCode": "10115", "city": "Berlin", "country": "DEU",
                      "lockerID": 118, "postNumber": "1234567890"}
    assert mapping.pickup_consignee("118:1234567", BERLIN, "")["lockerID"] == 118
    office = mapping.pickup_consignee("postfiliale:518", BERLIN, "maria@example.de")
    assert office["retailID"] == 518 and office["email"] == "maria@example.de" and "postNumber" not in office


@pytest.mark.parametrize("point", ["packstation:118", "locker-118", "postfiliale:abc", "packstation:"])
def test_a_pickup_point_we_cannot_address_is_refused_here(point: str) -> None:
    with pytest.raises(Fatal):
        mapping.pickup_consignee(point, BERLIN, "")


def test_a_country_outside_the_table_is_refused_before_the_call() -> None:
    nowhere = Address(name="X", phone="", country="XK", city="Pristina", postcode="10000", line1="Rr. 1")
    with pytest.raises(Fatal, match="XK"):
        mapping.order_body(request(nowhere, service="V53WPAK"), billing="33333333335301")


def test_country_table() -> None:
    assert alpha3("de") == "DEU" and alpha3("GB") == "GBR" and alpha2("NLD") == "NL" and alpha2("ZZZ") == ""
    assert needs_customs("GB") and needs_customs("CH") and not needs_customs("FR")
    with pytest.raises(UnknownCountry):
        alpha3("QQ")


def test_to_json_writes_decimals_exactly() -> None:
    wire = mapping.to_json({"a": Decimal("0.10"), "b": [Decimal("3")], "c": "ä"})
    assert wire == '{"a":0.10,"b":[3],"c":"ä"}'.encode()
    with pytest.raises(ValueError):
        mapping.to_json({"a": Decimal("NaN")})


# ---- answers ------------------------------------------------------------------------------------------------------

def test_created_reads_number_label_and_routing() -> None:
    pdf = b"%PDF-1.4 label"
    body = {"status": {"title": "OK", "statusCode": 200}, "items": [{
        "shipmentNo": "00340434003000000001", "routingCode": "10115+99000000000001",
        "sstatus": {"title": "OK", "statusCode": 200}, "label": {"b64": base64.b64encode(pdf).decode()}}]}
    assert mapping.created(body) == ("00340434003000000001", pdf, "10115+99000000000001")


def test_created_refuses_a_failed_item_and_a_missing_label() -> None:
    failed = {"items": [{"sstatus": {"title": "Bad Request", "statusCode": 400},
                         "validationMessages": [{"property": "consignee.city", "validationMessage": "City?",
                                                 "validationState": "Error"}]}]}
    with pytest.raises(Fatal, match=r"consignee\.city: City\?"):
        mapping.created(failed)
    with pytest.raises(BadPayload):
        mapping.created({"items": [{"shipmentNo": "1", "sstatus": {"statusCode": 200}, "label": {"url": "x"}}]})
    with pytest.raises(BadPayload):
        mapping.created({"items": [{"shipmentNo": "1", "sstatus": {"statusCode": 200},
                                    "label": {"b64": base64.b64encode(b"not a pdf").decode()}}]})


def test_refusal_words_skip_warnings_and_fall_back_to_the_status() -> None:
    body = {"status": {"title": "Bad Request", "statusCode": 400, "detail": "Validation failed."},
            "items": [{"sstatus": {"title": "Bad Request", "statusCode": 400}, "validationMessages": [
                {"property": "shipper", "validationMessage": "The house number entered could not be found.",
                 "validationState": "Warning"},
                {"property": "details.weight", "validationMessage": "The weight is too high",
                 "validationState": "Error"}]}]}
    assert mapping.refusal(body) == "details.weight: The weight is too high"
    assert mapping.refusal({"status": {"title": "Bad Request", "detail": "No shipments."}}) == \
        "Bad Request: No shipments."
    assert mapping.refusal({"title": "Unauthorized", "statusCode": 401}) == "Unauthorized"
