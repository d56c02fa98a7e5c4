"""Lazada listings and stock: the mapping against the docs' recorded GetProducts answers and every way a product
can be broken; GetProducts paging and UpdateSellableQuantity batching on the wire (MockTransport)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.registry import ConnectorContext
from crossdock.connectors.lazada import CONNECTOR, LazadaSettings
from crossdock.connectors.lazada.adapter import LazadaListings, LazadaStock
from crossdock.connectors.lazada.client import LazadaClient, stock_payload
from crossdock.connectors.lazada.mapping import listing_from_sku, product_skus
from crossdock.domain.money import Money
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, Capability, Listing, StockUpdate, StoreLink, TokenSet

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lazada"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SECRET = "app-secret"
Handler = Callable[[httpx.Request], httpx.Response]


def recorded_product() -> dict[str, Any]:
    """The GetProducts doc's `data` demo: one Malaysian product, one SKU, a dropshipping warehouse."""
    product: dict[str, Any] = json.loads((FIXTURES / "getProducts-product.json").read_text())["data"]
    return product


def listings_of(product: dict[str, Any], currency: str = "MYR") -> list[Listing]:
    _, skus = product_skus(product)
    return [listing_from_sku(product, sku, currency) for sku in skus]


# ---- mapping ----------------------------------------------------------------------------------------------


def test_the_recorded_product_maps_to_one_listing() -> None:
    product = recorded_product()
    [listing] = listings_of(product)
    assert (listing.item_id, listing.variant_id, listing.seller_sku) == ("2807246166", "13449296008", "12333-poi")
    assert listing.title == "#TEST TITLE#$2022-02-18 15:21:16&"
    assert listing.price == Money(Decimal("102"), "MYR") and isinstance(listing.price.amount, Decimal)
    assert listing.quantity == 20 and listing.active is True and listing.barcode == ""
    assert listing.raw is product["skus"][0]


def test_the_recorded_list_answer_reads_the_regular_price_and_its_placeholder_status() -> None:
    answer = json.loads((FIXTURES / "getProducts.json").read_text())["data"]
    [product] = answer["products"]
    [listing] = listings_of(product, "SGD")
    assert (listing.item_id, listing.variant_id, listing.seller_sku) == ("180226526", "314525867", "39817:01:01")
    # The regular price (32), not the special price (9) that runs between its own dates.
    assert listing.price == Money(Decimal("32"), "SGD")
    assert listing.quantity == 0 and listing.title == "asd"
    # The sample's product status is the doc's list of possible values, which is not "Active": not for sale.
    assert listing.active is False


def test_sellable_stock_is_the_warehouses_sum_else_quantity() -> None:
    product = recorded_product()
    sku = product["skus"][0]
    # GetProductItem's sample: 26 units held by orders, 1719 left to sell.
    sku["multiWarehouseInventories"] = [
        {"warehouseCode": "dropshipping", "quantity": 1719, "sellableQuantity": 1719, "occupyQuantity": 26,
         "totalQuantity": 1745},
        {"warehouseCode": "second", "sellableQuantity": "5"},
    ]
    assert listings_of(product)[0].quantity == 1724
    sku["multiWarehouseInventories"] = []
    sku["quantity"] = "7"
    assert listings_of(product)[0].quantity == 7


@pytest.mark.parametrize(("product_status", "sku_status", "active"), [
    ("Active", "active", True), ("active", "ACTIVE", True), ("InActive", "active", False),
    ("Active", "inactive", False), ("Suspended", "active", False), ("", "active", False),
])
def test_a_listing_is_active_when_the_product_and_the_sku_both_are(product_status: str, sku_status: str,
                                                                     active: bool) -> None:
    product = recorded_product()
    product["status"], product["skus"][0]["Status"] = product_status, sku_status
    assert listings_of(product)[0].active is active


_DROP = object()


