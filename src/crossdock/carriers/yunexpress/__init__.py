"""YunExpress (云途物流): China to Europe cross-border lines through the YunExpress OMS API."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from crossdock.carriers._common import throttled_api
from crossdock.carriers._registry import CarrierContext, CarrierSpec
from crossdock.carriers.yunexpress.adapter import YunExpressCarrier
from crossdock.carriers.yunexpress.client import YunExpressClient
from crossdock.ports.carrier import CarrierProduct

EU = frozenset({"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
                "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"})

# The lines a seller's YunExpress contract opens are listed by Common/GetShippingMethods; these are the EU lines
# this adapter is set up for. Any other ShippingMethodCode is passed through as the request's service.
PRODUCTS = (
    CarrierProduct("EUDDP", "YunExpress Europe Direct Line (DDP, duties paid)", EU),
    CarrierProduct("THPHR", "YunExpress Global Direct Line, tracked (battery goods allowed)",
                   EU | {"GB", "CH", "NO"}),
)


class YunExpressSettings(BaseModel):
    """The seller's YunExpress account: customer code and API secret from YunExpress' sales office."""

    # Production per the OMS document (plain http there); UAT: http://omsapi.uat.yunexpress.com
    base_url: str = "http://oms.api.yunexpress.com"
    customer_code: str = Field(min_length=1)
    api_secret: SecretStr
    ioss_code: str = ""               # the registration code YunExpress gave for the seller's IOSS number, if any
    # The OMS document gives no figure; stay gentle and let a 429 / Code 10000 slow us further.
    requests_per_second: float = Field(default=5.0, gt=0)
    burst: int = Field(default=5, ge=1)
    retry_after_seconds: float = Field(default=2.0, gt=0)   # when YunExpress throttles without saying how long


def _factory(settings: YunExpressSettings, ctx: CarrierContext) -> YunExpressCarrier:
    api = throttled_api(settings.base_url, ctx, per_second=settings.requests_per_second, burst=settings.burst)
    client = YunExpressClient(api, customer_code=settings.customer_code, api_secret=settings.api_secret,
                              default_retry_after=settings.retry_after_seconds)
    return YunExpressCarrier(client, products=PRODUCTS, ioss_code=settings.ioss_code)


CARRIER = CarrierSpec(
    code="yunexpress",
    name="YunExpress",
    settings=YunExpressSettings,
    factory=_factory,
    products=PRODUCTS,
    tracking_url="https://www.yuntrack.com/parcelTracking?id={tracking_number}",
)
