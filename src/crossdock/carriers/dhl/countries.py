"""Country codes as DHL Parcel DE wants them: ISO 3166-1 alpha-3 (our addresses carry alpha-2).

A table of the countries DHL Paket and DHL Paket International serve from Germany, rather than a new
dependency; a country missing here is refused before the call, naming the code.
"""

from __future__ import annotations

# The EU customs union: parcels leaving it need a customs declaration (Parcel DE Shipping v2, CustomsDetails:
# "mandatory depending on whether the parcel will go to a country outside the European Customs Union").
EU_CUSTOMS = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})

ALPHA3: dict[str, str] = {
    # EU
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "HR": "HRV", "CY": "CYP", "CZ": "CZE", "DK": "DNK", "EE": "EST",
    "FI": "FIN", "FR": "FRA", "DE": "DEU", "GR": "GRC", "HU": "HUN", "IE": "IRL", "IT": "ITA", "LV": "LVA",
    "LT": "LTU", "LU": "LUX", "MT": "MLT", "NL": "NLD", "PL": "POL", "PT": "PRT", "RO": "ROU", "SK": "SVK",
    "SI": "SVN", "ES": "ESP", "SE": "SWE",
    # rest of Europe
    "GB": "GBR", "CH": "CHE", "NO": "NOR", "IS": "ISL", "LI": "LIE", "MC": "MCO", "SM": "SMR", "VA": "VAT",
    "AD": "AND", "AL": "ALB", "BA": "BIH", "ME": "MNE", "MK": "MKD", "RS": "SRB", "MD": "MDA", "UA": "UKR",
    "TR": "TUR", "GE": "GEO", "AM": "ARM", "GI": "GIB", "FO": "FRO", "GG": "GGY", "JE": "JEY", "IM": "IMN",
    # beyond Europe, where cross-border sellers' buyers and suppliers are
    "US": "USA", "CA": "CAN", "MX": "MEX", "BR": "BRA", "AU": "AUS", "NZ": "NZL", "CN": "CHN", "HK": "HKG",
    "TW": "TWN", "JP": "JPN", "KR": "KOR", "SG": "SGP", "MY": "MYS", "TH": "THA", "VN": "VNM", "PH": "PHL",
    "ID": "IDN", "IN": "IND", "IL": "ISR", "AE": "ARE", "SA": "SAU", "ZA": "ZAF", "EG": "EGY", "MA": "MAR",
}

_ALPHA2 = {three: two for two, three in ALPHA3.items()}


class UnknownCountry(ValueError):
    """A country this table does not serve."""


def alpha3(code: str) -> str:
    """DEU for DE; UnknownCountry for a code the table does not hold."""
    try:
        return ALPHA3[code.strip().upper()]
    except KeyError:
        raise UnknownCountry(f"DHL Parcel DE: no alpha-3 code known for country {code!r}") from None


def alpha2(code: str) -> str:
    """DE for DEU; "" when unknown (tracking answers may name countries we never ship to)."""
    return _ALPHA2.get(code.strip().upper(), "")


def needs_customs(destination_alpha2: str) -> bool:
    return destination_alpha2.strip().upper() not in EU_CUSTOMS
