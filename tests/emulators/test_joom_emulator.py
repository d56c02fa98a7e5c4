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

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.joom import JoomEmulator
from crossdock.emulators.joom.__main__ import build
from crossdock.ports.clock import ManualClock

CLIENT_ID, CLIENT_SECRET = "5f0c1d2e3a4b5c6d7e8f9a0b", "joom-emulator-test-secret"
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BASE = "https://api-merchant.joom.test"
MULTI, ORDER, STORES = "/api/v3/orders/multi", "/api/v3/orders", "/api/v3/stores"
PRODUCTS, PRODUCT, UPDATE = "/api/v3/products/multi", "/api/v3/products", "/api/v3/products/update"
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

    def post(self, path: str, body: Any, token: str | None = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.access if token is None else token}"}
        return self.http.post(path, params=params or None, json=body, headers=headers)

    def all_products(self, **params: Any) -> list[dict[str, Any]]:
        answer = self.get(PRODUCTS, **params)
        found: list[dict[str, Any]] = []
        while True:
            assert answer.status_code == 200, answer.text
            found.extend(answer.json()["data"]["items"])
            link = answer.json()["paging"].get("next")
            if not link:
                return found
            answer = self.get(link)

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
    answer = merchant.get("/api/v3/no/such/method")
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


# ---- products and stock ------------------------------------------------------------------------


HIDDEN = ProductSpec("Hidden", (VariantSpec("HID-1", "", Decimal("3"), 4),), active=False)


def shirts(count: int, prefix: str = "SH", quantity: int = 5) -> list[ProductSpec]:
    """`count` products: odd ones a single variant with a barcode, even ones two sizes."""
    specs = []
    for p in range(count):
        if p % 2:
            specs.append(ProductSpec(f"Lamp {p}", (VariantSpec(f"{prefix}-{p:05d}", "", Decimal("12.50"), quantity,
                                                               barcode=f"40{p:011d}"),)))
        else:
            specs.append(ProductSpec(f"Shirt {p}", tuple(
                VariantSpec(f"{prefix}-{p:05d}-{size}", f"Size {size}", Decimal("9.90") + n, quantity + n)
                for n, size in enumerate("SM"))))
    return specs


def truth_by_sku(emu: JoomEmulator, store: str = "store-a") -> dict[str, dict[str, Any]]:
    return {row["seller_sku"]: row for row in emu.listings(store)}


def test_a_catalogue_becomes_joom_products_with_ids_skus_stock_and_states(emu: JoomEmulator,
                                                                          merchant: Merchant) -> None:
    emu.set_catalogue("store-a", [*shirts(2), HIDDEN])
    items = {p["name"]: p for p in merchant.all_products(storeId="store-a")}
    shirt, lamp, hidden = items["Shirt 0"], items["Lamp 1"], items["Hidden"]
    assert re.fullmatch(r"[0-9a-f]{24}", shirt["id"]) and shirt["storeId"] == "store-a"
    # A lone variant lends the product its SKU; several share their stem.
    assert (shirt["sku"], lamp["sku"]) == ("SH-00000", "SH-00001")
    assert (shirt["state"], shirt["hasActiveVersion"], shirt["enabled"]) == ("active", True, True)
    assert (hidden["state"], hidden["hasActiveVersion"], hidden["enabled"]) == ("disabledByMerchant", False, False)
    small, medium = shirt["variants"]
    assert small == {"id": small["id"], "productId": shirt["id"], "sku": "SH-00000-S", "price": "9.90",
                     "currency": "EUR", "inventory": 5, "enabled": True, "shippingWeight": 0.5,
                     "shippingPrice": "0.00", "size": "Size S"}
    assert medium["price"] == "10.90" and medium["inventory"] == 6
    assert lamp["variants"][0]["gtin"] == "4000000000001" and "size" not in lamp["variants"][0]
    truth = truth_by_sku(emu)
    assert truth["SH-00000-S"] == {"item_id": shirt["id"], "variant_id": small["id"], "seller_sku": "SH-00000-S",
                                   "quantity": 5, "active": True, "price": Decimal("9.90")}
    assert truth["HID-1"]["active"] is False


