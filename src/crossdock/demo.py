"""The demo world: the Shopee emulator on a loopback port with several stores and thousands of orders,
connected to Crossdock the way a seller would connect real stores."""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
import uvicorn

from crossdock.bootstrap import App
from crossdock.emulators.shopee import ShopeeEmulator
from crossdock.ports.clock import SystemClock
from crossdock.services.stores import AddStore
from crossdock.settings import config_path

log = structlog.get_logger(__name__)

DEMO_PARTNER_ID = 2001887
DEMO_PARTNER_KEY = "crossdock-demo-partner-key-for-the-local-emulator"  # the emulator's, not a real secret
DEMO_PORT = 8101


@dataclass(frozen=True, slots=True)
class DemoShop:
    shop_id: int
    region: str
    currency: str
    name: str


SHOPS = (
    DemoShop(700100101, "SG", "SGD", "Lumi Home SG"),
    DemoShop(700100102, "MY", "MYR", "Lumi Home MY"),
    DemoShop(700100103, "TH", "THB", "Lumi Home TH"),
    DemoShop(700100104, "PH", "PHP", "Lumi Home PH"),
    DemoShop(700100105, "VN", "VND", "Lumi Home VN"),
    DemoShop(700100106, "BR", "BRL", "Lumi Casa BR"),
)


def ensure_demo_config(port: int = DEMO_PORT) -> bool:
    """Point the Shopee connector at the local emulator unless the seller configured Shopee already."""
    path = config_path()
    text = path.read_text() if path.exists() else ""
    if text and "shopee" in tomllib.loads(text).get("connectors", {}):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    block = (f"\n[connectors.shopee]\n# the local Shopee emulator started by `crossdock demo` / `serve --demo`\n"
             f'base_url = "http://127.0.0.1:{port}"\npartner_id = {DEMO_PARTNER_ID}\n'
             f'partner_key = "{DEMO_PARTNER_KEY}"\n')
    path.write_text(text + block)
    return True


class DemoWorld:
    def __init__(self, home: Path, port: int = DEMO_PORT, orders_per_shop: int = 1500, days: int = 60) -> None:
        self.state_file = home / "emulators" / "shopee.pickle"
        self.port, self.orders_per_shop, self.days = port, orders_per_shop, days
        self.emulator = ShopeeEmulator(DEMO_PARTNER_ID, DEMO_PARTNER_KEY, SystemClock(), seed=2026)
        self._server: uvicorn.Server | None = None
        self._stop = threading.Event()

    def build(self) -> bool:
        """Restore the saved world, or seed a new one. True when newly seeded."""
        if self.emulator.restore(self.state_file):
            self.emulator.tick()   # catch up on what happened while the demo was down
            return False
        now = self.emulator.now()
        for shop in SHOPS:
            self.emulator.add_shop(shop.shop_id, shop.region, shop.name)
            self.emulator.generate_orders(shop.shop_id, self.orders_per_shop, now - timedelta(days=self.days), now)
        self.save()
        return True

    def save(self) -> None:
        self.emulator.save(self.state_file)

    def serve(self) -> None:
        """Serve the emulator on 127.0.0.1:<port> from a background thread."""
        config = uvicorn.Config(self.emulator.app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False)
        self._server = uvicorn.Server(config)
        thread = threading.Thread(target=self._server.run, name="shopee-emulator", daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the Shopee emulator could not listen on 127.0.0.1:{self.port} (port in use?)")
            time.sleep(0.05)

    def connect(self, app: App) -> list[int]:
        """Add the demo stores (idempotent) and authorize those that have no working tokens."""
        ids = []
        views = {(v.platform, v.external_id): v for v in app.stores.list()}
        for shop in SHOPS:
            store = app.stores.add(AddStore(platform="shopee", external_id=str(shop.shop_id), name=shop.name,
                                            region=shop.region, currency=shop.currency, account="Lumi Home (CNSC)"))
            view = views.get(("shopee", str(shop.shop_id)))
            if view is None or not view.has_credentials or view.health == "auth_failed":
                app.stores.authorize(store.id, self.emulator.authorize(shop.shop_id))
            ids.append(store.id)
        return ids

    def keep_alive(self, tick_seconds: float = 20.0) -> None:
        """New orders and status changes every few seconds, saved so a restart resumes the same world."""
        def loop() -> None:
            while not self._stop.wait(tick_seconds):
                try:
                    created, updated = self.emulator.tick()
                    self.save()
                    log.info("demo.tick", created=created, updated=updated)
                except Exception:
                    log.exception("demo.tick_failed")
        threading.Thread(target=loop, name="demo-world", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.save()
        if self._server is not None:
            self._server.should_exit = True


def sync_all(app: App, store_ids: list[int], on_run: Callable[[int, Any], None] | None = None) -> list[Any]:
    from crossdock.services.order_sync import PullOrders

    runs = []
    for store_id in store_ids:
        run = app.sync.pull(PullOrders(store_id, trigger="demo"))
        runs.append(run)
        if on_run:
            on_run(store_id, run)
    return runs
