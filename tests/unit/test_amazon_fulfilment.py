"""Amazon shipment confirmations against the emulator: Orders v0 confirmShipment as documented (ordersV0.json) and
as sellers report the live API's refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.connectors.amazon.fulfilment import AmazonShipments
from crossdock.connectors.amazon.fulfilment_mapping import carrier_code, confirm_request, package_reference
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.emulators.amazon.shipping_api import ITEM_INVALID, REFERENCE_INVALID
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, ShipmentNotice, ShippedLine
from tests.unit.connector_setup import LAMP_AND_CASE, MemoryTokens, clock_sleep

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SELLER, MARKETPLACE = "A2Q8ZKX9LT3CDE", "A1PA6795UKMFR9"
STORE = f"{SELLER}:{MARKETPLACE}"


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.responses: list[httpx.Response] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.responses.append(response)
        return response


@dataclass
class Env:
    emu: AmazonEmulator
    clock: ManualClock
    client: AmazonClient
    wire: Recording

    def order(self, lines: tuple[tuple[str, int], ...] = (("LAMP", 2), ("CASE", 1))) -> tuple[str, list[str]]:
        order_id = self.emu.place_order_lines(STORE, list(lines))
        assert order_id is not None
        return order_id, [i["OrderItemId"] for i in self.truth(order_id)["OrderItems"]]

    def truth(self, order_id: str) -> dict[str, Any]:
        return self.emu.orders(STORE)[order_id]

    def sink(self) -> AmazonShipments:
        return AmazonShipments(self.client, MARKETPLACE)


def env() -> Env:
    clock = ManualClock(NOW)
    emu = AmazonEmulator("client-id", "client-secret", clock=clock, seed=5)
    emu.add_store(STORE, "DE")
    emu.set_catalogue(STORE, LAMP_AND_CASE)
    wire = Recording(emu.transport())
    tokens = MemoryTokens()
    api = HttpApi("https://sellingpartnerapi-eu.amazon.test", stats=CallStats(), transport=wire,
                  sleep=clock_sleep(clock))
    client = AmazonClient(api, client_id="client-id", client_secret=SecretStr("client-secret"),
                          lwa_url="https://api.amazon.test/auth/o2/token", clock=clock,
                          sleep=clock_sleep(clock), tokens=tokens)
    tokens.current = client.exchange_code(emu.authorize(SELLER))
    return Env(emu, clock, client, wire)


def notice(order_id: str, tracking: str = "00340434161234567890", carrier: str = "dhl", name: str = "DHL",
           lines: tuple[ShippedLine, ...] = ()) -> ShipmentNotice:
    return ShipmentNotice(order_id, carrier, name, tracking, NOW, lines=lines, service="V01PAK")


def test_a_whole_order_confirmation_ships_every_item() -> None:
    e = env()
    order_id, items = e.order()
    e.sink().confirm_shipment(notice(order_id))
    truth = e.truth(order_id)
    assert truth["OrderStatus"] == "Shipped"
    assert [i["QuantityShipped"] for i in truth["OrderItems"]] == [2, 1]
    [package] = e.emu.shipments(STORE, order_id)
    assert package["carrierCode"] == "DHL" and package["trackingNumber"] == "00340434161234567890"
    assert package["shippingMethod"] == "V01PAK" and package["orderItems"] == {items[0]: 2, items[1]: 1}
    assert package["packageReferenceId"].isdigit()
    confirmation = e.wire.responses[-1]
    assert confirmation.status_code == 204 and confirmation.content == b""
    assert confirmation.headers["x-amzn-RateLimit-Limit"] == "2"


def test_parcels_of_one_order_ship_it_part_by_part() -> None:
    e = env()
    order_id, items = e.order()
    e.sink().confirm_shipment(notice(order_id, "PARCEL1", lines=(ShippedLine(items[0], 1),)))
    assert e.truth(order_id)["OrderStatus"] == "PartiallyShipped"
    e.sink().confirm_shipment(notice(order_id, "PARCEL2", lines=(ShippedLine(items[0], 1), ShippedLine(items[1], 1))))
    assert e.truth(order_id)["OrderStatus"] == "Shipped"
    assert [p["trackingNumber"] for p in e.emu.shipments(STORE, order_id)] == ["PARCEL1", "PARCEL2"]


def test_a_retry_confirms_the_same_package_and_changes_nothing() -> None:
    e = env()
    order_id, items = e.order()
    e.sink().confirm_shipment(notice(order_id, lines=(ShippedLine(items[0], 2),)))
    updated = e.truth(order_id)["LastUpdateDate"]
    e.clock.advance(minutes=3)
    e.sink().confirm_shipment(notice(order_id, lines=(ShippedLine(items[0], 2),)))
    assert e.truth(order_id)["LastUpdateDate"] == updated
    assert len(e.emu.shipments(STORE, order_id)) == 1


def test_a_carrier_amazon_does_not_list_goes_as_other_with_its_name() -> None:
    e = env()
    order_id, _ = e.order()
    e.sink().confirm_shipment(notice(order_id, "WNL123", "wanbexpress", "Wanb Express"))
    [package] = e.emu.shipments(STORE, order_id)
    assert (package["carrierCode"], package["carrierName"]) == ("Other", "Wanb Express")


def test_a_new_parcel_for_a_shipped_order_is_refused_in_amazons_words() -> None:
    e = env()
    order_id, items = e.order()
    e.sink().confirm_shipment(notice(order_id))
    with pytest.raises(Fatal) as caught:
        e.sink().confirm_shipment(notice(order_id, "ANOTHER1", lines=(ShippedLine(items[0], 1),)))
    assert caught.value.code == "InvalidInput" and "order already fulfilled" in str(caught.value)


def test_a_cancelled_order_is_refused() -> None:
    e = env()
    order_id, items = e.order()
    e.emu.set_order_status(STORE, order_id, "Canceled")
    with pytest.raises(Fatal) as caught:
        e.sink().confirm_shipment(notice(order_id, lines=(ShippedLine(items[0], 1),)))
    assert "Canceled" in str(caught.value)
    assert e.emu.shipments(STORE, order_id) == []


def test_an_unknown_order_and_an_unknown_item_are_refused() -> None:
    e = env()
    _, items = e.order()
    with pytest.raises(Fatal) as caught:
        e.sink().confirm_shipment(notice("999-9999999-9999999", lines=(ShippedLine(items[0], 1),)))
    assert caught.value.code == "NotFound"
    order_id, _ = e.order()
    with pytest.raises(Fatal) as caught:
        e.sink().confirm_shipment(notice(order_id, lines=(ShippedLine("12345678901234", 1),)))
    assert ITEM_INVALID in str(caught.value)


def test_more_units_than_ordered_are_refused() -> None:
    e = env()
    order_id, items = e.order()
    with pytest.raises(Fatal):
        e.sink().confirm_shipment(notice(order_id, lines=(ShippedLine(items[1], 2),)))
    assert e.truth(order_id)["OrderStatus"] == "Unshipped"


def test_an_order_amazon_fulfils_cannot_be_confirmed() -> None:
    e = env()
    e.emu.fulfil_by_amazon(STORE, "CASE", 20)
    order_id, items = e.order((("CASE", 1),))
    assert e.truth(order_id)["FulfillmentChannel"] == "AFN"
    with pytest.raises(Fatal):
        e.sink().confirm_shipment(notice(order_id, lines=(ShippedLine(items[0], 1),)))


@pytest.mark.parametrize(("reference", "words"), [
    (7, "invalid type [packageDetail.packageReferenceId]"),
    ("A7", REFERENCE_INVALID),
    ("0", REFERENCE_INVALID),
])
def test_the_package_reference_must_be_a_positive_number_sent_as_text(reference: Any, words: str) -> None:
    e = env()
    order_id, items = e.order()
    body = confirm_request(notice(order_id), MARKETPLACE, [{"orderItemId": items[0], "quantity": 1}])
    body["packageDetail"]["packageReferenceId"] = reference
    with pytest.raises(Fatal) as caught:
        e.client.confirm_shipment(order_id, body)
    assert words in str(caught.value)


def test_a_ship_date_before_the_purchase_is_refused() -> None:
    e = env()
    order_id, items = e.order()
    early = ShipmentNotice(order_id, "dhl", "DHL", "T1", NOW - timedelta(days=2), lines=(ShippedLine(items[0], 1),))
    with pytest.raises(Fatal):
        e.sink().confirm_shipment(early)


# ---- pure mapping ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "name", "expected"), [
    ("dhl", "DHL", ("DHL", "")),
    ("dhl_ecommerce", "DHL eCommerce", ("DHL eCommerce", "")),
    ("yunexpress", "YunExpress", ("Yun Express", "")),
    ("royal_mail", "Royal Mail", ("Royal Mail", "")),
    ("x", "Deutsche Post", ("Deutsche Post", "")),
    ("acme", "ACME Parcels", ("Other", "ACME Parcels")),
])
def test_our_carriers_become_amazon_carrier_codes(code: str, name: str, expected: tuple[str, str]) -> None:
    assert carrier_code(code, name) == expected


def test_the_package_reference_is_stable_per_parcel() -> None:
    first = package_reference(notice("028-1234567-1234567", "TRACK1"))
    assert first == package_reference(notice("028-1234567-1234567", "TRACK1")) and int(first) > 0
    assert first != package_reference(notice("028-1234567-1234567", "TRACK2"))
    numbered = ShipmentNotice("028-1234567-1234567", "dhl", "DHL", "T", NOW, package_id="0042")
    assert package_reference(numbered) == "42"


def test_a_demo_buys_several_items_and_reads_the_confirmed_packages_over_http() -> None:
    e = env()
    control = httpx.Client(transport=e.emu.transport(), base_url="http://emulator")
    bought = control.post(f"/_emulator/stores/{STORE}/buy", json={"lines": [{"sku": "LAMP", "quantity": 2},
                                                                           {"sku": "CASE", "quantity": 1}]})
    assert bought.status_code == 201
    order_id = bought.json()["order_id"]
    assert [i["QuantityOrdered"] for i in e.truth(order_id)["OrderItems"]] == [2, 1]
    e.sink().confirm_shipment(notice(order_id))
    packages = control.get(f"/_emulator/stores/{STORE}/orders/{order_id}/shipments").json()["packages"]
    assert [(p["carrierCode"], p["trackingNumber"], p["shipDate"]) for p in packages] == [
        ("DHL", "00340434161234567890", "2026-11-02T09:00:00Z")]
    assert control.post(f"/_emulator/stores/{STORE}/buy", json={"sku": "LAMP", "quantity": 999}).status_code == 409
