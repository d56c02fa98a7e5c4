"""The composition root: settings, database, connectors and services wired together, nothing at import time."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import httpx
import structlog
from pydantic import SecretStr
from sqlalchemy import Engine

from crossdock.carriers._registry import CarrierRegistry
from crossdock.connectors._kit.registry import Registry
from crossdock.persistence.db import make_engine
from crossdock.persistence.uow import UnitOfWork
from crossdock.ports.clock import Clock, SystemClock
from crossdock.services.cancellation import CancellationService
from crossdock.services.carriers import Carriers
from crossdock.services.connectors import Connectors
from crossdock.services.inventory import InventoryService
from crossdock.services.listings import ListingService
from crossdock.services.messagebus import MessageBus
from crossdock.services.order_sync import OrderSync, SyncPolicy
from crossdock.services.pushes import PushService
from crossdock.services.queries import Queries
from crossdock.services.returns import ReturnsService
from crossdock.services.review import ReviewService
from crossdock.services.secrets import Cipher
from crossdock.services.shipping import ShippingService
from crossdock.services.shipping_documents import ShippingDocuments
from crossdock.services.stock_files import StockFiles
from crossdock.services.stock_push import StockPusher
from crossdock.services.stock_reports import StockReports
from crossdock.services.stores import StoreService
from crossdock.services.tracking import TrackingService
from crossdock.settings import Settings


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock
    bus: MessageBus
    connectors: Connectors
    stores: StoreService
    sync: OrderSync
    queries: Queries
    pushes: PushService
    inventory: InventoryService
    listings: ListingService
    stock_files: StockFiles
    pusher: StockPusher
    reports: StockReports
    carriers: Carriers
    review: ReviewService
    shipping: ShippingService
    documents: ShippingDocuments
    tracking: TrackingService
    returns: ReturnsService
    cancellations: CancellationService

    def uow(self, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, readonly=readonly)

    def close(self) -> None:
        self.pusher.close()
        self.engine.dispose()


def load_secret_key(settings: Settings) -> SecretStr:
    """The configured key, else the one in <home>/secret.key, created (mode 600) on first use."""
    if settings.secret_key is not None:
        return settings.secret_key
    path = settings.secret_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(Cipher.new_key())
    return SecretStr(path.read_text().strip())


class _Stderr:
    """Whatever sys.stderr is when a line is written (a logger must not keep a file that was since closed)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(settings: Settings, level_name: str | None = None) -> None:
    """Structured logs to stderr (stdout stays clean for --json output)."""
    level = logging.getLevelNamesMapping().get((level_name or settings.log_level).upper(), logging.INFO)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if settings.log_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso", utc=True),
                    renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transports: Mapping[str, httpx.BaseTransport] | None = None,
    registry: Registry | None = None,
    engine: Engine | None = None,
    carrier_registry: CarrierRegistry | None = None,
) -> App:
    settings = settings or Settings()
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database_url)
    uow = partial(UnitOfWork, engine)
    connectors = Connectors(registry or Registry.discover(), settings.connectors, clock=clock, sleep=sleep,
                            transports=transports)
    bus = MessageBus()
    cipher = Cipher(load_secret_key(settings))
    stores = StoreService(uow, connectors, cipher, clock)
    policy = SyncPolicy(overlap=timedelta(minutes=settings.sync_overlap_minutes),
                        initial_lookback=timedelta(days=settings.initial_lookback_days))
    sync = OrderSync(uow, connectors, stores, bus, clock, policy)
    inventory = InventoryService(uow, bus, clock)
    pusher = StockPusher(uow, connectors, stores, clock, bus)
    carriers = Carriers(uow, carrier_registry or CarrierRegistry.discover(), cipher, clock, sleep, transports)
    return App(settings=settings, engine=engine, clock=clock, bus=bus, connectors=connectors, stores=stores,
               sync=sync, queries=Queries(uow), pushes=PushService(uow, connectors, sync, clock),
               inventory=inventory, listings=ListingService(uow, connectors, stores, bus, clock),
               stock_files=StockFiles(uow, inventory, clock), pusher=pusher, reports=StockReports(uow, pusher),
               carriers=carriers, review=ReviewService(uow, bus, clock),
               shipping=ShippingService(uow, connectors, stores, carriers, bus, clock),
               documents=ShippingDocuments(uow, clock),
               tracking=TrackingService(uow, connectors, stores, carriers, clock),
               returns=ReturnsService(uow, connectors, stores, inventory, clock),
               cancellations=CancellationService(uow, connectors, stores, clock))
