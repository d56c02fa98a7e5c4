"""Joom client and adapter on the wire: bearer calls, paging, how each error answer is classified, refresh."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.registry import Registry
from crossdock.connectors.joom.adapter import JoomAuthorizer, JoomDirectory, JoomOrders
from crossdock.connectors.joom.client import JoomClient
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, Capability, OrderRef, TimeField, TokenSet

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
STORE = "5e7a1c2b9d3f4a0012b4c6d8"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "joom"
Handler = Callable[[httpx.Request], httpx.Response]


class Tokens:
    def __init__(self, expires_at: datetime = NOW + timedelta(days=20)) -> None:
        self.saved: list[TokenSet] = []
        self.current: TokenSet | None = TokenSet(SecretStr("acc"), SecretStr("ref"), expires_at)

    def load(self) -> TokenSet | None:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.saved.append(tokens)
        self.current = tokens


class Wire:
    """A MockTransport that answers from a handler and keeps every request."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)


def make(handler: Handler, tokens: Tokens | None = None, redirect_uri: str = "",
         ) -> tuple[JoomClient, Wire, CallStats, Tokens, ManualClock]:
    clock, stats, wire = ManualClock(NOW), CallStats(), Wire(handler)
    tokens = tokens or Tokens()

    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    api = HttpApi("https://api-merchant.joom.test", stats=stats, sleep=sleep,
                  transport=httpx.MockTransport(wire), max_attempts=3)
    client = JoomClient(api, client_id="cid", client_secret=SecretStr("csecret"), clock=clock, tokens=tokens,
                        redirect_uri=redirect_uri)
    return client, wire, stats, tokens, clock


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def page(items: list[Any], next_url: str = "") -> dict[str, Any]:
    return {"data": {"items": items}, "paging": {"next": next_url} if next_url else {}}


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}


def token_answer(access: str = "acc2", refresh: str = "ref2") -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "message": "", "data": {
        "access_token": access, "refresh_token": refresh, "expires_in": 2592000, "expiry_time": 1800000000,
        "merchant_user_id": "5d1e2f3a4b5c6d7e8f901a2b"}})


def errors(status: int, code: str, message: str = "", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"code": code, "message": message}]}, headers=headers)


# ---- listing -----------------------------------------------------------------------------------


def test_a_pull_sends_the_bearer_token_and_the_documented_parameters() -> None:
    client, wire, stats, _, _ = make(lambda r: httpx.Response(200, json=fixture("orders-multi.json") | {"paging": {}}))
    orders = JoomOrders(client, STORE)
    since, until = NOW - timedelta(days=2, microseconds=-400), NOW + timedelta(microseconds=300)
    (refs,) = list(orders.list_order_refs(since, until))
    request = wire.requests[0]
    assert request.method == "GET" and request.url.path == "/api/v3/orders/multi"
    assert request.headers["Authorization"] == "Bearer acc"
    assert dict(request.url.params) == {"storeId": STORE, "limit": "500", "updatedFrom": "2026-10-30T12:00:00Z",
                                        # updatedTo is exclusive: the second after `until` covers it.
                                        "updatedTo": "2026-11-01T12:00:01Z"}
    assert [r.platform_order_id for r in refs] == ["26VE349M", "7KQ2M9ZX"]
    assert [r.platform_status for r in refs] == ["approved", "shipped"]
    # The list carries whole orders: mapping them costs no further call.
    records = orders.fetch_orders(refs)
    assert all(isinstance(r, OrderSnapshot) for r in records)
    assert stats.api_calls == 1 and len(wire.requests) == 1


def test_paging_follows_next_on_our_own_host_until_it_ends() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "after" not in request.url.params:
            return httpx.Response(200, json=page([{"id": "AAAAAAA1", "status": "approved"}],
                                                 "https://elsewhere.example/api/v3/orders/multi?after=c2&limit=2"))
        return httpx.Response(200, json=page([{"id": "AAAAAAA2", "status": "shipped"}]))

    client, wire, _, _, _ = make(handler)
    pages = list(JoomOrders(client, STORE, page_size=2).list_order_refs(NOW - timedelta(days=1), NOW))
    assert [[r.platform_order_id for r in p] for p in pages] == [["AAAAAAA1"], ["AAAAAAA2"]]
    follow = wire.requests[1]
    assert follow.url.host == "api-merchant.joom.test" and follow.url.path == "/api/v3/orders/multi"
    assert dict(follow.url.params) == {"after": "c2", "limit": "2"}
    assert follow.headers["Authorization"] == "Bearer acc"


