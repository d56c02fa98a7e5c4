from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.vat import (
    EU_STANDARD_RATES,
    InvoiceLineInput,
    NotAnEuCountry,
    invoice_lines,
    is_eu,
    round_half_up,
    split_gross,
    totals,
    vat_rate,
)
from crossdock.domain.money import Money, minor_units


def test_the_27_member_states_and_their_2026_rates() -> None:
    assert len(EU_STANDARD_RATES) == 27
    expected = {"DE": "19", "FR": "20", "IT": "22", "ES": "21", "NL": "21", "PL": "23", "IE": "23", "HU": "27",
                "LU": "17", "RO": "21", "EE": "24", "SK": "23", "FI": "25.5", "GR": "24"}
    for country, rate in expected.items():
        assert vat_rate(country) == Decimal(rate), country
    assert all(isinstance(r, Decimal) for r in EU_STANDARD_RATES.values())


def test_country_codes_are_normalised_and_greece_answers_to_el() -> None:
    assert vat_rate(" de ") == Decimal("19")
    assert vat_rate("EL") == vat_rate("GR")
    assert is_eu("el") and is_eu("AT")


@pytest.mark.parametrize("country", ["GB", "CH", "NO", "US", "CN", "", "DEU"])
def test_non_eu_countries_have_no_rate(country: str) -> None:
    assert not is_eu(country)
    with pytest.raises(NotAnEuCountry, match="not an EU member state"):
        vat_rate(country)


def test_not_an_eu_country_is_both_a_domain_error_and_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        vat_rate("GB")
    with pytest.raises(DomainError):
        vat_rate("GB")


def test_round_half_up_goes_away_from_zero_at_the_half() -> None:
    assert round_half_up(Money.of("2.665", "EUR")).amount == Decimal("2.67")      # half-even would give 2.66
    assert round_half_up(Money.of("-2.665", "EUR")).amount == Decimal("-2.67")
    assert round_half_up(Money.of("1234.5", "HUF")).amount == Decimal("1234.50")
    assert round_half_up(Money.of("1234.5", "JPY")).amount == Decimal("1235")


def test_split_of_a_german_price() -> None:
    amounts = split_gross(Money.of("119.00", "EUR"), Decimal("19"))
    assert amounts.net == Money.of("100.00", "EUR")
    assert amounts.vat == Money.of("19.00", "EUR")
    # 9.99 x 19/119 = 1.59504... -> 1.60, net 8.39
    small = split_gross(Money.of("9.99", "EUR"), Decimal("19"))
    assert (small.net.amount, small.vat.amount) == (Decimal("8.39"), Decimal("1.60"))


def test_vat_rounds_half_up_not_half_even() -> None:
    # At 20 % the VAT is gross / 6: 0.03 -> 0.005 and 0.15 -> 0.025, exact ties that half-even would round down.
    tie_low = split_gross(Money.of("0.03", "EUR"), Decimal("20"))
    assert (tie_low.vat.amount, tie_low.net.amount) == (Decimal("0.01"), Decimal("0.02"))
    tie_high = split_gross(Money.of("0.15", "EUR"), Decimal("20"))
    assert (tie_high.vat.amount, tie_high.net.amount) == (Decimal("0.03"), Decimal("0.12"))
    # A gross finer than the minor unit is rounded half-up first.
    fine = split_gross(Money.of("10.5", "JPY"), Decimal("5"))
    assert fine.gross.amount == Decimal("11") and fine.vat.amount == Decimal("1")


def test_invoice_lines_multiply_then_split_and_keep_order() -> None:
    lines = [
        InvoiceLineInput("Phone case", 3, Money.of("12.99", "EUR")),
        InvoiceLineInput("Cable", 1, Money.of("4.95", "EUR")),
    ]
    out = invoice_lines(lines, vat_rate("FI"))
    assert [a.gross.amount for a in out] == [Decimal("38.97"), Decimal("4.95")]
    # 38.97 x 25.5 / 125.5 = 7.918... -> 7.92 ; 4.95 x 25.5/125.5 = 1.0057... -> 1.01
    assert [a.vat.amount for a in out] == [Decimal("7.92"), Decimal("1.01")]
    assert [a.net.amount for a in out] == [Decimal("31.05"), Decimal("3.94")]
    assert all(a.rate == Decimal("25.5") for a in out)


