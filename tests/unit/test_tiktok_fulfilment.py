"""TikTok Shop fulfilment against the emulator: the seller's own shipments, TikTok Shipping labels, tracking and
return requests, as the Fulfillment, Logistics and Return APIs (202309) answer them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from pypdf import PdfReader

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.tiktok.adapter import TikTokOrders
from crossdock.connectors.tiktok.client import TikTokClient
from crossdock.connectors.tiktok.fulfilment import TikTokLogistics, TikTokShipments
from crossdock.connectors.tiktok.fulfilment_mapping import (
    LineMismatch,
    UnitView,
    match_provider,
    return_from_payload,
    select_units,
    tracking_event,
)
from crossdock.connectors.tiktok.returns import TikTokReturns
from crossdock.domain.fulfilment.returns import ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.emulators.tiktok import TikTokEmulator
from crossdock.ports.carrier import Parcel
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import (
    BadRecord,
    CallStats,
    LogisticsRequest,
    OrderRef,
    ShipmentNotice,
    ShippedLine,
)
from tests.unit.connector_setup import LAMP_AND_CASE, MemoryTokens, clock_sleep

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SHOP = "7001"


@dataclass
class Env:
    emu: TikTokEmulator
    clock: ManualClock
    client: TikTokClient

    def order(self, lines: tuple[tuple[str, int], ...] = (("LAMP", 2), ("CASE", 1))) -> OrderSnapshot:
        order_id = self.emu.place_order_lines(SHOP, list(lines))
        assert order_id is not None
        [snapshot] = TikTokOrders(self.client, SHOP).fetch_orders([OrderRef(order_id)])
        assert isinstance(snapshot, OrderSnapshot)
        return snapshot

    def truth(self, order_id: str) -> dict[str, Any]:
        return self.emu.orders(SHOP)[order_id]

    def calls(self, path_part: str) -> list[Any]:
        return [c for c in self.emu.calls if path_part in c.path]


def env(region: str = "US", shipping: str = "SELLER") -> Env:
    clock = ManualClock(NOW)
    emu = TikTokEmulator("app-key", "app-secret", clock=clock, seed=11)
    emu.set_rate_limit(1000, 1000)
    emu.add_store(SHOP, region, account="seller")
    tokens = MemoryTokens()
    api = HttpApi("https://open-api.tiktokglobalshop.test", stats=CallStats(), transport=emu.transport(),
                  sleep=clock_sleep(clock))
    client = TikTokClient(api, app_key="app-key", app_secret=SecretStr("app-secret"),
                          auth_base_url="https://auth.tiktok-shops.test", clock=clock, tokens=tokens)
    tokens.current = client.get_access_token(emu.authorize("seller"))
    emu.set_shipping_type(SHOP, shipping)
    emu.set_catalogue(SHOP, LAMP_AND_CASE)
    return Env(emu, clock, client)


def notice(order: OrderSnapshot, tracking: str = "00340434161234567890", carrier: str = "dhl", name: str = "DHL",
           lines: tuple[ShippedLine, ...] | None = None) -> ShipmentNotice:
    chosen = lines if lines is not None else tuple(ShippedLine(li.platform_line_id, li.quantity) for li in order.lines)
    return ShipmentNotice(order.platform_order_id, carrier, name, tracking, NOW, lines=chosen)


def pdf_page(pdf: bytes) -> tuple[float, float, str]:
    """(width mm, height mm, text) of a PDF's first page."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    points_per_mm = 72 / 25.4
    return (round(float(page.mediabox.width) / points_per_mm), round(float(page.mediabox.height) / points_per_mm),
            page.extract_text())


# ---- the seller's own shipments ------------------------------------------------------------------------

def test_a_whole_package_ships_with_self_shipment_and_tiktoks_provider_id() -> None:
    e = env()
    order = e.order()
    TikTokShipments(e.client, SHOP).confirm_shipment(notice(order))
    truth = e.truth(order.platform_order_id)
    assert truth["status"] == "IN_TRANSIT"
    assert truth["tracking_number"] == "00340434161234567890" and truth["shipping_provider"] == "DHL"
    assert {item["tracking_number"] for item in truth["line_items"]} == {"00340434161234567890"}
    [ship] = [c for c in e.calls("/packages/") if c.path.endswith("/ship")]
    assert ship.method == "POST" and ship.code == 0
    assert e.calls("/shipping_providers") and not e.calls("/orders/" + order.platform_order_id + "/packages")


