"""Joom listings and stock: products/multi pages map to Listings (bad ones to BadRecords), and stock goes out
through products/update one product a call, Joom's per-variant refusals coming back as their own results."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthFailed, BadPayload, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.registry import Registry
from crossdock.connectors.joom.adapter import STOCK_BATCH, JoomListings, JoomStock
from crossdock.connectors.joom.client import JoomClient
from crossdock.connectors.joom.mapping import (
    listing_from_variant,
    product_head,
    refusal_text,
    variant_refusals,
)
from crossdock.domain.money import Money
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, Capability, Listing, StockUpdate, TokenSet

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
STORE = "5e7a1c2b9d3f4a0012b4c6d8"
LEGGINGS, MUG, LAMP = "5f3a0c1e9b2d4e0012a7c301", "5f3a0c1e9b2d4e0012a7c302", "5f3a0c1e9b2d4e0012a7c303"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "joom"
Handler = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return body


def products() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = fixture("products-multi.json")["data"]["items"]
    return items


def page(items: list[Any], next_url: str = "") -> dict[str, Any]:
    return {"data": {"items": items}, "paging": {"next": next_url} if next_url else {}}


class Tokens:
    def __init__(self) -> None:
        self.current: TokenSet | None = TokenSet(SecretStr("acc"), SecretStr("ref"), NOW + timedelta(days=20))

    def load(self) -> TokenSet | None:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.current = tokens


class Wire:
    """A MockTransport handler that keeps every request."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def client_for(handler: Handler) -> tuple[JoomClient, Wire]:
    clock, wire = ManualClock(NOW), Wire(handler)

    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    api = HttpApi("https://api-merchant.joom.test", stats=CallStats(), sleep=sleep,
                  transport=httpx.MockTransport(wire), max_attempts=3)
    return JoomClient(api, client_id="cid", client_secret=SecretStr("cs"), clock=clock, tokens=Tokens()), wire


# ---- mapping: products and variants ------------------------------------------------------------


def test_a_documented_variant_maps_to_a_typed_listing() -> None:
    raw = products()[0]
    head = product_head(raw)
    assert (head.id, head.name, head.store_id, head.on_sale) == (LEGGINGS, "High Waist Yoga Leggings", STORE, True)
    listing = listing_from_variant(head, raw["variants"][0])
    assert listing == Listing(item_id=LEGGINGS, variant_id="5f3a0c1e9b2d4e0012a7c310",
                              seller_sku="NL-LEGGINGS-01-BLACK-M", title="High Waist Yoga Leggings",
                              price=Money(Decimal("12.50"), "EUR"), quantity=37, active=True,
                              barcode="4006381333931")
    assert isinstance(listing.price, Money) and isinstance(listing.price.amount, Decimal)
    assert listing.raw is raw["variants"][0]


def test_a_disabled_variant_of_a_live_product_is_not_on_sale() -> None:
    raw = products()[0]
    listing = listing_from_variant(product_head(raw), raw["variants"][1])
    assert listing.active is False and listing.quantity == 0 and listing.barcode == ""


@pytest.mark.parametrize(("state", "has_active_version", "on_sale"), [
    ("active", True, True),
    ("warning", True, True),
    ("active", None, True),              # no flag: the state decides
    ("pending", True, True),             # an edit awaits review while the approved version stays live
    ("rejected", True, True),
    ("pending", False, False),
    ("rejected", None, False),
    ("disabledByMerchant", True, False),  # disabled wins over a stale flag
    ("disabledByJoom", None, False),
    ("archived", None, False),
])
def test_product_states_decide_whether_buyers_see_it(state: str, has_active_version: bool | None,
                                                     on_sale: bool) -> None:
    raw = products()[1] | {"state": state}
    raw.pop("hasActiveVersion")
    if has_active_version is not None:
        raw["hasActiveVersion"] = has_active_version
    assert product_head(raw).on_sale is on_sale


def test_the_fixture_page_names_its_three_kinds_of_product() -> None:
    heads = [product_head(raw) for raw in products()]
    assert [(h.id, h.on_sale, len(h.variants)) for h in heads] == [(LEGGINGS, True, 2), (MUG, True, 1),
                                                                   (LAMP, False, 1)]