def test_a_paging_link_given_twice_stops_the_pull() -> None:
    loop = page([{"id": "AAAAAAA1"}], "https://api-merchant.joom.test/api/v3/orders/multi?after=same")
    client, _, _, _, _ = make(lambda r: httpx.Response(200, json=loop))
    with pytest.raises(Fatal, match="already given"):
        list(JoomOrders(client, STORE).list_order_refs(NOW - timedelta(days=1), NOW))


def test_the_docs_shape_with_data_as_a_list_is_read_too() -> None:
    client, _, _, _, _ = make(lambda r: httpx.Response(200, json={"data": [{"id": "AAAAAAA1"}], "paging": {}}))
    (refs,) = list(JoomOrders(client, STORE).list_order_refs(NOW - timedelta(days=1), NOW))
    assert refs[0].platform_order_id == "AAAAAAA1"


def test_an_answer_without_data_fails_the_pull_as_retryable() -> None:
    client, wire, _, _, _ = make(lambda r: httpx.Response(200, json={"paging": {}}))
    with pytest.raises(Retryable, match="without a data list"):
        list(JoomOrders(client, STORE).list_order_refs(NOW - timedelta(days=1), NOW))
    # Not retried on the spot: the run fails as retryable and the next scheduled pull tries again.
    assert len(wire.requests) == 1


def test_an_empty_window_yields_no_page() -> None:
    client, wire, _, _, _ = make(lambda r: httpx.Response(200, json=page([])))
    assert list(JoomOrders(client, STORE).list_order_refs(NOW - timedelta(days=1), NOW)) == []
    assert len(wire.requests) == 1


def test_listing_by_creation_reads_updates_since_and_keeps_orders_created_in_the_window() -> None:
    items = [
        {"id": "OLD00001", "orderTimestamp": "2026-10-01T00:00:00Z"},
        {"id": "INSIDE01", "orderTimestamp": "2026-10-31T00:00:00Z"},
        {"id": "LATER001", "orderTimestamp": "2026-11-01T12:00:01Z"},
        {"id": "NOTIME01", "orderTimestamp": "garbled"},
    ]
    client, wire, _, _, _ = make(lambda r: httpx.Response(200, json=page(items)))
    (refs,) = list(JoomOrders(client, STORE).list_order_refs(NOW - timedelta(days=5), NOW, TimeField.CREATED))
    assert "updatedTo" not in wire.requests[0].url.params
    # An order whose creation time cannot be read is kept, so a count check names it rather than losing it.
    assert [r.platform_order_id for r in refs] == ["INSIDE01", "NOTIME01"]


# ---- fetching ----------------------------------------------------------------------------------


def test_fetch_keeps_what_cannot_be_mapped_or_does_not_belong_here() -> None:
    good = fixture("orders-multi.json")["data"]["items"][0]
    sibling = dict(good, id="SIBLING1", storeId="another-store")
    broken = dict(good, id="BROKEN01", status="TELEPORTED")

    def handler(request: httpx.Request) -> httpx.Response:
        order_id = request.url.params["id"]
        if order_id == "26VE349M":
            return httpx.Response(200, json={"data": good})
        if order_id == "lower-case":
            return errors(400, "invalid_argument", "Invalid argument `id`")
        return errors(404, "not_found", f"Order with ID '{order_id}' not found")

    client, wire, _, _, _ = make(handler)
    orders = JoomOrders(client, STORE)
    refs = [OrderRef("26VE349M"), OrderRef("GONE0001"), OrderRef("lower-case"),
            OrderRef("SIBLING1", payload=sibling), OrderRef("BROKEN01", payload=broken),
            orders._ref({"status": "approved"}), orders._ref(None)]
    records = orders.fetch_orders(refs)
    assert isinstance(records[0], OrderSnapshot) and records[0].platform_order_id == "26VE349M"
    bad = [r for r in records if isinstance(r, BadRecord)]
    reasons = {r.platform_id: r.reason for r in bad}
    assert reasons["GONE0001"] == "Joom answers not_found for this order"
    assert "refuses this order id" in reasons["lower-case"]
    assert reasons["SIBLING1"] == f"order belongs to store another-store, not {STORE}"
    assert "TELEPORTED" in reasons["BROKEN01"]
    unnamed = [r for r in bad if r.platform_id.startswith("unidentified-")]
    assert len(unnamed) == 2 and {type(r.payload) for r in unnamed} == {dict, type(None)}
    # Only bare refs cost a call, one GET /orders?id= each.
    assert [r.url.path for r in wire.requests] == ["/api/v3/orders"] * 3


# ---- errors ------------------------------------------------------------------------------------


