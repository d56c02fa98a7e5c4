"""The Amazon emulator behaves as the SP-API documentation says: LWA, RDTs and PII, getOrders' rules and paging,
per-operation usage plans, ORDER_CHANGE notifications, and a realistic seeded world."""

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

from crossdock.emulators.amazon import USAGE_PLANS, AmazonEmulator
from crossdock.emulators.amazon.world import INDEX_LAG, parse_iso
from crossdock.ports.clock import ManualClock

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SELLER, OTHER = "A2Q8ZKX9LT3CDE", "A1B2C3D4E5F6G7"
DE, PL = "A1PA6795UKMFR9", "A1C3SOZRARQ6R3"
APP = "amzn1.sp.solution.11111111-2222-3333-4444-555555555555"
LWA = "https://api.amazon.com/auth/o2/token"
RESOURCES = [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo", "shippingAddress"]}]


class Amazon:
    def __init__(self, seed: int = 7) -> None:
        self.clock = ManualClock(T0)
        self.emu = AmazonEmulator("cid", "secret", APP, clock=self.clock, seed=seed,
                                  redirect_uri="https://app.example/cb")
        self.store = self.emu.add_store(SELLER, "DE", "Lumi DE")
        self.http = httpx.Client(transport=self.emu.transport(), base_url="https://sellingpartnerapi-eu.amazon.com")

    def lwa(self, **form: str) -> httpx.Response:
        return self.http.post(LWA, data={"client_id": "cid", "client_secret": "secret", **form})

    def token(self, seller: str = SELLER) -> str:
        answer = self.lwa(grant_type="authorization_code", code=self.emu.authorize(seller))
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def rdt(self, token: str, resources: list[dict[str, Any]] | None = None) -> str:
        answer = self.post("/tokens/2021-03-01/restrictedDataToken", token,
                           {"restrictedResources": resources or RESOURCES})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["restrictedDataToken"])

    def get(self, path: str, token: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers={"x-amz-access-token": token})

    def post(self, path: str, token: str, body: Any) -> httpx.Response:
        return self.http.post(path, json=body, headers={"x-amz-access-token": token})

    def orders(self, token: str, **params: Any) -> httpx.Response:
        return self.get("/orders/v0/orders", token, **{"MarketplaceIds": DE, **params})

    def seed(self, count: int, days: float = 3) -> list[str]:
        return self.emu.generate_orders(self.store, count, T0 - timedelta(days=days), T0 - timedelta(hours=1))


@pytest.fixture
def amz() -> Iterator[Amazon]:
    a = Amazon()
    yield a
    a.http.close()


def code_of(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["code"])


# --- Login with Amazon -------------------------------------------------------------------------------------

def test_a_consent_code_is_exchanged_once_for_a_reusable_refresh_token(amz: Amazon) -> None:
    code = amz.emu.authorize(SELLER)
    first = amz.lwa(grant_type="authorization_code", code=code)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("Atza|") and body["refresh_token"].startswith("Atzr|")
    again = amz.lwa(grant_type="authorization_code", code=code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    for _ in range(3):
        refreshed = amz.lwa(grant_type="refresh_token", refresh_token=body["refresh_token"])
        assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] == body["refresh_token"]


def test_a_consent_code_lapses_after_five_minutes(amz: Amazon) -> None:
    code = amz.emu.authorize(SELLER)
    amz.clock.advance(minutes=5)
    assert amz.lwa(grant_type="authorization_code", code=code).json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("form", "status", "error"), [
    ({"grant_type": "refresh_token", "refresh_token": "Atzr|nope"}, 400, "invalid_grant"),
    ({"grant_type": "authorization_code"}, 400, "invalid_request"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ({"grant_type": "authorization_code", "code": "x", "client_secret": "wrong"}, 401, "invalid_client"),
    ({"grant_type": "authorization_code", "code": "x", "client_id": "other"}, 401, "invalid_client"),
    ({"grant_type": "client_credentials", "scope": "profile"}, 400, "invalid_scope"),
])
def test_lwa_refusals_are_oauth_errors(amz: Amazon, form: dict[str, str], status: int, error: str) -> None:
    answer = amz.lwa(**form)
    assert answer.status_code == status and answer.json()["error"] == error and answer.json()["error_description"]


