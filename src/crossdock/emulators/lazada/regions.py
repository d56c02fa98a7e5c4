"""The six Lazada ventures the emulator serves: API host, site name, currency, market data, carriers, payments."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Buyer names, places, phone formats, price steps and exchange rates are facts about each market, not about
# a platform: the Shopee emulator's tables are reused rather than copied.
from crossdock.emulators.shopee.regions import REGIONS as MARKETS
from crossdock.emulators.shopee.regions import Region as Market

# "Central: for all countries (SG/MY/TH/VN/ID/PH)": the authorization service has one host.
AUTH_HOST = "auth.lazada.com"


@dataclass(frozen=True)
class Venture:
    code: str                          # SG, MY, TH, PH, VN, ID: our region code
    host: str                          # the venture's API host (GetOrders "endpointParams")
    site: str                          # the push body's "site"
    country_name: str                  # address_shipping.country is written out in full
    web_host: str                      # product_detail_url host
    image_host: str                    # product_main_image host
    market: Market
    shipment_providers: tuple[str, ...]
    # payment_method values per country ("Payment method options" guide); COD is not offered in SG.
    payment_methods: tuple[str, ...]
    cod_share: float

    @property
    def currency(self) -> str:
        return self.market.currency


def _v(code: str, host: str, country: str, web: str, image: str, providers: tuple[str, ...],
       payments: tuple[str, ...], cod_share: float) -> Venture:
    return Venture(code, host, f"lazada_{code.lower()}", country, web, image, MARKETS[code], providers, payments,
                   cod_share)


VENTURES: dict[str, Venture] = {
    "SG": _v("SG", "api.lazada.sg", "Singapore", "www.lazada.sg", "sg-live.slatic.net",
             ("LGS-SG1", "Ninja Van", "LEX SG"),
             ("MIXEDCARD", "PAYMENT_ACCOUNT", "PAYPAL", "WALLET_DBSPAYLAH", "VIRTUAL_ACCOUNT_PAYNOW"), 0.0),
    "MY": _v("MY", "api.lazada.com.my", "Malaysia", "www.lazada.com.my", "my-live.slatic.net",
             ("LEX MY", "J&T Express", "Ninja Van", "Pos Laju"),
             ("MIXEDCARD", "MOLPAY_MAYBANK_ONLINE", "MOLPAY_CIMB_BANK_ONLINE", "PAYMENT_ACCOUNT", "GN_TNG_EBANK",
              "AC_WALLET_BOOST"), 0.25),
    "TH": _v("TH", "api.lazada.co.th", "Thailand", "www.lazada.co.th", "th-live.slatic.net",
             ("LEX TH", "Kerry Express", "Flash Express", "J&T Express"),
             ("MIXEDCARD", "KASIKORN_BANK_ONLINE", "SIAM_COMMERCIAL_BANK_ONLINE", "PAYMENT_ACCOUNT", "TMN_EXPRESS",
              "SEVENELEVEN_OTC"), 0.4),
    "PH": _v("PH", "api.lazada.com.ph", "Philippines", "www.lazada.com.ph", "ph-live.slatic.net",
             ("LEX PH", "J&T Express", "Flash Express", "XDE Logistics"),
             ("MIXEDCARD", "GCASH_PP", "PAYMENT_ACCOUNT", "PAY_LATER", "PAYPAL"), 0.5),
    "VN": _v("VN", "api.lazada.vn", "Vietnam", "www.lazada.vn", "vn-live.slatic.net",
             ("LEX VN", "Giao Hàng Nhanh", "Viettel Post", "J&T Express"),
             ("MIXEDCARD", "MOMO_WALLET", "ZALOPAY_WALLET", "NAPAS_ONLINE", "PAYMENT_ACCOUNT"), 0.6),
    "ID": _v("ID", "api.lazada.co.id", "Indonesia", "www.lazada.co.id", "id-live.slatic.net",
             ("LEX ID", "J&T Express", "SiCepat", "JNE"),
             ("MIXEDCARD", "BCA_VA", "BNI_VA", "DANA_EBANK", "WALLET_OVO", "INDOMARET_OTC", "PAY_LATER"), 0.4),
}
HOSTS: dict[str, str] = {venture.host: code for code, venture in VENTURES.items()}

# Shipping fee a buyer pays per order, in USD before conversion (assumption: typical of each market).
SHIPPING_FEE_USD: tuple[Decimal, Decimal] = (Decimal("0.6"), Decimal("3"))
