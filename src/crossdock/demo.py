"""The demo world: every emulated marketplace on its own loopback port, seeded with stores and orders, and
connected to Crossdock the way a seller connects real stores (consent code -> tokens)."""

from __future__ import annotations

import math
import random
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import structlog
import uvicorn

from crossdock.bootstrap import App
from crossdock.demo_fulfilment import CARRIERS
from crossdock.domain.inventory.model import Reason
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.ports.clock import Clock, SystemClock
from crossdock.services.inventory import AddSku, AddWarehouse, Adjust, WarehouseKind
from crossdock.services.stores import AddStore
from crossdock.settings import config_path

log = structlog.get_logger(__name__)

BASE_PORT = 8101


@dataclass(frozen=True, slots=True)
class DemoStore:
    external_id: str
    region: str
    currency: str
    name: str
    account: str


@dataclass(frozen=True)
class DemoPlatform:
    """How the demo builds one marketplace: its emulator, app credentials, stores, and how a seller connects."""

    code: str
    port_offset: int
    stores: tuple[DemoStore, ...]
    make: Callable[[Clock], Any]                         # the emulator
    settings: Callable[[str], dict[str, Any]]            # connector settings, given the emulator's base URL
    seed: Callable[[Any, DemoStore, int, datetime, datetime], None]
    connect: Callable[[App, Any], list[int]]             # add + authorize in Crossdock; store ids
    min_calls: Callable[[int], int]                      # fewest API calls to pull n orders of one store
    orders_scale: float = 1.0                            # platforms with per-order item calls get fewer orders
    # The live demo may run an emulator faster than the platform's documented limits (a person is waiting);
    # the benchmark never does: it keeps the real limits on a virtual clock.
    live_limits: Callable[[Any], None] | None = None


# --- Shopee ----------------------------------------------------------------------------------------

SHOPEE_PARTNER_ID = 2001887
SHOPEE_PARTNER_KEY = "crossdock-demo-partner-key-for-the-local-emulator"  # the emulator's, not a real secret


def _shopee_make(clock: Clock) -> Any:
    from crossdock.emulators.shopee import ShopeeEmulator

    return ShopeeEmulator(SHOPEE_PARTNER_ID, SHOPEE_PARTNER_KEY, clock, seed=2026)


def _shopee_seed(emu: Any, store: DemoStore, orders: int, start: datetime, end: datetime) -> None:
    emu.add_shop(int(store.external_id), store.region, store.name)
    emu.set_catalogue(int(store.external_id), store_catalogue(store))
    emu.generate_orders(int(store.external_id), orders, start, end)


def _shopee_connect(app: App, emu: Any) -> list[int]:
    return _connect_per_store(app, "shopee", SHOPEE.stores, lambda ext: str(emu.authorize(int(ext))))


def _connect_per_store(app: App, platform: str, stores: tuple[DemoStore, ...], code: Callable[[str], str]) -> list[int]:
    """Add each store and authorize it with its own consent code unless its tokens still work."""
    known = {v.external_id: v for v in app.stores.list() if v.platform == platform}
    ids = []
    for s in stores:
        store = app.stores.add(AddStore(platform=platform, external_id=s.external_id, name=s.name,
                                        region=s.region, currency=s.currency, account=s.account))
        view = known.get(s.external_id)
        if view is None or not view.has_credentials or view.health == "auth_failed":
            app.stores.authorize(store.id, code(s.external_id))
        ids.append(store.id)
    return ids


def _pages_and_batches(n: int, page: int, batch: int) -> int:
    full, rest = divmod(n, page)
    return math.ceil(n / page) + full * math.ceil(page / batch) + math.ceil(rest / batch)


SHOPEE = DemoPlatform(
    code="shopee", port_offset=0,
    stores=tuple(DemoStore(str(700100100 + i), region, currency, f"Lumi Home {region}", "Lumi Home (CNSC)")
                 for i, (region, currency) in enumerate(
                     [("SG", "SGD"), ("MY", "MYR"), ("TH", "THB"), ("PH", "PHP"), ("VN", "VND"), ("BR", "BRL")],
                     start=1)),
    make=_shopee_make,
    settings=lambda url: {"base_url": url, "partner_id": SHOPEE_PARTNER_ID, "partner_key": SHOPEE_PARTNER_KEY},
    seed=_shopee_seed, connect=_shopee_connect,
    min_calls=lambda n: _pages_and_batches(n, 100, 50),
)

# --- accounts that own many stores ----------------------------------------------------------------