@pytest.mark.parametrize(("change", "reason"), [
    (lambda p: p.pop("id"), "product id is missing"),
    (lambda p: p.update(state="teleported"), "unknown product state 'teleported'"),
    (lambda p: p.pop("state"), "unknown product state None"),
    (lambda p: p.update(variants=[]), "product has no variants list"),
    (lambda p: p.update(variants={"0": {}}), "product has no variants list"),
])
def test_a_broken_product_is_a_bad_payload(change: Callable[[dict[str, Any]], object], reason: str) -> None:
    raw = copy.deepcopy(products()[0])
    change(raw)
    with pytest.raises(BadPayload, match=reason.replace("(", r"\(")):
        product_head(raw)
    with pytest.raises(BadPayload, match="not a JSON object"):
        product_head(["not", "a", "product"])


@pytest.mark.parametrize(("change", "reason"), [
    (lambda v: v.pop("id"), "variant id is missing"),
    (lambda v: v.update(inventory=-1), "inventory is -1"),
    (lambda v: v.update(inventory="12"), "inventory is '12'"),
    (lambda v: v.update(inventory=True), "inventory is True"),
    (lambda v: v.pop("inventory"), "inventory is None"),
    (lambda v: v.update(price="twelve"), "price is 'twelve'"),
    (lambda v: v.pop("price"), "price is missing"),
    (lambda v: v.pop("currency"), "currency is missing"),
    (lambda v: v.update(currency="EURO"), "EURO"),
    (lambda v: v.update(enabled="yes"), "enabled is 'yes'"),
    (lambda v: v.update(productId="5f3a0c1e9b2d4e0012a7c399"), "names product 5f3a0c1e9b2d4e0012a7c399"),
])
def test_a_broken_variant_is_a_bad_payload(change: Callable[[dict[str, Any]], object], reason: str) -> None:
    raw = copy.deepcopy(products()[0])
    variant = raw["variants"][0]
    change(variant)
    with pytest.raises(BadPayload, match=reason):
        listing_from_variant(product_head(raw), variant)


def test_a_variant_without_a_flag_is_taken_as_enabled_and_a_float_price_stays_exact() -> None:
    raw = copy.deepcopy(products()[1])
    variant = raw["variants"][0]
    del variant["enabled"]
    variant["price"] = 5.4
    listing = listing_from_variant(product_head(raw), variant)
    assert listing.active is True and listing.price == Money(Decimal("5.4"), "EUR")


# ---- mapping: refusals -------------------------------------------------------------------------


def test_refusals_are_read_per_variant_in_joom_words() -> None:
    errors = fixture("products-update-refused.json")["errors"]
    refused = variant_refusals(errors, 3)
    assert set(refused) == {1, 2}
    assert refused[2] == ("invalid_argument (variants.2.id): Variant with ID '999999991' not found in product "
                          "'5f3a0c1e9b2d4e0012a7c301'")
    assert refused[1].startswith("invalid_argument (variants.1.inventory): Invalid argument")


@pytest.mark.parametrize("errors", [
    [{"code": "not_found", "message": "Product with ID 'x' not found"}],
    [{"code": "invalid_argument", "field": "variants.0.id", "message": "a"}, {"code": "invalid_argument",
                                                                            "field": "id", "message": "b"}],
    [{"code": "invalid_argument", "field": "variants.7.id", "message": "beyond what was sent"}],
])
def test_an_error_not_about_a_sent_variant_refuses_the_whole_request(errors: list[dict[str, Any]]) -> None:
    assert variant_refusals(errors, 3) == {}
    assert refusal_text(errors).startswith(errors[0]["code"])


def test_refusal_text_never_comes_back_empty() -> None:
    assert refusal_text([]) and refusal_text([{"message": "m"}]) == "?: m"


# ---- listings over the wire --------------------------------------------------------------------


