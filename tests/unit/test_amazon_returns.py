"""Amazon returns through the Reports API (2021-06-30): the flat-file returns report mapped to return requests, and
the connector against the emulator (createReport, getReport on the clock, getReportDocument, the presigned download)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.connectors.amazon.returns import AmazonReturns
from crossdock.connectors.amazon.returns_mapping import (
    decode,
    parse_amount,
    parse_time,
    return_state,
    returns_from_report,
)
from crossdock.domain.fulfilment.returns import ReturnRequest, ReturnState
from crossdock.domain.money import Money
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.emulators.amazon.reports import PROCESSING_TIME, QUEUE_TIME, RETURNS_REPORT
from crossdock.emulators.amazon.returns import COLUMNS
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats
from tests.unit.connector_setup import LAMP_AND_CASE, MemoryTokens, clock_sleep

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SELLER, MARKETPLACE = "A2Q8ZKX9LT3CDE", "A1PA6795UKMFR9"
STORE = f"{SELLER}:{MARKETPLACE}"
AS_OF = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.requests.append(request)
        self.responses.append(response)
        return response


@dataclass
class Env:
    emu: AmazonEmulator
    clock: ManualClock
    client: AmazonClient
    wire: Recording
    stats: CallStats
    tokens: MemoryTokens

    def shipped_order(self, lines: tuple[tuple[str, int], ...] = (("LAMP", 2), ("CASE", 1))) -> str:
        order_id = self.emu.place_order_lines(STORE, list(lines))
        assert order_id is not None
        self.emu.set_order_status(STORE, order_id, "Shipped")
        return order_id

    def source(self) -> AmazonReturns:
        return AmazonReturns(self.client, MARKETPLACE, self.clock, clock_sleep(self.clock))

    def read(self, since: datetime, until: datetime | None = None) -> list[ReturnRequest | BadRecord]:
        return [r for page in self.source().list_returns(since, until or self.clock.now()) for r in page]

    def operations(self) -> list[str]:
        return [c.operation for c in self.emu.calls]

    def cancel(self, report_id: str) -> httpx.Response:
        """cancelReport, which the connector never needs."""
        assert self.tokens.current is not None
        with httpx.Client(transport=self.emu.transport(), base_url="https://sellingpartnerapi-eu.amazon.test") as http:
            return http.delete(f"/reports/2021-06-30/reports/{report_id}",
                               headers={"x-amz-access-token": self.tokens.current.access_token.get_secret_value()})


def env() -> Env:
    clock = ManualClock(NOW)
    emu = AmazonEmulator("client-id", "client-secret", clock=clock, seed=5)
    emu.add_store(STORE, "DE")
    emu.set_catalogue(STORE, LAMP_AND_CASE)
    wire = Recording(emu.transport())
    tokens, stats = MemoryTokens(), CallStats()
    api = HttpApi("https://sellingpartnerapi-eu.amazon.test", stats=stats, transport=wire, sleep=clock_sleep(clock))
    client = AmazonClient(api, client_id="client-id", client_secret=SecretStr("client-secret"),
                          lwa_url="https://api.amazon.test/auth/o2/token", clock=clock,
                          sleep=clock_sleep(clock), tokens=tokens)
    tokens.current = client.exchange_code(emu.authorize(SELLER))
    return Env(emu, clock, client, wire, stats, tokens)


# ---- the connector against the emulator ------------------------------------------------------------------------

def test_a_buyers_return_is_read_from_the_returns_report() -> None:
    e = env()
    order_id = e.shipped_order()
    since = e.clock.now()
    e.clock.advance(hours=2)
    rma_id = e.emu.open_return(STORE, order_id, 1)
    e.clock.advance(minutes=5)
    [request] = e.read(since)
    assert isinstance(request, ReturnRequest)
    assert (request.platform_return_id, request.platform_order_id) == (rma_id, order_id)
    assert (request.platform_status, request.state) == ("Approved", ReturnState.APPROVED)
    assert [(line.platform_line_id, line.sku, line.quantity) for line in request.lines] == [("", "LAMP", 1)]
    assert request.created_at == NOW + timedelta(hours=2)
    assert request.reason == "CR-UNWANTED_ITEM" and request.refund is None
    assert len(request.tracking_number) == 20           # Amazon's prepaid return label
    assert e.operations().count("createReport") == 1 and e.operations()[-2:] == ["getReportDocument", "s3:GetObject"]


def test_the_download_goes_to_the_presigned_url_without_the_sp_api_token() -> None:
    e = env()
    e.emu.open_return(STORE, e.shipped_order(), 1)
    e.clock.advance(minutes=1)
    e.read(NOW)
    download = e.wire.requests[-1]
    assert "/s3/" in download.url.path and "X-Amz-Signature" in str(download.url)
    assert "x-amz-access-token" not in download.headers
    assert e.wire.responses[-1].headers["content-type"] == "text/plain;charset=Cp1252"


def test_the_report_is_polled_until_amazon_made_it_and_the_usage_plan_header_is_kept() -> None:
    e = env()
    e.emu.open_return(STORE, e.shipped_order(), 1)
    e.clock.advance(minutes=1)
    started = e.clock.now()
    e.read(NOW)
    polls = [c for c in e.emu.calls if c.operation == "getReport"]
    # Made QUEUE_TIME + PROCESSING_TIME after the request: the connector looks after 15 s, 45 s and 105 s.
    assert len(polls) == 3 and polls[-1].time - started >= QUEUE_TIME + PROCESSING_TIME
    created = next(r for q, r in zip(e.wire.requests, e.wire.responses, strict=True)
                   if q.url.path.endswith("/reports") and q.method == "POST")
    assert created.status_code == 202 and created.headers["x-amzn-RateLimit-Limit"] == "0.0167"


def test_each_report_covers_the_sixty_days_before_its_end_so_old_returns_show_their_new_status() -> None:
    e = env()
    rma_id = e.emu.open_return(STORE, e.shipped_order(), 2, reason="CR-DEFECTIVE")
    e.clock.advance(days=20)
    e.emu.update_return(STORE, rma_id, delivered=True)
    e.clock.advance(days=1)
    e.emu.update_return(STORE, rma_id, status="Closed", refund=Decimal("49.80"))
    e.clock.advance(minutes=10)
    since = e.clock.now() - timedelta(minutes=15)      # a pull of the last quarter of an hour
    [request] = e.read(since)
    assert isinstance(request, ReturnRequest)
    assert request.state is ReturnState.REFUNDED and request.refund == Money(Decimal("49.80"), "EUR")
    assert request.created_at == NOW and request.updated_at > since
    [report] = e.emu.world.reports.reports.values()
    assert report.data_end - report.data_start == timedelta(days=60)


def test_a_range_longer_than_sixty_days_is_read_in_several_reports() -> None:
    e = env()
    e.clock.advance(days=100)
    end = e.clock.now()
    e.read(NOW, end)
    reports = sorted(e.emu.world.reports.reports.values(), key=lambda r: r.data_end)
    assert [(r.data_start, r.data_end) for r in reports] == [(NOW, NOW + timedelta(days=60)),
                                                             (end - timedelta(days=60), end)]


def test_a_report_with_nothing_in_it_is_cancelled_by_amazon_and_reads_as_no_returns() -> None:
    e = env()
    e.shipped_order()
    assert e.read(NOW - timedelta(days=1)) == []
    [report] = e.emu.world.reports.reports.values()
    assert report.status == "CANCELLED" and not report.document_id
    assert "getReportDocument" not in e.operations()


def test_a_gzip_report_document_reads_the_same() -> None:
    e = env()
    e.emu.report_compression = "GZIP"
    rma_id = e.emu.open_return(STORE, e.shipped_order(), 1, sku="CASE")
    e.clock.advance(minutes=1)
    [request] = e.read(NOW)
    assert isinstance(request, ReturnRequest) and request.platform_return_id == rma_id
    assert request.lines[0].sku == "CASE"
    assert e.wire.responses[-1].content[:2] == b"\x1f\x8b"


def test_a_return_outside_the_policy_waits_for_the_seller_and_a_refused_one_is_rejected() -> None:
    e = env()
    rma_id = e.emu.open_return(STORE, e.shipped_order(), 1, in_policy=False)
    e.clock.advance(minutes=1)
    [pending] = e.read(NOW)
    assert isinstance(pending, ReturnRequest) and pending.state is ReturnState.REQUESTED
    assert pending.tracking_number == ""                  # no label before the seller authorizes it
    e.emu.update_return(STORE, rma_id, status="Rejected")
    [rejected] = e.read(NOW)
    assert isinstance(rejected, ReturnRequest) and rejected.state is ReturnState.REJECTED


def test_a_row_that_cannot_be_mapped_is_a_bad_record_and_the_rest_still_come() -> None:
    e = env()
    odd = e.emu.open_return(STORE, e.shipped_order(), 1)
    good = e.emu.open_return(STORE, e.shipped_order(), 1)
    e.emu.world.seller(SELLER).returns[odd].extra["return-request-status"] = "Teleported"
    e.clock.advance(minutes=1)
    found = {r.platform_return_id if isinstance(r, ReturnRequest) else r.platform_id: r for r in e.read(NOW)}
    assert isinstance(found[good], ReturnRequest)
    assert isinstance(found[odd], BadRecord) and "Teleported" in found[odd].reason


def test_the_client_keeps_create_reports_usage_plan_instead_of_meeting_429() -> None:
    e = env()
    for _ in range(16):          # burst 15, then one every 60 s
        e.client.create_report(RETURNS_REPORT, [MARKETPLACE], NOW - timedelta(days=1), NOW)
    assert all(c.status_code == 202 for c in e.emu.calls if c.operation == "createReport")
    assert e.stats.throttle_wait_seconds >= 59


def test_amazon_refuses_a_range_too_long_an_end_in_the_future_and_an_unknown_marketplace() -> None:
    e = env()
    with pytest.raises(Fatal, match="at most 60 days") as caught:
        e.client.create_report(RETURNS_REPORT, [MARKETPLACE], NOW - timedelta(days=61), NOW)
    assert caught.value.code == "InvalidInput"
    with pytest.raises(Fatal, match="current date and time"):
        e.client.create_report(RETURNS_REPORT, [MARKETPLACE], NOW, NOW + timedelta(hours=1))
    with pytest.raises(Fatal, match="Invalid marketplaceIds"):
        e.client.create_report(RETURNS_REPORT, ["A13V1IB3VIYZZH"], NOW - timedelta(days=1), NOW)


def test_the_report_moves_through_its_statuses_on_the_clock_and_only_a_queued_one_can_be_cancelled() -> None:
    e = env()
    e.emu.open_return(STORE, e.shipped_order(), 1)
    report_id = e.client.create_report(RETURNS_REPORT, [MARKETPLACE], NOW - timedelta(days=1), NOW)["reportId"]
    assert e.client.get_report(report_id)["processingStatus"] == "IN_QUEUE"
    e.clock.advance(QUEUE_TIME)
    assert e.client.get_report(report_id)["processingStatus"] == "IN_PROGRESS"
    assert e.cancel(report_id).status_code == 400     # "Only reports with processingStatus=IN_QUEUE can be cancelled"
    e.clock.advance(PROCESSING_TIME)
    done = e.client.get_report(report_id)
    assert done["processingStatus"] == "DONE" and done["reportDocumentId"].startswith("amzn1.spdoc.")
    assert done["processingEndTime"] and done["dataStartTime"].endswith("Z")
    located = e.client.get_report_document(done["reportDocumentId"])
    assert located["reportDocumentId"] == done["reportDocumentId"] and "compressionAlgorithm" not in located
    content, charset = e.client.download_report(located["url"])
    assert charset.lower() == "cp1252" and content.decode("cp1252").split("\n")[0].split("\t") == list(COLUMNS)
    e.clock.advance(minutes=6)           # "This URL expires after 5 minutes."
    with pytest.raises(Fatal, match="403"):
        e.client.download_report(located["url"])


def test_a_queued_report_can_be_cancelled_and_another_sellers_report_is_not_found() -> None:
    e = env()
    report_id = e.client.create_report(RETURNS_REPORT, [MARKETPLACE], NOW - timedelta(days=1), NOW)["reportId"]
    assert e.cancel(report_id).status_code == 200
    assert e.client.get_report(report_id)["processingStatus"] == "CANCELLED"
    other = "A3OTHERSELLER1"
    e.emu.add_store(f"{other}:{MARKETPLACE}", "DE")
    e.tokens.current = e.client.exchange_code(e.emu.authorize(other))
    stranger = AmazonClient(HttpApi("https://sellingpartnerapi-eu.amazon.test", stats=CallStats(),
                                    transport=e.emu.transport(), sleep=clock_sleep(e.clock)),
                            client_id="client-id", client_secret=SecretStr("client-secret"),
                            lwa_url="https://api.amazon.test/auth/o2/token", clock=e.clock,
                            sleep=clock_sleep(e.clock), tokens=e.tokens)
    with pytest.raises(Fatal) as caught:
        stranger.get_report(report_id)
    assert caught.value.code == "NotFound"


# ---- the emulator's control routes ------------------------------------------------------------------------------

def test_a_return_is_opened_and_moved_through_the_control_routes() -> None:
    e = env()
    order_id = e.shipped_order()
    with httpx.Client(transport=e.emu.transport(), base_url="http://emulator") as http:
        opened = http.post(f"/_emulator/stores/{STORE}/orders/{order_id}/returns", json={"quantity": 2})
        assert opened.status_code == 201
        rma_id = opened.json()["amazon_rma_id"]
        too_many = http.post(f"/_emulator/stores/{STORE}/orders/{order_id}/returns", json={"quantity": 1})
        assert too_many.status_code == 409           # both lamps are on their way back already
        moved = http.post(f"/_emulator/stores/{STORE}/returns/{rma_id}", json={"delivered": True, "refund": "49.80"})
        assert moved.status_code == 200
        [row] = moved.json()["rows"]
        assert row["refunded-amount"] == "49.80" and row["return-delivery-date"]
        unshipped = e.emu.place_order_lines(STORE, [("CASE", 1)])
        refused = http.post(f"/_emulator/stores/{STORE}/orders/{unshipped}/returns", json={})
        assert refused.status_code == 409


# ---- pure mapping ----------------------------------------------------------------------------------------------

def _report(*rows: dict[str, str], header: tuple[str, ...] = COLUMNS) -> str:
    lines = ["\t".join(header)] + ["\t".join(row.get(c, "") for c in header) for row in rows]
    return "\n".join(lines) + "\n"


def _row(**cells: str) -> dict[str, str]:
    base = {"order-id": "303-1234567-1234567", "order-date": "2026-10-20T10:00:00+00:00",
            "return-request-date": "2026-10-30T09:15:00+00:00", "return-request-status": "Approved",
            "amazon-rma-id": "DfTq9kLm2RMA", "currency-code": "EUR", "tracking-id": "00340434161234567890",
            "asin": "B0LAMP0001", "merchant-sku": "LAMP", "item-name": "Desk Lamp", "return-quantity": "1",
            "return-reason": "CR-UNWANTED_ITEM", "in-policy": "Y"}
    return {**base, **{k.replace("_", "-"): v for k, v in cells.items()}}


def test_the_rows_of_one_rma_are_one_request_with_a_line_per_item() -> None:
    text = _report(_row(), _row(asin="B0CASE0001", merchant_sku="CASE", return_quantity="2"),
                   _row(amazon_rma_id="DaBc12345RMA", order_id="303-7654321-7654321"))
    first, second = returns_from_report(text, AS_OF)
    assert isinstance(first, ReturnRequest) and isinstance(second, ReturnRequest)
    assert [(line.sku, line.quantity) for line in first.lines] == [("LAMP", 1), ("CASE", 2)]
    assert first.created_at == datetime(2026, 10, 30, 9, 15, tzinfo=UTC) and first.updated_at == AS_OF
    assert first.tracking_number == "00340434161234567890"
    assert second.platform_order_id == "303-7654321-7654321"


def test_the_seller_central_spelling_of_the_header_reads_the_same() -> None:
    spelled = ("Order ID", "Return request date", "Return request status", "Amazon RMA ID", "Merchant SKU",
               "Return quantity", "Return Reason", "Currency code", "Refunded Amount")
    row = {"Order ID": "303-1234567-1234567", "Return request date": "2026-10-30", "Return request status": "Closed",
           "Amazon RMA ID": "DfTq9kLm2RMA", "Merchant SKU": "LAMP", "Return quantity": "1",
           "Return Reason": "CR-DEFECTIVE", "Currency code": "EUR", "Refunded Amount": "24,90"}
    [request] = returns_from_report(_report(row, header=spelled), AS_OF)
    assert isinstance(request, ReturnRequest)
    assert request.state is ReturnState.REFUNDED and request.refund == Money(Decimal("24.90"), "EUR")
    assert request.created_at == datetime(2026, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(("status", "delivered", "refunded", "state"), [
    ("Pending", False, False, ReturnState.REQUESTED),
    ("Approved", False, False, ReturnState.APPROVED),
    ("Authorized", False, False, ReturnState.APPROVED),
    ("approved", True, False, ReturnState.RECEIVED),
    ("Approved", True, True, ReturnState.REFUNDED),
    ("Closed", True, True, ReturnState.REFUNDED),
    ("Closed", True, False, ReturnState.RECEIVED),
    ("Closed", False, False, ReturnState.CANCELLED),
    ("Rejected", False, False, ReturnState.REJECTED),
    ("Cancelled", False, False, ReturnState.CANCELLED),
])
def test_amazons_status_and_what_happened_give_our_state(status: str, delivered: bool, refunded: bool,
                                                        state: ReturnState) -> None:
    assert return_state(status, delivered, refunded) is state


@pytest.mark.parametrize(("cells", "reason"), [
    ({"return_request_status": "Teleported"}, "return-request-status 'Teleported'"),
    ({"merchant_sku": ""}, "merchant-sku is empty"),
    ({"return_quantity": "two"}, "return-quantity is 'two'"),
    ({"return_quantity": "0"}, "expected at least 1"),
    ({"return_request_date": "yesterday"}, "return-request-date is 'yesterday'"),
    ({"refunded_amount": "lots"}, "refunded-amount is 'lots'"),
    ({"refunded_amount": "5.00", "currency_code": ""}, "refunded-amount in ''"),
    ({"order_id": ""}, "order-id is empty"),
])
def test_a_return_that_cannot_be_mapped_is_a_bad_record_with_the_reason(cells: dict[str, str], reason: str) -> None:
    found = returns_from_report(_report(_row(**cells), _row(amazon_rma_id="DaBc12345RMA")), AS_OF)
    bad = [r for r in found if isinstance(r, BadRecord)]
    assert [b.platform_id for b in bad] == ["DfTq9kLm2RMA"] and reason in bad[0].reason
    assert [r.platform_return_id for r in found if isinstance(r, ReturnRequest)] == ["DaBc12345RMA"]


def test_rows_without_an_rma_id_or_with_extra_cells_are_bad_records() -> None:
    text = _report(_row(amazon_rma_id=""), _row()) + "\t".join(["x"] * (len(COLUMNS) + 2)) + "\n"
    found = returns_from_report(text, AS_OF)
    reasons = sorted(r.reason for r in found if isinstance(r, BadRecord))
    assert any("amazon-rma-id is empty" in r for r in reasons) and any("cells" in r for r in reasons)
    assert [r.platform_return_id for r in found if isinstance(r, ReturnRequest)] == ["DfTq9kLm2RMA"]


def test_rows_of_one_rma_that_disagree_on_the_order_are_one_bad_record() -> None:
    [bad] = returns_from_report(_report(_row(), _row(order_id="303-0000000-0000000")), AS_OF)
    assert isinstance(bad, BadRecord) and "disagree on order-id" in bad.reason and len(bad.payload) == 2


def test_an_empty_report_or_one_with_only_a_header_has_no_returns() -> None:
    assert returns_from_report("", AS_OF) == []
    assert returns_from_report(_report(), AS_OF) == []


def test_the_document_is_decoded_in_the_charset_s3_names() -> None:
    text = "item-name\nRösle Pfanne\n"
    assert decode(text.encode("cp1252"), "Cp1252") == text
    assert decode(text.encode("utf-8"), "UTF-8") == text
    assert decode(("\ufeff" + text).encode("utf-8"), "") == text     # no charset: UTF-8 when it is UTF-8
    assert decode(text.encode("cp1252"), "") == text                 # ... else Windows-1252
    assert decode(gzip.decompress(gzip.compress(text.encode("cp1252"))), "x-unknown") == text


@pytest.mark.parametrize(("text", "moment"), [
    ("2026-10-30T09:15:00+00:00", datetime(2026, 10, 30, 9, 15, tzinfo=UTC)),
    ("2026-10-30T10:15:00+01:00", datetime(2026, 10, 30, 9, 15, tzinfo=UTC)),
    ("2026-10-30T09:15:00Z", datetime(2026, 10, 30, 9, 15, tzinfo=UTC)),
    ("2026-10-30 09:15:00 UTC", datetime(2026, 10, 30, 9, 15, tzinfo=UTC)),
    ("2026-10-30", datetime(2026, 10, 30, tzinfo=UTC)),
    ("30.10.2026", datetime(2026, 10, 30, tzinfo=UTC)),
])
def test_report_times_are_read_as_aware_utc(text: str, moment: datetime) -> None:
    assert parse_time(text, "return-request-date") == moment


@pytest.mark.parametrize(("text", "amount"), [
    ("24.90", Decimal("24.90")), ("24,90", Decimal("24.90")), ("1.234,50", Decimal("1234.50")),
    ("1,234.50", Decimal("1234.50")), ("0", Decimal(0)),
])
def test_report_amounts_are_exact_decimals_in_either_notation(text: str, amount: Decimal) -> None:
    assert parse_amount(text, "refunded-amount") == amount
