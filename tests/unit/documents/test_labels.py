from dataclasses import replace

import pytest

from crossdock.documents import _barcodes
from crossdock.documents.labels import render_labels
from crossdock.domain.errors import DomainError
from crossdock.domain.orders.model import Address
from tests.unit.documents.pdfcheck import code128_texts, font_names, page_size_mm, page_texts
from tests.unit.documents.samples import RECIPIENT, label


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("tracking", ["JD014600006281234567", "1Z999AA10123456784", "LX123456789DE"])
def test_tracking_barcode_decodes_at_printer_resolutions(dpi: int, tracking: str) -> None:
    pdf = render_labels([label(tracking_number=tracking)])
    assert tracking in code128_texts(pdf, 0, dpi, thermal=True)


def test_a_long_alphanumeric_tracking_number_still_fits_and_decodes_at_203_dpi() -> None:
    tracking = "CNAQV1A2B3C4D5E6F7G8H9J0K"          # 25 characters, no digit pairs for code set C
    pdf = render_labels([label(tracking_number=tracking)])
    assert tracking in code128_texts(pdf, 0, 203, thermal=True)


def test_reference_barcode_decodes_too() -> None:
    pdf = render_labels([label()])
    assert set(code128_texts(pdf, 0, 300)) == {"JD014600006281234567", "SHP-2026-000123"}


def test_page_is_100_by_150_mm_one_per_label() -> None:
    pdf = render_labels([label(), label(tracking_number="LX000000002DE"), label(tracking_number="LX000000003DE")])
    texts = page_texts(pdf)
    assert len(texts) == 3
    for page in range(3):
        width, height = page_size_mm(pdf, page)
        assert width == pytest.approx(100, abs=0.5)
        assert height == pytest.approx(150, abs=0.5)
    assert "LX000000003DE" in texts[2] and "LX000000003DE" not in texts[1]


def test_label_text_carries_the_parcel_facts() -> None:
    pdf = render_labels([label(parcel_index=2, parcel_count=3, pickup_point="Paczkomat KRA01M, ul. Długa 5",
                               routing_code="PL-LDZ 3")])
    text = page_texts(pdf)[0]
    for expected in ("InPost", "Paczkomat 24/7", "1.250 kg", "2/3", "PICK-UP POINT: Paczkomat KRA01M",
                     "PL-LDZ 3", "JD014600006281234567", "Ref SHP-2026-000123", "POLAND", "Tel +48 600 123 456"):
        assert expected in text, expected


def test_polish_letters_outside_winansi_are_folded_not_boxed() -> None:
    text = page_texts(render_labels([label()]))[0]
    assert "Lukasz Wójcik" in text           # ó is WinAnsi and stays; Ł has no Helvetica glyph and folds
    assert "90-001 LÓDZ" in text             # the postal line is in capitals, Ź folds to Z


def test_chinese_sender_is_written_in_the_cjk_font() -> None:
    pdf = render_labels([label()])
    assert "深圳跨境电子商务有限公司" in page_texts(pdf)[0]
    assert any("STSong-Light" in name for name in font_names(pdf))


def test_chinese_recipient_name_is_written_too() -> None:
    recipient = Address(name="王芳", phone="13800000000", country="CN", state="上海市", city="上海市",
                        district="浦东新区", postcode="200120", line1="世纪大道100号")
    text = page_texts(render_labels([label(recipient=recipient)]))[0]
    # Digits inside Chinese text are set in Helvetica, a separate run that extraction may put on its own line.
    squeezed = "".join(text.split())
    assert "王芳" in squeezed and "世纪大道100号" in squeezed


def test_a_very_long_address_shrinks_into_its_block_and_the_barcode_still_reads() -> None:
    long_street = " ".join(["Very Long Street Name"] * 12)
    pdf = render_labels([label(recipient=replace(RECIPIENT, line1=long_street, name="Dr. " + "Name " * 15))])
    assert "JD014600006281234567" in code128_texts(pdf, 0, 203, thermal=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tracking_number": "JD01460€"}, "Code 128 cannot carry"),
        ({"tracking_number": "X" * 60}, "too long"),
        ({"tracking_number": ""}, "tracking number is required"),
        ({"parcel_index": 3, "parcel_count": 2}, "parcel 3 of 2"),
        ({"weight_grams": -1}, "weight"),
    ],
)
def test_bad_labels_are_refused_with_a_clear_error(changes: dict[str, object], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        render_labels([label(**changes)])


def test_no_labels_is_an_error() -> None:
    with pytest.raises(ValueError, match="no labels"):
        render_labels([])


def test_barcode_modules_are_whole_printer_dots() -> None:
    short = _barcodes.code128("LX123456789DE", "t", 96 * 72 / 25.4, 50)
    assert short.barWidth == pytest.approx(3 * _barcodes.DOT)
    long = _barcodes.code128("CNAQV1A2B3C4D5E6F7G8H9J0K", "t", 96 * 72 / 25.4, 50)
    assert long.barWidth == pytest.approx(2 * _barcodes.DOT)
    assert long.lquiet == pytest.approx(10 * long.barWidth)
