"""Amazon Buy Shipping (Merchant Fulfillment v0) as our PlatformLogistics, against the emulator: offers, the label
bought and confirmed on the order, its refund, and the mapping of Amazon's label and offers."""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.amazon.buy_shipping import AmazonLogistics
from crossdock.connectors.amazon.buy_shipping_mapping import ShipFrom, choose_service, label_of, request_details
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.money import Money
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.ports.carrier import Parcel
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, LogisticsRequest, ShippedLine
from tests.unit.connector_setup import LAMP_AND_CASE, MemoryTokens, clock_sleep

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SELLER, MARKETPLACE = "A2Q8ZKX9LT3CDE", "A1PA6795UKMFR9"
STORE = f"{SELLER}:{MARKETPLACE}"
HAMBURG = ShipFrom(name="Crossdock Lager", address_line1="Am Hafen 12", city="Hamburg", postal_code="20457",
                   country_code="DE", email="lager@crossdock.test", phone="+49 40 1234567")
SMALL = Parcel(850, 300, 200, 100)


@dataclass
class Env:
    emu: AmazonEmulator
    clock: ManualClock
    client: AmazonClient
    stats: CallStats
    tokens: MemoryTokens

    def order(self, lines: tuple[tuple[str, int], ...] = (("LAMP", 2), ("CASE", 1))) -> tuple[str, list[str]]:
        order_id = self.emu.place_order_lines(STORE, list(lines))
        assert order_id is not None
        return order_id, [i["OrderItemId"] for i in self.truth(order_id)["OrderItems"]]

    def truth(self, order_id: str) -> dict[str, Any]:
        return self.emu.orders(STORE)[order_id]

    def logistics(self, ship_from: ShipFrom | None = HAMBURG,
                  box: tuple[int, int, int] | None = None) -> AmazonLogistics:
        return AmazonLogistics(self.client, ship_from, box)

    def raw(self, method: str, path: str, token: str, body: Any = None) -> httpx.Response:
        """One call by hand, a second after the last: Buy Shipping's usage plan is one call a second."""
        self.clock.advance(seconds=1)
        with httpx.Client(transport=self.emu.transport(), base_url="https://sellingpartnerapi-eu.amazon.test") as http:
            return http.request(method, path, json=body, headers={"x-amz-access-token": token})

    def access_token(self) -> str:
        assert self.tokens.current is not None
        return self.tokens.current.access_token.get_secret_value()

    def rdt(self) -> str:
        answer = self.raw("POST", "/tokens/2021-03-01/restrictedDataToken", self.access_token(), {
            "restrictedResources": [{"method": "POST", "path": "/mfn/v0/shipments"}]})
        return str(answer.json()["restrictedDataToken"])


def env() -> Env:
    clock = ManualClock(NOW)
    emu = AmazonEmulator("client-id", "client-secret", clock=clock, seed=5)
    emu.add_store(STORE, "DE")
    emu.set_catalogue(STORE, LAMP_AND_CASE)
    tokens, stats = MemoryTokens(), CallStats()
    api = HttpApi("https://sellingpartnerapi-eu.amazon.test", stats=stats, transport=emu.transport(),
                  sleep=clock_sleep(clock))
    client = AmazonClient(api, client_id="client-id", client_secret=SecretStr("client-secret"),
                          lwa_url="https://api.amazon.test/auth/o2/token", clock=clock,
                          sleep=clock_sleep(clock), tokens=tokens)
    tokens.current = client.exchange_code(emu.authorize(SELLER))
    return Env(emu, clock, client, stats, tokens)


def details(order_id: str, item_id: str, **changes: Any) -> dict[str, Any]:
    body = request_details(order_id, [{"orderItemId": item_id, "quantity": 1}], HAMBURG, SMALL, pickup=False)
    body.update(changes)
    return body


# ---- arranging a parcel -----------------------------------------------------------------------------------------