def test_part_of_an_order_becomes_its_own_package_and_the_rest_follows() -> None:
    e = env()
    order = e.order()
    lamp, case = order.lines
    sink = TikTokShipments(e.client, SHOP)
    sink.confirm_shipment(notice(order, "PART1", lines=(ShippedLine(lamp.platform_line_id, 1),)))
    truth = e.truth(order.platform_order_id)
    assert truth["status"] == "PARTIALLY_SHIPPING" and len(truth["packages"]) == 2
    assert sorted(i.get("tracking_number", "") for i in truth["line_items"]) == ["", "", "PART1"]
    assert e.calls(f"/orders/{order.platform_order_id}/packages")     # Mark Package As Shipped
    sink.confirm_shipment(notice(order, "PART2", lines=(ShippedLine(lamp.platform_line_id, 1),
                                                        ShippedLine(case.platform_line_id, 1))))
    truth = e.truth(order.platform_order_id)
    assert truth["status"] == "IN_TRANSIT"
    assert sorted(i["tracking_number"] for i in truth["line_items"]) == ["PART1", "PART2", "PART2"]


def test_a_retry_ships_nothing_twice() -> None:
    e = env()
    order = e.order()
    sink = TikTokShipments(e.client, SHOP)
    sink.confirm_shipment(notice(order, lines=(ShippedLine(order.lines[0].platform_line_id, 1),)))
    ships = len(e.calls("/packages"))
    sink.confirm_shipment(notice(order, lines=(ShippedLine(order.lines[0].platform_line_id, 1),)))
    assert len(e.calls("/packages")) == ships
    assert e.truth(order.platform_order_id)["status"] == "PARTIALLY_SHIPPING"


def test_a_carrier_tiktok_does_not_list_is_refused_naming_its_list() -> None:
    e = env()
    order = e.order()
    with pytest.raises(Fatal) as caught:
        TikTokShipments(e.client, SHOP).confirm_shipment(notice(order, carrier="acme", name="ACME Parcels"))
    assert caught.value.code == "unknown_provider" and "USPS" in str(caught.value)
    assert not [c for c in e.calls("/packages") if c.method == "POST"]
    assert e.truth(order.platform_order_id)["status"] == "AWAITING_SHIPMENT"


def test_yun_express_by_our_code_finds_tiktoks_yunexpress() -> None:
    e = env()
    order = e.order()
    TikTokShipments(e.client, SHOP).confirm_shipment(notice(order, "YT1234567890", "yunexpress", "Yun Express"))
    assert e.truth(order.platform_order_id)["shipping_provider"] == "YunExpress"


def test_a_tiktok_shipped_order_takes_no_seller_tracking_number() -> None:
    e = env(shipping="TIKTOK")
    order = e.order()
    with pytest.raises(Fatal) as caught:
        TikTokShipments(e.client, SHOP).confirm_shipment(notice(order))
    # Get Shipping Providers: "The delivery of the specified delivery_option_id is fulfilled by TikTok."
    assert caught.value.code == "21008117"
    assert e.truth(order.platform_order_id)["status"] == "AWAITING_SHIPMENT"


def test_an_unknown_order_is_refused() -> None:
    e = env()
    order = e.order()
    bogus = ShipmentNotice("576999999999999999", "dhl", "DHL", "X1", NOW,
                           lines=(ShippedLine(order.lines[0].platform_line_id, 1),))
    with pytest.raises(Fatal) as caught:
        TikTokShipments(e.client, SHOP).confirm_shipment(bogus)
    assert caught.value.code == "order_not_found"