def _connect_account(app: App, platform: str, stores: tuple[DemoStore, ...], code: Callable[[str], str],
                     external_id: Callable[[str], str]) -> list[int]:
    """Authorize each demo account once (again only if its tokens stopped working) and add its stores."""
    views = {v.external_id: v for v in app.stores.list() if v.platform == platform}
    ids: list[int] = []
    for account in dict.fromkeys(s.account for s in stores):
        mine = [views.get(s.external_id) for s in stores if s.account == account]
        if all(v is not None and v.has_credentials and v.health != "auth_failed" for v in mine):
            ids += [v.id for v in mine if v is not None]
            continue
        found = app.stores.connect_account(platform, code(account), account=account, external_id=external_id(account))
        ids += [s.id for s in found]
    return ids


def _seed_account_store(emu: Any, store: DemoStore, orders: int, start: datetime, end: datetime) -> None:
    emu.add_store(store.external_id, store.region, store.name, account=store.account)
    emu.set_catalogue(store.external_id, store_catalogue(store))
    emu.generate_orders(store.external_id, orders, start, end)


# --- Joom ------------------------------------------------------------------------------------------

JOOM_CLIENT_ID = "crossdock-demo-joom-client"
JOOM_CLIENT_SECRET = "crossdock-demo-joom-secret-for-the-local-emulator"  # the emulator's, not a real secret


def _joom_make(clock: Clock) -> Any:
    from crossdock.emulators.joom import JoomEmulator

    return JoomEmulator(JOOM_CLIENT_ID, JOOM_CLIENT_SECRET, clock, seed=2026)


JOOM_STORES = tuple(DemoStore(f"64f1c2a0b3d4e5f6a7b8c9{i:02d}", "EU", "EUR", name, "Lumi EU (Joom)")
                    for i, name in enumerate(["Lumi Home", "Lumi Kitchen", "Lumi Garden", "Lumi Kids"], start=1))

JOOM = DemoPlatform(
    code="joom", port_offset=4,
    stores=JOOM_STORES,
    make=_joom_make,
    settings=lambda url: {"base_url": url, "client_id": JOOM_CLIENT_ID, "client_secret": JOOM_CLIENT_SECRET},
    seed=_seed_account_store,
    connect=lambda app, emu: _connect_account(app, "joom", JOOM_STORES, emu.authorize, emu.merchant_user_id),
    min_calls=lambda n: max(1, math.ceil(n / 500)),   # orders/multi carries whole orders, 500 a page
)

# --- TikTok Shop -----------------------------------------------------------------------------------

TIKTOK_APP_KEY = "6crossdockdemo"
TIKTOK_APP_SECRET = "crossdock-demo-tiktok-secret-for-the-local-emulator"  # the emulator's, not a real secret

TIKTOK_STORES = (
    DemoStore("7494000000000101", "MY", "MYR", "Lumi Home MY (TikTok)", "Lumi SEA (TikTok)"),
    DemoStore("7494000000000102", "TH", "THB", "Lumi Home TH (TikTok)", "Lumi SEA (TikTok)"),
    DemoStore("7494000000000103", "PH", "PHP", "Lumi Home PH (TikTok)", "Lumi SEA (TikTok)"),
    DemoStore("7494000000000201", "GB", "GBP", "Lumi Home UK (TikTok)", "Lumi UK (TikTok)"),
)


def _tiktok_make(clock: Clock) -> Any:
    from crossdock.emulators.tiktok import TikTokEmulator

    return TikTokEmulator(TIKTOK_APP_KEY, TIKTOK_APP_SECRET, clock, seed=2026)


TIKTOK = DemoPlatform(
    code="tiktok", port_offset=3,
    stores=TIKTOK_STORES,
    make=_tiktok_make,
    # The emulator serves the auth host's paths on the same port.
    settings=lambda url: {"base_url": url, "auth_base_url": url, "app_key": TIKTOK_APP_KEY,
                          "app_secret": TIKTOK_APP_SECRET},
    seed=_seed_account_store,
    connect=lambda app, emu: _connect_account(app, "tiktok", TIKTOK_STORES, emu.authorize, lambda _: ""),
    min_calls=lambda n: 1 + max(1, math.ceil(n / 100)),   # authorized shops (cipher), then search pages of 100
)

# --- Lazada ----------------------------------------------------------------------------------------

LAZADA_APP_KEY = "120001"
LAZADA_APP_SECRET = "crossdock-demo-lazada-secret-for-the-local-emulator"  # the emulator's, not a real secret
LAZADA_COUNTRIES = ("SG", "MY", "TH", "PH", "VN", "ID")