def test_lwa_takes_a_form_not_json(amz: Amazon) -> None:
    answer = amz.http.post(LWA, json={"grant_type": "refresh_token", "client_id": "cid", "client_secret": "secret"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_an_authorization_ends_after_365_days_or_when_revoked(amz: Amazon) -> None:
    refresh = amz.lwa(grant_type="authorization_code", code=amz.emu.authorize(SELLER)).json()["refresh_token"]
    amz.clock.advance(days=364)
    assert amz.lwa(grant_type="refresh_token", refresh_token=refresh).status_code == 200
    amz.clock.advance(days=1)
    assert amz.lwa(grant_type="refresh_token", refresh_token=refresh).json()["error"] == "invalid_grant"
    other = amz.lwa(grant_type="authorization_code", code=amz.emu.authorize(SELLER)).json()["refresh_token"]
    amz.emu.revoke(SELLER)
    assert amz.lwa(grant_type="refresh_token", refresh_token=other).json()["error"] == "invalid_grant"


def test_a_grantless_token_serves_no_seller(amz: Amazon) -> None:
    answer = amz.lwa(grant_type="client_credentials", scope="sellingpartnerapi::notifications")
    assert answer.status_code == 200 and "refresh_token" not in answer.json()
    denied = amz.get("/sellers/v1/marketplaceParticipations", answer.json()["access_token"])
    assert denied.status_code == 403 and code_of(denied) == "Unauthorized"


# --- tokens presented to the SP-API ------------------------------------------------------------------

def test_calls_without_a_valid_token_are_denied(amz: Amazon) -> None:
    no_token = amz.http.get("/sellers/v1/marketplaceParticipations")
    assert no_token.status_code == 403 and code_of(no_token) == "Unauthorized"
    bad = amz.get("/sellers/v1/marketplaceParticipations", "Atza|forged")
    assert bad.status_code == 403
    assert bad.json()["errors"][0] == {"code": "Unauthorized", "message": "Access to requested resource is denied.",
                                       "details": "The access token you provided is revoked, malformed or invalid."}


def test_an_access_token_lasts_one_hour(amz: Amazon) -> None:
    token = amz.token()
    amz.clock.advance(minutes=59)
    assert amz.get("/sellers/v1/marketplaceParticipations", token).status_code == 200
    amz.clock.advance(minutes=1)
    late = amz.get("/sellers/v1/marketplaceParticipations", token)
    assert late.status_code == 403 and "expired" in late.json()["errors"][0]["details"]


def test_expiring_a_sellers_tokens_spares_other_sellers(amz: Amazon) -> None:
    amz.emu.add_store(OTHER, "FR")
    mine, theirs = amz.token(), amz.token(OTHER)
    amz.emu.expire_access_tokens(amz.store)
    assert amz.get("/sellers/v1/marketplaceParticipations", mine).status_code == 403
    assert amz.get("/sellers/v1/marketplaceParticipations", theirs).status_code == 200


def test_an_rdt_opens_only_its_restricted_resources_for_an_hour(amz: Amazon) -> None:
    (order_id,) = amz.seed(1)
    rdt = amz.rdt(amz.token())
    assert rdt.startswith("Atz.sprdt|")
    assert amz.orders(rdt, LastUpdatedAfter="2026-10-01T00:00:00Z").status_code == 200
    assert amz.get("/sellers/v1/marketplaceParticipations", rdt).status_code == 403     # not restricted
    assert amz.get(f"/orders/v0/orders/{order_id}", rdt).status_code == 403             # not in its resources
    amz.clock.advance(hours=1)
    assert amz.orders(rdt, LastUpdatedAfter="2026-10-01T00:00:00Z").status_code == 403


def test_address_and_buyer_info_operations_require_an_rdt(amz: Amazon) -> None:
    (order_id,) = amz.seed(1)
    token = amz.token()
    assert amz.get(f"/orders/v0/orders/{order_id}/address", token).status_code == 403
    rdt = amz.rdt(token, [{"method": "GET", "path": "/orders/v0/orders/{orderId}/buyerInfo"}])
    answer = amz.get(f"/orders/v0/orders/{order_id}/buyerInfo", rdt)
    assert answer.status_code == 200 and answer.json()["payload"]["BuyerEmail"].endswith("@marketplace.amazon.de")


@pytest.mark.parametrize("body", [
    {}, {"restrictedResources": []}, {"restrictedResources": [{"method": "GET"}]},
    {"restrictedResources": [{"method": "GET", "path": "/catalog/v0/items"}]},
    {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders"}]},            # dataElements required
    {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["creditCard"]}]},
    {"restrictedResources": [{"method": "FETCH", "path": "/orders/v0/orders", "dataElements": ["buyerInfo"]}]},
    {"restrictedResources": [RESOURCES[0]] * 51},
])
def test_rdt_requests_are_validated(amz: Amazon, body: dict[str, Any]) -> None:
    answer = amz.post("/tokens/2021-03-01/restrictedDataToken", amz.token(), body)
    assert answer.status_code == 400 and code_of(answer) == "InvalidRequest"


def test_pii_is_left_out_without_an_rdt(amz: Amazon) -> None:
    amz.seed(60)
    token = amz.token()
    plain = amz.orders(token, LastUpdatedAfter="2026-10-01T00:00:00Z").json()["payload"]["Orders"]
    full = amz.orders(amz.rdt(token), LastUpdatedAfter="2026-10-01T00:00:00Z").json()["payload"]["Orders"]
    buyer_only = amz.orders(amz.rdt(token, [dict(RESOURCES[0], dataElements=["buyerInfo"])]),
                            LastUpdatedAfter="2026-10-01T00:00:00Z").json()["payload"]["Orders"]
    assert len(plain) == len(full) == 60
    for p, f, b in zip(plain, full, buyer_only, strict=True):
        assert p["BuyerInfo"] == {} and "BuyerEmail" in f["BuyerInfo"] and "BuyerEmail" in b["BuyerInfo"]
        if f["OrderStatus"] in ("Unshipped", "PartiallyShipped", "Shipped"):
            assert set(p["ShippingAddress"]) <= {"City", "StateOrRegion", "PostalCode", "CountryCode"}
            assert f["ShippingAddress"]["Name"] and f["ShippingAddress"]["AddressLine1"]
            assert "Name" not in b["ShippingAddress"]
            assert ("Phone" in f["ShippingAddress"]) == (f["FulfillmentChannel"] == "MFN")
        else:   # Pending and Canceled orders carry no shipping address at all
            assert "ShippingAddress" not in p and "ShippingAddress" not in f


# --- getOrders ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {},                                                                  # neither CreatedAfter nor LastUpdatedAfter
    {"CreatedAfter": "2026-10-01T00:00:00Z", "LastUpdatedAfter": "2026-10-01T00:00:00Z"},
    {"CreatedAfter": "2026-10-01T00:00:00Z", "LastUpdatedBefore": "2026-10-02T00:00:00Z"},
    {"LastUpdatedAfter": "2026-10-01T00:00:00Z", "CreatedBefore": "2026-10-02T00:00:00Z"},
    {"LastUpdatedAfter": "2026-10-01T00:00:00Z", "LastUpdatedBefore": "2026-11-01T11:59:00Z"},   # < 2 min ago
    {"CreatedAfter": "2026-10-01T00:00:00Z", "CreatedBefore": "2026-11-01T11:58:01Z"},
    {"LastUpdatedAfter": "2026-10-05T00:00:00Z", "LastUpdatedBefore": "2026-10-04T00:00:00Z"},
    {"LastUpdatedAfter": "2026-11-01T11:59:00Z"},                         # after the implicit upper bound
    {"LastUpdatedAfter": "01/10/2026"},
    {"LastUpdatedAfter": "2026-10-01T00:00:00"},                          # no zone
    {"LastUpdatedAfter": "2026-10-01T00:00:00Z", "MaxResultsPerPage": "0"},
    {"LastUpdatedAfter": "2026-10-01T00:00:00Z", "MaxResultsPerPage": "101"},
    {"LastUpdatedAfter": "2026-10-01T00:00:00Z", "MaxResultsPerPage": "many"},
    {"LastUpdatedAfter": "2026-10-01T00:00:00Z", "OrderStatuses": "Unshipped,Delivered"},
    {"LastUpdatedAfter": "2026-10-01T00:00:00Z", "FulfillmentChannels": "FBA"},
    {"CreatedAfter": "2026-10-01T00:00:00Z", "SellerOrderId": "X-1", "OrderStatuses": "Shipped"},
    {"CreatedAfter": "2026-10-01T00:00:00Z", "AmazonOrderIds": ",".join(["302-0000000-0000000"] * 51)},
    {"LastUpdatedAfter": "2026-10-01T00:00:00Z", "NextToken": "not-a-token!"},
])
def test_get_orders_refuses_what_the_documentation_forbids(amz: Amazon, params: dict[str, str]) -> None:
    answer = amz.orders(amz.token(), **params)
    assert answer.status_code == 400 and code_of(answer) == "InvalidInput", params


