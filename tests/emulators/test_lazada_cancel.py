"""The Lazada emulator's seller cancellation (OrderCancelValidate, InitReverseOrderCancel), over signed HTTP: which
items may be cancelled and for which reasons, and what the order, the stock and the pushes then show."""

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
from crossdock.emulators.lazada import LazadaEmulator
from crossdock.ports.clock import ManualClock

APP_KEY, SECRET = "112233", "lzd-emulator-test-secret"
SELLER = "1000001"
START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
VALIDATE = "/order/reverse/cancel/validate"
CREATE = "/order/reverse/cancel/create"
OUT_OF_STOCK, SOURCING_DELAY = "10000021", "10000019"
PRODUCTS = (ProductSpec("Mug", (VariantSpec("MUG", "", Decimal("9.90"), 20),)),
            ProductSpec("Lamp", (VariantSpec("LAMP", "", Decimal("24.90"), 20),)))


def doc_sign(api_path: str, params: dict[str, str]) -> str:
    # Written from the Signature algorithm page, independently of the emulator's signing module.
    base = api_path + "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign")
    return hmac.new(SECRET.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


class Lazop:
    """A minimal Lazada client for one seller, written from the docs."""

    def __init__(self, emu: LazadaEmulator, clock: ManualClock) -> None:
        self.clock = clock
        self.http = httpx.Client(transport=emu.transport())
        answer = self.call("/auth/token/create", {"code": emu.authorize(SELLER)}, host="auth.lazada.com")
        self.token = answer["access_token"]

    def call(self, api_path: str, params: dict[str, Any], host: str = "api.lazada.sg") -> dict[str, Any]:
        p = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        p.update(app_key=APP_KEY, timestamp=str(int(self.clock.now().timestamp() * 1000)), sign_method="sha256")
        if getattr(self, "token", ""):
            p["access_token"] = self.token
        p["sign"] = doc_sign(api_path, p)
        body: dict[str, Any] = self.http.get(f"https://{host}/rest{api_path}", params=p).json()
        return body


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
def emu(clock: ManualClock) -> LazadaEmulator:
    emulator = LazadaEmulator(APP_KEY, SECRET, clock=clock, seed=7)
    emulator.add_store(SELLER, "SG")
    emulator.set_catalogue(SELLER, PRODUCTS)
    return emulator


@pytest.fixture
def lazop(emu: LazadaEmulator, clock: ManualClock) -> Iterator[Lazop]:
    client = Lazop(emu, clock)
    yield client
    client.http.close()


def place(emu: LazadaEmulator) -> tuple[str, list[str]]:
    order_id = emu.place_cart(SELLER, [("MUG", 2), ("LAMP", 1)])
    assert order_id is not None
    return order_id, [item["order_item_id"] for item in emu.orders(SELLER)[order_id]["order_items"]]


def items(emu: LazadaEmulator, order_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = emu.orders(SELLER)[order_id]["order_items"]
    return found


def stock(emu: LazadaEmulator, sku: str) -> int:
    return next(int(row["quantity"]) for row in emu.listings(SELLER) if row["seller_sku"] == sku)


def test_validate_offers_the_guides_reasons_for_a_pending_order(emu: LazadaEmulator, lazop: Lazop) -> None:
    order_id, ids = place(emu)
    answer = lazop.call(VALIDATE, {"order_id": order_id, "order_item_id_list": ids})
    assert answer["code"] == "0" and answer["request_id"]
    data = answer["data"]
    assert data["tip_type"] == "warning" and data["tip_content"].startswith("SKU stock may be set to 0")
    assert data["reason_options"] == [{"reason_name": "Sourcing Delay", "reason_id": "10000019"},
                                      {"reason_name": "Out of Stock", "reason_id": "10000021"},
                                      {"reason_name": "Wrong Price or Pricing Error", "reason_id": "10000023"}]
    assert {i["status"] for i in items(emu, order_id)} == {"pending"}


def test_out_of_stock_cancels_the_items_sets_the_stock_to_zero_and_pushes_each_line(
        emu: LazadaEmulator, clock: ManualClock, lazop: Lazop) -> None:
    order_id, ids = place(emu)
    receiver = Receiver()
    emu.subscribe_pushes("https://crossdock.example/api/webhooks/lazada", receiver)
    clock.advance(minutes=5)
    answer = lazop.call(CREATE, {"order_id": order_id, "order_item_id_list": ids, "reason_id": OUT_OF_STOCK})
    assert answer["code"] == "0" and answer["data"]["tip_type"] == "success"
    assert answer["data"]["tip_content"].startswith("The order has been cancelled")
    for item in items(emu, order_id):
        assert item["status"] == "canceled" and item["reason"] == "Out of Stock"
        assert item["cancel_return_initiator"] == "cancellation-seller"
        assert item["updated_at"] == str(int(clock.now().timestamp()) * 1000)
    order = emu.orders(SELLER)[order_id]
    assert order["statuses"] == ["canceled"]
    assert datetime.fromisoformat(order["updated_at"]) == clock.now()
    assert stock(emu, "MUG") == 0 and stock(emu, "LAMP") == 0
    assert sorted(p["data"]["trade_order_line_id"] for p in receiver.got) == sorted(ids)
    assert {p["data"]["order_status"] for p in receiver.got} == {"canceled"}


def test_another_reason_puts_the_units_back_on_sale(emu: LazadaEmulator, lazop: Lazop) -> None:
    order_id, ids = place(emu)
    mugs, lamps = stock(emu, "MUG"), stock(emu, "LAMP")
    answer = lazop.call(CREATE, {"order_id": order_id, "order_item_id_list": ids, "reason_id": SOURCING_DELAY})
    assert answer["data"]["tip_type"] == "success"
    assert {i["reason"] for i in items(emu, order_id)} == {"Sourcing Delay"}
    assert (stock(emu, "MUG"), stock(emu, "LAMP")) == (mugs + 2, lamps + 1)


def test_a_pending_order_can_lose_one_item_and_keep_the_rest(emu: LazadaEmulator, lazop: Lazop) -> None:
    order_id, ids = place(emu)
    lazop.call(CREATE, {"order_id": order_id, "order_item_id_list": ids[-1:], "reason_id": SOURCING_DELAY})
    assert [i["status"] for i in items(emu, order_id)] == ["pending", "pending", "canceled"]


def test_a_packed_item_takes_its_package_mates_with_it(emu: LazadaEmulator, lazop: Lazop) -> None:
    order_id, ids = place(emu)
    emu.set_order_status(SELLER, order_id, "packed")
    answer = lazop.call(CREATE, {"order_id": order_id, "order_item_id_list": ids[:1], "reason_id": SOURCING_DELAY})
    assert answer["data"]["tip_type"] == "success"
    assert {i["status"] for i in items(emu, order_id)} == {"canceled"}


@pytest.mark.parametrize("status", ["shipped", "delivered", "canceled", "unpaid"])
def test_items_outside_pending_to_ready_to_ship_are_refused_in_the_tip(emu: LazadaEmulator, lazop: Lazop,
                                                                      status: str) -> None:
    order_id, ids = place(emu)
    emu.set_order_status(SELLER, order_id, status)
    before = emu.orders(SELLER)[order_id]
    check = lazop.call(VALIDATE, {"order_id": order_id, "order_item_id_list": ids})
    assert check["code"] == "0" and check["data"]["tip_type"] == "error" and check["data"]["reason_options"] == []
    assert "Pending ~ Ready To Ship" in check["data"]["tip_content"] and status in check["data"]["tip_content"]
    done = lazop.call(CREATE, {"order_id": order_id, "order_item_id_list": ids, "reason_id": OUT_OF_STOCK})
    assert done["code"] == "0" and done["data"]["tip_type"] == "error"
    assert emu.orders(SELLER)[order_id] == before


@pytest.mark.parametrize(("change", "code", "message"), [
    ({"order_id": "999000111222444"}, "122", "E0122: invalid trade order "),
    ({"order_id": "abc"}, "122", "E0122: invalid trade order "),
    ({"order_item_id_list": "[]"}, "102", "E0102: trade order line id is empty or invalid"),
    ({"order_item_id_list": "not json"}, "102", "E0102: trade order line id is empty or invalid"),
    ({"order_item_id_list": ["123"]}, "123", "E0123: invalid trade order lines 123"),
    ({"reason_id": "42"}, "104", "E0104: reason is empty or invalid"),
    ({"reason_id": None}, "MissingParameter", None),
])
def test_wrong_parameters_are_refused_with_the_pages_errors(emu: LazadaEmulator, lazop: Lazop,
                                                            change: dict[str, Any], code: str,
                                                            message: str | None) -> None:
    order_id, ids = place(emu)
    params: dict[str, Any] = {"order_id": order_id, "order_item_id_list": ids, "reason_id": OUT_OF_STOCK, **change}
    answer = lazop.call(CREATE, {k: v for k, v in params.items() if v is not None})
    assert answer["code"] == code and answer["type"] == "ISV"
    if message is not None:
        assert answer["message"] == message
    assert {i["status"] for i in items(emu, order_id)} == {"pending"}


def test_a_generated_orders_fate_stops_once_every_item_is_cancelled(emu: LazadaEmulator, clock: ManualClock,
                                                                   lazop: Lazop) -> None:
    emu.generate_orders(SELLER, 20, START - timedelta(minutes=1), START)
    clock.advance(hours=3)
    emu.tick()
    seller = emu.world.seller(SELLER)
    order = next(o for o in emu.world.iter_generated(seller)
                 if o.pending and all(i.status == "pending" for i in o.items))
    ids = [str(i.order_item_id) for i in order.items]
    assert lazop.call(CREATE, {"order_id": order.order_id, "order_item_id_list": ids,
                               "reason_id": OUT_OF_STOCK})["data"]["tip_type"] == "success"
    clock.advance(days=30)
    emu.tick()
    assert {i["status"] for i in items(emu, order.order_id)} == {"canceled"}
