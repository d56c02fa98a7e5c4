"""TikTok Shop Partner API (202309) connector: one seller authorization covers all the seller's shops."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.ratelimit import TokenBucket
from crossdock.connectors._kit.registry import ConnectorContext, ConnectorSpec
from crossdock.connectors.tiktok.adapter import (
    TikTokAuthorizer,
    TikTokDirectory,
    TikTokListings,
    TikTokOrders,
    TikTokStock,
)
from crossdock.connectors.tiktok.cancel import TikTokCanceller
from crossdock.connectors.tiktok.client import TikTokClient
from crossdock.connectors.tiktok.fulfilment import TikTokLogistics, TikTokShipments
from crossdock.connectors.tiktok.returns import TikTokReturns
from crossdock.connectors.tiktok.webhooks import TikTokPushes
from crossdock.ports.marketplace import AccountLink, CallStats, Capability, StoreLink, TokenStore


class TikTokSettings(BaseModel):
    """The seller's TikTok Shop app (Partner Center -> App & Service -> app details)."""

    base_url: str = "https://open-api.tiktokglobalshop.com"
    auth_base_url: str = "https://auth.tiktok-shops.com"
    app_key: str
    app_secret: SecretStr
    # TikTok allows 50 QPS per API per (app, shop); one client stays well under it across all APIs.
    requests_per_second: float = 20.0
    burst: int = 20


def _client(settings: TikTokSettings, ctx: ConnectorContext, stats: CallStats,
            tokens: TokenStore | None) -> TikTokClient:
    api = HttpApi(
        settings.base_url, stats=stats, sleep=ctx.sleep, transport=ctx.transport,
        limiter=TokenBucket(settings.requests_per_second, settings.burst, ctx.clock, ctx.sleep),
    )
    return TikTokClient(api, app_key=settings.app_key, app_secret=settings.app_secret,
                        auth_base_url=settings.auth_base_url, clock=ctx.clock, tokens=tokens)


def _orders(settings: TikTokSettings, link: StoreLink, ctx: ConnectorContext) -> TikTokOrders:
    return TikTokOrders(_client(settings, ctx, link.stats, link.tokens), link.external_id)


def _listings(settings: TikTokSettings, link: StoreLink, ctx: ConnectorContext) -> TikTokListings:
    return TikTokListings(_client(settings, ctx, link.stats, link.tokens), link.external_id)


def _stock(settings: TikTokSettings, link: StoreLink, ctx: ConnectorContext) -> TikTokStock:
    return TikTokStock(_client(settings, ctx, link.stats, link.tokens), link.external_id)


def _shipments(settings: TikTokSettings, link: StoreLink, ctx: ConnectorContext) -> TikTokShipments:
    return TikTokShipments(_client(settings, ctx, link.stats, link.tokens), link.external_id)


def _logistics(settings: TikTokSettings, link: StoreLink, ctx: ConnectorContext) -> TikTokLogistics:
    return TikTokLogistics(_client(settings, ctx, link.stats, link.tokens), link.external_id)


def _returns(settings: TikTokSettings, link: StoreLink, ctx: ConnectorContext) -> TikTokReturns:
    return TikTokReturns(_client(settings, ctx, link.stats, link.tokens), link.external_id)


def _cancels(settings: TikTokSettings, link: StoreLink, ctx: ConnectorContext) -> TikTokCanceller:
    return TikTokCanceller(_client(settings, ctx, link.stats, link.tokens), link.external_id)


def _authorizer(settings: TikTokSettings, ctx: ConnectorContext) -> TikTokAuthorizer:
    return TikTokAuthorizer(_client(settings, ctx, CallStats(), None))


def _directory(settings: TikTokSettings, link: AccountLink, ctx: ConnectorContext) -> TikTokDirectory:
    return TikTokDirectory(_client(settings, ctx, link.stats, link.tokens))


def _pushes(settings: TikTokSettings) -> TikTokPushes:
    return TikTokPushes(settings.app_key, settings.app_secret)


CONNECTOR = ConnectorSpec(
    code="tiktok",
    name="TikTok Shop",
    capabilities=frozenset({Capability.ORDERS, Capability.LISTINGS, Capability.STOCK, Capability.SHIPMENTS,
                            Capability.LOGISTICS, Capability.RETURNS, Capability.CANCEL}),
    settings=TikTokSettings,
    orders=_orders,
    authorizer=_authorizer,
    tokens_per="account",
    directory=_directory,
    pushes=_pushes,
    listings=_listings,
    stock=_stock,
    shipments=_shipments,
    logistics=_logistics,
    returns=_returns,
    cancels=_cancels,
)
