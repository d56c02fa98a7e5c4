"""The Reports API (2021-06-30) of the emulator: createReport, getReports, getReport, cancelReport and
getReportDocument as reports_2021-06-30.json describes them; report documents are downloaded from the same
presigned "S3" URLs as feed documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crossdock.emulators.amazon.feeds_api import FeedsApi
from crossdock.emulators.amazon.reports import MAX_DATA_RANGE, PROCESSING_STATUSES, RETENTION, Report
from crossdock.emulators.amazon.wire import Answer, ApiError, Context, decode_token, encode_token, invalid
from crossdock.emulators.amazon.world import parse_iso

if TYPE_CHECKING:
    from crossdock.emulators.amazon.emulator import AmazonEmulator

REPORTS_PATH = "/reports/2021-06-30"
# CreateReportSpecification.marketplaceIds: "minItems": 1, "maxItems": 25; getReports reportTypes and
# marketplaceIds "maxItems": 10; pageSize 1-100, default 10.
MAX_REPORT_MARKETPLACES = 25
MAX_FILTER_ITEMS = 10
MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 100, 10
# Assumption: the emulator produces only the report types it has data for; any other is refused.
SUPPORTED_REPORTS = frozenset(MAX_DATA_RANGE)


class ReportsApi:
    """The Reports API on the seller's data; `authenticate` checks the token and charges the usage plan."""

    def __init__(self, emulator: AmazonEmulator, authenticate: Callable[[Context], str], feeds: FeedsApi) -> None:
        self.emu = emulator
        self._authenticate = authenticate
        self._feeds = feeds

    def operations(self) -> list[tuple[str, str, str, Callable[[Context], Any]]]:
        """(path, method, operationId, handler) for each operation served."""
        return [(REPORTS_PATH + "/reports", "POST", "createReport", self.create_report),
                (REPORTS_PATH + "/reports", "GET", "getReports", self.get_reports),
                (REPORTS_PATH + "/reports/{reportId}", "GET", "getReport", self.get_report),
                (REPORTS_PATH + "/reports/{reportId}", "DELETE", "cancelReport", self.cancel_report),
                (REPORTS_PATH + "/documents/{reportDocumentId}", "GET", "getReportDocument", self.get_document)]

    def create_report(self, ctx: Context) -> Answer:
        """createReport: POST /reports/2021-06-30/reports {reportType, marketplaceIds, dataStartTime?, dataEndTime?}
        -> 202 {reportId}."""
        seller_id = self._authenticate(ctx)
        body = _json(ctx)
        report_type, marketplaces = body.get("reportType"), body.get("marketplaceIds")
        if not isinstance(report_type, str) or not report_type:
            raise invalid("Invalid input", "reportType is required.")
        if report_type not in SUPPORTED_REPORTS:
            raise invalid("Invalid input", f"Invalid reportType: {report_type}.")
        if (not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= MAX_REPORT_MARKETPLACES
                or not all(isinstance(m, str) for m in marketplaces)):
            raise invalid("Invalid input", f"marketplaceIds takes 1 to {MAX_REPORT_MARKETPLACES} marketplace ids.")
        seller = self.emu.world.seller(seller_id)
        unknown = [m for m in marketplaces if m not in seller.participations]
        if unknown:
            raise invalid("Invalid input", f"Invalid marketplaceIds: {','.join(unknown)}.")
        start = _time(body, "dataStartTime", ctx.now)
        end = _time(body, "dataEndTime", ctx.now)
        # "The value must be prior to or equal to the current date and time."
        for name, value in (("dataStartTime", start), ("dataEndTime", end)):
            if value > ctx.now:
                raise invalid("Invalid input", f"{name} must be prior to or equal to the current date and time.")
        if start > end:
            raise invalid("Invalid input", "dataStartTime must be prior to or equal to dataEndTime.")
        # Assumption: a longer range than the report allows is refused at once (the docs state only the limit).
        longest = MAX_DATA_RANGE[report_type]
        if end - start > longest:
            raise invalid("Invalid input", f"{report_type} covers at most {longest.days} days of data.")
        report = self.emu.world.reports.create(seller_id, report_type, list(dict.fromkeys(marketplaces)), start, end,
                                               ctx.now)
        return Answer(202, {"reportId": report.report_id})

    def get_reports(self, ctx: Context) -> dict[str, Any]:
        """getReports: GET /reports/2021-06-30/reports (reportTypes or nextToken), newest first."""
        seller_id = self._authenticate(ctx)
        token = ctx.param("nextToken")
        if token:
            # "include this token as the only parameter. Specifying nextToken with any other parameters will cause
            # the request to fail."
            if len(ctx.query) != 1:
                raise invalid("Invalid input", "nextToken must be the only parameter.")
            state = decode_token(token, "nextToken")
            if state.get("sub") != seller_id:
                raise invalid("Invalid input", "Invalid nextToken.")
        else:
            state = self._query(ctx, seller_id)
        try:
            since, until = parse_iso(state["a"]), parse_iso(state["b"])
            size, offset = int(state["n"]), int(state["i"])
        except (KeyError, TypeError, ValueError):
            raise invalid("Invalid input", "Invalid nextToken.") from None
        assert since is not None and until is not None
        found = [r for r in self.emu.world.reports.reports.values()
                 if r.seller_id == seller_id and r.report_type in state["t"] and since <= r.created <= until
                 and (not state["s"] or r.processing_status(ctx.now) in state["s"])
                 and (not state["m"] or set(r.marketplace_ids) & set(state["m"]))]
        found.sort(key=lambda r: (r.created, int(r.report_id)), reverse=True)
        page = found[offset:offset + size]
        answer: dict[str, Any] = {"reports": [r.payload(ctx.now) for r in page]}
        if offset + size < len(found):
            answer["nextToken"] = encode_token({**state, "i": offset + size})
        return answer

    def _query(self, ctx: Context, seller_id: str) -> dict[str, Any]:
        types = ctx.listed("reportTypes")
        if not types:
            raise invalid("Invalid input", "Either reportTypes or nextToken is required.")
        statuses, marketplaces = ctx.listed("processingStatuses"), ctx.listed("marketplaceIds")
        if len(types) > MAX_FILTER_ITEMS or len(marketplaces) > MAX_FILTER_ITEMS:
            raise invalid("Invalid input", f"reportTypes and marketplaceIds take at most {MAX_FILTER_ITEMS} values.")
        if any(s not in PROCESSING_STATUSES for s in statuses):
            raise invalid("Invalid input", "Invalid input in processing status")
        size_text = ctx.param("pageSize")
        try:
            size = DEFAULT_PAGE_SIZE if size_text in (None, "") else int(str(size_text))
        except ValueError:
            raise invalid("Invalid input", f"Invalid pageSize: {size_text}") from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise invalid("Invalid input", f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")
        since = _param_time(ctx, "createdSince") or ctx.now - RETENTION
        until = _param_time(ctx, "createdUntil") or ctx.now
        return {"t": types, "s": statuses, "m": marketplaces, "n": size, "i": 0, "a": since.isoformat(),
                "b": until.isoformat(), "sub": seller_id}

    def get_report(self, ctx: Context) -> dict[str, Any]:
        """getReport: GET /reports/2021-06-30/reports/{reportId}."""
        seller_id = self._authenticate(ctx)
        return self._report(seller_id, str(ctx.extra.get("reportId", "")), ctx.now).payload(ctx.now)

    def cancel_report(self, ctx: Context) -> dict[str, Any]:
        """cancelReport: DELETE /reports/2021-06-30/reports/{reportId}; "Only reports with processingStatus=IN_QUEUE
        can be cancelled"."""
        seller_id = self._authenticate(ctx)
        report = self._report(seller_id, str(ctx.extra.get("reportId", "")), ctx.now)
        if report.processing_status(ctx.now) != "IN_QUEUE":
            raise invalid("Invalid input", "Only reports with processingStatus IN_QUEUE can be cancelled.")
        report.status = "CANCELLED"
        return {}

    def get_document(self, ctx: Context) -> dict[str, Any]:
        """getReportDocument: GET /reports/2021-06-30/documents/{reportDocumentId} -> {reportDocumentId, url,
        compressionAlgorithm when compressed}; the URL is presigned for five minutes."""
        seller_id = self._authenticate(ctx)
        document_id = str(ctx.extra.get("reportDocumentId", ""))
        owner = next((r for r in self.emu.world.reports.reports.values()
                      if r.document_id == document_id and r.seller_id == seller_id), None)
        document = self.emu.world.feeds.documents.get(document_id)
        if owner is None or document is None:
            raise ApiError(404, "NotFound", "The specified resource does not exist.", f"No document {document_id}.")
        answer = {"reportDocumentId": document_id, "url": self._feeds.presign(ctx.base_url, "GET", document, ctx.now)}
        if document.compression:
            answer["compressionAlgorithm"] = document.compression
        return answer

    def _report(self, seller_id: str, report_id: str, now: datetime) -> Report:
        report = self.emu.world.reports.reports.get(report_id)
        if report is None or report.seller_id != seller_id or report.created < now - RETENTION:
            raise ApiError(404, "NotFound", "The specified resource does not exist.", f"No report {report_id}.")
        return report


def _json(ctx: Context) -> dict[str, Any]:
    try:
        body = json.loads(ctx.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise invalid("Invalid input", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("Invalid input", "The request body must be a JSON object.")
    return body


def _time(body: dict[str, Any], name: str, default: datetime) -> datetime:
    """An ISO 8601 date-time of the body; absent, "the default is now"."""
    value = body.get(name)
    if value is None:
        return default
    moment = parse_iso(value)
    if moment is None:
        raise invalid("Invalid input", f"{name} must be an ISO 8601 date-time with a zone: {value!r}.")
    return moment


def _param_time(ctx: Context, name: str) -> datetime | None:
    text = ctx.param(name)
    if not text:
        return None
    moment = parse_iso(text)
    if moment is None:
        raise invalid("Invalid input", f"{name} must be an ISO 8601 date-time: {text!r}.")
    return moment


__all__ = ["REPORTS_PATH", "ReportsApi"]
