"""The TikTok Shop emulator against the docs: auth host, signing, tokens, shop ciphers, order search and
detail, limits and error bodies, webhooks, the seeded world and its snapshots."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.tiktok import TikTokEmulator
from crossdock.emulators.tiktok.signing import sign
from crossdock.emulators.tiktok.world import ORDER_STATUSES
from crossdock.ports.clock import ManualClock

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KEY, SECRET = "6d2f0kq8vb3na", "emulator-secret"


class Seller:
    """A hand-rolled client, written from the signing guide, for poking the emulator."""

    def __init__(self, emu: TikTokEmulator, clock: ManualClock) -> None:
        self.emu, self.clock = emu, clock
        self.http = httpx.Client(transport=emu.transport(), base_url="https://open-api.tiktokglobalshop.com")
        self.token = ""

    def authorize(self, account: str) -> dict[str, Any]:
        answer = self.http.get("https://auth.tiktok-shops.com/api/v2/token/get", params={
            "app_key": KEY, "app_secret": SECRET, "auth_code": self.emu.authorize(account),
            "grant_type": "authorized_code"}).json()
        self.token = answer["data"]["access_token"]
        return dict(answer["data"])

    def call(self, method: str, path: str, params: dict[str, str] | None = None, body: Any = None,
             *, secret: str = SECRET, timestamp: int | None = None, token: str | None = None) -> httpx.Response:
        query = {"app_key": KEY, "timestamp": str(timestamp or int(self.clock.now().timestamp())), **(params or {})}
        content = json.dumps(body) if body is not None else ""
        query["sign"] = sign(secret, path, query, content)
        headers = {"x-tts-access-token": self.token if token is None else token, "content-type": "application/json"}
        return self.http.request(method, path, params=query, content=content or None, headers=headers)

    def shops(self) -> list[dict[str, Any]]:
        shops: list[dict[str, Any]] = self.call("GET", "/authorization/202309/shops").json()["data"]["shops"]
        return shops

    def search(self, cipher: str, body: dict[str, Any], **params: str) -> httpx.Response:
        return self.call("POST", "/order/202309/orders/search", {"shop_cipher": cipher, "page_size": "100", **params},
                         body)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def emu(clock: ManualClock) -> TikTokEmulator:
    e = TikTokEmulator(KEY, SECRET, clock=clock, seed=7)
    e.add_store("7494001", "SG", account="acme")
    e.add_store("7494002", "US", account="acme")
    e.add_store("7494003", "ID", account="other")
    return e


@pytest.fixture
def seller(emu: TikTokEmulator, clock: ManualClock) -> Seller:
    s = Seller(emu, clock)
    s.authorize("acme")
    return s


def test_the_emulator_signs_as_the_documented_example() -> None:
    query = {"app_key": "29a39d", "timestamp": "1623812664", "sign": "x", "access_token": "y"}
    assert sign("e59af819cc", "/authorization/202309/shops", query) == \
        "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"


# --- auth host ------------------------------------------------------------------------------------

def test_a_code_gives_the_sellers_tokens_once(emu: TikTokEmulator, clock: ManualClock) -> None:
    s = Seller(emu, clock)
    data = s.authorize("acme")
    assert data["access_token"].startswith("TTP_") and data["user_type"] == 0 and data["seller_name"] == "acme"
    assert data["access_token_expire_in"] == int((T0 + timedelta(days=7)).timestamp())
    assert data["refresh_token_expire_in"] > data["access_token_expire_in"]
    code = emu.authorize("acme")
    params = {"app_key": KEY, "app_secret": SECRET, "auth_code": code, "grant_type": "authorized_code"}
    assert s.http.get("https://auth.tiktok-shops.com/api/v2/token/get", params=params).json()["code"] == 0
    again = s.http.get("https://auth.tiktok-shops.com/api/v2/token/get", params=params)
    assert again.status_code == 200 and again.json()["code"] == 36004005


def test_a_code_expires_after_thirty_minutes(emu: TikTokEmulator, clock: ManualClock) -> None:
    code = emu.authorize("acme")
    clock.advance(minutes=31)
    answer = httpx.Client(transport=emu.transport()).get("https://auth.tiktok-shops.com/api/v2/token/get", params={
        "app_key": KEY, "app_secret": SECRET, "auth_code": code, "grant_type": "authorized_code"}).json()
    assert answer["code"] == 36004005


def test_refreshing_keeps_the_refresh_token_until_it_expires(emu: TikTokEmulator, clock: ManualClock) -> None:
    s = Seller(emu, clock)
    first = s.authorize("acme")
    url = "https://auth.tiktok-shops.com/api/v2/token/refresh"
    params = {"app_key": KEY, "app_secret": SECRET, "refresh_token": first["refresh_token"],
              "grant_type": "refresh_token"}
    fresh = s.http.get(url, params=params).json()["data"]
    assert fresh["access_token"] != first["access_token"] and fresh["refresh_token"] == first["refresh_token"]
    assert s.http.get(url, params={**params, "app_secret": "wrong"}).json()["code"] == 36004004
    assert s.http.get(url, params={**params, "grant_type": "authorized_code"}).json()["code"] == 36004003
    clock.advance(days=366)
    assert s.http.get(url, params=params).json() | {"request_id": ""} == {
        "code": 36004001, "message": "rt has expired", "request_id": ""}


# --- signing, timestamps, tokens, ciphers -----------------------------------------------------------

def _error(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


def test_authorized_shops_are_the_sellers_with_their_ciphers(seller: Seller, emu: TikTokEmulator) -> None:
    shops = seller.shops()
    assert [(s["id"], s["region"], s["seller_type"]) for s in shops] == [
        ("7494001", "SG", "CROSS_BORDER"), ("7494002", "US", "CROSS_BORDER")]
    assert shops[0]["cipher"] == emu.shop_cipher("7494001") and shops[0]["cipher"].startswith("ROW_")
    assert shops[0]["code"].startswith("SGLC")


def test_a_wrong_secret_is_a_bad_sign(seller: Seller) -> None:
    assert _error(seller.call("GET", "/authorization/202309/shops", secret="wrong")) == (401, 106001)


def test_the_body_is_part_of_the_signature(seller: Seller, emu: TikTokEmulator) -> None:
    cipher = emu.shop_cipher("7494001")
    query = {"app_key": KEY, "timestamp": str(int(T0.timestamp())), "shop_cipher": cipher, "page_size": "10"}
    query["sign"] = sign(SECRET, "/order/202309/orders/search", query, '{"update_time_ge":1}')
    answer = seller.http.post("/order/202309/orders/search", params=query, content='{"update_time_ge":2}',
                              headers={"x-tts-access-token": seller.token, "content-type": "application/json"})
    assert _error(answer) == (401, 106001)


@pytest.mark.parametrize(("shift", "ok"), [(-300, True), (-301, False), (30, True), (31, False)])
def test_timestamps_are_accepted_from_five_minutes_before_to_thirty_seconds_after(seller: Seller, shift: int,
                                                                                  ok: bool) -> None:
    answer = seller.call("GET", "/authorization/202309/shops", timestamp=int(T0.timestamp()) + shift)
    assert (answer.json()["code"] == 0) is ok
    if not ok:
        assert _error(answer) == (401, 36009004) and "timestamp" in answer.json()["message"]


def test_missing_app_key_sign_or_token(seller: Seller) -> None:
    assert _error(seller.http.get("/authorization/202309/shops", params={"app_key": KEY})) == (401, 36009004)
    assert _error(seller.http.get("/authorization/202309/shops")) == (401, 36009004)
    answer = seller.call("GET", "/authorization/202309/shops", token="TTP_nobody")
    assert _error(answer) == (401, 36009004) and "x-tts-access-token" in answer.json()["message"]


def test_an_expired_token_says_so(seller: Seller, emu: TikTokEmulator, clock: ManualClock) -> None:
    emu.expire_access_tokens("acme")
    assert _error(seller.call("GET", "/authorization/202309/shops")) == (401, 105002)
    seller.authorize("acme")
    clock.advance(days=7)
    assert _error(seller.call("GET", "/authorization/202309/shops")) == (401, 105002)


def test_shop_ciphers_are_required_checked_and_refused_where_unexpected(seller: Seller, emu: TikTokEmulator) -> None:
    assert _error(seller.call("POST", "/order/202309/orders/search", {"page_size": "10"}, {})) == (400, 106013)
    other = emu.shop_cipher("7494003")
    assert _error(seller.search(other, {})) == (403, 101000)
    assert _error(seller.call("GET", "/authorization/202309/shops", {"shop_cipher": other})) == (400, 36009004)


def test_unknown_paths_and_methods(seller: Seller) -> None:
    assert _error(seller.call("GET", "/order/202309/nothing")) == (404, 36009009)
    assert _error(seller.call("GET", "/order/202309/orders/search")) == (405, 36009010)


# --- orders ----------------------------------------------------------------------------------------

def test_search_pages_through_every_order_once(seller: Seller, emu: TikTokEmulator, clock: ManualClock) -> None:
    ids = emu.generate_orders("7494001", 230, T0 - timedelta(days=10), T0 - timedelta(hours=1))
    cipher = emu.shop_cipher("7494001")
    body = {"update_time_ge": int((T0 - timedelta(days=11)).timestamp()),
            "update_time_lt": int((T0 + timedelta(hours=1)).timestamp())}
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        extra = {"page_token": token} if token else {}
        data = seller.search(cipher, body, sort_field="update_time", sort_order="ASC", **extra).json()["data"]
        pages += 1
        assert data["total_count"] == 230
        times = [o["update_time"] for o in data["orders"]]
        assert times == sorted(times)
        seen += [o["id"] for o in data["orders"]]
        if pages == 1:
            # An order updated while we page moves behind us: listed again, never lost.
            clock.advance(seconds=5)
            emu.set_order_status("7494001", seen[0], "CANCELLED")
        token = data["next_page_token"]
        if not token:
            break
    assert pages == 3 and set(seen) == set(ids) and len(seen) == 231


def test_search_filters_by_created_time_and_status_newest_first_by_default(seller: Seller,
                                                                            emu: TikTokEmulator) -> None:
    emu.generate_orders("7494001", 40, T0 - timedelta(days=4), T0 - timedelta(hours=1))
    cipher = emu.shop_cipher("7494001")
    cut = int((T0 - timedelta(days=2)).timestamp())
    data = seller.search(cipher, {"create_time_ge": cut}).json()["data"]
    created = [o["create_time"] for o in data["orders"]]
    assert created and all(c >= cut for c in created) and created == sorted(created, reverse=True)
    truth = emu.orders("7494001")
    assert data["total_count"] == sum(1 for o in truth.values() if o["create_time"] >= cut)
    only = seller.search(cipher, {"order_status": "CANCELLED"}).json()["data"]["orders"]
    assert {o["status"] for o in only} <= {"CANCELLED"}
    buyer = next(iter(truth.values()))["user_id"]
    assert [o["user_id"] for o in seller.search(cipher, {"buyer_user_id": buyer}).json()["data"]["orders"]] == [buyer]
    assert seller.search(cipher, {"shipping_type": "SELLER"}).json()["data"]["orders"] == []


def test_search_rejects_bad_parameters(seller: Seller, emu: TikTokEmulator) -> None:
    cipher = emu.shop_cipher("7494001")
    assert _error(seller.search(cipher, {}, page_size="101")) == (400, 36009004)
    assert _error(seller.search(cipher, {}, page_size="0")) == (400, 36009004)
    assert _error(seller.search(cipher, {}, sort_field="price")) == (400, 36009004)
    assert _error(seller.search(cipher, {"order_status": "LOST"})) == (400, 36009004)
    assert _error(seller.search(cipher, {}, page_token="garbage")) == (400, 36009004)


def test_a_page_token_belongs_to_its_query(seller: Seller, emu: TikTokEmulator) -> None:
    emu.generate_orders("7494001", 5, T0 - timedelta(days=1), T0)
    cipher = emu.shop_cipher("7494001")
    token = seller.search(cipher, {}, page_size="2").json()["data"]["next_page_token"]
    assert token
    assert _error(seller.search(cipher, {"order_status": "UNPAID"}, page_size="2", page_token=token)) == (400, 36009004)


def test_order_detail_answers_up_to_fifty_ids(seller: Seller, emu: TikTokEmulator) -> None:
    ids = emu.generate_orders("7494001", 3, T0 - timedelta(days=1), T0)
    cipher = emu.shop_cipher("7494001")
    data = seller.call("GET", "/order/202309/orders", {"shop_cipher": cipher, "ids": f"{ids[0]},{ids[2]},nope"})
    assert [o["id"] for o in data.json()["data"]["orders"]] == [ids[0], ids[2]]
    too_many = ",".join(str(i) for i in range(51))
    answer = seller.call("GET", "/order/202309/orders", {"shop_cipher": cipher, "ids": too_many})
    assert _error(answer) == (400, 36009004)


def test_throttling_answers_429_per_api_and_shop(seller: Seller, emu: TikTokEmulator, clock: ManualClock) -> None:
    emu.set_rate_limit(1, 2)
    cipher = emu.shop_cipher("7494001")
    codes = [seller.search(cipher, {}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert seller.search(cipher, {}).json()["code"] == 36009002
    assert seller.shops()                     # another API has its own quota
    assert seller.search(emu.shop_cipher("7494002"), {}).status_code == 200   # and another shop
    clock.advance(seconds=1)
    assert seller.search(cipher, {}).status_code == 200


def test_injected_failures_carry_the_error_envelope(seller: Seller, emu: TikTokEmulator) -> None:
    emu.fail_next(2, 503)
    emu.fail_next(1, 429)
    assert _error(seller.call("GET", "/authorization/202309/shops")) == (503, 36009003)
    assert _error(seller.call("GET", "/authorization/202309/shops")) == (503, 36009003)
    assert _error(seller.call("GET", "/authorization/202309/shops")) == (429, 36009002)
    assert seller.call("GET", "/authorization/202309/shops").json()["message"] == "Success"
    assert [c.status_code for c in emu.calls[-4:]] == [503, 503, 429, 200]


# --- the world --------------------------------------------------------------------------------------

def test_generated_orders_are_consistent_and_deterministic(clock: ManualClock) -> None:
    def world() -> dict[str, dict[str, Any]]:
        e = TikTokEmulator(KEY, SECRET, clock=clock, seed=11)
        e.add_store("1", "US", account="a")
        e.generate_orders("1", 120, T0 - timedelta(days=20), T0)
        return e.orders("1")

    orders = world()
    assert orders == world()
    statuses = {o["status"] for o in orders.values()}
    assert {"AWAITING_SHIPMENT", "IN_TRANSIT", "COMPLETED", "CANCELLED"} <= statuses <= set(ORDER_STATUSES)
    for o in orders.values():
        pay = o["payment"]
        sale = sum(Decimal(li["sale_price"]) for li in o["line_items"])
        assert Decimal(pay["sub_total"]) == sale
        assert Decimal(pay["total_amount"]) == sale + Decimal(pay["shipping_fee"]) + Decimal(pay["tax"])
        assert pay["currency"] == "USD" and all(li["currency"] == "USD" for li in o["line_items"])
        assert o["create_time"] <= o["update_time"] <= int(T0.timestamp())
        assert ("recipient_address" in o) == (o["status"] not in ("UNPAID", "ON_HOLD") and "paid_time" in o)
        if o["status"] == "CANCELLED":
            assert o["cancellation_initiator"] in ("SYSTEM", "BUYER") and o["cancel_reason"]
        if o["status"] in ("IN_TRANSIT", "DELIVERED", "COMPLETED"):
            assert o["tracking_number"] and o["rts_time"] <= o["collection_time"]


def test_us_orders_wait_on_hold_after_payment_without_an_address(emu: TikTokEmulator) -> None:
    emu.generate_orders("7494002", 30, T0 - timedelta(minutes=50), T0 - timedelta(minutes=20))
    held = [o for o in emu.orders("7494002").values() if o["status"] == "ON_HOLD"]
    assert held and all(o["is_on_hold_order"] and "recipient_address" not in o and o["paid_time"] for o in held)


def test_tick_plays_due_steps_stamped_now(emu: TikTokEmulator, clock: ManualClock) -> None:
    emu.generate_orders("7494001", 30, T0 - timedelta(hours=6), T0)
    before = emu.orders("7494001")
    clock.advance(days=2)
    created, updated = emu.tick()
    after = emu.orders("7494001")
    moved = [k for k in before if after[k]["status"] != before[k]["status"]]
    assert updated >= len(moved) > 0 and len(after) == len(before) + created
    assert all(after[k]["update_time"] == int(clock.now().timestamp()) for k in moved)


def test_raw_orders_are_served_verbatim(seller: Seller, emu: TikTokEmulator) -> None:
    order_id = emu.insert_raw_order("7494001", {"id": "576000000000000001", "status": "TELEPORTED", "x": [1]})
    cipher = emu.shop_cipher("7494001")
    (listed,) = seller.search(cipher, {}).json()["data"]["orders"]
    assert order_id == "576000000000000001" and listed == {"id": order_id, "status": "TELEPORTED", "x": [1]}


def test_a_snapshot_restores_the_world_and_tokens(emu: TikTokEmulator, seller: Seller, clock: ManualClock,
                                                  tmp_path: Path) -> None:
    emu.generate_orders("7494001", 10, T0 - timedelta(days=1), T0)
    emu.save(tmp_path / "tiktok.pickle")
    again = TikTokEmulator(KEY, SECRET, clock=clock)
    assert again.restore(tmp_path / "tiktok.pickle") and not again.restore(tmp_path / "none.pickle")
    assert again.orders("7494001") == emu.orders("7494001")
    seller.emu = again
    seller.http = httpx.Client(transport=again.transport(), base_url="https://open-api.tiktokglobalshop.com")
    assert seller.shops()


def test_the_consent_page_redirects_with_a_code(emu: TikTokEmulator) -> None:
    http = httpx.Client(transport=emu.transport(), base_url="https://services.tiktokshop.com")
    page = http.get("/open/authorize", params={"service_id": "7431458374265161478", "state": "xyz"})
    assert page.status_code == 200 and "acme" in page.text
    session = page.text.split('name="session" value="')[1].split('"')[0]
    answer = http.post("/open/authorize", data={"session": session, "account": "acme"})
    assert answer.status_code == 302
    location = httpx.URL(answer.headers["location"])
    assert location.params["state"] == "xyz" and location.params["code"]
    assert http.post("/open/authorize", data={"session": session, "account": "acme"}).status_code == 400


# --- webhooks ---------------------------------------------------------------------------------------

class Receiver(httpx.BaseTransport):
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.got: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.got.append(request)
        return httpx.Response(self.status)


def test_order_changes_are_pushed_signed(emu: TikTokEmulator, clock: ManualClock) -> None:
    (order_id,) = emu.generate_orders("7494001", 1, T0 - timedelta(hours=2), T0 - timedelta(hours=1))
    receiver = Receiver()
    emu.subscribe_pushes("https://hub.example/webhooks/tiktok", receiver)
    clock.advance(minutes=1)
    emu.set_order_status("7494001", order_id, "CANCELLED")
    (push,) = receiver.got
    assert push.headers["authorization"] == hmac.new(SECRET.encode(), KEY.encode() + push.content,
                                                     hashlib.sha256).hexdigest()
    body = json.loads(push.content)
    assert body["type"] == 1 and body["shop_id"] == "7494001" and len(body["tts_notification_id"]) == 19
    assert body["data"] == {"order_id": order_id, "order_status": "CANCEL", "is_on_hold_order": False,
                            "update_time": int(clock.now().timestamp())}


def test_failed_pushes_are_retried_on_the_documented_schedule(emu: TikTokEmulator, clock: ManualClock) -> None:
    (order_id,) = emu.generate_orders("7494001", 1, T0 - timedelta(hours=2), T0 - timedelta(hours=1))
    receiver = Receiver(status=500)
    emu.subscribe_pushes("https://hub.example/webhooks/tiktok", receiver)
    emu.set_order_status("7494001", order_id, "IN_TRANSIT")
    for wait, total in ((timedelta(minutes=1), 1), (timedelta(minutes=1), 2), (timedelta(minutes=30), 3),
                        (timedelta(hours=3), 4), (timedelta(hours=12), 5), (timedelta(days=2), 5)):
        clock.advance(seconds=wait.total_seconds())
        emu.tick()
        assert sum(1 for r in receiver.got if json.loads(r.content)["data"]["order_id"] == order_id) == total
    assert len({r.content for r in receiver.got if json.loads(r.content)["data"]["order_id"] == order_id}) == 1


def test_a_401_ends_the_delivery(emu: TikTokEmulator, clock: ManualClock) -> None:
    (order_id,) = emu.generate_orders("7494001", 1, T0 - timedelta(hours=2), T0 - timedelta(hours=1))
    receiver = Receiver(status=401)
    emu.subscribe_pushes("https://hub.example/webhooks/tiktok", receiver)
    emu.set_order_status("7494001", order_id, "IN_TRANSIT")
    clock.advance(hours=1)
    emu.tick()
    assert sum(1 for r in receiver.got if json.loads(r.content)["data"]["order_id"] == order_id) == 1


def test_order_detail_takes_repeated_ids_and_the_current_version(seller: Seller, emu: TikTokEmulator,
                                                                  clock: ManualClock) -> None:
    """Client libraries encode lists as repeated keys (ids=a&ids=b) and call the 202507 version."""
    ids = emu.generate_orders("7494001", 3, T0 - timedelta(days=1), T0)
    cipher = emu.shop_cipher("7494001")
    path = "/order/202507/orders"
    pairs = [("app_key", KEY), ("timestamp", str(int(clock.now().timestamp()))), ("shop_cipher", cipher),
             ("ids", ids[0]), ("ids", ids[1])]
    # Signed independently: each value of a repeated key is signed, keys in ASCII order, values as sent.
    base = path + "".join(f"{k}{v}" for k, v in sorted(pairs, key=lambda kv: kv[0]))
    sign_value = hmac.new(SECRET.encode(), f"{SECRET}{base}{SECRET}".encode(), hashlib.sha256).hexdigest()
    answer = seller.http.get(path, params=[*pairs, ("sign", sign_value)],
                             headers={"x-tts-access-token": seller.token, "content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert [o["id"] for o in answer.json()["data"]["orders"]] == ids[:2]


# --- products, warehouses, stock -------------------------------------------------------------------

def _specs(products: int, active: bool = True, prefix: str = "SH") -> list[ProductSpec]:
    return [ProductSpec(f"Shirt {p}", (VariantSpec(f"{prefix}-{p}-S", "S", Decimal("9.90"), 5, barcode="4006381333931"),
                                       VariantSpec(f"{prefix}-{p}-M", "M", Decimal("10.90"), 0)), active=active)
            for p in range(products)]


def _products(seller: Seller, cipher: str, body: dict[str, Any] | None = None, **params: str) -> httpx.Response:
    return seller.call("POST", "/product/202309/products/search",
                       {"shop_cipher": cipher, "page_size": "100", **params}, body or {})


def _update(seller: Seller, cipher: str, product_id: str, skus: list[dict[str, Any]]) -> httpx.Response:
    return seller.call("POST", f"/product/202309/products/{product_id}/inventory/update", {"shop_cipher": cipher},
                       {"skus": skus})


def _default_warehouse(seller: Seller, cipher: str) -> str:
    warehouses = seller.call("GET", "/logistics/202309/warehouses", {"shop_cipher": cipher}).json()["data"]
    (default,) = [w for w in warehouses["warehouses"] if w["type"] == "SALES_WAREHOUSE" and w["is_default"]]
    return str(default["id"])


def test_search_products_pages_every_product_once(seller: Seller, emu: TikTokEmulator) -> None:
    emu.set_catalogue("7494001", _specs(250))
    cipher = emu.shop_cipher("7494001")
    seen: list[str] = []
    token = ""
    while True:
        data = _products(seller, cipher, {"status": "ALL"}, **({"page_token": token} if token else {})).json()["data"]
        assert data["total_count"] == 250 and len(data["products"]) <= 100
        seen += [p["id"] for p in data["products"]]
        token = data["next_page_token"]
        if not token:
            break
    assert len(seen) == len(set(seen)) == 250
    assert {p["item_id"] for p in emu.listings("7494001")} == set(seen)


def test_a_product_is_listed_with_its_skus_prices_and_stock(seller: Seller, emu: TikTokEmulator) -> None:
    emu.set_catalogue("7494001", _specs(1))
    cipher = emu.shop_cipher("7494001")
    (product,) = _products(seller, cipher).json()["data"]["products"]
    warehouse = _default_warehouse(seller, cipher)
    assert product["status"] == "ACTIVATE" and product["title"] == "Shirt 0" and product["sales_regions"] == ["SG"]
    assert [(s["seller_sku"], s["price"], s["inventory"]) for s in product["skus"]] == [
        ("SH-0-S", {"currency": "SGD", "tax_exclusive_price": "9.90", "sale_price": "9.90"},
         [{"warehouse_id": warehouse, "quantity": 5}]),
        ("SH-0-M", {"currency": "SGD", "tax_exclusive_price": "10.90", "sale_price": "10.90"},
         [{"warehouse_id": warehouse, "quantity": 0}])]


@pytest.mark.parametrize("page_size", ["0", "101", "many"])
def test_search_products_refuses_a_page_size_outside_one_to_a_hundred(seller: Seller, emu: TikTokEmulator,
                                                                       page_size: str) -> None:
    answer = _products(seller, emu.shop_cipher("7494001"), page_size=page_size)
    assert _error(answer) == (400, 12019109) and answer.json()["message"] == "page size is invalid"


def test_search_products_stops_at_ten_thousand_results(seller: Seller, emu: TikTokEmulator) -> None:
    cipher = emu.shop_cipher("7494001")
    deep = base64.b64encode(b"offset=9901\n").decode()   # the documented token shape: base64 of "offset=N"
    assert _error(_products(seller, cipher, page_token=deep)) == (400, 12052180)
    assert _products(seller, cipher, page_token=base64.b64encode(b"offset=9900\n").decode()).json()["code"] == 0
    assert _error(_products(seller, cipher, page_token="not a token")) == (400, 12052910)


def test_product_apis_check_the_signature_and_the_shop(seller: Seller, emu: TikTokEmulator) -> None:
    cipher = emu.shop_cipher("7494001")
    answer = seller.call("POST", "/product/202309/products/search", {"shop_cipher": cipher, "page_size": "10"},
                         {}, secret="wrong")
    assert _error(answer) == (401, 106001)
    assert _error(seller.call("GET", "/logistics/202309/warehouses")) == (400, 106013)
    assert _error(_update(seller, emu.shop_cipher("7494003"), "1", [])) == (403, 101000)


def test_search_products_filters_by_status_and_refuses_unknown_ones(seller: Seller, emu: TikTokEmulator) -> None:
    emu.set_catalogue("7494001", [*_specs(2), *_specs(1, active=False, prefix="OFF")])
    cipher = emu.shop_cipher("7494001")
    (off,) = _products(seller, cipher, {"status": "SELLER_DEACTIVATED"}).json()["data"]["products"]
    assert off["status"] == "SELLER_DEACTIVATED"
    assert len(_products(seller, cipher, {"status": "ACTIVATE"}).json()["data"]["products"]) == 2
    assert _error(_products(seller, cipher, {"status": "LIVE"})) == (400, 12052910)
    assert _error(_products(seller, cipher, {"seller_skus": [str(i) for i in range(11)]})) == (400, 12019027)


def test_every_shop_lists_a_default_sales_warehouse_its_orders_ship_from(seller: Seller, emu: TikTokEmulator) -> None:
    cipher = emu.shop_cipher("7494001")
    warehouses = seller.call("GET", "/logistics/202309/warehouses", {"shop_cipher": cipher}).json()["data"]
    assert {(w["type"], w["is_default"]) for w in warehouses["warehouses"]} == {
        ("SALES_WAREHOUSE", True), ("SALES_WAREHOUSE", False), ("RETURN_WAREHOUSE", True)}
    (order_id,) = emu.generate_orders("7494001", 1, T0 - timedelta(days=1), T0)
    assert emu.orders("7494001")[order_id]["warehouse_id"] == _default_warehouse(seller, cipher)


def test_inventory_is_updated_per_sku_and_an_unknown_sku_is_refused_alone(seller: Seller,
                                                                          emu: TikTokEmulator) -> None:
    emu.set_catalogue("7494001", _specs(1))
    cipher = emu.shop_cipher("7494001")
    warehouse = _default_warehouse(seller, cipher)
    small, medium = emu.listings("7494001")
    answer = _update(seller, cipher, small["item_id"], [
        {"id": small["variant_id"], "inventory": [{"warehouse_id": warehouse, "quantity": 0}]},
        {"id": "1799999999999999999", "inventory": [{"warehouse_id": warehouse, "quantity": 4}]},
        # "warehouse_id: Optional if there is only 1 warehouse."
        {"id": medium["variant_id"], "inventory": [{"quantity": 99_999}]}])
    assert answer.status_code == 200 and answer.json()["code"] == 0
    assert answer.json()["data"]["errors"] == [{"code": 12052556, "message": "The SKU id not exist.",
                                                "detail": {"sku_id": "1799999999999999999"}}]
    assert [row["quantity"] for row in emu.listings("7494001")] == [0, 99_999]


def test_inventory_of_a_deactivated_product_cannot_be_updated(seller: Seller, emu: TikTokEmulator) -> None:
    emu.set_catalogue("7494001", _specs(1, active=False))
    cipher = emu.shop_cipher("7494001")
    row = emu.listings("7494001")[0]
    answer = _update(seller, cipher, row["item_id"], [{"id": row["variant_id"], "inventory": [{"quantity": 3}]}])
    assert _error(answer) == (400, 12052901)
    assert emu.listings("7494001")[0]["quantity"] == 5


@pytest.mark.parametrize(("skus", "code"), [
    ([], 12052902),
    ([{"inventory": [{"quantity": 1}]}], 12052036),
    ([{"id": f"17{i:017d}", "inventory": [{"quantity": 1}]} for i in range(101)], 12052050),
    ([{"id": "1", "inventory": [{"quantity": 1}]}, {"id": "1", "inventory": [{"quantity": 2}]}], 12052553),
])
def test_inventory_update_refuses_malformed_sku_lists(seller: Seller, emu: TikTokEmulator,
                                                      skus: list[dict[str, Any]], code: int) -> None:
    emu.set_catalogue("7494001", _specs(1))
    answer = _update(seller, emu.shop_cipher("7494001"), emu.listings("7494001")[0]["item_id"], skus)
    assert _error(answer) == (400, code)


def test_inventory_update_checks_warehouses_and_quantities(seller: Seller, emu: TikTokEmulator) -> None:
    emu.set_catalogue("7494001", _specs(1))
    cipher = emu.shop_cipher("7494001")
    warehouses = seller.call("GET", "/logistics/202309/warehouses", {"shop_cipher": cipher}).json()["data"]
    other = next(w["id"] for w in warehouses["warehouses"] if w["type"] == "SALES_WAREHOUSE" and not w["is_default"])
    small, medium = emu.listings("7494001")
    answer = _update(seller, cipher, small["item_id"], [
        {"id": small["variant_id"], "inventory": [{"warehouse_id": other, "quantity": 1}]},
        {"id": medium["variant_id"], "inventory": [{"warehouse_id": _default_warehouse(seller, cipher),
                                                     "quantity": 100_000}]}])
    errors = answer.json()["data"]["errors"]
    assert [(e["code"], [x["code"] for x in e["detail"]["extra_errors"]]) for e in errors] == [
        (12052990, [12052533, 12052533]), (12052990, [12052055])]
    assert [row["quantity"] for row in emu.listings("7494001")] == [5, 0]
    with pytest.raises(KeyError):
        emu.place_order("7494001", "NO-SUCH-SKU", 1)


def test_product_id_paths_share_one_rate_limit(seller: Seller, emu: TikTokEmulator) -> None:
    emu.set_catalogue("7494001", _specs(2))
    cipher = emu.shop_cipher("7494001")
    first, _, second, _ = emu.listings("7494001")
    emu.set_rate_limit(1, 1)
    assert _update(seller, cipher, first["item_id"], [{"id": first["variant_id"], "inventory": [{"quantity": 1}]}]
                   ).json()["code"] == 0
    answer = _update(seller, cipher, second["item_id"], [{"id": second["variant_id"], "inventory": [{"quantity": 1}]}])
    assert _error(answer) == (429, 36009002)


def test_a_buyer_takes_stock_until_none_is_left(emu: TikTokEmulator, clock: ManualClock) -> None:
    emu.set_catalogue("7494001", [*_specs(1), *_specs(1, active=False, prefix="OFF")])
    receiver = Receiver()
    emu.subscribe_pushes("https://hub.example/webhooks/tiktok", receiver)
    order_id = emu.place_order("7494001", "SH-0-S", 5)
    assert order_id is not None
    order = emu.orders("7494001")[order_id]
    assert order["status"] == "AWAITING_SHIPMENT" and order["update_time"] == int(clock.now().timestamp())
    assert [(i["seller_sku"], i["sku_name"], i["original_price"]) for i in order["line_items"]] == [
        ("SH-0-S", "S", "9.90")] * 5
    assert json.loads(receiver.got[-1].content)["data"]["order_id"] == order_id
    assert emu.listings("7494001")[0]["quantity"] == 0
    assert emu.place_order("7494001", "SH-0-S", 1) is None       # sold out
    assert emu.place_order("7494001", "SH-0-M", 1) is None       # never stocked
    assert emu.place_order("7494001", "OFF-0-S", 1) is None      # deactivated: not for sale
    with pytest.raises(ValueError):
        emu.place_order("7494001", "SH-0-S", 0)


def test_generated_orders_are_drawn_from_the_catalogue(emu: TikTokEmulator) -> None:
    emu.set_catalogue("7494001", _specs(3))
    ids = emu.generate_orders("7494001", 20, T0 - timedelta(days=5), T0)
    skus = {i["seller_sku"] for order_id in ids for i in emu.orders("7494001")[order_id]["line_items"]}
    assert skus and skus <= {row["seller_sku"] for row in emu.listings("7494001")}
    emu.set_catalogue("7494001", [])
    with pytest.raises(ValueError, match="sells nothing"):
        emu.generate_orders("7494001", 1, T0 - timedelta(days=1), T0)


def test_the_catalogue_survives_a_snapshot(emu: TikTokEmulator, clock: ManualClock, tmp_path: Path) -> None:
    emu.set_catalogue("7494001", _specs(2))
    emu.place_order("7494001", "SH-1-S", 2)
    emu.save(tmp_path / "tiktok.pickle")
    again = TikTokEmulator(KEY, SECRET, clock=clock)
    assert again.restore(tmp_path / "tiktok.pickle")
    assert again.listings("7494001") == emu.listings("7494001")
    assert again.place_order("7494001", "SH-1-S", 3) is not None and again.listings("7494001")[2]["quantity"] == 0


def test_the_control_api_sets_lists_and_buys(emu: TikTokEmulator) -> None:
    http = httpx.Client(transport=emu.transport(), base_url="http://emulator")
    body = {"products": [{"title": "Lamp", "active": True, "weight_kg": "1.2",
                          "variants": [{"sku": "LAMP-1", "name": "", "price": "12.50", "quantity": 2,
                                        "barcode": "4006381333931"}]}]}
    assert http.post("/_emulator/shops/7494001/catalogue", json=body).status_code == 201
    (row,) = http.get("/_emulator/shops/7494001/listings").json()["listings"]
    assert (row["seller_sku"], row["price"], row["quantity"], row["active"]) == ("LAMP-1", "12.50", 2, True)
    assert http.post("/_emulator/shops/7494001/buy", json={"sku": "LAMP-1", "quantity": 2}).json()["order_id"]
    assert http.post("/_emulator/shops/7494001/buy", json={"sku": "LAMP-1", "quantity": 1}).status_code == 409
    assert http.post("/_emulator/shops/7494001/buy", json={"sku": "NOPE"}).status_code == 404
    assert http.post("/_emulator/shops/7494001/catalogue", json={"products": [{"title": "x"}]}).status_code == 400
    assert http.post("/_emulator/shops/404/catalogue", json=body).status_code == 404
