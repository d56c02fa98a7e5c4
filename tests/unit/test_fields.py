"""The shared payload field readers: exact amounts, clear refusals."""

from decimal import Decimal

import pytest

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text


@pytest.mark.parametrize(("value", "expected"), [
    ("19.90", Decimal("19.90")), (" 5 ", Decimal("5")), (48000, Decimal("48000")), (12.34, Decimal("12.34")),
    (0.1, Decimal("0.1")), (Decimal("1.5"), Decimal("1.5")), ("-3.00", Decimal("-3.00")),
])
def test_amounts_are_exact(value: object, expected: Decimal) -> None:
    assert amount(value, "price") == expected


@pytest.mark.parametrize(("value", "reason"), [
    (None, "price is missing"), ("", "price is missing"), (True, "expected an amount"),
    ({"v": 1}, "expected an amount"), ("lots", "expected an amount"), ("NaN", "finite"), ("Infinity", "finite"),
])
def test_bad_amounts_say_why(value: object, reason: str) -> None:
    with pytest.raises(BadPayload) as err:
        amount(value, "price")
    assert reason in err.value.reason


def test_optional_and_non_negative() -> None:
    assert amount(None, "fee", required=False) == 0
    with pytest.raises(BadPayload, match="non-negative"):
        amount("-1", "price", non_negative=True)


def test_text() -> None:
    assert text({"a": 5}, "a") == "5" and text({}, "a") == "" and text({"a": None}, "a") == ""
    with pytest.raises(BadPayload, match="expected text"):
        text({"a": {"b": 1}}, "a")
