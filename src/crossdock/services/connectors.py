"""Builds a store's connector from the registry, the seller's app settings and the store's tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from crossdock.connectors._kit.ratelimit import BucketPool
from crossdock.connectors._kit.registry import ConnectorContext, Registry
from crossdock.domain.stores.model import Store
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import (
    AccountLink,
    Authorizer,
    CallStats,
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
    TokenStore,
)


class NotConfigured(RuntimeError):
    """The seller has not entered this platform's app credentials."""


class Connectors:
    def __init__(self, registry: Registry, settings: Mapping[str, Mapping[str, Any]], *, clock: Clock,
                 sleep: Any, transports: Mapping[str, httpx.BaseTransport] | None = None) -> None:
        self.registry = registry
        self._raw = settings
        self._clock = clock
        self._sleep = sleep
        self._transports = dict(transports or {})
        self._parsed: dict[str, BaseModel] = {}
        self._buckets: dict[str, BucketPool] = {}

    def settings(self, platform: str) -> BaseModel:
        if platform not in self._parsed:
            spec = self.registry.get(platform)
            raw = self._raw.get(platform)
            if raw is None:
                raise NotConfigured(f"{spec.name} is not configured: set [connectors.{platform}] in the config file "
                                    f"or CROSSDOCK_CONNECTORS__{platform.upper()}__* variables")
            try:
                self._parsed[platform] = spec.settings.model_validate(raw)
            except ValidationError as exc:
                raise NotConfigured(f"{spec.name} settings are invalid: {exc}") from exc
        return self._parsed[platform]

    def _context(self, platform: str) -> ConnectorContext:
        pool = self._buckets.setdefault(platform, BucketPool(self._clock, self._sleep))
        return ConnectorContext(clock=self._clock, sleep=self._sleep, transport=self._transports.get(platform),
                                buckets=pool)

    def order_source(self, store: Store, tokens: TokenStore, stats: CallStats) -> OrderSource:
        spec = self.registry.get(store.platform)
        return spec.orders(self.settings(store.platform), self._link(store, tokens, stats),
                           self._context(store.platform))

    def _link(self, store: Store, tokens: TokenStore, stats: CallStats) -> StoreLink:
        return StoreLink(store_id=store.id, external_id=store.external_id, region=store.region, tokens=tokens,
                         stats=stats, account_id=store.account_id)

    def listing_source(self, store: Store, tokens: TokenStore, stats: CallStats) -> ListingSource:
        spec = self.registry.get(store.platform)
        if spec.listings is None:
            raise NotConfigured(f"{spec.name} has no listings connector")
        return spec.listings(self.settings(store.platform), self._link(store, tokens, stats),
                             self._context(store.platform))

    def stock_sink(self, store: Store, tokens: TokenStore, stats: CallStats) -> StockSink:
        spec = self.registry.get(store.platform)
        if spec.stock is None:
            raise NotConfigured(f"{spec.name} has no stock connector")
        return spec.stock(self.settings(store.platform), self._link(store, tokens, stats),
                          self._context(store.platform))

    def shipment_sink(self, store: Store, tokens: TokenStore, stats: CallStats) -> ShipmentSink:
        spec = self.registry.get(store.platform)
        if spec.shipments is None:
            raise NotConfigured(f"{spec.name} has no shipment connector")
        return spec.shipments(self.settings(store.platform), self._link(store, tokens, stats),
                              self._context(store.platform))

    def logistics(self, store: Store, tokens: TokenStore, stats: CallStats) -> PlatformLogistics:
        spec = self.registry.get(store.platform)
        if spec.logistics is None:
            raise NotConfigured(f"{spec.name} offers no logistics of its own through its API")
        return spec.logistics(self.settings(store.platform), self._link(store, tokens, stats),
                              self._context(store.platform))

    def return_source(self, store: Store, tokens: TokenStore, stats: CallStats) -> ReturnSource:
        spec = self.registry.get(store.platform)
        if spec.returns is None:
            raise NotConfigured(f"{spec.name} has no returns connector")
        return spec.returns(self.settings(store.platform), self._link(store, tokens, stats),
                            self._context(store.platform))

    def canceller(self, store: Store, tokens: TokenStore, stats: CallStats) -> OrderCanceller:
        spec = self.registry.get(store.platform)
        if spec.cancels is None:
            raise NotConfigured(f"{spec.name} takes no cancellations from sellers through its API")
        return spec.cancels(self.settings(store.platform), self._link(store, tokens, stats),
                            self._context(store.platform))

    def directory(self, platform: str, link: AccountLink) -> StoreDirectory:
        spec = self.registry.get(platform)
        if spec.directory is None:
            raise NotConfigured(f"{spec.name} has no store directory")
        return spec.directory(self.settings(platform), link, self._context(platform))

    def pushes(self, platform: str) -> PushParser | None:
        spec = self.registry.get(platform)
        return spec.pushes(self.settings(platform)) if spec.pushes else None

    def authorizer(self, platform: str) -> Authorizer:
        spec = self.registry.get(platform)
        return spec.authorizer(self.settings(platform), self._context(platform))
