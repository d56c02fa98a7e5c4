"""Lazada seller cancellation: the reason chosen by meaning from what OrderCancelValidate offers, and the connector
against the emulator (what Lazada then shows, its refusals, a lost answer, part of an order)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.lazada.cancel import LazadaCanceller, reason_id
from crossdock.connectors.lazada.client import LazadaClient
from crossdock.emulators.lazada import LazadaEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, CancelReason, CancelRequest, ShippedLine
from tests.unit.connector_setup import MUGS, MemoryTokens

NOW = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
SELLER = "500123"
SECRET = "lzd-unit-0123456789abcdef"
VALIDATE = "/order/reverse/cancel/validate"
CREATE = "/order/reverse/cancel/create"
# The Order cancellation guide's sample list.
GUIDE_OPTIONS = [{"reason_name": "Sourcing Delay", "reason_id": "10000019"},
                 {"reason_name": "Out of Stock", "reason_id": "10000021"},
                 {"reason_name": "Wrong Price or Pricing Error", "reason_id": "10000023"}]


# ---- the reason ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("reason", "expected"), [
    (CancelReason.OUT_OF_STOCK, "10000021"),
    (CancelReason.PRICING_ERROR, "10000023"),
])
def test_our_reason_picks_the_offered_reason_that_means_it(reason: CancelReason, expected: str) -> None:
    assert reason_id(reason, GUIDE_OPTIONS) == expected


def test_another_countrys_wording_and_ids_are_matched_by_meaning() -> None:
    options = [{"reason_name": "Unable to deliver to buyer's address", "reason_id": "8"},
               {"reason_name": "Customer requested cancellation", "reason_id": "7"},
               {"reason_name": "item out of stock", "reason_id": "9"}]
    assert reason_id(CancelReason.BUYER_REQUEST, options) == "7"
    assert reason_id(CancelReason.UNDELIVERABLE_ADDRESS, options) == "8"
    assert reason_id(CancelReason.OUT_OF_STOCK, options) == "9"


@pytest.mark.parametrize("reason", [CancelReason.BUYER_REQUEST, CancelReason.UNDELIVERABLE_ADDRESS,
                                    CancelReason.OTHER])
def test_a_reason_lazada_does_not_offer_is_refused_naming_what_it_offers(reason: CancelReason) -> None:
    with pytest.raises(Fatal) as caught:
        reason_id(reason, GUIDE_OPTIONS)
    assert reason.value in str(caught.value)
    assert "Sourcing Delay, Out of Stock, Wrong Price or Pricing Error" in str(caught.value)


# ---- against the emulator -----------------------------------------------------------------------


class LosesAnswers(httpx.BaseTransport):
    """Hands every request to the emulator, then loses the answer of the next `n` calls to `path`."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.path, self.n = inner, "", 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.n and request.url.path.endswith(self.path):
            self.n -= 1
            response.read()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(NOW)
        self.emu = LazadaEmulator("112233", SECRET, clock=self.clock, seed=5)
        self.emu.add_store(SELLER, "SG")
        self.emu.enable_dbs(SELLER)
        self.emu.set_catalogue(SELLER, MUGS)
        self.transport = LosesAnswers(self.emu.transport())

        def api(url: str) -> HttpApi:
            return HttpApi(url, stats=CallStats(), sleep=self.sleep, transport=self.transport)

        auth = LazadaClient(api("https://auth.lazada.com/rest"), app_key="112233", app_secret=SecretStr(SECRET),
                            clock=self.clock)
        tokens = auth.token_set(auth.create_access_token(self.emu.authorize(SELLER)))
        self.client = LazadaClient(api("https://auth.lazada.com/rest"), app_key="112233",
                                   app_secret=SecretStr(SECRET), clock=self.clock,
                                   api=api("https://api.lazada.sg/rest"), tokens=MemoryTokens(tokens))
        self.canceller = LazadaCanceller(self.client)

    def order(self) -> str:
        order_id = self.emu.place_cart(SELLER, [("MUG-0", 2), ("MUG-1", 1)])
        assert order_id is not None
        return order_id

    def items(self, order_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.emu.orders(SELLER)[order_id]["order_items"]
        return items

    def request(self, order_id: str, reason: CancelReason = CancelReason.OUT_OF_STOCK,
                only: int | None = None) -> CancelRequest:
        items = self.items(order_id) if only is None else self.items(order_id)[:only]
        return CancelRequest(order_id, reason, tuple(ShippedLine(i["order_item_id"], 1) for i in items))

    def stock(self, sku: str) -> int:
        return next(int(row["quantity"]) for row in self.emu.listings(SELLER) if row["seller_sku"] == sku)

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)

    def calls(self, path: str) -> int:
        return sum(1 for call in self.emu.calls if call.path == path)


