from dataclasses import replace
from decimal import Decimal

import pytest

from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.review import (
    Hold,
    HoldCode,
    ReviewInput,
    ReviewLine,
    ReviewPolicy,
    address_key,
    check_address,
    check_phone,
    phone_key,
    review,
)
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address

BERLIN = Address(name="Erika Mustermann", phone="+49 30 901820", country="DE", city="Berlin", postcode="10117",
                 line1="Unter den Linden 77")


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def line(sku: str = "MS-1", paid: str = "10.00", listing: str | None = "10.00", mapped: bool = True) -> ReviewLine:
    return ReviewLine(sku=sku, quantity=1, paid_unit_price=eur(paid),
                      listing_price=eur(listing) if listing is not None else None, mapped=mapped)


def order(**changes: object) -> ReviewInput:
    base = ReviewInput(platform_order_id="2611230001", address=BERLIN, lines=(line(),))
    return replace(base, **changes)  # type: ignore[arg-type]


# --- addresses: real addresses, good and bad postcodes ----------------------------------------------------

GOOD = [
    Address("Erika Mustermann", "", "DE", city="Berlin", postcode="10117", line1="Unter den Linden 77"),
    Address("Jean Dupont", "", "FR", city="Paris", postcode="75008", line1="55 rue du Faubourg Saint-Honoré"),
    Address("Jean Dupont", "", "FR", city="Paris", postcode="75 008", line1="55 rue du Faubourg Saint-Honoré"),
    Address("John Smith", "", "GB", city="London", postcode="SW1A 2AA", line1="10 Downing Street"),
    Address("John Smith", "", "GB", city="London", postcode="sw1a 2aa", line1="10 Downing Street"),
    Address("Jan Kowalski", "", "PL", city="Warszawa", postcode="00-902", line1="ul. Wiejska 4/6/8"),
    Address("Tan Ah Kow", "", "SG", postcode="018956", line1="10 Bayfront Avenue"),
    Address("张三", "", "CN", state="广东省", city="深圳市", district="南山区", postcode="518057",
            line1="科技园科技中一路腾讯大厦"),
]


@pytest.mark.parametrize("address", GOOD, ids=lambda a: f"{a.country}-{a.postcode}")
def test_real_addresses_pass(address: Address) -> None:
    assert check_address(address) == []


@pytest.mark.parametrize(
    ("country", "postcode", "expected"),
    [
        ("DE", "1011", "postcode 1011 is not valid for DE (5 digits, e.g. 26133, 53225)"),
        ("DE", "10117A", "postcode 10117A is not valid for DE (5 digits"),
        ("FR", "7500", "postcode 7500 is not valid for FR (5 digits, e.g. 33380"),
        ("GB", "SW1A", "postcode SW1A is not valid for GB (e.g. EC1Y 8SY"),
        ("PL", "00902", "postcode 00902 is not valid for PL (format 99-999, e.g. 00-950"),
        ("SG", "18956", "postcode 18956 is not valid for SG (6 digits, e.g. 546080"),
        ("CN", "51805", "postcode 51805 is not valid for CN (6 digits"),
    ],
)
def test_bad_postcodes_name_the_field_and_the_countrys_rule(country: str, postcode: str, expected: str) -> None:
    good = next(a for a in GOOD if a.country == country)
    problems = check_address(replace(good, postcode=postcode))
    assert len(problems) == 1
    assert problems[0].startswith(expected)


def test_missing_parts_are_each_named() -> None:
    problems = check_address(Address(name=" ", phone="", country="DE"))
    assert problems == [
        "name is missing",
        "city is missing: DE addresses need it",
        "postcode is missing: DE addresses need one (e.g. 26133, 53225)",
        "street is missing (line1 and full_address are empty)",
    ]


def test_singapore_needs_no_city_but_a_postcode() -> None:
    assert check_address(Address("Tan", "", "SG", line1="10 Bayfront Avenue")) == [
        "postcode is missing: SG addresses need one (e.g. 546080, 308125, 408600)"
    ]


