import io

import pytest
from reportlab.lib.pagesizes import A6
from reportlab.pdfgen.canvas import Canvas

from crossdock.documents.batch import merge_pdfs
from crossdock.documents.labels import render_labels
from crossdock.domain.errors import DomainError
from tests.unit.documents.pdfcheck import code128_texts, page_size_mm, page_texts
from tests.unit.documents.samples import label


def carrier_pdf(pages: int) -> bytes:
    """A label file as a carrier would send it: its own page size, its own content."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A6)
    for n in range(1, pages + 1):
        canvas.setFont("Helvetica", 14)
        canvas.drawString(40, 300, f"CARRIER LABEL {n}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_three_labels_and_a_carrier_file_print_as_one_job_in_order() -> None:
    ours = render_labels([label(tracking_number=f"LX00000000{n}DE") for n in (1, 2, 3)])
    theirs = carrier_pdf(2)
    merged = merge_pdfs([ours, theirs])
    texts = page_texts(merged)
    assert len(texts) == 5
    assert "LX000000001DE" in texts[0] and "LX000000002DE" in texts[1] and "LX000000003DE" in texts[2]
    assert "CARRIER LABEL 1" in texts[3] and "CARRIER LABEL 2" in texts[4]
    assert "LX000000002DE" in code128_texts(merged, 1, 203, thermal=True)
    # Each page keeps its own size: ours 100 x 150 mm, the carrier's A6.
    assert page_size_mm(merged, 0) == pytest.approx((100, 150), abs=0.5)
    assert page_size_mm(merged, 3) == pytest.approx((105, 148), abs=0.5)


def test_files_keep_the_order_they_were_given() -> None:
    merged = merge_pdfs([carrier_pdf(1), render_labels([label()])])
    texts = page_texts(merged)
    assert "CARRIER LABEL 1" in texts[0] and "JD014600006281234567" in texts[1]


@pytest.mark.parametrize("bad", [b"", b"<html>502 Bad Gateway</html>", b"\x89PNG\r\n\x1a\n0000"])
def test_a_file_that_is_not_a_pdf_is_named_by_its_index(bad: bytes) -> None:
    with pytest.raises(ValueError, match="file 2 is not a PDF"):
        merge_pdfs([carrier_pdf(1), carrier_pdf(1), bad])


def test_a_truncated_pdf_is_refused_with_its_index() -> None:
    broken = carrier_pdf(1)[:60]
    with pytest.raises(DomainError, match="file 1 is not a readable PDF"):
        merge_pdfs([carrier_pdf(1), broken])


def test_nothing_to_merge_is_an_error() -> None:
    with pytest.raises(ValueError, match="no PDF files"):
        merge_pdfs([])
