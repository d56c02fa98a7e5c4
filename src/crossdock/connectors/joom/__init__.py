"""Joom for Merchants API connector: v2 OAuth for the merchant account, v3 orders and stores."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.ratelimit import BucketPool, TokenBucket
from crossdock.connectors._kit.registry import ConnectorContext, ConnectorSpec
from crossdock.connectors.joom.adapter import PAGE_SIZE, JoomAuthorizer, JoomDirectory, JoomOrders
from crossdock.connectors.joom.client import JoomClient
from crossdock.ports.marketplace import AccountLink, CallStats, Capability, StoreLink, TokenStore


class JoomSettings(BaseModel):
    """The seller's Joom app (merchant.joom.com: client id and secret of the API app)."""

    base_url: str = "https://api-merchant.joom.com"
    client_id: str
    client_secret: SecretStr
    redirect_uri: str = ""          # sent with the code when the app registered one
    # orders/multi pages hold up to 500 orders; a smaller page only costs more calls.
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=PAGE_SIZE)
    # orders/multi allows 50 requests a minute per merchant; the bucket keeps us under it.
    requests_per_minute: float = Field(default=50.0, gt=0)
    burst: int = Field(default=10, ge=1)


def _client(settings: JoomSettings, ctx: ConnectorContext, stats: CallStats, tokens: TokenStore | None,
            account_id: int = 0) -> JoomClient:
    # Joom meters per merchant: the stores of one merchant draw from one bucket.
    limiter = BucketPool.shared(ctx.buckets, ("merchant", account_id), settings.requests_per_minute / 60,
                                settings.burst, ctx.clock, ctx.sleep) if account_id else \
        TokenBucket(settings.requests_per_minute / 60, settings.burst, ctx.clock, ctx.sleep)
    api = HttpApi(settings.base_url, stats=stats, sleep=ctx.sleep, transport=ctx.transport, limiter=limiter)
    return JoomClient(api, client_id=settings.client_id, client_secret=settings.client_secret, clock=ctx.clock,
                      tokens=tokens, redirect_uri=settings.redirect_uri)


def _orders(settings: JoomSettings, link: StoreLink, ctx: ConnectorContext) -> JoomOrders:
    # link.tokens is the merchant account's pair, shared by all its stores (tokens_per="account").
    return JoomOrders(_client(settings, ctx, link.stats, link.tokens, link.account_id), link.external_id,
                      settings.page_size)


def _directory(settings: JoomSettings, link: AccountLink, ctx: ConnectorContext) -> JoomDirectory:
    return JoomDirectory(_client(settings, ctx, link.stats, link.tokens))


def _authorizer(settings: JoomSettings, ctx: ConnectorContext) -> JoomAuthorizer:
    return JoomAuthorizer(_client(settings, ctx, CallStats(), None))


CONNECTOR = ConnectorSpec(
    code="joom",
    name="Joom",
    capabilities=frozenset({Capability.ORDERS}),
    settings=JoomSettings,
    orders=_orders,
    authorizer=_authorizer,
    tokens_per="account",
    directory=_directory,
)
