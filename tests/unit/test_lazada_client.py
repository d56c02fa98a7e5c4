"""Lazada client and adapter on the wire: the documented signature, common parameters, hosts, how each error
answer is classified, token refresh, keyset paging of GetOrders and the item batches."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.registry import ConnectorContext
from crossdock.connectors.lazada import CONNECTOR, LazadaSettings
from crossdock.connectors.lazada.adapter import LazadaAuthorizer, LazadaOrders
from crossdock.connectors.lazada.client import LazadaClient, sign
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, OrderRef, StoreLink, TimeField, TokenSet

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SECRET = "app-secret"
Handler = Callable[[httpx.Request], httpx.Response]


class Tokens:
    def __init__(self, expires: datetime = NOW + timedelta(days=7)) -> None:
        self.saved: list[TokenSet] = []
        self.current = TokenSet(SecretStr("acc"), SecretStr("ref"), expires, NOW + timedelta(days=30))

    def load(self) -> TokenSet:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.saved.append(tokens)
        self.current = tokens


def params_of(request: httpx.Request) -> dict[str, str]:
    out = dict(request.url.params)
    if request.method == "POST":
        out.update(parse_qsl(request.content.decode()))
    return out


def client(handler: Handler, tokens: Tokens | None = None) -> tuple[LazadaClient, CallStats, Tokens, ManualClock]:
    clock, stats, tokens = ManualClock(NOW), CallStats(), tokens or Tokens()
    transport = httpx.MockTransport(handler)

    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    def api(url: str) -> HttpApi:
        return HttpApi(url, stats=stats, sleep=sleep, transport=transport, max_attempts=3)

    c = LazadaClient(api("https://auth.lazada.com/rest"), app_key="123456", app_secret=SecretStr(SECRET),
                     clock=clock, api=api("https://api.lazada.sg/rest"), tokens=tokens)
    return c, stats, tokens, clock


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": "0", "data": data, "request_id": "r"})


def error(code: str, message: str = "", kind: str = "ISV", status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"type": kind, "code": code, "message": message, "request_id": "r1"})


def token_answer(**extra: Any) -> dict[str, Any]:
    return {"access_token": "acc2", "refresh_token": "ref2", "expires_in": "604800", "refresh_expires_in": 86400,
            "country": "sg", "account": "a@example.com", "code": "0", "request_id": "r",
            "country_user_info": [{"country": "sg", "seller_id": "1001", "user_id": "1", "short_code": "SG1"}],
            **extra}


def test_signature_matches_the_documented_example() -> None:
    # The Signature algorithm page's example: secret "helloworld", API /order/get.
    params = {"access_token": "test", "app_key": "123456", "order_id": "1234", "sign_method": "sha256",
              "timestamp": "1517820392000"}
    assert sign("helloworld", "/order/get", params) == \
        "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
    assert sign("helloworld", "/order/get", {**params, "sign": "ignored"}) == sign("helloworld", "/order/get", params)


def test_requests_carry_common_parameters_and_a_valid_sign_on_the_venture_host() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok([])

    c, _, _, _ = client(handler)
    assert c.get_multiple_order_items(["42922", "32793"]) == []
    (request,) = seen
    q = dict(request.url.params)
    assert request.url.host == "api.lazada.sg" and request.url.path == "/rest/orders/items/get"
    assert q["order_ids"] == "[42922, 32793]"      # a JSON array, as the doc's sample sends it
    assert q["app_key"] == "123456" and q["sign_method"] == "sha256" and q["access_token"] == "acc"
    assert q["timestamp"] == str(int(NOW.timestamp() * 1000))
    assert q["sign"] == sign(SECRET, "/orders/items/get", q)


def test_throttling_waits_as_long_as_the_ban_says() -> None:
    c, stats, _, clock = client(lambda r: error("ApiCallLimit", "Api access frequency exceeds the limit. "
                                                                "this ban will last 2 seconds"))
    with pytest.raises(Retryable) as err:
        c.get_orders({"update_after": "x"})
    assert err.value.throttled and err.value.retry_after == 2.0
    assert stats.api_calls == 3 and stats.throttled == 2 and stats.throttle_wait_seconds == 4.0
    assert clock.now() == NOW + timedelta(seconds=4)


def test_a_throttled_call_goes_through_once_the_ban_is_over() -> None:
    answers = iter([error("ApiCallLimit", "this ban will last 1 seconds"), ok({"orders": [], "countTotal": 0})])
    c, stats, _, _ = client(lambda r: next(answers))
    assert c.get_orders({"update_after": "x"})["orders"] == []
    assert stats.throttled == 1 and stats.retries == 1


@pytest.mark.parametrize("answer", [
    httpx.Response(503, text="upstream down"),
    httpx.Response(200, text="<html>gateway</html>"),
    error("ServiceUnavailable", "try later", kind="ISP"),
    error("SomethingInternal", "backend", kind="ISP"),
])
def test_server_trouble_is_retryable(answer: httpx.Response) -> None:
    c, stats, _, _ = client(lambda r: answer)
    with pytest.raises(Retryable):
        c.get_orders({"update_after": "x"})
    assert stats.api_calls == 3 and stats.throttled == 0


def test_bad_signature_is_fatal_with_the_platform_code() -> None:
    c, stats, _, _ = client(lambda r: error("IncompleteSignature", "The request signature does not conform"))
    with pytest.raises(Fatal) as err:
        c.get_orders({"update_after": "x"})
    assert err.value.code == "IncompleteSignature" and "signature" in str(err.value) and stats.api_calls == 1


def test_an_expired_token_is_refreshed_saved_and_the_call_repeated() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.url.host}{request.url.path}")
        if request.url.path.endswith("/auth/token/refresh"):
            return httpx.Response(200, json=token_answer())
        if params_of(request)["access_token"] == "acc":
            return error("IllegalAccessToken", "The specified access token is invalid or expired")
        return ok({"orders": [], "countTotal": "0"})

    c, stats, tokens, _ = client(handler)
    c.get_orders({"update_after": "x"})
    assert calls == ["api.lazada.sg/rest/orders/get", "auth.lazada.com/rest/auth/token/refresh",
                     "api.lazada.sg/rest/orders/get"]
    (saved,) = tokens.saved
    assert saved.access_token.get_secret_value() == "acc2" and saved.refresh_token.get_secret_value() == "ref2"
    assert saved.access_expires_at == NOW + timedelta(days=7)
    assert saved.refresh_expires_at == NOW + timedelta(days=1)
    assert stats.token_refreshes == 1


def test_a_token_near_its_end_is_refreshed_first() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=token_answer()) if "auth" in request.url.path else ok({"orders": []})

    c, _, tokens, _ = client(handler, Tokens(expires=NOW + timedelta(minutes=20)))
    c.get_orders({"update_after": "x"})
    assert paths == ["/rest/auth/token/refresh", "/rest/orders/get"] and len(tokens.saved) == 1


def test_the_refresh_token_travels_in_the_form_body_signed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=token_answer())

    c, _, _, _ = client(handler)
    c.refresh_access_token(SecretStr("ref-secret"))
    (request,) = seen
    assert request.method == "POST" and "ref-secret" not in str(request.url)
    params = params_of(request)
    assert params["refresh_token"] == "ref-secret" and "access_token" not in params
    assert params["sign"] == sign(SECRET, "/auth/token/refresh", params)


def test_refusal_after_refresh_means_authorize_again() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "auth" in request.url.path:
            return httpx.Response(200, json=token_answer())
        return error("IllegalAccessToken", "invalid")

    c, _, _, _ = client(handler)
    with pytest.raises(AuthFailed):
        c.get_orders({"update_after": "x"})


@pytest.mark.parametrize("code", ["IllegalRefreshToken", "AUTH_TYPE_UNSUPPORTED"])
def test_a_dead_refresh_token_means_authorize_again(code: str) -> None:
    c, _, _, _ = client(lambda r: error(code, "The specified refresh token is invalid or expired"))
    with pytest.raises(AuthFailed):
        c.refresh_access_token(SecretStr("old"))


def test_illegal_access_token_alone_is_auth_expired() -> None:
    with pytest.raises(AuthExpired):
        LazadaClient._parse(error("IllegalAccessToken", "x"))


def test_no_orders_found_is_an_empty_answer_and_get_order_none() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/order/get"):
            return error("16", 'E016: "1" Invalid Order ID')
        return error("39", "E039: No orders were found")

    c, _, _, _ = client(handler)
    assert c.get_multiple_order_items(["1"]) == []
    assert c.get_order("1") is None


def test_exchange_code_checks_the_consent_covers_the_store() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=token_answer())

    c, _, _, _ = client(handler)
    tokens = LazadaAuthorizer(c).exchange_code("0_code", "1001")
    assert tokens.access_token.get_secret_value() == "acc2"
    assert seen[0].url.path == "/rest/auth/token/create" and params_of(seen[0])["code"] == "0_code"
    with pytest.raises(AuthFailed, match="1001"):
        LazadaAuthorizer(c).exchange_code("0_code", "2002")


def test_exchange_code_reads_either_list_name_and_refuses_a_bad_code() -> None:
    answer = token_answer()
    answer["country_user_info_list"] = answer.pop("country_user_info")
    c, _, _, _ = client(lambda r: httpx.Response(200, json=answer))
    assert LazadaAuthorizer(c).exchange_code("c", "1001").refresh_token.get_secret_value() == "ref2"
    c, _, _, _ = client(lambda r: error("InvalidCode", "Invalid authorization code"))
    with pytest.raises(AuthFailed):
        LazadaAuthorizer(c).exchange_code("c", "1001")
    c, _, _, _ = client(lambda r: httpx.Response(200, json={**token_answer(), "expires_in": "soon"}))
    with pytest.raises(Fatal, match="token answer"):
        LazadaAuthorizer(c).exchange_code("c", "1001")


# --- adapter ---------------------------------------------------------------------------------------------


def order(order_id: int, updated: str) -> dict[str, Any]:
    return {"order_id": str(order_id), "created_at": updated, "updated_at": updated, "price": "10.00",
            "voucher": "0.00", "shipping_fee": "1.00", "payment_method": "MIXEDCARD"}


def item(order_id: str) -> dict[str, Any]:
    return {"order_item_id": f"9{order_id}", "order_id": order_id, "status": "pending", "item_price": "10.00",
            "paid_price": "10.00", "currency": "SGD", "sku": "S", "updated_at": "1793500000000"}


class FakeLazada:
    """Sorted by updated_at ascending then id, paging by update_after/offset like GetOrders; items as asked."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = orders
        self.requests: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        q = dict(request.url.params)
        self.requests.append({"path": request.url.path, **q})
        if request.url.path.endswith("/orders/get"):
            after = datetime.fromisoformat(q.get("update_after") or q["created_after"])
            chosen = [o for o in self.orders if datetime.fromisoformat(o["updated_at"]) >= after]
            offset, limit = int(q["offset"]), int(q["limit"])
            page = chosen[offset:offset + limit]
            return ok({"count": str(len(page)), "countTotal": str(len(chosen)), "orders": page})
        if request.url.path.endswith("/order/get"):
            found = [o for o in self.orders if o["order_id"] == q["order_id"]]
            return ok(found[0]) if found else error("16", "E016")
        ids = [str(i) for i in json.loads(q["order_ids"])]
        return ok([{"order_id": i, "order_number": i, "order_items": [item(i)]} for i in ids
                   if i != "100000000000013"])