def test_catalogue_rules_are_checked(emu: JoomEmulator) -> None:
    with pytest.raises(ValueError, match="no variant"):
        emu.set_catalogue("store-a", [ProductSpec("Empty", ())])
    with pytest.raises(ValueError, match="used twice"):
        emu.set_catalogue("store-a", [ProductSpec("A", (VariantSpec("X", "", Decimal(1), 1),)),
                                      ProductSpec("B", (VariantSpec("X", "", Decimal(1), 1),))])
    with pytest.raises(ValueError, match="at most 10000 products"):
        emu.set_catalogue("store-a", [ProductSpec("P", (VariantSpec("", "", Decimal(1), 1),))] * 10_001)
    with pytest.raises(KeyError):
        emu.set_catalogue("nowhere", [])
    emu.set_catalogue("store-a", [ProductSpec("No SKU", (VariantSpec("", "", Decimal(1), 1),))])
    (row,) = emu.listings("store-a")
    assert row["seller_sku"].startswith("JV-")     # Joom requires a variant SKU: one is made up


def test_products_page_by_limit_capped_at_500_and_walk_every_product_once(emu: JoomEmulator,
                                                                          merchant: Merchant) -> None:
    emu.set_catalogue("store-a", shirts(501))
    assert len(merchant.get(PRODUCTS, storeId="store-a").json()["data"]["items"]) == 100
    # "Even if the query parameter limit exceeds 500, the response will contain no more than 500 items."
    first = merchant.get(PRODUCTS, storeId="store-a", limit=1000).json()
    assert len(first["data"]["items"]) == 500
    link = urlsplit(first["paging"]["next"])
    assert link.path == PRODUCTS and set(parse_qs(link.query)) == {"after", "limit"}
    assert parse_qs(link.query)["limit"] == ["500"]
    ids = [p["id"] for p in merchant.all_products(storeId="store-a", limit=70)]
    assert len(ids) == len(set(ids)) == 501 and ids == sorted(ids)


@pytest.mark.parametrize("limit", ["0", "-1", "ten", ""])
def test_a_limit_that_is_not_a_positive_integer_is_refused(merchant: Merchant, limit: str) -> None:
    answer = merchant.get(PRODUCTS, limit=limit)
    assert answer.status_code == 400
    assert error(answer)["code"] == "invalid_argument" and error(answer)["field"] == "limit"


def test_products_need_a_valid_bearer_token(emu: JoomEmulator, merchant: Merchant) -> None:
    emu.set_catalogue("store-a", shirts(1))
    for answer in (merchant.http.get(PRODUCTS), merchant.get(PRODUCTS, token="nope"),
                   merchant.http.post(UPDATE, params={"sku": "SH-00000"}, json={"variants": []})):
        assert answer.status_code == 401 and error(answer)["code"] == "unauthorized"
    assert truth_by_sku(emu)["SH-00000-S"]["quantity"] == 5


def test_without_store_id_the_merchants_products_and_never_a_rivals(emu: JoomEmulator, merchant: Merchant) -> None:
    emu.set_catalogue("store-a", shirts(3, "A"))
    emu.set_catalogue("store-b", shirts(2, "B"))
    emu.set_catalogue("rival-1", shirts(2, "R"))
    mine = merchant.all_products(limit=2)
    assert sorted(p["storeId"] for p in mine) == ["store-a"] * 3 + ["store-b"] * 2
    assert [p["id"] for p in mine] == sorted(p["id"] for p in mine)
    answer = merchant.get(PRODUCTS, storeId="rival-1")
    assert answer.status_code == 400 and error(answer)["field"] == "storeId"
    cursor = parse_qs(urlsplit(merchant.get(PRODUCTS, storeId="store-a", limit=1).json()["paging"]["next"]).query)
    changed = merchant.get(PRODUCTS, storeId="store-b", after=cursor["after"][0])
    assert changed.status_code == 400 and error(changed)["field"] == "after"


def test_update_sets_stock_by_variant_id_or_sku_and_answers_the_product(emu: JoomEmulator, merchant: Merchant,
                                                                        clock: ManualClock) -> None:
    emu.set_catalogue("store-a", shirts(2))
    shirt = truth_by_sku(emu)["SH-00000-S"]
    clock.advance(hours=2)
    answer = merchant.post(UPDATE, {"variants": [{"id": shirt["variant_id"], "inventory": 0},
                                                 {"sku": "SH-00000-M", "inventory": 40, "price": "11.00"}]},
                           id=shirt["item_id"])
    assert answer.status_code == 200, answer.text
    product = answer.json()["data"]
    assert [(v["sku"], v["inventory"], v["price"]) for v in product["variants"]] == [
        ("SH-00000-S", 0, "9.90"), ("SH-00000-M", 40, "11.00")]
    assert product["updatedTimestamp"] == "2026-11-01T14:00:00Z"
    by_sku = merchant.post(UPDATE, {"variants": [{"sku": "SH-00001", "inventory": 7}], "enabled": False},
                           sku="SH-00001")
    assert by_sku.status_code == 200 and by_sku.json()["data"]["state"] == "disabledByMerchant"
    truth = truth_by_sku(emu)
    assert (truth["SH-00000-S"]["quantity"], truth["SH-00000-M"]["quantity"]) == (0, 40)
    assert (truth["SH-00001"]["quantity"], truth["SH-00001"]["active"]) == (7, False)
    assert merchant.get(PRODUCT, id=shirt["item_id"]).json()["data"] == product