@pytest.mark.parametrize("marketplaces", ["", PL, ",".join([DE] * 51)])
def test_get_orders_needs_the_sellers_own_marketplaces(amz: Amazon, marketplaces: str) -> None:
    answer = amz.get("/orders/v0/orders", amz.token(), MarketplaceIds=marketplaces,
                     LastUpdatedAfter="2026-10-01T00:00:00Z")
    assert answer.status_code == 400 and code_of(answer) == "InvalidInput"


def test_pages_are_exact_and_next_token_replaces_the_criteria(amz: Amazon) -> None:
    ids = amz.seed(250)
    token = amz.token()
    pages, next_token = [], None
    while True:
        params: dict[str, Any] = ({"NextToken": next_token, "LastUpdatedAfter": "2030-01-01T00:00:00Z"} if next_token
                                  else {"LastUpdatedAfter": "2026-10-01T00:00:00Z"})
        payload = amz.orders(token, **params).json()["payload"]
        pages.append([o["AmazonOrderId"] for o in payload["Orders"]])
        assert payload["LastUpdatedBefore"] == "2026-11-01T11:58:00Z"
        next_token = payload.get("NextToken")
        if not next_token:
            break
    assert [len(p) for p in pages] == [100, 100, 50]
    assert sorted(i for p in pages for i in p) == sorted(ids)
    small = amz.orders(token, CreatedAfter="2026-10-01T00:00:00Z", MaxResultsPerPage=7).json()["payload"]
    assert len(small["Orders"]) == 7 and small["NextToken"] and small["CreatedBefore"] == "2026-11-01T11:58:00Z"


