"""Currency conversion at ECB reference rates, for comparisons (shipping rule value bands), never for booking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from currency_converter import CurrencyConverter  # type: ignore[import-untyped]

from crossdock.domain.money import Money


@lru_cache(maxsize=1)
def _converter() -> CurrencyConverter:
    # The rates ship with the package (no network): the newest day it has stands in for later days.
    return CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)


def convert(money: Money, currency: str, on: date | None = None) -> Money:
    if money.currency == currency:
        return money
    rate = Decimal(str(_converter().convert(1, money.currency, currency, date=on)))
    return Money(money.amount * rate, currency)