def test_shopee_full_address_stands_in_for_an_empty_street_line() -> None:
    shopee = Address(name="Tan Ah Kow", phone="******89", country="SG", postcode="018956",
                     full_address="10 Bayfront Avenue, #01-01, Singapore 018956")
    assert check_address(shopee) == []
    assert check_address(replace(shopee, full_address="")) == [
        "street is missing (line1 and full_address are empty)"
    ]


def test_country_is_read_case_insensitively_and_unknown_ones_are_named() -> None:
    assert check_address(replace(BERLIN, country=" de ")) == []
    assert check_address(replace(BERLIN, country="XX")) == ["country 'XX' is not a known ISO 3166 country code"]
    assert check_address(replace(BERLIN, country="")) == ["country is missing"]


def test_a_state_given_where_the_country_has_none_is_ignored() -> None:
    assert check_address(replace(BERLIN, state="Berlin")) == []


@pytest.mark.parametrize(
    ("state", "city", "district"),
    [
        ("Guangdong", "Shenzhen", "Nanshan"),            # pinyin without the admin suffix
        ("广东", "深圳", "南山"),                          # Chinese without 省 / 市 / 区
        ("Guangdong Sheng", "Shenzhen Shi", "Nanshan Qu"),
        ("GUANGDONG", "shenzhen", ""),
        ("广东省", "深圳市", "坪山区"),                     # renamed from 坪山新区 in 2017, Google still lists the old
    ],
)
def test_chinese_areas_as_platforms_write_them(state: str, city: str, district: str) -> None:
    address = Address("张三", "", "CN", state=state, city=city, district=district, postcode="518057", line1="科技园")
    assert check_address(address) == []


def test_beijing_lists_districts_where_provinces_list_cities() -> None:
    beijing = Address("李四", "", "CN", state="Beijing", city="Beijing", district="Haidian", postcode="100080",
                      line1="中关村大街1号")
    assert check_address(beijing) == []


def test_unknown_chinese_province_and_city_are_held_with_the_known_names() -> None:
    shenzhen = GOOD[-1]
    [province] = check_address(replace(shenzhen, state="Atlantis"))
    assert province.startswith("province (state) 'Atlantis' is not a province of CN (known: Anhui Sheng/安徽省")
    [city] = check_address(replace(shenzhen, city="Gotham"))
    assert city.startswith("city 'Gotham' is not a city of 广东省 (known: ")
    assert check_address(replace(shenzhen, city="")) == ["city is missing: CN addresses need it"]


def test_an_unknown_district_is_not_required_so_not_held() -> None:
    assert check_address(replace(GOOD[-1], district="Nowhere Qu")) == []


def test_us_zip_must_belong_to_the_state() -> None:
    cupertino = Address("Tim", "", "US", state="CA", city="Cupertino", postcode="95014", line1="1 Apple Park Way")
    assert check_address(cupertino) == []
    assert check_address(replace(cupertino, state="California")) == []
    assert check_address(replace(cupertino, postcode="10001")) == [
        "ZIP code (postcode) 10001 does not belong to CA, US (e.g. 90000, 96199)"
    ]
    [state] = check_address(replace(cupertino, state="Narnia"))
    assert state.startswith("state 'Narnia' is not a state of US (known: Alabama")


def test_spanish_region_names_resolve_to_their_province() -> None:
    madrid = Address("Ana", "", "ES", state="Comunidad de Madrid", city="Madrid", postcode="28013",
                     line1="Puerta del Sol 7")
    assert check_address(madrid) == []


# --- phones ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("phone", "country"),
    [
        ("+49 30 901820", "DE"),
        ("030 901820", "DE"),
        ("0151 23456789", "DE"),
        ("07911 123456", "GB"),
        ("06 12 34 56 78", "FR"),
        ("+48 512 345 678", "PL"),
        ("91234567", "SG"),
        ("6591234567", "SG"),          # Shopee SG writes the country code without "+"
        ("13800138000", "CN"),
        ("+48 512 345 678", "DE"),     # a Polish mobile of a buyer living in Germany
        ("+1 206-555-0100 ext. 12345", "US"),
    ],
)
def test_valid_phones_pass(phone: str, country: str) -> None:
    assert check_phone(phone, country) is None


