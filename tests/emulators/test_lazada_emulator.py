"""Behaviour of the Lazada Open Platform emulator, exercised over HTTP with a sync httpx client."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.lazada import LazadaEmulator
from crossdock.emulators.lazada.__main__ import build
from crossdock.emulators.lazada.push import MAX_RETRIES
from crossdock.emulators.lazada.signing import sign as emulator_sign
from crossdock.ports.clock import ManualClock

APP_KEY, SECRET = "112233", "lzd-emulator-test-secret"
SELLER = "1000001"
START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def doc_sign(secret: str, api_path: str, params: dict[str, str]) -> str:
    # Written here from the Signature algorithm page, independently of the emulator's signing module.
    base = api_path + "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign")
    return hmac.new(secret.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


class Lazop:
    """A minimal Lazada client, written from the docs, to drive the emulator."""

    def __init__(self, emu: LazadaEmulator) -> None:
        self.emu = emu
        self.http = httpx.Client(transport=emu.transport())

    def call(self, api_path: str, params: dict[str, Any] | None = None, *, token: str | None = None,
             host: str = "api.lazada.sg", secret: str = SECRET, timestamp: int | None = None,
             method: str = "GET", url: str | None = None) -> httpx.Response:
        p = {k: str(v) for k, v in (params or {}).items()}
        stamp = timestamp if timestamp is not None else int(self.emu.clock.now().timestamp() * 1000)
        p.update(app_key=APP_KEY, timestamp=str(stamp), sign_method="sha256")
        if token:
            p["access_token"] = token
        p["sign"] = doc_sign(secret, api_path, p)
        target = url or f"https://{host}/rest{api_path}"
        if method == "POST":
            return self.http.post(target, data=p)
        return self.http.get(target, params=p)

    def tokens(self, seller: str = SELLER) -> dict[str, Any]:
        answer = self.call("/auth/token/create", {"code": self.emu.authorize(seller)}, host="auth.lazada.com",
                           method="POST").json()
        assert answer["code"] == "0", answer
        return dict(answer)

    def data(self, api_path: str, params: dict[str, Any], token: str, **kw: Any) -> Any:
        body = self.call(api_path, params, token=token, **kw).json()
        assert body["code"] == "0", body
        return body["data"]


@pytest.fixture
def world() -> Iterator[tuple[LazadaEmulator, ManualClock, Lazop]]:
    clock = ManualClock(START)
    emu = LazadaEmulator(APP_KEY, SECRET, clock=clock, seed=7)
    emu.add_store(SELLER, "SG")
    client = Lazop(emu)
    yield emu, clock, client
    client.http.close()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def error_of(response: httpx.Response) -> tuple[int, str, str, str]:
    body = response.json()
    return response.status_code, body["type"], body["code"], body["message"]


# --- signing and authorization -------------------------------------------------------------------------


def test_the_signature_is_the_documented_one() -> None:
    params = {"access_token": "test", "app_key": "123456", "order_id": "1234", "sign_method": "sha256",
              "timestamp": "1517820392000"}
    assert emulator_sign("helloworld", "/order/get", params) == \
        "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"


def test_a_consent_code_buys_tokens_once(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, client = world
    code = emu.authorize(SELLER)
    answer = client.call("/auth/token/create", {"code": code}, host="auth.lazada.com", method="POST").json()
    assert answer["code"] == "0" and answer["country"] == "sg" and answer["account_platform"] == "seller_center"
    assert answer["expires_in"] == 7 * 86400 and answer["refresh_expires_in"] == 30 * 86400
    assert answer["country_user_info"][0]["seller_id"] == SELLER and "data" not in answer
    again = client.call("/auth/token/create", {"code": code}, host="auth.lazada.com", method="POST")
    assert error_of(again)[1:3] == ("ISV", "InvalidCode")
    late = emu.authorize(SELLER)
    clock.advance(minutes=31)
    assert error_of(client.call("/auth/token/create", {"code": late}, host="auth.lazada.com"))[2] == "InvalidCode"


def test_refresh_gives_a_new_pair_without_extending_the_refresh_token(
        world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    _, clock, client = world
    first = client.tokens()
    clock.advance(days=2)
    answer = client.call("/auth/token/refresh", {"refresh_token": first["refresh_token"]},
                         host="auth.lazada.com", method="POST").json()
    assert answer["code"] == "0" and answer["access_token"] != first["access_token"]
    assert answer["refresh_expires_in"] == 28 * 86400 and "country_user_info_list" in answer
    reused = client.call("/auth/token/refresh", {"refresh_token": first["refresh_token"]}, host="auth.lazada.com")
    assert error_of(reused)[2:] == ("IllegalRefreshToken", "The specified refresh token is invalid or expired")
    # the old access token still works until its own end
    assert client.data("/orders/get", {"update_after": iso(START)}, first["access_token"])["orders"] == []


@pytest.mark.parametrize(("change", "code"), [
    ("sign", "IncompleteSignature"),
    ("no_sign", "MissingParameter"),
    ("app_key", "InvalidAppKey"),
    ("stale", "InvalidTimestamp"),
    ("token", "IllegalAccessToken"),
    ("no_token", "MissingParameter"),
])
def test_common_parameters_are_checked(world: tuple[LazadaEmulator, ManualClock, Lazop], change: str,
                                       code: str) -> None:
    emu, _, client = world
    token = client.tokens()["access_token"]
    params = {"update_after": iso(START)}
    if change == "sign":
        response = client.call("/orders/get", params, token=token, secret="wrong")
    elif change == "stale":
        response = client.call("/orders/get", params, token=token,
                               timestamp=int((START - timedelta(hours=3)).timestamp() * 1000))
    elif change == "token":
        response = client.call("/orders/get", params, token="5000nope")
    elif change == "no_token":
        response = client.call("/orders/get", params)
    else:
        p = {**params, "app_key": "999" if change == "app_key" else APP_KEY, "sign_method": "sha256",
             "timestamp": str(int(START.timestamp() * 1000)), "access_token": token}
        if change == "app_key":
            p["sign"] = doc_sign(SECRET, "/orders/get", p)
        response = client.http.get("https://api.lazada.sg/rest/orders/get", params=p)
    status, kind, got, _ = error_of(response)
    assert (status, kind, got) == (200, "ISV", code)
    assert emu.calls[-1].error == code


def test_ventures_are_told_apart_by_host_or_prefix(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.generate_orders(SELLER, 3, START - timedelta(days=1), START)
    token = client.tokens()["access_token"]
    params = {"update_after": iso(START - timedelta(days=2))}
    assert len(client.data("/orders/get", params, token)["orders"]) == 3
    prefixed = client.data("/orders/get", params, token, url="http://127.0.0.1:8102/sg/rest/orders/get")
    assert len(prefixed["orders"]) == 3
    # The account has no seller in Thailand: its token opens nothing there.
    assert error_of(client.call("/orders/get", params, token=token, host="api.lazada.co.th"))[2] == \
        "IllegalAccessToken"
    assert error_of(client.call("/auth/token/create", {"code": "x"}, host="api.lazada.sg"))[2] == "InvalidApiPath"
    assert client.http.get("https://example.com/rest/orders/get").status_code == 404
    assert [(c.venture, c.error) for c in emu.calls[-2:]] == [("TH", "IllegalAccessToken"), ("SG", "InvalidApiPath")]


def test_one_cross_border_authorization_opens_every_venture_of_the_account() -> None:
    clock = ManualClock(START)
    emu = LazadaEmulator(APP_KEY, SECRET, clock=clock, seed=1)
    emu.add_store("2001", "SG", account="cb@example.com")
    emu.add_store("2002", "MY", account="cb@example.com")
    emu.generate_orders("2002", 2, START - timedelta(days=1), START)
    client = Lazop(emu)
    answer = client.tokens("2001")
    assert answer["country"] == "cb" and {i["seller_id"] for i in answer["country_user_info"]} == {"2001", "2002"}
    my = client.data("/orders/get", {"update_after": iso(START - timedelta(days=2))}, answer["access_token"],
                     host="api.lazada.com.my")
    assert len(my["orders"]) == 2
    with pytest.raises(ValueError, match="already has seller"):
        emu.add_store("2003", "MY", account="cb@example.com")


def test_expired_tokens_are_refused(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, client = world
    token = client.tokens()["access_token"]
    emu.expire_access_tokens(SELLER)
    assert error_of(client.call("/orders/get", {"update_after": iso(START)}, token=token))[2] == "IllegalAccessToken"
    fresh = client.tokens()["access_token"]
    clock.advance(days=7, seconds=1)
    assert error_of(client.call("/orders/get", {"update_after": iso(START)}, token=fresh))[2] == "IllegalAccessToken"


# --- orders -------------------------------------------------------------------------------------------


def test_get_orders_pages_by_update_time_with_inclusive_bounds(
        world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.generate_orders(SELLER, 230, START - timedelta(days=5), START - timedelta(hours=1))
    token = client.tokens()["access_token"]
    truth = emu.orders(SELLER)
    seen: list[dict[str, Any]] = []
    for offset in (0, 100, 200):
        data = client.data("/orders/get", {"update_after": iso(START - timedelta(days=6)), "update_before": iso(START),
                                           "sort_by": "updated_at", "sort_direction": "ASC", "offset": offset,
                                           "limit": 100}, token)
        assert data["countTotal"] == "230" and data["count"] == str(len(data["orders"]))
        seen += data["orders"]
    assert len(seen) == 230 and {o["order_id"] for o in seen} == set(truth)
    stamps = [datetime.fromisoformat(o["updated_at"]) for o in seen]
    assert stamps == sorted(stamps) and all(s.utcoffset() == timedelta(hours=8) for s in stamps)
    assert all("order_items" not in o for o in seen)
    first = seen[0]
    exact = client.data("/orders/get", {"update_after": first["updated_at"], "update_before": first["updated_at"]},
                        token)
    assert first["order_id"] in {o["order_id"] for o in exact["orders"]}


def test_get_orders_filters_and_sorts_by_creation(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.generate_orders(SELLER, 40, START - timedelta(days=4), START - timedelta(hours=1))
    token = client.tokens()["access_token"]
    after = iso(START - timedelta(days=5))
    created = client.data("/orders/get", {"created_after": after, "sort_by": "created_at"}, token)["orders"]
    stamps = [o["created_at"] for o in created]
    assert len(created) == 40 and stamps == sorted(stamps, reverse=True)     # newest first by default
    shipped = client.data("/orders/get", {"created_after": after, "status": "shipped"}, token)["orders"]
    assert shipped and all("shipped" in o["statuses"] for o in shipped)
    assert len(client.data("/orders/get", {"created_after": after, "status": "all"}, token)["orders"]) == 40


@pytest.mark.parametrize(("params", "code"), [
    ({"update_after": "2026-05-01"}, "17"),
    ({"update_after": "2026-05-01T00:00:00"}, "17"),
    ({"update_after": "2026-05-01T00:00:00+08:00", "limit": 101}, "19"),
    ({"update_after": "2026-05-01T00:00:00+08:00", "limit": 0}, "19"),
    ({"update_after": "2026-05-01T00:00:00+08:00", "offset": 4501}, "14"),
    ({"update_after": "2026-05-01T00:00:00+08:00", "status": "teleported"}, "36"),
    ({"update_after": "2026-05-01T00:00:00+08:00", "sort_by": "price"}, "75"),
    ({"update_after": "2026-05-01T00:00:00+08:00", "sort_direction": "UP"}, "74"),
    ({"update_before": "2026-05-01T00:00:00+08:00"}, "MissingParameter"),
])
def test_get_orders_refuses_bad_parameters(world: tuple[LazadaEmulator, ManualClock, Lazop],
                                           params: dict[str, Any], code: str) -> None:
    _, _, client = world
    token = client.tokens()["access_token"]
    status, kind, got, message = error_of(client.call("/orders/get", params, token=token))
    assert (status, kind, got) == (200, "ISV", code)
    assert code == "MissingParameter" or message.startswith(f"E0{code}")


def test_items_come_fifty_orders_at_most(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    ids = emu.generate_orders(SELLER, 51, START - timedelta(days=2), START - timedelta(hours=1))
    token = client.tokens()["access_token"]
    truth = emu.orders(SELLER)
    data = client.data("/orders/items/get", {"order_ids": json.dumps([int(i) for i in ids[:50]])}, token)
    assert [d["order_id"] for d in data] == ids[:50]
    assert all(d["order_items"] == truth[d["order_id"]]["order_items"] for d in data)
    too_many = client.call("/orders/items/get", {"order_ids": json.dumps([int(i) for i in ids])}, token=token)
    assert error_of(too_many)[2] == "38"
    assert error_of(client.call("/orders/items/get", {"order_ids": ids[0]}, token=token))[2] == "56"
    assert error_of(client.call("/orders/items/get", {"order_ids": '["x1"]'}, token=token))[2] == "37"
    assert error_of(client.call("/orders/items/get", {"order_ids": "[1, 2]"}, token=token))[2] == "39"
    partial = client.data("/orders/items/get", {"order_ids": f"[{ids[0]}, 1]"}, token)
    assert [d["order_id"] for d in partial] == [ids[0]]


def test_get_order_returns_one_order(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    (oid,) = emu.generate_orders(SELLER, 1, START - timedelta(days=1), START)
    token = client.tokens()["access_token"]
    truth = emu.orders(SELLER)[oid]
    assert client.data("/order/get", {"order_id": oid}, token) == {k: v for k, v in truth.items()
                                                                   if k != "order_items"}
    assert error_of(client.call("/order/get", {"order_id": "1"}, token=token))[2] == "16"


def test_generated_orders_are_consistent_and_deterministic() -> None:
    def make() -> LazadaEmulator:
        emu = LazadaEmulator(APP_KEY, SECRET, clock=ManualClock(START), seed=11)
        emu.add_store("3001", "VN")
        emu.generate_orders("3001", 120, START - timedelta(days=20), START)
        return emu

    a, b = make(), make()
    truth = a.orders("3001")
    assert truth == b.orders("3001")
    statuses: set[str] = set()
    for oid, payload in truth.items():
        items = payload["order_items"]
        assert items and all(i["order_id"] == oid and i["currency"] == "VND" for i in items)
        assert payload["statuses"] == list(dict.fromkeys(i["status"] for i in items))
        assert payload["items_count"] == str(len(items)) and payload["address_shipping"]["country"] == "Vietnam"
        total = Decimal(payload["price"]) - Decimal(payload["voucher"]) + Decimal(payload["shipping_fee"])
        paid = sum(Decimal(i["paid_price"]) + Decimal(i["shipping_amount"]) for i in items)
        assert total == paid
        assert datetime.fromisoformat(payload["updated_at"]) <= START
        assert datetime.fromisoformat(payload["created_at"]) <= datetime.fromisoformat(payload["updated_at"])
        statuses.update(payload["statuses"])
    assert {"unpaid", "pending", "ready_to_ship", "shipped", "delivered", "canceled"} <= statuses


def test_tick_plays_due_steps_and_adds_orders(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, _ = world
    emu.generate_orders(SELLER, 30, START - timedelta(days=1), START)
    before = emu.orders(SELLER)
    clock.advance(days=2)
    created, updated = emu.tick()
    after = emu.orders(SELLER)
    assert updated > 0 and len(after) == len(before) + created
    changed = [k for k in before if after[k]["updated_at"] != before[k]["updated_at"]]
    assert len(changed) == updated
    assert all(datetime.fromisoformat(after[k]["updated_at"]) == clock.now() for k in changed)


def test_set_status_keeps_a_partly_cancelled_items_and_raw_orders_are_served_verbatim(
        world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, client = world
    emu.generate_orders(SELLER, 200, START - timedelta(days=3), START - timedelta(days=2))
    partial = next(k for k, p in emu.orders(SELLER).items() if len(set(p["statuses"]) - {"canceled"}) == 1
                   and "canceled" in p["statuses"])
    clock.advance(minutes=5)
    emu.set_order_status(SELLER, partial, "shipped")
    assert sorted(emu.orders(SELLER)[partial]["statuses"]) == ["canceled", "shipped"]
    raw = {"order_id": "123451234512345", "updated_at": iso(clock.now()), "weird": True,
           "order_items": [{"order_item_id": "1", "status": "TELEPORTED"}]}
    assert emu.insert_raw_order(SELLER, raw) == "123451234512345"
    token = client.tokens()["access_token"]
    listed = client.data("/orders/get", {"update_after": iso(clock.now())}, token)["orders"]
    assert {k: v for k, v in raw.items() if k != "order_items"} in listed
    items = client.data("/orders/items/get", {"order_ids": "[123451234512345]"}, token)
    assert items[0]["order_items"] == raw["order_items"]
    emu.set_order_status(SELLER, "123451234512345", "canceled")
    assert emu.orders(SELLER)["123451234512345"]["order_items"][0]["status"] == "canceled"
    with pytest.raises(ValueError, match="unknown Lazada item status"):
        emu.set_order_status(SELLER, partial, "TELEPORTED")


# --- limits, faults, pushes, snapshots ----------------------------------------------------------------------


def test_going_over_the_limit_bans_the_api_for_a_second(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, client = world
    token = client.tokens()["access_token"]
    emu.set_rate_limit(1, 2)
    params = {"update_after": iso(START)}
    assert [client.call("/orders/get", params, token=token).json()["code"] for _ in range(2)] == ["0", "0"]
    status, kind, code, message = error_of(client.call("/orders/get", params, token=token))
    assert (status, kind, code) == (200, "ISV", "ApiCallLimit")
    assert message == "Api access frequency exceeds the limit. this ban will last 1 seconds"
    clock.advance(seconds=0.5)
    assert error_of(client.call("/orders/get", params, token=token))[2] == "ApiCallLimit"
    # Another API has its own bucket.
    assert client.call("/orders/items/get", {"order_ids": "[1]"}, token=token).json()["code"] == "39"
    clock.advance(seconds=0.5)
    assert client.call("/orders/get", params, token=token).json()["code"] == "0"


def test_injected_failures_answer_as_the_platform_would(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    token = client.tokens()["access_token"]
    emu.fail_next(2, 503)
    emu.fail_next(1, 500)
    codes = [error_of(client.call("/orders/get", {"update_after": iso(START)}, token=token)) for _ in range(3)]
    assert [(c[0], c[1], c[2]) for c in codes] == [(503, "ISP", "ServiceUnavailable")] * 2 + \
        [(500, "SYSTEM", "InternalError")]
    assert client.call("/orders/get", {"update_after": iso(START)}, token=token).json()["code"] == "0"
    assert [c.status_code for c in emu.calls[-4:]] == [503, 503, 500, 200]


class Receiver(httpx.BaseTransport):
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.got: list[tuple[dict[str, str], bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.got.append((dict(request.headers), request.read()))
        return httpx.Response(self.status)


def test_pushes_are_signed_trade_order_messages_one_per_line(
        world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, _ = world
    emu.generate_orders(SELLER, 20, START - timedelta(days=1), START)
    receiver = Receiver()
    emu.subscribe_pushes("https://crossdock.example/api/webhooks/lazada", receiver)
    target, payload = next(iter(emu.orders(SELLER).items()))
    clock.advance(minutes=1)
    emu.set_order_status(SELLER, target, "shipped")
    live = [i for i in payload["order_items"] if i["status"] != "canceled"] or payload["order_items"]
    assert len(receiver.got) == len(live)
    headers, body = receiver.got[0]
    expected = hmac.new(SECRET.encode(), APP_KEY.encode() + body, hashlib.sha256).hexdigest()
    assert headers["authorization"] == expected and headers["content-type"] == "application/json"
    message = json.loads(body)
    assert message["seller_id"] == SELLER and message["message_type"] == 0 and message["site"] == "lazada_sg"
    assert message["data"]["trade_order_id"] == target and message["data"]["order_status"] == "shipped"
    assert message["data"]["status_update_time"] == int(clock.now().timestamp())
    assert message["timestamp"] == int(clock.now().timestamp() * 1000)
    lines = {json.loads(b)["data"]["trade_order_line_id"] for _, b in receiver.got}
    assert lines <= {i["order_item_id"] for i in payload["order_items"]}


def test_an_unacknowledged_push_is_retried_every_half_hour_twelve_times() -> None:
    clock = ManualClock(START)
    emu = LazadaEmulator(APP_KEY, SECRET, clock=clock, seed=3)
    emu.add_store(SELLER, "TH")
    (oid,) = emu.generate_orders(SELLER, 1, START - timedelta(hours=1), START)
    receiver = Receiver(status=500)
    emu.subscribe_pushes("https://crossdock.example/hook", receiver)
    emu.set_order_status(SELLER, oid, "delivered")
    sent = len(receiver.got)
    assert sent >= 1
    clock.advance(minutes=29)
    emu.tick()
    assert len([b for _, b in receiver.got if json.loads(b)["data"]["trade_order_id"] == oid]) == sent
    for _ in range(MAX_RETRIES + 2):
        clock.advance(minutes=30)
        emu.tick()
    assert emu.pusher is not None
    record = next(r for r in emu.pusher.sent if json.loads(r.body)["data"]["trade_order_id"] == oid)
    assert record.attempts == 1 + MAX_RETRIES and record.next_attempt is None


def test_save_and_restore_keep_sellers_orders_and_tokens(tmp_path: Path,
                                                         world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, client = world
    emu.generate_orders(SELLER, 5, START - timedelta(days=1), START)
    token = client.tokens()["access_token"]
    emu.save(tmp_path / "lazada.pickle")
    other = LazadaEmulator(APP_KEY, SECRET, clock=clock)
    assert not other.restore(tmp_path / "missing.pickle")
    assert other.restore(tmp_path / "lazada.pickle")
    assert other.orders(SELLER) == emu.orders(SELLER)
    data = Lazop(other).data("/orders/get", {"update_after": iso(START - timedelta(days=2))}, token)
    assert len(data["orders"]) == 5


def test_the_demo_entry_point_builds_a_world() -> None:
    emu, args = build(["--store", "4001:PH", "--orders", "7", "--days", "3"])
    assert args.port == 8102 and len(emu.orders("4001")) == 7
    with pytest.raises(ValueError, match="unknown Lazada venture"):
        emu.add_store("4002", "JP")


# --- products and stock --------------------------------------------------------------------------------------


def specs(count: int, variants: int = 2, quantity: int = 5) -> list[ProductSpec]:
    return [ProductSpec(f"Shirt {p}", tuple(VariantSpec(f"SH-{p}-{v}", f"Size {v}", Decimal("9.90") + v, quantity)
                                            for v in range(variants)), active=p % 4 != 3)
            for p in range(count)]


def stock_xml(*skus: tuple[str, str, str, str]) -> str:
    """The UpdateSellableQuantity payload of the doc's demo, one <Sku> per (ItemId, SkuId, SellerSku, quantity)."""
    body = "".join(f"<Sku><ItemId>{i}</ItemId><SkuId>{s}</SkuId><SellerSku>{k}</SellerSku>"
                   f"<SellableQuantity>{q}</SellableQuantity></Sku>" for i, s, k, q in skus)
    return f"<Request><Product><Skus>{body}</Skus></Product></Request>"


