"""Pure mapping of the flat-file returns report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE) to return requests.

The report is tab-separated text, a header line then one line per returned item (ASIN) of each return; one Amazon
RMA id is one return request (developer-docs "Returns reports attributes"). Header names are read in either of
Amazon's spellings ("amazon-rma-id" in downloads, "Amazon RMA ID" in the Seller Central view).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.returns import ReturnLine, ReturnRequest, ReturnState
from crossdock.domain.money import Money
from crossdock.payloads import fingerprint
from crossdock.ports.marketplace import BadRecord

RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
# return-request-status -> our state. The report gives no word for "in transit": a return stays approved until it
# is delivered back (return-delivery-date) or refunded (refunded-amount). Matched without regard to case.
_STATES: dict[str, ReturnState] = {
    "pending": ReturnState.REQUESTED,          # outside the return policy: the seller must authorize it
    "approved": ReturnState.APPROVED,          # authorized: the buyer may send it back, with its label
    "authorized": ReturnState.APPROVED,
    "authorised": ReturnState.APPROVED,
    "rejected": ReturnState.REJECTED,
    "declined": ReturnState.REJECTED,
    "cancelled": ReturnState.CANCELLED,
    "canceled": ReturnState.CANCELLED,
}
_CLOSED = "closed"
_ZONE_WORDS = re.compile(r"\s*(UTC|GMT|Z)$", re.IGNORECASE)
_EU_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")


def header_name(raw: str) -> str:
    """One spelling of a column name: "Amazon RMA ID", "amazon_rma_id" and "amazon-rma-id" alike."""
    return re.sub(r"[\s_]+", "-", raw.strip().lower())


def decode(content: bytes, charset: str) -> str:
    """The report's text in the charset S3 named (Amazon's EU flat files come as Cp1252); none named, UTF-8 when the
    bytes are UTF-8, else Windows-1252. A byte the charset lacks becomes U+FFFD rather than losing the report."""
    if charset:
        try:
            codec = codecs.lookup(charset).name
        except LookupError:
            codec = "cp1252"
        return content.decode(codec, errors="replace").removeprefix("\ufeff")
    try:
        return content.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class Row:
    line: int                   # its line in the document (the header is line 1)
    cells: dict[str, str]       # by column name in one spelling


def read_flat_file(text: str) -> tuple[list[Row], list[BadRecord]]:
    """The report's rows, and its lines that are not rows (more cells than the header has columns)."""
    reader = csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        header = [header_name(h) for h in next(reader)]
    except StopIteration:
        return [], []
    rows: list[Row] = []
    bad: list[BadRecord] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raw = {"line": line, "cells": cells}
            bad.append(BadRecord(f"line-{line}-{fingerprint(raw)[:12]}",
                                 f"line {line} has {len(cells)} cells, the header {len(header)} columns", raw))
            continue
        # Trailing empty cells may be cut off: what is missing is empty.
        rows.append(Row(line, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}))
    return rows, bad


def group_by_return(rows: Iterable[Row]) -> tuple[list[list[Row]], list[BadRecord]]:
    """The rows of each return (by amazon-rma-id), in the report's order; a row without an RMA id is bad."""
    groups: dict[str, list[Row]] = {}
    bad: list[BadRecord] = []
    for row in rows:
        rma_id = row.cells.get("amazon-rma-id", "")
        if not rma_id:
            bad.append(BadRecord(f"no-rma-{fingerprint(row.cells)[:16]}", f"line {row.line}: amazon-rma-id is empty",
                                 row.cells))
            continue
        groups.setdefault(rma_id, []).append(row)
    return list(groups.values()), bad