def test_listings_follow_paging_and_ask_for_the_largest_page_of_this_store() -> None:
    first = page(products()[:2], "https://api-merchant.joom.com/api/v3/products/multi?after=abc&limit=500")
    second = page(products()[2:])
    client, wire = client_for(lambda r: httpx.Response(200, json=second if "after" in r.url.params else first))
    pages = list(JoomListings(client, STORE).list_listings())
    assert [len(p) for p in pages] == [3, 1]
    assert dict(wire.requests[0].url.params) == {"storeId": STORE, "limit": "500"}
    # The link is followed on our own host, never the one in the link.
    assert wire.requests[1].url.host == "api-merchant.joom.test"
    assert dict(wire.requests[1].url.params) == {"after": "abc", "limit": "500"}
    assert wire.requests[0].headers["Authorization"] == "Bearer acc"
    listings = [x for p in pages for x in p if isinstance(x, Listing)]
    assert len(listings) == 4
    assert [(x.seller_sku, x.active) for x in listings] == [
        ("NL-LEGGINGS-01-BLACK-M", True), ("NL-LEGGINGS-01-BLACK-L", False), ("NL-MUG-350", True),
        ("NL-LAMP-02", False)]


def test_a_bad_product_or_variant_is_quarantined_and_the_rest_listed() -> None:
    items = copy.deepcopy(products())
    items[0]["variants"][1]["inventory"] = "lots"
    items[1]["state"] = "teleported"
    items.append({"name": "no id at all", "state": "active"})
    client, _ = client_for(lambda r: httpx.Response(200, json=page(items)))
    (records,) = list(JoomListings(client, STORE).list_listings())
    bad = [r for r in records if isinstance(r, BadRecord)]
    assert [r.platform_id for r in bad[:2]] == [f"{LEGGINGS}/5f3a0c1e9b2d4e0012a7c311", MUG]
    assert bad[0].reason == "inventory is 'lots', expected a non-negative integer"
    assert bad[0].payload == items[0]          # the whole product, so the variant can be read in context
    assert bad[2].platform_id.startswith("unidentified-") and bad[2].reason == "product id is missing"
    assert [r.seller_sku for r in records if isinstance(r, Listing)] == ["NL-LEGGINGS-01-BLACK-M", "NL-LAMP-02"]


def test_a_product_of_a_sibling_store_is_not_listed() -> None:
    items = copy.deepcopy(products())
    items[0]["storeId"] = "5e7a1c2b9d3f4a0012b4c6d9"
    client, _ = client_for(lambda r: httpx.Response(200, json=page(items)))
    (records,) = list(JoomListings(client, STORE).list_listings())
    assert {r.item_id for r in records if isinstance(r, Listing)} == {MUG, LAMP}


def test_an_empty_store_yields_no_page_and_a_repeated_link_is_fatal() -> None:
    client, _ = client_for(lambda r: httpx.Response(200, json=page([])))
    assert list(JoomListings(client, STORE).list_listings()) == []
    loop = page(products()[:1], "https://api-merchant.joom.com/api/v3/products/multi?after=same&limit=500")
    client, _ = client_for(lambda r: httpx.Response(200, json=loop))
    with pytest.raises(Fatal, match="paging link it had already given"):
        list(JoomListings(client, STORE).list_listings())


def test_an_answer_without_a_data_list_is_retried_then_raised() -> None:
    client, wire = client_for(lambda r: httpx.Response(200, json={"paging": {}}))
    with pytest.raises(Retryable, match="without a data list"):
        list(JoomListings(client, STORE).list_listings())
    assert len(wire.requests) == 1


# ---- stock over the wire -----------------------------------------------------------------------


def update(item: str, variant: str, sku: str, quantity: int) -> StockUpdate:
    return StockUpdate(item, variant, sku, quantity)


def applied(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"data": {"id": request.url.params["id"]}})


def test_one_call_per_product_carries_its_variants_by_joom_id() -> None:
    client, wire = client_for(applied)
    updates = [update(LEGGINGS, "v1", "A", 3), update(MUG, "v2", "B", 0), update(LEGGINGS, "v3", "C", 9)]
    results = JoomStock(client).push_stock(updates)
    assert [r.update for r in results] == updates and all(r.ok and r.error == "" for r in results)
    assert [(r.method, r.url.path, r.url.params["id"]) for r in wire.requests] == [
        ("POST", "/api/v3/products/update", LEGGINGS), ("POST", "/api/v3/products/update", MUG)]
    assert wire.bodies() == [{"variants": [{"id": "v1", "inventory": 3}, {"id": "v3", "inventory": 9}]},
                             {"variants": [{"id": "v2", "inventory": 0}]}]
    assert wire.requests[0].headers["Authorization"] == "Bearer acc"


