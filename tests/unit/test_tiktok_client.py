"""TikTok Shop client on the wire: the documented signature, token handling, error classes, paging, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.tiktok.adapter import TikTokDirectory, TikTokOrders
from crossdock.connectors.tiktok.client import TikTokClient, sign
from crossdock.connectors.tiktok.webhooks import TikTokPushes
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, BadSignature, CallStats, OrderRef, TimeField, TokenSet

NOW = datetime(2026, 11, 1, tzinfo=UTC)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "tiktok"
SECRET = "app-secret"
Handler = Callable[[httpx.Request], httpx.Response]


class Tokens:
    def __init__(self, refresh_expires_at: datetime | None = None) -> None:
        self.saved: list[TokenSet] = []
        self.current = TokenSet(SecretStr("TTP_acc"), SecretStr("TTP_ref"), NOW + timedelta(days=7),
                                refresh_expires_at)

    def load(self) -> TokenSet:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.saved.append(tokens)
        self.current = tokens


def client(handler: Handler, tokens: Tokens | None = None) -> tuple[TikTokClient, CallStats, Tokens]:
    clock, stats, tokens = ManualClock(NOW), CallStats(), tokens or Tokens()

    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    api = HttpApi("https://open-api.test", stats=stats, sleep=sleep, transport=httpx.MockTransport(handler),
                  max_attempts=3)
    return TikTokClient(api, app_key="29a39d", app_secret=SecretStr(SECRET), auth_base_url="https://auth.test",
                        clock=clock, tokens=tokens), stats, tokens


def ok(data: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "message": "Success", "request_id": "r", "data": data})


def error(status: int, code: int, message: str) -> Handler:
    return lambda request: httpx.Response(status, json={"code": code, "message": message, "request_id": "r1"})


SHOPS = json.loads((FIXTURES / "tiktok-getAuthorizedShops-202309.json").read_text())["data"]


def test_signature_matches_the_documented_example() -> None:
    # "Sign your API request": app_secret e59af819cc, Get Authorized Shops, app_key 29a39d, timestamp 1623812664.
    params = {"app_key": "29a39d", "timestamp": "1623812664", "sign": "ignored", "access_token": "ignored"}
    assert sign("e59af819cc", "/authorization/202309/shops", params) == \
        "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"


def test_a_post_is_signed_over_path_sorted_query_and_the_body_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"orders": [], "next_page_token": ""})

    c, _, _ = client(handler)
    c.search_orders(shop_cipher="ROW_x", page_size=100, page_token="", sort_field="update_time", sort_order="ASC",
                    filters={"update_time_ge": 1, "update_time_lt": 2})
    (request,) = seen
    q = dict(request.url.params)
    assert request.method == "POST" and request.url.path == "/order/202309/orders/search"
    assert request.headers["x-tts-access-token"] == "TTP_acc" and request.headers["content-type"] == "application/json"
    assert q["app_key"] == "29a39d" and q["shop_cipher"] == "ROW_x" and q["timestamp"] == str(int(NOW.timestamp()))
    assert "page_token" not in q and "access_token" not in q
    # The documented steps, done by hand: path, then sorted key+value, then the raw body, wrapped in the secret.
    base = request.url.path + "".join(k + q[k] for k in sorted(q) if k != "sign") + request.content.decode()
    assert q["sign"] == hmac.new(SECRET.encode(), (SECRET + base + SECRET).encode(), hashlib.sha256).hexdigest()
    assert json.loads(request.content) == {"update_time_ge": 1, "update_time_lt": 2}


def test_throttling_is_retryable_and_counted() -> None:
    c, stats, _ = client(error(429, 36009002, "Too many requests."))
    with pytest.raises(Retryable):
        c.get_authorized_shops()
    assert stats.api_calls == 3 and stats.throttled == 2 and stats.retries == 2


def test_a_throttling_code_in_a_200_is_throttling_too() -> None:
    c, stats, _ = client(error(200, 36009002, "Too many requests."))
    with pytest.raises(Retryable):
        c.get_authorized_shops()
    assert stats.throttled == 2


def test_an_internal_error_code_is_retried() -> None:
    answers = iter([error(200, 36009003, "Internal error.")(httpx.Request("GET", "/")), ok(SHOPS)])
    c, stats, _ = client(lambda request: next(answers))
    assert c.get_authorized_shops()[0]["id"] == "7000714532876273420" and stats.retries == 1


def test_a_bad_sign_is_fatal_with_the_platform_code() -> None:
    c, stats, _ = client(error(401, 106001, "Invalid credentials. The `sign` query parameter is invalid."))
    with pytest.raises(Fatal) as err:
        c.get_authorized_shops()
    assert err.value.code == "106001" and "sign" in str(err.value) and stats.api_calls == 1


def test_a_missing_scope_needs_the_seller() -> None:
    c, _, _ = client(error(200, 105005, "Access denied."))
    with pytest.raises(AuthFailed):
        c.get_authorized_shops()


def test_an_answer_that_is_not_json_is_retried() -> None:
    c, stats, _ = client(lambda request: httpx.Response(502, text="<html>bad gateway</html>"))
    with pytest.raises(Retryable):
        c.get_authorized_shops()
    assert stats.api_calls == 3


def _token_data(access: str) -> dict[str, Any]:
    return {"access_token": access, "access_token_expire_in": int((NOW + timedelta(days=7)).timestamp()),
            "refresh_token": "TTP_ref2", "refresh_token_expire_in": int((NOW + timedelta(days=300)).timestamp()),
            "open_id": "o", "seller_name": "s", "seller_base_region": "SG", "user_type": 0}


def test_an_expired_token_is_refreshed_saved_and_the_call_repeated() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "auth.test":
            return ok(_token_data("TTP_new"))
        if request.headers["x-tts-access-token"] == "TTP_acc":
            return error(401, 105002, "Expired credentials.")(request)
        return ok(SHOPS)

    c, stats, tokens = client(handler)
    assert c.get_authorized_shops()[0]["cipher"] == "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"
    refresh = seen[1]
    assert refresh.url.path == "/api/v2/token/refresh" and dict(refresh.url.params) == {
        "app_key": "29a39d", "app_secret": SECRET, "refresh_token": "TTP_ref", "grant_type": "refresh_token"}
    assert [t.access_token.get_secret_value() for t in tokens.saved] == ["TTP_new"]
    assert tokens.current.access_expires_at == NOW + timedelta(days=7)
    assert tokens.current.refresh_expires_at == NOW + timedelta(days=300)
    assert stats.token_refreshes == 1 and stats.api_calls == 3


def test_a_token_refused_after_refreshing_needs_the_seller() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            return ok(_token_data("TTP_new"))
        return error(401, 36009004, "Invalid credentials. The `x-tts-access-token` header is invalid.")(request)

    c, _, _ = client(handler)
    with pytest.raises(AuthFailed):
        c.get_authorized_shops()


def test_a_dead_refresh_token_fails_without_asking() -> None:
    tokens = Tokens(refresh_expires_at=NOW - timedelta(seconds=1))
    tokens.current = TokenSet(tokens.current.access_token, tokens.current.refresh_token, NOW,
                              tokens.current.refresh_expires_at)
    c, stats, _ = client(lambda request: ok(SHOPS), tokens)
    with pytest.raises(AuthFailed, match="authorize again"):
        c.get_authorized_shops()
    assert stats.api_calls == 0


def test_the_code_exchange_reads_absolute_expiries() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(_token_data("TTP_first"))

    c, _, _ = client(handler)
    tokens = c.get_access_token("CODE")
    assert seen[0].url.host == "auth.test" and seen[0].url.path == "/api/v2/token/get"
    assert seen[0].url.params["grant_type"] == "authorized_code" and seen[0].url.params["auth_code"] == "CODE"
    assert tokens.access_token.get_secret_value() == "TTP_first" and tokens.access_expires_at == NOW + timedelta(days=7)


def test_a_refused_code_needs_the_seller() -> None:
    c, _, _ = client(error(200, 36004005, "can not find related auth record"))
    with pytest.raises(AuthFailed, match="36004005"):
        c.get_access_token("used")


def test_a_token_answer_without_fields_is_fatal() -> None:
    c, _, _ = client(lambda request: ok({"access_token": "x"}))
    with pytest.raises(Fatal):
        c.get_access_token("CODE")


# --- adapter ------------------------------------------------------------------------------------

def _order(order_id: str, status: str = "AWAITING_SHIPMENT") -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / "tiktok-getOrderList-202309.json").read_text())["data"]["orders"][0]
    return dict(raw, id=order_id, status=status)


def test_orders_are_listed_oldest_first_page_by_page_with_whole_orders() -> None:
    seen: list[httpx.Request] = []
    pages = {"": (["1", "2"], "tok/+="), "tok/+=": (["3"], "")}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/authorization/202309/shops":
            return ok({"shops": [{"id": "42", "cipher": "ROW_42", "region": "SG"}]})
        ids, token = pages[request.url.params.get("page_token", "")]
        return ok({"orders": [_order(i) for i in ids], "next_page_token": token, "total_count": 3})

    c, stats, _ = client(handler)
    source = TikTokOrders(c, "42")
    since, until = NOW - timedelta(days=1), NOW
    refs = list(source.list_order_refs(since, until, TimeField.UPDATED))
    assert [[r.platform_order_id for r in page] for page in refs] == [["1", "2"], ["3"]]
    first, second = seen[1], seen[2]
    assert first.url.params["sort_field"] == "update_time" and first.url.params["sort_order"] == "ASC"
    assert first.url.params["page_size"] == "100" and first.url.params["shop_cipher"] == "ROW_42"
    assert json.loads(first.content) == {"update_time_ge": int(since.timestamp()),
                                         "update_time_lt": int(until.timestamp()) + 1}
    assert second.url.params["page_token"] == "tok/+="
    snaps = source.fetch_orders(refs[0] + refs[1])
    assert [s.platform_order_id for s in snaps if not isinstance(s, BadRecord)] == ["1", "2", "3"]
    assert stats.api_calls == 3        # the shops call once, two pages, no detail calls
    created = list(source.list_order_refs(since, until, TimeField.CREATED))
    assert created and json.loads(seen[-1].content)["create_time_ge"] == int(since.timestamp())
    assert stats.api_calls == 5        # the cipher is kept: no second shops call


def test_orders_named_by_a_push_are_fetched_fifty_at_a_time() -> None:
    asked: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/authorization/202309/shops":
            return ok({"shops": [{"id": "42", "cipher": "ROW_42", "region": "SG"}]})
        assert request.url.path == "/order/202309/orders" and request.method == "GET"
        ids = request.url.params["ids"].split(",")
        asked.append(ids)
        return ok({"orders": [_order(i) for i in ids if i != "7"]})

    c, _, _ = client(handler)
    refs = [OrderRef(str(i)) for i in range(60)]
    out = TikTokOrders(c, "42").fetch_orders(refs)
    assert [len(batch) for batch in asked] == [50, 10]
    bad = [r for r in out if isinstance(r, BadRecord)]
    assert [(b.platform_id, b.reason) for b in bad] == [("7", "not returned by Get Order Detail")]
    assert len(out) == 60


def test_a_listed_order_that_cannot_be_mapped_is_a_bad_record_with_its_payload() -> None:
    c, _, _ = client(lambda request: ok({}))
    broken = dict(_order("9"), status="TELEPORTED")
    (record,) = TikTokOrders(c, "42").fetch_orders([OrderRef("9", payload=broken)])
    assert isinstance(record, BadRecord) and "TELEPORTED" in record.reason and record.payload == broken


def test_a_shop_the_seller_did_not_authorize_needs_the_seller() -> None:
    c, _, _ = client(lambda request: ok(SHOPS))
    with pytest.raises(AuthFailed, match="not among the shops"):
        list(TikTokOrders(c, "42").list_order_refs(NOW - timedelta(days=1), NOW))


def test_the_directory_lists_shops_with_currency_and_cipher() -> None:
    shops = {"shops": [*SHOPS["shops"], {"id": "7", "name": "Atlantis", "region": "ZZ", "cipher": "c"}]}
    c, _, _ = client(lambda request: ok(shops))
    (store,) = TikTokDirectory(c).list_stores()
    assert (store.external_id, store.name, store.region, store.currency) == (
        "7000714532876273420", "Maomao beauty shop", "GB", "GBP")
    assert store.details == {"cipher": "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3", "code": "CNGBCBA4LLU8",
                             "seller_type": "CROSS_BORDER"}


# --- webhooks -----------------------------------------------------------------------------------

WEBHOOK = (FIXTURES / "tiktok-webhook-order-status-change.json").read_bytes()


def _signed(body: bytes, key: str = "29a39d", secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), key.encode() + body, hashlib.sha256).hexdigest()


def test_a_signed_order_webhook_names_its_shop_and_order() -> None:
    parser = TikTokPushes("29a39d", SecretStr(SECRET))
    (event,) = parser.parse({"authorization": _signed(WEBHOOK)}, WEBHOOK, "https://hub.test/tiktok")
    assert (event.store_external_id, event.platform_order_id, event.event_id) == (
        "7494049642642441621", "576486316948490001", "7327112393057371910")


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": _signed(WEBHOOK, secret="other")},
                                     {"Authorization": _signed(WEBHOOK, key="other")}])
def test_a_webhook_without_a_valid_signature_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(BadSignature):
        TikTokPushes("29a39d", SecretStr(SECRET)).parse(headers, WEBHOOK, "https://hub.test/tiktok")


def test_a_tampered_webhook_is_refused() -> None:
    tampered = WEBHOOK.replace(b"UNPAID", b"CANCEL")
    with pytest.raises(BadSignature):
        TikTokPushes("29a39d", SecretStr(SECRET)).parse({"Authorization": _signed(WEBHOOK)}, tampered, "u")


@pytest.mark.parametrize("body", [b'{"type":5,"shop_id":"1","data":{"product_id":"9"}}', b"not json", b"[1]",
                                  b'{"type":1,"shop_id":"1","data":{}}'])
def test_signed_webhooks_without_an_order_are_ignored(body: bytes) -> None:
    assert TikTokPushes("29a39d", SecretStr(SECRET)).parse({"Authorization": _signed(body)}, body, "u") == []
