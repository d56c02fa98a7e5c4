"""Shipping rules: which carrier account and service a parcel goes with, and why a rule did not apply."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money

Convert = Callable[[Money, str], Money]


@dataclass(frozen=True, slots=True)
class ShippingRule:
    """A rule applies when every condition it sets holds; an empty set or a None bound sets none.

    Bounds are inclusive: a rule "up to 2000 g" takes a 2000 g parcel, and so does one "from 2000 g";
    priority (lower first) decides between overlapping rules.
    """

    id: int
    name: str
    priority: int
    carrier_account_id: int
    service: str
    countries: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()
    store_ids: frozenset[int] = frozenset()
    warehouse_ids: frozenset[int] = frozenset()
    temperatures: frozenset[str] = frozenset()
    min_weight_grams: int | None = None
    max_weight_grams: int | None = None
    min_value: Money | None = None
    max_value: Money | None = None

    def __post_init__(self) -> None:
        # Rules are typed by people in the console: "de", " DE" and "DE" all mean Germany.
        object.__setattr__(self, "countries", frozenset(c.strip().upper() for c in self.countries))
        object.__setattr__(self, "platforms", frozenset(p.strip().lower() for p in self.platforms))
        object.__setattr__(self, "temperatures", frozenset(t.strip().lower() for t in self.temperatures))
        for bound in (self.min_weight_grams, self.max_weight_grams):
            if bound is not None and bound < 0:
                raise DomainError(f"rule {self.name!r}: weight bound {bound} g is negative")
        if (
            self.min_weight_grams is not None
            and self.max_weight_grams is not None
            and self.min_weight_grams > self.max_weight_grams
        ):
            raise DomainError(
                f"rule {self.name!r}: minimum weight {self.min_weight_grams} g is above the maximum "
                f"{self.max_weight_grams} g"
            )
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value.currency == self.max_value.currency
            and self.min_value.amount > self.max_value.amount
        ):
            raise DomainError(
                f"rule {self.name!r}: minimum value {self.min_value} is above the maximum {self.max_value}"
            )


@dataclass(frozen=True, slots=True)
class ParcelFacts:
    country: str
    platform: str
    store_id: int
    warehouse_id: int
    weight_grams: int
    value: Money
    temperature: str = "ambient"

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", self.country.strip().upper())
        object.__setattr__(self, "platform", self.platform.strip().lower())
        object.__setattr__(self, "temperature", self.temperature.strip().lower())


def choose(rules: Sequence[ShippingRule], facts: ParcelFacts, convert: Convert) -> ShippingRule | None:
    """The matching rule with the lowest priority number (ties: the lowest id), or None when none matches."""
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        if not explain(rule, facts, convert):
            return rule
    return None


def explain(rule: ShippingRule, facts: ParcelFacts, convert: Convert) -> list[str]:
    """Why this rule does not match these facts, one reason per failed condition; [] when it matches."""
    reasons = []
    if rule.countries and facts.country not in rule.countries:
        reasons.append(f"destination {facts.country} not in {_listed(rule.countries)}")
    if rule.platforms and facts.platform not in rule.platforms:
        reasons.append(f"platform {facts.platform} not in {_listed(rule.platforms)}")
    if rule.store_ids and facts.store_id not in rule.store_ids:
        reasons.append(f"store {facts.store_id} not in {_listed(rule.store_ids)}")
    if rule.warehouse_ids and facts.warehouse_id not in rule.warehouse_ids:
        reasons.append(f"warehouse {facts.warehouse_id} not in {_listed(rule.warehouse_ids)}")
    if rule.temperatures and facts.temperature not in rule.temperatures:
        reasons.append(f"temperature {facts.temperature} not in {_listed(rule.temperatures)}")
    if rule.min_weight_grams is not None and facts.weight_grams < rule.min_weight_grams:
        reasons.append(f"weight {facts.weight_grams} g below the minimum {rule.min_weight_grams} g")
    if rule.max_weight_grams is not None and facts.weight_grams > rule.max_weight_grams:
        reasons.append(f"weight {facts.weight_grams} g above the maximum {rule.max_weight_grams} g")
    if rule.min_value is not None:
        reasons.extend(_value_problem(facts.value, rule.min_value, "below the minimum", convert))
    if rule.max_value is not None:
        reasons.extend(_value_problem(facts.value, rule.max_value, "above the maximum", convert))
    return reasons


def _value_problem(value: Money, bound: Money, side: str, convert: Convert) -> list[str]:
    if value.currency == bound.currency:
        compared = value
    else:
        try:
            compared = convert(value, bound.currency)
        except (ValueError, LookupError) as exc:
            # No rate for this pair (an exotic currency, a day without ECB fixing): the rule cannot be shown to
            # apply, so it does not, and the console says why instead of the whole choice failing.
            return [f"value {value.rounded()} cannot be compared with {bound.rounded()}: {exc}"]
    too_low = side.startswith("below")
    if (compared.amount < bound.amount) if too_low else (compared.amount > bound.amount):
        shown = str(value.rounded()) if compared is value else f"{value.rounded()} ({compared.rounded()})"
        return [f"value {shown} {side} {bound.rounded()}"]
    return []


def _listed(values: frozenset[str] | frozenset[int]) -> str:
    return ", ".join(str(v) for v in sorted(values))