def test_a_variant_without_a_joom_id_is_named_by_its_sku_and_one_without_a_product_is_refused_here() -> None:
    client, wire = client_for(applied)
    results = JoomStock(client).push_stock([update("", "", "LOOSE", 1), update(MUG, "", "NL-MUG-350", 4)])
    assert results[0].ok is False and "no Joom product id" in results[0].error
    assert results[1].ok is True
    assert wire.bodies() == [{"variants": [{"sku": "NL-MUG-350", "inventory": 4}]}]


def test_refused_variants_get_joom_words_and_the_rest_are_sent_again() -> None:
    refused = fixture("products-update-refused.json")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=refused) if len(json.loads(request.content)["variants"]) == 3 \
            else applied(request)

    client, wire = client_for(handler)
    updates = [update(LEGGINGS, "v1", "A", 3), update(LEGGINGS, "v2", "B", -3), update(LEGGINGS, "999999991", "G", 5)]
    results = JoomStock(client).push_stock(updates)
    assert [r.ok for r in results] == [True, False, False]
    assert "variants.1.inventory" in results[1].error and "999999991" in results[2].error
    assert results[1].retryable is False
    assert wire.bodies()[1] == {"variants": [{"id": "v1", "inventory": 3}]}


def test_an_unknown_product_refuses_each_of_its_listings_and_others_go_through() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["id"] == "gone":
            return httpx.Response(404, json={"errors": [{"code": "not_found",
                                                         "message": "Product with ID 'gone' not found"}]})
        return applied(request)

    client, _ = client_for(handler)
    results = JoomStock(client).push_stock([update("gone", "a", "A", 1), update(MUG, "b", "B", 1),
                                           update("gone", "c", "C", 1)])
    assert [r.ok for r in results] == [False, True, False]
    assert results[0].error == "not_found: Product with ID 'gone' not found" == results[2].error


def test_a_refusal_without_an_error_body_still_says_what_happened() -> None:
    client, _ = client_for(lambda r: httpx.Response(404, text="no such thing"))
    [result] = JoomStock(client).push_stock([update(MUG, "b", "B", 1)])
    assert result.ok is False and result.error == "http_404: no such thing"


def test_a_product_with_more_variants_than_a_batch_takes_several_calls() -> None:
    client, wire = client_for(applied)
    updates = [update(LEGGINGS, f"v{i}", f"S{i}", i) for i in range(STOCK_BATCH + 1)]
    results = JoomStock(client).push_stock(updates)
    assert all(r.ok for r in results) and [len(b["variants"]) for b in wire.bodies()] == [STOCK_BATCH, 1]


@pytest.mark.parametrize(("status", "raised"), [(403, Fatal), (401, AuthFailed), (503, Retryable),
                                                (429, Retryable)])
def test_whole_call_failures_raise(status: int, raised: type[Exception]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v2/oauth"):
            return httpx.Response(200, json={"code": 0, "message": "", "data": {
                "access_token": "acc2", "refresh_token": "ref2", "expires_in": 2592000}})
        return httpx.Response(status, json={"errors": [{"code": "x", "message": "no"}]})

    client, _ = client_for(handler)
    with pytest.raises(raised):
        JoomStock(client).push_stock([update(MUG, "b", "B", 1)])


def test_an_expired_token_is_refreshed_once_and_the_push_goes_through() -> None:
    answers = iter([httpx.Response(401, json={"errors": [{"code": "unauthorized", "message": "expired"}]})])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/oauth/refresh_token":
            return httpx.Response(200, json={"code": 0, "message": "", "data": {
                "access_token": "acc2", "refresh_token": "ref2", "expires_in": 2592000}})
        return next(answers, None) or applied(request)

    client, wire = client_for(handler)
    [result] = JoomStock(client).push_stock([update(MUG, "b", "B", 1)])
    assert result.ok and wire.requests[-1].headers["Authorization"] == "Bearer acc2"


# ---- registration ------------------------------------------------------------------------------


def test_listings_and_stock_are_registered_with_their_own_quota() -> None:
    spec = Registry.discover().get("joom")
    assert {Capability.LISTINGS, Capability.STOCK} <= spec.capabilities
    assert spec.listings is not None and spec.stock is not None
    settings = spec.settings.model_validate({"client_id": "c", "client_secret": "s"}).model_dump()
    assert settings["other_requests_per_minute"] == 2000 and settings["requests_per_minute"] == 50
    assert JoomStock.stock_batch == STOCK_BATCH
