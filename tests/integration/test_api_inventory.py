"""The inventory REST API (catalogue, stock, files, anomalies, allocation, listings) on a fake marketplace, on
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from crossdock.bootstrap import App
from crossdock.interfaces.api.app import create_api
from crossdock.ports.clock import ManualClock
from crossdock.services.stock_files import to_xlsx
from crossdock.services.stock_reports import COLUMNS
from tests.contract.harness import T0
from tests.fakes import FakeMarket, add_store, fake_app, listing, order

PROBLEM = "application/problem+json"


@dataclass
class World:
    app: App
    market: FakeMarket
    client: TestClient


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    app, market = fake_app(database_url, tmp_path, ManualClock(T0))
    with TestClient(create_api(app)) as client:
        yield World(app, market, client)
    app.close()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    detail: str = response.json()["detail"]
    return detail


def setup_catalogue(client: TestClient) -> None:
    ok(client.post("/api/warehouses", json={"code": "CN-SZ", "name": "Shenzhen", "country": "CN", "priority": 10}),
       201)
    ok(client.post("/api/warehouses", json={"code": "UK-LON", "name": "London", "country": "gb",
                                            "kind": "overseas"}), 201)
    for code in ("MS-1", "MS-2"):
        ok(client.post("/api/skus", json={"code": code, "title": f"Item {code}"}), 201)


def levels(client: TestClient, sku: str) -> dict[str, tuple[int, int]]:
    return {r["warehouse"]: (r["on_hand"], r["reserved"]) for r in ok(client.get("/api/stock", params={"sku": sku}))}


def upload(client: TestClient, path: str, name: str, content: bytes, **fields: str) -> Any:
    return client.post(path, files={"file": (name, content, "application/octet-stream")}, data=fields)


def test_skus_and_warehouses_are_added_listed_and_refused_with_reasons(world: World) -> None:
    client = world.client
    wh = ok(client.post("/api/warehouses", json={"code": "UK-LON", "name": "London", "country": "gb",
                                                 "kind": "overseas", "priority": 20}), 201)
    assert (wh["code"], wh["country"], wh["kind"], wh["priority"], wh["active"]) == ("UK-LON", "GB", "overseas", 20,
                                                                                      True)
    assert "already exists" in problem(client.post("/api/warehouses", json={"code": "UK-LON", "name": "x",
                                                                            "country": "GB"}), 422)
    assert [w["code"] for w in ok(client.get("/api/warehouses"))] == ["UK-LON"]

    mug = ok(client.post("/api/skus", json={"code": "MUG", "title": "Mug", "cost": "12.50", "cost_currency": "cny",
                                            "weight_kg": "0.35", "temperature": "chilled", "barcode": "400638"}), 201)
    assert (mug["cost"], mug["cost_currency"], mug["weight_kg"], mug["kind"]) == ("12.50", "CNY", "0.35", "single")
    assert mug["temperature"] == "chilled" and mug["safety_stock"] == 0
    ok(client.post("/api/skus", json={"code": "LID", "title": "Lid"}), 201)
    kit = ok(client.post("/api/skus", json={"code": "KIT", "title": "Mug and lids",
                                            "components": {"MUG": 1, "LID": 2}}), 201)
    assert kit["kind"] == "bundle"
    assert "NOPE" in problem(client.post("/api/skus", json={"code": "X", "title": "x", "components": {"NOPE": 1}}),
                             422)
    assert "another bundle" in problem(client.post("/api/skus", json={"code": "Y", "title": "y",
                                                                      "components": {"KIT": 1}}), 422)
    assert "currency" in problem(client.post("/api/skus", json={"code": "Z", "title": "z", "cost": "1"}), 422)
    assert "title" in problem(client.post("/api/skus", json={"code": "Z"}), 422)           # malformed body

    assert [s["code"] for s in ok(client.get("/api/skus"))] == ["KIT", "LID", "MUG"]
    assert [s["code"] for s in ok(client.get("/api/skus", params={"search": "lid"}))] == ["KIT", "LID"]
    assert [s["code"] for s in ok(client.get("/api/skus", params={"search": "400638"}))] == ["MUG"]
    assert ok(client.post("/api/skus/MUG/safety-stock", json={"safety_stock": 3}))["safety_stock"] == 3
    assert "NOPE" in problem(client.post("/api/skus/NOPE/safety-stock", json={"safety_stock": 3}), 404)
    assert "negative" in problem(client.post("/api/skus/MUG/safety-stock", json={"safety_stock": -1}), 422)
    ok(client.post("/api/skus", json={"code": "MUG/RED", "title": "Red mug"}), 201)     # codes may hold a slash
    assert ok(client.post("/api/skus/MUG%2FRED/safety-stock", json={"safety_stock": 2}))["code"] == "MUG/RED"


def test_a_sku_file_adds_good_lines_and_names_bad_ones(world: World) -> None:
    client = world.client
    content = (b"code,title,barcode,weight_kg,cost,cost_currency,temperature,safety_stock,components\n"
               b"SET,Cup with lids,,,,,,,CUP:1;LID:2\n"        # a bundle before its components: still fine
               b"CUP,Cup,123,0.2,3.10,CNY,ambient,2,\n"
               b"LID,Lid,,,,,,,\n"
               b"BAD,Bad weight,,heavy,,,,,\n"
               b"CUP,Cup again,,,,,,,\n")
    result = ok(upload(client, "/api/skus/import", "skus.csv", content))
    assert (result["lines"], result["added"]) == (5, ["CUP", "LID", "SET"])
    assert [(e["line"], e["error"]) for e in result["errors"]] == [
        (5, "weight_kg: 'heavy' is not a number"), (6, "SKU CUP already exists")]
    cup = next(s for s in ok(client.get("/api/skus")) if s["code"] == "CUP")
    assert (cup["cost"], cup["safety_stock"], cup["barcode"]) == ("3.10", 2, "123")
    assert "unknown: colour" in problem(upload(client, "/api/skus/import", "x.csv", b"code,title,colour\nA,B,red\n"),
                                        422)


def test_stock_files_adjustments_transfers_and_the_ledger(world: World) -> None:
    client = world.client
    setup_catalogue(client)
    count = b"warehouse,sku,qty,note\nCN-SZ,MS-1,12,count\nCN-SZ,MS-404,3,\nUK-LON,MS-2,two,\nUK-LON,MS-2,4,\n"
    result = ok(upload(client, "/api/stock/import", "count.csv", count, mode="set"))
    assert (result["filename"], result["mode"], result["lines"], result["applied"]) == ("count.csv", "set", 4, 2)
    assert [e["line"] for e in result["errors"]] == [3, 4]
    assert "MS-404" in result["errors"][0]["error"] and "quantity" in result["errors"][1]["error"]
    assert levels(client, "MS-1") == {"CN-SZ": (12, 0)}

    book = to_xlsx("stock", ["warehouse", "sku", "quantity"], [{"warehouse": "CN-SZ", "sku": "MS-1", "quantity": 3}])
    assert ok(upload(client, "/api/stock/import", "more.xlsx", book, mode="add"))["applied"] == 1
    assert levels(client, "MS-1") == {"CN-SZ": (15, 0)}
    assert "mode" in problem(upload(client, "/api/stock/import", "x.csv", count, mode="replace"), 422)
    assert "header row" in problem(upload(client, "/api/stock/import", "x.csv", b"a,b\n1,2\n"), 422)
    assert "file" in problem(client.post("/api/stock/import", content=count,
                                         headers={"content-type": "text/csv"}), 422)
    assert "file" in problem(client.post("/api/stock/import", files={"other": ("x.csv", count)}), 422)

    results = ok(client.post("/api/stock/adjust", json=[
        {"warehouse": "CN-SZ", "sku": "MS-1", "delta": -5, "note": "broken", "reference": "DMG-1"},
        {"warehouse": "CN-SZ", "sku": "NOPE", "delta": 1},
        {"warehouse": "UK-LON", "sku": "MS-2", "count": -1},
        {"warehouse": "UK-LON", "sku": "MS-2", "delta": 3, "reason": "inbound"},
        {"warehouse": "UK-LON", "sku": "MS-1", "delta": 1, "count": 1}]))
    assert [(r["sku"], r["ok"]) for r in results] == [("MS-1", True), ("NOPE", False), ("MS-2", False),
                                                      ("MS-2", True), ("MS-1", False)]
    assert results[1]["error"] == "unknown SKU 'NOPE'" and "negative" in results[2]["error"]
    assert "either" in results[4]["error"]
    assert ok(client.get("/api/stock", params={"warehouse": "UK-LON"}))[0]["inbound"] == 3
    assert problem(client.post("/api/stock/adjust", json=[{"warehouse": "CN-SZ", "sku": "MS-1", "delta": "x"}]),
                   422)
    assert problem(client.post("/api/stock/adjust", json={"warehouse": "CN-SZ"}), 422)
    assert problem(client.post("/api/stock/adjust", json=[{"warehouse": "CN-SZ", "sku": "MS-1", "delta": 1,
                                                           "reason": "order_shipped"}]), 422)
    assert levels(client, "MS-1") == {"CN-SZ": (10, 0)}

    after = ok(client.post("/api/stock/transfer", json={"sku": "MS-1", "source": "CN-SZ", "target": "UK-LON",
                                                        "units": 4, "reference": "T-1"}))
    assert {r["warehouse"]: r["available"] for r in after} == {"CN-SZ": 6, "UK-LON": 4}
    assert "refused" in problem(client.post("/api/stock/transfer", json={"sku": "MS-1", "source": "CN-SZ",
                                                                         "target": "UK-LON", "units": 7}), 422)
    assert levels(client, "MS-1") == {"CN-SZ": (6, 0), "UK-LON": (4, 0)}     # a refused transfer moves nothing

    moves = ok(client.get("/api/stock/ledger", params={"reference": "T-1"}))
    assert sorted((m["warehouse"], m["reason"], m["on_hand_delta"]) for m in moves) == [
        ("CN-SZ", "transfer_out", -4), ("UK-LON", "transfer_in", 4)]
    mine = ok(client.get("/api/stock/ledger", params={"sku": "MS-1", "warehouse": "CN-SZ"}))
    assert [(m["reason"], m["reference"], m["on_hand_after"]) for m in mine] == [
        ("transfer_out", "T-1", 6), ("adjustment", "DMG-1", 10), ("import", "import:more.xlsx:2", 15),
        ("import", "import:count.csv:2", 12)]
    assert mine[1]["note"] == "broken"
    assert len(ok(client.get("/api/stock/ledger", params={"limit": 2}))) == 2
    assert "NOPE" in problem(client.get("/api/stock/ledger", params={"warehouse": "NOPE"}), 404)
    assert "MS-404" in problem(client.get("/api/stock", params={"sku": "MS-404"}), 404)


def test_anomalies_as_json_csv_and_xlsx_say_the_same(world: World) -> None:
    app, market, client = world.app, world.market, world.client
    setup_catalogue(client)
    ok(client.post("/api/stock/adjust", json=[{"warehouse": "CN-SZ", "sku": "MS-1", "count": 5}]))
    store = add_store(app, "a")
    market.shop("a").listings[("ODD-1", "")] = listing("ODD-1", 4)
    ok(client.post(f"/api/stores/{store}/listings/pull", params={"wait": "true"}))

    rows = ok(client.get("/api/stock/anomalies"))
    assert {(r["kind"], r["sku"] or r["seller_sku"]) for r in rows} == {
        ("unmapped_listing", "ODD-1"), ("out_of_stock", "MS-2")}
    assert list(rows[0]) == list(COLUMNS)

    as_csv = client.get("/api/stock/anomalies.csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    parsed = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert [(r["kind"], r["detail"]) for r in parsed] == [(r["kind"], r["detail"]) for r in rows]

    as_xlsx = client.get("/api/stock/anomalies.xlsx")
    assert as_xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).worksheets[0]
    header, *data = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == list(COLUMNS)
    by_kind = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in data}
    assert by_kind["unmapped_listing"]["platform_quantity"] == 4 and by_kind["unmapped_listing"]["store_id"] == store
    assert by_kind["out_of_stock"]["sku"] == "MS-2"


def test_listings_pull_map_allocate_and_push_change_the_shops_quantities(world: World) -> None:
    app, market, client = world.app, world.market, world.client
    setup_catalogue(client)
    ok(client.post("/api/stock/adjust", json=[{"warehouse": "CN-SZ", "sku": "MS-1", "count": 10},
                                              {"warehouse": "UK-LON", "sku": "MS-1", "count": 4},
                                              {"warehouse": "CN-SZ", "sku": "MS-2", "count": 7}]))
    a, b = add_store(app, "a"), add_store(app, "b")
    for ext in ("a", "b"):
        market.shop(ext).listings[("MS-1", "")] = listing("MS-1", 99)
        market.shop(ext).listings[("P-77", "")] = listing("P-77", 99)
    pulled = ok(client.post(f"/api/stores/{a}/listings/pull", params={"wait": "true"}))
    assert (pulled["seen"], pulled["new"], pulled["mapped"], pulled["unmapped"]) == (2, 2, 1, 1)
    ok(client.post(f"/api/stores/{b}/listings/pull", params={"wait": "true"}))

    waiting = ok(client.get("/api/listings", params={"mapped": "false"}))
    assert {(x["store_id"], x["seller_sku"], x["sku"]) for x in waiting} == {(a, "P-77", None), (b, "P-77", None)}
    for x in waiting:
        mapped = ok(client.put(f"/api/listings/{x['id']}/mapping", json={"sku": "MS-2"}))
        assert (mapped["sku"], mapped["mapped_by"]) == ("MS-2", "manual")
    assert ok(client.get("/api/listings", params={"mapped": "false"})) == []
    assert len(ok(client.get("/api/listings", params={"store_id": a}))) == 2
    assert len(ok(client.get("/api/listings", params={"limit": 1, "offset": 1}))) == 1
    assert "NOPE" in problem(client.put(f"/api/listings/{waiting[0]['id']}/mapping", json={"sku": "NOPE"}), 422)
    assert problem(client.put("/api/listings/999999/mapping", json={"sku": "MS-2"}), 404)
    assert problem(client.put(f"/api/listings/{waiting[0]['id']}/mapping", json={}), 422)

    assert ok(client.get(f"/api/stores/{b}/allocation")) == {
        "store_id": b, "push_enabled": False, "safety_stock": None,
        "shares": {"CN-SZ": {"ratio": "1", "quota": None}, "UK-LON": {"ratio": "1", "quota": None}}}
    assert ok(client.post("/api/stock/push"))["pushed"] == 0          # pushing is off until the seller turns it on
    assert market.shop("a").pushes == []

    ok(client.put(f"/api/stores/{a}/stock-push", json={"enabled": True}))
    ok(client.put(f"/api/stores/{b}/stock-push", json={"enabled": True, "safety_stock": 1}))
    shares = ok(client.put(f"/api/stores/{b}/allocation/CN-SZ", json={"ratio": "0.5"}))
    assert shares["push_enabled"] and shares["safety_stock"] == 1
    assert shares["shares"] == {"CN-SZ": {"ratio": "0.5", "quota": None}}
    report = ok(client.post("/api/stock/push"))
    assert (report["failed"], report["pushed"], report["stores"]) == (0, 4, 2)
    shown = {(ext, k[0]): x.quantity for ext in "ab" for k, x in market.shop(ext).listings.items()}
    assert shown == {("a", "MS-1"): 14, ("a", "P-77"): 7, ("b", "MS-1"): 5, ("b", "P-77"): 3}

    ok(client.put(f"/api/stores/{b}/allocation/UK-LON", json={"quota": 1}))
    ok(client.put(f"/api/stores/{b}/allocation/CN-SZ", json={}))               # {} removes the rule
    assert ok(client.get(f"/api/stores/{b}/allocation"))["shares"] == {"UK-LON": {"ratio": None, "quota": 1}}
    ok(client.post("/api/stock/push"))
    assert market.shop("b").listings[("MS-1", "")].quantity == 1

    assert problem(client.put(f"/api/stores/{b}/allocation/CN-SZ", json={"ratio": "0.5", "quota": 1}), 422)
    assert problem(client.put(f"/api/stores/{b}/allocation/CN-SZ", json={"ratio": "1.5"}), 422)
    assert "NOPE" in problem(client.put(f"/api/stores/{b}/allocation/NOPE", json={"quota": 1}), 404)
    assert problem(client.get("/api/stores/4242/allocation"), 404)
    assert problem(client.put("/api/stores/4242/stock-push", json={"enabled": True}), 404)

    unmapped = ok(client.put(f"/api/listings/{waiting[0]['id']}/mapping", json={"sku": None}))
    assert (unmapped["sku"], unmapped["mapped_by"]) == (None, "manual")
    assert ok(client.post("/api/listings/automap")) == {"mapped": 0, "orders_settled": 0}   # kept off automapping


def test_orders_on_unmapped_listings_wait_until_automap_finds_their_sku(world: World) -> None:
    app, market, client = world.app, world.market, world.client
    setup_catalogue(client)
    ok(client.post("/api/stock/adjust", json=[{"warehouse": "CN-SZ", "sku": "MS-1", "count": 10}]))
    store = add_store(app, "s1")
    shop = market.shop("s1")
    shop.orders["A"] = order("A", [("NEW-9", 2)], T0 - timedelta(hours=1))
    shop.listings[("NEW-9", "")] = replace(listing("NEW-9", 5), barcode="0042")
    ok(client.post(f"/api/stores/{store}/sync", params={"wait": "true"}))
    ok(client.post(f"/api/stores/{store}/listings/pull", params={"wait": "true"}))
    [line] = ok(client.get("/api/listings/unmapped-lines"))
    assert (line["sku"], line["quantity"], line["store_id"], line["item_id"]) == ("NEW-9", 2, store, "NEW-9")

    ok(client.post("/api/skus", json={"code": "NEW", "title": "New item", "barcode": "0042"}), 201)
    assert ok(client.get("/api/listings/unmapped-lines")) == []     # adding the SKU mapped it by barcode
    [row] = ok(client.get("/api/listings", params={"store_id": store}))
    assert (row["sku"], row["mapped_by"]) == ("NEW", "barcode")


def test_a_listings_pull_is_queued_once_per_store_in_the_job_runner(world: World) -> None:
    app, market, client = world.app, world.market, world.client
    store = add_store(app, "q")
    market.shop("q").listings[("A-1", "")] = listing("A-1", 1)
    queued = client.post(f"/api/stores/{store}/listings/pull")
    assert queued.status_code == 202 and queued.json()["key"] == f"listings:{store}"
    client.app.state.jobs.drain()  # type: ignore[attr-defined]
    assert [x["seller_sku"] for x in ok(client.get("/api/listings"))] == ["A-1"]
    assert problem(client.post("/api/stores/4242/listings/pull"), 404)


def test_the_openapi_document_describes_the_inventory_routes(world: World) -> None:
    spec = ok(world.client.get("/api/openapi.json"))
    assert {"/api/skus", "/api/warehouses", "/api/stock", "/api/stock/adjust", "/api/stock/import",
            "/api/stock/anomalies.xlsx", "/api/stores/{store_id}/allocation/{warehouse}",
            "/api/listings/{listing_id}/mapping", "/api/stores/{store_id}/listings/pull"} <= set(spec["paths"])
    form = spec["paths"]["/api/stock/import"]["post"]["requestBody"]["content"]["multipart/form-data"]
    schema = spec["components"]["schemas"][form["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert {"file", "mode"} <= set(schema["properties"]) and schema["required"] == ["file"]