def test_an_update_with_unknown_or_bad_variants_changes_nothing_and_names_each_fault(emu: JoomEmulator,
                                                                                    merchant: Merchant) -> None:
    emu.set_catalogue("store-a", shirts(1))
    shirt = truth_by_sku(emu)["SH-00000-S"]
    answer = merchant.post(UPDATE, {"variants": [
        {"id": shirt["variant_id"], "inventory": 9},
        {"id": "999999991", "inventory": 5},
        {"sku": "GHOST-1", "inventory": 5},
        {"sku": "SH-00000-M", "inventory": -2, "currency": "USD"},
        {"id": shirt["variant_id"], "inventory": 1},
    ]}, id=shirt["item_id"])
    assert answer.status_code == 400
    faults = answer.json()["errors"]
    assert [(e["code"], e["field"]) for e in faults] == [
        ("invalid_argument", "variants.1.id"), ("invalid_argument", "variants.2.sku"),
        ("invalid_argument", "variants.3.inventory"), ("invalid_argument", "variants.3.currency"),
        ("invalid_argument", "variants.4.id")]
    assert faults[0]["message"] == f"Variant with ID '999999991' not found in product '{shirt['item_id']}'"
    assert {row["quantity"] for row in emu.listings("store-a")} == {5, 6}     # all or nothing


def test_updating_a_product_that_is_not_the_merchants_is_not_found(emu: JoomEmulator, merchant: Merchant) -> None:
    emu.set_catalogue("rival-1", shirts(1, "R"))
    rival = emu.listings("rival-1")[0]
    answer = merchant.post(UPDATE, {"variants": [{"id": rival["variant_id"], "inventory": 0}]}, id=rival["item_id"])
    assert answer.status_code == 404 and error(answer)["code"] == "not_found"
    assert merchant.post(UPDATE, {"variants": []}).status_code == 400
    emu.set_catalogue("store-a", shirts(1))
    mine = emu.listings("store-a")[0]["item_id"]
    bad_bodies: list[dict[str, Any]] = [{"variants": "all"}, {"variants": [{}]}, {"enabled": "yes"}]
    for bad in bad_bodies:
        assert merchant.post(UPDATE, bad, id=mine).status_code == 400
    not_json = merchant.http.post(UPDATE, params={"id": mine}, content=b"[1]",
                                  headers={"Authorization": f"Bearer {merchant.access}"})
    assert not_json.status_code == 400 and error(not_json)["field"] == "body"
    assert rival["quantity"] == emu.listings("rival-1")[0]["quantity"]


def test_a_buyer_order_draws_stock_and_is_refused_at_zero(emu: JoomEmulator, merchant: Merchant,
                                                          clock: ManualClock) -> None:
    emu.set_catalogue("store-a", [*shirts(2, quantity=2), HIDDEN])
    clock.advance(minutes=30)
    order_id = emu.place_order("store-a", "SH-00001", 2)
    assert order_id is not None and truth_by_sku(emu)["SH-00001"]["quantity"] == 0
    order = emu.orders("store-a")[order_id]
    assert (order["status"], order["quantity"], order["product"]["variant"]["sku"]) == ("approved", 2, "SH-00001")
    assert order["updateTimestamp"] == order["orderTimestamp"] == "2026-11-01T12:30:00Z"
    assert order["priceInfo"]["unitPrice"] == "12.50"
    assert order_id in {o["id"] for o in merchant.all_orders(storeId="store-a")}
    assert emu.place_order("store-a", "SH-00001", 1) is None          # none left
    assert emu.place_order("store-a", "SH-00000-S", 3) is None        # more than listed
    assert emu.place_order("store-a", "HID-1", 1) is None             # disabled by the merchant
    assert emu.place_order("store-a", "NOPE", 1) is None
    with pytest.raises(ValueError):
        emu.place_order("store-a", "SH-00000-S", 0)
    shirt = truth_by_sku(emu)["SH-00000-S"]
    merchant.post(UPDATE, {"variants": [{"id": shirt["variant_id"], "enabled": False}]}, id=shirt["item_id"])
    assert emu.place_order("store-a", "SH-00000-S", 1) is None        # a disabled variant
    assert truth_by_sku(emu)["SH-00000-S"] == shirt | {"active": False}