LAZADA_STORES = tuple(
    DemoStore(f"1000{i:05d}", region, currency, f"Lumi Home {region} (Lazada)", "lumi.cb@example.com")
    for i, (region, currency) in enumerate([("SG", "SGD"), ("MY", "MYR"), ("TH", "THB"), ("PH", "PHP")], start=1))


def _lazada_make(clock: Clock) -> Any:
    from crossdock.emulators.lazada import LazadaEmulator

    return LazadaEmulator(LAZADA_APP_KEY, LAZADA_APP_SECRET, clock, seed=2026)


LAZADA = DemoPlatform(
    code="lazada", port_offset=2,
    stores=LAZADA_STORES,
    make=_lazada_make,
    # One loopback port for every country: the emulator tells them apart by path prefix (by Host on the real hosts).
    settings=lambda url: {"app_key": LAZADA_APP_KEY, "app_secret": LAZADA_APP_SECRET,
                          "base_urls": {c: f"{url}/{c.lower()}/rest" for c in LAZADA_COUNTRIES},
                          "auth_url": f"{url}/auth/rest"},
    seed=_seed_account_store,
    connect=lambda app, emu: _connect_per_store(app, "lazada", LAZADA_STORES, emu.authorize),
    min_calls=lambda n: _pages_and_batches(n, 100, 50),   # /orders/get pages of 100, /orders/items/get by 50
)

# --- Amazon ----------------------------------------------------------------------------------------

AMAZON_CLIENT_ID = "amzn1.application-oa2-client.crossdockdemo"
AMAZON_CLIENT_SECRET = "crossdock-demo-amazon-secret-for-the-local-emulator"  # the emulator's, not a real secret
AMAZON_SELLER = "A2LUMIEUDEMO01"
AMAZON_STORES = tuple(
    DemoStore(f"{AMAZON_SELLER}:{marketplace}", region, currency, f"Lumi Home {region} (Amazon)", "Lumi EU (Amazon)")
    for region, currency, marketplace in [("DE", "EUR", "A1PA6795UKMFR9"), ("FR", "EUR", "A13V1IB3VIYZZH"),
                                          ("IT", "EUR", "APJ6JRA9NG5V4"), ("ES", "EUR", "A1RKKUPIHCS9HS"),
                                          ("GB", "GBP", "A1F83G8C2ARO7P")])


def _amazon_make(clock: Clock) -> Any:
    from crossdock.emulators.amazon import AmazonEmulator

    return AmazonEmulator(AMAZON_CLIENT_ID, AMAZON_CLIENT_SECRET, clock=clock, seed=2026)


AMAZON = DemoPlatform(
    code="amazon", port_offset=1,
    stores=AMAZON_STORES,
    make=_amazon_make,
    settings=lambda url: {"base_url": url, "lwa_url": f"{url}/auth/o2/token", "client_id": AMAZON_CLIENT_ID,
                          "client_secret": AMAZON_CLIENT_SECRET,
                          # Buy Shipping: where parcels leave from, and the carton when a parcel's size is unknown
                          "ship_from": {"name": "Lumi Europe Berlin Fulfilment", "address_line1": "Sonnenallee 200",
                                        "city": "Berlin", "postal_code": "12057", "country_code": "DE",
                                        "email": "shipping@lumi.example", "phone": "+49 30 5555 0100"},
                          "default_box_mm": [300, 200, 100]},
    seed=_seed_account_store,
    connect=lambda app, emu: _connect_account(app, "amazon", AMAZON_STORES, emu.authorize, emu.seller_id),
    # LWA refresh + one Restricted Data Token, getOrders pages of 100, then getOrderItems for every order.
    min_calls=lambda n: 2 + max(1, math.ceil(n / 100)) + n,
    orders_scale=0.2,
    live_limits=lambda emu: emu.set_rate_limit(50.0, 100),
)

PLATFORMS: list[DemoPlatform] = [SHOPEE, AMAZON, LAZADA, TIKTOK, JOOM]
# The demo world listens on base port + each offset, marketplaces and carriers alike.
PORT_SPAN = 1 + max(*(p.port_offset for p in PLATFORMS), *(c.port_offset for c in CARRIERS))


# --- the shared catalogue ----------------------------------------------------------------------------

# The seller's master catalogue: every demo store lists part of it under the same seller SKUs, so one stock
# serves many stores; each store also lists two products of its own that map to nothing (the unmapped queue).
_PRODUCTS = ("Ceramic mug", "Bamboo cutting board", "LED desk lamp", "Silicone baking mat", "Glass storage jar",
             "Linen tea towel", "Steel water bottle", "Cotton cushion cover", "Wall clock", "Plant pot")