def _break_sku(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(sku: dict[str, Any]) -> None:
        if value is _DROP:
            sku.pop(field)
            sku.pop("multiWarehouseInventories", None)
        else:
            sku[field] = value
            if field == "quantity":
                sku.pop("multiWarehouseInventories")
    return apply


@pytest.mark.parametrize(("breaking", "reason"), [
    (_break_sku("SkuId", _DROP), "SkuId is missing"),
    (_break_sku("SkuId", ""), "SkuId is missing"),
    (_break_sku("price", _DROP), "price is missing"),
    (_break_sku("price", "abc"), "expected an amount"),
    (_break_sku("price", -1), "non-negative"),
    (_break_sku("price", {"amount": 1}), "expected an amount"),
    (_break_sku("quantity", "many"), "expected a whole number"),
    (_break_sku("quantity", -3), "not negative"),
    (_break_sku("quantity", True), "expected a whole number"),
    (_break_sku("quantity", 2.5), "expected a whole number"),
    (_break_sku("quantity", _DROP), "quantity is None"),
])
def test_a_broken_sku_is_a_bad_payload_with_its_reason(breaking: Callable[[dict[str, Any]], None],
                                                       reason: str) -> None:
    product = recorded_product()
    breaking(product["skus"][0])
    with pytest.raises(BadPayload, match=reason):
        listings_of(product)


def test_a_bad_warehouse_count_and_a_bad_currency_are_bad_payloads() -> None:
    product = recorded_product()
    product["skus"][0]["multiWarehouseInventories"][0]["sellableQuantity"] = "x"
    with pytest.raises(BadPayload, match=r"multiWarehouseInventories\[0\].sellableQuantity"):
        listings_of(product)
    with pytest.raises(BadPayload):
        listings_of(recorded_product(), "ringgit")


@pytest.mark.parametrize(("product", "reason"), [
    ([], "not a JSON object"),
    ({"skus": [{}]}, "item_id is missing"),
    ({"item_id": 1, "skus": []}, "no skus"),
    ({"item_id": 1, "skus": "[]"}, "no skus"),
    ({"item_id": 1}, "no skus"),
])
def test_a_product_that_cannot_be_read_is_a_bad_payload(product: Any, reason: str) -> None:
    with pytest.raises(BadPayload, match=reason):
        product_skus(product)


# ---- the wire ---------------------------------------------------------------------------------------------


class Tokens:
    def __init__(self) -> None:
        self.current = TokenSet(SecretStr("acc"), SecretStr("ref"), NOW + timedelta(days=7), NOW + timedelta(days=30))

    def load(self) -> TokenSet:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.current = tokens


def lazada_client(handler: Handler) -> tuple[LazadaClient, CallStats]:
    clock, stats = ManualClock(NOW), CallStats()
    transport = httpx.MockTransport(handler)

    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    def api(url: str) -> HttpApi:
        return HttpApi(url, stats=stats, sleep=sleep, transport=transport, max_attempts=3)

    return LazadaClient(api("https://auth.lazada.com/rest"), app_key="123456", app_secret=SecretStr(SECRET),
                        clock=clock, api=api("https://api.lazada.sg/rest"), tokens=Tokens()), stats


def params_of(request: httpx.Request) -> dict[str, str]:
    out = dict(request.url.params)
    if request.method == "POST":
        out.update(parse_qsl(request.content.decode(), keep_blank_values=True))
    return out


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": "0", "data": data, "request_id": "r"})


def product(item_id: int, skus: int = 1, status: str = "Active") -> dict[str, Any]:
    return {"item_id": item_id, "status": status, "attributes": {"name": f"Item {item_id}"},
            "skus": [{"SkuId": item_id * 10 + n, "SellerSku": f"S-{item_id}-{n}", "Status": "active",
                      "quantity": n, "price": 9.9} for n in range(skus)]}


def test_listings_page_fifty_products_at_a_time_with_filter_all() -> None:
    catalogue = [product(i, skus=2) for i in range(1, 76)]
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        p = params_of(request)
        seen.append(p)
        assert request.method == "GET" and request.url.path == "/rest/products/get"
        offset, limit = int(p["offset"]), int(p["limit"])
        return ok({"total_products": str(len(catalogue)), "products": catalogue[offset:offset + limit]})

    c, stats = lazada_client(handler)
    pages = list(LazadaListings(c, "SGD").list_listings())
    assert [len(page) for page in pages] == [100, 50] and stats.api_calls == 2
    assert [(p["filter"], p["offset"], p["limit"]) for p in seen] == [("all", "0", "50"), ("all", "50", "50")]
    first = pages[0][0]
    assert isinstance(first, Listing) and first.price == Money(Decimal("9.9"), "SGD")


def test_a_broken_sku_is_quarantined_and_a_repeated_one_is_not_given_twice() -> None:
    broken = product(2, skus=2)
    broken["skus"][1]["price"] = "free"
    first_page = [product(1), broken, *[product(i) for i in range(3, 51)]]
    second_page = [product(50), {"status": "Active"}]          # 50 again (the list moved), and an unreadable one

    def handler(request: httpx.Request) -> httpx.Response:
        page = first_page if params_of(request)["offset"] == "0" else second_page
        return ok({"total_products": 52, "products": page})

    c, _ = lazada_client(handler)
    records = [x for page in LazadaListings(c, "SGD").list_listings() for x in page]
    bad = [x for x in records if isinstance(x, BadRecord)]
    assert [(b.platform_id, b.reason) for b in bad] == [("2/21", "price is 'free', expected an amount"),
                                                        ("?", "item_id is missing")]
    good = [x for x in records if isinstance(x, Listing)]
    assert len(good) == 50 and len({(x.item_id, x.variant_id) for x in good}) == 50


def test_an_empty_store_costs_one_call() -> None:
    c, stats = lazada_client(lambda request: ok({"total_products": "0", "products": []}))
    assert list(LazadaListings(c, "SGD").list_listings()) == [] and stats.api_calls == 1


def test_the_offset_cap_is_a_fatal_error_not_a_silent_stop() -> None:
    c, _ = lazada_client(lambda request: ok({"products": [product(i) for i in range(50)]}))
    with pytest.raises(Fatal, match="more than 10000 products"):
        list(LazadaListings(c, "SGD").list_listings())


def test_the_stock_payload_is_the_documented_xml_escaped() -> None:
    xml = stock_payload([StockUpdate("234234234", "234", "Apple-SG-Glod-64G", 20),
                         StockUpdate("", "", "A&B<C>", 0)])
    root = ET.fromstring(xml)
    skus = root.findall("Product/Skus/Sku")
    assert root.tag == "Request" and len(skus) == 2
    assert [(e.tag, e.text) for e in skus[0]] == [("ItemId", "234234234"), ("SkuId", "234"),
                                                  ("SellerSku", "Apple-SG-Glod-64G"), ("SellableQuantity", "20")]
    assert [(e.tag, e.text) for e in skus[1]] == [("SellerSku", "A&B<C>"), ("SellableQuantity", "0")]
    assert "&amp;" in xml and "&lt;" in xml


def _doc_sign(api_path: str, params: dict[str, str]) -> str:
    base = api_path + "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign")
    return hmac.new(SECRET.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


def _skus_sent(request: httpx.Request) -> list[str]:
    root = ET.fromstring(params_of(request)["payload"])
    return [sku.findtext("SellerSku") or "" for sku in root.findall("Product/Skus/Sku")]


def updates(n: int) -> list[StockUpdate]:
    return [StockUpdate(str(1000 + i), str(5000 + i), f"SKU-{i}", i) for i in range(n)]


def test_stock_goes_fifty_skus_a_signed_post_and_results_keep_the_callers_order() -> None:
    calls: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        p = params_of(request)
        assert request.method == "POST" and request.url.path == "/rest/product/stock/sellable/update"
        assert "payload" not in request.url.params                     # the XML travels in the form body
        assert p["sign"] == _doc_sign("/product/stock/sellable/update", p)
        calls.append(_skus_sent(request))
        return ok({})

    c, stats = lazada_client(handler)
    sink = LazadaStock(c)
    sent = updates(51)
    results = sink.push_stock(sent)
    assert sink.stock_batch == 50 and stats.api_calls == 2 and [len(c) for c in calls] == [50, 1]
    assert [r.update for r in results] == sent and all(r.ok and r.error == "" for r in results)


def test_a_refused_sku_is_its_own_result_and_the_others_are_sent_again() -> None:
    calls: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(_skus_sent(request))
        if "SKU-1" in calls[-1]:
            return httpx.Response(200, json={
                "code": "501", "type": "ISV", "message": "E501: Update product failed", "request_id": "r",
                "detail": [{"field": "SkuId", "message": "SKU not exist", "seller_sku": "SKU-1"}]})
        return ok({})

    c, _ = lazada_client(handler)
    results = LazadaStock(c).push_stock(updates(3))
    assert [(r.update.seller_sku, r.ok, r.error) for r in results] == [
        ("SKU-0", True, ""), ("SKU-1", False, "SKU not exist"), ("SKU-2", True, "")]
    assert calls == [["SKU-0", "SKU-1", "SKU-2"], ["SKU-0", "SKU-2"]]


def test_refusals_naming_no_sku_sent_fail_the_whole_batch_with_lazadas_words() -> None:
    body = {"code": "501", "type": "ISV", "message": "E501: Update product failed", "request_id": "r",
            "detail": [{"field": "Product", "message": "Category is inactive"}]}
    c, stats = lazada_client(lambda request: httpx.Response(200, json=body))
    results = LazadaStock(c).push_stock(updates(2))
    assert [(r.ok, r.error) for r in results] == [(False, "Category is inactive")] * 2 and stats.api_calls == 1


def test_a_refusal_of_the_whole_call_raises() -> None:
    c, _ = lazada_client(lambda request: httpx.Response(200, json={
        "code": "204", "type": "ISV", "message": "E204: Too many SKU in one request", "request_id": "r"}))
    with pytest.raises(Fatal, match="E204"):
        LazadaStock(c).push_stock(updates(1))
    c, _ = lazada_client(lambda request: httpx.Response(200, json={
        "code": "501", "type": "ISV", "message": "E501: Update product failed", "request_id": "r"}))
    with pytest.raises(Fatal, match="E501"):
        LazadaStock(c).push_stock(updates(1))


def test_the_connector_declares_listings_and_stock() -> None:
    assert {Capability.LISTINGS, Capability.STOCK} <= CONNECTOR.capabilities
    assert CONNECTOR.listings is not None and CONNECTOR.stock is not None
    settings = LazadaSettings(app_key="1", app_secret=SecretStr("s"))
    ctx = ConnectorContext(clock=ManualClock(NOW), sleep=lambda s: None)
    link = StoreLink(store_id=1, external_id="1001", region="th", tokens=Tokens())
    assert isinstance(CONNECTOR.listings(settings, link, ctx), LazadaListings)
    assert isinstance(CONNECTOR.stock(settings, link, ctx), LazadaStock)
    with pytest.raises(Fatal, match="JP"):
        CONNECTOR.listings(settings, StoreLink(store_id=2, external_id="1", region="JP", tokens=Tokens()), ctx)


def test_the_recorded_list_answer_reads_through_the_adapter() -> None:
    answer = json.loads((FIXTURES / "getProducts.json").read_text())
    c, _ = lazada_client(lambda request: httpx.Response(200, json=copy.deepcopy(answer)))
    [page] = list(LazadaListings(c, "SGD").list_listings())
    assert [(x.item_id, x.seller_sku) for x in page if isinstance(x, Listing)] == [("180226526", "39817:01:01")]
