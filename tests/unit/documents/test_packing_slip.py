import pytest

from crossdock.documents.model import PackingSlip, PackingSlipLine
from crossdock.documents.packing_slip import render_packing_slips
from crossdock.domain.errors import DomainError
from crossdock.domain.orders.model import Address
from tests.unit.documents.pdfcheck import code128_texts, page_size_mm, page_texts

PARIS = Address(name="Marie Dupont", phone="+33 6 12 34 56 78", country="FR", city="Lyon", postcode="69002",
                line1="12 rue de la République")


def slip(ref: str = "SHP-2026-000124", lines: int = 2, note: str = "") -> PackingSlip:
    return PackingSlip(
        store_name="Gadget Corner (Amazon FR)", order_ref="402-1234567-1234567", shipment_ref=ref, ship_to=PARIS,
        lines=tuple(PackingSlipLine(f"CASE-{i:03d}", f"Phone case {i}", i % 2 + 1, "Black") for i in range(lines)),
        buyer_note=note,
    )


@pytest.mark.parametrize("dpi", [150, 300])
def test_shipment_barcode_decodes(dpi: int) -> None:
    pdf = render_packing_slips([slip()])
    assert code128_texts(pdf, 0, dpi) == ["SHP-2026-000124"]


def test_slip_shows_store_order_ship_to_lines_and_note() -> None:
    pdf = render_packing_slips([slip(note="Please leave at the door. Merci !")])
    assert page_size_mm(pdf) == pytest.approx((210, 297), abs=0.5)
    text = page_texts(pdf)[0]
    for expected in ("Gadget Corner (Amazon FR)", "Order: 402-1234567-1234567", "Shipment: SHP-2026-000124",
                     "Marie Dupont", "12 rue de la République", "69002 LYON", "FRANCE", "CASE-000", "Phone case 1",
                     "Black", "2 lines, 3 items in this parcel", "NOTE FROM THE BUYER", "Please leave at the door"):
        assert expected in text, expected


def test_no_note_box_without_a_note() -> None:
    assert "NOTE FROM THE BUYER" not in page_texts(render_packing_slips([slip(note="   ")]))[0]


def test_each_shipment_starts_a_page_and_a_long_one_continues_with_its_footer() -> None:
    pdf = render_packing_slips([slip("SHP-A", lines=2), slip("SHP-B", lines=70), slip("SHP-C", lines=1)])
    texts = page_texts(pdf)
    assert len(texts) >= 4
    assert "SHP-A" in texts[0] and "SHP-B" not in texts[0]
    b_pages = [i for i, t in enumerate(texts) if "shipment SHP-B" in t]
    assert len(b_pages) >= 2 and b_pages == list(range(1, 1 + len(b_pages)))
    assert "CASE-069" in texts[b_pages[-1]] and "70 lines" in texts[b_pages[-1]]
    assert "Shipment: SHP-C" in texts[-1] and code128_texts(pdf, len(texts) - 1, 200) == ["SHP-C"]


def test_chinese_ship_to() -> None:
    to = Address(name="王芳", phone="", country="CN", state="上海市", city="上海市", district="浦东新区",
                 postcode="200120", line1="世纪大道100号")
    text = page_texts(render_packing_slips([PackingSlip("小店", "250301ABC", "SHP-9", to, ())]))[0]
    assert "王芳" in text and "浦东新区" in text


def test_bad_input_is_refused() -> None:
    with pytest.raises(DomainError, match="no packing slips"):
        render_packing_slips([])
    with pytest.raises(DomainError, match="shipment reference"):
        PackingSlip("s", "o", "", PARIS, ())
    with pytest.raises(DomainError, match="packed quantity"):
        PackingSlipLine("SKU", "t", 0)
