"""Behaviour of the Joom for Merchants API emulator, exercised over HTTP with a sync httpx client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from crossdock.emulators.joom import JoomEmulator
from crossdock.emulators.joom.__main__ import build
from crossdock.ports.clock import ManualClock

CLIENT_ID, CLIENT_SECRET = "5f0c1d2e3a4b5c6d7e8f9a0b", "joom-emulator-test-secret"
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BASE = "https://api-merchant.joom.test"
MULTI, ORDER, STORES = "/api/v3/orders/multi", "/api/v3/orders", "/api/v3/stores"
ACCESS, REFRESH, AUTHORIZE = "/api/v2/oauth/access_token", "/api/v2/oauth/refresh_token", "/api/v2/oauth/authorize"


class Merchant:
    """A minimal Joom client, written from the docs, to drive the emulator."""

    opened: list[httpx.Client] = []

    def __init__(self, emu: JoomEmulator) -> None:
        self.emu = emu
        self.http = httpx.Client(base_url=BASE, transport=emu.transport(), follow_redirects=False)
        Merchant.opened.append(self.http)
        self.access = ""

    def token(self, path: str = ACCESS, **fields: str) -> httpx.Response:
        return self.http.post(path, data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **fields})

    def login(self, account: str = "acme") -> dict[str, Any]:
        answer = self.token(code=self.emu.authorize(account), grant_type="authorization_code")
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()["data"]
        self.access = data["access_token"]
        return data

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.access if token is None else token}"}
        # httpx drops a URL's own query when given params, even empty ones: pass none for a paging link.
        return self.http.get(path, params=params or None, headers=headers)

    def all_orders(self, **params: Any) -> list[dict[str, Any]]:
        answer = self.get(MULTI, **params)
        orders: list[dict[str, Any]] = []
        while True:
            assert answer.status_code == 200, answer.text
            orders.extend(answer.json()["data"]["items"])
            link = answer.json()["paging"].get("next")
            if not link:
                return orders
            answer = self.get(link)


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while Merchant.opened:
        Merchant.opened.pop().close()   # stops the transport's event-loop thread


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[JoomEmulator]:
    emulator = JoomEmulator(CLIENT_ID, CLIENT_SECRET, clock=clock, seed=7)
    emulator.add_store("store-a", "EU", account="acme")
    emulator.add_store("store-b", "DE", account="acme")
    emulator.add_store("rival-1", "FR", account="rival")
    yield emulator


@pytest.fixture
def merchant(emu: JoomEmulator) -> Merchant:
    m = Merchant(emu)
    m.login()
    return m


def error(answer: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = answer.json()["errors"][0]
    return body


# ---- OAuth -------------------------------------------------------------------------------------


def test_a_code_buys_an_account_wide_token_pair_once(emu: JoomEmulator) -> None:
    m = Merchant(emu)
    code = emu.authorize("acme")
    first = m.token(code=code, grant_type="authorization_code")
    body = first.json()
    assert first.status_code == 200 and body["code"] == 0 and body["message"] == ""
    data = body["data"]
    assert set(data) == {"access_token", "refresh_token", "expires_in", "expiry_time", "merchant_user_id"}
    assert data["expires_in"] == 30 * 86_400 and data["expiry_time"] == int(START.timestamp()) + 30 * 86_400
    assert data["merchant_user_id"] == emu.merchant_user_id("acme")
    assert re.fullmatch(r"[0-9a-f]{24}", data["merchant_user_id"])
    again = m.token(code=code, grant_type="authorization_code")
    assert again.status_code == 400 and again.json()["code"] != 0


def test_a_code_lives_five_minutes(emu: JoomEmulator, clock: ManualClock) -> None:
    code = emu.authorize("acme")
    clock.advance(minutes=5)
    assert Merchant(emu).token(code=code, grant_type="authorization_code").status_code == 400


@pytest.mark.parametrize(("fields", "status"), [
    ({"client_secret": "wrong"}, 401),
    ({"client_id": "someone-else"}, 401),
    ({"grant_type": "refresh_token"}, 400),
    ({"code": ""}, 400),
])
def test_token_requests_are_checked(emu: JoomEmulator, fields: dict[str, str], status: int) -> None:
    base = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": emu.authorize("acme"),
            "grant_type": "authorization_code"}
    answer = Merchant(emu).http.post(ACCESS, data=base | fields)
    assert answer.status_code == status and answer.json()["code"] != 0 and answer.json()["data"] == {}


def test_query_parameters_work_like_form_fields(emu: JoomEmulator) -> None:
    params = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": emu.authorize("acme"),
              "grant_type": "authorization_code"}
    assert Merchant(emu).http.post(ACCESS, params=params).status_code == 200


def test_refresh_gives_a_new_pair_and_retires_the_used_refresh_token(merchant: Merchant) -> None:
    first_access = merchant.access
    old = merchant.token(code=merchant.emu.authorize("acme"), grant_type="authorization_code").json()["data"]
    fresh = merchant.token(REFRESH, refresh_token=old["refresh_token"], grant_type="refresh_token")
    assert fresh.status_code == 200
    new = fresh.json()["data"]
    assert new["refresh_token"] != old["refresh_token"] and new["merchant_user_id"] == old["merchant_user_id"]
    assert merchant.get(STORES, token=new["access_token"]).status_code == 200
    assert merchant.get(STORES, token=first_access).status_code == 200   # older access tokens live on
    spent = merchant.token(REFRESH, refresh_token=old["refresh_token"], grant_type="refresh_token")
    assert spent.status_code == 400 and spent.json()["code"] != 0


def test_tokens_expire_with_the_clock(merchant: Merchant, clock: ManualClock) -> None:
    data = merchant.token(code=merchant.emu.authorize("acme"), grant_type="authorization_code").json()["data"]
    clock.advance(days=30)
    answer = merchant.get(STORES, token=data["access_token"])
    assert answer.status_code == 401 and error(answer)["code"] == "unauthorized"
    assert merchant.token(REFRESH, refresh_token=data["refresh_token"], grant_type="refresh_token").status_code == 400


def test_expire_access_tokens_hits_only_that_merchant(emu: JoomEmulator, merchant: Merchant) -> None:
    rival = Merchant(emu)
    rival.login("rival")
    emu.expire_access_tokens("acme")
    assert merchant.get(STORES).status_code == 401
    assert rival.get(STORES).status_code == 200


@pytest.mark.parametrize("header", ["", "Basic abc", "Bearer ", "Bearer not-a-token"])
def test_v3_calls_need_a_valid_bearer_token(merchant: Merchant, header: str) -> None:
    answer = merchant.http.get(STORES, headers={"Authorization": header} if header else {})
    assert answer.status_code == 401 and error(answer)["code"] == "unauthorized"


def test_the_consent_page_redirects_back_with_a_code_and_state(emu: JoomEmulator) -> None:
    m = Merchant(emu)
    redirect = "https://crossdock.example/joom/callback?x=1"
    page = m.http.get(AUTHORIZE, params={"client_id": CLIENT_ID, "redirect_uri": redirect, "state": "s1",
                                         "response_type": "code"})
    assert page.status_code == 200 and emu.merchant_user_id("acme") in page.text
    session = re.search(r'name="session" value="([0-9a-f]+)"', page.text)
    assert session is not None
    back = m.http.post(AUTHORIZE, data={"session": session.group(1), "merchant": "acme"})
    assert back.status_code == 302
    location = urlsplit(back.headers["location"])
    query = parse_qs(location.query)
    assert location.path == "/joom/callback" and query["state"] == ["s1"] and query["x"] == ["1"]
    code = query["code"][0]
    # A code issued for a redirect_uri is only exchanged with that same redirect_uri.
    assert m.token(code=code, grant_type="authorization_code").status_code == 400
    code = emu.authorize("acme", redirect_uri=redirect)
    assert m.token(code=code, grant_type="authorization_code", redirect_uri=redirect).status_code == 200
    assert m.http.get(AUTHORIZE, params={"client_id": "unknown"}).status_code == 400
    assert m.http.post(AUTHORIZE, data={"session": session.group(1), "merchant": "acme"}).status_code == 400


# ---- orders/multi ------------------------------------------------------------------------------


def seed(emu: JoomEmulator, store: str = "store-a", count: int = 230) -> list[str]:
    return emu.generate_orders(store, count, START - timedelta(days=10), START - timedelta(hours=1))


def test_pages_default_to_100_and_never_exceed_500(merchant: Merchant) -> None:
    seed(merchant.emu, count=120)
    answer = merchant.get(MULTI, storeId="store-a")
    assert len(answer.json()["data"]["items"]) == 100 and answer.json()["paging"]["next"]
    for bad in ("0", "501", "ten", "-1"):
        refused = merchant.get(MULTI, limit=bad)
        assert refused.status_code == 400
        assert error(refused)["code"] == "invalid_argument" and error(refused)["field"] == "limit"
    assert len(merchant.get(MULTI, limit=500).json()["data"]["items"]) == 120


def test_paging_walks_every_order_once_with_links_of_after_and_limit(merchant: Merchant) -> None:
    ids = seed(merchant.emu)
    answer = merchant.get(MULTI, storeId="store-a", limit=37, updatedFrom="2026-10-01T00:00:00Z")
    link = answer.json()["paging"]["next"]
    assert set(parse_qs(urlsplit(link).query)) == {"after", "limit"} and link.startswith(BASE + MULTI)
    got = [o["id"] for o in merchant.all_orders(storeId="store-a", limit=37, updatedFrom="2026-10-01T00:00:00Z")]
    assert sorted(got) == sorted(ids) and len(got) == len(set(got)) == 230
    assert all(re.fullmatch(r"[A-Z0-9]{8}", i) for i in got)


def test_orders_changing_between_pages_do_not_break_paging(merchant: Merchant, clock: ManualClock) -> None:
    ids = seed(merchant.emu)
    first = merchant.get(MULTI, storeId="store-a", limit=50)
    seen = [o["id"] for o in first.json()["data"]["items"]]
    clock.advance(minutes=1)
    for order_id in ids[:40]:
        merchant.emu.set_order_status("store-a", order_id, "shipped")
    answer = merchant.get(first.json()["paging"]["next"])
    while True:
        seen.extend(o["id"] for o in answer.json()["data"]["items"])
        link = answer.json()["paging"].get("next")
        if not link:
            break
        answer = merchant.get(link)
    assert sorted(seen) == sorted(ids)


def test_the_cursor_carries_its_query(merchant: Merchant) -> None:
    seed(merchant.emu)
    seed(merchant.emu, "store-b", 40)
    first = merchant.get(MULTI, storeId="store-b", limit=10)
    link = first.json()["paging"]["next"]
    rest = merchant.get(link).json()["data"]["items"]
    assert {o["storeId"] for o in rest} == {"store-b"}
    # Repeating the query with the cursor is fine; changing it is refused.
    after = parse_qs(urlsplit(link).query)["after"][0]
    assert merchant.get(MULTI, after=after, storeId="store-b").status_code == 200
    changed = merchant.get(MULTI, after=after, storeId="store-a")
    assert changed.status_code == 400 and error(changed)["field"] == "after"
    assert merchant.get(MULTI, after="not-a-cursor").status_code == 400


def test_update_window_is_inclusive_from_and_exclusive_to(merchant: Merchant, clock: ManualClock) -> None:
    order_id = seed(merchant.emu, count=5)[0]
    clock.advance(hours=1)
    merchant.emu.set_order_status("store-a", order_id, "shipped")
    stamp = merchant.emu.orders("store-a")[order_id]["updateTimestamp"]
    assert stamp == "2026-11-01T13:00:00Z"
    assert [o["id"] for o in merchant.all_orders(updatedFrom=stamp)] == [order_id]
    assert merchant.all_orders(updatedFrom="2026-11-01T12:30:00Z", updatedTo=stamp) == []
    assert [o["id"] for o in merchant.all_orders(updatedFrom="2026-11-01T12:30:00+00:00",
                                                 updatedTo="2026-11-01T13:00:01Z")] == [order_id]


@pytest.mark.parametrize(("params", "field"), [
    ({"updatedFrom": "invalid_date"}, "updatedFrom"),
    ({"updatedTo": "2026-11-01"}, "updatedTo"),
    ({"updatedFrom": "2026-11-02T00:00:00Z", "updatedTo": "2026-11-01T00:00:00Z"}, "updatedTo"),
    ({"status": "TELEPORTED"}, "status"),
    ({"storeId": "rival-1"}, "storeId"),
    ({"storeId": "no-such-store"}, "storeId"),
])
def test_bad_filters_are_invalid_arguments(merchant: Merchant, params: dict[str, str], field: str) -> None:
    answer = merchant.get(MULTI, **params)
    assert answer.status_code == 400
    assert error(answer) == {"code": "invalid_argument", "field": field, "message": error(answer)["message"]}
    assert f"`{field}`" in error(answer)["message"]


def test_invalid_date_is_worded_as_in_the_docs(merchant: Merchant) -> None:
    answer = merchant.get(MULTI, updatedFrom="invalid_date")
    assert error(answer)["message"] == "Invalid argument `updatedFrom`: expected date/time, got `invalid_date`"


def test_without_store_id_every_store_of_the_merchant_and_no_other(merchant: Merchant) -> None:
    a, b = seed(merchant.emu, count=20), seed(merchant.emu, "store-b", 15)
    seed(merchant.emu, "rival-1", 12)
    assert sorted(o["id"] for o in merchant.all_orders(limit=500)) == sorted(a + b)
    shipped = merchant.all_orders(status="shipped")
    assert shipped and {o["status"] for o in shipped} == {"shipped"}


# ---- orders as Joom writes them ----------------------------------------------------------------


def test_orders_are_one_line_with_string_amounts_that_add_up(emu: JoomEmulator) -> None:
    seed(emu, count=60)
    for order in emu.orders("store-a").values():
        price = order["priceInfo"]
        assert all(isinstance(v, str) and re.fullmatch(r"\d+\.\d\d", v) for v in price.values())
        quantity = order["quantity"]
        assert isinstance(quantity, int) and quantity >= 1
        assert Decimal(price["orderPrice"]) == Decimal(price["unitPrice"]) * quantity + Decimal(price["shippingPrice"])
        assert Decimal(price["buyerGmv"]) == Decimal(price["orderPrice"]) + Decimal(price["vat"])
        assert order["currency"] == "EUR" and order["storeId"] == "store-a"
        assert order["orderTimestamp"] <= order["updateTimestamp"] <= "2026-11-01T12:00:00Z"
        assert set(order["product"]) >= {"id", "sku", "name", "variant"}
        assert set(order["shippingAddress"]) >= {"name", "phoneNumber", "country", "city", "zipCode", "streetAddress1"}
        if order["status"] in {"shipped", "fulfilledOnline"}:
            assert order["shipment"]["trackingNumber"]


def test_fresh_orders_wait_for_the_merchant_and_tick_plays_their_fate(emu: JoomEmulator, clock: ManualClock) -> None:
    ids = emu.generate_orders("store-a", 40, START - timedelta(hours=5), START)
    assert {o["status"] for o in emu.orders("store-a").values()} == {"approved"}
    clock.advance(days=60)
    created, updated = emu.tick()
    truth = emu.orders("store-a")
    assert updated == 40 and 0 <= created <= 3 * 3
    moved = [truth[i] for i in ids]
    assert all(o["status"] != "approved" for o in moved)
    assert {o["updateTimestamp"] for o in moved} == {"2026-12-31T12:00:00Z"}   # stamped when it became visible


def test_the_same_seed_builds_the_same_world(clock: ManualClock) -> None:
    def world() -> dict[str, dict[str, Any]]:
        e = JoomEmulator(CLIENT_ID, CLIENT_SECRET, clock=clock, seed=11)
        e.add_store("s", "EU")
        e.generate_orders("s", 50, START - timedelta(days=3), START)
        return e.orders("s")

    assert world() == world()


def test_set_status_and_raw_orders(emu: JoomEmulator, merchant: Merchant, clock: ManualClock) -> None:
    order_id = seed(emu, count=3)[0]
    clock.advance(minutes=5)
    emu.set_order_status("store-a", order_id, "returnInitiated")
    assert emu.orders("store-a")[order_id]["status"] == "returnInitiated"
    with pytest.raises(ValueError, match="unknown order status"):
        emu.set_order_status("store-a", order_id, "TELEPORTED")
    raw = {"id": "RAW00001", "status": "TELEPORTED", "updateTimestamp": "2026-10-01T00:00:00Z", "extra": [1]}
    assert emu.insert_raw_order("store-a", raw) == "RAW00001"
    listed = merchant.all_orders(updatedFrom="2026-10-01T00:00:00Z", updatedTo="2026-10-01T00:00:01Z")
    assert listed == [raw]
    assert merchant.get(ORDER, id="RAW00001").json() == {"data": raw}
    assert re.fullmatch(r"[A-Z0-9]{8}", emu.insert_raw_order("store-a", {"status": "approved"}))


def test_stores_and_regions_are_checked(emu: JoomEmulator) -> None:
    with pytest.raises(ValueError, match="unknown Joom store region"):
        emu.add_store("x", "MARS")
    with pytest.raises(ValueError, match="already exists"):
        emu.add_store("store-a", "EU")
    with pytest.raises(KeyError):
        emu.generate_orders("nope", 1, START, START)


# ---- single order and stores -------------------------------------------------------------------


def test_get_order_by_id(merchant: Merchant, emu: JoomEmulator) -> None:
    order_id = seed(emu, count=3)[0]
    rival_id = seed(emu, "rival-1", 1)[0]
    assert merchant.get(ORDER, id=order_id).json() == {"data": emu.orders("store-a")[order_id]}
    bad = merchant.get(ORDER, id="abc")
    assert bad.status_code == 400 and error(bad)["field"] == "id"
    for missing in ("ZZZZZZZZ", rival_id):
        answer = merchant.get(ORDER, id=missing)
        assert answer.status_code == 404 and error(answer)["code"] == "not_found"


def test_stores_list_the_merchants_own_with_their_figures(merchant: Merchant) -> None:
    seed(merchant.emu, count=10)
    stores = merchant.get(STORES).json()["data"]["items"]
    assert [s["id"] for s in stores] == ["store-a", "store-b"]
    assert stores[0]["status"] == "active" and stores[0]["currency"] == "EUR" and stores[0]["region"] == "EU"
    assert stores[1]["region"] == "DE" and stores[0]["ordersCount"] == 10
    assert set(stores[0]["performance"]) == {"cancellationRate", "refundRate", "returnRate"}


def test_unknown_paths_answer_not_found(merchant: Merchant) -> None:
    answer = merchant.get("/api/v3/products/multi")
    assert answer.status_code == 404 and error(answer)["code"] == "not_found"


# ---- quotas and faults -------------------------------------------------------------------------


def test_orders_multi_allows_50_requests_a_minute_per_merchant(emu: JoomEmulator, merchant: Merchant,
                                                               clock: ManualClock) -> None:
    assert all(merchant.get(MULTI).status_code == 200 for _ in range(50))
    throttled = merchant.get(MULTI)
    assert throttled.status_code == 429 and error(throttled)["code"] == "rate_limit_exceeded"
    assert throttled.headers["Retry-After"] == "2"
    assert merchant.get(STORES).status_code == 200        # other endpoints have their own quota
    rival = Merchant(emu)
    rival.login("rival")
    assert rival.get(MULTI).status_code == 200            # and other merchants theirs
    clock.advance(seconds=2)
    assert merchant.get(MULTI).status_code == 200


def test_a_lowered_limit_throttles_every_endpoint(emu: JoomEmulator, merchant: Merchant, clock: ManualClock) -> None:
    emu.set_rate_limit(1.0, 2)
    assert [merchant.get(STORES).status_code for _ in range(3)] == [200, 200, 429]
    clock.advance(seconds=1)
    assert merchant.get(STORES).status_code == 200


def test_injected_failures_answer_in_joom_form_and_are_recorded(emu: JoomEmulator, merchant: Merchant) -> None:
    before = len(emu.calls)
    emu.fail_next(2, 503)
    first, second, third = (merchant.get(STORES) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert error(first)["code"] == "unavailable"
    assert [c.status_code for c in emu.calls[before:]] == [503, 503, 200]
    emu.fail_next(1, 500)
    assert merchant.token(REFRESH, refresh_token="x", grant_type="refresh_token").status_code == 500
    assert emu.calls[-1].path == REFRESH


# ---- state and serving -------------------------------------------------------------------------


def test_save_and_restore_keep_stores_orders_and_tokens(tmp_path: Path, emu: JoomEmulator, merchant: Merchant,
                                                        clock: ManualClock) -> None:
    seed(emu, count=15)
    emu.save(tmp_path / "joom.pickle")
    other = JoomEmulator(CLIENT_ID, CLIENT_SECRET, clock=clock, seed=1)
    assert other.restore(tmp_path / "joom.pickle") and not other.restore(tmp_path / "missing.pickle")
    assert other.orders("store-a") == emu.orders("store-a")
    again = Merchant(other)
    assert again.get(STORES, token=merchant.access).status_code == 200


def test_the_demo_entry_point_and_control_routes() -> None:
    emulator, args = build(["--store", "s1:EU", "--store", "s2:FR", "--orders", "12", "--days", "2"])
    assert args.port == 8089 and sorted(emulator.world.stores) == ["s1", "s2"]
    assert len(emulator.orders("s1")) == 12
    control = httpx.Client(base_url="http://emulator.test", transport=emulator.transport())
    Merchant.opened.append(control)
    added = control.post("/_emulator/stores", json={"external_id": "s3", "region": "IT", "account": "other"})
    assert added.status_code == 201 and added.json()["account"] == "other"
    assert control.post("/_emulator/stores", json={"region": "IT"}).status_code == 400
    made = control.post("/_emulator/stores/s3/orders", json={"count": 4, "days": 1})
    assert made.status_code == 201 and made.json()["created"] == 4
    assert control.post("/_emulator/stores/nope/orders", json={}).status_code == 404
    code = control.post("/_emulator/accounts/other/authorize").json()
    assert code["merchant_user_id"] == emulator.merchant_user_id("other")
    assert {s["id"] for s in control.get("/_emulator/stores").json()["stores"]} == {"s1", "s2", "s3"}
    assert set(control.post("/_emulator/tick").json()) == {"created", "updated"}
