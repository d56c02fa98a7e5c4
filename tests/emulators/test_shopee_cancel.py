"""The Shopee emulator's v2.order.cancel_order, over signed HTTP: what the seller may cancel, with which reasons, and
what the order then shows (detail, list by update time, the status push)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.shopee import ShopeeEmulator
from crossdock.ports.clock import ManualClock

PARTNER_ID = 2001887
PARTNER_KEY = "4a6f6e617468616e2d746573742d6b6579"
SG_SHOP, MY_SHOP = 14701711, 14701712
START = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)
CANCEL = "/api/v2/order/cancel_order"
PRODUCTS = (ProductSpec("Mug", (VariantSpec("MUG-RED", "Red", Decimal("9.90"), 50),
                                VariantSpec("MUG-BLUE", "Blue", Decimal("9.90"), 50))),
            ProductSpec("Lamp", (VariantSpec("LAMP", "", Decimal("24.90"), 50),)))


def sign(base: str) -> str:
    # Written from the Authorization and Authentication guide, independently of the emulator's signing module.
    return hmac.new(PARTNER_KEY.encode(), base.encode(), hashlib.sha256).hexdigest()


class Seller:
    """A minimal Shopee client for one shop, written from the docs."""

    def __init__(self, emu: ShopeeEmulator, clock: ManualClock, shop_id: int) -> None:
        self.emu, self.clock, self.shop_id = emu, clock, shop_id
        self.http = httpx.Client(transport=emu.transport(), base_url="https://partner.shopeemobile.com")
        path, ts = "/api/v2/auth/token/get", self.ts()
        answer = self.http.post(path, params={"partner_id": PARTNER_ID, "timestamp": ts,
                                              "sign": sign(f"{PARTNER_ID}{path}{ts}")},
                                json={"code": emu.authorize(shop_id), "partner_id": PARTNER_ID, "shop_id": shop_id})
        self.token = answer.json()["access_token"]

    def ts(self) -> int:
        return int(self.clock.now().timestamp())

    def _common(self, path: str) -> dict[str, Any]:
        ts = self.ts()
        return {"partner_id": PARTNER_ID, "timestamp": ts, "access_token": self.token, "shop_id": self.shop_id,
                "sign": sign(f"{PARTNER_ID}{path}{ts}{self.token}{self.shop_id}")}

    def cancel(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(CANCEL, params=self._common(CANCEL), json=body)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get(path, params={**self._common(path), **params}).json()
        return answer


class Receiver(httpx.BaseTransport):
    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.got.append(json.loads(request.read()))
        return httpx.Response(200)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def emu(clock: ManualClock) -> ShopeeEmulator:
    emulator = ShopeeEmulator(partner_id=PARTNER_ID, partner_key=PARTNER_KEY, clock=clock, seed=7)
    for shop, region in ((SG_SHOP, "SG"), (MY_SHOP, "MY")):
        emulator.add_shop(shop, region)
        emulator.set_catalogue(shop, PRODUCTS)
    return emulator


@pytest.fixture
def sg(emu: ShopeeEmulator, clock: ManualClock) -> Iterator[Seller]:
    seller = Seller(emu, clock, SG_SHOP)
    yield seller
    seller.http.close()


def place(emu: ShopeeEmulator, shop: int = SG_SHOP) -> tuple[str, list[dict[str, int]]]:
    order_sn = emu.place_cart(shop, [("MUG-RED", 2), ("LAMP", 1)], own_carrier=True)
    assert order_sn is not None
    items = [{"item_id": i["item_id"], "model_id": i["model_id"]} for i in emu.orders(shop)[order_sn]["item_list"]]
    return order_sn, items


def error_of(response: httpx.Response) -> tuple[str, str]:
    body = response.json()
    assert body["request_id"] and "response" not in body
    return body["error"], body["message"]


def test_out_of_stock_cancels_the_order_as_the_seller_and_pushes_it(emu: ShopeeEmulator, clock: ManualClock,
                                                                    sg: Seller) -> None:
    order_sn, items = place(emu)
    receiver = Receiver()
    emu.subscribe_pushes("https://crossdock.example/hooks/shopee", receiver)
    clock.advance(minutes=10)
    answer = sg.cancel({"order_sn": order_sn, "cancel_reason": "OUT_OF_STOCK", "item_list": items[:1]})
    assert answer.status_code == 200, answer.text
    now = sg.ts()
    assert answer.json()["error"] == "" and answer.json()["response"] == {"update_time": now}
    [order] = sg.get("/api/v2/order/get_order_detail", order_sn_list=order_sn,
                     response_optional_fields="cancel_by,cancel_reason,package_list")["response"]["order_list"]
    assert order["order_status"] == "CANCELLED" and order["update_time"] == now
    assert order["cancel_by"] == "seller" and order["cancel_reason"] == "Out of Stock"
    assert order["package_list"][0]["logistics_status"] == "LOGISTICS_INVALID"
    listed = sg.get("/api/v2/order/get_order_list", time_range_field="update_time", time_from=now - 60,
                    time_to=now, page_size=100, response_optional_fields="order_status")["response"]["order_list"]
    assert {"order_sn": order_sn, "order_status": "CANCELLED"} in listed
    [push] = receiver.got
    assert push["code"] == 3 and push["shop_id"] == SG_SHOP
    assert push["data"]["ordersn"] == order_sn and push["data"]["status"] == "CANCELLED"
    assert push["data"]["update_time"] == now


def test_an_arranged_order_not_yet_picked_up_can_be_cancelled(emu: ShopeeEmulator, sg: Seller) -> None:
    order_sn, _ = place(emu)
    emu.set_order_status(SG_SHOP, order_sn, "PROCESSED")
    answer = sg.cancel({"order_sn": order_sn, "cancel_reason": "CUSTOMER_REQUEST"})
    assert answer.json()["error"] == "", answer.text
    order = emu.orders(SG_SHOP)[order_sn]
    assert order["order_status"] == "CANCELLED" and order["cancel_reason"] == "Customer Request"


@pytest.mark.parametrize(("status", "message"), [
    ("SHIPPED", "Order has already been shipped."),
    ("COMPLETED", "Order has already been shipped."),
    ("CANCELLED", "Order has already been cancelled."),
])
def test_an_order_past_shipping_or_cancelled_is_refused(emu: ShopeeEmulator, sg: Seller, status: str,
                                                        message: str) -> None:
    order_sn, _ = place(emu)
    emu.set_order_status(SG_SHOP, order_sn, status)
    before = emu.orders(SG_SHOP)[order_sn]
    answer = sg.cancel({"order_sn": order_sn, "cancel_reason": "COD_NOT_SUPPORTED"})
    assert error_of(answer) == ("order.order_status_error", message)
    assert emu.orders(SG_SHOP)[order_sn] == before


PLACED = "<the order just placed>"


@pytest.mark.parametrize(("body", "detail"), [
    ({}, "order_sn is required"),
    ({"cancel_reason": "OUT_OF_STOCK"}, "order_sn is required"),
    ({"order_sn": PLACED}, "cancel_reason is required"),
    ({"order_sn": PLACED, "cancel_reason": "PRICE_ERROR"}, "cancel_reason should be one of"),
    ({"order_sn": PLACED, "cancel_reason": "OUT_OF_STOCK", "item_list": []}, "item_list is required"),
    ({"order_sn": PLACED, "cancel_reason": "OUT_OF_STOCK"}, "item_list is required"),
    ({"order_sn": PLACED, "cancel_reason": "OUT_OF_STOCK", "item_list": [{"item_id": 1, "model_id": 0}]},
     "is not in order"),
    ({"order_sn": PLACED, "cancel_reason": "OUT_OF_STOCK", "item_list": [{"item_id": "1"}]}, "should be integers"),
    ({"order_sn": PLACED, "cancel_reason": "UNDELIVERABLE_AREA"}, "only apply for TW and MY"),
])
def test_wrong_parameters_are_refused_and_change_nothing(emu: ShopeeEmulator, sg: Seller, body: dict[str, Any],
                                                         detail: str) -> None:
    order_sn, _ = place(emu)
    body = {key: order_sn if value == PLACED else value for key, value in body.items()}
    error, message = error_of(sg.cancel(body))
    assert error == "error_param" and message.startswith("Wrong parameters, detail: ") and detail in message
    assert emu.orders(SG_SHOP)[order_sn]["order_status"] == "READY_TO_SHIP"


def test_an_undeliverable_area_is_taken_in_malaysia(emu: ShopeeEmulator, clock: ManualClock) -> None:
    order_sn, _ = place(emu, MY_SHOP)
    seller = Seller(emu, clock, MY_SHOP)
    answer = seller.cancel({"order_sn": order_sn, "cancel_reason": "UNDELIVERABLE_AREA"})
    assert answer.json()["error"] == "", answer.text
    assert emu.orders(MY_SHOP)[order_sn]["cancel_reason"] == "Undeliverable Area"


def test_an_order_of_another_shop_is_not_found(emu: ShopeeEmulator, sg: Seller) -> None:
    theirs, _ = place(emu, MY_SHOP)
    answer = sg.cancel({"order_sn": theirs, "cancel_reason": "CUSTOMER_REQUEST"})
    assert error_of(answer) == ("error_not_found", "Wrong parameters, detail: the order is not found.")
    assert answer.status_code == 404
    assert emu.orders(MY_SHOP)[theirs]["order_status"] == "READY_TO_SHIP"


def test_a_generated_orders_fate_stops_once_the_seller_cancels(emu: ShopeeEmulator, clock: ManualClock,
                                                                sg: Seller) -> None:
    # Orders created just now still have their whole fate ahead; the seed makes some of them ready to ship.
    emu.generate_orders(SG_SHOP, 20, START - timedelta(minutes=1), START)
    shop = emu.world.shop(SG_SHOP)
    order_sn = next(order.order_sn for order in emu.world.iter_generated(shop)
                    if order.status in ("UNPAID", "READY_TO_SHIP") and order.pending)
    assert sg.cancel({"order_sn": order_sn, "cancel_reason": "CUSTOMER_REQUEST"}).json()["error"] == ""
    clock.advance(timedelta(days=30))
    emu.tick()
    assert emu.orders(SG_SHOP)[order_sn]["order_status"] == "CANCELLED"