def test_a_next_token_is_the_sellers_own(amz: Amazon) -> None:
    amz.seed(3)
    amz.emu.add_store(OTHER, "DE")
    next_token = amz.orders(amz.token(), LastUpdatedAfter="2026-10-01T00:00:00Z",
                            MaxResultsPerPage=1).json()["payload"]["NextToken"]
    stolen = amz.orders(amz.token(OTHER), NextToken=next_token)
    assert stolen.status_code == 400


def test_windows_and_filters_select_exactly(amz: Amazon) -> None:
    amz.seed(120, days=10)
    truth = amz.emu.orders(amz.store)
    token = amz.token()
    since, until = T0 - timedelta(days=4), T0 - timedelta(days=2)
    got = amz.orders(token, LastUpdatedAfter="2026-10-28T12:00:00Z", LastUpdatedBefore="2026-10-30T12:00:00Z")
    expected = {k for k, o in truth.items() if since <= parse_iso(o["LastUpdateDate"]) <= until}  # type: ignore[operator]
    assert {o["AmazonOrderId"] for o in got.json()["payload"]["Orders"]} == expected and expected
    shipped = amz.orders(token, LastUpdatedAfter="2026-10-01T00:00:00Z", OrderStatuses="Shipped,Canceled",
                         FulfillmentChannels="MFN").json()["payload"]["Orders"]
    assert {o["AmazonOrderId"] for o in shipped} == {k for k, o in truth.items() if o["OrderStatus"] in
                                                     ("Shipped", "Canceled") and o["FulfillmentChannel"] == "MFN"}
    some = sorted(truth)[:3]
    by_id = amz.orders(token, CreatedAfter="2026-10-01T00:00:00Z", AmazonOrderIds=",".join(some))
    assert sorted(o["AmazonOrderId"] for o in by_id.json()["payload"]["Orders"]) == some


