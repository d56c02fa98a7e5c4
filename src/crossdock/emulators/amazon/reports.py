"""Reports (2021-06-30) of the emulator: reports requested with createReport move IN_QUEUE -> IN_PROGRESS -> DONE on
the emulator's clock, and a finished report's document is kept for getReportDocument (reports_2021-06-30.json).

The emulator produces one report type, GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE, from the returns it holds.
"""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crossdock.emulators.amazon.feeds import Document, iso_ms
from crossdock.emulators.amazon.returns import COLUMNS

RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
PROCESSING_STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
# "You can request up to 60 days of data in a single report." (Returns reports, both return-date reports.)
MAX_DATA_RANGE = {RETURNS_REPORT: timedelta(days=60)}
# Assumption: a report waits this long IN_QUEUE, then is IN_PROGRESS this long.
QUEUE_TIME = timedelta(seconds=15)
PROCESSING_TIME = timedelta(seconds=45)
# Flat-file reports are served as Windows-1252 text (the Content-Type Amazon's S3 answers with, seen by sellers in
# amzn/selling-partner-api-models#2748); characters outside it come out as "?".
FLAT_FILE_TYPE = "text/plain;charset=Cp1252"
FLAT_FILE_CHARSET = "cp1252"
# "Reports are retained for a maximum of 90 days."
RETENTION = timedelta(days=90)

# What processing needs of the world: the report rows of a seller's returns requested in [start, end] in the
# given marketplaces.
ReturnRows = Callable[[str, list[str], datetime, datetime], list[dict[str, str]]]


@dataclass
class Report:
    report_id: str
    seller_id: str
    report_type: str
    marketplace_ids: list[str]
    data_start: datetime
    data_end: datetime
    created: datetime
    status: str = ""                 # "" while it follows the clock; CANCELLED, DONE or FATAL once settled
    ended: datetime | None = None
    document_id: str = ""

    @property
    def starts(self) -> datetime:
        return self.created + QUEUE_TIME

    @property
    def ends(self) -> datetime:
        return self.starts + PROCESSING_TIME

    def processing_status(self, now: datetime) -> str:
        if self.status:
            return self.status
        return "IN_QUEUE" if now < self.starts else "IN_PROGRESS"

    def payload(self, now: datetime) -> dict[str, Any]:
        """The `Report` object of getReport and getReports."""
        status = self.processing_status(now)
        body: dict[str, Any] = {"marketplaceIds": list(self.marketplace_ids), "reportId": self.report_id,
                                "reportType": self.report_type, "dataStartTime": iso_ms(self.data_start),
                                "dataEndTime": iso_ms(self.data_end), "createdTime": iso_ms(self.created),
                                "processingStatus": status}
        if status != "IN_QUEUE" and not (status == "CANCELLED" and self.ended is None):
            body["processingStartTime"] = iso_ms(self.starts)
        if self.ended is not None and status in ("DONE", "FATAL", "CANCELLED"):
            body["processingEndTime"] = iso_ms(self.ended)
        if self.document_id:
            body["reportDocumentId"] = self.document_id
        return body


@dataclass
class Reports:
    """Every report of the application's sellers; the emulator serialises access."""

    reports: dict[str, Report] = field(default_factory=dict)
    unsettled: list[str] = field(default_factory=list)
    next_report: int = 53_041_019_000   # report ids are numeric strings
    compression: str = ""               # "GZIP" to store documents compressed (getReportDocument then says so)

    def create(self, seller_id: str, report_type: str, marketplace_ids: list[str], start: datetime, end: datetime,
               now: datetime) -> Report:
        self.next_report += 1
        report = Report(str(self.next_report), seller_id, report_type, marketplace_ids, start, end, now)
        self.reports[report.report_id] = report
        self.unsettled.append(report.report_id)
        return report

    def settle(self, now: datetime, rows: ReturnRows, documents: dict[str, Document]) -> None:
        """Finish every report whose processing time is over: DONE with its document, or CANCELLED when it holds
        no data ("an automatic cancellation if there is no data to return")."""
        for report in [self.reports[i] for i in self.unsettled]:
            if report.status or now < report.ends:
                continue
            found = rows(report.seller_id, report.marketplace_ids, report.data_start, report.data_end)
            report.ended = report.ends
            if not found:
                report.status = "CANCELLED"
                continue
            document = Document(f"amzn1.spdoc.1.4.eu.{uuid.uuid4()}.T{uuid.uuid4().hex[:12].upper()}",
                                report.seller_id, FLAT_FILE_TYPE, report.ends)
            body = flat_file(found).encode(FLAT_FILE_CHARSET, errors="replace")
            if self.compression == "GZIP":
                body, document.compression = gzip.compress(body), "GZIP"
            document.body = body
            documents[document.document_id] = document
            report.status, report.document_id = "DONE", document.document_id
        self.unsettled = [i for i in self.unsettled if not self.reports[i].status]


def flat_file(rows: list[dict[str, str]]) -> str:
    """Tab-separated, a header line, one line per row, no quoting (tabs and line breaks in values become spaces)."""
    def cell(value: str) -> str:
        return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")

    header = list(COLUMNS) + [c for c in dict.fromkeys(k for row in rows for k in row) if c not in COLUMNS]
    lines = ["\t".join(header)] + ["\t".join(cell(row.get(c, "")) for c in header) for row in rows]
    return "\n".join(lines) + "\n"
