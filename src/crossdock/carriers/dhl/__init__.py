"""DHL Paket (Germany): labels through Parcel DE Shipping v2, tracking through Shipment Tracking - Unified."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, StringConstraints

from crossdock.carriers._common import throttled_api
from crossdock.carriers._registry import CarrierContext, CarrierSpec
from crossdock.carriers.dhl.adapter import DhlCarrier
from crossdock.carriers.dhl.client import DhlClient
from crossdock.carriers.dhl.countries import ALPHA3
from crossdock.carriers.dhl.mapping import DEFAULT_PROFILE
from crossdock.ports.carrier import CarrierProduct

_ABROAD = frozenset(ALPHA3) - {"DE"}

# Parcel DE Shipping v2, schema Product. V01PAK and V62KP are domestic; Packstation and post office delivery
# (Locker / PostOffice consignees) is German only. V62KP (DHL Kleinpaket) replaced Warenpost V62WP, whose code
# DHL retires on 31 May 2026.
PRODUCTS = (
    CarrierProduct("V01PAK", "DHL Paket", frozenset({"DE"}), pickup_points=True),
    CarrierProduct("V62KP", "DHL Kleinpaket (formerly Warenpost V62WP)", frozenset({"DE"}), pickup_points=True),
    CarrierProduct("V53WPAK", "DHL Paket International", _ABROAD),
    CarrierProduct("V66WPI", "Warenpost International", _ABROAD),
)


class DhlSettings(BaseModel):
    """The seller's DHL business customer account (GKP user) and developer-portal app."""

    base_url: str = "https://api-eu.dhl.com/parcel/de/shipping/v2"   # sandbox: https://api-sandbox.dhl.com/...
    tracking_base_url: str = "https://api-eu.dhl.com/track"
    api_key: SecretStr                                  # the app's key, header dhl-api-key
    username: str                                       # business customer portal (GKP) user, HTTP Basic
    password: SecretStr
    tracking_api_key: SecretStr | None = None           # when the tracking app has its own key
    ekp: str = Field(pattern=r"^\d{10}$")               # customer number: the first 10 digits of billing numbers
    # Participation (Teilnahme, last two characters of the billing number) per product; "01" is the usual one.
    participation: dict[str, Annotated[str, StringConstraints(pattern=r"^\w{2}$")]] = Field(default_factory=dict)
    default_participation: str = Field(default="01", pattern=r"^\w{2}$")
    profile: str = DEFAULT_PROFILE                      # user group profile
    print_format: str = "910-300-400"                   # 103 x 150 mm thermal label
    must_encode: bool = False                           # refuse German addresses DHL cannot route
    tracking_service: str = "parcel-de"                 # hint to the Unified API which DHL service to ask
    tracking_language: str = "en"
    # Parcel DE Shipping publishes no figure, only 429: stay gentle.
    requests_per_second: float = Field(default=5.0, gt=0)
    burst: int = Field(default=5, ge=1)
    # Shipment Tracking - Unified, initial service level: 1 call a second, 250 a day (reset 00:00 GMT).
    tracking_requests_per_second: float = Field(default=1.0, gt=0)
    tracking_burst: int = Field(default=1, ge=1)
    tracking_calls_per_day: int = Field(default=250, ge=1)   # for whoever schedules tracking polls
    # A 429 asking to wait longer than this (the day's quota) is handed back to the caller instead of slept on.
    max_throttle_wait: float = Field(default=60.0, gt=0)


def _factory(settings: DhlSettings, ctx: CarrierContext) -> DhlCarrier:
    shipping = throttled_api(settings.base_url, ctx, per_second=settings.requests_per_second, burst=settings.burst)
    tracking = throttled_api(settings.tracking_base_url, ctx, per_second=settings.tracking_requests_per_second,
                             burst=settings.tracking_burst)
    client = DhlClient(shipping, tracking, api_key=settings.api_key, username=settings.username,
                       password=settings.password, tracking_api_key=settings.tracking_api_key or settings.api_key,
                       max_throttle_wait=settings.max_throttle_wait)
    return DhlCarrier(client, products=PRODUCTS, ekp=settings.ekp, participation=settings.participation,
                      default_participation=settings.default_participation, profile=settings.profile,
                      print_format=settings.print_format, must_encode=settings.must_encode,
                      tracking_service=settings.tracking_service, tracking_language=settings.tracking_language)


CARRIER = CarrierSpec(
    code="dhl",
    name="DHL Paket (Germany)",
    settings=DhlSettings,
    factory=_factory,
    products=PRODUCTS,
    tracking_url="https://www.dhl.com/de-en/home/tracking/tracking-parcel.html?submit=1&tracking-id={tracking_number}",
)
