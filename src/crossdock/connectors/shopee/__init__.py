"""Shopee Open Platform v2 connector."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.ratelimit import TokenBucket
from crossdock.connectors._kit.registry import ConnectorContext, ConnectorSpec
from crossdock.connectors.shopee.adapter import ShopeeAuthorizer, ShopeeOrders
from crossdock.connectors.shopee.client import ShopeeClient
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
    api = HttpApi(
        settings.base_url, stats=stats, sleep=ctx.sleep, transport=ctx.transport,
        limiter=TokenBucket(settings.requests_per_second, settings.burst, ctx.clock, ctx.sleep),
    )
    return ShopeeClient(
        api, partner_id=settings.partner_id, partner_key=settings.partner_key, clock=ctx.clock,
        shop_id=int(link.external_id) if link else None, tokens=link.tokens if link else None,
    )


def _orders(settings: ShopeeSettings, link: StoreLink, ctx: ConnectorContext) -> ShopeeOrders:
    return ShopeeOrders(_client(settings, ctx, link.stats, link))


def _authorizer(settings: ShopeeSettings, ctx: ConnectorContext) -> ShopeeAuthorizer:
    return ShopeeAuthorizer(_client(settings, ctx, CallStats(), None))


def _pushes(settings: ShopeeSettings) -> ShopeePushes:
    return ShopeePushes(settings.partner_key)


CONNECTOR = ConnectorSpec(
    code="shopee",
    name="Shopee",
    capabilities=frozenset({Capability.ORDERS}),
    settings=ShopeeSettings,
    orders=_orders,
    authorizer=_authorizer,
    pushes=_pushes,
)