def test_the_cheapest_pdf_offer_is_bought_and_confirms_the_order_shipped() -> None:
    e = env()
    order_id, items = e.order()
    shipment = e.logistics().arrange(LogisticsRequest(order_id, parcel=SMALL))
    assert shipment.label.format == "PDF" and shipment.label.content.startswith(b"%PDF")
    assert uuid.UUID(shipment.carrier_shipment_id).version == 4
    # 850 g in Germany: GLS 4.20 beats DPD 4.49 and DHL 4.99.
    assert shipment.cost == Money(Decimal("4.20"), "EUR") and shipment.extra["carrier"] == "GLS"
    assert shipment.extra["shipping_service"] == "GLS_BUSINESS_PARCEL" and shipment.extra["status"] == "Purchased"
    [bought] = e.emu.mfn_shipments(STORE, order_id)
    assert bought["TrackingId"] == shipment.tracking_number
    assert bought["ShipFromAddress"]["City"] == "Hamburg" and bought["ShipToAddress"]["CountryCode"] == "DE"
    assert {i["OrderItemId"]: i["Quantity"] for i in bought["ItemList"]} == {items[0]: 2, items[1]: 1}
    truth = e.truth(order_id)
    assert truth["OrderStatus"] == "Shipped"
    [package] = e.emu.shipments(STORE, order_id)
    assert (package["carrierCode"], package["trackingNumber"]) == ("GLS", shipment.tracking_number)


def test_a_heavy_parcel_goes_with_the_flat_rate_carrier() -> None:
    e = env()
    order_id, _ = e.order()
    shipment = e.logistics().arrange(LogisticsRequest(order_id, parcel=Parcel(15_000, 600, 400, 400)))
    assert shipment.extra["carrier"] == "DHL" and shipment.cost == Money(Decimal("4.99"), "EUR")


def test_shipment_operations_take_a_restricted_data_token_of_their_own() -> None:
    e = env()
    order_id, _ = e.order()
    e.logistics().arrange(LogisticsRequest(order_id, parcel=SMALL))
    minted = [c for c in e.emu.calls if c.operation == "createRestrictedDataToken"]
    assert len(minted) == 1
    assert [c.operation for c in e.emu.calls if c.operation not in ("", "createRestrictedDataToken")] == [
        "getOrderItems", "getEligibleShipmentServices", "createShipment"]
    refused = e.raw("POST", "/mfn/v0/shipments", e.access_token(), {"ShipmentRequestDetails": {}})
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "Unauthorized"


def test_some_lines_ship_first_and_the_rest_later() -> None:
    e = env()
    order_id, items = e.order()
    logistics = e.logistics()
    first = logistics.arrange(LogisticsRequest(order_id, lines=(ShippedLine(items[0], 2),), parcel=SMALL))
    assert e.truth(order_id)["OrderStatus"] == "PartiallyShipped"
    second = logistics.arrange(LogisticsRequest(order_id, parcel=SMALL))
    assert e.truth(order_id)["OrderStatus"] == "Shipped"
    assert first.tracking_number != second.tracking_number
    [_, rest] = e.emu.mfn_shipments(STORE, order_id)
    assert rest["ItemList"] == [{"OrderItemId": items[1], "Quantity": 1}]
    with pytest.raises(Fatal, match="nothing left to ship"):
        logistics.arrange(LogisticsRequest(order_id, parcel=SMALL))


def test_a_parcel_no_carrier_takes_is_refused_with_amazons_reasons() -> None:
    e = env()
    order_id, _ = e.order()
    with pytest.raises(Fatal) as caught:
        e.logistics().arrange(LogisticsRequest(order_id, parcel=Parcel(45_000, 800, 600, 600)))
    assert "DHL Paket: The package is heavier than 31 kg" in str(caught.value)
    with pytest.raises(Fatal, match="does not pick up"):
        e.logistics().arrange(LogisticsRequest(order_id, parcel=SMALL, handover="pickup"))
    assert e.emu.mfn_shipments(STORE, order_id) == [] and e.truth(order_id)["OrderStatus"] == "Unshipped"