def test_splitting_a_package_is_refused_where_mark_package_as_shipped_does_not_exist() -> None:
    e = env(region="SG")
    order = e.order()
    with pytest.raises(Fatal) as caught:
        TikTokShipments(e.client, SHOP).confirm_shipment(notice(
            order, carrier="dhl_ecommerce", name="DHL eCommerce",
            lines=(ShippedLine(order.lines[0].platform_line_id, 1),)))
    assert caught.value.code == "21008106"     # "This interface cannot be used in this region."
    # A whole package still goes, with Ship Package's self_shipment.
    TikTokShipments(e.client, SHOP).confirm_shipment(notice(order, carrier="dhl_ecommerce", name="DHL eCommerce"))
    assert e.truth(order.platform_order_id)["status"] == "IN_TRANSIT"


# ---- TikTok Shipping ---------------------------------------------------------------------------------------

def test_tiktok_shipping_books_the_carrier_and_serves_a_100_by_150_label() -> None:
    e = env(region="SG", shipping="TIKTOK")
    order = e.order()
    shipment = TikTokLogistics(e.client, SHOP).arrange(
        LogisticsRequest(order.platform_order_id, handover="pickup", parcel=Parcel(850)))
    truth = e.truth(order.platform_order_id)
    assert truth["status"] == "AWAITING_COLLECTION" and truth["tracking_number"] == shipment.tracking_number
    assert shipment.carrier_shipment_id == truth["packages"][0]["id"]
    width, height, text = pdf_page(shipment.label.content)
    assert (width, height) == (100, 150) and shipment.tracking_number in text
    world_order = e.emu.world.shop(SHOP).orders[order.platform_order_id]
    assert world_order.shipments[0].handover_method == "PICKUP"          # type: ignore[union-attr]


def test_a_seller_shipped_us_order_buys_a_tiktok_shipping_label_once() -> None:
    e = env()
    order = e.order()
    logistics = TikTokLogistics(e.client, SHOP)
    shipment = logistics.arrange(LogisticsRequest(order.platform_order_id, parcel=Parcel(850, 300, 200, 100)))
    # USPS Ground Advantage, the default service: 4.85 for the first pound, 0.90 for the next one started.
    assert shipment.cost == Money(Decimal("5.75"), "USD") and shipment.extra["shipping_service"]
    assert e.truth(order.platform_order_id)["shipping_provider"] == "USPS"
    again = logistics.arrange(LogisticsRequest(order.platform_order_id))
    assert again.tracking_number == shipment.tracking_number
    assert len([c for c in e.calls("/fulfillment/202309/packages") if c.path.endswith("/packages")]) == 1


def test_label_purchase_is_refused_outside_the_us() -> None:
    e = env(region="GB")
    order = e.order()
    with pytest.raises(Fatal) as caught:
        TikTokLogistics(e.client, SHOP).arrange(LogisticsRequest(order.platform_order_id))
    assert caught.value.code == "21008106"


def test_a_doc_url_dies_after_24_hours() -> None:
    e = env(region="SG", shipping="TIKTOK")
    order = e.order()
    TikTokLogistics(e.client, SHOP).arrange(LogisticsRequest(order.platform_order_id))
    package = e.truth(order.platform_order_id)["packages"][0]["id"]
    cipher = e.emu.shop_cipher(SHOP)
    url = e.client.get_shipping_document(shop_cipher=cipher, package_id=package)["doc_url"]
    assert e.client.download_document(url).startswith(b"%PDF")
    e.clock.advance(hours=25)
    with pytest.raises(Fatal) as caught:
        e.client.download_document(url)
    assert caught.value.code == "403"


def test_tracking_follows_the_parcel_to_the_door() -> None:
    e = env(region="SG", shipping="TIKTOK")
    order = e.order()
    logistics = TikTokLogistics(e.client, SHOP)
    logistics.arrange(LogisticsRequest(order.platform_order_id))
    assert [ev.status for ev in logistics.track([order.platform_order_id])[order.platform_order_id]] == [
        TrackingStatus.INFO_RECEIVED]
    e.clock.advance(days=1)
    e.emu.tick()       # the carrier collected it
    e.clock.advance(days=10)
    e.emu.tick()       # and delivered it
    events = logistics.track([order.platform_order_id])[order.platform_order_id]
    assert [ev.status for ev in events] == [TrackingStatus.INFO_RECEIVED, TrackingStatus.IN_TRANSIT,
                                            TrackingStatus.IN_TRANSIT, TrackingStatus.DELIVERED]
    assert events == sorted(events, key=lambda ev: ev.at)
    assert e.truth(order.platform_order_id)["status"] == "DELIVERED"