# Customs tariff codes (HS, 6 digits) of the products above, for duties-paid lines and commercial invoices.
_HS_CODES = ("691200", "441911", "940521", "392490", "701349", "630260", "732393", "630492", "910591", "691490")
_VARIANTS = ("", "", ("Black", "White"), "", ("S", "M", "L"), "", ("Red", "Blue"), "", "", ("Small", "Large"))
_RATES = {"EUR": Decimal("1"), "GBP": Decimal("0.85"), "SGD": Decimal("1.45"), "MYR": Decimal("5.0"),
          "THB": Decimal("38"), "PHP": Decimal("62"), "VND": Decimal("27000"), "IDR": Decimal("17000")}
MASTER_SKUS = tuple((f"LUMI-{i:03d}" + (f"-{v}" if v else ""), f"{_PRODUCTS[i % 10]} #{i}" + (f" {v}" if v else ""))
                    for i in range(40) for v in (_VARIANTS[i % 10] or ("",)))


def store_catalogue(store: DemoStore) -> list[ProductSpec]:
    """What one demo store sells: about two thirds of the master catalogue, at local prices, plus two of its own."""
    rng = random.Random(f"catalogue:{store.external_id}")
    rate = _RATES.get(store.currency, Decimal(1))
    products = []
    for i in sorted(rng.sample(range(40), 26)):
        names = _VARIANTS[i % 10] or ("",)
        price = (Decimal(rng.randint(8, 40)) * rate).quantize(Decimal("0.01"))
        products.append(ProductSpec(f"{_PRODUCTS[i % 10]} #{i}", tuple(
            VariantSpec(f"LUMI-{i:03d}" + (f"-{v}" if v else ""), v, price, rng.randint(20, 150)) for v in names)))
    for j in range(2):
        products.append(ProductSpec(f"Local special {j + 1}", (VariantSpec(f"LOCAL-{store.external_id[-4:]}-{j}", "",
                                                                           Decimal(15) * rate, 10),)))
    return products


def setup_inventory(app: App) -> bool:
    """Warehouses, the master catalogue and a first stock count, once; stock pushing on for every store."""
    if app.inventory.warehouses():
        return False
    app.inventory.add_warehouse(AddWarehouse("CN-SZ", "Shenzhen main warehouse", "CN", priority=10))
    app.inventory.add_warehouse(AddWarehouse("DE-BER", "Berlin overseas warehouse", "DE", WarehouseKind.OVERSEAS, 20))
    app.inventory.add_warehouse(AddWarehouse("GB-LON", "London overseas warehouse", "GB", WarehouseKind.OVERSEAS, 30))
    rng = random.Random("stock")
    changes = []
    for code, title in MASTER_SKUS:
        hs_code = _HS_CODES[int(code[5:8]) % 10]
        app.inventory.add_sku(AddSku(code, title, safety_stock=2, weight_kg=Decimal("0.5"), hs_code=hs_code))
        changes += [Adjust("CN-SZ", code, count=rng.randint(0, 400), reason=Reason.IMPORT, reference="demo count"),
                    Adjust("DE-BER", code, count=rng.randint(0, 60), reason=Reason.IMPORT, reference="demo count"),
                    Adjust("GB-LON", code, count=rng.randint(0, 30), reason=Reason.IMPORT, reference="demo count")]
    app.inventory.add_sku(AddSku("LUMI-SET-1", "Mug and board gift set", components={"LUMI-000": 1, "LUMI-001": 1}))
    app.inventory.adjust(changes)
    return True


def pull_listings(app: App, store_ids: list[int]) -> None:
    """Every store's listings, mapped to the catalogue, with pushing on (the demo's stock was just counted)."""
    for sid in store_ids:
        try:
            app.listings.pull(sid)
            app.inventory.set_store_push(sid, True)
        except Exception:
            log.exception("demo.listings_failed", store_id=sid)


# --- the world -------------------------------------------------------------------------------------

