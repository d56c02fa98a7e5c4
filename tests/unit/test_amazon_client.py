"""Amazon client on the wire: LWA and RDT handling, usage plans, and how each error answer is classified."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.amazon.client import RESTRICTED_RESOURCES, AmazonClient, amz_time
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats, TokenSet

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LWA = "https://api.amazon.test/auth/o2/token"
Handler = Callable[[httpx.Request], httpx.Response]


class Tokens:
    def __init__(self, expires_in: timedelta = timedelta(hours=1)) -> None:
        self.saved: list[TokenSet] = []
        self.current: TokenSet | None = TokenSet(SecretStr("Atza|stored"), SecretStr("Atzr|refresh"),
                                                 NOW + expires_in, NOW + timedelta(days=300))

    def load(self) -> TokenSet | None:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.saved.append(tokens)
        self.current = tokens


class Wire:
    """A fake Amazon: LWA and the SP-API answered by small functions; every request kept."""

    def __init__(self, sp: Handler, lwa: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._sp, self._lwa = sp, lwa or lwa_ok()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._lwa(request) if request.url.path == "/auth/o2/token" else self._sp(request)

    def sp(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/auth/o2/token"]

    def lwa(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/auth/o2/token"]


def lwa_ok(refresh: str | None = "Atzr|refresh") -> Handler:
    count = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        count["n"] += 1
        body: dict[str, object] = {"access_token": f"Atza|fresh{count['n']}", "token_type": "bearer",
                                   "expires_in": 3600}
        if refresh:
            body["refresh_token"] = refresh
        return httpx.Response(200, json=body)
    return handler


def ok(payload: object, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: httpx.Response(200, json={"payload": payload}, headers=headers)


def error(status: int, code: str, message: str = "m", details: str = "") -> Handler:
    return lambda request: httpx.Response(status, json={"errors": [{"code": code, "message": message,
                                                                    "details": details}]})


def make(wire: Wire, *, renew_first: bool = False, tokens: Tokens | None = None,
         redirect_uri: str = "") -> tuple[AmazonClient, CallStats, Tokens, ManualClock]:
    clock, stats, store = ManualClock(NOW), CallStats(), tokens or Tokens()
    api = HttpApi("https://sellingpartnerapi-eu.amazon.test", stats=stats,
                  sleep=lambda s: clock.advance(seconds=s), transport=httpx.MockTransport(wire), max_attempts=3)
    client = AmazonClient(api, client_id="amzn1.application-oa2-client.abc", client_secret=SecretStr("secret"),
                          lwa_url=LWA, clock=clock, sleep=lambda s: clock.advance(seconds=s), tokens=store,
                          redirect_uri=redirect_uri, renew_first=renew_first)
    return client, stats, store, clock


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}


# --- Login with Amazon -------------------------------------------------------------------------------

def test_code_exchange_is_the_documented_form_post() -> None:
    wire = Wire(ok({}))
    client, stats, _, _ = make(wire, redirect_uri="https://app.example/amazon/callback")
    tokens = client.exchange_code("RHpTkGbLmNoPqRsTuVwX")
    (request,) = wire.lwa()
    assert request.method == "POST" and str(request.url) == LWA
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(request) == {"grant_type": "authorization_code", "code": "RHpTkGbLmNoPqRsTuVwX",
                             "redirect_uri": "https://app.example/amazon/callback",
                             "client_id": "amzn1.application-oa2-client.abc", "client_secret": "secret"}
    assert tokens.access_token.get_secret_value() == "Atza|fresh1"
    assert tokens.refresh_token.get_secret_value() == "Atzr|refresh"
    assert tokens.access_expires_at == NOW + timedelta(hours=1)
    assert tokens.refresh_expires_at == NOW + timedelta(days=365)   # re-authorization every 365 days
    assert stats.api_calls == 1


def test_refresh_keeps_the_refresh_token_and_the_authorization_end() -> None:
    wire = Wire(ok({}), lwa_ok(refresh=None))
    client, _, _, _ = make(wire)
    until = NOW + timedelta(days=100)
    tokens = client.refresh_access_token(SecretStr("Atzr|refresh"), until)
    assert form(wire.lwa()[0])["grant_type"] == "refresh_token"
    assert form(wire.lwa()[0])["refresh_token"] == "Atzr|refresh"
    assert tokens.refresh_token.get_secret_value() == "Atzr|refresh" and tokens.refresh_expires_at == until


@pytest.mark.parametrize(("status", "body", "kind"), [
    (400, {"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : code"},
     AuthFailed),
    (401, {"error": "invalid_client", "error_description": "Client authentication failed"}, AuthFailed),
    (400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type parameter value"}, Fatal),
    (400, {"error": "invalid_request", "error_description": "missing code"}, Fatal),
])
def test_lwa_refusals_are_classified(status: int, body: dict[str, str], kind: type[Exception]) -> None:
    wire = Wire(ok({}), lambda request: httpx.Response(status, json=body))
    client, stats, _, _ = make(wire)
    with pytest.raises(kind) as err:
        client.exchange_code("code")
    assert body["error_description"] in str(err.value) and stats.api_calls == 1


def test_lwa_server_errors_and_garbage_are_retried() -> None:
    answers = iter([httpx.Response(503, text="busy"), httpx.Response(200, text="<html>"),
                    httpx.Response(200, json={"access_token": "Atza|x", "refresh_token": "Atzr|y",
                                              "expires_in": 3600})])
    client, stats, _, _ = make(Wire(ok({}), lambda request: next(answers)))
    assert client.exchange_code("code").access_token.get_secret_value() == "Atza|x"
    assert stats.api_calls == 3 and stats.retries == 2


def test_a_token_answer_without_expiry_is_fatal() -> None:
    client, _, _, _ = make(Wire(ok({}), lambda r: httpx.Response(200, json={"access_token": "Atza|x",
                                                                              "refresh_token": "Atzr|y"})))
    with pytest.raises(Fatal, match="lacks a field"):
        client.exchange_code("code")


# --- access tokens ----------------------------------------------------------------------------------

def test_calls_carry_the_access_token_header_and_no_signature() -> None:
    wire = Wire(ok([]))
    client, stats, _, _ = make(wire)
    client.get_marketplace_participations()
    (request,) = wire.requests
    assert request.url.path == "/sellers/v1/marketplaceParticipations"
    assert request.headers["x-amz-access-token"] == "Atza|stored"
    assert "authorization" not in request.headers and "x-amz-date" not in request.headers
    assert request.headers["user-agent"].startswith("Crossdock/")
    assert stats.api_calls == 1 and stats.token_refreshes == 0


def test_a_pull_starts_with_one_fresh_access_token_and_saves_nothing_unchanged() -> None:
    wire = Wire(ok([]))
    client, stats, tokens, _ = make(wire, renew_first=True)
    client.get_marketplace_participations()
    client.get_marketplace_participations()
    assert len(wire.lwa()) == 1 and [r.headers["x-amz-access-token"] for r in wire.sp()] == ["Atza|fresh1"] * 2
    assert stats.token_refreshes == 1 and tokens.saved == []


def test_a_new_refresh_token_from_lwa_is_saved_at_once() -> None:
    wire = Wire(ok([]), lwa_ok(refresh="Atzr|rotated"))
    client, _, tokens, _ = make(wire, renew_first=True)
    client.get_marketplace_participations()
    assert [t.refresh_token.get_secret_value() for t in tokens.saved] == ["Atzr|rotated"]
    assert tokens.saved[0].refresh_expires_at == NOW + timedelta(days=300)   # the authorization did not grow


def test_an_access_token_about_to_lapse_is_renewed_before_the_call() -> None:
    wire = Wire(ok([]))
    client, _, _, _ = make(wire, tokens=Tokens(expires_in=timedelta(minutes=3)))
    client.get_marketplace_participations()
    assert len(wire.lwa()) == 1 and wire.sp()[0].headers["x-amz-access-token"] == "Atza|fresh1"


def test_no_tokens_means_the_seller_must_authorize() -> None:
    store = Tokens()
    store.current = None
    client, _, _, _ = make(Wire(ok([])), tokens=store)
    with pytest.raises(AuthFailed, match="authorize"):
        client.get_marketplace_participations()


def test_an_expired_token_is_renewed_once_and_the_call_repeated() -> None:
    answers = iter([error(403, "Unauthorized", "Access to requested resource is denied.",
                          "The access token you provided has expired."), ok([])])
    wire = Wire(lambda request: next(answers)(request))
    client, stats, _, _ = make(wire)
    assert client.get_marketplace_participations() == []
    assert [r.headers["x-amz-access-token"] for r in wire.sp()] == ["Atza|stored", "Atza|fresh1"]
    assert stats.token_refreshes == 1


def test_refused_twice_the_seller_must_authorize_again() -> None:
    wire = Wire(error(403, "Unauthorized", "Access to requested resource is denied.",
                      "The access token you provided is revoked, malformed or invalid."))
    client, _, _, _ = make(wire)
    with pytest.raises(AuthFailed, match="revoked, malformed or invalid"):
        client.get_marketplace_participations()
    assert len(wire.sp()) == 2 and len(wire.lwa()) == 1


def test_a_dead_authorization_stops_with_auth_failed() -> None:
    wire = Wire(ok([]), lambda r: httpx.Response(400, json={"error": "invalid_grant", "error_description":
                                                            "The request has an invalid grant parameter : "
                                                            "refresh_token"}))
    client, _, _, _ = make(wire, renew_first=True)
    with pytest.raises(AuthFailed, match="refresh_token"):
        client.get_marketplace_participations()
    assert wire.sp() == []


# --- restricted data tokens ---------------------------------------------------------------------------

def rdt_and_orders(rdt_answers: list[httpx.Response] | None = None) -> Handler:
    minted = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/tokens/2021-03-01/restrictedDataToken":
            minted["n"] += 1
            return httpx.Response(200, json={"restrictedDataToken": f"Atz.sprdt|{minted['n']}", "expiresIn": 3600})
        if rdt_answers:
            return rdt_answers.pop(0)
        return httpx.Response(200, json={"payload": {"Orders": []}})
    return handler


def test_orders_are_read_with_an_rdt_for_buyer_info_and_address() -> None:
    wire = Wire(rdt_and_orders())
    client, stats, _, _ = make(wire)
    client.get_orders("A1PA6795UKMFR9", after=NOW - timedelta(days=1), before=NOW - timedelta(minutes=2))
    client.get_order("302-1234567-1234567")
    mint, listing, one = wire.sp()
    assert mint.method == "POST" and mint.headers["x-amz-access-token"] == "Atza|stored"
    assert json.loads(mint.content) == {"restrictedResources": RESTRICTED_RESOURCES}
    assert RESTRICTED_RESOURCES[0] == {"method": "GET", "path": "/orders/v0/orders",
                                       "dataElements": ["buyerInfo", "shippingAddress"]}
    assert listing.headers["x-amz-access-token"] == one.headers["x-amz-access-token"] == "Atz.sprdt|1"
    assert stats.api_calls == 3


def test_order_items_use_the_plain_access_token() -> None:
    wire = Wire(ok({"AmazonOrderId": "302-1234567-1234567", "OrderItems": []}))
    client, _, _, _ = make(wire)
    client.get_order_items("302-1234567-1234567")
    assert wire.sp()[0].headers["x-amz-access-token"] == "Atza|stored"


def test_an_rdt_is_minted_again_when_it_lapses_or_is_refused() -> None:
    wire = Wire(rdt_and_orders([httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "x"}]})]))
    client, _, _, clock = make(wire)
    client.get_orders("A1PA6795UKMFR9", after=NOW - timedelta(days=1))       # refused once, minted again
    clock.advance(minutes=56)
    client.get_orders("A1PA6795UKMFR9", after=NOW - timedelta(days=1))       # 4 minutes left: renewed first
    tokens = [r.headers["x-amz-access-token"] for r in wire.sp() if r.url.path == "/orders/v0/orders"]
    assert tokens == ["Atz.sprdt|1", "Atz.sprdt|2", "Atz.sprdt|3"]


def test_get_orders_sends_the_documented_parameters_and_encodes_next_token() -> None:
    wire = Wire(rdt_and_orders())
    client, _, _, _ = make(wire)
    client.get_orders("A1PA6795UKMFR9", after=datetime(2026, 10, 1, 8, 30, 15, 999000, tzinfo=UTC),
                      before=datetime(2026, 11, 1, 11, 58, tzinfo=UTC))
    client.get_orders("A1PA6795UKMFR9", next_token="eyJr+Ijo/IjEi=")
    first, second = [r for r in wire.sp() if r.url.path == "/orders/v0/orders"]
    assert dict(first.url.params) == {"MarketplaceIds": "A1PA6795UKMFR9", "LastUpdatedAfter": "2026-10-01T08:30:15Z",
                                      "LastUpdatedBefore": "2026-11-01T11:58:00Z", "MaxResultsPerPage": "100"}
    # With NextToken, Amazon ignores the other criteria; "+", "/" and "=" must travel percent-encoded.
    assert dict(second.url.params) == {"MarketplaceIds": "A1PA6795UKMFR9", "NextToken": "eyJr+Ijo/IjEi="}
    assert "eyJr%2BIjo%2FIjEi%3D" in str(second.url)
    with pytest.raises(Fatal, match="CreatedAfter or LastUpdatedAfter"):
        client.get_orders("A1PA6795UKMFR9")


def test_amazon_times_are_utc_whole_seconds() -> None:
    assert amz_time(datetime(2026, 11, 1, 13, 0, 0, 700000, tzinfo=UTC)) == "2026-11-01T13:00:00Z"


# --- usage plans and errors -----------------------------------------------------------------------------

def test_throttling_waits_one_token_of_the_reported_rate() -> None:
    answers = iter([ok([], {"x-amzn-RateLimit-Limit": "2"}),
                    error(429, "QuotaExceeded", "You exceeded your quota for the requested resource."),
                    ok([])])
    wire = Wire(lambda request: next(answers)(request))
    client, stats, _, clock = make(wire)
    client.get_marketplace_participations()
    start = clock.now()
    client.get_marketplace_participations()
    assert stats.throttled == 1 and stats.retries == 1 and stats.api_calls == 3
    assert timedelta(seconds=0.5) < clock.now() - start < timedelta(seconds=0.6)   # 1 / 2 per second + margin


def test_throttling_without_a_reported_rate_waits_the_documented_one() -> None:
    client, stats, _, _ = make(Wire(error(429, "QuotaExceeded", "You exceeded your quota")))
    with pytest.raises(Retryable) as err:
        client.get_marketplace_participations()
    assert err.value.throttled and err.value.retry_after == pytest.approx(1 / 0.016 + 0.05)
    assert stats.throttled == 2 and stats.api_calls == 3


def test_the_client_waits_on_each_operations_usage_plan() -> None:
    wire = Wire(rdt_and_orders())
    client, stats, _, _ = make(wire)
    for _ in range(21):   # getOrders: burst 20, then 0.0167 per second
        client.get_orders("A1PA6795UKMFR9", after=NOW - timedelta(days=1))
    assert 59 < stats.throttle_wait_seconds < 61 and stats.throttled == 0


def test_a_reported_rate_replaces_the_documented_one() -> None:
    wire = Wire(lambda request: httpx.Response(200, json={"payload": []}, headers={"x-amzn-RateLimit-Limit": "10"}))
    client, stats, _, _ = make(wire)
    for _ in range(17):   # getMarketplaceParticipations: burst 15, documented 0.016/s, this seller 10/s
        client.get_marketplace_participations()
    assert 0 < stats.throttle_wait_seconds < 1


@pytest.mark.parametrize(("status", "code"), [(400, "InvalidInput"), (404, "NotFound"), (403, "AccessDenied")])
def test_refusals_are_fatal_with_the_platform_code(status: int, code: str) -> None:
    client, stats, _, _ = make(Wire(error(status, code, "Invalid Input", "Invalid MarketplaceId: X")))
    with pytest.raises(Fatal) as err:
        client.get_marketplace_participations()
    assert err.value.code == code and "Invalid MarketplaceId: X" in str(err.value) and stats.api_calls == 1


def test_server_errors_are_retried_then_surface_as_retryable() -> None:
    answers = iter([httpx.Response(500, json={"errors": [{"code": "InternalFailure", "message": "x"}]}),
                    httpx.Response(200, json={"payload": []})])
    client, stats, _, _ = make(Wire(lambda request: next(answers)))
    assert client.get_marketplace_participations() == []
    assert stats.retries == 1
    client2, _, _, _ = make(Wire(lambda request: httpx.Response(503, json={})))
    with pytest.raises(Retryable):
        client2.get_marketplace_participations()


@pytest.mark.parametrize("body", [b"<html>gateway</html>", b"[1, 2]", b'{"payload": "x"}'])
def test_odd_success_answers_are_retryable(body: bytes) -> None:
    client, _, _, _ = make(Wire(lambda request: httpx.Response(200, content=body)))
    with pytest.raises(Retryable):
        client.get_order_items("302-1234567-1234567")
