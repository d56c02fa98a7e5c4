"""The merchant cancels Joom orders through /api/v3/orders/cancel, against the emulator: Joom's two reasons with ours
in the note, refusals in Joom's words, an order cancelled already (our own lost answer) counted as done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.joom.cancel import JoomCanceller, cancel_payload
from crossdock.connectors.joom.client import JoomClient
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.joom import JoomEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, CancelReason, CancelRequest, ShippedLine
from tests.unit.connector_setup import MemoryTokens, clock_sleep

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STORE, ACCOUNT = "5e7a1c2b9d3f4a0012b4c6d8", "merchant"
CATALOGUE = (ProductSpec("Desk Lamp", (VariantSpec("LAMP-1", "", Decimal("24.90"), 500),)),)
CANCEL_PATH = "/api/v3/orders/cancel"


class LosesAnswers(httpx.BaseTransport):
    """The emulator's transport, losing the answer of the first `n` cancel calls after they went through."""

    def __init__(self, inner: httpx.BaseTransport, n: int) -> None:
        self.inner, self.left = inner, n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path == CANCEL_PATH and self.left:
            self.left -= 1
            response.read()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


@dataclass
class Env:
    emu: JoomEmulator
    clock: ManualClock
    client: JoomClient

    def order(self) -> str:
        order_id = self.emu.place_order(STORE, "LAMP-1", 2)
        assert order_id is not None
        return order_id

    def truth(self, order_id: str) -> dict[str, Any]:
        return self.emu.orders(STORE)[order_id]

    def calls(self, path: str) -> list[Any]:
        return [c for c in self.emu.calls if c.path == path]


def env(transport: Callable[[httpx.BaseTransport], httpx.BaseTransport] = lambda t: t) -> Env:
    clock = ManualClock(NOW)
    emu = JoomEmulator("client-id", "client-secret", clock=clock, seed=5)
    emu.add_store(STORE, "EU", account=ACCOUNT)
    emu.set_catalogue(STORE, CATALOGUE)
    tokens = MemoryTokens()
    api = HttpApi("https://api-merchant.joom.test", stats=CallStats(), transport=transport(emu.transport()),
                  sleep=clock_sleep(clock))
    client = JoomClient(api, client_id="client-id", client_secret=SecretStr("client-secret"), clock=clock,
                        tokens=tokens)
    tokens.current = client.get_access_token(emu.authorize(ACCOUNT))
    return Env(emu, clock, client)


def request(order_id: str, reason: CancelReason = CancelReason.OUT_OF_STOCK, note: str = "") -> CancelRequest:
    return CancelRequest(order_id, reason, (ShippedLine(order_id, 2),), note=note)


@pytest.mark.parametrize(("reason", "note", "payload"), [
    (CancelReason.OUT_OF_STOCK, "", {"reason": "outOfStock"}),
    (CancelReason.OUT_OF_STOCK, " none left ", {"reason": "outOfStock", "note": "none left"}),
    (CancelReason.UNDELIVERABLE_ADDRESS, "", {"reason": "unableToFulfill", "note": "Undeliverable address"}),
    (CancelReason.PRICING_ERROR, "listed at 2.49", {"reason": "unableToFulfill",
                                                    "note": "Pricing error: listed at 2.49"}),
    (CancelReason.BUYER_REQUEST, "asked by chat", {"reason": "unableToFulfill",
                                                   "note": "Buyer requested cancellation: asked by chat"}),
    (CancelReason.OTHER, "", {"reason": "unableToFulfill"}),
])
def test_our_reason_becomes_joom_reason_and_note(reason: CancelReason, note: str, payload: dict[str, str]) -> None:
    assert cancel_payload(request("ABCD1234", reason, note)) == payload


def test_an_approved_order_is_cancelled_with_reason_and_note() -> None:
    e = env()
    order_id = e.order()
    e.clock.advance(minutes=3)
    [outcome] = JoomCanceller(e.client).cancel_orders([request(order_id, CancelReason.PRICING_ERROR, "typo")])
    assert outcome.ok and outcome.platform_order_id == order_id
    truth = e.truth(order_id)
    assert truth["status"] == "cancelled"
    assert truth["refund"]["by"] == "merchant" and truth["refund"]["reason"] == "unableToFulfill"
    assert truth["refund"]["note"] == "Pricing error: typo"
    assert truth["updateTimestamp"] == "2026-11-02T09:03:00Z"
    assert len(e.calls(CANCEL_PATH)) == 1 and e.calls("/api/v3/orders") == []


def test_a_lost_answer_is_a_success_on_the_retry() -> None:
    e = env(lambda t: LosesAnswers(t, 1))
    order_id = e.order()
    [outcome] = JoomCanceller(e.client).cancel_orders([request(order_id)])
    assert outcome.ok, outcome
    # The retry is refused in the new state; the order itself says it is cancelled.
    assert [c.error for c in e.calls(CANCEL_PATH)] == ["", "failed_precondition"]
    assert e.truth(order_id)["status"] == "cancelled"


def test_cancelling_again_succeeds() -> None:
    e = env()
    order_id = e.order()
    canceller = JoomCanceller(e.client)
    assert canceller.cancel_orders([request(order_id)])[0].ok
    assert canceller.cancel_orders([request(order_id)])[0].ok


def test_an_order_joom_refunded_itself_counts_as_cancelled() -> None:
    e = env()
    order_id = e.order()
    e.emu.set_order_status(STORE, order_id, "paidByJoomRefund")
    assert JoomCanceller(e.client).cancel_orders([request(order_id)])[0].ok
    assert e.truth(order_id)["status"] == "paidByJoomRefund"


def test_a_shipped_order_is_refused_in_joom_words() -> None:
    e = env()
    order_id = e.order()
    e.emu.set_order_status(STORE, order_id, "shipped")
    [outcome] = JoomCanceller(e.client).cancel_orders([request(order_id)])
    assert not outcome.ok and not outcome.retry
    assert "failed_precondition" in outcome.error and "is shipped" in outcome.error


def test_an_unknown_order_is_refused_without_a_second_look() -> None:
    e = env()
    [outcome] = JoomCanceller(e.client).cancel_orders([request("ZZZZ9999")])
    assert not outcome.ok and "not_found" in outcome.error
    assert e.calls("/api/v3/orders") == []


def test_lasting_outages_are_worth_retrying() -> None:
    e = env()
    order_id = e.order()
    e.emu.fail_next(50, 503)
    [outcome] = JoomCanceller(e.client).cancel_orders([request(order_id)])
    assert not outcome.ok and outcome.retry
    assert e.truth(order_id)["status"] == "approved"
