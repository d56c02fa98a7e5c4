from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.shipping_rules import ParcelFacts, ShippingRule, choose, explain
from crossdock.domain.money import Money

# A fixed table standing in for the ECB rates the service passes: 1 EUR = 1.08 USD = 4.30 PLN.
PER_EUR = {"EUR": Decimal("1"), "USD": Decimal("1.08"), "PLN": Decimal("4.30")}


def convert(value: Money, currency: str) -> Money:
    if value.currency not in PER_EUR or currency not in PER_EUR:
        raise ValueError(f"no ECB rate for {value.currency}/{currency}")
    return Money(value.amount / PER_EUR[value.currency] * PER_EUR[currency], currency)


def rule(id: int, priority: int = 10, **conditions: Any) -> ShippingRule:
    return ShippingRule(id=id, name=f"rule {id}", priority=priority, carrier_account_id=100 + id,
                        service="standard", **conditions)


FACTS = ParcelFacts(country="DE", platform="shopee", store_id=3, warehouse_id=1, weight_grams=1200,
                    value=Money.of("40.00", "EUR"))


def test_lowest_priority_number_wins_then_lowest_id() -> None:
    rules = [rule(5, priority=20), rule(9, priority=10), rule(7, priority=10)]
    chosen = choose(rules, FACTS, convert)
    assert chosen is not None and chosen.id == 7


def test_a_rule_that_does_not_match_is_passed_over() -> None:
    rules = [rule(1, priority=1, countries=frozenset({"FR"})), rule(2, priority=2)]
    chosen = choose(rules, FACTS, convert)
    assert chosen is not None and chosen.id == 2


def test_no_rule_matches_gives_none() -> None:
    assert choose([rule(1, countries=frozenset({"FR"}))], FACTS, convert) is None
    assert choose([], FACTS, convert) is None


def test_empty_conditions_match_anything() -> None:
    assert explain(rule(1), FACTS, convert) == []


def test_every_failed_condition_is_explained() -> None:
    strict = rule(1, countries=frozenset({"DE", "AT"}), platforms=frozenset({"amazon", "joom"}),
                  store_ids=frozenset({1, 2, 10}), warehouse_ids=frozenset({4}),
                  temperatures=frozenset({"chilled"}), max_weight_grams=1000, max_value=Money.of("30", "EUR"))
    facts = replace(FACTS, country="FR")
    assert explain(strict, facts, convert) == [
        "destination FR not in AT, DE",
        "platform shopee not in amazon, joom",
        "store 3 not in 1, 2, 10",
        "warehouse 1 not in 4",
        "temperature ambient not in chilled",
        "weight 1200 g above the maximum 1000 g",
        "value 40.00 EUR above the maximum 30.00 EUR",
    ]


def test_weight_bounds_are_inclusive() -> None:
    up_to = rule(1, max_weight_grams=1200)
    from_ = rule(2, min_weight_grams=1200)
    assert explain(up_to, FACTS, convert) == [] and explain(from_, FACTS, convert) == []
    assert explain(rule(3, min_weight_grams=1201), FACTS, convert) == ["weight 1200 g below the minimum 1201 g"]


def test_value_bounds_are_compared_after_conversion() -> None:
    usd_facts = replace(FACTS, value=Money.of("54.00", "USD"))      # 50.00 EUR
    assert explain(rule(1, min_value=Money.of("50", "EUR")), usd_facts, convert) == []
    assert explain(rule(2, max_value=Money.of("45", "EUR")), usd_facts, convert) == [
        "value 54.00 USD (50.00 EUR) above the maximum 45.00 EUR"
    ]
    assert explain(rule(3, min_value=Money.of("300", "PLN")), usd_facts, convert) == [
        "value 54.00 USD (215.00 PLN) below the minimum 300.00 PLN"
    ]


def test_a_bound_without_a_rate_does_not_match_and_says_why() -> None:
    exotic = rule(1, priority=1, max_value=Money.of("1000", "XAU"))
    fallback = rule(2, priority=2)
    chosen = choose([exotic, fallback], FACTS, convert)
    assert chosen is not None and chosen.id == 2
    assert explain(exotic, FACTS, convert) == [
        "value 40.00 EUR cannot be compared with 1000.00 XAU: no ECB rate for EUR/XAU"
    ]


def test_codes_are_compared_without_regard_to_case_or_spaces() -> None:
    typed = rule(1, countries=frozenset({"de ", "at"}), platforms=frozenset({"Shopee"}),
                 temperatures=frozenset({"Ambient"}))
    assert explain(typed, replace(FACTS, country="de", platform="SHOPEE"), convert) == []
    assert typed.countries == frozenset({"DE", "AT"})


def test_temperature_routes_cold_parcels() -> None:
    cold = rule(1, priority=1, temperatures=frozenset({"chilled", "frozen"}))
    ambient = rule(2, priority=2, temperatures=frozenset({"ambient"}))
    chosen = choose([cold, ambient], replace(FACTS, temperature="frozen"), convert)
    assert chosen is not None and chosen.id == 1
    chosen = choose([cold, ambient], FACTS, convert)
    assert chosen is not None and chosen.id == 2


@pytest.mark.parametrize(("conditions", "message"), [
    ({"min_weight_grams": 2000, "max_weight_grams": 1000}, "minimum weight 2000 g is above the maximum 1000 g"),
    ({"max_weight_grams": -5}, "weight bound -5 g is negative"),
    ({"min_value": Money.of("20", "EUR"), "max_value": Money.of("10", "EUR")}, "minimum value 20 EUR is above"),
])
def test_contradictory_rules_are_refused(conditions: dict[str, Any], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        rule(1, **conditions)