def rows(emu: LazadaEmulator) -> dict[str, dict[str, Any]]:
    return {row["seller_sku"]: row for row in emu.listings(SELLER)}


def test_get_products_lists_every_item_fifty_at_most_with_its_skus(
        world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.set_catalogue(SELLER, specs(60))
    token = client.tokens()["access_token"]
    first = client.data("/products/get", {"filter": "all", "limit": 50}, token)
    rest = client.data("/products/get", {"filter": "all", "limit": 50, "offset": 50}, token)
    assert first["total_products"] == "60" and len(first["products"]) == 50 and len(rest["products"]) == 10
    truth = rows(emu)
    seen = {}
    for product in first["products"] + rest["products"]:
        assert product["status"] in ("Active", "InActive") and product["attributes"]["name"].startswith("Shirt")
        for sku in product["skus"]:
            seen[sku["SellerSku"]] = sku
            row = truth[sku["SellerSku"]]
            assert (str(product["item_id"]), str(sku["SkuId"])) == (row["item_id"], row["variant_id"])
            assert sku["quantity"] == sku["multiWarehouseInventories"][0]["sellableQuantity"] == row["quantity"]
            assert Decimal(str(sku["price"])) == row["price"]
            assert row["active"] is (product["status"] == "Active" and sku["Status"] == "active")
    assert set(seen) == set(truth) and len(truth) == 120


def test_get_products_filters(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, client = world
    emu.set_catalogue(SELLER, specs(8))
    token = client.tokens()["access_token"]

    def names(**params: Any) -> list[str]:
        data = client.data("/products/get", {"filter": "all", **params}, token)
        return sorted(p["attributes"]["name"] for p in data["products"])

    assert names(filter="inactive") == ["Shirt 3", "Shirt 7"] and len(names(filter="live")) == 6
    assert names(filter="deleted") == [] and names(filter="sold-out") == []
    assert names(sku_seller_list='["SH-2-1", "nope"]') == ["Shirt 2"]
    created = iso(clock.now())
    clock.advance(hours=1)
    assert len(names(create_before=created)) == 8 and names(create_after=iso(clock.now())) == []
    assert len(names(update_after="2000-01-01T00:00:00+0800")) == 8


@pytest.mark.parametrize(("params", "code"), [
    ({"filter": "all", "limit": 51}, "19"),
    ({"filter": "all", "limit": 0}, "19"),
    ({"filter": "all", "offset": 10_001}, "14"),
    ({"filter": "all", "offset": "x"}, "14"),
    ({"filter": "teleported"}, "36"),
    ({"limit": 10}, "MissingParameter"),
    ({"filter": "all", "update_after": "yesterday"}, "17"),
    ({"filter": "all", "sku_seller_list": "SH-1-1"}, "70"),
])
def test_get_products_refuses_bad_parameters(world: tuple[LazadaEmulator, ManualClock, Lazop],
                                             params: dict[str, Any], code: str) -> None:
    _, _, client = world
    token = client.tokens()["access_token"]
    status, kind, got, message = error_of(client.call("/products/get", params, token=token))
    assert (status, kind, got) == (200, "ISV", code)
    assert code == "MissingParameter" or message.startswith(f"E0{code}")


def test_stock_updates_set_sellable_quantities(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.set_catalogue(SELLER, specs(2))
    token = client.tokens()["access_token"]
    a, b = rows(emu)["SH-0-0"], rows(emu)["SH-1-1"]
    payload = stock_xml((a["item_id"], a["variant_id"], "SH-0-0", "40"), ("", "", "SH-1-1", "0"))
    answer = client.call("/product/stock/sellable/update", {"payload": payload}, token=token, method="POST").json()
    assert answer["code"] == "0" and answer["data"] == {}
    assert (rows(emu)["SH-0-0"]["quantity"], rows(emu)["SH-1-1"]["quantity"]) == (40, 0)
    multi = (f"<Request><Product><Skus><Sku><SkuId>{b['variant_id']}</SkuId><MultiWarehouseInventories>"
             "<MultiWarehouseInventory><WarehouseCode>dropshipping</WarehouseCode>"
             "<SellableQuantity>12</SellableQuantity></MultiWarehouseInventory></MultiWarehouseInventories>"
             "</Sku></Skus></Product></Request>")
    assert client.data("/product/stock/sellable/update", {"payload": multi}, token, method="POST") == {}
    assert rows(emu)["SH-1-1"]["quantity"] == 12


def test_a_refused_sku_is_named_in_detail_and_the_others_are_taken(
        world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.set_catalogue(SELLER, specs(1))
    token = client.tokens()["access_token"]
    a = rows(emu)["SH-0-0"]
    payload = stock_xml((a["item_id"], a["variant_id"], "SH-0-0", "7"), (a["item_id"], "999999991", "GHOST", "1"),
                        ("", "", "SH-0-1", "-2"), ("", "", "SH-0-1", "many"), ("", "", "", "3"))
    body = client.call("/product/stock/sellable/update", {"payload": payload}, token=token, method="POST").json()
    assert (body["type"], body["code"], body["message"]) == ("ISV", "501", "E501: Update product failed")
    assert [(d["seller_sku"], d["message"]) for d in body["detail"]] == [
        ("GHOST", "SKU not exist"), ("SH-0-1", "Sellable inventory cannot be negative"),
        ("SH-0-1", "SellableQuantity must be a whole number"), ("", "Empty Item Id and Seller Sku")]
    assert rows(emu)["SH-0-0"]["quantity"] == 7 and rows(emu)["SH-0-1"]["quantity"] == 5


@pytest.mark.parametrize(("payload", "code"), [
    ("<Request><Product><Skus>", "5"),
    ("not xml at all", "5"),
    ("<Request><Product><Skus></Skus></Product></Request>", "5"),
    ("<Other><Product><Skus><Sku><SellerSku>A</SellerSku></Sku></Skus></Product></Other>", "5"),
    ('<!DOCTYPE r [<!ENTITY a "aaaa">]><Request><Product><Skus><Sku><SellerSku>&a;</SellerSku></Sku></Skus>'
     '</Product></Request>', "5"),
    (stock_xml(*[("", "", f"SH-0-{n % 2}", "1") for n in range(51)]), "204"),
    ("", "MissingParameter"),
])
def test_stock_updates_refuse_bad_payloads(world: tuple[LazadaEmulator, ManualClock, Lazop], payload: str,
                                           code: str) -> None:
    emu, _, client = world
    emu.set_catalogue(SELLER, specs(1))
    token = client.tokens()["access_token"]
    status, kind, got, message = error_of(client.call("/product/stock/sellable/update", {"payload": payload},
                                                      token=token, method="POST"))
    assert (status, kind, got) == (200, "ISV", code)
    assert code == "MissingParameter" or message == {"5": "E005: Invalid Request Format",
                                                     "204": "E204: Too many SKU in one request"}[code]
    assert {row["quantity"] for row in emu.listings(SELLER)} == {5}


def test_fifty_skus_go_in_one_call(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.set_catalogue(SELLER, specs(25))
    token = client.tokens()["access_token"]
    payload = stock_xml(*[(r["item_id"], r["variant_id"], r["seller_sku"], "3") for r in emu.listings(SELLER)])
    assert client.data("/product/stock/sellable/update", {"payload": payload}, token, method="POST") == {}
    assert {row["quantity"] for row in emu.listings(SELLER)} == {3}


def test_the_payload_is_signed_like_any_parameter(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.set_catalogue(SELLER, specs(1))
    token = client.tokens()["access_token"]
    p = {"payload": stock_xml(("", "", "SH-0-0", "1")), "app_key": APP_KEY, "sign_method": "sha256",
         "timestamp": str(int(START.timestamp() * 1000)), "access_token": token}
    p["sign"] = doc_sign(SECRET, "/product/stock/sellable/update", p)
    p["payload"] = stock_xml(("", "", "SH-0-0", "900"))        # changed after signing
    response = client.http.post("https://api.lazada.sg/rest/product/stock/sellable/update", data=p)
    assert error_of(response)[2] == "IncompleteSignature" and rows(emu)["SH-0-0"]["quantity"] == 5


def test_product_apis_share_the_call_limits_and_faults(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    emu.set_catalogue(SELLER, specs(1))
    token = client.tokens()["access_token"]
    emu.set_rate_limit(1, 1)
    assert client.call("/products/get", {"filter": "all"}, token=token).json()["code"] == "0"
    assert error_of(client.call("/products/get", {"filter": "all"}, token=token))[2] == "ApiCallLimit"
    emu.set_rate_limit(100, 100)
    emu.fail_next(1, 503)
    response = client.call("/product/stock/sellable/update", {"payload": stock_xml(("", "", "SH-0-0", "1"))},
                           token=token, method="POST")
    assert error_of(response)[:3] == (503, "ISP", "ServiceUnavailable") and rows(emu)["SH-0-0"]["quantity"] == 5


def test_a_buyer_takes_sellable_stock_and_is_refused_at_zero(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, _ = world
    emu.set_catalogue(SELLER, [ProductSpec("Lamp", (VariantSpec("LAMP", "", Decimal("12.50"), 2),)),
                               ProductSpec("Old", (VariantSpec("OLD", "", Decimal("1"), 9),), active=False)])
    receiver = Receiver()
    emu.subscribe_pushes("https://crossdock.example/hook", receiver)
    clock.advance(minutes=3)
    order_id = emu.place_order(SELLER, "LAMP", 2)
    assert order_id is not None and rows(emu)["LAMP"]["quantity"] == 0
    order = emu.orders(SELLER)[order_id]
    items = order["order_items"]
    assert [(i["sku"], i["status"], i["item_price"]) for i in items] == [("LAMP", "pending", "12.50")] * 2
    assert order["payment_method"] != "COD" and all(i["payment_time"] for i in order["order_items"])
    assert datetime.fromisoformat(order["updated_at"]) == clock.now()
    pushed = [json.loads(body)["data"] for _, body in receiver.got]
    assert {(d["trade_order_id"], d["order_status"]) for d in pushed} == {(order_id, "pending")} and len(pushed) == 2
    assert emu.place_order(SELLER, "LAMP", 1) is None
    assert emu.place_order(SELLER, "OLD", 1) is None and rows(emu)["OLD"]["quantity"] == 9
    with pytest.raises(KeyError):
        emu.place_order(SELLER, "NOPE", 1)
    with pytest.raises(ValueError):
        emu.place_order(SELLER, "OLD", 0)


def test_generated_orders_draw_from_the_catalogue(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, _ = world
    emu.set_catalogue(SELLER, specs(4))
    ids = emu.generate_orders(SELLER, 30, START - timedelta(days=2), START)
    sold = {i["sku"] for oid in ids for i in emu.orders(SELLER)[oid]["order_items"]}
    assert sold and sold <= {r["seller_sku"] for r in emu.listings(SELLER) if r["active"]}
    emu.set_catalogue(SELLER, [])
    assert emu.listings(SELLER) == []
    with pytest.raises(ValueError, match="sells nothing"):
        emu.generate_orders(SELLER, 1, START, START)
    clock.advance(days=1)
    assert emu.tick()[0] == 0
    with pytest.raises(ValueError, match="used twice"):
        emu.set_catalogue(SELLER, [ProductSpec("A", (VariantSpec("X", "", Decimal(1), 1),)),
                                   ProductSpec("B", (VariantSpec("X", "", Decimal(1), 1),))])


def test_a_new_seller_lists_its_generated_catalogue(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    token = client.tokens()["access_token"]
    data = client.data("/products/get", {"filter": "live", "limit": 50}, token)
    assert int(data["total_products"]) == len(data["products"]) > 0
    assert len(emu.listings(SELLER)) == sum(len(p["skus"]) for p in data["products"])


def test_the_catalogue_survives_save_and_restore(tmp_path: Path,
                                                 world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, clock, _ = world
    emu.set_catalogue(SELLER, specs(3))
    assert emu.place_order(SELLER, "SH-0-0", 1) is not None
    emu.save(tmp_path / "lazada.pickle")
    other = LazadaEmulator(APP_KEY, SECRET, clock=clock)
    assert other.restore(tmp_path / "lazada.pickle")
    assert other.listings(SELLER) == emu.listings(SELLER) and rows(other)["SH-0-0"]["quantity"] == 4
    assert other.place_order(SELLER, "SH-0-0", 4) is not None and other.place_order(SELLER, "SH-0-0", 1) is None


def test_control_routes_set_the_catalogue_list_it_and_buy(world: tuple[LazadaEmulator, ManualClock, Lazop]) -> None:
    emu, _, client = world
    base = "http://127.0.0.1:8102/_emulator/sellers"
    body = {"products": [{"title": "Mug", "active": True, "weight_kg": 0.3,
                          "variants": [{"sku": "MUG-1", "name": "Blue", "price": "4.90", "quantity": 1,
                                        "barcode": "4006381333931"}]}]}
    answer = client.http.post(f"{base}/{SELLER}/catalogue", json=body)
    assert answer.status_code == 201 and answer.json()["skus"] == 1
    [row] = client.http.get(f"{base}/{SELLER}/listings").json()["listings"]
    assert (row["seller_sku"], row["price"], row["quantity"], row["barcode"]) == ("MUG-1", "4.90", 1, "4006381333931")
    bought = client.http.post(f"{base}/{SELLER}/buy", json={"sku": "MUG-1", "quantity": 1})
    assert bought.status_code == 201 and bought.json()["order_id"] in emu.orders(SELLER)
    assert client.http.post(f"{base}/{SELLER}/buy", json={"sku": "MUG-1"}).status_code == 409
    assert client.http.post(f"{base}/{SELLER}/buy", json={"sku": "NOPE"}).status_code == 404
    assert client.http.post(f"{base}/9999/catalogue", json=body).status_code == 404
    assert client.http.get(f"{base}/9999/listings").status_code == 404
    bad = {"products": [{"title": "X", "variants": [{"sku": "X", "price": "cheap", "quantity": 1}]}]}
    assert client.http.post(f"{base}/{SELLER}/catalogue", json=bad).status_code == 400
    assert client.http.post(f"{base}/{SELLER}/catalogue", json={"products": [{"title": "X"}]}).status_code == 400
