"""Amazon returns behind our ReturnSource, as sellers get them: the flat-file returns report of the Reports API
(2021-06-30). createReport GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE for the marketplace, getReport until Amazon has
made it, getReportDocument, then the document from its presigned URL (developer-docs "Reports API v2021-06-30 use
case guide", "Returns reports attributes")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import Retryable
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.connectors.amazon.returns_mapping import RETURNS_REPORT, decode, returns_from_report
from crossdock.domain.fulfilment.returns import ReturnRequest
from crossdock.domain.time import windows
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import BadRecord

# "You can request up to 60 days of data in a single report."
MAX_WINDOW = timedelta(days=60)
PAGE_SIZE = 100
# Assumption: Amazon makes a returns report in a minute or a few; getReport allows 2 a second, but a report is
# looked at after 15 s, then less and less often, for up to 45 minutes.
FIRST_POLL_SECONDS = 15.0
LONGEST_POLL_SECONDS = 120.0
REPORT_TIMEOUT = timedelta(minutes=45)
_OVER = frozenset({"DONE", "CANCELLED", "FATAL"})


def _floor(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


class AmazonReturns:
    """The report lists returns by the date the buyer asked, not by when they last changed, so each report covers
    the full 60 days that end at the window's end: a return asked for weeks ago and refunded or closed today is
    read again with its new status (the service keeps the newest word of each return)."""

    max_window = MAX_WINDOW

    def __init__(self, client: AmazonClient, marketplace_id: str, clock: Clock,
                 sleep: Callable[[float], None], page_size: int = PAGE_SIZE) -> None:
        self._client = client
        self._marketplace_id = marketplace_id
        self._clock = clock
        self._sleep = sleep
        self._page_size = page_size

    def list_returns(self, since: datetime, until: datetime) -> Iterator[list[ReturnRequest | BadRecord]]:
        # dataEndTime "must be prior to or equal to the current date and time".
        end = min(_floor(until), _floor(self._clock.now()))
        for _, window_end in windows(_floor(since), end, MAX_WINDOW):
            found = self._report(window_end - MAX_WINDOW, window_end)
            for i in range(0, len(found), self._page_size):
                yield found[i:i + self._page_size]

    def _report(self, start: datetime, end: datetime) -> list[ReturnRequest | BadRecord]:
        created = self._client.create_report(RETURNS_REPORT, [self._marketplace_id], start, end)
        report_id = str(created.get("reportId") or "")
        if not report_id:
            raise Retryable("createReport answered without a reportId")
        report = self._await(report_id)
        status = str(report.get("processingStatus") or "")
        if status == "CANCELLED":
            # "an automatic cancellation if there is no data to return": no returns were asked for in the range.
            return []
        if status == "FATAL":
            raise Retryable(f"Amazon aborted returns report {report_id} (FATAL)")
        if status != "DONE":
            raise Retryable(f"returns report {report_id} still {status or 'without a status'} after {REPORT_TIMEOUT}")
        document_id = str(report.get("reportDocumentId") or "")
        if not document_id:
            raise Retryable(f"returns report {report_id} is DONE without a reportDocumentId")
        located = self._client.get_report_document(document_id)
        url = str(located.get("url") or "")
        if not url:
            raise Retryable(f"getReportDocument answered no url for {document_id}")
        content, charset = self._client.download_report(url, str(located.get("compressionAlgorithm") or ""))
        return returns_from_report(decode(content, charset), self._as_of(report, end))

    def _await(self, report_id: str) -> dict[str, Any]:
        """getReport until the report is over, or the wait is (the report as last seen). No report is made at once:
        the first look comes after the first poll interval."""
        waited, interval = 0.0, FIRST_POLL_SECONDS
        while True:
            self._sleep(interval)
            waited += interval
            report = self._client.get_report(report_id)
            if report.get("processingStatus") in _OVER or waited >= REPORT_TIMEOUT.total_seconds():
                return report
            interval = min(interval * 2, LONGEST_POLL_SECONDS)

    @staticmethod
    def _as_of(report: dict[str, Any], fallback: datetime) -> datetime:
        """When Amazon read the returns it reports: the end of processing (the data's end when not given)."""
        text = report.get("processingEndTime")
        if isinstance(text, str):
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                return fallback
            if moment.tzinfo is not None:
                return moment
        return fallback