# ---- returns -------------------------------------------------------------------------------------------------

def returns_of(e: Env, since: datetime) -> list[ReturnRequest]:
    found: list[ReturnRequest] = []
    for page in TikTokReturns(e.client, SHOP).list_returns(since, e.clock.now()):
        assert not [r for r in page if isinstance(r, BadRecord)]
        found += [r for r in page if isinstance(r, ReturnRequest)]
    return found


def test_a_return_request_names_our_line_and_follows_the_buyers_parcel() -> None:
    e = env()
    order = e.order()
    TikTokShipments(e.client, SHOP).confirm_shipment(notice(order))
    since = e.clock.now()
    e.clock.advance(hours=2)
    return_id = e.emu.open_return(SHOP, order.platform_order_id, 2)
    [request] = returns_of(e, since)
    assert request.platform_return_id == return_id and request.state is ReturnState.REQUESTED
    assert request.lines[0].platform_line_id == order.lines[0].platform_line_id
    assert (request.lines[0].sku, request.lines[0].quantity) == ("LAMP", 2)
    assert request.refund is not None and request.refund.currency == "USD" and request.refund.amount > 0
    e.clock.advance(hours=1)
    e.emu.set_return_status(SHOP, return_id, "AWAITING_BUYER_SHIP")
    assert [r.state for r in returns_of(e, since)] == [ReturnState.APPROVED]
    e.emu.set_return_status(SHOP, return_id, "BUYER_SHIPPED_ITEM", "JT1234567890")
    [shipped] = returns_of(e, since)
    assert shipped.state is ReturnState.IN_TRANSIT and shipped.tracking_number == "JT1234567890"


def test_returns_page_through_every_request_once() -> None:
    e = env()
    ids = []
    for _ in range(53):
        order_id = e.emu.place_order_lines(SHOP, [("CASE", 1)])
        assert order_id is not None
        e.emu.set_order_status(SHOP, order_id, "DELIVERED")
        ids.append(e.emu.open_return(SHOP, order_id, 1))
        e.clock.advance(seconds=30)
    found = returns_of(e, NOW)
    assert sorted(r.platform_return_id for r in found) == sorted(ids)
    assert len([c for c in e.calls("/returns/search")]) == 2     # pages of 50


def test_search_returns_keeps_the_documented_page_size() -> None:
    e = env()
    with pytest.raises(Fatal) as caught:
        e.client.search_returns(shop_cipher=e.emu.shop_cipher(SHOP), page_size=5, page_token="",
                                sort_field="update_time", sort_order="ASC", filters={})
    assert caught.value.code == "25001001"


def test_an_order_not_yet_shipped_cannot_be_returned() -> None:
    e = env()
    order = e.order()
    with pytest.raises(ValueError):
        e.emu.open_return(SHOP, order.platform_order_id, 1)


# ---- pure mapping ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("description", "status"), [
    ("Shipping label created. The package is awaiting carrier pickup.", TrackingStatus.INFO_RECEIVED),
    ("Package picked up by the carrier.", TrackingStatus.IN_TRANSIT),
    ("Out for delivery", TrackingStatus.OUT_FOR_DELIVERY),
    ("Your package was delivered!\n", TrackingStatus.DELIVERED),
    ("Delivery failed: recipient not at home", TrackingStatus.EXCEPTION),
    ("Returned to sender", TrackingStatus.RETURNED),
])
def test_tracking_descriptions_map_to_our_states(description: str, status: TrackingStatus) -> None:
    event = tracking_event({"description": description, "update_time_millis": 1_694_685_539_000})
    assert event.status is status and event.at == datetime(2023, 9, 14, 9, 58, 59, tzinfo=UTC)


def test_a_tracking_event_without_a_time_is_a_bad_payload() -> None:
    with pytest.raises(BadPayload):
        tracking_event({"description": "In transit"})


