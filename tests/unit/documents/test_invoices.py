from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from crossdock.documents.invoices import (
    customs_total,
    oss_note,
    render_commercial_invoice,
    render_invoice,
    sales_amounts,
)
from crossdock.documents.model import (
    CommercialInvoice,
    CustomsLine,
    Incoterm,
    SalesInvoice,
    SalesInvoiceLine,
    SellerEntity,
)
from crossdock.domain.errors import DomainError
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from tests.unit.documents.pdfcheck import page_size_mm, page_texts

HAMBURG = SellerEntity(
    name="Crossdock Trading GmbH",
    address=Address(name="", phone="", country="DE", city="Hamburg", postcode="20457", line1="Am Sandtorkai 1"),
    vat_number="DE123456789", eori="DE1234567890123",
)
LYON = Address(name="Marie Dupont", phone="+33 6 12 34 56 78", country="FR", city="Lyon", postcode="69002",
               line1="12 rue de la République")


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def sales_invoice(**changes: object) -> SalesInvoice:
    base = SalesInvoice(
        invoice_number="INV-2026-00042", invoice_date=date(2026, 3, 2), seller=HAMBURG, buyer=LYON,
        order_ref="402-1234567-1234567", currency="EUR",
        lines=(
            SalesInvoiceLine("Phone case", 3, eur("12.99"), Decimal("20"), sku="CASE-1"),
            SalesInvoiceLine("USB hub", 1, eur("10.35"), Decimal("20")),
            SalesInvoiceLine("Travel guide (book)", 1, eur("15.00"), Decimal("5.5")),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def flat(pdf: bytes) -> str:
    return " ".join(" ".join(page_texts(pdf)).split())


def test_printed_lines_and_totals_match_hand_arithmetic() -> None:
    text = flat(render_invoice(sales_invoice()))
    # 38.97 x 20/120 = 6.495 -> 6.50; 10.35 / 6 = 1.725 -> 1.73 (half-even would print 1.72);
    # 15.00 x 5.5/105.5 = 0.7819 -> 0.78
    assert "1 Phone case (CASE-1) 3 12.99 20 % 32.47 6.50 38.97" in text
    assert "2 USB hub 1 10.35 20 % 8.62 1.73 10.35" in text
    assert "3 Travel guide (book) 1 15.00 5.5 % 14.22 0.78 15.00" in text
    assert "5.5 % 14.22 0.78 15.00 20 % 41.09 8.23 49.32 Total 55.31 9.01 64.32" in text
    assert "Total due 64.32 EUR" in text


def test_printed_totals_are_the_vat_module_totals() -> None:
    invoice = sales_invoice()
    amounts, result = sales_amounts(invoice)
    assert [a.net + a.vat == a.gross for a in amounts] == [True, True, True]
    text = flat(render_invoice(invoice))
    assert f"Total {result.net.amount} {result.vat.amount} {result.gross.amount}" in text
    assert result.gross == eur("64.32")


def test_invoice_header_parties_and_oss_note() -> None:
    pdf = render_invoice(sales_invoice(supply_date=date(2026, 3, 1)))
    assert page_size_mm(pdf) == pytest.approx((210, 297), abs=0.5)
    text = flat(pdf)
    for expected in ("INVOICE", "Invoice number INV-2026-00042", "Invoice date 2026-03-02",
                     "Date of supply 2026-03-01", "Order 402-1234567-1234567", "Crossdock Trading GmbH",
                     "VAT number: DE123456789", "Marie Dupont", "69002 LYON FRANCE",
                     "VAT charged at the rate of France (OSS)"):
        assert expected in text, expected


def test_oss_note_only_when_the_buyer_countrys_rate_applies() -> None:
    assert oss_note(sales_invoice()) == "VAT charged at the rate of France (OSS)"
    # The German seller charging German VAT (under the EU-wide EUR 10,000 threshold): not OSS.
    home_rate = sales_invoice(lines=(SalesInvoiceLine("Phone case", 1, eur("11.90"), Decimal("19")),))
    assert oss_note(home_rate) == ""
    assert "(OSS)" not in flat(render_invoice(home_rate))
    # A domestic sale.
    domestic = sales_invoice(buyer=replace(LYON, country="DE", city="Berlin", postcode="10115"),
                             lines=(SalesInvoiceLine("Phone case", 1, eur("11.90"), Decimal("19")),))
    assert oss_note(domestic) == ""
    # Outside the EU: Great Britain is not a member state.
    export = sales_invoice(buyer=replace(LYON, country="GB", city="London", postcode="SW1A 1AA"),
                           lines=(SalesInvoiceLine("Phone case", 1, eur("10.00"), Decimal("0")),))
    assert oss_note(export) == ""


def test_chinese_buyer_name_appears() -> None:
    buyer = Address(name="王芳", phone="", country="FR", city="Paris", postcode="75001", line1="1 rue de Rivoli")
    assert "王芳" in flat(render_invoice(sales_invoice(buyer=buyer)))


def test_long_invoice_paginates_and_keeps_every_line() -> None:
    lines = tuple(SalesInvoiceLine(f"Item number {i}", 1, eur("1.00"), Decimal("20")) for i in range(90))
    pdf = render_invoice(sales_invoice(lines=lines))
    texts = page_texts(pdf)
    assert len(texts) >= 2
    joined = " ".join(texts)
    assert all(f"Item number {i}" in joined for i in range(90))
    # 90 x 1.00 at 20 %: each line 0.17 VAT (0.1666...), so VAT 15.30 and net 74.70, not 15.00 / 75.00.
    assert "Total 74.70 15.30 90.00" in flat(pdf)
    assert f"page {len(texts)} of {len(texts)}" in texts[-1]


def test_sales_invoice_input_is_checked() -> None:
    with pytest.raises(DomainError, match="seller VAT number"):
        sales_invoice(seller=replace(HAMBURG, vat_number=""))
    with pytest.raises(DomainError, match="is in USD"):
        sales_invoice(lines=(SalesInvoiceLine("x", 1, Money.of("1", "USD"), Decimal("20")),))
    with pytest.raises(DomainError, match="at least one line"):
        sales_invoice(lines=())
    with pytest.raises(DomainError, match="VAT rate"):
        SalesInvoiceLine("x", 1, eur("1"), Decimal("120"))


# -- commercial invoice -------------------------------------------------------------------------------------

SHENZHEN = SellerEntity(
    name="深圳跨境电子商务有限公司 Shenzhen Crossborder Ltd",
    address=Address(name="", phone="", country="CN", state="Guangdong", city="Shenzhen", postcode="518000",
                    line1="1 Keji Road, Nanshan"),
    eori="CN1234567890",
)


def commercial(**changes: object) -> CommercialInvoice:
    base = CommercialInvoice(
        invoice_number="CI-2026-0007", invoice_date=date(2026, 3, 2), exporter=SHENZHEN, consignee=LYON,
        incoterm=Incoterm.DDP, currency="USD",
        lines=(
            CustomsLine("Silicone phone case", "3926.90", "CN", 3, Money.of("2.50", "USD"), 90),
            CustomsLine("USB-C cable", "854442", "CN", 2, Money.of("1.335", "USD"), 80),
        ),
        gross_weight_grams=260, parcels=1, order_ref="402-1234567-1234567", tracking_number="LP00123456789CN",
        ioss_number="IM2500000742",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_commercial_invoice_shows_what_customs_needs() -> None:
    pdf = render_commercial_invoice(commercial())
    assert page_size_mm(pdf) == pytest.approx((210, 297), abs=0.5)
    text = flat(pdf)
    for expected in ("COMMERCIAL INVOICE", "Invoice number CI-2026-0007", "Invoice date 2026-03-02",
                     "Tracking number LP00123456789CN", "EXPORTER", "深圳跨境电子商务有限公司",
                     "EORI: CN1234567890", "CONSIGNEE", "Marie Dupont", "FRANCE", "Incoterm DDP", "Currency USD",
                     "Reason for export Sale of goods", "IOSS number IM2500000742",
                     "1 Silicone phone case 3926.90 CN 3 2.50 0.090 kg 7.50",
                     # 2 x 1.335 = 2.670; the unit value is printed as given, not rounded away
                     "2 USB-C cable 854442 CN 2 1.335 0.080 kg 2.67",
                     "Total value 10.17 USD", "Total net weight 0.170 kg", "Total gross weight 0.260 kg",
                     "Number of parcels 1", "Signature", "Name and position", "Place and date"):
        assert expected in text, expected
    assert customs_total(commercial()) == Money.of("10.17", "USD")


def test_line_values_round_half_up() -> None:
    invoice = commercial(lines=(CustomsLine("Sticker", "491199", "CN", 1, Money.of("0.125", "USD"), 1),))
    assert customs_total(invoice) == Money.of("0.13", "USD")          # half-even would say 0.12
    assert "Total value 0.13 USD" in flat(render_commercial_invoice(invoice))


def test_dap_is_printed_when_the_consignee_pays_duties() -> None:
    assert "Incoterm DAP" in flat(render_commercial_invoice(commercial(incoterm=Incoterm.DAP)))


def usd(text: str) -> Money:
    return Money.of(text, "USD")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: CustomsLine("Case", "39", "CN", 1, usd("1"), 10), "6 to 10 digits"),
        (lambda: CustomsLine("Case", "392690", "China", 1, usd("1"), 10), "ISO 3166"),
        (lambda: CustomsLine("Case", "392690", "CN", 0, usd("1"), 10), "quantity"),
        (lambda: CustomsLine("Case", "392690", "CN", 1, usd("-1"), 10), "negative"),
        (lambda: commercial(lines=(CustomsLine("Case", "392690", "CN", 1, eur("1"), 10),)), "is in EUR"),
        (lambda: commercial(gross_weight_grams=100), "less than the lines' net weight"),
        (lambda: commercial(lines=()), "at least one line"),
        (lambda: commercial(parcels=0), "parcel count"),
    ],
)
def test_bad_commercial_invoices_are_refused(build: Callable[[], object], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        build()
