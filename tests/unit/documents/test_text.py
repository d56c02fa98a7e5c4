from decimal import Decimal

from crossdock.documents import _format, _text
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address


def test_runs_fold_latin_and_send_chinese_to_the_cjk_font() -> None:
    assert _text.runs("Łódź Straße") == [("Lódz Straße", False)]
    assert _text.runs("Ștefan Țepeș, Őrség, Čapek, İzmir") == [("Stefan Tepes, Orség, Capek, Izmir", False)]
    assert _text.runs("张伟 (Zhang)") == [("张伟", True), (" (Zhang)", False)]
    assert _text.runs("Привет") == [("Привет", True)]


def test_control_characters_vanish_and_line_breaks_become_spaces() -> None:
    assert _text.runs("a\x00b\u200bc\nd") == [("abc d", False)]


def test_markup_escapes_and_switches_fonts() -> None:
    assert _text.markup("A & <B> 王") == 'A &amp; &lt;B&gt; <font face="STSong-Light">王</font>'


def test_wrap_breaks_words_and_chinese_without_spaces() -> None:
    lines = _text.wrap("one two three four five six", 60, 10)
    assert len(lines) > 1 and " ".join(lines) == "one two three four five six"
    assert all(_text.width(line, 10) <= 60 for line in lines)
    chinese = "广东省深圳市南山区科技园路一号大厦二十层"
    broken = _text.wrap(chinese, 50, 10)
    assert len(broken) > 1 and "".join(broken) == chinese


def test_clip_marks_the_cut() -> None:
    clipped = _text.clip("A very long carrier service name", 60, 10)
    assert clipped.endswith("…") and _text.width(clipped, 10) <= 60


def test_amount_formats() -> None:
    assert _format.amount(Money.of("1234.5", "EUR")) == "1,234.50"
    assert _format.amount(Money.of("1234", "JPY")) == "1,234"
    assert _format.unit_amount(Money.of("1.335", "USD")) == "1.335"
    assert _format.unit_amount(Money.of("2", "USD")) == "2.00"
    assert _format.rate(Decimal("25.50")) == "25.5 %"
    assert _format.rate(Decimal("19")) == "19 %"
    assert _format.kilograms(1250) == "1.250 kg"


def test_addresses_follow_the_country_and_unknown_countries_still_print() -> None:
    de = Address(name="Max Muster", phone="", country="DE", city="Berlin", postcode="10115", line1="Hauptstr. 1")
    assert _format.address_lines(de) == ["Max Muster", "Hauptstr. 1", "10115 BERLIN", "GERMANY"]
    odd = Address(name="X", phone="", country="ZZ", city="Nowhere", postcode="1", full_address="Somewhere 1")
    assert _format.address_lines(odd) == ["X", "Somewhere 1", "1 Nowhere", "ZZ"]
