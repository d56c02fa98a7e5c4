"""Amazon Selling Partner API connector: one seller authorization covers all of the seller's marketplaces."""

from __future__ import annotations

from pydantic import BaseModel, PositiveInt, SecretStr

from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.registry import ConnectorContext, ConnectorSpec
from crossdock.connectors.amazon.adapter import (
    AmazonAuthorizer,
    AmazonDirectory,
    AmazonListings,
    AmazonOrders,
    AmazonStock,
    split_store_id,
)
from crossdock.connectors.amazon.buy_shipping import AmazonLogistics
from crossdock.connectors.amazon.buy_shipping_mapping import ShipFrom
from crossdock.connectors.amazon.cancel import AmazonCanceller
from crossdock.connectors.amazon.client import USAGE_PLANS, AmazonClient
from crossdock.connectors.amazon.fulfilment import AmazonShipments
from crossdock.connectors.amazon.returns import AmazonReturns
from crossdock.connectors.amazon.webhooks import AmazonPushes
from crossdock.ports.marketplace import AccountLink, CallStats, Capability, StoreLink, TokenStore


class AmazonSettings(BaseModel):
    """The seller's (or solution provider's) SP-API application: Developer Central -> LWA credentials."""

    # The SP-API endpoint of the seller's region: -eu for every European marketplace.
    base_url: str = "https://sellingpartnerapi-eu.amazon.com"
    lwa_url: str = "https://api.amazon.com/auth/o2/token"
    client_id: str
    client_secret: SecretStr
    # amzn1.sp.solution... ; when set, only notifications published for this application are accepted.
    application_id: str = ""
    # Sent with the code exchange when the app registered one (the consent redirect's target).
    redirect_uri: str = ""
    # Where parcels leave from: every Buy Shipping call names it (Merchant Fulfillment's ShipFromAddress).
    ship_from: ShipFrom | None = None
    # The seller's standard carton (length, width, height in mm) for parcels weighed but not measured: Buy Shipping
    # prices by size as well as weight.
    default_box_mm: tuple[PositiveInt, PositiveInt, PositiveInt] | None = None


def _client(settings: AmazonSettings, ctx: ConnectorContext, stats: CallStats, tokens: TokenStore | None,
            *, renew_first: bool = False, seller_id: str = "") -> AmazonClient:
    # No HttpApi limiter: each operation has its own usage plan, and the client waits on that bucket.
    api = HttpApi(settings.base_url, stats=stats, sleep=ctx.sleep, transport=ctx.transport)
    buckets = None
    if ctx.buckets is not None and seller_id:
        buckets = {op: ctx.buckets.get((seller_id, op), rate, burst) for op, (rate, burst) in USAGE_PLANS.items()}
    return AmazonClient(api, client_id=settings.client_id, client_secret=settings.client_secret,
                        lwa_url=settings.lwa_url, clock=ctx.clock, sleep=ctx.sleep, tokens=tokens,
                        redirect_uri=settings.redirect_uri, renew_first=renew_first, buckets=buckets)


def _orders(settings: AmazonSettings, link: StoreLink, ctx: ConnectorContext) -> AmazonOrders:
    seller_id, marketplace_id = split_store_id(link.external_id)
    client = _client(settings, ctx, link.stats, link.tokens, renew_first=True, seller_id=seller_id)
    return AmazonOrders(client, marketplace_id, ctx.clock)


def _listings(settings: AmazonSettings, link: StoreLink, ctx: ConnectorContext) -> AmazonListings:
    seller_id, marketplace_id = split_store_id(link.external_id)
    # No fresh token first (unlike a pull): a valid stored token serves, and an expired one is renewed anyway.
    return AmazonListings(_client(settings, ctx, link.stats, link.tokens, seller_id=seller_id), seller_id,
                          marketplace_id)


def _stock(settings: AmazonSettings, link: StoreLink, ctx: ConnectorContext) -> AmazonStock:
    seller_id, marketplace_id = split_store_id(link.external_id)
    return AmazonStock(_client(settings, ctx, link.stats, link.tokens, seller_id=seller_id), seller_id,
                       marketplace_id, ctx.sleep)


def _shipments(settings: AmazonSettings, link: StoreLink, ctx: ConnectorContext) -> AmazonShipments:
    seller_id, marketplace_id = split_store_id(link.external_id)
    return AmazonShipments(_client(settings, ctx, link.stats, link.tokens, seller_id=seller_id), marketplace_id)


def _returns(settings: AmazonSettings, link: StoreLink, ctx: ConnectorContext) -> AmazonReturns:
    seller_id, marketplace_id = split_store_id(link.external_id)
    return AmazonReturns(_client(settings, ctx, link.stats, link.tokens, seller_id=seller_id), marketplace_id,
                         ctx.clock, ctx.sleep)


def _logistics(settings: AmazonSettings, link: StoreLink, ctx: ConnectorContext) -> AmazonLogistics:
    seller_id, _ = split_store_id(link.external_id)
    return AmazonLogistics(_client(settings, ctx, link.stats, link.tokens, seller_id=seller_id), settings.ship_from,
                           settings.default_box_mm)


def _canceller(settings: AmazonSettings, link: StoreLink, ctx: ConnectorContext) -> AmazonCanceller:
    seller_id, marketplace_id = split_store_id(link.external_id)
    return AmazonCanceller(_client(settings, ctx, link.stats, link.tokens, seller_id=seller_id), seller_id,
                           marketplace_id, ctx.sleep)


def _authorizer(settings: AmazonSettings, ctx: ConnectorContext) -> AmazonAuthorizer:
    return AmazonAuthorizer(_client(settings, ctx, CallStats(), None))


def _directory(settings: AmazonSettings, link: AccountLink, ctx: ConnectorContext) -> AmazonDirectory:
    return AmazonDirectory(_client(settings, ctx, link.stats, link.tokens), link.external_id)


def _pushes(settings: AmazonSettings) -> AmazonPushes:
    return AmazonPushes(settings.application_id)


CONNECTOR = ConnectorSpec(
    code="amazon",
    name="Amazon",
    capabilities=frozenset({Capability.ORDERS, Capability.LISTINGS, Capability.STOCK, Capability.SHIPMENTS,
                            Capability.LOGISTICS, Capability.RETURNS, Capability.CANCEL}),
    settings=AmazonSettings,
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
    cancels=_canceller,
)
