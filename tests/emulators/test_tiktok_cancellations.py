"""The TikTok Shop emulator's order cancellations against the docs: Cancel Order with the seller's reasons per
market and order status, its refusals, Search Cancellations, and the webhooks a cancellation sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.tiktok import TikTokEmulator
from crossdock.emulators.tiktok.signing import sign
from crossdock.emulators.tiktok.world import Order, Step
from crossdock.ports.clock import ManualClock

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KEY, SECRET = "6d2f0kq8vb3na", "emulator-secret"
CANCEL, SEARCH = "/return_refund/202309/cancellations", "/return_refund/202309/cancellations/search"
US, GB, SG, ID = "7494001", "7494002", "7494003", "7494004"
CATALOGUE = (ProductSpec("Desk Lamp", (VariantSpec("LAMP", "", Decimal("24.90"), 50),)),
             ProductSpec("Phone Case", (VariantSpec("CASE", "Black", Decimal("9.90"), 50),)))


class Seller:
    """A hand-rolled client, written from the signing guide."""

    def __init__(self, emu: TikTokEmulator, clock: ManualClock) -> None:
        self.emu, self.clock = emu, clock
        self.http = httpx.Client(transport=emu.transport(), base_url="https://open-api.tiktokglobalshop.com")
        answer = self.http.get("https://auth.tiktok-shops.com/api/v2/token/get", params={
            "app_key": KEY, "app_secret": SECRET, "auth_code": emu.authorize("acme"),
            "grant_type": "authorized_code"}).json()
        self.token = answer["data"]["access_token"]

    def call(self, path: str, shop: str, body: Any, **params: str) -> dict[str, Any]:
        query = {"app_key": KEY, "timestamp": str(int(self.clock.now().timestamp())),
                 "shop_cipher": self.emu.shop_cipher(shop), **params}
        content = json.dumps(body)
        query["sign"] = sign(SECRET, path, query, content)
        answer: dict[str, Any] = self.http.post(path, params=query, content=content, headers={
            "x-tts-access-token": self.token, "content-type": "application/json"}).json()
        return answer

    def cancel(self, shop: str, order_id: str, reason: str, **extra: Any) -> dict[str, Any]:
        return self.call(CANCEL, shop, {"order_id": order_id, "cancel_reason": reason, **extra})


class Receiver(httpx.BaseTransport):
    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.got.append(json.loads(request.read()))
        return httpx.Response(200)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def emu(clock: ManualClock) -> TikTokEmulator:
    e = TikTokEmulator(KEY, SECRET, clock=clock, seed=7)
    for shop, region in ((US, "US"), (GB, "GB"), (SG, "SG"), (ID, "ID")):
        e.add_store(shop, region, account="acme")
        e.set_catalogue(shop, CATALOGUE)
    return e


@pytest.fixture
def seller(emu: TikTokEmulator, clock: ManualClock) -> Seller:
    return Seller(emu, clock)


def bought(emu: TikTokEmulator, shop: str = US) -> str:
    order_id = emu.place_order_lines(shop, [("LAMP", 2), ("CASE", 1)])
    assert order_id is not None
    return order_id


def test_a_seller_cancels_an_order_awaiting_shipment(seller: Seller, emu: TikTokEmulator,
                                                     clock: ManualClock) -> None:
    order_id = bought(emu)
    clock.advance(minutes=10)
    answer = seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock")
    assert answer["code"] == 0 and answer["message"] == "Success"
    data = answer["data"]
    assert data["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    assert data["cancel_id"].startswith("4035") and len(data["cancel_id"]) == 19
    order = emu.orders(US)[order_id]
    now = int(clock.now().timestamp())
    assert order["status"] == "CANCELLED" and order["cancellation_initiator"] == "SELLER"
    assert order["cancel_reason"] == "Out of stock" and order["cancel_time"] == order["update_time"] == now
    assert {(i["display_status"], i["cancel_user"]) for i in order["line_items"]} == {("CANCELLED", "SELLER")}


def test_the_cancellation_is_found_by_search(seller: Seller, emu: TikTokEmulator, clock: ManualClock) -> None:
    order_id, other_id = bought(emu), bought(emu)
    cancel_id = seller.cancel(US, order_id, "seller_cancel_paid_reason_address_not_deliver")["data"]["cancel_id"]
    found = seller.call(SEARCH, US, {"order_ids": [order_id]})["data"]
    assert found["total_count"] == 1 and found["next_page_token"] == ""
    [case] = found["cancellations"]
    assert case["cancel_id"] == cancel_id and case["role"] == "SELLER" and case["cancel_type"] == "CANCEL"
    assert case["cancel_reason"] == "seller_cancel_paid_reason_address_not_deliver"
    assert case["cancel_reason_text"] == "Unable to deliver to buyer address"
    order = emu.orders(US)[order_id]
    assert case["refund_amount"]["refund_total"] == order["payment"]["total_amount"]
    assert sorted(i["order_line_item_id"] for i in case["cancel_line_items"]) == \
        sorted(i["id"] for i in order["line_items"])
    seller.cancel(US, other_id, "seller_cancel_reason_wrong_price")
    first = seller.call(SEARCH, US, {}, page_size="1")["data"]
    assert first["total_count"] == 2 and first["next_page_token"]
    second = seller.call(SEARCH, US, {}, page_size="1", page_token=first["next_page_token"])["data"]
    assert {first["cancellations"][0]["order_id"], second["cancellations"][0]["order_id"]} == {order_id, other_id}
    assert seller.call(SEARCH, US, {"cancel_types": ["BUYER_CANCEL"]})["data"]["total_count"] == 0
    assert seller.call(SEARCH, US, {}, page_size="51")["code"] == 25001001


@pytest.mark.parametrize(("shop", "reason"), [
    (US, "seller_cancel_paid_reason_buyer_requested_cancellation"),
    (GB, "seller_cancel_reason_out_of_stock_uk"),
    (SG, "seller_cancel_unable_to_deliver_to_buyer_address"),
    (ID, "seller_cancel_reason_wrong_price"),
])
def test_each_market_takes_its_own_reasons(seller: Seller, emu: TikTokEmulator, shop: str, reason: str) -> None:
    assert seller.cancel(shop, bought(emu, shop), reason)["code"] == 0


@pytest.mark.parametrize(("shop", "reason", "code"), [
    (US, "seller_cancel_unpaid_reason_out_of_stock", 25001021),     # an UNPAID reason for a paid order
    (US, "seller_cancel_reason_out_of_stock_uk", 25001014),          # another market's name
    (GB, "seller_cancel_reason_out_of_stock", 25001014),
    (ID, "seller_cancel_paid_reason_buyer_requested_cancellation", 25001014),
    (US, "ecom_order_to_ship_canceled_reason_no_longer_needed", 25001015),   # a buyer's reason
    (US, "because", 25001014),
])
def test_a_reason_outside_the_markets_list_is_refused(seller: Seller, emu: TikTokEmulator, shop: str, reason: str,
                                                      code: int) -> None:
    order_id = bought(emu, shop)
    answer = seller.cancel(shop, order_id, reason)
    assert answer["code"] == code and "data" not in answer
    assert emu.orders(shop)[order_id]["status"] == "AWAITING_SHIPMENT"


def test_the_reason_must_match_the_orders_status(seller: Seller, emu: TikTokEmulator) -> None:
    order_id = bought(emu)
    emu.set_order_status(US, order_id, "UNPAID")
    assert seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock")["message"] == \
        "Reason not match order status"
    assert seller.cancel(US, order_id, "seller_cancel_unpaid_reason_out_of_stock")["code"] == 0


@pytest.mark.parametrize(("status", "code"), [("AWAITING_COLLECTION", 25001045), ("IN_TRANSIT", 25001045),
                                              ("DELIVERED", 25001045), ("COMPLETED", 25001051),
                                              ("CANCELLED", 25001051)])
def test_an_order_past_shipping_cannot_be_cancelled(seller: Seller, emu: TikTokEmulator, status: str,
                                                    code: int) -> None:
    order_id = bought(emu)
    emu.set_order_status(US, order_id, status)
    assert seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock")["code"] == code


def test_bad_requests_are_invalid_parameters(seller: Seller, emu: TikTokEmulator) -> None:
    order_id = bought(emu)
    assert seller.call(CANCEL, US, {"order_id": order_id})["code"] == 25001001
    assert seller.call(CANCEL, US, {"cancel_reason": "seller_cancel_reason_out_of_stock"})["code"] == 25001001
    assert seller.cancel(US, "576999999999999999", "seller_cancel_reason_out_of_stock")["code"] == 25001001
    assert seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock",
                         order_line_item_ids=["not-a-line-item"])["code"] == 25001001


def test_part_of_an_order_is_refused_but_all_of_it_named_is_taken(seller: Seller, emu: TikTokEmulator) -> None:
    order_id = bought(emu)
    items = emu.orders(US)[order_id]["line_items"]
    partial = seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock", order_line_item_ids=[items[0]["id"]])
    assert partial["code"] == 25005010
    skus: dict[str, int] = {}
    for item in items:
        skus[item["sku_id"]] = skus.get(item["sku_id"], 0) + 1
    whole = seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock",
                          skus=[{"sku_id": sku, "quantity": n} for sku, n in skus.items()])
    assert whole["code"] == 0 and emu.orders(US)[order_id]["status"] == "CANCELLED"


def test_a_cancellation_sends_the_order_status_and_cancellation_webhooks(seller: Seller, emu: TikTokEmulator,
                                                                         clock: ManualClock) -> None:
    order_id = bought(emu)
    receiver = Receiver()
    emu.subscribe_pushes("https://hub.example/webhooks/tiktok", receiver)
    clock.advance(minutes=1)
    cancel_id = seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock")["data"]["cancel_id"]
    now = int(clock.now().timestamp())
    status, cancellation = receiver.got
    assert status["type"] == 1 and status["shop_id"] == US
    assert status["data"] == {"order_id": order_id, "order_status": "CANCEL", "is_on_hold_order": False,
                              "update_time": now}
    assert cancellation["type"] == 11 and cancellation["timestamp"] == now
    assert cancellation["data"] == {"order_id": order_id, "cancellations_role": "SELLER",
                                    "cancel_status": "CANCELLATION_REQUEST_SUCCESS", "cancel_id": cancel_id,
                                    "create_time": now}
    assert status["tts_notification_id"] != cancellation["tts_notification_id"]


def test_a_refused_cancellation_sends_nothing(seller: Seller, emu: TikTokEmulator) -> None:
    order_id = bought(emu)
    emu.set_order_status(US, order_id, "IN_TRANSIT")
    receiver = Receiver()
    emu.subscribe_pushes("https://hub.example/webhooks/tiktok", receiver)
    assert seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock")["code"] == 25001045
    assert receiver.got == []


def test_a_cancelled_order_no_longer_plays_its_planned_life(seller: Seller, emu: TikTokEmulator,
                                                            clock: ManualClock) -> None:
    order_id = bought(emu)
    order = emu.world.shop(US).orders[order_id]
    assert isinstance(order, Order)
    order.pending.append(Step(int(clock.now().timestamp()) + 3_600, "AWAITING_COLLECTION"))
    assert seller.cancel(US, order_id, "seller_cancel_reason_out_of_stock")["code"] == 0
    clock.advance(hours=2)
    emu.tick()
    assert emu.orders(US)[order_id]["status"] == "CANCELLED"