def test_without_an_address_or_a_parcel_nothing_is_bought() -> None:
    e = env()
    order_id, _ = e.order()
    with pytest.raises(Fatal, match="ship_from"):
        e.logistics(None).arrange(LogisticsRequest(order_id, parcel=SMALL))
    with pytest.raises(Fatal, match="weight and size"):
        e.logistics().arrange(LogisticsRequest(order_id))
    with pytest.raises(Fatal, match="length, width and height"):
        e.logistics().arrange(LogisticsRequest(order_id, parcel=Parcel(850)))
    assert not [c for c in e.emu.calls if c.operation == "createShipment"]


def test_a_parcel_weighed_but_not_measured_goes_in_the_sellers_standard_box() -> None:
    e = env()
    order_id, _ = e.order()
    e.logistics(box=(400, 300, 150)).arrange(LogisticsRequest(order_id, parcel=Parcel(1200)))
    [bought] = e.emu.mfn_shipments(STORE, order_id)
    assert bought["PackageDimensions"] == {"Length": 40.0, "Width": 30.0, "Height": 15.0, "Unit": "centimeters"}
    assert bought["Weight"] == {"Value": 1200, "Unit": "g"}


def test_a_cancelled_order_or_an_order_amazon_ships_cannot_buy_a_label() -> None:
    e = env()
    order_id, items = e.order()
    e.emu.set_order_status(STORE, order_id, "Canceled")
    with pytest.raises(Fatal, match="Canceled"):
        e.logistics().arrange(LogisticsRequest(order_id, lines=(ShippedLine(items[0], 1),), parcel=SMALL))
    e.emu.fulfil_by_amazon(STORE, "CASE", 20)
    fba, fba_items = e.order((("CASE", 1),))
    with pytest.raises(Fatal, match="fulfilled by Amazon"):
        e.logistics().arrange(LogisticsRequest(fba, lines=(ShippedLine(fba_items[0], 1),), parcel=SMALL))


def test_the_client_keeps_the_one_a_second_usage_plan_instead_of_meeting_429() -> None:
    e = env()
    for _ in range(3):
        order_id, _ = e.order()
        e.logistics().arrange(LogisticsRequest(order_id, parcel=SMALL))
    assert not [c for c in e.emu.calls if c.status_code == 429]
    assert e.stats.throttle_wait_seconds >= 2


# ---- refunds and tracking ---------------------------------------------------------------------------------------

def test_a_label_cancelled_in_time_is_refunded_and_the_order_stays_shipped() -> None:
    e = env()
    order_id, _ = e.order()
    logistics = e.logistics()
    shipment = logistics.arrange(LogisticsRequest(order_id, parcel=SMALL))
    e.clock.advance(hours=2)
    assert logistics.cancel(shipment) == "RefundPending"
    assert e.truth(order_id)["OrderStatus"] == "Shipped"
    shown = e.client.get_shipment(shipment.carrier_shipment_id)
    assert shown["Label"]["FileContents"] == {"Contents": "", "FileType": "", "Checksum": ""}
    e.clock.advance(days=1)
    assert e.client.get_shipment(shipment.carrier_shipment_id)["Status"] == "RefundApplied"
    with pytest.raises(Fatal, match="already been canceled"):
        logistics.cancel(shipment)


def test_a_label_cancelled_too_late_is_refused_by_the_carrier() -> None:
    e = env()
    order_id, _ = e.order()
    logistics = e.logistics()
    shipment = logistics.arrange(LogisticsRequest(order_id, parcel=SMALL))
    e.clock.advance(hours=30)
    assert logistics.cancel(shipment) == "RefundPending"
    e.clock.advance(days=1)
    assert e.client.get_shipment(shipment.carrier_shipment_id)["Status"] == "RefundRejected"