def source(fake: FakeLazada) -> LazadaOrders:
    c, _, _, _ = client(fake)
    return LazadaOrders(c, "SG")


def test_pages_continue_from_the_last_time_seen_skipping_only_its_ties() -> None:
    # 250 orders: the 100th and 101st share a second, so page two starts at that second skipping the one seen;
    # page three starts at the second of page two's last order, skipping that order.
    stamps = [f"2026-10-30T{10 + i // 60:02d}:{i % 60:02d}:00+08:00" for i in range(99)]
    stamps += ["2026-10-30T12:00:00+08:00"] * 2
    stamps += [f"2026-10-30T{13 + i // 60:02d}:{i % 60:02d}:00+08:00" for i in range(149)]
    fake = FakeLazada([order(100000000000000 + n, s) for n, s in enumerate(stamps)])
    pages = list(source(fake).list_order_refs(NOW - timedelta(days=3), NOW))
    assert [len(p) for p in pages] == [100, 100, 50]
    ids = [r.platform_order_id for p in pages for r in p]
    assert len(set(ids)) == 250 and all(r.payload is not None for p in pages for r in p)
    lists = [r for r in fake.requests if r["path"].endswith("/orders/get")]
    assert [(r["offset"], r["update_after"]) for r in lists] == [
        ("0", "2026-10-29T00:00:00+00:00"), ("1", "2026-10-30T04:00:00+00:00"), ("1", "2026-10-30T06:38:00+00:00")]
    assert all(r["sort_by"] == "updated_at" and r["sort_direction"] == "ASC" and r["limit"] == "100" for r in lists)
    assert lists[0]["update_before"] == "2026-11-01T00:00:00+00:00"


