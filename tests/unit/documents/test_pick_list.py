import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crossdock.documents.model import PickLine, PickList
from crossdock.documents.pick_list import natural_key, pick_rows, render_pick_list
from crossdock.domain.errors import DomainError, NaiveDatetime
from tests.unit.documents.pdfcheck import code128_texts, page_size_mm, page_texts

CREATED = datetime(2026, 3, 1, 8, 5, tzinfo=UTC)


def wave(lines: tuple[PickLine, ...], wave_id: str = "WAVE-20260301-007") -> PickList:
    return PickList(warehouse_code="SZ1", warehouse_name="Shenzhen Longhua 深圳龙华仓", wave_id=wave_id,
                    created_at=CREATED, lines=lines)


def many_lines(count: int) -> tuple[PickLine, ...]:
    return tuple(
        PickLine(location=f"B-{i % 23 + 1:02d}-{i % 4}", sku=f"SKU-{i:04d}", title=f"Phone case model {i}",
                 quantity=i % 3 + 1, order_refs=(f"ORD-{i}",))
        for i in range(count)
    )


def test_a_long_wave_spans_pages_and_loses_no_line() -> None:
    lines = many_lines(150)
    pdf = render_pick_list(wave(lines))
    texts = page_texts(pdf)
    assert len(texts) >= 3
    everything = "\n".join(texts)
    for line in lines:
        assert re.search(rf"\b{line.sku}\b", everything), line.sku
    # The table header and the wave header repeat on every page.
    for text in texts:
        assert "Location" in text and "SKU" in text and "Qty" in text
        assert "Wave: WAVE-20260301-007" in text
    assert f"page {len(texts)} of {len(texts)}" in texts[-1]
    units = sum(line.quantity for line in lines)
    assert f"Totals: 150 lines, {len({ln.location for ln in lines})} locations, {units} units, 150 orders" in texts[-1]
    assert page_size_mm(pdf) == pytest.approx((210, 297), abs=0.5)


def test_lines_come_out_in_bin_then_sku_order() -> None:
    lines = many_lines(60)
    everything = "\n".join(page_texts(render_pick_list(wave(lines))))
    positions = {line.sku: everything.index(line.sku) for line in lines}
    expected = sorted(lines, key=lambda ln: (natural_key(ln.location), natural_key(ln.sku)))
    assert sorted(positions, key=positions.__getitem__) == [ln.sku for ln in expected]


def test_bins_sort_naturally_and_same_sku_in_same_bin_is_merged() -> None:
    lines = (
        PickLine("A-10", "SKU-B", "Cable", 1, ("O1",)),
        PickLine("A-2", "SKU-Z", "Case", 2, ("O2",)),
        PickLine("A-2", "SKU-A", "Glass", 1, ("O3",)),
        PickLine("A-10", "SKU-B", "Cable", 4, ("O4", "O1")),
    )
    rows = pick_rows(lines)
    assert [(r.location, r.sku, r.quantity) for r in rows] == [("A-2", "SKU-A", 1), ("A-2", "SKU-Z", 2),
                                                               ("A-10", "SKU-B", 5)]
    assert rows[2].order_refs == ("O1", "O4")


def test_wave_id_barcode_decodes_on_every_page() -> None:
    pdf = render_pick_list(wave(many_lines(120)))
    assert "WAVE-20260301-007" in code128_texts(pdf, 0, 200)
    assert "WAVE-20260301-007" in code128_texts(pdf, len(page_texts(pdf)) - 1, 200)


def test_header_and_chinese_warehouse_name() -> None:
    text = page_texts(render_pick_list(wave(many_lines(3))))[0]
    assert "深圳龙华仓" in text
    assert "Created: 2026-03-01 08:05 UTC" in text


def test_created_at_is_kept_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    pl = PickList("SZ1", "", "W1", datetime(2026, 3, 1, 16, 5, tzinfo=beijing), ())
    assert pl.created_at == CREATED
    with pytest.raises(NaiveDatetime):
        PickList("SZ1", "", "W1", datetime(2026, 3, 1), ())  # noqa: DTZ001


def test_an_empty_wave_still_prints_a_sheet() -> None:
    text = page_texts(render_pick_list(wave(())))[0]
    assert "Nothing to pick" in text and "Totals: 0 lines" in text


def test_bad_pick_lines_are_refused() -> None:
    with pytest.raises(DomainError, match="pick quantity"):
        PickLine("A-1", "SKU-1", "x", 0)
    with pytest.raises(DomainError, match="Code 128"):
        render_pick_list(wave((), wave_id="波次1"))