def test_providers_match_by_code_or_name_spaces_and_case_aside() -> None:
    providers = [{"id": "1", "name": "DHL eCommerce"}, {"id": "2", "name": "DHL"}, {"id": "3", "name": "Evri"}]
    assert match_provider(providers, "dhl", "DHL") == {"id": "2", "name": "DHL"}
    assert match_provider(providers, "dhl_ecommerce", "") == {"id": "1", "name": "DHL eCommerce"}
    assert match_provider(providers, "hermes", "Hermes UK") == {"id": "3", "name": "Evri"}
    assert match_provider(providers, "ups", "UPS") is None


def test_a_notice_asking_more_units_than_are_left_is_refused() -> None:
    units = [UnitView("u1", "u1", "LAMP", "p1", "T1", "FULFILLING"), UnitView("u2", "u1", "LAMP", "p1", "", "")]
    assert select_units(units, [ShippedLine("u1", 2)], "T1") == ([units[0]], [units[1]])
    with pytest.raises(LineMismatch):
        select_units(units, [ShippedLine("u1", 2)], "T2")
    with pytest.raises(LineMismatch):
        select_units(units, [ShippedLine("nope", 1)], "T1")


def test_an_unknown_return_status_is_a_bad_payload() -> None:
    raw = {"return_id": "1", "order_id": "2", "return_status": "TELEPORTED", "create_time": 1, "update_time": 1,
           "return_line_items": [{"order_line_item_id": "3", "seller_sku": "X"}]}
    with pytest.raises(BadPayload):
        return_from_payload(raw, {})
    raw["return_status"] = "RETURN_OR_REFUND_REQUEST_SUCCESS"
    raw["return_type"] = "RETURN_AND_REFUND"
    assert return_from_payload(raw, {"3": "9"}).state is ReturnState.RECEIVED
    assert return_from_payload(raw, {"3": "9"}).lines[0].platform_line_id == "9"
    assert return_from_payload(dict(raw, return_type="REFUND"), {}).state is ReturnState.APPROVED


def test_a_return_after_the_window_is_not_listed() -> None:
    e = env()
    order = e.order()
    TikTokShipments(e.client, SHOP).confirm_shipment(notice(order))
    e.emu.open_return(SHOP, order.platform_order_id, 1)
    assert returns_of(e, e.clock.now() + timedelta(seconds=1)) == []


def test_a_demo_drives_shipping_settings_orders_and_returns_over_http() -> None:
    e = env()
    control = httpx.Client(transport=e.emu.transport(), base_url="http://emulator")
    assert control.post(f"/_emulator/shops/{SHOP}/shipping_type", json={"shipping_type": "BOTH"}).status_code == 400
    assert control.post(f"/_emulator/shops/{SHOP}/shipping_type", json={"shipping_type": "SELLER"}).status_code == 200
    bought = control.post(f"/_emulator/shops/{SHOP}/buy", json={"lines": [{"sku": "LAMP", "quantity": 2},
                                                                          {"sku": "CASE"}]})
    assert bought.status_code == 201
    order_id = bought.json()["order_id"]
    assert len(e.truth(order_id)["line_items"]) == 3 and e.truth(order_id)["shipping_type"] == "SELLER"
    path = f"/_emulator/shops/{SHOP}/orders/{order_id}/returns"
    assert control.post(path, json={"quantity": 1}).status_code == 409     # nothing left the seller yet
    [snapshot] = TikTokOrders(e.client, SHOP).fetch_orders([OrderRef(order_id)])
    assert isinstance(snapshot, OrderSnapshot)
    TikTokShipments(e.client, SHOP).confirm_shipment(notice(snapshot))
    opened = control.post(path, json={"quantity": 1, "seller_sku": "CASE"})
    assert opened.status_code == 201
    return_id = opened.json()["return_id"]
    assert e.emu.returns(SHOP)[return_id]["return_line_items"][0]["seller_sku"] == "CASE"
    moved = control.post(f"/_emulator/shops/{SHOP}/returns/{return_id}/status", json={"status": "AWAITING_BUYER_SHIP"})
    assert moved.status_code == 200 and e.emu.returns(SHOP)[return_id]["return_status"] == "AWAITING_BUYER_SHIP"
