"""Shopee client on the wire: the documented signature, and how each error answer is classified."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.shopee.adapter import ShopeeOrders
from crossdock.connectors.shopee.client import ShopeeClient, sign
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, OrderRef, TokenSet

NOW = datetime(2026, 11, 1, tzinfo=UTC)


class Tokens:
    def __init__(self) -> None:
        self.saved: list[TokenSet] = []
        self.current = TokenSet(SecretStr("acc"), SecretStr("ref"), NOW + timedelta(hours=4))

    def load(self) -> TokenSet:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.saved.append(tokens)
        self.current = tokens


def client(handler: httpx.MockTransport) -> tuple[ShopeeClient, CallStats, Tokens]:
    clock, stats, tokens = ManualClock(NOW), CallStats(), Tokens()
    api = HttpApi("https://partner.test", stats=stats, sleep=lambda s: clock.advance(seconds=s), transport=handler,
                  max_attempts=3)
    return ShopeeClient(api, partner_id=2001887, partner_key=SecretStr("key"), clock=clock, shop_id=14701711,
                        tokens=tokens), stats, tokens


def answer(status: int, body: dict[str, object]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


def test_signature_base_string_is_the_documented_concatenation() -> None:
    # The doc's example base for a shop API: partner_id + path + timestamp + access_token + shop_id.
    base_parts = (2001887, "/api/v2/shop/get_shop_info", 1655714431, "tok", 14701711)
    assert sign("key", *base_parts) == sign("key", "2001887/api/v2/shop/get_shop_info1655714431tok14701711")
    assert len(sign("key", "x")) == 64 and sign("key", "x") == sign("key", "x").lower()


def test_requests_carry_common_parameters_and_a_valid_sign() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error": "", "message": "", "response": {"order_list": []}})

    c, _, _ = client(httpx.MockTransport(handler))
    c.get_order_detail(["A", "B"], "item_list")
    q = seen[0].url.params
    assert q["order_sn_list"] == "A,B" and q["shop_id"] == "14701711" and q["partner_id"] == "2001887"
    assert q["sign"] == sign("key", 2001887, "/api/v2/order/get_order_detail", q["timestamp"], "acc", 14701711)


def test_throttling_is_retryable_and_counted() -> None:
    c, stats, _ = client(answer(429, {"error": "error_too_many_request", "message": "slow down"}))
    with pytest.raises(Retryable):
        c.get_order_detail(["A"], "")
    assert stats.api_calls == 3 and stats.throttled == 2 and stats.retries == 2


def test_bad_sign_is_fatal_with_the_platform_code() -> None:
    c, stats, _ = client(answer(403, {"error": "error_sign", "message": "Wrong sign.", "request_id": "r1"}))
    with pytest.raises(Fatal) as err:
        c.get_order_detail(["A"], "")
    assert err.value.code == "error_sign" and "Wrong sign." in str(err.value) and stats.api_calls == 1


def test_rejected_refresh_means_the_seller_must_authorize_again() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("access_token/get"):
            return httpx.Response(403, json={"error": "error_auth", "message": "Invalid refresh_token."})
        return httpx.Response(403, json={"error": "error_auth", "message": "Invalid access_token."})

    c, _, tokens = client(httpx.MockTransport(handler))
    with pytest.raises(AuthFailed):
        c.get_order_detail(["A"], "")
    assert tokens.saved == []


def test_refreshed_tokens_are_saved_before_use() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("access_token/get"):
            assert json.loads(request.content)["refresh_token"] == "ref"
            return httpx.Response(200, json={"access_token": "acc2", "refresh_token": "ref2", "expire_in": 14400,
                                             "error": "", "message": ""})
        if request.url.params["access_token"] == "acc":
            return httpx.Response(403, json={"error": "error_auth", "message": "Invalid access_token."})
        return httpx.Response(200, json={"error": "", "response": {"order_list": []}})

    c, stats, tokens = client(httpx.MockTransport(handler))
    c.get_order_detail(["A"], "")
    assert [t.refresh_token.get_secret_value() for t in tokens.saved] == ["ref2"] and stats.token_refreshes == 1
    assert calls == ["/api/v2/order/get_order_detail", "/api/v2/auth/access_token/get",
                     "/api/v2/order/get_order_detail"]


def test_orders_gone_from_detail_are_reported_not_fatal() -> None:
    c, _, _ = client(answer(404, {"error": "error_not_found", "message": "the order is not found."}))
    out = ShopeeOrders(c).fetch_orders([OrderRef("A"), OrderRef("B")])
    assert [(r.platform_id, type(r)) for r in out] == [("A", BadRecord), ("B", BadRecord)]