def test_tracking_shows_the_order_shipped_when_the_label_was_bought() -> None:
    e = env()
    shipped, _ = e.order()
    waiting, _ = e.order()
    logistics = e.logistics()
    logistics.arrange(LogisticsRequest(shipped, parcel=SMALL))
    bought_at = e.clock.now().replace(microsecond=0)
    events = logistics.track([shipped, waiting, "999-9999999-9999999"])
    [event] = events[shipped]
    assert event.status is TrackingStatus.INFO_RECEIVED and event.code == "Shipped" and event.at == bought_at
    assert events[waiting] == [] and "999-9999999-9999999" not in events


def test_an_unknown_or_malformed_shipment_id_is_refused_in_amazons_words() -> None:
    e = env()
    with pytest.raises(Fatal) as caught:
        e.client.get_shipment("TEST_CASE_400")
    assert caught.value.code == "InvalidInput" and "failed to satisfy constraint" in str(caught.value)
    with pytest.raises(Fatal) as unknown:
        e.client.get_shipment(str(uuid.uuid4()))
    assert unknown.value.code == "NotFound"


# ---- the emulator's validation ----------------------------------------------------------------------------------

def test_amazon_checks_the_request_as_its_model_says() -> None:
    e = env()
    order_id, items = e.order()
    bad_country = details(order_id, items[0])
    bad_country["ShipFromAddress"]["CountryCode"] = "DEU"
    answer = e.raw("POST", "/mfn/v0/eligibleShippingServices", e.access_token(),
                   {"ShipmentRequestDetails": bad_country})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"code": "InvalidInput", "details": "", "message": (
        "1 validation error detected: Value 'DEU' at 'shipmentRequestDetails.shipFromAddress.countryCode' failed "
        "to satisfy constraint: Member must have length less than or equal to 2")}]
    no_weight = details(order_id, items[0])
    del no_weight["Weight"]
    answer = e.raw("POST", "/mfn/v0/eligibleShippingServices", e.access_token(),
                   {"ShipmentRequestDetails": no_weight})
    assert "Value null at 'shipmentRequestDetails.weight'" in answer.json()["errors"][0]["message"]


def test_an_offer_is_good_for_its_service_and_its_hour_only() -> None:
    e = env()
    order_id, items = e.order()
    body = details(order_id, items[0])
    offers = e.client.get_eligible_shipment_services(body)["ShippingServiceList"]
    dhl = next(o for o in offers if o["CarrierName"] == "DHL")
    gls = next(o for o in offers if o["CarrierName"] == "GLS")
    mixed = e.raw("POST", "/mfn/v0/shipments", e.rdt(), {"ShipmentRequestDetails": body,
                                                         "ShippingServiceId": "DHL_PAKET",
                                                         "ShippingServiceOfferId": gls["ShippingServiceOfferId"]})
    assert mixed.status_code == 400 and "not valid" in mixed.json()["errors"][0]["message"]
    e.clock.advance(hours=2)
    assert e.tokens.current is not None     # the access token lapsed meanwhile: a fresh one
    e.tokens.current = e.client.refresh_access_token(e.tokens.current.refresh_token)
    stale = e.raw("POST", "/mfn/v0/shipments", e.rdt(), {"ShipmentRequestDetails": body,
                                                         "ShippingServiceId": "DHL_PAKET",
                                                         "ShippingServiceOfferId": dhl["ShippingServiceOfferId"]})
    assert stale.status_code == 400 and "expired" in stale.json()["errors"][0]["message"]
    unknown = e.raw("POST", "/mfn/v0/shipments", e.rdt(), {"ShipmentRequestDetails": body,
                                                           "ShippingServiceId": "PIGEON_POST"})
    assert unknown.status_code == 400
    assert e.emu.mfn_shipments(STORE, order_id) == []


