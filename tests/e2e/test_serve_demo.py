"""`crossdock serve --demo` as `make run` starts it: a real server, a real emulator on loopback, real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from crossdock.demo import PLATFORMS, PORT_SPAN
from tests.ports import free_ports

pytestmark = pytest.mark.slow


def test_serve_demo_answers_with_synced_orders(tmp_path: Path) -> None:
    emu_port = free_ports(PORT_SPAN + 1)
    api_port = emu_port + PORT_SPAN
    env = dict(os.environ, CROSSDOCK_HOME=str(tmp_path), CROSSDOCK_CONFIG=str(tmp_path / "crossdock.toml"),
               CROSSDOCK_DATABASE_URL=f"sqlite:///{tmp_path / 'crossdock.db'}",
               CROSSDOCK_DEMO_EMULATOR_PORT=str(emu_port))
    crossdock = Path(sys.executable).parent / "crossdock"
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([str(crossdock), "serve", "--demo", "--port", str(api_port), "--demo-orders", "150"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.5)

        # The API answers at once; the first pull runs in the background and orders arrive as pages commit.
        pending: dict[str, Any] = {"items": []}
        stores: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            pending = httpx.get(f"{base}/api/orders", params={"status": "pending_review"}).json()
            stores = httpx.get(f"{base}/api/stores").json()
            if pending["items"] and stores and all(s["orders"] > 0 for s in stores):
                break
            time.sleep(1)
        assert pending["items"], "the demo world should have orders waiting for review"
        assert all(o["status"] == "pending_review" for o in pending["items"])
        assert {s["platform"] for s in stores} == {p.code for p in PLATFORMS}
        assert len(stores) == sum(len(p.stores) for p in PLATFORMS)
        assert all(s["orders"] > 0 for s in stores), stores
        # a store shows orders as soon as its first page commits; its first pull goes on in the background
        runs: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            runs = httpx.get(f"{base}/api/sync/runs").json()
            if runs and all(r["state"] != "running" for r in runs if r["trigger"] == "demo"):
                break
            time.sleep(1)
        # scheduled pulls may still be running; none may have failed
        assert runs and not [(r["store_id"], r["error"]) for r in runs if r["state"] == "failed"]
        assert all(r["state"] == "succeeded" for r in runs if r["trigger"] == "demo"), runs
        # the emulator really is a separate HTTP server the connector talked to
        assert httpx.get(f"http://127.0.0.1:{emu_port}/_emulator/shops").status_code == 200
        # secrets never reach the log
        text = (tmp_path / "serve.log").read_text()
        assert "crossdock-demo-partner-key" not in text and "access_token=" not in text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    for p in PLATFORMS:   # each world is kept for the next start
        assert (tmp_path / "emulators" / f"{p.code}.pickle").exists()
