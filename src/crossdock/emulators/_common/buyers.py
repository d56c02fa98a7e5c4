"""Buyers' phone numbers and contact flaws for the emulators' generated orders.

Real order streams carry valid numbers of the buyer's country, each platform writing (or masking) them its own way,
and a few contacts a seller has to fix by hand: digits missing from a phone, a postcode typed one digit short.
Everything is drawn from a seeded generator, so a seed keeps giving the same buyers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

# Share of new buyers whose contact carries a flaw a seller must fix (2 to 3 in 100 orders).
FLAW_SHARE = 0.025

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class Flaw(StrEnum):
    NONE = "none"
    NO_PHONE = "no phone"
    SHORT_PHONE = "short phone"
    SHORT_POSTCODE = "short postcode"
    LONG_POSTCODE = "long postcode"


POSTCODE_FLAWS = frozenset({Flaw.SHORT_POSTCODE, Flaw.LONG_POSTCODE})


@dataclass(frozen=True)
class Phone:
    """A buyer's mobile number, written the ways marketplaces write it."""

    number: PhoneNumber

    @property
    def country_code(self) -> str:
        return str(self.number.country_code)

    @property
    def national_number(self) -> str:
        """The national significant number: "91234567" (SG), "123456789" (MY)."""
        return phonenumbers.national_significant_number(self.number)

    def e164(self) -> str:
        """ "+6591234567" """
        return phonenumbers.format_number(self.number, PhoneNumberFormat.E164)

    def digits(self) -> str:
        """Country code and number without "+": "6591234567"."""
        return self.country_code + self.national_number

    def national(self) -> str:
        """The number as dialled at home, digits only, trunk prefix included: "91234567" (SG), "0123456789" (MY)."""
        written = phonenumbers.format_number(self.number, PhoneNumberFormat.NATIONAL)
        return "".join(c for c in written if c.isdigit())

    def bracketed(self) -> str:
        """ "(+60)123456789" """
        return f"(+{self.country_code}){self.national_number}"


def contact_rng(rng: random.Random, draws: int) -> random.Random:
    """A generator of its own for one new buyer's contact details, seeded by `draws` values of `rng`.

    The emulators used to draw a buyer's phone number digit by digit from their world's generator; taking exactly as
    many values from it keeps everything else a seed generates (orders, statuses, prices) as it was."""
    return random.Random(repr([rng.random() for _ in range(draws)]))


def mobile_phone(rng: random.Random, region: str) -> Phone:
    """A valid mobile number of `region` (ISO 3166-1 alpha-2), shaped like libphonenumber's example mobile number
    of that region with random digits after its leading one (two, three ... when too few such numbers are valid)."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"no mobile numbers are known for region {region!r}")
    pattern = phonenumbers.national_significant_number(example)
    for keep in range(1, len(pattern)):
        for _ in range(12):
            digits = pattern[:keep] + "".join(rng.choices("0123456789", k=len(pattern) - keep))
            number = PhoneNumber(country_code=example.country_code, national_number=int(digits))
            if (phonenumbers.is_valid_number_for_region(number, region)
                    and phonenumbers.number_type(number) in _MOBILE_TYPES):
                return Phone(number)
    return Phone(example)


def mask(text: str, head: int, tail: int, stars: int | None = None) -> str:
    """`text` with all but its first `head` and last `tail` characters hidden behind `stars` asterisks (as many as
    it hides when None)."""
    if len(text) <= head + tail:
        return text
    hidden = len(text) - head - tail if stars is None else stars
    return text[:head] + "*" * hidden + (text[-tail:] if tail else "")


def draw_flaw(rng: random.Random, kinds: Sequence[Flaw], share: float = FLAW_SHARE) -> Flaw:
    """Flaw.NONE for most buyers; for `share` of them one of `kinds` (none when `kinds` is empty)."""
    if rng.random() >= share or not kinds:
        return Flaw.NONE
    return rng.choice(list(kinds))


def shorten_phone(phone: str) -> str:
    """A phone that lost its last four digits (a buyer who stopped typing), kept in the same writing."""
    cut = 0
    for index in range(len(phone) - 1, -1, -1):
        if phone[index].isdigit():
            cut += 1
            if cut == 4:
                return phone[:index]
    return phone[:1]


def misfit_postcode(postcode: str, flaw: Flaw) -> str:
    """The postcode as a buyer mistyped it: one character short, or one digit too many."""
    if flaw is Flaw.SHORT_POSTCODE:
        return postcode[:-1]
    if flaw is Flaw.LONG_POSTCODE:
        return postcode + postcode[-1:] if postcode[-1:].isdigit() else postcode + "0"
    return postcode


def with_flaw(flaw: Flaw, phone: str, postcode: str) -> tuple[str, str]:
    """(phone, postcode) as a buyer with `flaw` left them."""
    if flaw is Flaw.NO_PHONE:
        return "", postcode
    if flaw is Flaw.SHORT_PHONE:
        return shorten_phone(phone), postcode
    return phone, misfit_postcode(postcode, flaw)


__all__ = [
    "FLAW_SHARE",
    "POSTCODE_FLAWS",
    "Flaw",
    "Phone",
    "contact_rng",
    "draw_flaw",
    "mask",
    "misfit_postcode",
    "mobile_phone",
    "shorten_phone",
    "with_flaw",
]
