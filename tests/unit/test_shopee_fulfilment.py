"""Shopee fulfilment: the pure mapping of tracking events and return requests, and the connector's shipment,
logistics and returns flows against the emulator (its state changes, its errors, its limits)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.shopee.client import ShopeeClient
from crossdock.connectors.shopee.fulfilment import ShopeeLogistics, ShopeeReturns, ShopeeShipments
from crossdock.connectors.shopee.fulfilment_mapping import (
    return_request,
    return_state,
    tracking_events,
    tracking_status,
)
from crossdock.domain.fulfilment.returns import ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingStatus, current_status
from crossdock.domain.money import Money
from crossdock.emulators.shopee import ShopeeEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, LogisticsRequest, ShipmentNotice
from tests.unit.connector_setup import MUGS, MemoryTokens

NOW = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
SHOP = 7001


# ---- mapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "status"), [
    ("ORDER_CREATED", TrackingStatus.INFO_RECEIVED),
    ("PICKUP_REQUESTED", TrackingStatus.INFO_RECEIVED),
    ("PICKED_UP", TrackingStatus.IN_TRANSIT),
    ("DELIVERY_PENDING", TrackingStatus.IN_TRANSIT),
    ("DELIVERED", TrackingStatus.DELIVERED),
    ("LOST", TrackingStatus.EXCEPTION),
    ("PICKUP_RETRY", TrackingStatus.EXCEPTION),
    ("FAILED_DELIVERED", TrackingStatus.EXCEPTION),
    ("RETURN_STARTED", TrackingStatus.RETURNED),
    ("RETURNED", TrackingStatus.RETURNED),
    ("SOMETHING_NEW", TrackingStatus.IN_TRANSIT),
])
def test_tracking_logistics_status_maps_onto_our_vocabulary(code: str, status: TrackingStatus) -> None:
    assert tracking_status(code) is status


def test_tracking_info_becomes_events_oldest_first_with_shopees_code_kept() -> None:
    events = tracking_events({"order_sn": "X", "logistics_status": "LOGISTICS_DELIVERY_DONE", "tracking_info": [
        {"update_time": 1762100000, "description": "Parcel has been delivered", "logistics_status": "DELIVERED"},
        {"update_time": 1762000000, "description": "Picked up", "logistics_status": "PICKED_UP"},
    ]})
    assert [e.code for e in events] == ["PICKED_UP", "DELIVERED"]
    assert events[0].at == datetime.fromtimestamp(1762000000, UTC)
    assert current_status(events) is TrackingStatus.DELIVERED


def test_unreadable_tracking_time_is_a_bad_payload() -> None:
    with pytest.raises(BadPayload, match="update_time"):
        tracking_events({"tracking_info": [{"update_time": "yesterday", "logistics_status": "PICKED_UP"}]})


def _return(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "return_sn": "2206140TA5PM808", "order_sn": "220614T9XV8JTN", "status": "REQUESTED", "reason": "NOT_RECEIPT",
        "text_reason": "not received", "refund_amount": 13.97, "currency": "SGD", "create_time": 1655205084,
        "update_time": 1655219544, "tracking_number": "",
        "item": [{"item_id": 2700126223, "model_id": 2001586745, "name": "Orange macaron", "amount": 2,
                  "item_sku": "MAC", "variation_sku": "MAC-ORANGE"}],
    }
    raw.update(changes)
    return raw


def test_a_return_maps_with_its_lines_refund_and_times() -> None:
    request = return_request(_return())
    assert isinstance(request, ReturnRequest)
    assert (request.platform_return_id, request.platform_order_id) == ("2206140TA5PM808", "220614T9XV8JTN")
    assert request.state is ReturnState.REQUESTED and request.platform_status == "REQUESTED"
    assert request.refund == Money(Decimal("13.97"), "SGD")
    assert [(line.platform_line_id, line.sku, line.quantity) for line in request.lines] == [("", "MAC-ORANGE", 2)]
    assert request.created_at == datetime.fromtimestamp(1655205084, UTC) and request.reason == "not received"


def test_an_item_without_models_is_named_by_its_item_sku() -> None:
    raw = _return(item=[{"item_id": 1, "model_id": 0, "amount": 1, "item_sku": "USB", "variation_sku": ""}])
    assert return_request(raw).lines[0].sku == "USB"


@pytest.mark.parametrize(("status", "tracking", "state"), [
    ("REQUESTED", "", ReturnState.REQUESTED),
    ("JUDGING", "", ReturnState.REQUESTED),
    ("SELLER_DISPUTE", "", ReturnState.REQUESTED),
    ("PROCESSING", "", ReturnState.APPROVED),
    ("PROCESSING", "RNSHS00177569", ReturnState.IN_TRANSIT),
    ("ACCEPTED", "RNSHS00177569", ReturnState.REFUNDED),
    ("CLOSED", "", ReturnState.REJECTED),
    ("CANCELLED", "", ReturnState.CANCELLED),
])
def test_return_status_maps_onto_our_states(status: str, tracking: str, state: ReturnState) -> None:
    assert return_state(status, tracking) is state


@pytest.mark.parametrize("bad", [
    {"status": "TELEPORTED"}, {"item": []}, {"create_time": "soon"}, {"currency": "XX1"},
    {"item": [{"amount": 0, "item_sku": "A"}]},
])
def test_unreadable_returns_are_bad_payloads(bad: dict[str, Any]) -> None:
    with pytest.raises(BadPayload):
        return_request(_return(**bad))


# ---- against the emulator -----------------------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(NOW)
        self.emu = ShopeeEmulator(partner_id=2001887, partner_key="k" * 32, clock=self.clock, seed=3)
        self.emu.add_shop(SHOP, "SG")
        self.emu.set_catalogue(SHOP, MUGS)
        self.stats = CallStats()
        api = HttpApi("https://partner.shopeemobile.test", stats=self.stats,
                      sleep=self.sleep, transport=self.emu.transport())
        key = SecretStr(self.emu.partner_key)
        public = ShopeeClient(api, partner_id=2001887, partner_key=key, clock=self.clock)
        tokens = public.get_access_token(self.emu.authorize(SHOP), SHOP)
        self.client = ShopeeClient(api, partner_id=2001887, partner_key=key, clock=self.clock, shop_id=SHOP,
                                   tokens=MemoryTokens(tokens))

    def order(self, own_carrier: bool) -> str:
        order_sn = self.emu.place_cart(SHOP, [("MUG-0", 2), ("MUG-1", 1)], own_carrier=own_carrier)
        assert order_sn is not None
        return order_sn

    def notice(self, order_sn: str, tracking: str = "JD014600006281993841") -> ShipmentNotice:
        return ShipmentNotice(platform_order_id=order_sn, carrier_code="dhl", carrier_name="DHL",
                              tracking_number=tracking, shipped_at=self.clock.now())

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)

    def calls(self, path: str) -> int:
        return sum(1 for call in self.emu.calls if call.path.endswith(path))


@pytest.fixture
def world() -> World:
    return World()


def test_own_carrier_shipment_marks_the_order_shipped_with_our_number(world: World) -> None:
    order_sn = world.order(own_carrier=True)
    ShopeeShipments(world.client).confirm_shipment(world.notice(order_sn))
    truth = world.emu.shipment(SHOP, order_sn)
    assert truth["order_status"] == "SHIPPED" and truth["tracking_number"] == "JD014600006281993841"
    assert truth["method"] == "non_integrated"
    assert world.emu.orders(SHOP)[order_sn]["package_list"][0]["logistics_status"] == "LOGISTICS_PICKUP_DONE"


def test_confirming_again_with_another_number_is_refused(world: World) -> None:
    order_sn = world.order(own_carrier=True)
    sink = ShopeeShipments(world.client)
    sink.confirm_shipment(world.notice(order_sn))
    sink.confirm_shipment(world.notice(order_sn))          # the same number again: fine
    with pytest.raises(Fatal, match="already been arranged"):
        sink.confirm_shipment(world.notice(order_sn, "OTHER123"))
    assert world.emu.shipment(SHOP, order_sn)["tracking_number"] == "JD014600006281993841"


def test_an_integrated_order_cannot_take_the_sellers_carrier(world: World) -> None:
    order_sn = world.order(own_carrier=False)
    with pytest.raises(Fatal, match="integrated"):
        ShopeeShipments(world.client).confirm_shipment(world.notice(order_sn))
    assert world.emu.shipment(SHOP, order_sn)["order_status"] == "READY_TO_SHIP"
    assert world.calls("/ship_order") == 0


def test_an_order_not_ready_to_ship_is_refused_in_shopees_words(world: World) -> None:
    order_sn = world.order(own_carrier=True)
    world.emu.set_order_status(SHOP, order_sn, "CANCELLED")
    with pytest.raises(Fatal) as caught:
        ShopeeShipments(world.client).confirm_shipment(world.notice(order_sn))
    assert caught.value.code == "logistics.ship_order_not_ready_to_ship"


def test_arranging_a_pickup_waits_for_the_tracking_number_and_downloads_a_real_label(world: World) -> None:
    order_sn = world.order(own_carrier=False)
    shipment = ShopeeLogistics(world.client, world.sleep).arrange(
        LogisticsRequest(order_sn, handover="pickup"))
    truth = world.emu.shipment(SHOP, order_sn)
    assert truth["order_status"] == "PROCESSED" and truth["method"] == "pickup"
    assert shipment.tracking_number == truth["tracking_number"] and re.fullmatch(r"SG\d{12}[A-Z]",
                                                                                  shipment.tracking_number)
    # Shopee answered an empty tracking number at first: the connector asked again after waiting.
    assert world.calls("/get_tracking_number") >= 2
    pdf = shipment.label.content
    assert shipment.label.format == "PDF" and pdf.startswith(b"%PDF")
    # 100 x 150 mm is 283.46 x 425.2 points.
    assert re.search(rb"/MediaBox \[\s*0 0 283\.46\d* 425\.19\d*\s*\]", pdf)
    assert truth["document_type"] == "THERMAL_AIR_WAYBILL"


def test_a_dropoff_is_arranged_when_asked_and_tracking_follows_the_parcel(world: World) -> None:
    order_sn = world.order(own_carrier=False)
    logistics = ShopeeLogistics(world.client, world.sleep)
    logistics.arrange(LogisticsRequest(order_sn, handover="dropoff"))
    assert world.emu.shipment(SHOP, order_sn)["method"] == "dropoff"
    first = logistics.track([order_sn])[order_sn]
    assert [e.status for e in first] == [TrackingStatus.INFO_RECEIVED]
    world.clock.advance(hours=5)
    world.emu.tick()
    world.clock.advance(days=3)
    world.emu.tick()
    later = logistics.track([order_sn, "261101ZZZZ9999"])
    assert "261101ZZZZ9999" not in later
    assert current_status(later[order_sn]) is TrackingStatus.DELIVERED
    assert [e.code for e in later[order_sn]] == ["ORDER_CREATED", "PICKED_UP", "DELIVERED"]


def test_arranging_again_after_a_lost_answer_returns_the_same_parcel(world: World) -> None:
    order_sn = world.order(own_carrier=False)
    logistics = ShopeeLogistics(world.client, world.sleep)
    first = logistics.arrange(LogisticsRequest(order_sn))
    again = logistics.arrange(LogisticsRequest(order_sn))
    assert again.tracking_number == first.tracking_number


def test_platform_logistics_refuses_an_order_shipping_with_the_sellers_carrier(world: World) -> None:
    order_sn = world.order(own_carrier=True)
    with pytest.raises(Fatal, match="seller's carrier"):
        ShopeeLogistics(world.client, lambda s: None).arrange(LogisticsRequest(order_sn))


def test_shipping_documents_of_unknown_orders_come_back_in_the_result_list(world: World) -> None:
    answer = world.client.create_shipping_document([{"order_sn": "261101ZZZZ9999"}])
    [result] = answer["result_list"]
    assert result["fail_error"] == "logistics.order_not_exist"


def test_a_document_batch_over_fifty_is_refused(world: World) -> None:
    with pytest.raises(Fatal) as caught:
        world.client.get_shipping_document_result([{"order_sn": f"X{n}"} for n in range(51)])
    assert caught.value.code == "logistics.error_limit"


def _shipped_orders(world: World, count: int) -> list[str]:
    sink = ShopeeShipments(world.client)
    orders = []
    for n in range(count):
        order_sn = world.order(own_carrier=True)
        sink.confirm_shipment(world.notice(order_sn, f"JD{n:010d}"))
        orders.append(order_sn)
    return orders


def test_returns_are_read_page_by_page_in_windows_of_fifteen_days(world: World) -> None:
    since = world.clock.now()
    orders = _shipped_orders(world, 101)
    world.clock.advance(minutes=1)
    opened = {world.emu.open_return(SHOP, order_sn): order_sn for order_sn in orders}
    world.clock.advance(days=20)
    pages = list(ShopeeReturns(world.client).list_returns(since, world.clock.now()))
    found = [r for page in pages for r in page]
    assert all(isinstance(r, ReturnRequest) for r in found)
    assert {r.platform_return_id: r.platform_order_id for r in found if isinstance(r, ReturnRequest)} == opened
    assert [len(page) for page in pages] == [100, 1]
    lists = [call for call in world.emu.calls if call.path.endswith("/get_return_list")]
    # Two windows (20 days), the first with two pages, the second empty.
    assert [call.query["page_no"] for call in lists] == ["0", "1", "0"]
    assert all(int(c.query["update_time_to"]) - int(c.query["update_time_from"]) <= 15 * 86400 for c in lists)
    assert world.emu.orders(SHOP)[orders[0]]["order_status"] == "TO_RETURN"


def test_a_return_the_connector_cannot_read_is_a_bad_record(world: World) -> None:
    [order_sn] = _shipped_orders(world, 1)
    return_sn = world.emu.open_return(SHOP, order_sn)
    world.emu.world.shop(SHOP).returns[return_sn].status = "TELEPORTED"
    [page] = ShopeeReturns(world.client).list_returns(world.clock.now() - timedelta(hours=1), world.clock.now())
    [record] = page
    assert isinstance(record, BadRecord) and record.platform_id == return_sn and "TELEPORTED" in record.reason


def test_the_emulator_refuses_a_return_window_over_fifteen_days(world: World) -> None:
    with pytest.raises(Fatal, match="15 days"):
        world.client.get_return_list(page_no=0, page_size=10, update_time_from=0, update_time_to=16 * 86400)


def test_a_return_needs_a_shipped_order(world: World) -> None:
    order_sn = world.order(own_carrier=True)
    with pytest.raises(ValueError, match="READY_TO_SHIP"):
        world.emu.open_return(SHOP, order_sn)


def test_a_demo_drives_a_return_through_the_control_routes(world: World) -> None:
    http = httpx.Client(transport=world.emu.transport(), base_url="http://emulator")
    bought = http.post(f"/_emulator/shops/{SHOP}/buy", json={"lines": [{"sku": "MUG-2", "quantity": 1}],
                                                              "own_carrier": True})
    order_sn = bought.json()["order_sn"]
    assert bought.status_code == 201 and world.emu.shipment(SHOP, order_sn)["shipping_carrier"] == "Others"
    refused = http.post(f"/_emulator/shops/{SHOP}/returns", json={"order_sn": order_sn})
    assert refused.status_code == 400            # not shipped yet
    ShopeeShipments(world.client).confirm_shipment(world.notice(order_sn))
    opened = http.post(f"/_emulator/shops/{SHOP}/returns", json={"order_sn": order_sn})
    assert opened.status_code == 201 and list(world.emu.returns(SHOP)) == [opened.json()["return_sn"]]
