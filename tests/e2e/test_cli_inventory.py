"""The `crossdock` inventory commands a seller types (skus, warehouses, stock, listings), against a fake
marketplace, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from crossdock import bootstrap as composition
from crossdock.connectors._kit.registry import Registry
from crossdock.interfaces.cli import context
from crossdock.interfaces.cli.main import app
from crossdock.services.stock_reports import COLUMNS
from tests.fakes import FakeMarket, listing

runner = CliRunner()


@dataclass
class Seller:
    home: Path
    market: FakeMarket


@pytest.fixture
def seller(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seller]:
    monkeypatch.setenv("CROSSDOCK_HOME", str(tmp_path))
    monkeypatch.setenv("CROSSDOCK_CONFIG", str(tmp_path / "crossdock.toml"))
    monkeypatch.setenv("CROSSDOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("CROSSDOCK_CONNECTORS", '{"fake": {}}')
    market = FakeMarket()
    # Every command bootstraps its own App; this one talks to the in-memory marketplace instead of the real ones.
    monkeypatch.setattr(context, "bootstrap", partial(composition.bootstrap, registry=Registry({"fake": market.spec()}),
                                                      sleep=lambda s: None))
    yield Seller(tmp_path, market)


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def cli_json(*args: str) -> Any:
    return json.loads(cli(*args, "--json"))


def fails(*args: str, code: int = 1) -> str:
    """The message of a command that must fail (error text goes to stderr, with a non-zero exit)."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    # Rich wraps long lines at the terminal width and draws tables and panels with box lines.
    return " ".join(re.sub(r"[│┃╭╮╰╯─]", " ", result.output).split())


def setup_catalogue() -> None:
    cli("warehouses", "add", "CN-SZ", "--name", "Shenzhen", "--country", "CN", "--priority", "10")
    cli("warehouses", "add", "UK-LON", "--name", "London", "--country", "GB", "--kind", "overseas")
    cli("skus", "add", "CUP", "--title", "Cup", "--cost", "2.50", "--cost-currency", "CNY", "--weight-kg", "0.3",
        "--safety-stock", "1")
    cli("skus", "add", "LID", "--title", "Lid", "--barcode", "0042")


