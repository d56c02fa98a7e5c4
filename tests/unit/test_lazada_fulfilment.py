"""Lazada fulfilment: the pure mapping of trace stages and reverse orders, and the connector's shipment,
logistics and returns flows against the emulator (its state changes, its errors, its limits)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.lazada.client import LazadaClient
from crossdock.connectors.lazada.fulfilment import LazadaLogistics, LazadaReturns, LazadaShipments
from crossdock.connectors.lazada.fulfilment_mapping import return_request, return_state, trace_events, trace_status
from crossdock.domain.fulfilment.returns import ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingStatus, current_status
from crossdock.domain.money import Money
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.lazada import LazadaEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, LogisticsRequest, ShipmentNotice, ShippedLine
from tests.unit.connector_setup import MUGS, MemoryTokens

NOW = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
SELLER = "500123"
SECRET = "lzd-unit-0123456789abcdef"

# ---- mapping ------------------------------------------------------------------------------------

# The GetOrderTrace response sample of the API reference.
TRACE_SAMPLE: dict[str, Any] = {
    "not_success": "false", "success": "true",
    "module": [{"warehouse_detail_info": "null", "ofc_order_id": "null", "package_detail_info_list": [{
        "order_line_info_list": "List<T>", "ofc_package_id": "FP032211046428116", "tracking_number": "NLXSG20300914",
        "logistic_detail_info_list": [{
            "package_location_name": "null", "status_code": "1200", "proof_images": [], "detail_type": "ready_to",
            "event_date": "null", "receive_time": "0", "icon": "null",
            "description": "Your parcel has been packed and ready to be handed over to our shipping provider.",
            "title": "Packed by seller / warehouse", "event_time": "1625987646597"}]}]}],
    "error_code": {"displayMessage": "null"}, "repeated": "false", "retry": "false",
}


def test_the_documented_trace_sample_maps_to_one_event_of_its_package() -> None:
    packages = trace_events(TRACE_SAMPLE)
    [event] = packages["NLXSG20300914"]
    assert event.status is TrackingStatus.INFO_RECEIVED and event.code == "1200"
    assert event.at == datetime.fromtimestamp(1625987646.597, UTC) and event.location == ""
    assert event.description.startswith("Your parcel has been packed")


@pytest.mark.parametrize(("detail_type", "code", "status"), [
    ("ready_to", "1200", TrackingStatus.INFO_RECEIVED),
    ("shipped", "1210", TrackingStatus.IN_TRANSIT),
    ("", "100013", TrackingStatus.IN_TRANSIT),
    ("", "100018", TrackingStatus.OUT_FOR_DELIVERY),
    ("delivered", "1400", TrackingStatus.DELIVERED),
    ("delivery_failed", "", TrackingStatus.EXCEPTION),
    ("return_to_seller", "", TrackingStatus.RETURNED),
    ("picked_up", "IN_TRANSIT", TrackingStatus.IN_TRANSIT),
    ("something_new", "999", TrackingStatus.IN_TRANSIT),
])
def test_trace_stages_map_onto_our_vocabulary(detail_type: str, code: str, status: TrackingStatus) -> None:
    assert trace_status(detail_type, code) is status


def test_an_unreadable_trace_time_is_a_bad_payload() -> None:
    bad = {"module": [{"package_detail_info_list": [{"tracking_number": "X", "logistic_detail_info_list": [
        {"status_code": "1200", "event_time": "yesterday"}]}]}]}
    with pytest.raises(BadPayload, match="event_time"):
        trace_events(bad)


def _reverse(**line: Any) -> dict[str, Any]:
    base = {"reverse_order_line_id": 11, "trade_order_line_id": 561234, "reverse_status": "REQUEST_INITIATE",
            "ofc_status": "RETURN_REQUEST_INITIATE", "refund_amount": 1990, "reason_text": "Change of mind",
            "return_order_line_gmt_create": 1762000000, "return_order_line_gmt_modified": 1762000500,
            "seller_sku_id": "MUG-0", "tracking_number": ""}
    base.update(line)
    return {"reverse_order_id": 505789557356631, "trade_order_id": 215524547256631, "request_type": "RETURN",
            "reverse_order_lines": [base, {**base, "reverse_order_line_id": 12, "trade_order_line_id": 561235}]}


def test_a_reverse_order_maps_each_line_to_one_unit_and_cents_to_money() -> None:
    request = return_request(_reverse(), "SGD")
    assert isinstance(request, ReturnRequest)
    assert (request.platform_return_id, request.platform_order_id) == ("505789557356631", "215524547256631")
    assert [(line.platform_line_id, line.sku, line.quantity) for line in request.lines] == [
        ("561234", "MUG-0", 1), ("561235", "MUG-0", 1)]
    assert request.refund == Money(Decimal("39.80"), "SGD")
    assert request.state is ReturnState.REQUESTED and request.reason == "Change of mind"
    assert request.created_at == datetime.fromtimestamp(1762000000, UTC)
    assert request.updated_at == datetime.fromtimestamp(1762000500, UTC)


def test_vietnam_refunds_are_in_whole_dong_and_times_in_milliseconds_are_read_as_such() -> None:
    request = return_request(_reverse(refund_amount=150000, return_order_line_gmt_create=1762000000123,
                                      return_order_line_gmt_modified=1762000000999), "VND")
    assert request.refund == Money(Decimal("300000"), "VND")
    assert request.created_at == datetime.fromtimestamp(1762000000.123, UTC)


@pytest.mark.parametrize(("reverse_status", "ofc_status", "state"), [
    ("REQUEST_INITIATE", "", ReturnState.REQUESTED),
    ("REQUEST_INITIATE", "RETURN_RTM_DELIVERED", ReturnState.RECEIVED),
    ("REQUEST_REJECT", "", ReturnState.REJECTED),
    ("REQUEST_CANCEL", "", ReturnState.CANCELLED),
    ("CANCEL_SUCCESS", "RETURN_CANCELED", ReturnState.CANCELLED),
    ("REFUND_SUCCESS", "RETURN_RTM_DELIVERED", ReturnState.REFUNDED),
])
def test_reverse_statuses_map_onto_our_states(reverse_status: str, ofc_status: str, state: ReturnState) -> None:
    assert return_state(reverse_status, ofc_status) is state


@pytest.mark.parametrize("line", [{"reverse_status": "TELEPORTED"}, {"return_order_line_gmt_create": "soon"},
                                  {"refund_amount": "lots"}])
def test_unreadable_reverse_orders_are_bad_payloads(line: dict[str, Any]) -> None:
    with pytest.raises(BadPayload):
        return_request(_reverse(**line), "SGD")


# ---- against the emulator -----------------------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(NOW)
        self.emu = LazadaEmulator("112233", SECRET, clock=self.clock, seed=5)
        self.emu.add_store(SELLER, "SG")
        self.emu.enable_dbs(SELLER)
        self.emu.set_catalogue(SELLER, MUGS)
        transport = self.emu.transport()

        def api(url: str) -> HttpApi:
            return HttpApi(url, stats=CallStats(), sleep=self.sleep,
                           transport=transport)

        auth = LazadaClient(api("https://auth.lazada.com/rest"), app_key="112233", app_secret=SecretStr(SECRET),
                            clock=self.clock)
        tokens = auth.token_set(auth.create_access_token(self.emu.authorize(SELLER)))
        self.client = LazadaClient(api("https://auth.lazada.com/rest"), app_key="112233",
                                   app_secret=SecretStr(SECRET), clock=self.clock,
                                   api=api("https://api.lazada.sg/rest"), tokens=MemoryTokens(tokens))

    def order(self, own_fleet: bool) -> str:
        order_id = self.emu.place_cart(SELLER, [("MUG-0", 2), ("MUG-1", 1)], own_fleet=own_fleet)
        assert order_id is not None
        return order_id

    def items(self, order_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.emu.orders(SELLER)[order_id]["order_items"]
        return items

    def notice(self, order_id: str, tracking: str = "JD014600006281993841",
               lines: tuple[ShippedLine, ...] = ()) -> ShipmentNotice:
        return ShipmentNotice(platform_order_id=order_id, carrier_code="dhl", carrier_name="DHL",
                              tracking_number=tracking, shipped_at=self.clock.now(), lines=lines)

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)

    def calls(self, path: str) -> int:
        return sum(1 for call in self.emu.calls if call.path == path)


@pytest.fixture
def world() -> World:
    return World()


def test_a_seller_delivered_order_ships_with_our_carriers_number(world: World) -> None:
    order_id = world.order(own_fleet=True)
    LazadaShipments(world.client).confirm_shipment(world.notice(order_id))
    items = world.items(order_id)
    assert {item["status"] for item in items} == {"shipped"}
    assert {item["tracking_code"] for item in items} == {"JD014600006281993841"}
    assert {item["shipment_provider"] for item in items} == {"DHL"}
    assert len({item["package_id"] for item in items}) == 1
    assert [world.calls(p) for p in ("/order/fulfill/pack", "/order/package/rts",
                                     "/order/package/sof/status/update")] == [1, 1, 1]
    # The seller's report is the package's history on Lazada.
    [event] = LazadaLogistics(world.client).track([order_id])[order_id]
    assert event.status is TrackingStatus.IN_TRANSIT and "DHL" in event.description


def test_confirming_again_changes_nothing_and_calls_no_update(world: World) -> None:
    order_id = world.order(own_fleet=True)
    sink = LazadaShipments(world.client)
    sink.confirm_shipment(world.notice(order_id))
    sink.confirm_shipment(world.notice(order_id))
    assert world.calls("/order/package/sof/status/update") == 1
    assert world.calls("/order/fulfill/pack") == 1


def test_shipping_part_of_an_order_packs_only_those_items(world: World) -> None:
    order_id = world.order(own_fleet=True)
    first = world.items(order_id)[0]["order_item_id"]
    LazadaShipments(world.client).confirm_shipment(world.notice(order_id, lines=(ShippedLine(first, 1),)))
    statuses = [item["status"] for item in world.items(order_id)]
    assert statuses == ["shipped", "pending", "pending"]


def test_an_order_lazada_carries_cannot_take_the_sellers_carrier(world: World) -> None:
    order_id = world.order(own_fleet=False)
    with pytest.raises(Fatal, match="Lazada's logistics"):
        LazadaShipments(world.client).confirm_shipment(world.notice(order_id))
    assert {item["status"] for item in world.items(order_id)} == {"pending"}
    assert world.calls("/order/fulfill/pack") == 0


def test_an_unknown_order_is_refused_with_lazadas_words(world: World) -> None:
    with pytest.raises(Fatal, match="No orders were found") as caught:
        LazadaShipments(world.client).confirm_shipment(world.notice("999000111222444"))
    assert caught.value.code == "39"


def test_lazada_logistics_packs_prints_and_sets_ready_to_ship(world: World) -> None:
    order_id = world.order(own_fleet=False)
    logistics = LazadaLogistics(world.client)
    shipment = logistics.arrange(LogisticsRequest(order_id))
    items = world.items(order_id)
    assert {item["status"] for item in items} == {"ready_to_ship"}
    assert shipment.tracking_number == items[0]["tracking_code"] and re.fullmatch(r"LX\d{12}SG",
                                                                                   shipment.tracking_number)
    assert shipment.carrier_shipment_id == items[0]["package_id"] and shipment.extra["shipment_provider"]
    assert shipment.label.content.startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[\s*0 0 283\.46\d* 425\.19\d*\s*\]", shipment.label.content)
    assert [e.status for e in logistics.track([order_id])[order_id]] == [TrackingStatus.INFO_RECEIVED]
    world.clock.advance(hours=7)
    world.emu.tick()
    assert current_status(logistics.track([order_id])[order_id]) is TrackingStatus.IN_TRANSIT
    world.clock.advance(days=3)
    world.emu.tick()
    assert current_status(logistics.track([order_id])[order_id]) is TrackingStatus.DELIVERED
    assert {item["status"] for item in world.items(order_id)} == {"delivered"}


def test_arranging_again_returns_the_same_package(world: World) -> None:
    order_id = world.order(own_fleet=False)
    logistics = LazadaLogistics(world.client)
    first = logistics.arrange(LogisticsRequest(order_id))
    again = logistics.arrange(LogisticsRequest(order_id))
    assert (again.carrier_shipment_id, again.tracking_number) == (first.carrier_shipment_id, first.tracking_number)
    assert world.calls("/order/fulfill/pack") == 1 and world.calls("/order/package/rts") == 1


def test_lazada_logistics_refuses_a_seller_delivered_order(world: World) -> None:
    order_id = world.order(own_fleet=True)
    with pytest.raises(Fatal, match="delivered by the seller"):
        LazadaLogistics(world.client).arrange(LogisticsRequest(order_id))


def test_tracking_an_order_of_another_seller_finds_nothing(world: World) -> None:
    assert LazadaLogistics(world.client).track(["999000111222444", "not-a-number"]) == {}


def test_pack_refuses_a_batch_over_twenty_orders(world: World) -> None:
    request = {"pack_order_list": [{"order_id": n, "order_item_list": [n]} for n in range(21)],
               "delivery_type": "dropship", "shipping_allocate_type": "TFS"}
    with pytest.raises(Fatal) as caught:
        world.client.pack(request)
    assert caught.value.code == "700022"


def test_packing_an_item_twice_is_refused_item_by_item(world: World) -> None:
    order_id = world.order(own_fleet=False)
    item_id = int(world.items(order_id)[0]["order_item_id"])
    request = {"pack_order_list": [{"order_id": int(order_id), "order_item_list": [item_id]}],
               "delivery_type": "dropship", "shipping_allocate_type": "TFS"}
    world.client.pack(request)
    [order] = world.client.pack(request)["pack_order_list"]
    [result] = order["order_item_list"]
    assert (result["item_err_code"], result["msg"]) == ("700026", "item current status not allow to pack")


def test_a_store_not_open_to_dbs_cannot_report_a_carrier(world: World) -> None:
    order_id = world.order(own_fleet=True)
    world.emu.world.seller(SELLER).dbs = False
    with pytest.raises(Fatal, match="only open to some stores"):
        LazadaShipments(world.client).confirm_shipment(world.notice(order_id))


def _shipped(world: World, count: int) -> list[str]:
    sink = LazadaShipments(world.client)
    orders = []
    for n in range(count):
        order_id = world.order(own_fleet=True)
        sink.confirm_shipment(world.notice(order_id, f"JD{n:010d}"))
        orders.append(order_id)
    return orders


def test_returns_are_read_page_by_page(world: World) -> None:
    since = world.clock.now()
    orders = _shipped(world, 51)
    world.clock.advance(minutes=1)
    opened = {world.emu.open_return(SELLER, order_id): order_id for order_id in orders}
    world.clock.advance(minutes=1)
    pages = list(LazadaReturns(world.client, "SGD").list_returns(since, world.clock.now()))
    assert [len(page) for page in pages] == [50, 1]
    found = [r for page in pages for r in page if isinstance(r, ReturnRequest)]
    assert {r.platform_return_id: r.platform_order_id for r in found} == opened
    one = next(r for r in found if r.platform_order_id == orders[0])
    first = world.items(orders[0])[0]
    assert [(line.platform_line_id, line.sku, line.quantity) for line in one.lines] == [
        (first["order_item_id"], "MUG-0", 1)]
    assert one.refund == Money(Decimal(first["paid_price"]), "SGD") and one.state is ReturnState.REQUESTED
    lists = [c for c in world.emu.calls if c.path == "/reverse/getreverseordersforseller"]
    assert [c.params["page_no"] for c in lists] == ["1", "2"]


def test_returns_changed_outside_the_window_are_not_listed(world: World) -> None:
    [order_id] = _shipped(world, 1)
    world.emu.open_return(SELLER, order_id)
    world.clock.advance(hours=2)
    later = world.clock.now()
    world.clock.advance(hours=1)
    assert list(LazadaReturns(world.client, "SGD").list_returns(later, world.clock.now())) == []


def test_the_emulator_refuses_a_reverse_page_over_its_limit_and_unknown_details(world: World) -> None:
    with pytest.raises(Fatal, match="E0120") as caught:
        world.client.get_reverse_orders({"page_no": "1", "page_size": "101"})
    assert caught.value.code == "120"
    with pytest.raises(Fatal, match="E0106"):
        world.client.get_reverse_order_detail("123456789012345")


def test_a_reverse_order_reads_whole_through_its_detail(world: World) -> None:
    [order_id] = _shipped(world, 1)
    reverse_id = world.emu.open_return(SELLER, order_id, 2)
    detail = world.client.get_reverse_order_detail(reverse_id)
    request = return_request(detail, "SGD")
    assert request.platform_order_id == order_id and len(request.lines) == 2


def test_a_return_needs_a_shipped_order(world: World) -> None:
    order_id = world.order(own_fleet=True)
    with pytest.raises(ValueError, match="no shipped or delivered item"):
        world.emu.open_return(SELLER, order_id)


def test_a_demo_drives_a_return_through_the_control_routes(world: World) -> None:
    http = httpx.Client(transport=world.emu.transport(), base_url="http://emulator")
    created = http.post("/_emulator/sellers", json={"seller_id": "500999", "region": "SG", "dbs": True})
    assert created.status_code == 201 and created.json()["dbs"] is True
    world.emu.set_catalogue("500999", [ProductSpec("Cup", (VariantSpec("CUP-1", "", Decimal("5"), 9),))])
    bought = http.post("/_emulator/sellers/500999/buy", json={"lines": [{"sku": "CUP-1", "quantity": 2}],
                                                               "own_fleet": True})
    order_id = bought.json()["order_id"]
    assert bought.status_code == 201 and world.emu.orders("500999")[order_id]["order_items"][0][
        "shipping_provider_type"] == "seller_own_fleet"
    refused = http.post("/_emulator/sellers/500999/returns", json={"order_id": order_id})
    assert refused.status_code == 400            # nothing shipped yet
    world.emu.set_order_status("500999", order_id, "delivered")
    opened = http.post("/_emulator/sellers/500999/returns", json={"order_id": order_id, "quantity": 2})
    assert opened.status_code == 201
    assert list(world.emu.reverse_orders("500999")) == [opened.json()["reverse_order_id"]]
