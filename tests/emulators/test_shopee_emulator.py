"""Behaviour of the Shopee Open Platform v2 emulator, exercised over HTTP with a sync httpx client."""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.shopee import ShopeeEmulator
from crossdock.emulators.shopee.__main__ import build
from crossdock.ports.clock import ManualClock

PARTNER_ID = 2001887
PARTNER_KEY = "4a6f6e617468616e2d746573742d6b6579"
SHOP_ID = 14701711
START = datetime(2024, 4, 20, 8, 0, tzinfo=UTC)
LIST = "/api/v2/order/get_order_list"
DETAIL = "/api/v2/order/get_order_detail"
TOKEN_GET = "/api/v2/auth/token/get"
REFRESH = "/api/v2/auth/access_token/get"
DAY = 86_400


def hmac_hex(base: str, key: str = PARTNER_KEY) -> str:
    # Computed here, independently of the emulator's signing module.
    return hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest()


class Seller:
    """A minimal Shopee client, written from the docs, to drive the emulator."""

    def __init__(self, emulator: ShopeeEmulator, clock: ManualClock) -> None:
        self.clock = clock
        self.http = httpx.Client(transport=emulator.transport(), base_url="https://partner.shopeemobile.com")
        self.access_token = ""
        self.refresh_token = ""

    def ts(self) -> int:
        return int(self.clock.now().timestamp())

    def public(self, path: str, body: dict[str, Any], *, timestamp: int | None = None) -> httpx.Response:
        ts = self.ts() if timestamp is None else timestamp
        params: dict[str, str | int] = {
            "partner_id": PARTNER_ID,
            "timestamp": ts,
            "sign": hmac_hex(f"{PARTNER_ID}{path}{ts}"),
        }
        return self.http.post(path, params=params, json=body)

    def shop(
        self,
        path: str,
        *,
        token: str | None = None,
        shop_id: int = SHOP_ID,
        timestamp: int | None = None,
        sign: str | None = None,
        **params: Any,
    ) -> httpx.Response:
        ts = self.ts() if timestamp is None else timestamp
        access = self.access_token if token is None else token
        query = {
            "partner_id": PARTNER_ID,
            "timestamp": ts,
            "access_token": access,
            "shop_id": shop_id,
            "sign": sign or hmac_hex(f"{PARTNER_ID}{path}{ts}{access}{shop_id}"),
            **params,
        }
        return self.http.get(path, params=query)

    def connect(self, code: str) -> dict[str, Any]:
        response = self.public(TOKEN_GET, {"code": code, "partner_id": PARTNER_ID, "shop_id": SHOP_ID})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        self.access_token, self.refresh_token = body["access_token"], body["refresh_token"]
        return body

    def list_page(self, **params: Any) -> httpx.Response:
        defaults: dict[str, Any] = {"time_range_field": "create_time", "page_size": 100, "cursor": ""}
        return self.shop(LIST, **{**defaults, **params})

    def list_all(self, time_from: int, time_to: int, page_size: int = 100, **params: Any) -> list[str]:
        cursor, found = "", []
        while True:
            response = self.list_page(
                time_from=time_from, time_to=time_to, page_size=page_size, cursor=cursor, **params
            )
            assert response.status_code == 200, response.text
            page = response.json()["response"]
            found += [entry["order_sn"] for entry in page["order_list"]]
            if not page["more"]:
                assert page["next_cursor"] == ""
                return found
            cursor = page["next_cursor"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def emu(clock: ManualClock) -> ShopeeEmulator:
    emulator = ShopeeEmulator(partner_id=PARTNER_ID, partner_key=PARTNER_KEY, clock=clock, seed=7)
    emulator.add_shop(SHOP_ID, "VN", "Cửa hàng Demo")
    emulator.set_rate_limit(1_000_000, 1_000_000)
    return emulator


@pytest.fixture
def seller(emu: ShopeeEmulator, clock: ManualClock) -> Iterator[Seller]:
    client = Seller(emu, clock)
    yield client
    client.http.close()


@pytest.fixture
def connected(emu: ShopeeEmulator, seller: Seller) -> Seller:
    seller.connect(emu.authorize(SHOP_ID))
    return seller


def window(days_back: float, days_long: float = 15) -> tuple[int, int]:
    end = int((START - timedelta(days=days_back)).timestamp())
    return end - int(days_long * DAY), end


# ---- signing and common parameters ----------------------------------------------------------


def test_correct_signature_is_accepted(emu: ShopeeEmulator, connected: Seller) -> None:
    time_from, time_to = window(0)
    response = connected.list_page(time_from=time_from, time_to=time_to)
    assert response.status_code == 200
    body = response.json()
    assert body["error"] == "" and body["message"] == ""
    assert re.fullmatch(r"[0-9a-f]{32}", body["request_id"])
    assert body["response"] == {"more": False, "next_cursor": "", "order_list": []}


def test_wrong_sign_is_rejected(connected: Seller) -> None:
    time_from, time_to = window(0)
    bad = hmac_hex(f"{PARTNER_ID}{LIST}{connected.ts()}{connected.access_token}", PARTNER_KEY)  # no shop_id
    response = connected.list_page(time_from=time_from, time_to=time_to, sign=bad)
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "error_sign" and body["message"] == "Wrong sign."
    assert "response" not in body


def test_sign_with_another_key_is_rejected(seller: Seller, emu: ShopeeEmulator) -> None:
    ts = seller.ts()
    params: dict[str, str | int] = {
        "partner_id": PARTNER_ID,
        "timestamp": ts,
        "sign": hmac_hex(f"{PARTNER_ID}{TOKEN_GET}{ts}", "nope"),
    }
    response = seller.http.post(TOKEN_GET, params=params, json={"code": "x", "partner_id": PARTNER_ID, "shop_id": 1})
    assert (response.status_code, response.json()["error"]) == (403, "error_sign")


def test_timestamp_older_than_five_minutes_is_rejected(connected: Seller, clock: ManualClock) -> None:
    time_from, time_to = window(0)
    stale = connected.ts() - 301
    response = connected.list_page(time_from=time_from, time_to=time_to, timestamp=stale)
    assert response.status_code == 400
    assert response.json()["error"] == "error_param"
    assert response.json()["message"] == "Invalid timestamp"
    ok = connected.list_page(time_from=time_from, time_to=time_to, timestamp=connected.ts() - 300)
    assert ok.status_code == 200


def test_missing_and_unknown_partner(seller: Seller) -> None:
    response = seller.http.get(LIST, params={"timestamp": seller.ts(), "sign": "00"})
    assert response.json()["message"] == "There is no partner_id in query."
    response = seller.http.get(LIST, params={"partner_id": 42, "timestamp": seller.ts(), "sign": "00"})
    assert (response.status_code, response.json()["message"]) == (400, "Invalid partner_id.")


def test_unknown_access_token_is_rejected(connected: Seller) -> None:
    time_from, time_to = window(0)
    response = connected.list_page(time_from=time_from, time_to=time_to, token="0" * 32)
    assert response.status_code == 403
    assert response.json()["error"] == "error_auth"
    assert response.json()["message"] == "Invalid access_token."


def test_access_token_is_bound_to_its_shop(emu: ShopeeEmulator, connected: Seller) -> None:
    emu.add_shop(999, "SG")
    time_from, time_to = window(0)
    response = connected.list_page(time_from=time_from, time_to=time_to, shop_id=999)
    assert response.json()["error"] == "error_auth"


# ---- authorization --------------------------------------------------------------------------


def test_token_flow_code_refresh_and_expiry(emu: ShopeeEmulator, seller: Seller, clock: ManualClock) -> None:
    code = emu.authorize(SHOP_ID)
    first = seller.connect(code)
    assert set(first) >= {"access_token", "refresh_token", "expire_in", "request_id", "error", "message"}
    assert "response" not in first
    assert first["expire_in"] == 4 * 3600
    assert re.fullmatch(r"[0-9a-f]{32}", first["access_token"])

    again = seller.public(TOKEN_GET, {"code": code, "partner_id": PARTNER_ID, "shop_id": SHOP_ID})
    assert (again.status_code, again.json()["error"]) == (403, "error_auth")

    clock.advance(hours=3)
    old_refresh = seller.refresh_token
    refreshed = seller.public(REFRESH, {"refresh_token": old_refresh, "partner_id": PARTNER_ID, "shop_id": SHOP_ID})
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["shop_id"] == SHOP_ID and body["partner_id"] == PARTNER_ID
    assert body["refresh_token"] != old_refresh and body["access_token"] != first["access_token"]

    reused = seller.public(REFRESH, {"refresh_token": old_refresh, "partner_id": PARTNER_ID, "shop_id": SHOP_ID})
    assert (reused.status_code, reused.json()["error"]) == (403, "error_auth")

    time_from, time_to = window(0)
    # The documented 5-minute grace for the previous access token...
    assert seller.list_page(time_from=time_from, time_to=time_to).status_code == 200
    clock.advance(minutes=5, seconds=1)
    assert seller.list_page(time_from=time_from, time_to=time_to).json()["error"] == "error_auth"

    seller.access_token, seller.refresh_token = body["access_token"], body["refresh_token"]
    assert seller.list_page(time_from=time_from, time_to=time_to).status_code == 200
    clock.advance(hours=4)
    expired = seller.list_page(time_from=time_from, time_to=time_to)
    assert (expired.status_code, expired.json()["message"]) == (403, "Invalid access_token.")

    # The refresh token outlives the access token (30 days).
    again_refreshed = seller.public(
        REFRESH, {"refresh_token": seller.refresh_token, "partner_id": PARTNER_ID, "shop_id": SHOP_ID}
    )
    assert again_refreshed.status_code == 200


def test_code_expires_after_ten_minutes(emu: ShopeeEmulator, seller: Seller, clock: ManualClock) -> None:
    code = emu.authorize(SHOP_ID)
    clock.advance(minutes=10)
    response = seller.public(TOKEN_GET, {"code": code, "partner_id": PARTNER_ID, "shop_id": SHOP_ID})
    assert response.json() | {"request_id": ""} == {"request_id": "", "error": "error_auth", "message": "Invalid code"}


def test_code_for_another_shop_is_rejected(emu: ShopeeEmulator, seller: Seller) -> None:
    emu.add_shop(777, "MY")
    code = emu.authorize(777)
    response = seller.public(TOKEN_GET, {"code": code, "partner_id": PARTNER_ID, "shop_id": SHOP_ID})
    assert response.json()["error"] == "error_auth"


def test_refresh_token_expires_after_thirty_days(emu: ShopeeEmulator, connected: Seller, clock: ManualClock) -> None:
    clock.advance(days=30)
    body = {"refresh_token": connected.refresh_token, "partner_id": PARTNER_ID, "shop_id": SHOP_ID}
    assert connected.public(REFRESH, body).json()["error"] == "error_auth"


def test_expire_access_tokens(emu: ShopeeEmulator, connected: Seller) -> None:
    time_from, time_to = window(0)
    emu.expire_access_tokens(SHOP_ID)
    assert connected.list_page(time_from=time_from, time_to=time_to).json()["error"] == "error_auth"


def test_consent_page_redirects_with_a_code(emu: ShopeeEmulator, seller: Seller) -> None:
    path = "/api/v2/shop/auth_partner"
    ts = seller.ts()
    redirect = "https://crossdock.example/callback/shopee?state=abc"
    page = seller.http.get(
        path,
        params={
            "partner_id": PARTNER_ID,
            "timestamp": ts,
            "sign": hmac_hex(f"{PARTNER_ID}{path}{ts}"),
            "redirect": redirect,
        },
    )
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    session = re.search(r'name="session" value="([0-9a-f]+)"', page.text)
    assert session is not None and "Cửa hàng Demo" in page.text

    confirm = seller.http.post(path, data={"session": session.group(1), "shop_id": str(SHOP_ID)})
    assert confirm.status_code == 302
    location = urlsplit(confirm.headers["location"])
    assert location.netloc == "crossdock.example" and location.path == "/callback/shopee"
    query = parse_qs(location.query)
    assert query["state"] == ["abc"] and query["shop_id"] == [str(SHOP_ID)]
    seller.connect(query["code"][0])


def test_consent_page_needs_a_valid_sign(seller: Seller) -> None:
    params: dict[str, str | int] = {
        "partner_id": PARTNER_ID,
        "timestamp": seller.ts(),
        "sign": "f" * 64,
        "redirect": "https://x.example",
    }
    response = seller.http.get("/api/v2/shop/auth_partner", params=params)
    assert (response.status_code, response.json()["error"]) == (403, "error_sign")


# ---- get_order_list -------------------------------------------------------------------------


def test_pagination_returns_every_order_exactly_once(emu: ShopeeEmulator, connected: Seller) -> None:
    emu.generate_orders(SHOP_ID, 1200, START - timedelta(days=45), START)
    truth = emu.orders(SHOP_ID)
    seen: list[str] = []
    for back in (0, 15, 30):
        time_from, time_to = window(back)
        # Consecutive windows share a boundary second, so exclude it from one side.
        seen += connected.list_all(time_from + (1 if back < 30 else 0), time_to, page_size=37)
    assert len(seen) == len(set(seen))
    assert set(seen) == {sn for sn, order in truth.items() if order["create_time"] >= int(START.timestamp()) - 45 * DAY}


def test_list_is_newest_first(emu: ShopeeEmulator, connected: Seller) -> None:
    emu.generate_orders(SHOP_ID, 200, START - timedelta(days=10), START)
    truth = emu.orders(SHOP_ID)
    listed = connected.list_all(*window(0), page_size=50)
    times = [truth[sn]["create_time"] for sn in listed]
    assert times == sorted(times, reverse=True)


def test_cursor_survives_updates_between_pages(emu: ShopeeEmulator, connected: Seller, clock: ManualClock) -> None:
    emu.generate_orders(SHOP_ID, 300, START - timedelta(days=10), START - timedelta(days=1))
    clock.advance(minutes=1)
    time_from, time_to = connected.ts() - 14 * DAY, connected.ts() + 60
    first = connected.list_page(time_range_field="update_time", time_from=time_from, time_to=time_to, page_size=100)
    page = first.json()["response"]
    seen = [entry["order_sn"] for entry in page["order_list"]]
    # Updating orders already seen moves their update_time; they must not come back on later pages.
    for order_sn in seen[:20]:
        emu.set_order_status(SHOP_ID, order_sn, "CANCELLED")
    cursor = page["next_cursor"]
    while cursor:
        response = connected.list_page(
            time_range_field="update_time", time_from=time_from, time_to=time_to, page_size=100, cursor=cursor
        )
        page = response.json()["response"]
        seen += [entry["order_sn"] for entry in page["order_list"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 300


def test_update_time_window_and_status_filter(emu: ShopeeEmulator, connected: Seller, clock: ManualClock) -> None:
    sns = emu.generate_orders(SHOP_ID, 50, START - timedelta(days=40), START - timedelta(days=35))
    clock.advance(hours=1)
    emu.set_order_status(SHOP_ID, sns[3], "IN_CANCEL")
    time_from, time_to = connected.ts() - 600, connected.ts()
    listed = connected.list_page(
        time_range_field="update_time", time_from=time_from, time_to=time_to, response_optional_fields="order_status"
    ).json()["response"]["order_list"]
    assert listed == [{"order_sn": sns[3], "order_status": "IN_CANCEL"}]
    filtered = connected.list_page(
        time_range_field="update_time", time_from=time_from, time_to=time_to, order_status="COMPLETED"
    ).json()["response"]["order_list"]
    assert filtered == []
    assert emu.orders(SHOP_ID)[sns[3]]["update_time"] == connected.ts()


def test_fifteen_day_window_limit(connected: Seller) -> None:
    time_to = connected.ts()
    assert connected.list_page(time_from=time_to - 15 * DAY, time_to=time_to).status_code == 200
    too_long = connected.list_page(time_from=time_to - 15 * DAY - 1, time_to=time_to)
    assert too_long.status_code == 400
    assert too_long.json()["error"] == "order.order_list_invalid_time"
    backwards = connected.list_page(time_from=time_to, time_to=time_to - 10)
    assert backwards.json()["error"] == "order.order_list_invalid_time"


@pytest.mark.parametrize("page_size", [0, 101, -1, "ten"])
def test_page_size_out_of_range_is_rejected(connected: Seller, page_size: object) -> None:
    response = connected.list_page(time_from=connected.ts() - DAY, time_to=connected.ts(), page_size=page_size)
    assert (response.status_code, response.json()["error"]) == (400, "error_param")


def test_page_size_bounds_are_accepted(emu: ShopeeEmulator, connected: Seller) -> None:
    emu.generate_orders(SHOP_ID, 150, START - timedelta(days=2), START)
    for size, expected in ((1, 1), (100, 100)):
        page = connected.list_page(time_from=connected.ts() - 3 * DAY, time_to=connected.ts(), page_size=size)
        body = page.json()["response"]
        assert len(body["order_list"]) == expected and body["more"] is True and body["next_cursor"]


def test_invalid_list_parameters(connected: Seller) -> None:
    now = connected.ts()
    assert (
        connected.list_page(time_from=now - 10, time_to=now, time_range_field="pay_time").json()["error"]
        == "error_param"
    )
    assert (
        connected.list_page(time_from=now - 10, time_to=now, order_status="SHIPPING").json()["error"] == "error_param"
    )
    assert connected.list_page(time_from=now - 10, time_to=now, cursor="%%%").json()["error"] == "error_param"
    assert connected.shop(LIST, time_range_field="create_time", time_from=now - 10, time_to=now).status_code == 400


# ---- get_order_detail -----------------------------------------------------------------------


def test_detail_batch_limit_is_fifty(emu: ShopeeEmulator, connected: Seller) -> None:
    sns = emu.generate_orders(SHOP_ID, 51, START - timedelta(days=2), START)
    ok = connected.shop(DETAIL, order_sn_list=",".join(sns[:50]))
    assert ok.status_code == 200 and len(ok.json()["response"]["order_list"]) == 50
    too_many = connected.shop(DETAIL, order_sn_list=",".join(sns))
    assert (too_many.status_code, too_many.json()["error"]) == (400, "error_param")


def test_detail_returns_only_requested_optional_fields(emu: ShopeeEmulator, connected: Seller) -> None:
    [order_sn] = emu.generate_orders(SHOP_ID, 1, START - timedelta(days=20), START - timedelta(days=20))
    default = connected.shop(DETAIL, order_sn_list=order_sn).json()["response"]["order_list"][0]
    assert set(default) == {
        "order_sn", "region", "currency", "cod", "order_status", "message_to_seller",
        "create_time", "update_time", "days_to_ship", "ship_by_date",
    }  # fmt: skip
    rich = connected.shop(
        DETAIL, order_sn_list=order_sn, response_optional_fields="item_list, total_amount,recipient_address"
    ).json()["response"]["order_list"][0]
    assert set(rich) - set(default) == {"item_list", "total_amount", "recipient_address"}
    truth = emu.orders(SHOP_ID)[order_sn]
    assert rich == {key: truth[key] for key in rich}


def test_detail_skips_unknown_order_sns(emu: ShopeeEmulator, connected: Seller) -> None:
    [order_sn] = emu.generate_orders(SHOP_ID, 1, START, START)
    body = connected.shop(DETAIL, order_sn_list=f"{order_sn},240101NOSUCH01").json()
    assert [order["order_sn"] for order in body["response"]["order_list"]] == [order_sn]
    assert "240101NOSUCH01" in body["warning"][0]
    missing = connected.shop(DETAIL, order_sn_list="240101NOSUCH01")
    assert (missing.status_code, missing.json()["error"]) == (404, "error_not_found")


def test_raw_orders_are_listed_and_returned_verbatim(emu: ShopeeEmulator, connected: Seller) -> None:
    payload: dict[str, Any] = {
        "order_sn": "240419BROKEN01",
        "create_time": int(START.timestamp()) - 3600,
        "order_status": "NOT_A_STATUS",
        "total_amount": "12,50",
        "item_list": None,
    }
    assert emu.insert_raw_order(SHOP_ID, payload) == "240419BROKEN01"
    nameless = emu.insert_raw_order(SHOP_ID, {"create_time": "yesterday", "currency": 7})
    listed = connected.list_all(connected.ts() - DAY, connected.ts())
    assert set(listed) == {"240419BROKEN01", nameless}
    detail = connected.shop(DETAIL, order_sn_list=f"240419BROKEN01,{nameless}").json()["response"]["order_list"]
    assert detail == [payload, {"create_time": "yesterday", "currency": 7}]


# ---- limits and faults ----------------------------------------------------------------------


def test_rate_limit_answers_429_then_recovers(emu: ShopeeEmulator, connected: Seller, clock: ManualClock) -> None:
    emu.set_rate_limit(2, 5)
    time_from, time_to = window(0)
    statuses = [connected.list_page(time_from=time_from, time_to=time_to).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = connected.list_page(time_from=time_from, time_to=time_to).json()
    assert limited["error"] == "error_too_many_request"
    clock.advance(seconds=1)
    statuses = [connected.list_page(time_from=time_from, time_to=time_to).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_rate_limit_is_per_shop(emu: ShopeeEmulator, connected: Seller, clock: ManualClock) -> None:
    emu.add_shop(888, "TH")
    emu.set_rate_limit(1, 1)
    time_from, time_to = window(0)
    assert connected.list_page(time_from=time_from, time_to=time_to).status_code == 200
    assert connected.list_page(time_from=time_from, time_to=time_to).status_code == 429
    other = Seller(emu, clock)
    code = emu.authorize(888)
    token = other.public(TOKEN_GET, {"code": code, "partner_id": PARTNER_ID, "shop_id": 888}).json()
    response = other.list_page(time_from=time_from, time_to=time_to, token=token["access_token"], shop_id=888)
    assert response.status_code == 200
    other.http.close()


def test_fail_next_injects_server_errors(emu: ShopeeEmulator, connected: Seller) -> None:
    emu.fail_next(2, status=503)
    time_from, time_to = window(0)
    failures = [connected.list_page(time_from=time_from, time_to=time_to) for _ in range(2)]
    assert [(r.status_code, r.json()["error"]) for r in failures] == [(503, "error_server")] * 2
    assert connected.list_page(time_from=time_from, time_to=time_to).status_code == 200


def test_calls_are_recorded(emu: ShopeeEmulator, connected: Seller) -> None:
    emu.calls.clear()
    time_from, time_to = window(0)
    connected.list_page(time_from=time_from, time_to=time_to)
    connected.list_page(time_from=time_from, time_to=time_to, sign="0" * 64)
    first, second = emu.calls
    assert (first.path, first.status_code, first.shop_id, first.error) == (LIST, 200, SHOP_ID, "")
    assert first.query["time_range_field"] == "create_time" and first.time == START
    assert (second.status_code, second.error) == (403, "error_sign")


# ---- the generated world --------------------------------------------------------------------


def test_same_seed_same_world(clock: ManualClock) -> None:
    def build(seed: int) -> dict[str, dict[str, Any]]:
        emulator = ShopeeEmulator(partner_id=PARTNER_ID, partner_key=PARTNER_KEY, clock=clock, seed=seed)
        emulator.add_shop(SHOP_ID, "ID")
        emulator.generate_orders(SHOP_ID, 300, START - timedelta(days=30), START)
        return emulator.orders(SHOP_ID)

    assert build(7) == build(7)
    assert build(7) != build(8)


@pytest.mark.parametrize(
    ("region", "currency", "integral"), [("VN", "VND", True), ("SG", "SGD", False), ("BR", "BRL", False)]
)
def test_generated_orders_are_consistent(clock: ManualClock, region: str, currency: str, integral: bool) -> None:
    emulator = ShopeeEmulator(partner_id=PARTNER_ID, partner_key=PARTNER_KEY, clock=clock, seed=3)
    emulator.add_shop(1, region)
    sns = emulator.generate_orders(1, 400, START - timedelta(days=60), START)
    orders = emulator.orders(1)
    assert len(orders) == len(set(sns)) == 400
    statuses = {order["order_status"] for order in orders.values()}
    assert {"COMPLETED", "CANCELLED", "SHIPPED"} <= statuses
    for order_sn, order in orders.items():
        created = datetime.fromtimestamp(order["create_time"], UTC)
        assert re.fullmatch(r"\d{6}[0-9A-Z]{8}", order_sn)
        local_day = datetime.strptime(order_sn[:6], "%y%m%d").replace(tzinfo=UTC)
        assert abs((local_day - created).total_seconds()) <= 2 * DAY
        assert order["currency"] == currency and order["region"] == region
        assert order["update_time"] >= order["create_time"]
        assert 1 <= len(order["item_list"]) <= 3
        lines = sum(
            Decimal(str(line["model_discounted_price"])) * line["model_quantity_purchased"]
            for line in order["item_list"]
        )
        assert Decimal(str(order["total_amount"])) == lines + Decimal(str(order["estimated_shipping_fee"]))
        assert all(isinstance(line["model_original_price"], int) == integral for line in order["item_list"])
        if order["order_status"] in ("READY_TO_SHIP", "PROCESSED", "SHIPPED", "COMPLETED") and not order["cod"]:
            assert order["pay_time"] is not None and order["pay_time"] >= order["create_time"]
        if order["order_status"] == "UNPAID":
            assert order["pay_time"] is None
        if order["order_status"] == "COMPLETED":
            assert order["package_list"][0]["logistics_status"] == "LOGISTICS_DELIVERY_DONE"
            assert order["pickup_done_time"] > order["create_time"] and order["pay_time"] is not None
        if order["order_status"] == "CANCELLED":
            assert order["cancel_by"] in ("buyer", "seller", "system")
        assert order["recipient_address"]["full_address"] and order["recipient_address"]["phone"]


def test_tick_moves_orders_forward_with_fresh_update_times(emu: ShopeeEmulator, clock: ManualClock) -> None:
    emu.generate_orders(SHOP_ID, 200, START - timedelta(days=1), START)
    before = emu.orders(SHOP_ID)
    clock.advance(days=3)
    created, updated = emu.tick()
    after = emu.orders(SHOP_ID)
    assert updated > 0 and len(after) == len(before) + created
    now = int(clock.now().timestamp())
    changed = [sn for sn in before if after[sn]["order_status"] != before[sn]["order_status"]]
    assert len(changed) == updated
    assert all(after[sn]["update_time"] == now for sn in changed)


def test_five_thousand_orders_generate_quickly(emu: ShopeeEmulator) -> None:
    started = datetime.now(UTC)
    emu.generate_orders(SHOP_ID, 5000, START - timedelta(days=90), START)
    assert (datetime.now(UTC) - started).total_seconds() < 3


def test_control_endpoints(emu: ShopeeEmulator) -> None:
    with httpx.Client(transport=emu.transport(), base_url="http://emulator") as client:
        assert (
            client.post("/_emulator/shops", json={"shop_id": 42, "region": "PH", "name": "Tindahan"}).status_code == 201
        )
        assert client.post("/_emulator/shops", json={"shop_id": 43, "region": "XX"}).status_code == 400
        generated = client.post("/_emulator/shops/42/orders", json={"count": 25, "days": 5}).json()
        assert generated["created"] == 25
        assert client.post("/_emulator/shops/42/authorize").json()["code"]
        assert client.post("/_emulator/shops/404/authorize").status_code == 404
        assert set(client.post("/_emulator/tick").json()) == {"created", "updated"}
        shops = {shop["shop_id"]: shop for shop in client.get("/_emulator/shops").json()["shops"]}
        assert shops[42]["currency"] == "PHP" and shops[42]["order_count"] >= 25
    assert emu.calls == []


def test_unknown_api_path(connected: Seller) -> None:
    response = connected.shop("/api/v2/order/get_everything")
    assert (response.status_code, response.json()["error"]) == (404, "error_not_found")


def test_transport_serves_concurrent_threads(emu: ShopeeEmulator, connected: Seller) -> None:
    time_from, time_to = window(0)
    statuses: list[int] = []

    def work() -> None:
        statuses.extend(connected.list_page(time_from=time_from, time_to=time_to).status_code for _ in range(10))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 40


def test_demo_entry_point_builds_a_seeded_world() -> None:
    emulator, args = build(["--shop", "1001:MY", "--shop", "1002:ID", "--orders", "20", "--port", "9000"])
    assert args.port == 9000
    assert {len(emulator.orders(1001)), len(emulator.orders(1002))} == {20}


# ---- products and stock ---------------------------------------------------------------------

ITEM_LIST = "/api/v2/product/get_item_list"
BASE_INFO = "/api/v2/product/get_item_base_info"
MODEL_LIST = "/api/v2/product/get_model_list"
UPDATE_STOCK = "/api/v2/product/update_stock"


def shirts(count: int = 3, sizes: int = 2, stock: int = 5) -> list[ProductSpec]:
    """`count` products: shirts with `sizes` models each, the last one a lamp without models; the second unlisted."""
    specs = [ProductSpec(f"Shirt {p}", tuple(VariantSpec(f"SH-{p}-{s}", f"Size {s}", Decimal(99_000 + s), stock + s)
                                           for s in range(sizes)), active=p != 1)
             for p in range(count - 1)]
    return [*specs, ProductSpec("Lamp", (VariantSpec("LAMP", "", Decimal(125_000), stock, "8934567890123"),))]


def post(seller: Seller, path: str, body: Any, *, sign: str | None = None) -> httpx.Response:
    """A signed POST Shop API call: common parameters in the query, business ones in the JSON body."""
    ts = seller.ts()
    query: dict[str, str | int] = {
        "partner_id": PARTNER_ID, "timestamp": ts, "access_token": seller.access_token, "shop_id": SHOP_ID,
        "sign": sign or hmac_hex(f"{PARTNER_ID}{path}{ts}{seller.access_token}{SHOP_ID}"),
    }
    return seller.http.post(path, params=query, json=body)


def items_of(seller: Seller, **params: Any) -> httpx.Response:
    return seller.shop(ITEM_LIST, **{"offset": 0, "page_size": 100, "item_status": ["NORMAL", "UNLIST"], **params})


def item_ids(emu: ShopeeEmulator) -> list[int]:
    return list(dict.fromkeys(int(row["item_id"]) for row in emu.listings(SHOP_ID)))


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert "response" not in body
    return response.status_code, body["error"], body["message"]


@pytest.fixture
def stocked(emu: ShopeeEmulator, connected: Seller) -> Seller:
    emu.set_catalogue(SHOP_ID, shirts())
    return connected


def test_catalogue_becomes_items_with_models_and_listings(emu: ShopeeEmulator) -> None:
    emu.set_catalogue(SHOP_ID, shirts())
    rows = emu.listings(SHOP_ID)
    assert [row["seller_sku"] for row in rows] == ["SH-0-0", "SH-0-1", "SH-1-0", "SH-1-1", "LAMP"]
    assert [row["active"] for row in rows] == [True, True, False, False, True]
    assert rows[-1]["variant_id"] == "" and all(row["variant_id"].isdigit() for row in rows[:-1])
    assert rows[1]["quantity"] == 6 and rows[1]["price"] == Decimal(99_001)
    assert len({row["item_id"] for row in rows}) == 3


def test_item_list_pages_by_offset_in_creation_order(emu: ShopeeEmulator, connected: Seller) -> None:
    emu.set_catalogue(SHOP_ID, shirts(7))
    seen, offset = [], 0
    while True:
        page = items_of(connected, offset=offset, page_size=3).json()["response"]
        assert page["total_count"] == 7
        seen += [entry["item_id"] for entry in page["item"]]
        if not page["has_next_page"]:
            break
        offset = page["next_offset"]
    assert seen == item_ids(emu)


def test_item_list_filters_by_status_given_once_per_status(emu: ShopeeEmulator, stocked: Seller) -> None:
    normal = items_of(stocked, item_status="NORMAL").json()["response"]
    assert [entry["item_status"] for entry in normal["item"]] == ["NORMAL", "NORMAL"]
    both = items_of(stocked).json()["response"]
    assert both["total_count"] == 3 and both["has_next_page"] is False
    assert items_of(stocked, item_status=["SELLER_DELETE"]).json()["response"]["item"] == []


@pytest.mark.parametrize("page_size", [0, 101])
def test_item_list_page_size_outside_1_to_100_is_refused(stocked: Seller, page_size: int) -> None:
    status, error, message = error_of(items_of(stocked, page_size=page_size))
    assert (status, error) == (400, "error_param") and "page_size" in message


def test_item_list_needs_a_known_item_status(emu: ShopeeEmulator, stocked: Seller) -> None:
    assert error_of(items_of(stocked, item_status=[]))[1] == "error_param"
    assert error_of(items_of(stocked, item_status="ACTIVE"))[1:] == ("error_param_item_status", "Item status error.")


def test_item_list_update_time_window(emu: ShopeeEmulator, stocked: Seller, clock: ManualClock) -> None:
    clock.advance(seconds=600)
    lamp = item_ids(emu)[-1]
    assert post(stocked, UPDATE_STOCK, {"item_id": lamp, "stock_list": [{"seller_stock": [{"stock": 1}]}]}).is_success
    recent = items_of(stocked, update_time_from=stocked.ts() - 60, update_time_to=stocked.ts()).json()["response"]
    assert [entry["item_id"] for entry in recent["item"]] == [lamp]
    backwards = items_of(stocked, update_time_from=stocked.ts(), update_time_to=stocked.ts() - 60)
    assert error_of(backwards)[1] == "error_update_time_range"


def test_product_calls_must_be_signed(stocked: Seller) -> None:
    ts = stocked.ts()
    unsigned = stocked.http.get(ITEM_LIST, params={"partner_id": PARTNER_ID, "timestamp": ts, "shop_id": SHOP_ID,
                                                   "access_token": stocked.access_token, "offset": 0,
                                                   "page_size": 10, "item_status": "NORMAL"})
    assert error_of(unsigned) == (400, "error_param", "There is no sign in query.")
    forged = post(stocked, UPDATE_STOCK, {"item_id": 1, "stock_list": []}, sign=hmac_hex("forged"))
    assert error_of(forged) == (403, "error_sign", "Wrong sign.")


def test_base_info_has_price_and_stock_only_for_items_without_models(emu: ShopeeEmulator, stocked: Seller) -> None:
    shirt, _, lamp = item_ids(emu)
    body = stocked.shop(BASE_INFO, item_id_list=f"{shirt},{lamp}").json()
    first, second = body["response"]["item_list"]
    assert first["has_model"] is True and "price_info" not in first and "stock_info_v2" not in first
    assert second["has_model"] is False and second["item_sku"] == "LAMP" and second["gtin_code"] == "8934567890123"
    assert second["price_info"][0]["currency"] == "VND" and second["price_info"][0]["original_price"] == 125_000
    assert second["stock_info_v2"]["seller_stock"] == [{"location_id": "VN10XX2UZ", "stock": 5, "if_saleable": True}]


def test_base_info_takes_at_most_50_ids_and_names_the_missing(emu: ShopeeEmulator, stocked: Seller) -> None:
    too_many = ",".join(str(10_000 + i) for i in range(51))
    assert error_of(stocked.shop(BASE_INFO, item_id_list=too_many))[:2] == (400, "error_param")
    lamp = item_ids(emu)[-1]
    partial = stocked.shop(BASE_INFO, item_id_list=f"{lamp},777").json()
    assert [item["item_id"] for item in partial["response"]["item_list"]] == [lamp] and "777" in partial["warning"]
    assert error_of(stocked.shop(BASE_INFO, item_id_list="777"))[1] == "error_item_not_found"


def test_model_list_carries_each_models_sku_price_and_stock(emu: ShopeeEmulator, stocked: Seller) -> None:
    shirt, _, lamp = item_ids(emu)
    body = stocked.shop(MODEL_LIST, item_id=shirt).json()["response"]
    assert [option["option"] for option in body["tier_variation"][0]["option_list"]] == ["Size 0", "Size 1"]
    assert [(m["model_sku"], m["tier_index"], m["stock_info_v2"]["seller_stock"][0]["stock"]) for m in body["model"]] \
        == [("SH-0-0", [0], 5), ("SH-0-1", [1], 6)]
    assert body["model"][1]["price_info"][0]["original_price"] == 99_001
    assert stocked.shop(MODEL_LIST, item_id=lamp).json()["response"]["model"] == []
    assert error_of(stocked.shop(MODEL_LIST, item_id=777))[1] == "error_item_not_found"


def test_update_stock_sets_seller_stock_and_reports_each_model(emu: ShopeeEmulator, stocked: Seller) -> None:
    shirt = item_ids(emu)[0]
    models = [int(row["variant_id"]) for row in emu.listings(SHOP_ID)[:2]]
    body = post(stocked, UPDATE_STOCK, {"item_id": shirt, "stock_list": [
        {"model_id": models[0], "seller_stock": [{"location_id": "VN10XX2UZ", "stock": 40}]},
        {"model_id": 123, "seller_stock": [{"stock": 1}]},
        {"model_id": models[1], "seller_stock": [{"stock": -1}]},
    ]}).json()["response"]
    assert body["success_list"] == [{"model_id": models[0], "location_id": "VN10XX2UZ", "stock": 40}]
    assert body["failure_list"] == [{"model_id": 123, "failed_reason": "Wrong model_id."},
                                    {"model_id": models[1], "failed_reason": "Stock should be between 0 and 999999."}]
    assert [row["quantity"] for row in emu.listings(SHOP_ID)[:2]] == [40, 6]


def test_update_stock_takes_1_to_50_models_of_one_known_item(emu: ShopeeEmulator, stocked: Seller) -> None:
    shirt, _, lamp = item_ids(emu)
    fifty_one = [{"model_id": 1000 + i, "seller_stock": [{"stock": 1}]} for i in range(51)]
    refused = post(stocked, UPDATE_STOCK, {"item_id": shirt, "stock_list": fifty_one})
    assert error_of(refused)[:2] == (400, "error_param") and "50" in error_of(refused)[2]
    assert error_of(post(stocked, UPDATE_STOCK, {"item_id": shirt, "stock_list": []}))[1] == "error_param"
    twice = [{"model_id": 5, "seller_stock": [{"stock": 1}]}] * 2
    assert error_of(post(stocked, UPDATE_STOCK, {"item_id": shirt, "stock_list": twice}))[2] == "Repeat model_id."
    unknown = post(stocked, UPDATE_STOCK, {"item_id": 777, "stock_list": [{"seller_stock": [{"stock": 1}]}]})
    assert error_of(unknown) == (404, "error_item_not_found", "Item_id is not found.")
    assert error_of(post(stocked, UPDATE_STOCK, {"stock_list": fifty_one[:1]}))[1] == "error_param"
    # An item without models is updated without a model_id (or with model_id 0).
    ok = post(stocked, UPDATE_STOCK, {"item_id": lamp, "stock_list": [{"seller_stock": [{"stock": 9}]}]})
    assert ok.json()["response"]["success_list"] == [{"model_id": 0, "location_id": "VN10XX2UZ", "stock": 9}]
    assert emu.listings(SHOP_ID)[-1]["quantity"] == 9


def test_product_calls_share_the_shops_rate_limit_and_faults(emu: ShopeeEmulator, stocked: Seller) -> None:
    emu.fail_next(1, 503)
    assert error_of(items_of(stocked))[:2] == (503, "error_server")
    emu.set_rate_limit(1, 1)
    assert items_of(stocked).status_code == 200
    assert error_of(stocked.shop(MODEL_LIST, item_id=item_ids(emu)[0]))[:2] == (429, "error_too_many_request")


def test_a_buyer_takes_stock_and_cannot_buy_what_is_not_there(emu: ShopeeEmulator, clock: ManualClock) -> None:
    emu.set_catalogue(SHOP_ID, shirts(stock=2))
    order_sn = emu.place_order(SHOP_ID, "LAMP", 2)
    assert order_sn is not None
    assert emu.listings(SHOP_ID)[-1]["quantity"] == 0
    assert emu.place_order(SHOP_ID, "LAMP", 1) is None          # sold out
    assert emu.place_order(SHOP_ID, "SH-1-0", 1) is None        # unlisted
    assert emu.place_order(SHOP_ID, "SH-0-1", 4) is None        # only 3 listed
    order = emu.orders(SHOP_ID)[order_sn]
    assert order["order_status"] == "READY_TO_SHIP" and order["pay_time"] == int(clock.now().timestamp())
    assert order["update_time"] == int(clock.now().timestamp()) and not order["cod"]
    [line] = order["item_list"]
    assert (line["item_sku"], line["model_id"], line["model_quantity_purchased"]) == ("LAMP", 0, 2)
    assert line["model_original_price"] == line["model_discounted_price"] == 125_000
    with pytest.raises(KeyError):
        emu.place_order(SHOP_ID, "NO-SUCH-SKU", 1)
    with pytest.raises(ValueError):
        emu.place_order(SHOP_ID, "SH-0-0", 0)


def test_a_purchase_is_pushed_to_a_subscribed_partner(emu: ShopeeEmulator) -> None:
    received: list[httpx.Request] = []
    emu.subscribe_pushes("https://erp.example/push", httpx.MockTransport(
        lambda request: received.append(request) or httpx.Response(204)))
    emu.set_catalogue(SHOP_ID, shirts())
    order_sn = emu.place_order(SHOP_ID, "SH-0-0", 1)
    [push] = received
    body = push.read()
    assert push.headers["Authorization"] == hmac_hex(f"https://erp.example/push|{body.decode()}")
    assert b'"code":3' in body and f'"ordersn":"{order_sn}"'.encode() in body and b"READY_TO_SHIP" in body


def test_generated_orders_come_from_the_catalogue(emu: ShopeeEmulator) -> None:
    emu.set_catalogue(SHOP_ID, shirts())
    emu.generate_orders(SHOP_ID, 30, START - timedelta(days=3), START)
    skus = {line["model_sku"] or line["item_sku"] for order in emu.orders(SHOP_ID).values()
            for line in order["item_list"]}
    assert skus and skus <= {row["seller_sku"] for row in emu.listings(SHOP_ID)}
    emu.set_catalogue(SHOP_ID, [])
    assert emu.listings(SHOP_ID) == []
    with pytest.raises(ValueError):
        emu.generate_orders(SHOP_ID, 1, START, START)
    emu.tick()   # a shop that sells nothing gets no new orders, and the tick goes on


def test_catalogue_refuses_what_it_could_not_sell(emu: ShopeeEmulator) -> None:
    twice = [ProductSpec("A", (VariantSpec("DUP", "", Decimal(1), 1),)),
             ProductSpec("B", (VariantSpec("DUP", "", Decimal(1), 1),))]
    with pytest.raises(ValueError, match="DUP"):
        emu.set_catalogue(SHOP_ID, twice)
    with pytest.raises(ValueError):
        emu.set_catalogue(SHOP_ID, [ProductSpec("Nothing", ())])
    with pytest.raises(KeyError):
        emu.set_catalogue(404, shirts())


def test_catalogue_survives_save_and_restore(emu: ShopeeEmulator, clock: ManualClock, tmp_path: Path) -> None:
    emu.set_catalogue(SHOP_ID, shirts())
    emu.place_order(SHOP_ID, "SH-0-0", 2)
    emu.save(tmp_path / "shopee.pickle")
    fresh = ShopeeEmulator(partner_id=PARTNER_ID, partner_key=PARTNER_KEY, clock=clock, seed=7)
    assert fresh.restore(tmp_path / "shopee.pickle")
    assert fresh.listings(SHOP_ID) == emu.listings(SHOP_ID)
    assert fresh.place_order(SHOP_ID, "SH-0-0", 3) is not None and fresh.place_order(SHOP_ID, "SH-0-0", 1) is None


def test_catalogue_control_endpoints(emu: ShopeeEmulator) -> None:
    products = {"products": [
        {"title": "Mug", "active": True, "weight_kg": "0.3",
         "variants": [{"sku": "MUG-W", "name": "White", "price": "59000", "quantity": 1, "barcode": ""},
                      {"sku": "MUG-B", "name": "Black", "price": 61000, "quantity": 0}]},
        {"title": "Poster", "active": False, "variants": [{"sku": "POSTER", "name": "", "price": 20000}]},
    ]}
    with httpx.Client(transport=emu.transport(), base_url="http://emulator") as client:
        created = client.post(f"/_emulator/shops/{SHOP_ID}/catalogue", json=products)
        assert created.status_code == 201
        listed = client.get(f"/_emulator/shops/{SHOP_ID}/listings").json()["listings"]
        assert [(row["seller_sku"], row["price"], row["active"]) for row in listed] == [
            ("MUG-W", "59000", True), ("MUG-B", "61000", True), ("POSTER", "20000", False)]
        bought = client.post(f"/_emulator/shops/{SHOP_ID}/buy", json={"sku": "MUG-W", "quantity": 1})
        assert bought.status_code == 201 and bought.json()["order_sn"] in emu.orders(SHOP_ID)
        assert client.post(f"/_emulator/shops/{SHOP_ID}/buy", json={"sku": "MUG-W"}).status_code == 409
        assert client.post(f"/_emulator/shops/{SHOP_ID}/buy", json={"sku": "NOPE"}).status_code == 404
        assert client.post(f"/_emulator/shops/{SHOP_ID}/buy", json={"quantity": 1}).status_code == 400
        assert client.post(f"/_emulator/shops/{SHOP_ID}/catalogue", json={"products": [{"title": "x"}]}).status_code \
            == 400
        assert client.post("/_emulator/shops/404/catalogue", json=products).status_code == 404
        assert client.get("/_emulator/shops/404/listings").status_code == 404
    assert emu.calls == []
