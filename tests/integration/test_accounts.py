"""Connecting an account that owns many stores, as a seller does it through the API and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from crossdock.demo import JOOM, PORT_SPAN, DemoWorld, ensure_demo_config
from crossdock.interfaces.api.app import create_api
from crossdock.interfaces.cli.main import app as cli_app
from tests.contract.harnesses.joom import JoomHarness
from tests.ports import free_ports


def test_api_connects_a_joom_merchant_and_finds_its_stores(database_url: str, tmp_path: Path) -> None:
    h = JoomHarness(database_url, tmp_path)
    account = h.ACCOUNT
    for ext in ("64f1c2a0b3d4e5f6a7b8c901", "64f1c2a0b3d4e5f6a7b8c902"):
        h.create_shop(ext, "EU")
    with TestClient(create_api(h.app)) as client:
        answer = client.post("/api/accounts/connect", json={
            "platform": "joom", "account": account, "code": h.emu.authorize(account),
            "external_id": h.emu.merchant_user_id(account)})
        assert answer.status_code == 201, answer.text
        stores = answer.json()
        assert {s["external_id"] for s in stores} == {"64f1c2a0b3d4e5f6a7b8c901", "64f1c2a0b3d4e5f6a7b8c902"}
        assert all(s["authorized"] and s["platform_status"] and s["platform_details"] for s in stores)

        h.create_shop("64f1c2a0b3d4e5f6a7b8c903", "EU")   # the merchant opens a third store
        found = client.post(f"/api/accounts/{stores[0]['account_id']}/discover").json()
        assert len(found) == 3
        assert client.post(f"/api/stores/{found[2]['id']}/sync?wait=true").json()["state"] == "succeeded"

        bad_code = client.post("/api/accounts/connect", json={"platform": "joom", "account": account, "code": "x"})
        assert bad_code.status_code == 422 and "authoriz" in bad_code.json()["detail"]
        refused = client.post("/api/accounts/connect", json={"platform": "shopee", "account": "x", "code": "c"})
        assert refused.status_code == 422 and "one by one" in refused.json()["detail"]
        assert client.post("/api/accounts/4242/discover").status_code == 404
    h.close()


@pytest.fixture
def joom_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoWorld]:
    port = free_ports(PORT_SPAN) + JOOM.port_offset
    monkeypatch.setenv("CROSSDOCK_HOME", str(tmp_path))
    monkeypatch.setenv("CROSSDOCK_CONFIG", str(tmp_path / "crossdock.toml"))
    monkeypatch.setenv("CROSSDOCK_DATABASE_URL", f"sqlite:///{tmp_path / 'crossdock.db'}")
    # Joom alone, on the port its demo entry expects relative to the base.
    ensure_demo_config(port - JOOM.port_offset)
    world = DemoWorld(tmp_path, base_port=port - JOOM.port_offset, orders_per_store=40, days=10, platforms=[JOOM])
    world.build()
    world.serve()
    yield world
    world.stop()


def test_cli_connects_a_joom_merchant(joom_world: DemoWorld) -> None:
    emu = joom_world.emulators["joom"]
    account = JOOM.stores[0].account
    runner = CliRunner()
    result = runner.invoke(cli_app, ["stores", "connect", "--platform", "joom", "--account", account,
                                     "--code", emu.authorize(account), "--external-id", emu.merchant_user_id(account),
                                     "--json"])
    assert result.exit_code == 0, result.output
    stores = json.loads(result.stdout)
    assert {s["external_id"] for s in stores} == {s.external_id for s in JOOM.stores}
    pulled = json.loads(runner.invoke(cli_app, ["sync", "orders", "--json"]).stdout)
    assert len(pulled) == len(JOOM.stores) and all(r["state"] == "succeeded" and r["orders_new"] == 40
                                                   for r in pulled)
    wrong = runner.invoke(cli_app, ["stores", "connect", "--platform", "joom", "--account", account,
                                    "--code", "not-a-code"])
    assert wrong.exit_code == 1 and "error:" in wrong.output and "Traceback" not in wrong.output
