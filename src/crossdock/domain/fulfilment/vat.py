"""EU VAT: standard rates per member state and the split of VAT-inclusive prices into net and VAT."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money, minor_units

# Standard rates in percent, in force on 1 January 2026 and still in 2026 as far as announced.
# Source: European Commission, Taxes in Europe Database (TEDB), standard-rate history as transcribed in
# vatnode/eu-vat-rates-data (data/eu-vat-rates-history.json, version 2026-09), cross-checked with the
# eurofiscalis "EU VAT rates 2026" table (updated 2026-02-02). Recent changes: FI 24 -> 25.5 on
# 2024-09-01, SK 20 -> 23 on 2025-01-01, EE 22 -> 24 on 2025-07-01, RO 19 -> 21 on 2025-08-01.
# Rates change by national law: check this table every January and July.
EU_STANDARD_RATES: dict[str, Decimal] = {
    "AT": Decimal("20"),
    "BE": Decimal("21"),
    "BG": Decimal("20"),
    "CY": Decimal("19"),
    "CZ": Decimal("21"),
    "DE": Decimal("19"),
    "DK": Decimal("25"),
    "EE": Decimal("24"),
    "ES": Decimal("21"),
    "FI": Decimal("25.5"),
    "FR": Decimal("20"),
    "GR": Decimal("24"),
    "HR": Decimal("25"),
    "HU": Decimal("27"),
    "IE": Decimal("23"),
    "IT": Decimal("22"),
    "LT": Decimal("21"),
    "LU": Decimal("17"),
    "LV": Decimal("21"),
    "MT": Decimal("18"),
    "NL": Decimal("21"),
    "PL": Decimal("23"),
    "PT": Decimal("23"),
    "RO": Decimal("21"),
    "SE": Decimal("25"),
    "SI": Decimal("22"),
    "SK": Decimal("23"),
}

# VAT numbers and the VIES service write Greece as "EL"; addresses use the ISO code "GR".
_ALIASES = {"EL": "GR"}
_HUNDRED = Decimal(100)


class NotAnEuCountry(DomainError, LookupError):
    """The country is not an EU member state, so it has no EU VAT rate (GB left in 2020)."""


def _country(country: str) -> str:
    code = country.strip().upper()
    return _ALIASES.get(code, code)


def is_eu(country: str) -> bool:
    """True for the 27 member states by ISO 3166-1 alpha-2 code (case-insensitive; "EL" counts as Greece)."""
    return _country(country) in EU_STANDARD_RATES


def vat_rate(country: str) -> Decimal:
    """The standard VAT rate in percent (Decimal("19") for DE). Raises NotAnEuCountry outside the EU.

    Raising, not returning None: a missing rate on an invoice is a bug to stop on, never a silent 0 %.
    """
    code = _country(country)
    try:
        return EU_STANDARD_RATES[code]
    except KeyError:
        raise NotAnEuCountry(f"{country!r} is not an EU member state: no EU VAT rate applies") from None


def round_half_up(money: Money) -> Money:
    """Rounded to the currency's minor unit, halves away from zero, as tax authorities round VAT."""
    exp = Decimal(1).scaleb(-minor_units(money.currency))
    return Money(money.amount.quantize(exp, rounding=ROUND_HALF_UP), money.currency)


def check_rate(rate: Decimal) -> Decimal:
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise DomainError(f"VAT rate must be a finite Decimal percentage, got {rate!r}")
    if rate < 0 or rate >= _HUNDRED:
        raise DomainError(f"VAT rate must be a percentage in [0, 100), got {rate}")
    return rate


@dataclass(frozen=True, slots=True)
class InvoiceLineInput:
    """One invoice line as the marketplace priced it: the unit price includes VAT."""

    description: str
    quantity: int
    unit_gross: Money

    def __post_init__(self) -> None:
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or self.quantity <= 0:
            raise DomainError(f"invoice line {self.description!r}: quantity must be a positive integer, "
                              f"got {self.quantity!r}")


@dataclass(frozen=True, slots=True)
class InvoiceLineAmounts:
    """A line's amounts in the currency's minor unit; net + vat == gross exactly. `rate` is in percent."""

    net: Money
    vat: Money
    gross: Money
    rate: Decimal


@dataclass(frozen=True, slots=True)
class RateTotal:
    rate: Decimal
    net: Money
    vat: Money
    gross: Money


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    """Totals per VAT rate (ascending) and overall; every net + vat == gross exactly."""

    per_rate: tuple[RateTotal, ...]
    net: Money
    vat: Money
    gross: Money


def split_gross(gross: Money, rate: Decimal) -> InvoiceLineAmounts:
    """Split a VAT-inclusive amount: VAT = gross x rate / (100 + rate) rounded half-up, net = the rest.

    Rounding the VAT and deriving the net keeps net + VAT == gross to the cent, which is what the buyer paid.
    """
    check_rate(rate)
    gross = round_half_up(gross)
    vat = round_half_up(Money(gross.amount * rate / (_HUNDRED + rate), gross.currency))
    return InvoiceLineAmounts(net=gross - vat, vat=vat, gross=gross, rate=rate)


def invoice_lines(lines: Sequence[InvoiceLineInput], rate: Decimal) -> list[InvoiceLineAmounts]:
    """Amounts of each line, in input order, all at `rate` percent.

    The line gross is unit_gross x quantity rounded half-up to the minor unit; VAT is rounded per line
    (so the printed lines add up to the printed totals).
    """
    check_rate(rate)
    return [split_gross(line.unit_gross * line.quantity, rate) for line in lines]


def totals(lines: Iterable[InvoiceLineAmounts], currency: str | None = None) -> InvoiceTotals:
    """Sum the (already rounded) lines per rate and overall. `currency` is needed only for an empty invoice."""
    items = list(lines)
    if not items:
        if currency is None:
            raise DomainError("an invoice without lines needs its currency to total")
        zero = Money.zero(currency)
        return InvoiceTotals(per_rate=(), net=zero, vat=zero, gross=zero)
    cur = currency or items[0].gross.currency
    by_rate: dict[Decimal, list[InvoiceLineAmounts]] = {}
    for item in items:
        if item.gross.currency != cur:
            raise DomainError(f"invoice mixes currencies: {cur} and {item.gross.currency}")
        by_rate.setdefault(item.rate, []).append(item)
    per_rate = tuple(
        RateTotal(rate=rate, net=_sum(i.net for i in group), vat=_sum(i.vat for i in group),
                  gross=_sum(i.gross for i in group))
        for rate, group in sorted(by_rate.items())
    )
    return InvoiceTotals(
        per_rate=per_rate,
        net=_sum(r.net for r in per_rate),
        vat=_sum(r.vat for r in per_rate),
        gross=_sum(r.gross for r in per_rate),
    )


def _sum(values: Iterable[Money]) -> Money:
    it = iter(values)
    total = next(it)
    for value in it:
        total = total + value
    return total