def parse(response: httpx.Response) -> dict[str, Any]:
    response.request = httpx.Request("GET", "https://api-merchant.joom.test/api/v3/orders/multi")
    return JoomClient._parse_v3(response)


def test_a_refused_argument_is_fatal_and_names_the_field() -> None:
    answer = httpx.Response(400, json={"errors": [{"code": "invalid_argument", "field": "updatedFrom",
                                                    "message": "Invalid argument `updatedFrom`"}]})
    with pytest.raises(Fatal) as caught:
        parse(answer)
    assert caught.value.code == "invalid_argument" and "(updatedFrom)" in str(caught.value)


@pytest.mark.parametrize(("status", "code"), [(403, "forbidden"), (404, "not_found"), (409, "")])
def test_other_refusals_are_fatal_with_their_code(status: int, code: str) -> None:
    with pytest.raises(Fatal) as caught:
        parse(errors(status, code) if code else httpx.Response(status, text="nope"))
    assert caught.value.code == (code or f"http_{status}")


def test_an_unauthorized_answer_asks_for_a_refresh() -> None:
    with pytest.raises(AuthExpired, match="unauthorized"):
        parse(errors(401, "unauthorized", "Invalid or expired access token"))


def test_throttling_is_retryable_with_the_wait_joom_names() -> None:
    with pytest.raises(Retryable) as caught:
        parse(errors(429, "rate_limit_exceeded", "Request rate quota exceeded", {"Retry-After": "7"}))
    assert caught.value.throttled and caught.value.retry_after == 7


def test_a_success_that_is_not_json_is_retryable() -> None:
    with pytest.raises(Retryable, match="not a JSON object"):
        parse(httpx.Response(200, text="<html>maintenance</html>"))


def test_server_errors_are_retried_by_the_kit() -> None:
    answers = iter([httpx.Response(503, text="busy"), httpx.Response(200, json=page([]))])
    client, wire, stats, _, _ = make(lambda r: next(answers))
    client.orders_multi({"limit": "1"})
    assert stats.retries == 1 and len(wire.requests) == 2


# ---- tokens ------------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_saved_at_once_and_the_call_repeated() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/oauth/refresh_token":
            return token_answer()
        if request.headers["Authorization"] == "Bearer acc":
            return errors(401, "unauthorized", "Invalid or expired access token")
        return httpx.Response(200, json=page([]))

    client, wire, stats, tokens, _ = make(handler)
    client.orders_multi({"limit": "1"})
    refresh = wire.requests[1]
    assert refresh.method == "POST" and refresh.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(refresh) == {"client_id": "cid", "client_secret": "csecret", "refresh_token": "ref",
                             "grant_type": "refresh_token"}
    assert "csecret" not in str(refresh.url)
    assert wire.requests[2].headers["Authorization"] == "Bearer acc2"
    assert [t.refresh_token.get_secret_value() for t in tokens.saved] == ["ref2"]
    assert tokens.saved[0].access_expires_at == NOW + timedelta(days=30)
    assert stats.token_refreshes == 1


def test_a_fresh_token_refused_again_means_the_merchant_must_authorize() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/oauth/refresh_token":
            return token_answer()
        return errors(401, "unauthorized", "Invalid or expired access token")

    client, _, _, _, _ = make(handler)
    with pytest.raises(AuthFailed, match="authorize again"):
        client.orders_multi({})


def test_a_refused_refresh_is_an_auth_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/oauth/refresh_token":
            return httpx.Response(400, json={"code": 1016, "data": {}, "message": "Invalid or expired refresh token"})
        return errors(401, "unauthorized")

    client, _, _, tokens, _ = make(handler)
    with pytest.raises(AuthFailed, match="code 1016: Invalid or expired refresh token"):
        client.orders_multi({})
    assert tokens.saved == []


def test_a_pair_refreshed_meanwhile_by_a_sibling_store_is_used() -> None:
    tokens = Tokens()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/oauth/refresh_token":
            # Another store of the merchant refreshed first: our refresh token is spent, its pair is saved.
            tokens.current = TokenSet(SecretStr("sibling-acc"), SecretStr("sibling-ref"), NOW + timedelta(days=30))
            return httpx.Response(400, json={"code": 1016, "data": {}, "message": "Invalid refresh token"})
        if request.headers["Authorization"] == "Bearer sibling-acc":
            return httpx.Response(200, json=page([]))
        return errors(401, "unauthorized")

    client, wire, _, _, _ = make(handler, tokens)
    client.orders_multi({})
    assert wire.requests[-1].headers["Authorization"] == "Bearer sibling-acc" and tokens.saved == []


