"""Amazon cancellations: the order acknowledgement feed document, its processing report read per message, and the
canceller against the emulator (one feed per batch, refusals in Amazon's words, already cancelled is a success) and
against canned answers (a feed that does not finish, a report that cannot be read, errors of the call itself)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthFailed, BadPayload, Fatal, Retryable
from crossdock.connectors._kit.ratelimit import BucketPool
from crossdock.connectors._kit.registry import ConnectorContext
from crossdock.connectors.amazon import CONNECTOR, AmazonSettings
from crossdock.connectors.amazon.cancel import AmazonCanceller
from crossdock.connectors.amazon.cancel_mapping import (
    CANCEL_REASONS,
    acknowledgement_feed,
    acknowledgement_report_errors,
)
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import (
    CallStats,
    CancelOutcome,
    CancelReason,
    CancelRequest,
    Capability,
    ShippedLine,
    StoreLink,
    TokenSet,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SELLER = "A2Q8ZKX9LT3CDE"
DE = "A1PA6795UKMFR9"
CLIENT_ID, SECRET = "amzn1.application-oa2-client.unit", "amzn1.oa2-cs.v1.unit-secret"
UNKNOWN = "999-9999999-9999999"
FEED_CALLS = ["createFeedDocument", "s3:PutObject", "createFeed", "getFeed", "getFeed", "getFeedDocument",
              "s3:GetObject"]


def request(order_id: str, lines: Sequence[tuple[str, int]] = (("11111111111111", 1),),
            reason: CancelReason = CancelReason.OUT_OF_STOCK) -> CancelRequest:
    return CancelRequest(order_id, reason, tuple(ShippedLine(line, quantity) for line, quantity in lines),
                         note="sold out")


# --- the feed document ---------------------------------------------------------------------------------------

def test_the_feed_cancels_each_order_with_failure_and_a_reason_per_item() -> None:
    document = acknowledgement_feed(SELLER, [
        request("028-1234567-1234567", [("20000000000001", 2), ("20000000000002", 1), ("20000000000001", 1)]),
        request("028-7654321-7654321", reason=CancelReason.BUYER_REQUEST)])
    root = ET.fromstring(document)
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert (root.tag, root.findtext("Header/MerchantIdentifier"), root.findtext("MessageType")) == (
        "AmazonEnvelope", SELLER, "OrderAcknowledgement")
    messages = root.findall("Message")
    assert [m.findtext("MessageID") for m in messages] == ["1", "2"]
    first = messages[0].find("OrderAcknowledgement")
    assert first is not None
    assert (first.findtext("AmazonOrderID"), first.findtext("StatusCode")) == ("028-1234567-1234567", "Failure")
    assert [(i.findtext("AmazonOrderItemCode"), i.findtext("CancelReason")) for i in first.findall("Item")] == [
        ("20000000000001", "NoInventory"), ("20000000000002", "NoInventory")]
    assert messages[1].findtext("OrderAcknowledgement/Item/CancelReason") == "BuyerCanceled"
    assert b"sold out" not in document          # the schema has no place for the seller's note


def test_every_reason_maps_to_one_the_acknowledgement_schema_takes() -> None:
    schema = {"NoInventory", "ShippingAddressUndeliverable", "CustomerExchange", "BuyerCanceled", "GeneralAdjustment",
              "CarrierCreditDecision", "RiskAssessmentInformationNotValid", "CarrierCoverageFailure", "CustomerReturn",
              "MerchandiseNotReceived"}
    assert set(CANCEL_REASONS) == set(CancelReason) and set(CANCEL_REASONS.values()) <= schema
    assert CANCEL_REASONS[CancelReason.UNDELIVERABLE_ADDRESS] == "ShippingAddressUndeliverable"


# --- the processing report -----------------------------------------------------------------------------------

def report(*results: tuple[str, str, str, str]) -> bytes:
    body = "".join(f"<Result><MessageID>{m}</MessageID><ResultCode>{c}</ResultCode><ResultMessageCode>{code}"
                   f"</ResultMessageCode><ResultDescription>{words}</ResultDescription></Result>"
                   for m, c, code, words in results)
    return ('<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion>'
            "<MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>ProcessingReport</MessageType><Message>"
            "<MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>5001</DocumentTransactionID>"
            "<StatusCode>Complete</StatusCode><ProcessingSummary><MessagesProcessed>3</MessagesProcessed>"
            "</ProcessingSummary>" + body + "</ProcessingReport></Message></AmazonEnvelope>").encode()


def test_the_report_gives_amazons_words_per_message_and_for_the_document() -> None:
    errors, document = acknowledgement_report_errors(report(
        ("2", "Error", "18001", "Invalid OrderID or AmazonOrderID."), ("2", "Error", "18008", "Bad item."),
        ("3", "Warning", "99", "fine"), ("0", "Error", "5000", "XML Parsing Error at Line 1, Column 2: x.")))
    assert errors == {2: "18001: Invalid OrderID or AmazonOrderID.; 18008: Bad item."}
    assert document == ["5000: XML Parsing Error at Line 1, Column 2: x."]
    assert acknowledgement_report_errors(report()) == ({}, [])


@pytest.mark.parametrize("content", [b"", b'{"issues": []}', b"<AmazonEnvelope/>",
                                     b'<!DOCTYPE x [<!ENTITY a "b">]><AmazonEnvelope/>'])
def test_a_report_that_is_not_a_processing_report_is_bad(content: bytes) -> None:
    with pytest.raises(BadPayload):
        acknowledgement_report_errors(content)


# --- the canceller against the emulator ----------------------------------------------------------------------

class Tokens:
    def __init__(self) -> None:
        self.current: TokenSet | None = None

    def load(self) -> TokenSet | None:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.current = tokens


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.emu = AmazonEmulator(CLIENT_ID, SECRET, clock=self.clock, seed=5)
        self.emu.set_rate_limit(1000, 1000)
        self.store = self.emu.add_store(SELLER, "DE")
        self.emu.set_catalogue(self.store, [ProductSpec("Lamp", (VariantSpec("LAMP", "", Decimal("24.90"), 50),)),
                                            ProductSpec("Case", (VariantSpec("CASE", "", Decimal("9.90"), 50),))])
        self.tokens = Tokens()
        self.ctx = ConnectorContext(clock=self.clock, sleep=self.sleep, transport=self.emu.transport(),
                                    buckets=BucketPool(self.clock, self.sleep))
        self.settings = AmazonSettings(base_url="https://sellingpartnerapi-eu.amazon.test", client_id=CLIENT_ID,
                                       client_secret=SecretStr(SECRET))
        self.tokens.current = CONNECTOR.authorizer(self.settings, self.ctx).exchange_code(
            self.emu.authorize(SELLER), SELLER)

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)

    def canceller(self) -> AmazonCanceller:
        assert CONNECTOR.cancels is not None
        link = StoreLink(store_id=1, external_id=self.store, region="DE", tokens=self.tokens, stats=CallStats())
        canceller = CONNECTOR.cancels(self.settings, link, self.ctx)
        assert isinstance(canceller, AmazonCanceller)
        return canceller

    def order(self) -> CancelRequest:
        order_id = self.emu.place_order_lines(self.store, [("LAMP", 2), ("CASE", 1)])
        assert order_id is not None
        items = self.emu.orders(self.store)[order_id]["OrderItems"]
        return request(order_id, [(i["OrderItemId"], i["QuantityOrdered"]) for i in items])

    def status(self, order_id: str) -> str:
        return str(self.emu.orders(self.store)[order_id]["OrderStatus"])

    def operations(self) -> list[str]:
        return [c.operation for c in self.emu.calls if c.operation]


@pytest.fixture
def world() -> Iterator[World]:
    yield World()


def test_the_connector_declares_cancellations() -> None:
    assert Capability.CANCEL in CONNECTOR.capabilities and CONNECTOR.cancels is not None


def test_a_batch_is_one_feed_and_each_order_has_its_fate(world: World) -> None:
    first, second = world.order(), world.order()
    bogus = request(UNKNOWN)
    before = len(world.emu.calls)
    outcomes = world.canceller().cancel_orders([first, bogus, second, first])
    assert [o.platform_order_id for o in outcomes] == [first.platform_order_id, UNKNOWN, second.platform_order_id,
                                                       first.platform_order_id]
    assert outcomes[0] == outcomes[3] == CancelOutcome(first.platform_order_id)
    assert outcomes[2] == CancelOutcome(second.platform_order_id)
    assert not outcomes[1].ok and not outcomes[1].retry
    assert "Invalid OrderID or AmazonOrderID" in outcomes[1].error
    assert world.status(first.platform_order_id) == world.status(second.platform_order_id) == "Canceled"
    # one message per order: the repeated request rides on the first one's message
    calls = [c.operation for c in world.emu.calls[before:] if c.operation]
    assert calls == [*FEED_CALLS, "getOrder"]          # the refused order is looked at once, without an RDT
    record = world.emu.cancellation(world.store, first.platform_order_id)
    assert record is not None and record["reason"] == "NoInventory" and record["messageId"] == 1


def test_cancelling_an_order_amazon_already_shows_cancelled_succeeds(world: World) -> None:
    order = world.order()
    canceller = world.canceller()
    assert canceller.cancel_orders([order]) == [CancelOutcome(order.platform_order_id)]
    assert canceller.cancel_orders([order]) == [CancelOutcome(order.platform_order_id)]
    buyer_gone = world.order()
    world.emu.set_order_status(world.store, buyer_gone.platform_order_id, "Canceled")
    assert canceller.cancel_orders([buyer_gone]) == [CancelOutcome(buyer_gone.platform_order_id)]
    assert world.emu.cancellation(world.store, buyer_gone.platform_order_id) is None


def test_a_shipped_order_is_refused_in_amazons_words(world: World) -> None:
    order = world.order()
    world.emu.set_order_status(world.store, order.platform_order_id, "Shipped")
    (outcome,) = world.canceller().cancel_orders([order])
    assert not outcome.ok and not outcome.retry and "shipped" in outcome.error
    assert world.status(order.platform_order_id) == "Shipped"


def test_a_pricing_error_goes_as_amazons_general_adjustment_and_puts_the_units_back(world: World) -> None:
    order = world.order()
    stock = {row["seller_sku"]: row["quantity"] for row in world.emu.listings(world.store)}
    priced = CancelRequest(order.platform_order_id, CancelReason.PRICING_ERROR, order.lines)
    assert world.canceller().cancel_orders([priced])[0].ok
    record = world.emu.cancellation(world.store, order.platform_order_id)
    assert record is not None and set(record["reasons"].values()) == {"GeneralAdjustment"}
    after = {row["seller_sku"]: row["quantity"] for row in world.emu.listings(world.store)}
    assert (after["LAMP"] - stock["LAMP"], after["CASE"] - stock["CASE"]) == (2, 1)


def test_nothing_to_cancel_calls_nothing(world: World) -> None:
    before = len(world.emu.calls)
    assert world.canceller().cancel_orders([]) == []
    assert len(world.emu.calls) == before


def test_a_server_that_stays_down_leaves_every_order_to_try_again(world: World) -> None:
    order = world.order()
    world.emu.fail_next(50, 503)
    (outcome,) = world.canceller().cancel_orders([order])
    assert not outcome.ok and outcome.retry
    assert world.status(order.platform_order_id) == "Unshipped"


# --- the canceller against canned answers ----------------------------------------------------------------------

class _Client:
    """Runs one feed through the given getFeed answers; getOrder answers `order` (or raises it)."""

    def __init__(self, feeds: list[dict[str, Any]], report: bytes = b"", order: Any = None,
                 create: Exception | None = None) -> None:
        self.feeds, self.report, self.order, self.create = list(feeds), report, order, create
        self.uploaded = b""
        self.looked_at: list[tuple[str, bool]] = []

    def create_feed_document(self, content_type: str) -> dict[str, Any]:
        if self.create is not None:
            raise self.create
        return {"feedDocumentId": "doc-1", "url": "https://s3.example/doc-1?sig"}

    def upload_document(self, url: str, content: bytes, content_type: str) -> None:
        assert content_type == "text/xml; charset=UTF-8"
        self.uploaded = content

    def create_feed(self, feed_type: str, marketplace_ids: Sequence[str], document_id: str) -> dict[str, Any]:
        assert (feed_type, list(marketplace_ids)) == ("POST_ORDER_ACKNOWLEDGEMENT_DATA", [DE])
        return {"feedId": "123"}

    def get_feed(self, feed_id: str) -> dict[str, Any]:
        return self.feeds.pop(0) if len(self.feeds) > 1 else self.feeds[0]

    def get_feed_document(self, document_id: str) -> dict[str, Any]:
        return {"feedDocumentId": document_id, "url": "https://s3.example/doc-2?sig"}

    def download_document(self, url: str, compression: str = "") -> bytes:
        return self.report

    def get_order(self, order_id: str, *, restricted: bool = True) -> dict[str, Any]:
        self.looked_at.append((order_id, restricted))
        if isinstance(self.order, Exception):
            raise self.order
        return dict(self.order or {})


def _cancel(client: _Client, count: int = 2) -> list[CancelOutcome]:
    canceller = AmazonCanceller(client, SELLER, DE, sleep=lambda s: None)   # type: ignore[arg-type]
    return canceller.cancel_orders([request(f"028-000000{i}-0000000") for i in range(count)])


DONE = {"processingStatus": "DONE", "resultFeedDocumentId": "doc-2"}


@pytest.mark.parametrize(("feeds", "words"), [
    ([{"processingStatus": "FATAL", "resultFeedDocumentId": "doc-2"}], "ended FATAL: 5000: unreadable"),
    ([{"processingStatus": "CANCELLED"}], "ended CANCELLED: no report"),
    ([{"processingStatus": "IN_PROGRESS"}] * 200, "still IN_PROGRESS"),
])
def test_a_feed_that_does_not_finish_leaves_every_order_to_try_again(feeds: list[dict[str, Any]], words: str) -> None:
    outcomes = _cancel(_Client(feeds, report(("0", "Error", "5000", "unreadable"))))
    assert all(not o.ok and o.retry and words in o.error for o in outcomes), outcomes


def test_a_report_that_cannot_be_read_leaves_every_order_to_try_again() -> None:
    outcomes = _cancel(_Client([DONE], b'{"not": "xml"}'))
    assert all(not o.ok and o.retry and "feed 123" in o.error for o in outcomes)


def test_a_refused_document_refuses_every_order_in_amazons_words() -> None:
    client = _Client([DONE], report(("0", "Error", "25", "We are unable to process the XML feed.")),
                     order={"OrderStatus": "Unshipped"})
    outcomes = _cancel(client)
    assert all(o.error == "25: We are unable to process the XML feed." and not o.retry for o in outcomes)
    assert client.looked_at == [("028-0000000-0000000", False), ("028-0000001-0000000", False)]


SECOND = "028-0000001-0000000"


@pytest.mark.parametrize(("order", "outcome"), [
    ({"OrderStatus": "Canceled"}, CancelOutcome(SECOND)),
    ({"OrderStatus": "Shipped"}, CancelOutcome(SECOND, error="18022: shipped")),
    (Fatal("getOrder: HTTP 404 NotFound", code="NotFound"), CancelOutcome(SECOND, error="18022: shipped")),
    (Retryable("getOrder: HTTP 503"), CancelOutcome(SECOND, error="18022: shipped", retry=True)),
])
def test_a_refused_order_is_looked_at_before_its_refusal_is_believed(order: Any, outcome: CancelOutcome) -> None:
    outcomes = _cancel(_Client([DONE], report(("2", "Error", "18022", "shipped")), order=order))
    assert outcomes == [CancelOutcome("028-0000000-0000000"), outcome]


@pytest.mark.parametrize(("error", "retry"), [(Retryable("HTTP 503 from createFeedDocument"), True),
                                              (Fatal("createFeedDocument: HTTP 400 InvalidInput"), False)])
def test_a_feed_that_cannot_be_sent_is_every_orders_outcome(error: Exception, retry: bool) -> None:
    outcomes = _cancel(_Client([DONE], create=error))
    assert all(o.error == str(error) and o.retry is retry for o in outcomes)


def test_a_lapsed_authorization_stops_the_whole_batch() -> None:
    with pytest.raises(AuthFailed):
        _cancel(_Client([DONE], create=AuthFailed("Login with Amazon refused: invalid_grant")))