@pytest.mark.parametrize("phone", ["******89", "+86 138****8000", "65*****67", "•••• 1234"])
def test_masked_phones_are_not_a_problem(phone: str) -> None:
    assert check_phone(phone, "SG") is None


def test_bad_phones_say_what_is_wrong() -> None:
    assert check_phone("", "DE") == "phone is missing"
    assert check_phone("  ", "DE") == "phone is missing"
    assert check_phone("call me", "DE") == "phone call me is not a phone number"
    assert check_phone("123", "SG") == "phone 123 is not a valid SG number (too short)"
    assert check_phone("9123456789012345", "SG") == "phone 9123456789012345 is not a valid SG number (too long)"


def test_phone_key_is_e164_whatever_the_spelling() -> None:
    keys = {phone_key(p, "DE") for p in ("+49 30 901820", "030 901820", "0049 (30) 90-18-20", "+4930901820")}
    assert keys == {"+4930901820"}
    assert phone_key("91234567", "SG") == phone_key("+65 9123 4567", "sg") == "+6591234567"


def test_masked_or_empty_phones_have_no_key() -> None:
    assert phone_key("******89", "SG") == ""
    assert phone_key("", "SG") == ""


def test_address_key_folds_case_spaces_punctuation_and_accents() -> None:
    a = Address("A", "", "FR", city="Paris", postcode="75008", line1="55 Rue du Faubourg Saint-Honoré")
    b = Address("B", "+33 6 12 34 56 78", "fr", state="IDF", city="PARIS ", postcode="75 008",
                line1="55, rue du faubourg saint honore")
    assert address_key(a) == address_key(b) != ""
    assert address_key(replace(a, line1="57 Rue du Faubourg Saint-Honoré")) != address_key(a)
    assert address_key(replace(a, postcode="75009")) != address_key(a)


def test_address_key_uses_full_address_when_line1_is_empty_and_is_blank_without_a_street() -> None:
    shopee = Address("Tan", "", "SG", postcode="018956", full_address="10 Bayfront Avenue, #01-01")
    assert address_key(shopee) == "SG|018956||10bayfrontavenue0101"
    assert address_key(replace(shopee, full_address="  ")) == ""


# --- review ------------------------------------------------------------------------------------------------

def test_a_clean_order_passes() -> None:
    assert review(order()) == []


def test_no_address_is_held() -> None:
    assert review(order(address=None)) == [Hold(HoldCode.ADDRESS, "the order has no shipping address")]


def test_address_and_phone_problems_are_separate_holds() -> None:
    holds = review(order(address=replace(BERLIN, postcode="1011", phone="123")))
    assert [h.code for h in holds] == [HoldCode.ADDRESS, HoldCode.PHONE]
    assert "postcode 1011 is not valid for DE" in holds[0].message
    assert holds[1].message == "phone 123 is not a valid DE number (not in any number range)"


def test_several_address_problems_are_one_hold_listing_them_all() -> None:
    [hold] = review(order(address=replace(BERLIN, name="", postcode="")))
    assert hold.code is HoldCode.ADDRESS
    assert hold.message.startswith("name is missing; postcode is missing: DE addresses need one")


def test_masked_phone_passes_review() -> None:
    assert review(order(address=replace(BERLIN, phone="******20"))) == []


def test_unmapped_lines_are_named() -> None:
    holds = review(order(lines=(line("MS-1"), line("MS-2", mapped=False), line("", mapped=False))))
    assert holds == [Hold(HoldCode.UNMAPPED, "not mapped to a product of ours: MS-2, (a line without SKU)")]