def test_a_seller_sets_up_the_catalogue_and_counts_stock_from_files(seller: Seller) -> None:
    setup_catalogue()
    assert [(w["code"], w["kind"]) for w in cli_json("warehouses", "list")] == [("CN-SZ", "own"),
                                                                                 ("UK-LON", "overseas")]
    assert "bundle of 2 SET added" in cli("skus", "add", "SET", "--title", "Cup and lids", "--component", "CUP=1",
                                          "--component", "LID=2")
    sku_file = seller.home / "skus.csv"
    sku_file.write_text("code,title,weight_kg,safety_stock\nPLATE,Plate,0.5,2\nBOWL,Bowl,-1,\nSPOON,Spoon,,x\n")
    out = fails("skus", "import", str(sku_file))
    assert "1 of 3 lines added" in out and "3 weight_kg" in out and "4 safety_stock" in out
    skus = {s["code"]: s for s in cli_json("skus", "list")}
    assert set(skus) == {"CUP", "LID", "PLATE", "SET"}
    assert (skus["CUP"]["cost"], skus["CUP"]["weight_kg"], skus["SET"]["kind"]) == ("2.50", "0.3", "bundle")
    assert [s["code"] for s in cli_json("skus", "list", "--search", "pla")] == ["PLATE"]
    assert "safety stock of PLATE set to 0" in cli("skus", "safety", "PLATE", "0")

    count = seller.home / "count.csv"
    count.write_text("warehouse,sku,qty\nCN-SZ,CUP,12\nCN-SZ,LID,20\nCN-SZ,NOPE,3\nUK-LON,CUP,two\n")
    out = fails("stock", "import", str(count))
    assert "2 of 4 lines applied from count.csv" in out
    assert "4 unknown SKU 'NOPE'" in out and "5 quantity: 'two' is not a number" in out
    book = seller.home / "more.xlsx"
    book.write_bytes(_xlsx([["warehouse", "sku", "quantity"], ["UK-LON", "CUP", 3]]))
    assert cli_json("stock", "import", str(book), "--mode", "add")["applied"] == 1

    assert "Stock now" in cli("stock", "adjust", "CN-SZ", "CUP", "--add", "-2", "--note", "broken")
    cli("stock", "adjust", "CN-SZ", "LID", "--count", "18", "--reference", "COUNT-7")
    cli("stock", "transfer", "CUP", "CN-SZ", "UK-LON", "4", "--reference", "T-1")
    shown = {(r["sku"], r["warehouse"]): (r["on_hand"], r["available"]) for r in cli_json("stock", "show")}
    assert shown == {("CUP", "CN-SZ"): (6, 6), ("CUP", "UK-LON"): (7, 7), ("LID", "CN-SZ"): (18, 18)}
    assert len(cli_json("stock", "show", "--warehouse", "UK-LON")) == 1
    assert "Stock" in cli("stock", "show", "--sku", "CUP")

    transfer = cli_json("stock", "ledger", "--reference", "T-1")
    assert sorted((m["warehouse"], m["on_hand_delta"]) for m in transfer) == [("CN-SZ", -4), ("UK-LON", 4)]
    [counted] = cli_json("stock", "ledger", "--sku", "LID", "--limit", "1")
    assert (counted["reason"], counted["reference"], counted["on_hand_delta"]) == ("adjustment", "COUNT-7", -2)
    assert "Stock ledger" in cli("stock", "ledger")

    report = seller.home / "anomalies.xlsx"
    cli("stock", "anomalies", "--export", str(report))
    header, *rows = [list(r) for r in load_workbook(report, read_only=True).worksheets[0].iter_rows(values_only=True)]
    assert header == list(COLUMNS)
    assert {(r[0], r[4]) for r in rows} == {("out_of_stock", "PLATE")}
    as_csv = seller.home / "anomalies.csv"
    cli("stock", "anomalies", "--export", str(as_csv))
    assert [r["sku"] for r in csv.DictReader(io.StringIO(as_csv.read_text("utf-8-sig")))] == ["PLATE"]
    assert [r["kind"] for r in cli_json("stock", "anomalies")] == ["out_of_stock"]


def test_listings_are_pulled_mapped_and_pushed_with_allocation(seller: Seller) -> None:
    setup_catalogue()
    cli("stock", "adjust", "CN-SZ", "CUP", "--count", "10")
    cli("stock", "adjust", "UK-LON", "CUP", "--count", "4")
    cli("stock", "adjust", "CN-SZ", "LID", "--count", "7")
    shop = seller.market.shop("s1")
    shop.listings[("CUP", "")] = listing("CUP", 99)
    shop.listings[("P-LID", "")] = listing("P-LID", 99)
    assert "authorized" in cli("stores", "add", "--platform", "fake", "--external-id", "s1", "--name", "Fake s1",
                               "--region", "DE", "--currency", "EUR", "--code", "consent")

    [pulled] = cli_json("listings", "pull", "1")
    assert (pulled["seen"], pulled["mapped"], pulled["unmapped"]) == (2, 1, 1)
    assert "Listings pulled" in cli("listings", "pull", "--all")
    [waiting] = cli_json("listings", "list", "--unmapped")
    assert waiting["seller_sku"] == "P-LID"
    assert "mapped to LID" in cli("listings", "map", str(waiting["id"]), "LID")
    assert cli_json("listings", "list", "--unmapped") == []
    assert {x["sku"] for x in cli_json("listings", "list", "--store", "1")} == {"CUP", "LID"}

    assert "pushing off" in cli("stock", "allocation", "1")
    cli("stock", "enable-push", "1")
    cli("stock", "allocate", "1", "CN-SZ", "--ratio", "0.5")
    allocation = cli_json("stock", "allocation", "1")
    assert allocation["push_enabled"] and allocation["shares"] == {"CN-SZ": {"ratio": "0.5", "quota": None}}
    report = cli_json("stock", "push")
    assert (report["pushed"], report["failed"]) == (2, 0)
    assert {k[0]: x.quantity for k, x in shop.listings.items()} == {"CUP": 5, "P-LID": 3}
    cli("stock", "allocate", "1", "CN-SZ", "--clear")
    cli("stock", "push")
    assert shop.listings[("CUP", "")].quantity == 14         # no rule left: every warehouse, whole

    seller.market.refuse.add("P-LID")        # the platform turns this listing down
    cli("stock", "adjust", "CN-SZ", "LID", "--add", "1")
    assert "0 of 1 listings pushed, 1 failed" in fails("stock", "push", code=2)
    cli("stock", "disable-push", "1")
    assert cli_json("stock", "allocation", "1")["push_enabled"] is False
    assert "unmapped" in cli("listings", "map", str(waiting["id"]), "--unmap")
    assert "0 listings mapped" in cli("listings", "automap")
    assert cli_json("listings", "unmapped-lines") == []


