"""Money: a Decimal amount with its ISO 4217 currency; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from crossdock.domain.errors import InvalidMoney

# ISO 4217 minor units where they differ from 2. IDR is 2 in ISO but marketplaces and banks
# price it in whole rupiah; we keep ISO here and let amounts carry whatever the platform sent.
_MINOR_UNITS: dict[str, int] = {
    "BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0,
    "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0,
    "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def check_currency(code: str) -> str:
    if len(code) != 3 or not code.isascii() or not code.isalpha() or not code.isupper():
        raise InvalidMoney(f"not an ISO 4217 currency code: {code!r}")
    return code


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise InvalidMoney(f"money amount must be Decimal, got {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise InvalidMoney(f"money amount must be finite, got {self.amount}")
        check_currency(self.currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from a platform's textual or integral amount; floats are refused on purpose."""
        if isinstance(amount, float):
            raise InvalidMoney("refusing a float amount: convert from the wire text instead")
        try:
            return cls(Decimal(amount), currency)
        except InvalidOperation as exc:
            raise InvalidMoney(f"not a number: {amount!r}") from exc

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidMoney(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise InvalidMoney("refusing a float factor")
        return Money(self.amount * factor, self.currency)

    def rounded(self) -> Money:
        """Rounded to the currency's minor unit (banker's rounding, as ledgers do)."""
        exp = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exp, rounding=ROUND_HALF_EVEN), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
