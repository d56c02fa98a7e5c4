"""The Joom emulator's /api/v3/orders/cancel: an approved order turns cancelled (the merchant's fault, the buyer
refunded), with the reason and note given; refusals in v3's error format."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.joom import JoomEmulator
from crossdock.emulators.joom.world import Order, Step
from crossdock.ports.clock import ManualClock

CLIENT_ID, CLIENT_SECRET = "5f0c1d2e3a4b5c6d7e8f9a0b", "joom-emulator-test-secret"
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
STORE = "5e7a1c2b9d3f4a0012b4c6d8"
CANCEL = "/api/v3/orders/cancel"
CATALOGUE = (ProductSpec("Desk Lamp", (VariantSpec("LAMP-1", "", Decimal("24.90"), 50),)),)


class Merchant:
    def __init__(self, emu: JoomEmulator) -> None:
        self.http = httpx.Client(base_url="https://api-merchant.joom.test", transport=emu.transport())
        answer = self.http.post("/api/v2/oauth/access_token", data={
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": emu.authorize("acme"),
            "grant_type": "authorization_code"})
        self.headers = {"Authorization": f"Bearer {answer.json()['data']['access_token']}"}

    def cancel(self, order_id: str, body: Any = None, **headers: str) -> httpx.Response:
        return self.http.post(CANCEL, params={"id": order_id}, json=body, headers={**self.headers, **headers})

    def get(self, path: str, **params: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get(path, params=params, headers=self.headers).json()
        return answer


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def emu(clock: ManualClock) -> JoomEmulator:
    e = JoomEmulator(CLIENT_ID, CLIENT_SECRET, clock=clock, seed=3)
    e.add_store(STORE, "EU", account="acme")
    e.set_catalogue(STORE, CATALOGUE)
    return e


@pytest.fixture
def merchant(emu: JoomEmulator) -> Merchant:
    return Merchant(emu)


def bought(emu: JoomEmulator) -> str:
    order_id = emu.place_order(STORE, "LAMP-1", 2)
    assert order_id is not None
    return order_id


def test_an_approved_order_is_cancelled_and_refunded(merchant: Merchant, emu: JoomEmulator,
                                                     clock: ManualClock) -> None:
    order_id = bought(emu)
    clock.advance(minutes=7)
    answer = merchant.cancel(order_id, {"reason": "outOfStock", "note": "sold out in every warehouse"})
    assert answer.status_code == 200, answer.text
    order = answer.json()["data"]
    assert order == emu.orders(STORE)[order_id]
    assert order["status"] == "cancelled" and order["updateTimestamp"] == "2026-11-01T12:07:00Z"
    assert order["isFulfillmentAllowed"] is False
    assert order["refund"] == {"by": "merchant", "reason": "outOfStock", "timestamp": "2026-11-01T12:07:00Z",
                               "price": order["priceInfo"]["orderPrice"], "fraction": 100,
                               "note": "sold out in every warehouse"}
    # An incremental pull by update time finds it.
    changed = merchant.get("/api/v3/orders/multi", updatedFrom="2026-11-01T12:07:00Z")["data"]["items"]
    assert [o["id"] for o in changed] == [order_id]


def test_reason_and_note_are_optional(merchant: Merchant, emu: JoomEmulator) -> None:
    order_id = bought(emu)
    answer = merchant.cancel(order_id)
    assert answer.status_code == 200, answer.text
    refund = answer.json()["data"]["refund"]
    assert refund["reason"] == "merchantCancelled" and "note" not in refund


@pytest.mark.parametrize("status", ["fulfilledOnline", "shipped", "cancelled", "paidByJoomRefund",
                                    "returnInitiated"])
def test_only_an_approved_order_can_be_cancelled(merchant: Merchant, emu: JoomEmulator, status: str) -> None:
    order_id = bought(emu)
    emu.set_order_status(STORE, order_id, status)
    answer = merchant.cancel(order_id, {"reason": "outOfStock"})
    assert answer.status_code == 400
    assert answer.json() == {"errors": [{
        "code": "failed_precondition",
        "message": f"Only orders in state approved can be cancelled; order {order_id} is {status}"}]}
    assert emu.orders(STORE)[order_id]["status"] == status


def test_bad_arguments_unknown_orders_and_missing_tokens(merchant: Merchant, emu: JoomEmulator) -> None:
    order_id = bought(emu)
    bad_reason = merchant.cancel(order_id, {"reason": "changedMyMind"})
    assert bad_reason.status_code == 400
    assert bad_reason.json()["errors"][0] == {
        "code": "invalid_argument", "field": "reason",
        "message": "Invalid argument `reason`: expected one of outOfStock, unableToFulfill, got `changedMyMind`"}
    assert merchant.cancel(order_id, {"note": 5}).json()["errors"][0]["field"] == "note"
    unknown = merchant.cancel("ZZZZ9999", {"reason": "outOfStock"})
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["code"] == "not_found"
    assert merchant.cancel("bad-id", {}).json()["errors"][0]["field"] == "id"
    assert merchant.cancel(order_id, {}, Authorization="Bearer nope").status_code == 401
    assert emu.orders(STORE)[order_id]["status"] == "approved"


def test_a_cancelled_order_no_longer_plays_its_planned_life(merchant: Merchant, emu: JoomEmulator,
                                                            clock: ManualClock) -> None:
    order_id = bought(emu)
    order = emu.world.store(STORE).orders[order_id]
    assert isinstance(order, Order)
    order.pending.append(Step(int(clock.now().timestamp()) + 3_600, "paidByJoomRefund"))
    assert merchant.cancel(order_id, {"reason": "unableToFulfill"}).status_code == 200
    clock.advance(hours=2)
    emu.tick()
    assert emu.orders(STORE)[order_id]["status"] == "cancelled"
