"""Which connectors exist: found in crossdock.connectors.* and in the `crossdock.connectors` entry points."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import httpx
from pydantic import BaseModel

from crossdock.connectors._kit.ratelimit import BucketPool
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import (
    AccountLink,
    Authorizer,
    Capability,
    ListingSource,
    OrderCanceller,
    OrderSource,
    PlatformLogistics,
    PushParser,
    ReturnSource,
    ShipmentSink,
    StockSink,
    StoreDirectory,
    StoreLink,
    UnknownPlatform,
)


@dataclass(frozen=True, slots=True)
class ConnectorContext:
    """The outside world a connector is given: time, waiting, and (in tests/demo) a transport."""

    clock: Clock
    sleep: Callable[[float], None]
    transport: httpx.BaseTransport | None = None
    buckets: BucketPool | None = None   # rate-limit buckets shared across this platform's clients


@dataclass(frozen=True)
class ConnectorSpec:
    """What a connector declares; the framework does the rest.

    tokens_per: "store" when each store is authorized on its own (Shopee, Lazada), "account" when one
    authorization covers every store of an account (Joom merchants, Amazon sellers across marketplaces,
    TikTok Shop sellers): then StoreLink.tokens is the account's, shared by its stores, and `directory`
    lists the stores.
    """

    code: str
    name: str
    capabilities: frozenset[Capability]
    settings: type[BaseModel]
    orders: Callable[[Any, StoreLink, ConnectorContext], OrderSource]
    authorizer: Callable[[Any, ConnectorContext], Authorizer]
    tokens_per: str = "store"
    directory: Callable[[Any, AccountLink, ConnectorContext], StoreDirectory] | None = None
    pushes: Callable[[Any], PushParser] | None = None
    listings: Callable[[Any, StoreLink, ConnectorContext], ListingSource] | None = None
    stock: Callable[[Any, StoreLink, ConnectorContext], StockSink] | None = None
    shipments: Callable[[Any, StoreLink, ConnectorContext], ShipmentSink] | None = None
    logistics: Callable[[Any, StoreLink, ConnectorContext], PlatformLogistics] | None = None
    returns: Callable[[Any, StoreLink, ConnectorContext], ReturnSource] | None = None
    cancels: Callable[[Any, StoreLink, ConnectorContext], OrderCanceller] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Registry:
    def __init__(self, specs: dict[str, ConnectorSpec]) -> None:
        self._specs = specs

    @classmethod
    def discover(cls) -> Registry:
        import crossdock.connectors as root

        specs: dict[str, ConnectorSpec] = {}
        for info in pkgutil.iter_modules(root.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{root.__name__}.{info.name}")
            spec = getattr(module, "CONNECTOR", None)
            if isinstance(spec, ConnectorSpec):
                specs[spec.code] = spec
        for ep in entry_points(group="crossdock.connectors"):
            spec = ep.load()
            if isinstance(spec, ConnectorSpec):
                specs[spec.code] = spec
        return cls(specs)

    def get(self, code: str) -> ConnectorSpec:
        try:
            return self._specs[code]
        except KeyError:
            raise UnknownPlatform(f"no connector for platform {code!r}; known: {sorted(self._specs)}") from None

    def codes(self) -> list[str]:
        return sorted(self._specs)