def test_a_token_about_to_expire_is_refreshed_before_the_call() -> None:
    client, wire, _, tokens, _ = make(
        lambda r: token_answer() if r.method == "POST" else httpx.Response(200, json=page([])),
        Tokens(expires_at=NOW + timedelta(hours=3)))
    client.orders_multi({})
    assert [r.method for r in wire.requests] == ["POST", "GET"] and len(tokens.saved) == 1


def test_an_account_without_tokens_must_be_authorized() -> None:
    empty = Tokens()
    empty.current = None
    client, wire, _, _, _ = make(lambda r: httpx.Response(200, json=page([])), empty)
    with pytest.raises(AuthFailed, match="authorize it first"):
        client.orders_multi({})
    assert wire.requests == []


def test_the_code_is_exchanged_by_form_for_the_token_answer() -> None:
    client, wire, _, _, _ = make(lambda r: httpx.Response(200, json=fixture("token.json")),
                                 redirect_uri="https://crossdock.example/joom/callback")
    tokens = JoomAuthorizer(client).exchange_code("the-code", "5d1e2f3a4b5c6d7e8f901a2b")
    request = wire.requests[0]
    assert request.url.path == "/api/v2/oauth/access_token"
    assert form(request) == {"client_id": "cid", "client_secret": "csecret", "code": "the-code",
                             "grant_type": "authorization_code",
                             "redirect_uri": "https://crossdock.example/joom/callback"}
    assert tokens.access_token.get_secret_value() == "0b9c6a3f4e2d4c1a9e7f5d3b1a0c8e6f"
    assert tokens.refresh_token.get_secret_value() == "7d5f3b1a9e8c6a4f2d0b9c7e5a3f1d8b"
    assert tokens.access_expires_at == NOW + timedelta(seconds=2592000)
    assert tokens.refresh_expires_at == NOW + timedelta(days=30)


def test_a_token_answer_with_only_expiry_time_is_read() -> None:
    body = fixture("token.json")
    del body["data"]["expires_in"]
    client, _, _, _, _ = make(lambda r: httpx.Response(200, json=body))
    assert client.get_access_token("c").access_expires_at == datetime.fromtimestamp(1800000000, UTC)


@pytest.mark.parametrize(("status", "body", "error"), [
    (400, {"code": 1016, "data": {}, "message": "Invalid or expired authorization code"}, AuthFailed),
    (401, {"code": 4000, "data": {}, "message": "Unauthorized: invalid client_id or client_secret"}, AuthFailed),
    (200, {"code": 1000, "data": {}, "message": "Missing required parameter: code"}, AuthFailed),
    (400, "not json", AuthFailed),
    (200, {"code": 0, "data": {"access_token": "a"}, "message": ""}, Fatal),
    (200, {"code": 0, "data": {"access_token": "a", "refresh_token": "r"}, "message": ""}, Fatal),
])
def test_refused_or_incomplete_token_answers(status: int, body: Any, error: type[Exception]) -> None:
    answer = httpx.Response(status, json=body) if isinstance(body, dict) else httpx.Response(status, text=body)
    client, _, _, _, _ = make(lambda r: answer)
    with pytest.raises(error):
        client.get_access_token("c")


# ---- stores and registration -------------------------------------------------------------------


def test_the_directory_lists_the_merchants_stores_and_skips_a_broken_one() -> None:
    body = fixture("stores.json")
    body["data"]["items"].append({"name": "no id"})
    client, wire, _, _, _ = make(lambda r: httpx.Response(200, json=body))
    stores = JoomDirectory(client).list_stores()
    assert [s.external_id for s in stores] == ["5e7a1c2b9d3f4a0012b4c6d8", "5e7a1c2b9d3f4a0012b4c6d9"]
    assert wire.requests[0].url.path == "/api/v3/stores"
    assert wire.requests[0].headers["Authorization"] == "Bearer acc"


def test_the_connector_is_registered_for_merchant_accounts() -> None:
    spec = Registry.discover().get("joom")
    assert spec.tokens_per == "account" and spec.directory is not None and spec.pushes is None
    assert spec.capabilities == frozenset({Capability.ORDERS, Capability.LISTINGS, Capability.STOCK,
                                           Capability.SHIPMENTS, Capability.LOGISTICS, Capability.RETURNS,
                                           Capability.CANCEL})
    settings = spec.settings.model_validate({"client_id": "c", "client_secret": "s"})
    assert settings.model_dump()["page_size"] == 500
    with pytest.raises(ValueError):
        spec.settings.model_validate({"client_id": "c", "client_secret": "s", "page_size": 501})