def ensure_demo_config(base_port: int = BASE_PORT) -> bool:
    """Point each connector at its local emulator unless the seller configured that platform already."""
    path = config_path()
    text = path.read_text() if path.exists() else ""
    configured = tomllib.loads(text).get("connectors", {}) if text else {}
    blocks = []
    for p in PLATFORMS:
        if p.code in configured:
            continue
        values = p.settings(f"http://127.0.0.1:{base_port + p.port_offset}")
        lines = [f"\n[connectors.{p.code}]", f"# the local {p.code} emulator started by `crossdock demo`"]
        lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
        blocks.append("\n".join(lines) + "\n")
    if not blocks:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "".join(blocks))
    return True


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class DemoWorld:
    home: Path
    base_port: int = BASE_PORT
    orders_per_store: int = 1500
    days: int = 30
    clock: Clock = field(default_factory=SystemClock)
    platforms: list[DemoPlatform] = field(default_factory=lambda: list(PLATFORMS))
    live: bool = True

    def __post_init__(self) -> None:
        self.emulators: dict[str, Any] = {p.code: p.make(self.clock) for p in self.platforms}
        # Carriers beside the marketplaces: served, saved and restored the same way.
        self.carriers: dict[str, Any] = {c.code: c.make(self.clock) for c in CARRIERS}
        for p in self.platforms:
            if self.live and p.live_limits is not None:
                p.live_limits(self.emulators[p.code])
        self._servers: list[uvicorn.Server] = []
        self._stop = threading.Event()

    def state_file(self, code: str) -> Path:
        return self.home / "emulators" / f"{code}.pickle"

    def build(self) -> bool:
        """Restore every saved world, or seed new ones. True when anything was newly seeded."""
        fresh = False
        for p in self.platforms:
            emu = self.emulators[p.code]
            if emu.restore(self.state_file(p.code)):
                emu.tick()   # catch up on what happened while the demo was down
                continue
            fresh = True
            now = self.clock.now()
            count = max(1, int(self.orders_per_store * p.orders_scale))
            for store in p.stores:
                p.seed(emu, store, count, now - timedelta(days=self.days), now - timedelta(minutes=5))
        for code, carrier in self.carriers.items():
            carrier.restore(self.state_file(code))
        self.save()
        return fresh

    def save(self) -> None:
        for code, emu in {**self.emulators, **self.carriers}.items():
            emu.save(self.state_file(code))

    def transports(self) -> dict[str, httpx.BaseTransport]:
        """In-process transports (benchmarks): no sockets, same wire."""
        return {code: emu.transport() for code, emu in {**self.emulators, **self.carriers}.items()}

    def connector_settings(self) -> dict[str, dict[str, Any]]:
        return {p.code: p.settings(f"http://127.0.0.1:{self.base_port + p.port_offset}") for p in self.platforms}

    def serve(self) -> None:
        """Serve each emulator on 127.0.0.1:<base_port + offset> from background threads."""
        served = [(p.code, p.port_offset, self.emulators[p.code].app) for p in self.platforms]
        served += [(c.code, c.port_offset, self.carriers[c.code].app) for c in CARRIERS]
        for code, offset, asgi in served:
            port = self.base_port + offset
            server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port,
                                                   log_level="warning", access_log=False))
            thread = threading.Thread(target=server.run, name=f"{code}-emulator", daemon=True)
            thread.start()
            deadline = time.monotonic() + 15
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    server.should_exit = True
                    for started in self._servers:   # none left listening behind a failed start
                        started.should_exit = True
                    raise RuntimeError(f"the {code} emulator could not listen on 127.0.0.1:{port} (port in use?)")
                time.sleep(0.05)
            self._servers.append(server)

    def connect(self, app: App) -> list[int]:
        """Add the demo stores (idempotent) and authorize those without working tokens."""
        return [sid for p in self.platforms for sid in p.connect(app, self.emulators[p.code])]

    def push_to(self, api_base: str) -> list[str]:
        """Have every emulator that pushes deliver its pushes to our API, as the real platforms would."""
        subscribed = []
        for code, emu in self.emulators.items():
            if hasattr(emu, "subscribe_pushes"):
                emu.subscribe_pushes(f"{api_base.rstrip('/')}/api/webhooks/{code}")
                subscribed.append(code)
        return subscribed

    def keep_alive(self, tick_seconds: float = 20.0) -> None:
        """New orders and status changes every few seconds, saved so a restart resumes the same world."""
        def loop() -> None:
            while not self._stop.wait(tick_seconds):
                for code, emu in self.emulators.items():
                    try:
                        created, updated = emu.tick()
                        log.info("demo.tick", platform=code, created=created, updated=updated)
                    except Exception:
                        log.exception("demo.tick_failed", platform=code)
                self.save()
        threading.Thread(target=loop, name="demo-world", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.save()
        for server in self._servers:
            server.should_exit = True


def sync_all(app: App, store_ids: list[int], on_run: Callable[[int, Any], None] | None = None) -> list[Any]:
    from crossdock.services.order_sync import PullOrders

    runs = []
    for store_id in store_ids:
        run = app.sync.pull(PullOrders(store_id, trigger="demo"))
        runs.append(run)
        if on_run:
            on_run(store_id, run)
    return runs