def test_oversold_duplicate_and_blacklist_come_from_the_inputs() -> None:
    holds = review(order(oversold=True, duplicates=("2611220007", "2611220009"),
                         blacklist_hits=("buyer jdoe: chargeback 2026-10", "phone +4930901820: fraud")))
    assert {h.code: h.message for h in holds} == {
        HoldCode.OVERSOLD: "there is not enough free stock for every line of this order",
        HoldCode.DUPLICATE: "looks like a repeat of order 2611220007, 2611220009 (same buyer, address and items)",
        HoldCode.BLACKLIST: "blacklisted: buyer jdoe: chargeback 2026-10; blacklisted: phone +4930901820: fraud",
    }


def test_buyer_note_is_held_unless_the_policy_says_not_to() -> None:
    assert review(order(buyer_note="  please gift wrap  ")) == [
        Hold(HoldCode.BUYER_NOTE, "the buyer left a note: please gift wrap")
    ]
    assert review(order(buyer_note="please gift wrap"), ReviewPolicy(hold_buyer_notes=False)) == []
    assert review(order(buyer_note="   ")) == []


def test_amount_far_under_the_listing_price_is_held() -> None:
    assert review(order(lines=(line(paid="2.00", listing="10.00"),))) == [
        Hold(HoldCode.AMOUNT, "paid 2.00 EUR for MS-1, 80% under its listing price 10.00 EUR")
    ]


def test_amount_far_over_the_listing_price_is_held() -> None:
    assert review(order(lines=(line(paid="35", listing="10"),))) == [
        Hold(HoldCode.AMOUNT, "paid 35.00 EUR for MS-1, 3.5 times its listing price 10.00 EUR")
    ]


def test_amount_within_the_bounds_passes_and_the_bounds_are_the_policys() -> None:
    edge = order(lines=(line(paid="5.00", listing="10.00"), line("MS-2", paid="30.00", listing="10.00")))
    assert review(edge) == []
    strict = ReviewPolicy(amount_floor=Decimal("0.9"), amount_ceiling=Decimal("1.1"))
    assert [h.code for h in review(order(lines=(line(paid="8.50", listing="10.00"),)), strict)] == [HoldCode.AMOUNT]


def test_amount_is_not_compared_across_currencies_or_without_a_listing_price() -> None:
    usd_listing = ReviewLine("MS-1", 1, eur("1.00"), Money.of("10.00", "USD"), True)
    assert review(order(lines=(usd_listing, line(listing=None), line(paid="0", listing="0")))) == []


def test_disabled_codes_are_not_checked() -> None:
    messy = order(address=replace(BERLIN, postcode="1", phone="1"), oversold=True, buyer_note="hi",
                  lines=(line(paid="1", listing="10", mapped=False),))
    assert {h.code for h in review(messy)} == {HoldCode.ADDRESS, HoldCode.PHONE, HoldCode.OVERSOLD,
                                               HoldCode.BUYER_NOTE, HoldCode.AMOUNT, HoldCode.UNMAPPED}
    only = ReviewPolicy(enabled=frozenset({HoldCode.OVERSOLD, HoldCode.PHONE}))
    assert [h.code for h in review(messy, only)] == [HoldCode.PHONE, HoldCode.OVERSOLD]
    assert review(messy, ReviewPolicy(enabled=frozenset())) == []


def test_policy_bounds_must_make_sense() -> None:
    with pytest.raises(DomainError, match=r"ceiling 0\.4 must be above the floor 0\.5"):
        ReviewPolicy(amount_ceiling=Decimal("0.4"))
    with pytest.raises(DomainError, match="must not be negative"):
        ReviewPolicy(amount_floor=Decimal("-1"))


def test_taiwan_spells_tai_either_way() -> None:
    """臺 and 台 are one character: Taiwanese addresses use the first, Google's address data the second."""
    for county in ("臺北市", "台北市"):
        assert check_address(Address(name="王小明", phone="", country="TW", state=county, city="大安區",
                                     postcode="106", line1="忠孝東路四段100號")) == []