def parse_time(text: str, field: str) -> datetime:
    """A report time: ISO 8601 (a zone, "UTC" or none, read as UTC), or an EU date "dd.mm.yyyy" (midnight UTC)."""
    value = _ZONE_WORDS.sub("", text.strip())
    eu = _EU_DATE.match(value)
    try:
        moment = datetime(int(eu[3]), int(eu[2]), int(eu[1]), tzinfo=UTC) if eu else datetime.fromisoformat(value)
    except ValueError:
        raise BadPayload(f"{field} is {text!r}, expected a date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_amount(text: str, field: str) -> Decimal:
    """An amount as the report writes it: "24.90", or in EU files "24,90" (and "1.234,50")."""
    value = text.strip().replace(" ", "")
    if "," in value and "." in value:
        value = value.replace(".", "").replace(",", ".") if value.rfind(",") > value.rfind(".") \
            else value.replace(",", "")
    elif "," in value:
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise BadPayload(f"{field} is {text!r}, expected an amount") from None
    if not amount.is_finite():
        raise BadPayload(f"{field} is {text!r}, expected an amount")
    return amount


def _quantity(text: str, line: int) -> int:
    try:
        quantity = int(text)
    except ValueError:
        raise BadPayload(f"line {line}: return-quantity is {text!r}, expected a whole number") from None
    if quantity < 1:
        raise BadPayload(f"line {line}: return-quantity is {quantity}, expected at least 1")
    return quantity


def _one(rows: Sequence[Row], field: str) -> str:
    """The value the rows of one return share; rows that disagree make the return unreadable."""
    values = list(dict.fromkeys(r.cells.get(field, "") for r in rows))
    if len(values) > 1:
        raise BadPayload(f"the rows of the return disagree on {field}: {', '.join(map(repr, values))}")
    return values[0]


def return_state(status: str, delivered: bool, refunded: bool) -> ReturnState:
    """Our state from return-request-status and what the rows say happened."""
    word = status.strip().lower()
    if word == _CLOSED:
        # Closed: money went back, or the goods came back, or the authorization lapsed unused.
        return ReturnState.REFUNDED if refunded else ReturnState.RECEIVED if delivered else ReturnState.CANCELLED
    state = _STATES.get(word)
    if state is None:
        raise BadPayload(f"return-request-status {status!r} is not one Amazon uses")
    if state is ReturnState.APPROVED:
        if refunded:
            return ReturnState.REFUNDED
        if delivered:
            return ReturnState.RECEIVED
    return state


def return_from_rows(rows: Sequence[Row], as_of: datetime) -> ReturnRequest:
    """One return request from its report rows. `as_of` is when Amazon made the report: the report tells no change
    time of its own, so a return is Amazon's word as of then, and a later report's word replaces it."""
    if not rows:
        raise BadPayload("a return without rows")
    rma_id = _one(rows, "amazon-rma-id")
    order_id = _one(rows, "order-id")
    if not order_id:
        raise BadPayload("order-id is empty")
    status = _one(rows, "return-request-status")
    requested = [parse_time(r.cells.get("return-request-date", ""), "return-request-date") for r in rows]
    delivered = [parse_time(r.cells["return-delivery-date"], "return-delivery-date") for r in rows
                 if r.cells.get("return-delivery-date")]
    lines = []
    for row in rows:
        sku = row.cells.get("merchant-sku", "")
        if not sku:
            raise BadPayload(f"line {row.line}: merchant-sku is empty")
        lines.append(ReturnLine("", sku, _quantity(row.cells.get("return-quantity", ""), row.line)))
    refunds = [parse_amount(r.cells["refunded-amount"], "refunded-amount") for r in rows
               if r.cells.get("refunded-amount")]
    refund = None
    if refunds:
        currency = _one(rows, "currency-code")
        try:
            refund = Money(sum(refunds, Decimal(0)), currency)
        except DomainError as exc:
            raise BadPayload(f"refunded-amount in {currency!r}: {exc}") from None
    created = min(requested)
    state = return_state(status, bool(delivered), refund is not None and refund.amount > 0)
    reasons = list(dict.fromkeys(r.cells.get("return-reason", "") for r in rows if r.cells.get("return-reason")))
    tracking = next((r.cells["tracking-id"] for r in rows if r.cells.get("tracking-id")), "")
    raw: Any = [dict(r.cells) for r in rows]
    return ReturnRequest(
        platform_return_id=rma_id, platform_order_id=order_id, platform_status=status, state=state,
        created_at=created, updated_at=max([as_of, created, *delivered]), reason="; ".join(reasons),
        lines=tuple(lines), refund=refund, tracking_number=tracking, raw=raw)


def returns_from_report(text: str, as_of: datetime) -> list[ReturnRequest | BadRecord]:
    """Every return of a report, in the report's order; an unreadable one is a BadRecord with the reason."""
    rows, bad = read_flat_file(text)
    groups, orphans = group_by_return(rows)
    out: list[ReturnRequest | BadRecord] = [*bad, *orphans]
    for group in groups:
        try:
            out.append(return_from_rows(group, as_of))
        except BadPayload as exc:
            out.append(BadRecord(group[0].cells["amazon-rma-id"], exc.reason, [dict(r.cells) for r in group]))
    return out