def test_get_order_and_its_items(amz: Amazon) -> None:
    (order_id,) = amz.seed(1)
    token = amz.token()
    order = amz.get(f"/orders/v0/orders/{order_id}", token).json()["payload"]
    items = amz.get(f"/orders/v0/orders/{order_id}/orderItems", token).json()["payload"]
    truth = amz.emu.orders(amz.store)[order_id]
    assert items["AmazonOrderId"] == order_id and items["OrderItems"] == truth["OrderItems"]
    assert order["OrderStatus"] == truth["OrderStatus"] and order["BuyerInfo"] == {}
    missing = amz.get("/orders/v0/orders/302-0000000-0000000", token)
    assert missing.status_code == 404 and code_of(missing) == "NotFound"
    malformed = amz.get("/orders/v0/orders/12345/orderItems", token)
    assert malformed.status_code == 400 and code_of(malformed) == "InvalidInput"
    amz.emu.add_store(OTHER, "DE")
    assert amz.get(f"/orders/v0/orders/{order_id}", amz.token(OTHER)).status_code == 404


def test_order_items_page_with_next_token(amz: Amazon) -> None:
    (order_id,) = amz.seed(1)
    doc = amz.emu.orders(amz.store)[order_id]
    items = [dict(doc["OrderItems"][0], OrderItemId=f"9000000000000{i}") for i in range(5)]
    amz.emu.insert_raw_order(amz.store, dict(doc, OrderItems=items))
    amz.emu.order_items_page_size = 2
    token, seen, next_token = amz.token(), [], ""
    while True:
        payload = amz.get(f"/orders/v0/orders/{order_id}/orderItems", token,
                          **({"NextToken": next_token} if next_token else {})).json()["payload"]
        seen.append(len(payload["OrderItems"]))
        next_token = payload.get("NextToken", "")
        if not next_token:
            break
    assert seen == [2, 2, 1]


def test_raw_orders_are_served_as_stored(amz: Amazon) -> None:
    (order_id,) = amz.seed(1)
    doc = amz.emu.orders(amz.store)[order_id]
    odd = dict(doc, OrderStatus="TELEPORTED", OrderItems="none", LastUpdateDate="2026-11-01T11:00:00Z")
    assert amz.emu.insert_raw_order(amz.store, odd) == order_id
    rdt = amz.rdt(amz.token())
    (listed,) = amz.orders(rdt, LastUpdatedAfter="2026-11-01T10:59:00Z").json()["payload"]["Orders"]
    assert listed == {k: v for k, v in odd.items() if k != "OrderItems"}
    items = amz.get(f"/orders/v0/orders/{order_id}/orderItems", amz.token()).json()["payload"]
    assert items["OrderItems"] == "none"


# --- usage plans ----------------------------------------------------------------------------------------