def test_the_label_comes_base64_of_gzip_with_the_md5_of_the_pdf() -> None:
    e = env()
    order_id, _ = e.order()
    shipment = e.logistics().arrange(LogisticsRequest(order_id, parcel=SMALL))
    contents = e.client.get_shipment(shipment.carrier_shipment_id)["Label"]["FileContents"]
    pdf = gzip.decompress(base64.b64decode(contents["Contents"]))
    assert pdf == shipment.label.content and contents["FileType"] == "application/pdf"
    assert contents["Checksum"] == base64.b64encode(hashlib.md5(pdf).digest()).decode()


# ---- pure mapping ----------------------------------------------------------------------------------------------

def _shipment(document: bytes, checksum_of: bytes | None = None, file_type: str = "application/pdf") -> dict[str, Any]:
    packed = gzip.compress(document)
    digest = hashlib.md5(checksum_of if checksum_of is not None else document).digest()
    return {"Label": {"FileContents": {"Contents": base64.b64encode(packed).decode(), "FileType": file_type,
                                       "Checksum": base64.b64encode(digest).decode()}}}


def test_a_label_whose_checksum_does_not_match_is_refused() -> None:
    assert label_of(_shipment(b"%PDF-1.4 label")).content == b"%PDF-1.4 label"
    with pytest.raises(BadPayload, match="MD5"):
        label_of(_shipment(b"%PDF-1.4 label", checksum_of=b"something else"))
    with pytest.raises(BadPayload, match="FileType"):
        label_of(_shipment(b"%PDF-1.4 label", file_type="text/html"))
    with pytest.raises(BadPayload, match="no label"):
        label_of({"Label": {"FileContents": {"Contents": "", "FileType": "", "Checksum": ""}}})


def test_the_checksum_of_the_compressed_data_is_taken_too() -> None:
    document = b"%PDF-1.4 label"
    shipment = _shipment(document)
    packed = base64.b64decode(shipment["Label"]["FileContents"]["Contents"])
    shipment["Label"]["FileContents"]["Checksum"] = base64.b64encode(hashlib.md5(packed).digest()).decode()
    assert label_of(shipment).content == document


def test_the_offer_chosen_is_the_cheapest_pdf_one_needing_no_more_inputs() -> None:
    def offer(service: str, amount: float, formats: list[str], inputs: bool = False) -> dict[str, Any]:
        return {"ShippingServiceId": service, "Rate": {"CurrencyCode": "EUR", "Amount": amount},
                "AvailableLabelFormats": formats, "RequiresAdditionalSellerInputs": inputs}

    chosen = choose_service({"ShippingServiceList": [
        offer("ZPL_ONLY", 1.0, ["ZPL203"]), offer("NEEDS_INPUT", 2.0, ["PDF"], inputs=True),
        offer("DEAR", 9.5, ["PDF"]), offer("CHEAP", 3.75, ["PDF", "PNG"])]})
    assert isinstance(chosen, dict) and chosen["ShippingServiceId"] == "CHEAP"
    reason = choose_service({"ShippingServiceList": [], "TemporarilyUnavailableCarrierList": [{"CarrierName": "UPS"}],
                             "TermsAndConditionsNotAcceptedCarrierList": [{"CarrierName": "YANWEN"}]})
    assert reason == "UPS: temporarily unavailable; YANWEN: terms and conditions not accepted"


def test_the_request_gives_the_parcel_in_grams_and_centimetres() -> None:
    body = request_details("303-1234567-1234567", [{"orderItemId": "1", "quantity": 2}], HAMBURG,
                           Parcel(850, 305, 200, 95), pickup=False)
    assert body["Weight"] == {"Value": 850, "Unit": "g"}
    assert body["PackageDimensions"] == {"Length": 30.5, "Width": 20.0, "Height": 9.5, "Unit": "centimeters"}
    assert body["ItemList"] == [{"OrderItemId": "1", "Quantity": 2}]
    assert body["ShipFromAddress"]["Name"] == "Crossdock Lager" and "AddressLine2" not in body["ShipFromAddress"]
    assert body["ShippingServiceOptions"]["CarrierWillPickUp"] is False