def test_an_exact_page_ends_without_another_call() -> None:
    fake = FakeLazada([order(100000000000000 + n, f"2026-10-30T10:{n % 60:02d}:{n // 60:02d}+08:00")
                       for n in range(100)])
    pages = list(source(fake).list_order_refs(NOW - timedelta(days=3), NOW))
    assert [len(p) for p in pages] == [100] and len(fake.requests) == 1


def test_created_windows_use_the_created_fields() -> None:
    fake = FakeLazada([])
    assert list(source(fake).list_order_refs(NOW - timedelta(days=1), NOW, field=TimeField.CREATED)) == []
    assert "created_after" in fake.requests[0] and fake.requests[0]["sort_by"] == "created_at"


def test_items_come_in_batches_of_fifty_and_a_missing_one_is_reported() -> None:
    orders = [order(100000000000000 + n, "2026-10-30T10:00:00+08:00") for n in range(60)]
    fake = FakeLazada(orders)
    out = source(fake).fetch_orders([OrderRef(o["order_id"], payload=o) for o in orders])
    batches = [json.loads(r["order_ids"]) for r in fake.requests if r["path"].endswith("/orders/items/get")]
    assert [len(b) for b in batches] == [50, 10]
    bad = [r for r in out if isinstance(r, BadRecord)]
    assert [b.platform_id for b in bad] == ["100000000000013"] and "missing" in bad[0].reason
    good = [r for r in out if isinstance(r, OrderSnapshot)]
    assert len(good) == 59 and good[0].raw["order_items"][0]["order_id"] == good[0].platform_order_id


