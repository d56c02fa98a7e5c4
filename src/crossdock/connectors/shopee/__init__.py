"""Shopee Open Platform v2 connector."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.ratelimit import BucketPool
from crossdock.connectors._kit.registry import ConnectorContext, ConnectorSpec
from crossdock.connectors.shopee.adapter import ShopeeAuthorizer, ShopeeListings, ShopeeOrders, ShopeeStock
from crossdock.connectors.shopee.cancel import ShopeeCanceller
from crossdock.connectors.shopee.client import ShopeeClient
from crossdock.connectors.shopee.fulfilment import ShopeeLogistics, ShopeeReturns, ShopeeShipments
from crossdock.connectors.shopee.webhooks import ShopeePushes
from crossdock.ports.marketplace import CallStats, Capability, StoreLink


class ShopeeSettings(BaseModel):
    """The seller's Shopee partner app (Open Platform console -> App List)."""

    base_url: str = "https://partner.shopeemobile.com"
    partner_id: int
    partner_key: SecretStr
    # Shopee does not publish its limits; stay well under what the platform tolerates per shop.
    requests_per_second: float = 10.0
    burst: int = 20


def _client(settings: ShopeeSettings, ctx: ConnectorContext, stats: CallStats, link: StoreLink | None) -> ShopeeClient:
    # Shopee meters per (partner, shop): the order, listing and stock clients of one shop share its bucket.
    key = ("shop", settings.partner_id, link.external_id) if link else ("partner", settings.partner_id)
    limiter = BucketPool.shared(ctx.buckets, key, settings.requests_per_second, settings.burst, ctx.clock, ctx.sleep)
    api = HttpApi(settings.base_url, stats=stats, sleep=ctx.sleep, transport=ctx.transport, limiter=limiter)
    return ShopeeClient(
        api, partner_id=settings.partner_id, partner_key=settings.partner_key, clock=ctx.clock,
        shop_id=int(link.external_id) if link else None, tokens=link.tokens if link else None,
    )


def _orders(settings: ShopeeSettings, link: StoreLink, ctx: ConnectorContext) -> ShopeeOrders:
    return ShopeeOrders(_client(settings, ctx, link.stats, link))


def _listings(settings: ShopeeSettings, link: StoreLink, ctx: ConnectorContext) -> ShopeeListings:
    return ShopeeListings(_client(settings, ctx, link.stats, link))


def _stock(settings: ShopeeSettings, link: StoreLink, ctx: ConnectorContext) -> ShopeeStock:
    return ShopeeStock(_client(settings, ctx, link.stats, link))


def _shipments(settings: ShopeeSettings, link: StoreLink, ctx: ConnectorContext) -> ShopeeShipments:
    return ShopeeShipments(_client(settings, ctx, link.stats, link))


def _logistics(settings: ShopeeSettings, link: StoreLink, ctx: ConnectorContext) -> ShopeeLogistics:
    return ShopeeLogistics(_client(settings, ctx, link.stats, link), ctx.sleep)


def _returns(settings: ShopeeSettings, link: StoreLink, ctx: ConnectorContext) -> ShopeeReturns:
    return ShopeeReturns(_client(settings, ctx, link.stats, link))


def _cancels(settings: ShopeeSettings, link: StoreLink, ctx: ConnectorContext) -> ShopeeCanceller:
    return ShopeeCanceller(_client(settings, ctx, link.stats, link))


def _authorizer(settings: ShopeeSettings, ctx: ConnectorContext) -> ShopeeAuthorizer:
    return ShopeeAuthorizer(_client(settings, ctx, CallStats(), None))


def _pushes(settings: ShopeeSettings) -> ShopeePushes:
    return ShopeePushes(settings.partner_key)


CONNECTOR = ConnectorSpec(
    code="shopee",
    name="Shopee",
    capabilities=frozenset({Capability.ORDERS, Capability.LISTINGS, Capability.STOCK, Capability.LOGISTICS,
                            Capability.RETURNS, Capability.CANCEL}),
    settings=ShopeeSettings,
    orders=_orders,
    listings=_listings,
    stock=_stock,
    shipments=_shipments,
    logistics=_logistics,
    returns=_returns,
    cancels=_cancels,
    authorizer=_authorizer,
    pushes=_pushes,
)