def test_each_operation_has_its_documented_usage_plan(amz: Amazon) -> None:
    assert USAGE_PLANS["getOrders"] == (0.0167, 20) and USAGE_PLANS["getOrderItems"] == (0.5, 30)
    assert USAGE_PLANS["createRestrictedDataToken"] == (1.0, 10)
    (order_id,) = amz.seed(1)
    token = amz.token()
    for _ in range(20):
        ok = amz.orders(token, LastUpdatedAfter="2026-10-01T00:00:00Z")
        assert ok.status_code == 200 and ok.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    throttled = amz.orders(token, LastUpdatedAfter="2026-10-01T00:00:00Z")
    assert throttled.status_code == 429 and "x-amzn-RateLimit-Limit" not in throttled.headers
    assert throttled.json() == {"errors": [{"code": "QuotaExceeded", "details": "",
                                            "message": "You exceeded your quota for the requested resource."}]}
    # Another operation, and another seller, have buckets of their own.
    items = amz.get(f"/orders/v0/orders/{order_id}/orderItems", token)
    assert items.status_code == 200 and items.headers["x-amzn-RateLimit-Limit"] == "0.5"
    amz.emu.add_store(OTHER, "DE")
    assert amz.get("/orders/v0/orders", amz.token(OTHER), MarketplaceIds=DE,
                   LastUpdatedAfter="2026-10-01T00:00:00Z").status_code == 200
    amz.clock.advance(seconds=60)   # one token of 0.0167 per second
    assert amz.orders(token, LastUpdatedAfter="2026-10-01T00:00:00Z").status_code == 200
    assert amz.orders(token, LastUpdatedAfter="2026-10-01T00:00:00Z").status_code == 429


def test_usage_plans_can_be_changed_per_operation(amz: Amazon) -> None:
    (order_id,) = amz.seed(1)
    token = amz.token()
    amz.emu.set_rate_limit(2, 1, operation="getOrderItems")
    path = f"/orders/v0/orders/{order_id}/orderItems"
    assert [amz.get(path, token).status_code for _ in range(2)] == [200, 429]
    amz.clock.advance(seconds=0.5)
    assert amz.get(path, token).headers["x-amzn-RateLimit-Limit"] == "2"
    assert amz.get("/sellers/v1/marketplaceParticipations", token).status_code == 200
    with pytest.raises(ValueError):
        amz.emu.set_rate_limit(1, 1, operation="getEverything")


def test_injected_failures_use_each_services_error_body(amz: Amazon) -> None:
    token = amz.token()
    amz.emu.fail_next(2, 503)
    down = amz.get("/sellers/v1/marketplaceParticipations", token)
    assert down.status_code == 503 and code_of(down) == "ServiceUnavailable"
    lwa = amz.lwa(grant_type="client_credentials", scope="sellingpartnerapi::notifications")
    assert lwa.status_code == 503 and lwa.json()["error"] == "server_error"
    assert amz.get("/sellers/v1/marketplaceParticipations", token).status_code == 200


def test_every_request_is_recorded_with_its_operation_and_seller(amz: Amazon) -> None:
    token = amz.token()
    amz.get("/sellers/v1/marketplaceParticipations", token)
    amz.get("/nothing/here", token)
    lwa, participations, unknown = amz.emu.calls
    assert (lwa.path, lwa.status_code, lwa.seller_id) == ("/auth/o2/token", 200, SELLER)
    assert (participations.operation, participations.seller_id) == ("getMarketplaceParticipations", SELLER)
    assert unknown.status_code == 404 and unknown.error == "NotFound"


# --- the world ------------------------------------------------------------------------------------------

