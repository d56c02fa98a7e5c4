"""The seller cancels TikTok Shop orders through Cancel Order (Return and Refund API 202309), against the emulator:
the reason named as the shop's market and the order's status want it, refusals in TikTok's words, retries that
never turn a done cancellation into a failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.tiktok.adapter import TikTokOrders
from crossdock.connectors.tiktok.cancel import TikTokCanceller, cancel_reason, reasons_for
from crossdock.connectors.tiktok.client import TikTokClient
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.domain.orders.status import OrderStatus
from crossdock.emulators.tiktok import TikTokEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, CancelReason, CancelRequest, OrderRef, ShippedLine
from tests.unit.connector_setup import LAMP_AND_CASE, MemoryTokens, clock_sleep

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SHOP = "7001"
CANCEL_PATH = "/return_refund/202309/cancellations"


class Tampered(httpx.BaseTransport):
    """The emulator's transport, with Cancel Order's answers passed through `tamper` (which may raise)."""

    def __init__(self, inner: httpx.BaseTransport, tamper: Callable[[httpx.Request, httpx.Response], httpx.Response]):
        self.inner, self.tamper = inner, tamper

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != CANCEL_PATH:
            return response
        response.read()
        return self.tamper(request, response)


@dataclass
class Env:
    emu: TikTokEmulator
    clock: ManualClock
    client: TikTokClient

    def order(self) -> OrderSnapshot:
        order_id = self.emu.place_order_lines(SHOP, [("LAMP", 2), ("CASE", 1)])
        assert order_id is not None
        [snapshot] = TikTokOrders(self.client, SHOP).fetch_orders([OrderRef(order_id)])
        assert isinstance(snapshot, OrderSnapshot)
        return snapshot

    def truth(self, order_id: str) -> dict[str, Any]:
        return self.emu.orders(SHOP)[order_id]

    def cancel_calls(self) -> list[Any]:
        return [c for c in self.emu.calls if c.path == CANCEL_PATH]

    def canceller(self) -> TikTokCanceller:
        return TikTokCanceller(self.client, SHOP)


def env(region: str = "US",
        tamper: Callable[[httpx.Request, httpx.Response], httpx.Response] | None = None) -> Env:
    clock = ManualClock(NOW)
    emu = TikTokEmulator("app-key", "app-secret", clock=clock, seed=11)
    emu.set_rate_limit(1000, 1000)
    emu.add_store(SHOP, region, account="seller")
    transport = emu.transport() if tamper is None else Tampered(emu.transport(), tamper)
    tokens = MemoryTokens()
    api = HttpApi("https://open-api.tiktokglobalshop.test", stats=CallStats(), transport=transport,
                  sleep=clock_sleep(clock))
    client = TikTokClient(api, app_key="app-key", app_secret=SecretStr("app-secret"),
                          auth_base_url="https://auth.tiktok-shops.test", clock=clock, tokens=tokens)
    tokens.current = client.get_access_token(emu.authorize("seller"))
    emu.set_shipping_type(SHOP, "SELLER")
    emu.set_catalogue(SHOP, LAMP_AND_CASE)
    return Env(emu, clock, client)


def request(order: OrderSnapshot, reason: CancelReason = CancelReason.OUT_OF_STOCK,
            lines: tuple[ShippedLine, ...] | None = None) -> CancelRequest:
    chosen = lines if lines is not None else tuple(ShippedLine(li.platform_line_id, li.quantity) for li in order.lines)
    return CancelRequest(order.platform_order_id, reason, chosen, note="sold out")


# ---- the reasons ---------------------------------------------------------------------------------------------

def test_each_market_names_its_reasons_by_the_orders_status() -> None:
    assert cancel_reason("US", "AWAITING_SHIPMENT", CancelReason.BUYER_REQUEST) == \
        "seller_cancel_paid_reason_buyer_requested_cancellation"
    assert cancel_reason("US", "ON_HOLD", CancelReason.PRICING_ERROR) == "seller_cancel_reason_wrong_price"
    assert cancel_reason("US", "UNPAID", CancelReason.OUT_OF_STOCK) == "seller_cancel_unpaid_reason_out_of_stock"
    assert cancel_reason("GB", "AWAITING_SHIPMENT", CancelReason.OUT_OF_STOCK) == "seller_cancel_reason_out_of_stock_uk"
    assert cancel_reason("SG", "AWAITING_SHIPMENT", CancelReason.UNDELIVERABLE_ADDRESS) == \
        "seller_cancel_unable_to_deliver_to_buyer_address"
    assert cancel_reason("MY", "AWAITING_SHIPMENT", CancelReason.UNDELIVERABLE_ADDRESS) == \
        "seller_cancel_paid_reason_address_not_deliver"


@pytest.mark.parametrize(("market", "status", "reason"), [
    ("US", "AWAITING_SHIPMENT", CancelReason.OTHER),              # no seller reason is "other" anywhere
    ("US", "UNPAID", CancelReason.UNDELIVERABLE_ADDRESS),         # no address to fail before payment
    ("ID", "AWAITING_SHIPMENT", CancelReason.BUYER_REQUEST),      # not offered in Indonesia
    ("GB", "AWAITING_SHIPMENT", CancelReason.BUYER_REQUEST),
    ("MX", "AWAITING_SHIPMENT", CancelReason.PRICING_ERROR),      # "not supported as cancel reasons ... in Mexico"
])
def test_a_reason_the_market_does_not_offer_is_refused_with_its_list(market: str, status: str,
                                                                     reason: CancelReason) -> None:
    with pytest.raises(Fatal) as refused:
        cancel_reason(market, status, reason)
    offered = reasons_for(market, status)
    assert all(name in str(refused.value) for name, _ in offered.values())


def test_an_unknown_market_is_offered_every_reason() -> None:
    assert len(reasons_for("ZZ", "AWAITING_SHIPMENT")) == 4
    assert reasons_for("uk", "UNPAID") == reasons_for("GB", "UNPAID")


# ---- against the emulator ------------------------------------------------------------------------------------

def test_a_whole_order_is_cancelled_with_the_markets_reason() -> None:
    e = env()
    order = e.order()
    [outcome] = e.canceller().cancel_orders([request(order, CancelReason.BUYER_REQUEST)])
    assert outcome.ok and outcome.platform_order_id == order.platform_order_id
    truth = e.truth(order.platform_order_id)
    assert truth["status"] == "CANCELLED" and truth["cancellation_initiator"] == "SELLER"
    assert truth["cancel_reason"] == "Buyer requested cancellation"
    [case] = e.emu.world.shop(SHOP).cancellations.values()
    assert case.reason == "seller_cancel_paid_reason_buyer_requested_cancellation"
    assert len(case.unit_ids) == 3          # the whole order: no line items named


def test_the_shops_market_picks_the_names() -> None:
    e = env("GB")
    order = e.order()
    assert e.canceller().cancel_orders([request(order)])[0].ok
    [case] = e.emu.world.shop(SHOP).cancellations.values()
    assert case.reason == "seller_cancel_reason_out_of_stock_uk"


def test_an_unpaid_order_takes_the_unpaid_names() -> None:
    e = env()
    order = e.order()
    e.emu.set_order_status(SHOP, order.platform_order_id, "UNPAID")
    assert e.canceller().cancel_orders([request(order)])[0].ok
    [case] = e.emu.world.shop(SHOP).cancellations.values()
    assert case.reason == "seller_cancel_unpaid_reason_out_of_stock"


def test_a_reason_refused_here_costs_no_cancel_call() -> None:
    e = env()
    order = e.order()
    [outcome] = e.canceller().cancel_orders([request(order, CancelReason.OTHER)])
    assert not outcome.ok and not outcome.retry and "seller_cancel_reason_out_of_stock" in outcome.error
    assert e.cancel_calls() == [] and e.truth(order.platform_order_id)["status"] == "AWAITING_SHIPMENT"


def test_an_order_cancelled_already_is_a_success_without_a_call() -> None:
    e = env()
    order = e.order()
    e.emu.set_order_status(SHOP, order.platform_order_id, "CANCELLED")
    [outcome] = e.canceller().cancel_orders([request(order)])
    assert outcome.ok and e.cancel_calls() == []


def test_a_lost_answer_then_completed_or_cancelled_is_a_success() -> None:
    """The first Cancel Order goes through but its answer never arrives; the retry hears 25001051."""
    lost: list[bool] = []

    def lose_first(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if not lost:
            lost.append(True)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response

    e = env(tamper=lose_first)
    order = e.order()
    [outcome] = e.canceller().cancel_orders([request(order)])
    assert outcome.ok, outcome
    assert [c.code for c in e.cancel_calls()] == [0, 25001051]
    assert e.truth(order.platform_order_id)["status"] == "CANCELLED"


def test_a_shipped_order_is_refused_in_tiktoks_words() -> None:
    e = env()
    order = e.order()
    e.emu.set_order_status(SHOP, order.platform_order_id, "IN_TRANSIT")
    [outcome] = e.canceller().cancel_orders([request(order)])
    assert not outcome.ok and not outcome.retry
    assert outcome.error.startswith("25001045: The order has been shipped")


def test_part_of_an_order_names_its_line_items() -> None:
    e = env()
    order = e.order()
    lamp = next(li for li in order.lines if li.quantity == 2)
    [outcome] = e.canceller().cancel_orders([request(order, lines=(ShippedLine(lamp.platform_line_id, 1),))])
    # TikTok takes partial cancellations only in some markets; the emulator does not model them.
    assert not outcome.ok and outcome.error.startswith("25005010")
    assert e.truth(order.platform_order_id)["status"] == "AWAITING_SHIPMENT"


def test_a_line_the_order_does_not_have_is_refused_before_any_call() -> None:
    e = env()
    order = e.order()
    [outcome] = e.canceller().cancel_orders([request(order, lines=(ShippedLine("no-such-line", 1),))])
    assert not outcome.ok and "no line no-such-line" in outcome.error and e.cancel_calls() == []


def test_a_pending_cancellation_is_worth_asking_again() -> None:
    def pending(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = json.loads(response.content)
        body["data"]["cancel_status"] = "CANCELLATION_REQUEST_PENDING"
        return httpx.Response(200, json=body)

    e = env(tamper=pending)
    order = e.order()
    [outcome] = e.canceller().cancel_orders([request(order)])
    assert not outcome.ok and outcome.retry and "CANCELLATION_REQUEST_PENDING" in outcome.error


def test_the_next_pull_sees_the_order_cancelled() -> None:
    e = env()
    order = e.order()
    e.clock.advance(minutes=5)
    assert e.canceller().cancel_orders([request(order)])[0].ok
    pulled = [ref.platform_order_id for page in TikTokOrders(e.client, SHOP).list_order_refs(
        e.clock.now(), e.clock.now()) for ref in page]
    assert pulled == [order.platform_order_id]
    [again] = TikTokOrders(e.client, SHOP).fetch_orders([OrderRef(order.platform_order_id)])
    assert isinstance(again, OrderSnapshot) and again.status == OrderStatus.CANCELLED


def test_one_unknown_order_does_not_sink_the_batch() -> None:
    e = env()
    first, second = e.order(), e.order()
    bogus = CancelRequest("576999999999999999", CancelReason.OUT_OF_STOCK, request(first).lines)
    outcomes = e.canceller().cancel_orders([request(first), bogus, request(second)])
    assert [o.ok for o in outcomes] == [True, False, True]
    assert "does not return order 576999999999999999" in outcomes[1].error
