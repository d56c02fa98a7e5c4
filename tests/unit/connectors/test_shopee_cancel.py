"""Shopee seller cancellation: the connector against the emulator (what Shopee then shows, its refusals, a lost
answer, the reasons Shopee does not take) and the item_list it builds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthFailed, Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.shopee.cancel import ShopeeCanceller, _failed_items
from crossdock.connectors.shopee.client import ShopeeClient
from crossdock.connectors.shopee.fulfilment import ShopeeShipments
from crossdock.emulators.shopee import ShopeeEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, CancelReason, CancelRequest, ShipmentNotice, ShippedLine, TokenSet
from tests.unit.connector_setup import MUGS, MemoryTokens

NOW = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
SG_SHOP, MY_SHOP = 880101, 880102
CANCEL = "/api/v2/order/cancel_order"


class LosesAnswers(httpx.BaseTransport):
    """Hands every request to the emulator, then loses the answer of the next `n` calls to `path`, as a dropped
    connection would after the platform had acted."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.path, self.n = inner, "", 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.n and request.url.path == self.path:
            self.n -= 1
            response.read()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(NOW)
        self.emu = ShopeeEmulator(partner_id=2001887, partner_key="k" * 32, clock=self.clock, seed=3)
        self.transport = LosesAnswers(self.emu.transport())
        self.clients = {shop: self._client(shop, region) for shop, region in ((SG_SHOP, "SG"), (MY_SHOP, "MY"))}

    def _client(self, shop: int, region: str) -> ShopeeClient:
        self.emu.add_shop(shop, region)
        self.emu.set_catalogue(shop, MUGS)
        api = HttpApi("https://partner.shopeemobile.test", stats=CallStats(), sleep=self.sleep,
                      transport=self.transport)
        key = SecretStr(self.emu.partner_key)
        tokens = ShopeeClient(api, partner_id=2001887, partner_key=key, clock=self.clock).get_access_token(
            self.emu.authorize(shop), shop)
        return ShopeeClient(api, partner_id=2001887, partner_key=key, clock=self.clock, shop_id=shop,
                            tokens=MemoryTokens(tokens))

    def canceller(self, shop: int = SG_SHOP) -> ShopeeCanceller:
        return ShopeeCanceller(self.clients[shop])

    def order(self, shop: int = SG_SHOP) -> str:
        order_sn = self.emu.place_cart(shop, [("MUG-0", 2), ("MUG-1", 1)], own_carrier=True)
        assert order_sn is not None
        return order_sn

    def request(self, order_sn: str, reason: CancelReason = CancelReason.OUT_OF_STOCK,
                shop: int = SG_SHOP) -> CancelRequest:
        truth = self.truth(order_sn, shop)
        lines = tuple(ShippedLine(f"{item['order_item_id']}-{item['model_id']}-{i}", item["model_quantity_purchased"])
                      for i, item in enumerate(truth["item_list"]))
        return CancelRequest(order_sn, reason, lines, note="sold out")

    def truth(self, order_sn: str, shop: int = SG_SHOP) -> dict[str, Any]:
        return self.emu.orders(shop)[order_sn]

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)

    def calls(self, path: str) -> int:
        return sum(1 for call in self.emu.calls if call.path == path)


@pytest.fixture
def world() -> World:
    return World()


def test_out_of_stock_cancels_the_order_as_the_seller_and_bumps_its_update_time(world: World) -> None:
    order_sn = world.order()
    world.clock.advance(minutes=5)
    [outcome] = world.canceller().cancel_orders([world.request(order_sn)])
    assert outcome.ok and not outcome.retry and outcome.platform_order_id == order_sn
    truth = world.truth(order_sn)
    assert truth["order_status"] == "CANCELLED" and truth["cancel_by"] == "seller"
    assert truth["cancel_reason"] == "Out of Stock"
    assert truth["update_time"] == int(world.clock.now().timestamp())


def test_a_buyers_request_is_shopees_customer_request(world: World) -> None:
    order_sn = world.order()
    [outcome] = world.canceller().cancel_orders([world.request(order_sn, CancelReason.BUYER_REQUEST)])
    assert outcome.ok, outcome
    assert world.truth(order_sn)["cancel_reason"] == "Customer Request"


@pytest.mark.parametrize("reason", [CancelReason.PRICING_ERROR, CancelReason.OTHER])
def test_a_reason_shopee_has_no_word_for_names_what_it_takes_without_calling(world: World,
                                                                               reason: CancelReason) -> None:
    order_sn = world.order()
    [outcome] = world.canceller().cancel_orders([world.request(order_sn, reason)])
    assert not outcome.ok and not outcome.retry
    assert "OUT_OF_STOCK" in outcome.error and "CUSTOMER_REQUEST" in outcome.error and reason.value in outcome.error
    assert world.calls(CANCEL) == 0
    assert world.truth(order_sn)["order_status"] == "READY_TO_SHIP"