def test_stores_are_a_sellers_marketplaces(amz: Amazon) -> None:
    assert amz.store == f"{SELLER}:{DE}" == AmazonEmulator.store_id(SELLER, "de")
    assert amz.emu.add_store(f"{SELLER}:A1F83G8C2ARO7P", "UK") == f"{SELLER}:A1F83G8C2ARO7P"
    with pytest.raises(ValueError, match="already sells"):
        amz.emu.add_store(SELLER, "DE")
    with pytest.raises(ValueError, match="is not the"):
        amz.emu.add_store(f"{SELLER}:{PL}", "DE")
    with pytest.raises(ValueError, match="unknown Amazon EU marketplace"):
        amz.emu.add_store(SELLER, "US")
    with pytest.raises(ValueError, match="not a store id"):
        amz.emu.generate_orders(SELLER, 1, T0 - timedelta(days=1), T0)
    participations = amz.get("/sellers/v1/marketplaceParticipations", amz.token()).json()["payload"]
    assert [(p["marketplace"]["countryCode"], p["marketplace"]["defaultCurrencyCode"]) for p in participations] == \
        [("DE", "EUR"), ("GB", "GBP")]


def test_generated_orders_are_realistic_and_consistent(amz: Amazon) -> None:
    pl = amz.emu.add_store(SELLER, "PL")
    start = T0 - timedelta(days=20)
    ids = amz.emu.generate_orders(pl, 300, start, T0 - timedelta(minutes=1))
    truth = amz.emu.orders(pl)
    assert set(ids) == set(truth) and len(ids) == 300
    statuses = {o["OrderStatus"] for o in truth.values()}
    assert {"Shipped", "Unshipped", "Canceled", "Pending"} <= statuses
    assert statuses <= {"PendingAvailability", "Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled"}
    for order_id, order in truth.items():
        assert re.fullmatch(r"\d{3}-\d{7}-\d{7}", order_id) and order["MarketplaceId"] == PL
        purchased, updated = parse_iso(order["PurchaseDate"]), parse_iso(order["LastUpdateDate"])
        assert purchased is not None and updated is not None
        assert start <= purchased <= updated <= T0 - INDEX_LAG or updated == purchased
        total = sum(Decimal(i["ItemPrice"]["Amount"]) + Decimal(i["ShippingPrice"]["Amount"])
                    - Decimal(i["PromotionDiscount"]["Amount"]) for i in order["OrderItems"])
        assert order["OrderTotal"] == {"CurrencyCode": "PLN", "Amount": str(total)}
        assert 1 <= len(order["OrderItems"]) <= 3
        shipped = sum(i["QuantityShipped"] for i in order["OrderItems"])
        assert order["NumberOfItemsShipped"] == shipped
        if order["FulfillmentChannel"] == "AFN":
            assert "LatestShipDate" not in order and "Phone" not in order.get("ShippingAddress", {})


def test_the_world_is_seeded(amz: Amazon) -> None:
    twin = Amazon(seed=7)
    assert amz.seed(40) == twin.seed(40)
    assert amz.emu.orders(amz.store) == twin.emu.orders(twin.store)
    assert Amazon(seed=8).seed(40) != twin.seed(40)


def test_tick_plays_due_steps_and_adds_orders(amz: Amazon) -> None:
    amz.emu.generate_orders(amz.store, 40, T0 - timedelta(hours=6), T0 - timedelta(minutes=1))
    before = {k: o["LastUpdateDate"] for k, o in amz.emu.orders(amz.store).items()}
    amz.clock.advance(days=3)
    created, updated = amz.emu.tick()
    after = amz.emu.orders(amz.store)
    assert updated > 0 and created == len(after) - len(before)
    changed = [k for k in before if after[k]["LastUpdateDate"] != before[k]]
    assert changed and all(after[k]["LastUpdateDate"] == "2026-11-04T12:00:00Z" for k in changed)


