"""The `crossdock` commands a seller types, against the emulator served over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossdock.demo import PORT_SPAN, SHOPEE, DemoWorld, ensure_demo_config
from crossdock.interfaces.cli.main import app
from tests.ports import free_ports

runner = CliRunner()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoWorld]:
    port = free_ports(PORT_SPAN)
    monkeypatch.setenv("CROSSDOCK_HOME", str(tmp_path))
    monkeypatch.setenv("CROSSDOCK_CONFIG", str(tmp_path / "crossdock.toml"))
    monkeypatch.setenv("CROSSDOCK_DATABASE_URL", f"sqlite:///{tmp_path / 'crossdock.db'}")
    ensure_demo_config(port)
    w = DemoWorld(tmp_path, base_port=port, orders_per_store=120, days=20, platforms=[SHOPEE])
    w.build()
    w.serve()
    yield w
    w.stop()


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def test_a_seller_connects_a_store_and_works_its_orders(world: DemoWorld) -> None:
    shop = SHOPEE.stores[0]
    emulator = world.emulators["shopee"]
    assert "ready" in cli("init")
    out = cli("stores", "add", "--platform", "shopee", "--external-id", shop.external_id, "--name", shop.name,
              "--region", shop.region, "--currency", shop.currency,
              "--code", emulator.authorize(int(shop.external_id)))
    assert "authorized" in out

    runs = json.loads(cli("sync", "orders", "--json"))
    assert runs[0]["state"] == "succeeded" and runs[0]["orders_new"] == 120

    stores = json.loads(cli("stores", "list", "--json"))
    assert stores[0]["orders"] == 120 and stores[0]["health"] == "ok"

    page = json.loads(cli("orders", "list", "--status", "pending_review", "--json", "--limit", "500"))
    truth = emulator.orders(int(shop.external_id))
    assert {o["platform_order_id"] for o in page["items"]} == {
        k for k, p in truth.items() if p["order_status"] == "READY_TO_SHIP"}

    detail = json.loads(cli("orders", "show", str(page["items"][0]["id"]), "--json"))
    assert detail["items"] and detail["address"]["country"] == "SG"

    check = json.loads(cli("sync", "check", "--store", "1", "--since", "30d", "--json"))
    assert check["ok"] and check["platform_count"] == 120

    again = json.loads(cli("sync", "orders", "--store", "1", "--since", "25d", "--json"))
    assert again[0]["orders_new"] == 0 and again[0]["orders_updated"] == 0
    assert len(json.loads(cli("sync", "status", "--json"))) == 2
    assert json.loads(cli("quarantine", "list", "--json")) == []
    assert "Orders (" in cli("orders", "list")


def test_bad_input_gets_a_clear_error(world: DemoWorld) -> None:
    assert "no store to pull" in runner.invoke(app, ["sync", "orders"]).output
    bad = runner.invoke(app, ["orders", "list", "--created-from", "last tuesday"])
    assert bad.exit_code == 1 and "error" in bad.output
    missing = runner.invoke(app, ["orders", "show", "4242"])
    assert missing.exit_code == 1 and "no order with id 4242" in missing.output
    unknown = runner.invoke(app, ["stores", "add", "--platform", "nowhere", "--external-id", "1", "--name", "x",
                                  "--region", "SG", "--currency", "SGD"])
    assert unknown.exit_code == 1 and "no connector for platform" in unknown.output
