"""Invoices on A4: the customs commercial invoice that travels with a parcel, and the EU sales invoice to a buyer."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from crossdock.documents import _a4, _format
from crossdock.documents.model import CommercialInvoice, SalesInvoice, SellerEntity
from crossdock.domain.fulfilment.vat import (
    InvoiceLineAmounts,
    InvoiceLineInput,
    InvoiceTotals,
    invoice_lines,
    is_eu,
    round_half_up,
    totals,
    vat_rate,
)
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address

HALF = (_a4.CONTENT_WIDTH - 6 * mm) / 2


# -- arithmetic shared by the renderer and its callers ------------------------------------------------------

def customs_line_values(invoice: CommercialInvoice) -> list[Money]:
    return [round_half_up(line.unit_value * line.quantity) for line in invoice.lines]


def customs_total(invoice: CommercialInvoice) -> Money:
    return sum(customs_line_values(invoice), Money.zero(invoice.currency))


def sales_amounts(invoice: SalesInvoice) -> tuple[list[InvoiceLineAmounts], InvoiceTotals]:
    """Per-line amounts (in line order) and totals per rate, exactly as the invoice prints them."""
    amounts = [
        invoice_lines([InvoiceLineInput(line.description, line.quantity, line.unit_gross)], line.vat_rate)[0]
        for line in invoice.lines
    ]
    return amounts, totals(amounts, currency=invoice.currency)


def oss_note(invoice: SalesInvoice) -> str:
    """The One-Stop-Shop remark for a cross-border EU sale taxed where the buyer lives.

    We know standard rates only, so "the buyer country's rate applies" is read as: the highest rate on the
    invoice is the buyer country's standard rate (lower lines being that country's reduced rates). A seller
    charging its own country's rate, a domestic sale and a sale outside the EU get no remark.
    """
    buyer = invoice.buyer.country
    if not is_eu(buyer) or invoice.seller.address.country == buyer:
        return ""
    if max(line.vat_rate for line in invoice.lines) != vat_rate(buyer):
        return ""
    return f"VAT charged at the rate of {_format.country_name(buyer).title()} (OSS)"


# -- commercial invoice -------------------------------------------------------------------------------------

def render_commercial_invoice(invoice: CommercialInvoice) -> bytes:
    cur = invoice.currency
    meta = [("Invoice number", invoice.invoice_number), ("Invoice date", invoice.invoice_date.isoformat())]
    if invoice.order_ref:
        meta.append(("Order", invoice.order_ref))
    if invoice.tracking_number:
        meta.append(("Tracking number", invoice.tracking_number))

    story: list[Flowable] = [
        _title_row("COMMERCIAL INVOICE", meta),
        Spacer(1, 6 * mm),
        _two_blocks(("EXPORTER", _seller_lines(invoice.exporter)),
                    ("CONSIGNEE", _address_with_phone(invoice.consignee))),
        Spacer(1, 5 * mm),
    ]
    terms = [("Incoterm", invoice.incoterm.value), ("Currency", cur), ("Reason for export", invoice.reason_for_export),
             ("Parcels", str(invoice.parcels))]
    if invoice.ioss_number:
        terms.append(("IOSS number", invoice.ioss_number))
    story += [_terms(terms), Spacer(1, 5 * mm)]

    head = ["#", "Description", "HS code", "Origin", "Qty", f"Unit value ({cur})", "Net weight",
            f"Value ({cur})"]
    numeric = (0, 4, 5, 6, 7)
    rows: list[list[Any]] = [[Paragraph(h, _a4.HEAD_RIGHT if i in numeric else _a4.HEAD) for i, h in enumerate(head)]]
    values = customs_line_values(invoice)
    for i, (line, value) in enumerate(zip(invoice.lines, values, strict=True), start=1):
        rows.append([
            Paragraph(str(i), _a4.CELL_RIGHT),
            _a4.para(line.description, _a4.CELL),
            _a4.para(line.hs_code, _a4.CELL),
            _a4.para(line.origin_country, _a4.CELL),
            Paragraph(str(line.quantity), _a4.CELL_RIGHT),
            Paragraph(_format.unit_amount(line.unit_value), _a4.CELL_RIGHT),
            Paragraph(_format.kilograms(line.net_weight_grams), _a4.CELL_RIGHT),
            Paragraph(_format.amount(value), _a4.CELL_RIGHT),
        ])
    widths = [8 * mm, 53 * mm, 21 * mm, 13 * mm, 11 * mm, 24 * mm, 22 * mm, 28 * mm]
    story.append(_a4.data_table(rows, widths, numeric_columns=numeric))

    net_weight = sum(line.net_weight_grams for line in invoice.lines)
    summary = [
        ("Total value", _format.money(customs_total(invoice))),
        ("Total net weight", _format.kilograms(net_weight)),
        ("Total gross weight", _format.kilograms(invoice.gross_weight_grams)),
        ("Number of parcels", str(invoice.parcels)),
    ]
    story += [Spacer(1, 4 * mm), _summary(summary, bold_rows=(0,)), Spacer(1, 10 * mm)]
    story += [
        _a4.para("I declare that the information on this invoice is true and correct, and that the goods "
                 "described originate in the countries stated.", _a4.BODY),
        Spacer(1, 14 * mm),
        _signature_line(),
    ]
    return _a4.build(story, title=f"Commercial invoice {invoice.invoice_number}",
                     footer=lambda n, total: f"Commercial invoice {invoice.invoice_number}  -  page {n} of {total}")


# -- sales invoice ------------------------------------------------------------------------------------------

def render_invoice(invoice: SalesInvoice) -> bytes:
    cur = invoice.currency
    amounts, result = sales_amounts(invoice)
    meta = [("Invoice number", invoice.invoice_number), ("Invoice date", invoice.invoice_date.isoformat())]
    if invoice.supply_date is not None and invoice.supply_date != invoice.invoice_date:
        meta.append(("Date of supply", invoice.supply_date.isoformat()))
    if invoice.order_ref:
        meta.append(("Order", invoice.order_ref))

    story: list[Flowable] = [
        _title_row("INVOICE", meta),
        Spacer(1, 6 * mm),
        _two_blocks(("SELLER", _seller_lines(invoice.seller)), ("BILL TO", _format.address_lines(invoice.buyer))),
        Spacer(1, 6 * mm),
    ]

    head = ["#", "Description", "Qty", f"Unit price incl. VAT ({cur})", "VAT rate", f"Net ({cur})",
            f"VAT ({cur})", f"Gross ({cur})"]
    numeric = (0, 2, 3, 4, 5, 6, 7)
    rows: list[list[Any]] = [[Paragraph(h, _a4.HEAD_RIGHT if i in numeric else _a4.HEAD) for i, h in enumerate(head)]]
    for i, (line, a) in enumerate(zip(invoice.lines, amounts, strict=True), start=1):
        description = f"{line.description} ({line.sku})" if line.sku else line.description
        rows.append([
            Paragraph(str(i), _a4.CELL_RIGHT),
            _a4.para(description, _a4.CELL),
            Paragraph(str(line.quantity), _a4.CELL_RIGHT),
            Paragraph(_format.unit_amount(line.unit_gross), _a4.CELL_RIGHT),
            Paragraph(_format.rate(a.rate), _a4.CELL_RIGHT),
            Paragraph(_format.amount(a.net), _a4.CELL_RIGHT),
            Paragraph(_format.amount(a.vat), _a4.CELL_RIGHT),
            Paragraph(_format.amount(a.gross), _a4.CELL_RIGHT),
        ])
    widths = [8 * mm, 58 * mm, 11 * mm, 26 * mm, 16 * mm, 20 * mm, 20 * mm, 21 * mm]
    story += [_a4.data_table(rows, widths, numeric_columns=numeric), Spacer(1, 6 * mm)]

    vat_rows: list[list[Any]] = [[Paragraph(h, _a4.HEAD_RIGHT if i else _a4.HEAD)
                                  for i, h in enumerate(("VAT rate", f"Net ({cur})", f"VAT ({cur})",
                                                         f"Gross ({cur})"))]]
    for r in result.per_rate:
        vat_rows.append([Paragraph(_format.rate(r.rate), _a4.CELL), Paragraph(_format.amount(r.net), _a4.CELL_RIGHT),
                         Paragraph(_format.amount(r.vat), _a4.CELL_RIGHT),
                         Paragraph(_format.amount(r.gross), _a4.CELL_RIGHT)])
    vat_rows.append([Paragraph("Total", _a4.HEAD), Paragraph(_format.amount(result.net), _a4.HEAD_RIGHT),
                     Paragraph(_format.amount(result.vat), _a4.HEAD_RIGHT),
                     Paragraph(_format.amount(result.gross), _a4.HEAD_RIGHT)])
    summary = _a4.data_table(vat_rows, [24 * mm, 28 * mm, 28 * mm, 28 * mm], numeric_columns=(1, 2, 3),
                             repeat_header=False, extra=[("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)])
    summary.hAlign = "RIGHT"
    story += [summary, Spacer(1, 4 * mm),
              _summary([("Total due", _format.money(result.gross))], bold_rows=(0,))]

    notes = [f"All amounts in {cur}. Prices include VAT."]
    note = oss_note(invoice)
    if note:
        notes.append(note)
    story += [Spacer(1, 8 * mm)] + [_a4.para(n, _a4.BODY) for n in notes]
    return _a4.build(story, title=f"Invoice {invoice.invoice_number}",
                     footer=lambda n, total: f"Invoice {invoice.invoice_number}  -  page {n} of {total}")


# -- shared blocks ------------------------------------------------------------------------------------------

def _seller_lines(seller: SellerEntity) -> list[str]:
    address = _format.address_lines(seller.address, with_name=False)
    out = [seller.name, *address]
    if seller.vat_number:
        out.append(f"VAT number: {seller.vat_number}")
    if seller.eori:
        out.append(f"EORI: {seller.eori}")
    return out


def _address_with_phone(address: Address) -> list[str]:
    out = _format.address_lines(address)
    if address.phone:
        out.append(f"Tel {address.phone}")
    return out


def _title_row(title: str, meta: list[tuple[str, str]]) -> Table:
    meta_table = Table([[Paragraph(k, _a4.LABEL), _a4.para(v, _a4.STRONG)] for k, v in meta],
                       colWidths=[32 * mm, 58 * mm])
    meta_table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                    ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    row = Table([[Paragraph(title, _a4.TITLE), meta_table]], colWidths=[_a4.CONTENT_WIDTH - 90 * mm, 90 * mm])
    row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return row


def _two_blocks(left: tuple[str, list[str]], right: tuple[str, list[str]]) -> Table:
    cells = [[Paragraph(caption, _a4.LABEL), _a4.lines(texts, _a4.BODY)] for caption, texts in (left, right)]
    table = Table([cells], colWidths=[HALF + 6 * mm, HALF])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _terms(terms: list[tuple[str, str]]) -> Table:
    width = _a4.CONTENT_WIDTH / len(terms)
    table = Table([[[Paragraph(k, _a4.LABEL), _a4.para(v, _a4.STRONG)] for k, v in terms]],
                  colWidths=[width] * len(terms))
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                               ("INNERGRID", (0, 0), (-1, -1), 0.4, _a4.GRID),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _summary(rows: list[tuple[str, str]], bold_rows: tuple[int, ...] = ()) -> Table:
    data = [[Paragraph(k, _a4.HEAD_RIGHT if i in bold_rows else _a4.CELL_RIGHT),
             Paragraph(v, _a4.HEAD_RIGHT if i in bold_rows else _a4.CELL_RIGHT)] for i, (k, v) in enumerate(rows)]
    table = Table(data, colWidths=[50 * mm, 40 * mm])
    table.hAlign = "RIGHT"
    table.setStyle(TableStyle([("RIGHTPADDING", (0, 0), (-1, -1), 3),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black)]))
    return table


def _signature_line() -> Table:
    captions = ("Signature", "", "Name and position", "", "Place and date")
    cells: list[list[Any]] = [[""] * 5, [Paragraph(t, _a4.SMALL) for t in captions]]
    table = Table(cells, colWidths=[62 * mm, 6 * mm, 52 * mm, 6 * mm, 54 * mm], rowHeights=[10 * mm, None])
    table.setStyle(TableStyle([*(("LINEBELOW", (col, 0), (col, 0), 0.8, colors.black) for col in (0, 2, 4)),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table
