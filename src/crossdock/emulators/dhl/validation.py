"""What the emulated Parcel DE Shipping v2 refuses in a shipment, as validationMessages
({property, validationMessage, validationState}).

Limits and enums are those of the v2.1.14 OpenAPI description (Shipment, ContactAddress, Locker, PostOffice,
ShipmentDetails, Weight, CustomsDetails, Commodity, Country); the business rules (a German postcode has five
digits, a domestic product only goes to Germany, customs outside the EU customs union, the product's weight
maximum, the billing number's product digits) are DHL's backend checks described in the same document. The wording
is ours, in the style of the messages DHL returns ("The weight is too high").
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

# Schema Country: ISO 3166-1 alpha-3.
_COUNTRY_CODES = """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR BHS BIH BLM BLR BLZ
BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP
CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB
GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN
KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL
MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN
PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SHN SJM SLB SLE SLV
SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN
TZA UGA UKR URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
"""
COUNTRIES = frozenset(_COUNTRY_CODES.split())
EU_CUSTOMS = frozenset({"AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
                        "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
                        "SWE"})

# Schema Product, with where each goes and how heavy it may be (DHL Paket 31.5 kg; Warenpost / Kleinpaket and
# Warenpost International 1 kg).
PRODUCTS: dict[str, tuple[str, int, str]] = {
    "V01PAK": ("DHL PAKET", 31_500, "domestic"),
    "V53WPAK": ("DHL PAKET International", 31_500, "international"),
    "V54EPAK": ("DHL Europaket", 31_500, "europe"),
    "V62WP": ("Warenpost", 1_000, "domestic"),
    "V62KP": ("DHL Kleinpaket", 1_000, "domestic"),
    "V66WPI": ("Warenpost International", 1_000, "international"),
}
LOCKER_PRODUCTS = frozenset({"V01PAK", "V62WP", "V62KP"})
EXPORT_TYPES = frozenset({"OTHER", "PRESENT", "COMMERCIAL_SAMPLE", "DOCUMENT", "RETURN_OF_GOODS", "COMMERCIAL_GOODS"})

_BILLING = re.compile(r"^\w{10}\d{2}\w{2}$")
_POSTAL = re.compile(r"^[0-9A-Za-z]+([ -]?[0-9A-Za-z]+)*$")
_GERMAN_POSTAL = re.compile(r"^\d{5}$")
_POST_NUMBER = re.compile(r"^[0-9]{6,10}$")
# "The shipment date can be the current date or a date up to a few days in the future" (Shipment.shipDate).
_SHIP_DATE_AHEAD = 6


class Problems:
    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []

    def add(self, prop: str, message: str) -> None:
        self.messages.append({"property": prop, "validationMessage": message, "validationState": "Error"})


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    return value.strip() if isinstance(value, str) else ""


def _length(p: Problems, raw: dict[str, Any], key: str, prop: str, low: int, high: int, *, required: bool) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            p.add(prop, f"The field {key} is mandatory and must not be empty.")
        return ""
    if not isinstance(value, str):
        p.add(prop, f"The field {key} must be a text.")
        return ""
    if not low <= len(value) <= high:
        p.add(prop, f"The field {key} must be between {low} and {high} characters long.")
    return value.strip()


def _country(p: Problems, raw: dict[str, Any], prop: str) -> str:
    country = _text(raw, "country")
    if not country:
        p.add(f"{prop}.country", "The country is mandatory.")
    elif country not in COUNTRIES:
        p.add(f"{prop}.country", f"The country code {country} is not a valid ISO 3166-1 alpha-3 code.")
    return country


def _postal(p: Problems, raw: dict[str, Any], prop: str, country: str) -> None:
    postal = _text(raw, "postalCode")
    if country == "DEU":
        if not _GERMAN_POSTAL.match(postal):
            p.add(f"{prop}.postalCode", "The postcode entered is not valid. A German postcode has 5 digits.")
    elif postal and (not 3 <= len(postal) <= 10 or not _POSTAL.match(postal)):
        p.add(f"{prop}.postalCode", "The postcode entered is not valid.")


def _address(p: Problems, raw: Any, prop: str) -> str:
    """A Shipper or ContactAddress; returns its country."""
    if not isinstance(raw, dict):
        p.add(prop, f"The {prop} address is mandatory.")
        return ""
    _length(p, raw, "name1", f"{prop}.name1", 1, 50, required=True)
    if not _text(raw, "addressStreet"):
        p.add(f"{prop}.addressStreet", "The street name is missing. Please enter a street and house number.")
    else:
        _length(p, raw, "addressStreet", f"{prop}.addressStreet", 1, 50, required=True)
    _length(p, raw, "city", f"{prop}.city", 1, 40, required=True)
    country = _country(p, raw, prop)
    _postal(p, raw, prop, country)
    return country


def _locker(p: Problems, raw: dict[str, Any], product: str) -> str:
    prop = "consignee"
    _length(p, raw, "name", f"{prop}.name", 1, 50, required=True)
    locker = raw.get("lockerID")
    if isinstance(locker, bool) or not isinstance(locker, int) or not 100 <= locker <= 999:
        p.add(f"{prop}.lockerID", "The Packstation number must be a number between 100 and 999.")
    if not _POST_NUMBER.match(_text(raw, "postNumber")):
        p.add(f"{prop}.postNumber", "The post number (Postnummer) must consist of 6 to 10 digits.")
    _length(p, raw, "city", f"{prop}.city", 1, 40, required=True)
    country = _text(raw, "country") or "DEU"
    if country != "DEU":
        p.add(f"{prop}.country", "Packstations can only be addressed in Germany.")
    _postal(p, raw, prop, "DEU")
    if product not in LOCKER_PRODUCTS:
        p.add("product", f"Product {product} cannot be delivered to a Packstation.")
    return "DEU"


def _post_office(p: Problems, raw: dict[str, Any], product: str) -> str:
    prop = "consignee"
    _length(p, raw, "name", f"{prop}.name", 1, 50, required=True)
    retail = raw.get("retailID")
    if isinstance(retail, bool) or not isinstance(retail, int) or not 401 <= retail <= 999:
        p.add(f"{prop}.retailID", "The retail outlet number must be a number between 401 and 999.")
    if not _text(raw, "postNumber") and not _text(raw, "email"):
        p.add(prop, "To address a post office, either the post number or the e-mail address is needed.")
    elif _text(raw, "postNumber") and not _POST_NUMBER.match(_text(raw, "postNumber")):
        p.add(f"{prop}.postNumber", "The post number (Postnummer) must consist of 6 to 10 digits.")
    country = _text(raw, "country") or "DEU"
    if country != "DEU":
        p.add(f"{prop}.country", "Post offices can only be addressed in Germany.")
    _postal(p, raw, prop, "DEU")
    if product not in LOCKER_PRODUCTS:
        p.add("product", f"Product {product} cannot be delivered to a post office.")
    return "DEU"


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float | str):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _grams(raw: Any) -> Decimal | None:
    if not isinstance(raw, dict):
        return None
    value = _number(raw.get("value"))
    unit = raw.get("uom")
    if value is None or unit not in ("g", "kg"):
        return None
    return value * 1000 if unit == "kg" else value


def _customs(p: Problems, raw: Any) -> None:
    if not isinstance(raw, dict):
        p.add("customs", "Customs details are mandatory for shipments to countries outside the European Customs "
                         "Union.")
        return
    if raw.get("exportType") not in EXPORT_TYPES:
        p.add("customs.exportType", "The export type is missing or not valid.")
    if raw.get("exportType") == "OTHER" and not _text(raw, "exportDescription"):
        p.add("customs.exportDescription", "An export description is mandatory for the export type OTHER.")
    charges = raw.get("postalCharges")
    currency = charges.get("currency") if isinstance(charges, dict) else None
    if not isinstance(currency, str) or _number(charges.get("value") if isinstance(charges, dict) else None) is None:
        p.add("customs.postalCharges", "The postal charges are mandatory.")
    items = raw.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 99:
        p.add("customs.items", "Between 1 and 99 customs items must be declared.")
        return
    for index, item in enumerate(items):
        prop = f"customs.items[{index}]"
        if not isinstance(item, dict):
            p.add(prop, "The customs item is not valid.")
            continue
        _length(p, item, "itemDescription", f"{prop}.itemDescription", 1, 256, required=True)
        quantity = item.get("packagedQuantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            p.add(f"{prop}.packagedQuantity", "The packaged quantity must be at least 1.")
        value = item.get("itemValue")
        if not isinstance(value, dict) or _number(value.get("value")) is None:
            p.add(f"{prop}.itemValue", "The item value is mandatory.")
        elif currency and value.get("currency") != currency:
            p.add(f"{prop}.itemValue.currency", "The currency of the goods items and of the postal charges must "
                                                "match.")
        if _grams(item.get("itemWeight")) is None:
            p.add(f"{prop}.itemWeight", "The item weight is mandatory.")
        hs_code = item.get("hsCode")
        if hs_code is not None and (not isinstance(hs_code, str) or not 6 <= len(hs_code) <= 11):
            p.add(f"{prop}.hsCode", "The HS code must be between 6 and 11 characters long.")
        origin = item.get("countryOfOrigin")
        if origin is not None and origin not in COUNTRIES:
            p.add(f"{prop}.countryOfOrigin", f"The country code {origin} is not a valid ISO 3166-1 alpha-3 code.")


def ship_date(raw: dict[str, Any]) -> date | None:
    """Shipment.shipDate (yyyy-mm-dd) when given and readable."""
    value = raw.get("shipDate")
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def check_shipment(raw: Any, *, ekp: str, today: date) -> list[dict[str, str]]:
    """Every problem of one element of `shipments`; [] when DHL would create it. `today` is German today."""
    p = Problems()
    if not isinstance(raw, dict):
        p.add("shipments", "The shipment is not a JSON object.")
        return p.messages
    if "shipDate" in raw:
        day = ship_date(raw)
        if day is None:
            p.add("shipDate", "The shipping date must be given as yyyy-mm-dd.")
        elif day < today:
            p.add("shipDate", "The shipping date must not be in the past.")
        elif day > today + timedelta(days=_SHIP_DATE_AHEAD):
            p.add("shipDate", f"The shipping date may be at most {_SHIP_DATE_AHEAD} days in the future.")
    product = _text(raw, "product")
    if product not in PRODUCTS:
        p.add("product", f"The product {product or '(none)'} is not valid.")
    billing = _text(raw, "billingNumber")
    if not _BILLING.match(billing):
        p.add("billingNumber", "The billing number must have 14 characters: EKP, procedure and participation.")
    elif product in PRODUCTS and billing[10:12] != product[1:3]:
        p.add("billingNumber", f"The billing number {billing} is not valid for product {product}.")
    elif billing[:10] != ekp:
        p.add("billingNumber", f"The billing number {billing} is not assigned to this user.")
    ref = raw.get("refNo")
    if ref is not None and (not isinstance(ref, str) or not 8 <= len(ref) <= 35):
        p.add("refNo", "The reference number must be between 8 and 35 characters long.")

    shipper = raw.get("shipper")
    if not (isinstance(shipper, dict) and _text(shipper, "shipperRef")):
        _address(p, shipper, "shipper")

    consignee = raw.get("consignee")
    if isinstance(consignee, dict) and "lockerID" in consignee:
        country = _locker(p, consignee, product)
    elif isinstance(consignee, dict) and "retailID" in consignee:
        country = _post_office(p, consignee, product)
    else:
        country = _address(p, consignee, "consignee")

    if product in PRODUCTS and country:
        _, max_grams, reach = PRODUCTS[product]
        if reach == "domestic" and country != "DEU":
            p.add("product", f"Product {product} is only available for shipments within Germany.")
        elif reach != "domestic" and country == "DEU":
            p.add("product", f"Product {product} is not available for shipments within Germany.")
        elif reach == "europe" and country not in EU_CUSTOMS:
            p.add("product", f"Product {product} is only available for destinations in the EU.")
        details = raw.get("details")
        grams = _grams(details.get("weight")) if isinstance(details, dict) else None
        if grams is None:
            p.add("details.weight", "The weight is mandatory (uom g or kg, and a value).")
        elif grams <= 0:
            p.add("details.weight", "The weight must be greater than 0.")
        elif grams > max_grams:
            p.add("details.weight", f"The weight is too high: {grams.normalize():f} g exceeds the maximum of "
                                    f"{max_grams} g for product {product}.")
        dim = details.get("dim") if isinstance(details, dict) else None
        if dim is not None and (not isinstance(dim, dict) or dim.get("uom") not in ("mm", "cm")
                                or any(not isinstance(dim.get(k), int) for k in ("length", "width", "height"))):
            p.add("details.dim", "If dimensions are given, uom, length, width and height are all mandatory.")
        if reach != "domestic" and country not in EU_CUSTOMS:
            _customs(p, raw.get("customs"))
    return p.messages