def test_totals_group_by_rate_and_add_up_exactly() -> None:
    standard = invoice_lines([InvoiceLineInput("Lamp", 2, Money.of("24.99", "EUR"))], Decimal("21"))
    reduced = invoice_lines([InvoiceLineInput("Book", 1, Money.of("15.00", "EUR"))], Decimal("4"))
    result = totals(standard + reduced)
    assert [r.rate for r in result.per_rate] == [Decimal("4"), Decimal("21")]
    assert result.gross == Money.of("64.98", "EUR")
    assert result.vat == result.per_rate[0].vat + result.per_rate[1].vat
    assert result.net + result.vat == result.gross
    for r in result.per_rate:
        assert r.net + r.vat == r.gross


def test_totals_refuse_mixed_currencies_and_need_a_currency_when_empty() -> None:
    eur = split_gross(Money.of("10", "EUR"), Decimal("20"))
    pln = split_gross(Money.of("10", "PLN"), Decimal("23"))
    with pytest.raises(DomainError, match="mixes currencies"):
        totals([eur, pln])
    with pytest.raises(DomainError):
        totals([])
    empty = totals([], currency="EUR")
    assert empty.gross == Money.zero("EUR") and empty.per_rate == ()


@pytest.mark.parametrize("rate", [Decimal("-1"), Decimal("100"), Decimal("NaN")])
def test_bad_rates_are_refused(rate: Decimal) -> None:
    with pytest.raises(DomainError, match="VAT rate"):
        split_gross(Money.of("10", "EUR"), rate)


def test_float_rate_is_refused() -> None:
    with pytest.raises(DomainError):
        invoice_lines([], 0.19)  # type: ignore[arg-type]


@pytest.mark.parametrize("quantity", [0, -1, True, 1.5])
def test_bad_quantities_are_refused(quantity: object) -> None:
    with pytest.raises(DomainError, match="quantity"):
        InvoiceLineInput("x", quantity, Money.of("1", "EUR"))  # type: ignore[arg-type]


currencies = st.sampled_from(["EUR", "PLN", "HUF", "SEK", "JPY", "KWD"])
rates = st.sampled_from([*sorted(set(EU_STANDARD_RATES.values())), Decimal("0"), Decimal("5.5"), Decimal("4.8")])


@given(
    currency=currencies,
    rate=rates,
    raw_lines=st.lists(
        st.tuples(st.integers(min_value=1, max_value=50), st.integers(min_value=0, max_value=10_000_000)),
        min_size=1, max_size=8,
    ),
)
def test_property_net_plus_vat_is_gross_and_vat_matches_rate(
    currency: str, rate: Decimal, raw_lines: list[tuple[int, int]]
) -> None:
    step = Decimal(1).scaleb(-minor_units(currency))
    lines = [InvoiceLineInput(f"item {i}", qty, Money(minor * step, currency))
             for i, (qty, minor) in enumerate(raw_lines)]
    amounts = invoice_lines(lines, rate)
    for line, a in zip(lines, amounts, strict=True):
        assert a.net + a.vat == a.gross
        assert a.gross == line.unit_gross * line.quantity
        assert a.vat.amount.as_tuple().exponent == -minor_units(currency)
        # VAT is the rounded share of the gross, so it is within half a minor unit of net x rate,
        # widened by the rate because the net itself absorbed the VAT's rounding.
        tolerance = step / 2 * (1 + rate / 100)
        assert abs(a.vat.amount - a.net.amount * rate / 100) <= tolerance
    result = totals(amounts)
    assert result.net + result.vat == result.gross
    assert result.gross == sum((a.gross for a in amounts), Money.zero(currency))
    assert result.vat == sum((a.vat for a in amounts), Money.zero(currency))