def test_order_changes_are_delivered_as_order_change_notifications(amz: Amazon) -> None:
    sent: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        return httpx.Response(200)

    (order_id,) = amz.seed(1)
    amz.emu.subscribe_pushes("https://hub.example/api/webhooks/amazon", httpx.MockTransport(receive))
    amz.emu.set_order_status(amz.store, order_id, "Shipped")
    (request,) = sent
    assert str(request.url) == "https://hub.example/api/webhooks/amazon"
    assert "authorization" not in request.headers        # Amazon signs nothing
    doc = httpx.Response(200, content=request.content).json()
    assert doc["NotificationType"] == "ORDER_CHANGE" and doc["NotificationVersion"] == "1.0"
    change = doc["Payload"]["OrderChangeNotification"]
    assert change["SellerId"] == SELLER and change["AmazonOrderId"] == order_id
    assert change["OrderChangeType"] == "OrderStatusChange" and change["Summary"]["OrderStatus"] == "Shipped"
    assert change["Summary"]["MarketplaceId"] == DE and change["Summary"]["OrderItems"]
    assert doc["NotificationMetadata"]["ApplicationId"] == APP and doc["NotificationMetadata"]["NotificationId"]
    assert amz.emu.deliveries[0].status_code == 200
    amz.emu.generate_orders(amz.store, 10, T0 - timedelta(hours=1), T0 - timedelta(minutes=1))
    amz.clock.advance(days=3)
    created, updated = amz.emu.tick()
    kinds = [httpx.Response(200, content=r.content).json()["Payload"]["OrderChangeNotification"]["OrderChangeType"]
             for r in sent[1:]]
    assert updated >= 1 and kinds.count("OrderStatusChange") == created + updated
    with pytest.raises(ValueError, match="unknown OrderStatus"):
        amz.emu.set_order_status(amz.store, order_id, "Delivered")


def test_the_consent_redirect_carries_code_and_seller(amz: Amazon) -> None:
    page = amz.http.get("/apps/authorize/consent", params={"application_id": APP, "state": "xyz"})
    assert page.status_code == 200 and SELLER in page.text
    session = re.search(r'name="session" value="([0-9a-f]+)"', page.text)
    assert session is not None
    answer = amz.http.post("/apps/authorize/consent", data={"session": session.group(1),
                                                            "selling_partner_id": SELLER})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert location.netloc == "app.example" and query["state"] == "xyz" and query["selling_partner_id"] == SELLER
    assert amz.lwa(grant_type="authorization_code", code=query["spapi_oauth_code"]).status_code == 200
    assert amz.http.get("/apps/authorize/consent", params={"application_id": "other"}).status_code == 400


def test_save_and_restore_keep_orders_and_tokens(amz: Amazon, tmp_path: Path) -> None:
    amz.seed(5)
    refresh = amz.lwa(grant_type="authorization_code", code=amz.emu.authorize(SELLER)).json()["refresh_token"]
    amz.emu.save(tmp_path / "amazon.pickle")
    fresh = AmazonEmulator("cid", "secret", APP, clock=amz.clock, seed=7)
    assert not fresh.restore(tmp_path / "missing.pickle")
    assert fresh.restore(tmp_path / "amazon.pickle")
    assert fresh.orders(amz.store) == amz.emu.orders(amz.store)
    http = httpx.Client(transport=fresh.transport())
    answer = http.post(LWA, data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cid",
                                  "client_secret": "secret"})
    assert answer.status_code == 200


def test_a_seller_can_be_named_by_its_account(amz: Amazon) -> None:
    store = amz.emu.add_store("A3LUMIHOME0EU1", "FR", "Lumi FR", account="Lumi Home EU")
    assert amz.emu.add_store("A3LUMIHOME0EU1:A1805IZSGTT6HS", "NL", account="Lumi Home EU").endswith("A1805IZSGTT6HS")
    assert amz.emu.seller_id("Lumi Home EU") == amz.emu.seller_id(store) == "A3LUMIHOME0EU1"
    assert amz.lwa(grant_type="authorization_code", code=amz.emu.authorize("Lumi Home EU")).status_code == 200
    with pytest.raises(ValueError, match="not 'Other Name'"):
        amz.emu.add_store("A3LUMIHOME0EU1", "IT", account="Other Name")
    with pytest.raises(KeyError):
        amz.emu.authorize("Nobody")