def test_an_undeliverable_address_is_taken_in_malaysia_and_refused_in_singapore(world: World) -> None:
    refused, taken = world.order(SG_SHOP), world.order(MY_SHOP)
    [no] = world.canceller(SG_SHOP).cancel_orders([world.request(refused, CancelReason.UNDELIVERABLE_ADDRESS)])
    [yes] = world.canceller(MY_SHOP).cancel_orders(
        [world.request(taken, CancelReason.UNDELIVERABLE_ADDRESS, MY_SHOP)])
    assert not no.ok and not no.retry and "error_param" in no.error and "TW and MY" in no.error
    assert world.truth(refused)["order_status"] == "READY_TO_SHIP"
    assert yes.ok, yes
    assert world.truth(taken, MY_SHOP)["cancel_reason"] == "Undeliverable Area"


def test_a_shipped_order_is_refused_in_shopees_words(world: World) -> None:
    order_sn = world.order()
    ShopeeShipments(world.clients[SG_SHOP]).confirm_shipment(ShipmentNotice(
        order_sn, "dhl", "DHL", "JD014600006281993841", world.clock.now()))
    [outcome] = world.canceller().cancel_orders([world.request(order_sn)])
    assert not outcome.ok and not outcome.retry
    assert "order.order_status_error" in outcome.error and "already been shipped" in outcome.error
    assert world.truth(order_sn)["order_status"] == "SHIPPED"


def test_an_order_cancelled_already_is_a_success_without_another_cancel(world: World) -> None:
    order_sn = world.order()
    world.emu.set_order_status(SG_SHOP, order_sn, "CANCELLED")
    [outcome] = world.canceller().cancel_orders([world.request(order_sn)])
    assert outcome.ok, outcome
    assert world.calls(CANCEL) == 0


def test_a_lost_answer_retried_and_refused_is_still_a_success(world: World) -> None:
    order_sn = world.order()
    world.transport.path, world.transport.n = CANCEL, 1
    [outcome] = world.canceller().cancel_orders([world.request(order_sn)])
    assert outcome.ok, outcome
    assert world.calls(CANCEL) == 2           # the first went through; its retry was refused
    assert world.truth(order_sn)["order_status"] == "CANCELLED"


def test_an_unknown_order_is_refused_and_the_rest_of_the_batch_goes_on(world: World) -> None:
    order_sn = world.order()
    good = world.request(order_sn)
    unknown = CancelRequest("261101ZZZZ9999", CancelReason.OUT_OF_STOCK, good.lines)
    first, second = world.canceller().cancel_orders([unknown, good])
    assert not first.ok and not first.retry and "no order 261101ZZZZ9999" in first.error
    assert second.ok, second


def test_lasting_server_errors_come_back_worth_retrying(world: World) -> None:
    order_sn = world.order()
    world.emu.fail_next(50, 503)
    [outcome] = world.canceller().cancel_orders([world.request(order_sn)])
    world.emu.fail_next(0, 503)
    assert not outcome.ok and outcome.retry
    assert world.truth(order_sn)["order_status"] == "READY_TO_SHIP"


def test_a_store_whose_authorization_is_gone_stops_the_batch(world: World) -> None:
    order_sn = world.order()
    dead = TokenSet(SecretStr("dead"), SecretStr("dead"), NOW + timedelta(hours=4))
    api = HttpApi("https://partner.shopeemobile.test", stats=CallStats(), sleep=world.sleep,
                  transport=world.emu.transport())
    client = ShopeeClient(api, partner_id=2001887, partner_key=SecretStr(world.emu.partner_key), clock=world.clock,
                          shop_id=SG_SHOP, tokens=MemoryTokens(dead))
    with pytest.raises(AuthFailed):
        ShopeeCanceller(client).cancel_orders([world.request(order_sn)])


# ---- the item_list ----------------------------------------------------------------------------------


def _entry(item_id: int, model_id: int, order_item_id: int | None = None) -> dict[str, Any]:
    return {"item_id": item_id, "model_id": model_id, "order_item_id": order_item_id or item_id}


def test_item_list_names_each_item_and_model_once() -> None:
    order = {"order_sn": "X", "item_list": [_entry(1, 10), _entry(1, 11), _entry(1, 10), _entry(2, 0)]}
    items = _failed_items(order, ())
    assert items == [{"item_id": 1, "model_id": 10}, {"item_id": 1, "model_id": 11}, {"item_id": 2, "model_id": 0}]


def test_item_list_follows_the_lines_named_and_refuses_a_line_the_order_lacks() -> None:
    order = {"order_sn": "X", "item_list": [_entry(1, 10, 77), _entry(2, 0)]}
    assert _failed_items(order, (ShippedLine("2-0-1", 1),)) == [{"item_id": 2, "model_id": 0}]
    assert _failed_items(order, (ShippedLine("77-10-0", 1),)) == [{"item_id": 1, "model_id": 10}]
    with pytest.raises(Fatal, match="no line 3-0-2"):
        _failed_items(order, (ShippedLine("3-0-2", 1),))
