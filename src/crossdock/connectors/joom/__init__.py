"""Joom for Merchants API connector: v2 OAuth for the merchant account, v3 orders, stores, listings and stock."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.ratelimit import BucketPool, TokenBucket
from crossdock.connectors._kit.registry import ConnectorContext, ConnectorSpec
from crossdock.connectors.joom.adapter import (
    PAGE_SIZE,
    JoomAuthorizer,
    JoomDirectory,
    JoomListings,
    JoomOrders,
    JoomStock,
)
from crossdock.connectors.joom.cancel import JoomCanceller
from crossdock.connectors.joom.client import JoomClient
from crossdock.connectors.joom.fulfilment import JoomLogistics, JoomShipments
from crossdock.connectors.joom.returns import JoomReturns
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
    # Every other endpoint (products among them) allows 2000 a minute per merchant, metered apart.
    other_requests_per_minute: float = Field(default=2000.0, gt=0)
    other_burst: int = Field(default=100, ge=1)


def _client(settings: JoomSettings, ctx: ConnectorContext, stats: CallStats, tokens: TokenStore | None,
            account_id: int = 0, *, orders: bool = True) -> JoomClient:
    # Joom meters per merchant and endpoint group (orders/multi apart from the rest): the stores of one
    # merchant draw from one bucket per group.
    rate, burst = ((settings.requests_per_minute, settings.burst) if orders
                   else (settings.other_requests_per_minute, settings.other_burst))
    key = ("merchant", account_id) if orders else ("merchant", account_id, "other")
    limiter = BucketPool.shared(ctx.buckets, key, rate / 60, burst, ctx.clock, ctx.sleep) if account_id else \
        TokenBucket(rate / 60, burst, ctx.clock, ctx.sleep)
    api = HttpApi(settings.base_url, stats=stats, sleep=ctx.sleep, transport=ctx.transport, limiter=limiter)
    return JoomClient(api, client_id=settings.client_id, client_secret=settings.client_secret, clock=ctx.clock,
                      tokens=tokens, redirect_uri=settings.redirect_uri)


def _orders(settings: JoomSettings, link: StoreLink, ctx: ConnectorContext) -> JoomOrders:
    # link.tokens is the merchant account's pair, shared by all its stores (tokens_per="account").
    return JoomOrders(_client(settings, ctx, link.stats, link.tokens, link.account_id), link.external_id,
                      settings.page_size)


def _listings(settings: JoomSettings, link: StoreLink, ctx: ConnectorContext) -> JoomListings:
    client = _client(settings, ctx, link.stats, link.tokens, link.account_id, orders=False)
    return JoomListings(client, link.external_id)


def _stock(settings: JoomSettings, link: StoreLink, ctx: ConnectorContext) -> JoomStock:
    return JoomStock(_client(settings, ctx, link.stats, link.tokens, link.account_id, orders=False))


def _shipments(settings: JoomSettings, link: StoreLink, ctx: ConnectorContext) -> JoomShipments:
    return JoomShipments(_client(settings, ctx, link.stats, link.tokens, link.account_id, orders=False))


def _logistics(settings: JoomSettings, link: StoreLink, ctx: ConnectorContext) -> JoomLogistics:
    return JoomLogistics(_client(settings, ctx, link.stats, link.tokens, link.account_id, orders=False))


def _returns(settings: JoomSettings, link: StoreLink, ctx: ConnectorContext) -> JoomReturns:
    # Read through orders/multi, so metered with the order pulls.
    return JoomReturns(_client(settings, ctx, link.stats, link.tokens, link.account_id), link.external_id,
                       settings.page_size)


def _cancels(settings: JoomSettings, link: StoreLink, ctx: ConnectorContext) -> JoomCanceller:
    return JoomCanceller(_client(settings, ctx, link.stats, link.tokens, link.account_id, orders=False))


def _directory(settings: JoomSettings, link: AccountLink, ctx: ConnectorContext) -> JoomDirectory:
    return JoomDirectory(_client(settings, ctx, link.stats, link.tokens))


def _authorizer(settings: JoomSettings, ctx: ConnectorContext) -> JoomAuthorizer:
    return JoomAuthorizer(_client(settings, ctx, CallStats(), None))


CONNECTOR = ConnectorSpec(
    code="joom",
    name="Joom",
    capabilities=frozenset({Capability.ORDERS, Capability.LISTINGS, Capability.STOCK, Capability.SHIPMENTS,
                            Capability.LOGISTICS, Capability.RETURNS, Capability.CANCEL}),
    settings=JoomSettings,
    orders=_orders,
    authorizer=_authorizer,
    tokens_per="account",
    directory=_directory,
    listings=_listings,
    stock=_stock,
    shipments=_shipments,
    logistics=_logistics,
    returns=_returns,
    cancels=_cancels,
)