def test_errors_exit_non_zero_with_a_clear_message(seller: Seller) -> None:
    setup_catalogue()
    assert "SKU CUP already exists" in fails("skus", "add", "CUP", "--title", "Again")
    assert "bundle components not in the catalogue: NOPE" in fails("skus", "add", "X", "--title", "x",
                                                                   "--component", "NOPE=1")
    assert "weight_kg: 'heavy' is not a number" in fails("skus", "add", "X", "--title", "x", "--weight-kg", "heavy")
    assert "no SKU NOPE" in fails("skus", "safety", "NOPE", "3")
    assert "warehouse CN-SZ already exists" in fails("warehouses", "add", "CN-SZ", "--name", "x", "--country", "CN")
    assert "two-letter country" in fails("warehouses", "add", "X", "--name", "x", "--country", "GBR")
    assert "unknown warehouse 'MARS'" in fails("stock", "adjust", "MARS", "CUP", "--add", "1")
    assert "give either --add N or --count N" in fails("stock", "adjust", "CN-SZ", "CUP", "--add", "1", "--count", "2")
    assert "refused" in fails("stock", "adjust", "CN-SZ", "CUP", "--add", "-1")
    assert "refused" in fails("stock", "transfer", "CUP", "CN-SZ", "UK-LON", "1")
    assert "no SKU NOPE" in fails("stock", "show", "--sku", "NOPE")
    assert "no warehouse MARS" in fails("stock", "ledger", "--warehouse", "MARS")
    assert "does not exist" in fails("stock", "import", str(seller.home / "missing.csv"), code=2)
    bad_header = seller.home / "bad.csv"
    bad_header.write_text("foo,bar\n1,2\n")
    assert "header row needs columns" in fails("stock", "import", str(bad_header))
    assert "unknown: foo" in fails("skus", "import", str(bad_header))
    assert "export to a .csv or .xlsx file" in fails("stock", "anomalies", "--export", str(seller.home / "a.pdf"))
    assert "no store with id 9" in fails("stock", "allocation", "9")
    assert "no store 9" in fails("stock", "allocate", "9", "CN-SZ", "--ratio", "0.5")
    assert "give one of --ratio, --quota or --clear" in fails("stock", "allocate", "9", "CN-SZ")
    assert "no listing 404" in fails("listings", "map", "404", "CUP")
    assert "give a SKU_CODE or --unmap" in fails("listings", "map", "404")
    assert "give a STORE_ID or --all" in fails("listings", "pull")
    assert "no store with id 9" in fails("listings", "pull", "9")
    cli("stores", "add", "--platform", "fake", "--external-id", "s1", "--name", "Fake s1", "--region", "DE",
        "--currency", "EUR", "--code", "consent")
    assert "ratio is between 0 and 1" in fails("stock", "allocate", "1", "CN-SZ", "--ratio", "2")
    assert "not a number between 0 and 1" in fails("stock", "allocate", "1", "CN-SZ", "--ratio", "half")


def _xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