def test_orders_after_a_catalogue_are_for_its_variants_and_an_empty_one_takes_none(emu: JoomEmulator) -> None:
    emu.set_catalogue("store-a", shirts(4))
    orders = emu.orders("store-a")
    skus = {row["seller_sku"] for row in emu.listings("store-a")}
    made = emu.generate_orders("store-a", 30, START - timedelta(days=2), START)
    assert {emu.orders("store-a")[i]["product"]["variant"]["sku"] for i in made} <= skus
    assert {row["quantity"] for row in emu.listings("store-a")} == {5, 6}   # the past moves no stock
    emu.set_catalogue("store-b", [])
    with pytest.raises(ValueError, match="lists no product"):
        emu.generate_orders("store-b", 1, START - timedelta(days=1), START)
    assert emu.generate_orders("store-b", 0, START - timedelta(days=1), START) == []
    emu.tick()
    assert emu.orders("store-b") == {} and set(orders) <= set(emu.orders("store-a"))


def test_products_calls_are_metered_and_fail_on_demand(emu: JoomEmulator, merchant: Merchant) -> None:
    emu.set_catalogue("store-a", shirts(1))
    emu.fail_next(1, 503)
    failed = merchant.get(PRODUCTS)
    assert failed.status_code == 503 and error(failed)["code"] == "unavailable"
    emu.set_rate_limit(1, 1)
    assert merchant.get(PRODUCTS).status_code == 200
    throttled = merchant.post(UPDATE, {"variants": []}, sku="SH-00000")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert error(throttled)["code"] == "rate_limit_exceeded"
    assert [c.path for c in emu.calls[-3:]] == [PRODUCTS, PRODUCTS, UPDATE]


def test_save_and_restore_keep_the_catalogue(tmp_path: Path, emu: JoomEmulator, clock: ManualClock) -> None:
    emu.set_catalogue("store-a", shirts(3))
    assert emu.place_order("store-a", "SH-00001", 1) is not None
    emu.save(tmp_path / "joom.pickle")
    other = JoomEmulator(CLIENT_ID, CLIENT_SECRET, clock=clock, seed=1)
    assert other.restore(tmp_path / "joom.pickle")
    assert other.listings("store-a") == emu.listings("store-a")
    assert other.place_order("store-a", "SH-00001", 4) is not None and other.place_order("store-a", "SH-00001", 1) \
        is None


def test_catalogue_listings_and_buy_control_routes(emu: JoomEmulator) -> None:
    control = httpx.Client(base_url="http://emulator.test", transport=emu.transport())
    Merchant.opened.append(control)
    body: dict[str, Any] = {"products": [
        {"title": "Mug", "active": True, "weight_kg": "0.4",
         "variants": [{"sku": "MUG-1", "name": "", "price": "5.40", "quantity": 2, "barcode": "4006381333931"}]},
        {"title": "Tee", "active": False,
         "variants": [{"sku": "TEE-S", "name": "S", "price": 8.9, "quantity": 3}]},
    ]}
    made = control.post("/_emulator/stores/store-a/catalogue", json=body)
    assert made.status_code == 201 and made.json() == {"store_id": "store-a", "products": 2, "variants": 2}
    rows = {r["seller_sku"]: r for r in control.get("/_emulator/stores/store-a/listings").json()["listings"]}
    assert (rows["MUG-1"]["price"], rows["MUG-1"]["quantity"], rows["TEE-S"]["active"]) == ("5.40", 2, False)
    bought = control.post("/_emulator/stores/store-a/buy", json={"sku": "MUG-1", "quantity": 2})
    assert bought.status_code == 201 and bought.json()["order_id"] in emu.orders("store-a")
    assert control.post("/_emulator/stores/store-a/buy", json={"sku": "MUG-1"}).status_code == 409
    assert control.post("/_emulator/stores/store-a/buy", json={"sku": "TEE-S"}).status_code == 409
    assert control.post("/_emulator/stores/store-a/buy", json={"quantity": 1}).status_code == 400
    assert control.post("/_emulator/stores/store-a/buy", json={"sku": "MUG-1", "quantity": 0}).status_code == 400
    assert control.post("/_emulator/stores/nope/buy", json={"sku": "MUG-1"}).status_code == 404
    assert control.get("/_emulator/stores/nope/listings").status_code == 404
    assert control.post("/_emulator/stores/nope/catalogue", json=body).status_code == 404
    assert control.post("/_emulator/stores/store-a/catalogue", json={"products": "x"}).status_code == 400
    bad_price = {"products": [{"title": "X", "variants": [{"sku": "X", "price": "free"}]}]}
    assert control.post("/_emulator/stores/store-a/catalogue", json=bad_price).status_code == 400