def test_orders_named_by_a_push_are_fetched_one_by_one_then_their_items() -> None:
    orders = [order(100000000000001, "2026-10-30T10:00:00+08:00")]
    fake = FakeLazada(orders)
    out = source(fake).fetch_orders([OrderRef("100000000000001"), OrderRef("100000000000999"), OrderRef("abc")])
    assert [r["path"] for r in fake.requests] == ["/rest/order/get", "/rest/order/get", "/rest/orders/items/get"]
    assert isinstance(out[-1], OrderSnapshot)
    reasons = {r.platform_id: r.reason for r in out if isinstance(r, BadRecord)}
    assert "GetOrder does not know" in reasons["100000000000999"] and "not numeric" in reasons["abc"]


def test_the_connector_spec_builds_per_venture_hosts() -> None:
    settings = LazadaSettings(app_key="1", app_secret=SecretStr("s"))
    assert settings.base_urls["TH"] == "https://api.lazada.co.th/rest"
    ctx = ConnectorContext(clock=ManualClock(NOW), sleep=lambda s: None)
    link = StoreLink(store_id=1, external_id="1001", region="XX", tokens=Tokens())
    with pytest.raises(Fatal, match="no Lazada API host"):
        CONNECTOR.orders(settings, link, ctx)
    assert CONNECTOR.tokens_per == "store" and CONNECTOR.pushes is not None
