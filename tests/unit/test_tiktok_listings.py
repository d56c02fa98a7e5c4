"""TikTok Shop listings and stock: the documented Search Products, Get Warehouse List and Update Inventory
answers mapped, every way a product can be broken, and the sink's grouping, batching and refusals."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors.tiktok.adapter import STOCK_BATCH, TikTokListings, TikTokStock
from crossdock.connectors.tiktok.mapping import (
    default_warehouse_id,
    inventory_errors,
    listing_from_sku,
    product_skus,
)
from crossdock.domain.money import Money
from crossdock.ports.marketplace import BadRecord, Listing, StockUpdate
from tests.unit.test_tiktok_client import client, ok

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tiktok"


def _data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())["data"]
    return data


def documented_product() -> dict[str, Any]:
    product: dict[str, Any] = _data("tiktok-searchProducts-202502.json")["products"][0]
    return product


def live_product(**changes: Any) -> dict[str, Any]:
    """The documented product with its SKU live (the sample's SKU is deactivated by the platform)."""
    product = documented_product()
    del product["skus"][0]["status_info"]
    return dict(product, **changes)


def one_listing(product: dict[str, Any]) -> Listing:
    (sku,) = product_skus(product)
    return listing_from_sku(product, sku)


# --- mapping ---------------------------------------------------------------------------------------

def test_the_documented_product_maps_completely() -> None:
    listing = one_listing(documented_product())
    assert (listing.item_id, listing.variant_id, listing.seller_sku, listing.title) == (
        "1729592969712207008", "1729592969712207012", "Color-Red-XM01", "Short Boat Invisible Socks")
    # sale_price is the display price global sellers list; the backorder quantity is not stock on hand.
    assert listing.price == Money(Decimal("121.11"), "USD") and listing.quantity == 999
    # The product is ACTIVATE but the platform deactivated this SKU: buyers cannot buy it.
    assert listing.active is False and listing.barcode == ""
    assert listing.raw == documented_product()["skus"][0]


@pytest.mark.parametrize(("status", "active"), [("ACTIVATE", True), ("SELLER_DEACTIVATED", False),
                                                ("PLATFORM_DEACTIVATED", False), ("DRAFT", False), (None, False)])
def test_only_an_activated_product_is_live(status: str | None, active: bool) -> None:
    product = live_product(status=status)
    if status is None:
        del product["status"]      # left out for Indonesian products listed on Tokopedia only
    assert one_listing(product).active is active


def test_a_local_sellers_price_is_the_tax_exclusive_price() -> None:
    product = live_product()
    product["skus"][0]["price"] = {"currency": "SGD", "tax_exclusive_price": "12.90"}
    assert one_listing(product).price == Money(Decimal("12.90"), "SGD")


def test_a_sku_without_a_price_has_none() -> None:
    product = live_product()
    del product["skus"][0]["price"]
    assert one_listing(product).price is None


def test_stock_is_summed_over_warehouses_and_a_barcode_is_kept() -> None:
    product = live_product()
    sku = product["skus"][0]
    sku["inventory"] = [{"warehouse_id": "1", "quantity": 4}, {"warehouse_id": "2", "quantity": 0},
                        {"warehouse_id": "3", "quantity": 7}]
    sku["identifier_code"] = {"code": "4006381333931", "type": "EAN"}
    listing = one_listing(product)
    assert listing.quantity == 11 and listing.barcode == "4006381333931"


@pytest.mark.parametrize(("breakage", "reason"), [
    (lambda p: p.pop("id"), "id is missing"),
    (lambda p: p.update(status="LIVE"), "unknown status 'LIVE'"),
    (lambda p: p.update(skus=[]), "skus is missing or empty"),
    (lambda p: p.pop("skus"), "skus is missing or empty"),
])
def test_a_broken_product_names_its_fault(breakage: Callable[[dict[str, Any]], Any], reason: str) -> None:
    product = live_product()
    breakage(product)
    with pytest.raises(BadPayload, match=reason):
        product_skus(product)
    with pytest.raises(BadPayload, match="not a JSON object"):
        product_skus(["not", "a", "product"])


@pytest.mark.parametrize(("breakage", "reason"), [
    (lambda s: s.pop("id"), r"skus\[\]\.id is missing"),
    (lambda s: s.update(price="121.11"), "price is not an object"),
    (lambda s: s["price"].pop("currency"), "price.currency is missing"),
    (lambda s: s["price"].update(currency="DOLLARS"), "DOLLARS"),
    (lambda s: s["price"].update(sale_price="121,11"), "price.sale_price is '121,11'"),
    (lambda s: s["price"].update(sale_price="-1"), "price.sale_price is '-1'"),
    (lambda s: s.update(inventory={"quantity": 1}), "inventory is not a list"),
    (lambda s: s["inventory"][0].update(quantity="999"), r"inventory\[0\]\.quantity is '999'"),
    (lambda s: s["inventory"][0].update(quantity=-1), r"inventory\[0\]\.quantity is -1"),
])
def test_a_broken_sku_names_its_fault(breakage: Callable[[dict[str, Any]], Any], reason: str) -> None:
    product = live_product()
    breakage(product["skus"][0])
    with pytest.raises(BadPayload, match=reason):
        one_listing(product)


def test_the_default_sales_warehouse_is_found() -> None:
    documented = _data("tiktok-getWarehouseList-202309.json")["warehouses"]
    assert default_warehouse_id(documented) == "7000714532876273410"
    returns = {"id": "9", "type": "RETURN_WAREHOUSE", "is_default": True}
    second = {"id": "8", "type": "SALES_WAREHOUSE", "is_default": False}
    assert default_warehouse_id([returns, second, *documented]) == "7000714532876273410"
    # A single sales warehouse is the default whether flagged or not.
    assert default_warehouse_id([returns, second]) == "8"
    with pytest.raises(BadPayload, match="no default sales warehouse"):
        default_warehouse_id([returns, second, dict(second, id="7")])


def test_the_documented_inventory_refusal_reads_as_tiktoks_words() -> None:
    assert inventory_errors(_data("tiktok-updateInventory-202309.json")) == {
        "1729592969712207013": "12052990: Check failed; The warehouse does not exist "
                               "(warehouse 7068517275539719942, code 12052097)"}
    assert inventory_errors({}) == {}
    with pytest.raises(BadPayload):
        inventory_errors({"errors": "many"})


# --- the listing source ----------------------------------------------------------------------------

SHOP = {"shops": [{"id": "42", "cipher": "ROW_42", "region": "SG"}]}


def test_listings_are_read_page_by_page_with_every_status() -> None:
    seen: list[httpx.Request] = []
    broken_sku = live_product(id="2")
    broken_sku["skus"] = [*broken_sku["skus"], {"seller_sku": "NO-ID"}]
    pages = {"": ([live_product(id="1"), broken_sku], "b2Zmc2V0PTIK"),
             "b2Zmc2V0PTIK": ([{"title": "no id", "skus": []}], "")}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/authorization/202309/shops":
            return ok(SHOP)
        products, token = pages[request.url.params.get("page_token", "")]
        return ok({"products": products, "next_page_token": token, "total_count": 3})

    c, stats, _ = client(handler)
    first, second = TikTokListings(c, "42").list_listings()
    assert [(x.item_id, x.variant_id) for x in first if isinstance(x, Listing)] == [
        ("1", "1729592969712207012"), ("2", "1729592969712207012")]
    bad = [x for x in first if isinstance(x, BadRecord)]
    assert [(b.platform_id, b.reason) for b in bad] == [("2:skus[1]", "skus[].id is missing")]
    (record,) = second
    assert isinstance(record, BadRecord) and record.reason == "id is missing"
    search = seen[1]
    assert search.url.path == "/product/202309/products/search" and search.method == "POST"
    assert search.url.params["page_size"] == "100" and search.url.params["shop_cipher"] == "ROW_42"
    assert json.loads(search.content) == {"status": "ALL"}
    assert seen[2].url.params["page_token"] == "b2Zmc2V0PTIK" and stats.api_calls == 3


# --- the stock sink --------------------------------------------------------------------------------

WAREHOUSES = {"warehouses": [{"id": "9", "type": "RETURN_WAREHOUSE", "is_default": True},
                             {"id": "7", "type": "SALES_WAREHOUSE", "is_default": True}]}
Reply = Callable[[str, list[dict[str, Any]]], httpx.Response]


def sink(reply: Reply | None = None) -> tuple[TikTokStock, list[tuple[str, list[dict[str, Any]]]], list[str]]:
    """A sink whose Update Inventory calls are recorded as (product id, skus) and answered by `reply`."""
    updates: list[tuple[str, list[dict[str, Any]]]] = []
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/authorization/202309/shops":
            return ok(SHOP)
        if request.url.path == "/logistics/202309/warehouses":
            return ok(WAREHOUSES)
        product_id = request.url.path.split("/")[4]
        skus = json.loads(request.content)["skus"]
        updates.append((product_id, skus))
        return reply(product_id, skus) if reply else ok({})

    c, _, _ = client(handler)
    return TikTokStock(c, "42"), updates, paths


def test_stock_goes_one_call_per_product_to_the_default_warehouse() -> None:
    stock, updates, paths = sink()
    asked = [StockUpdate("p1", "s1", "A", 3), StockUpdate("p2", "s3", "C", 0), StockUpdate("p1", "s2", "B", 5)]
    results = stock.push_stock(asked)
    assert [(r.update, r.ok) for r in results] == [(u, True) for u in asked]
    assert updates == [("p1", [{"id": "s1", "inventory": [{"warehouse_id": "7", "quantity": 3}]},
                               {"id": "s2", "inventory": [{"warehouse_id": "7", "quantity": 5}]}]),
                       ("p2", [{"id": "s3", "inventory": [{"warehouse_id": "7", "quantity": 0}]}])]
    stock.push_stock(asked)
    # The cipher and the warehouse are asked once per sink.
    assert paths.count("/authorization/202309/shops") == 1 and paths.count("/logistics/202309/warehouses") == 1


def test_a_product_with_many_skus_goes_in_calls_of_a_hundred_and_a_repeated_sku_later() -> None:
    stock, updates, _ = sink()
    asked = [StockUpdate("p1", f"s{i}", f"S{i}", i) for i in range(STOCK_BATCH + 20)]
    asked.append(StockUpdate("p1", "s0", "S0", 77))
    results = stock.push_stock(asked)
    assert all(r.ok for r in results) and [r.update for r in results] == asked
    assert [len(skus) for _, skus in updates] == [STOCK_BATCH, 21]
    # The repeated SKU rides in the later call, so the caller's last quantity is the one that stays.
    assert updates[1][1][-1] == {"id": "s0", "inventory": [{"warehouse_id": "7", "quantity": 77}]}


def test_a_sku_refused_by_tiktok_is_its_own_result() -> None:
    def reply(product_id: str, skus: list[dict[str, Any]]) -> httpx.Response:
        return ok({"errors": [{"code": 12052556, "message": "The SKU id not exist.", "detail": {"sku_id": "ghost"}}]})

    stock, _, _ = sink(reply)
    asked = [StockUpdate("p1", "s1", "A", 3), StockUpdate("p1", "ghost", "G", 1)]
    first, second = stock.push_stock(asked)
    assert first.ok and not second.ok and second.error == "12052556: The SKU id not exist."


def test_a_product_tiktok_will_not_update_fails_its_skus_and_the_others_go_on() -> None:
    def reply(product_id: str, skus: list[dict[str, Any]]) -> httpx.Response:
        if product_id == "off":
            return httpx.Response(400, json={"code": 12052901, "request_id": "r",
                                             "message": "The product in its current status is not available for "
                                                        "this operation."})
        return ok({})

    stock, updates, _ = sink(reply)
    asked = [StockUpdate("off", "s1", "A", 3), StockUpdate("on", "s2", "B", 1), StockUpdate("off", "s3", "C", 2)]
    results = stock.push_stock(asked)
    assert [r.ok for r in results] == [False, True, False]
    assert "current status" in results[0].error and results[0].error == results[2].error
    assert [product for product, _ in updates] == ["off", "on"]


def test_a_refusal_of_the_store_raises() -> None:
    def reply(product_id: str, skus: list[dict[str, Any]]) -> httpx.Response:
        return httpx.Response(400, json={"code": 12052700, "message": "The seller is inactive.", "request_id": "r"})

    stock, _, _ = sink(reply)
    with pytest.raises(Fatal, match="seller is inactive"):
        stock.push_stock([StockUpdate("p1", "s1", "A", 3)])


def test_an_update_without_tiktok_ids_is_refused_without_a_call() -> None:
    stock, updates, paths = sink()
    (result,) = stock.push_stock([StockUpdate("p1", "", "A", 3)])
    assert not result.ok and "SKU id" in result.error and updates == [] and paths == []


def test_a_shop_without_a_default_sales_warehouse_cannot_take_stock() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/authorization/202309/shops":
            return ok(SHOP)
        return ok({"warehouses": copy.deepcopy(WAREHOUSES["warehouses"][:1])})

    c, _, _ = client(handler)
    with pytest.raises(Fatal, match="no default sales warehouse"):
        TikTokStock(c, "42").push_stock([StockUpdate("p1", "s1", "A", 3)])