@pytest.fixture
def world() -> World:
    return World()


def test_out_of_stock_cancels_every_item_as_the_seller(world: World) -> None:
    order_id = world.order()
    [outcome] = world.canceller.cancel_orders([world.request(order_id)])
    assert outcome.ok and outcome.platform_order_id == order_id
    items = world.items(order_id)
    assert {i["status"] for i in items} == {"canceled"}
    assert {i["reason"] for i in items} == {"Out of Stock"}
    assert {i["cancel_return_initiator"] for i in items} == {"cancellation-seller"}
    # "the stock of the corresponding item will be adjusted to 0"
    assert world.stock("MUG-0") == 0 and world.stock("MUG-1") == 0


def test_a_pricing_error_takes_lazadas_wrong_price_reason(world: World) -> None:
    order_id = world.order()
    [outcome] = world.canceller.cancel_orders([world.request(order_id, CancelReason.PRICING_ERROR)])
    assert outcome.ok, outcome
    assert {i["reason"] for i in world.items(order_id)} == {"Wrong Price or Pricing Error"}


@pytest.mark.parametrize("reason", [CancelReason.BUYER_REQUEST, CancelReason.UNDELIVERABLE_ADDRESS,
                                    CancelReason.OTHER])
def test_a_reason_not_offered_is_refused_before_anything_is_cancelled(world: World, reason: CancelReason) -> None:
    order_id = world.order()
    [outcome] = world.canceller.cancel_orders([world.request(order_id, reason)])
    assert not outcome.ok and not outcome.retry and "Out of Stock" in outcome.error
    assert world.calls(VALIDATE) == 1 and world.calls(CREATE) == 0
    assert {i["status"] for i in world.items(order_id)} == {"pending"}


def test_a_shipped_order_is_refused_with_lazadas_tip(world: World) -> None:
    order_id = world.order()
    world.emu.set_order_status(SELLER, order_id, "shipped")
    [outcome] = world.canceller.cancel_orders([world.request(order_id)])
    assert not outcome.ok and not outcome.retry
    assert "Pending ~ Ready To Ship" in outcome.error
    assert world.calls(CREATE) == 0
    assert {i["status"] for i in world.items(order_id)} == {"shipped"}


def test_cancelling_some_lines_leaves_the_others_to_ship(world: World) -> None:
    order_id = world.order()
    [outcome] = world.canceller.cancel_orders([world.request(order_id, only=1)])
    assert outcome.ok, outcome
    assert [i["status"] for i in world.items(order_id)] == ["canceled", "pending", "pending"]


def test_an_order_cancelled_already_is_a_success_without_another_call(world: World) -> None:
    order_id = world.order()
    world.emu.set_order_status(SELLER, order_id, "canceled")
    [outcome] = world.canceller.cancel_orders([world.request(order_id)])
    assert outcome.ok, outcome
    assert world.calls(VALIDATE) == 0 and world.calls(CREATE) == 0


def test_a_lost_answer_retried_and_refused_is_still_a_success(world: World) -> None:
    order_id = world.order()
    world.transport.path, world.transport.n = CREATE, 1
    [outcome] = world.canceller.cancel_orders([world.request(order_id)])
    assert outcome.ok, outcome
    assert world.calls(CREATE) == 2
    assert {i["status"] for i in world.items(order_id)} == {"canceled"}


def test_unknown_orders_and_lines_are_refused_and_the_batch_goes_on(world: World) -> None:
    order_id = world.order()
    good = world.request(order_id)
    unknown = CancelRequest("999000111222444", CancelReason.OUT_OF_STOCK, good.lines)
    foreign = CancelRequest(order_id, CancelReason.OUT_OF_STOCK, (ShippedLine("123", 1),))
    not_an_id = CancelRequest("SO-1", CancelReason.OUT_OF_STOCK, ())
    first, second, third, fourth = world.canceller.cancel_orders([unknown, foreign, not_an_id, good])
    assert not first.ok and "E039" in first.error
    assert not second.ok and "no order item 123" in second.error
    assert not third.ok and "not a Lazada order id" in third.error
    assert fourth.ok, fourth


def test_lasting_server_errors_come_back_worth_retrying(world: World) -> None:
    order_id = world.order()
    world.emu.fail_next(50, 503)
    [outcome] = world.canceller.cancel_orders([world.request(order_id)])
    world.emu.fail_next(0, 503)
    assert not outcome.ok and outcome.retry
    assert {i["status"] for i in world.items(order_id)} == {"pending"}
