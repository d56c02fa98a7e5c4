"""Lazada Open Platform connector: one store = one seller in one venture (SG, MY, TH, PH, VN, ID)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from crossdock.connectors._kit.errors import Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.ratelimit import BucketPool
from crossdock.connectors._kit.registry import ConnectorContext, ConnectorSpec
from crossdock.connectors.lazada.adapter import LazadaAuthorizer, LazadaListings, LazadaOrders, LazadaStock
from crossdock.connectors.lazada.cancel import LazadaCanceller
from crossdock.connectors.lazada.client import LazadaClient
from crossdock.connectors.lazada.fulfilment import LazadaLogistics, LazadaReturns, LazadaShipments
from crossdock.connectors.lazada.mapping import VENTURE_CURRENCY
from crossdock.connectors.lazada.webhooks import LazadaPushes
from crossdock.ports.marketplace import CallStats, Capability, StoreLink

# Each venture has its own API host (the API reference's endpoint list); authorization is central.
VENTURE_URLS: dict[str, str] = {
    "SG": "https://api.lazada.sg/rest",
    "MY": "https://api.lazada.com.my/rest",
    "TH": "https://api.lazada.co.th/rest",
    "PH": "https://api.lazada.com.ph/rest",
    "VN": "https://api.lazada.vn/rest",
    "ID": "https://api.lazada.co.id/rest",
}
AUTH_URL = "https://auth.lazada.com/rest"


class LazadaSettings(BaseModel):
    """The seller's Lazada app (Open Platform console -> App Management): app key and secret, and the hosts."""

    app_key: str
    app_secret: SecretStr
    # venture (store region) -> API base URL; override to reach an emulator or a proxy.
    base_urls: dict[str, str] = Field(default_factory=lambda: dict(VENTURE_URLS))
    auth_url: str = AUTH_URL
    # Lazada caps calls per API (ApiCallLimit, a ban of a second or so, which the client waits out) without
    # publishing the figure; what it does publish is the daily quota of an online app, 10 million calls, about
    # 115 a second. 40 a second for the whole app stays well inside it; a test app (10,000 a day) should set
    # less. Every store of the app shares this bucket.
    requests_per_second: float = 40.0
    burst: int = 80


def _client(settings: LazadaSettings, ctx: ConnectorContext, stats: CallStats, link: StoreLink | None) -> LazadaClient:
    auth_api = HttpApi(settings.auth_url, stats=stats, sleep=ctx.sleep, transport=ctx.transport)
    api = None
    if link is not None:
        venture = link.region.upper()
        base_url = settings.base_urls.get(venture)
        if base_url is None:
            raise Fatal(f"no Lazada API host for region {link.region!r}: set base_urls.{venture} "
                        f"(known: {', '.join(sorted(settings.base_urls))})")
        # Lazada meters per app across every seller: all stores of the app draw from one bucket.
        limiter = BucketPool.shared(ctx.buckets, ("app", settings.app_key), settings.requests_per_second,
                                    settings.burst, ctx.clock, ctx.sleep)
        api = HttpApi(base_url, stats=stats, sleep=ctx.sleep, transport=ctx.transport, limiter=limiter)
    return LazadaClient(auth_api, app_key=settings.app_key, app_secret=settings.app_secret, clock=ctx.clock,
                        api=api, tokens=link.tokens if link else None)


def _orders(settings: LazadaSettings, link: StoreLink, ctx: ConnectorContext) -> LazadaOrders:
    return LazadaOrders(_client(settings, ctx, link.stats, link), link.region.upper())


def _currency(link: StoreLink) -> str:
    currency = VENTURE_CURRENCY.get(link.region.upper())
    if currency is None:
        raise Fatal(f"no Lazada venture {link.region!r} (known: {', '.join(sorted(VENTURE_CURRENCY))})")
    return currency


def _listings(settings: LazadaSettings, link: StoreLink, ctx: ConnectorContext) -> LazadaListings:
    return LazadaListings(_client(settings, ctx, link.stats, link), _currency(link))


def _shipments(settings: LazadaSettings, link: StoreLink, ctx: ConnectorContext) -> LazadaShipments:
    return LazadaShipments(_client(settings, ctx, link.stats, link))


def _logistics(settings: LazadaSettings, link: StoreLink, ctx: ConnectorContext) -> LazadaLogistics:
    return LazadaLogistics(_client(settings, ctx, link.stats, link))


def _returns(settings: LazadaSettings, link: StoreLink, ctx: ConnectorContext) -> LazadaReturns:
    return LazadaReturns(_client(settings, ctx, link.stats, link), _currency(link))


def _stock(settings: LazadaSettings, link: StoreLink, ctx: ConnectorContext) -> LazadaStock:
    return LazadaStock(_client(settings, ctx, link.stats, link))


def _cancels(settings: LazadaSettings, link: StoreLink, ctx: ConnectorContext) -> LazadaCanceller:
    return LazadaCanceller(_client(settings, ctx, link.stats, link))


def _authorizer(settings: LazadaSettings, ctx: ConnectorContext) -> LazadaAuthorizer:
    return LazadaAuthorizer(_client(settings, ctx, CallStats(), None))


def _pushes(settings: LazadaSettings) -> LazadaPushes:
    return LazadaPushes(settings.app_key, settings.app_secret)


CONNECTOR = ConnectorSpec(
    code="lazada",
    name="Lazada",
    capabilities=frozenset({Capability.ORDERS, Capability.LISTINGS, Capability.STOCK, Capability.LOGISTICS,
                            Capability.RETURNS, Capability.CANCEL}),
    settings=LazadaSettings,
    orders=_orders,
    listings=_listings,
    stock=_stock,
    shipments=_shipments,
    logistics=_logistics,
    returns=_returns,
    cancels=_cancels,
    authorizer=_authorizer,
    tokens_per="store",
    pushes=_pushes,
)
