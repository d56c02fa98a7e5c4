"""The Feeds API (2021-06-30) of the emulator: feed documents, feeds moving through their statuses on the emulator's
clock, and processing reports. Each feed type has its processor: JSON_LISTINGS_FEED here (schemas/feeds/
listings-feed-schema-v2.json, listings-feed-processing-report-schema-v2.json; processing reuses the listings' own
patch submission), POST_ORDER_ACKNOWLEDGEMENT_DATA in order_feeds.py."""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crossdock.emulators.amazon.listings import Issue, Listing, Patch, PatchMalformed, parse_patches, submit

LISTINGS_FEED = "JSON_LISTINGS_FEED"
FEED_STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
# listings-feed-schema-v2: messages "maxItems": 10000; header.version "const": "2.0".
MAX_MESSAGES = 10000
FEED_VERSION = "2.0"
OPERATIONS = frozenset({"UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE"})
# Assumption: a feed waits this long IN_QUEUE, then is IN_PROGRESS for a base time plus a little per message.
QUEUE_TIME = timedelta(seconds=20)
PROCESSING_TIME = timedelta(seconds=10)
PER_MESSAGE = timedelta(milliseconds=5)
# Assumption: processing reports are stored GZIP-compressed (FeedDocument.compressionAlgorithm says so).
REPORT_COMPRESSION = "GZIP"
# Assumption: the codes of a malformed message and of a feed Amazon cannot read at all.
MALFORMED_MESSAGE = "4000001"
FATAL_FEED = "4000000"

# What processing needs of the world: the listings of the seller's store in a marketplace (None: no such store).
StoreListings = Callable[[str, str], "dict[str, Listing] | None"]
# An XML feed's messages, counted to time its processing.
XML_MESSAGE = re.compile(rb"<Message[\s>]")


def iso_ms(moment: datetime) -> str:
    """Feed times as the Feeds API writes them: "2019-12-11T13:16:24.630Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Document:
    """A feed document: an input the seller uploads to its presigned URL, or a processing report."""

    document_id: str
    seller_id: str
    content_type: str
    created: datetime
    body: bytes | None = None        # None until uploaded
    compression: str = ""


@dataclass
class Feed:
    feed_id: str
    seller_id: str
    feed_type: str
    marketplace_ids: list[str]
    document_id: str
    created: datetime
    messages: int
    status: str = ""                 # "" while it follows the clock; CANCELLED, DONE or FATAL once settled
    ended: datetime | None = None
    result_document_id: str = ""

    @property
    def starts(self) -> datetime:
        return self.created + QUEUE_TIME

    @property
    def ends(self) -> datetime:
        return self.starts + PROCESSING_TIME + self.messages * PER_MESSAGE

    def processing_status(self, now: datetime) -> str:
        if self.status:
            return self.status
        return "IN_QUEUE" if now < self.starts else "IN_PROGRESS"

    def payload(self, now: datetime) -> dict[str, Any]:
        """The `Feed` object of getFeed."""
        status = self.processing_status(now)
        body: dict[str, Any] = {"feedId": self.feed_id, "feedType": self.feed_type,
                                "marketplaceIds": list(self.marketplace_ids), "createdTime": iso_ms(self.created),
                                "processingStatus": status}
        if status != "IN_QUEUE" and status != "CANCELLED":
            body["processingStartTime"] = iso_ms(self.starts)
        if self.ended is not None and status in ("DONE", "FATAL"):
            body["processingEndTime"] = iso_ms(self.ended)
        if self.result_document_id:
            body["resultFeedDocumentId"] = self.result_document_id
        return body


@dataclass(frozen=True)
class Processed:
    """What processing a feed came to: its final status and its processing report, as stored for the seller."""

    status: str                      # DONE or FATAL
    report: bytes
    content_type: str


# Processes one feed's document at the given moment (the end of its processing time).
FeedProcessor = Callable[[Feed, "bytes | None", datetime], Processed]


@dataclass
class Feeds:
    """Every feed document and feed of the application's sellers; the emulator serialises access."""

    documents: dict[str, Document] = field(default_factory=dict)
    feeds: dict[str, Feed] = field(default_factory=dict)
    unsettled: list[str] = field(default_factory=list)   # feed ids still following the clock
    next_feed: int = 50_001_019_000  # feed ids are numeric strings ("3485934" in the model's example)

    def new_document(self, seller_id: str, content_type: str, now: datetime) -> Document:
        document = Document(f"amzn1.tortuga.4.eu.{uuid.uuid4()}", seller_id, content_type, now)
        self.documents[document.document_id] = document
        return document

    def create(self, seller_id: str, feed_type: str, marketplace_ids: list[str], document: Document,
               now: datetime) -> Feed:
        self.next_feed += 1
        feed = Feed(str(self.next_feed), seller_id, feed_type, marketplace_ids, document.document_id, now,
                    messages=_message_count(document.body))
        self.feeds[feed.feed_id] = feed
        self.unsettled.append(feed.feed_id)
        return feed

    def settle(self, now: datetime, processors: Mapping[str, FeedProcessor]) -> set[str]:
        """Process every feed whose processing time is over, oldest first, by its type's processor: apply its
        messages, store its report. Returns the sellers whose listings or orders may have changed."""
        changed: set[str] = set()
        for feed in [self.feeds[i] for i in self.unsettled]:
            if not feed.status and now >= feed.ends:
                processed = processors[feed.feed_type](feed, self.documents[feed.document_id].body, feed.ends)
                result = self.new_document(feed.seller_id, processed.content_type, feed.ends)
                result.body, result.compression = gzip.compress(processed.report), REPORT_COMPRESSION
                feed.status, feed.ended, feed.result_document_id = processed.status, feed.ends, result.document_id
                changed.add(feed.seller_id)
        self.unsettled = [i for i in self.unsettled if not self.feeds[i].status]
        return changed


def _message_count(body: bytes | None) -> int:
    """Messages of a JSON feed (its "messages" list) or of an XML one (its Message elements)."""
    try:
        messages = json.loads(body or b"").get("messages")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return len(XML_MESSAGE.findall(body or b""))
    return len(messages) if isinstance(messages, list) else 0


def listings_processor(stores: StoreListings) -> FeedProcessor:
    """JSON_LISTINGS_FEED's processor: messages applied to the listings `stores` finds, a JSON report."""
    def run(feed: Feed, body: bytes | None, now: datetime) -> Processed:
        status, report = process(feed, body, stores, now)
        return Processed(status, json.dumps(report).encode(), "application/json")
    return run


class FeedFatal(Exception):
    """The feed as a whole cannot be processed."""


def process(feed: Feed, body: bytes | None, stores: StoreListings, now: datetime) -> tuple[str, dict[str, Any]]:
    """(DONE or FATAL, the processing report) for a JSON_LISTINGS_FEED document."""
    header = {"sellerId": feed.seller_id, "version": FEED_VERSION, "feedId": feed.feed_id}
    try:
        messages, report_data = _read(feed, body)
    except FeedFatal as exc:
        issue = {"code": FATAL_FEED, "severity": "ERROR", "message": str(exc)}
        summary = {"errors": 1, "warnings": 0, "messagesProcessed": 0, "messagesAccepted": 0, "messagesInvalid": 0}
        return "FATAL", {"header": header, "issues": [issue], "summary": summary}
    issues: list[dict[str, Any]] = []
    invalid = 0
    for message in messages:
        found = _message(message, feed, stores, now)
        issues.extend(found)
        invalid += bool(found)
    summary = {"errors": len(issues), "warnings": 0, "messagesProcessed": len(messages),
               "messagesAccepted": len(messages) - invalid, "messagesInvalid": invalid}
    report: dict[str, Any] = {"header": header, "issues": issues, "summary": summary}
    if report_data:
        report["header"]["report"] = {"includedData": report_data, "apiVersion": "2021-08-01"}
    return "DONE", report


def _read(feed: Feed, body: bytes | None) -> tuple[list[Any], list[str]]:
    """The messages of a feed document and the datasets its header asks the report to include."""
    if body is None:
        raise FeedFatal("The feed document was never uploaded.")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FeedFatal("The feed document is not valid JSON.") from None
    header = document.get("header") if isinstance(document, dict) else None
    if not isinstance(header, dict) or header.get("version") != FEED_VERSION:
        raise FeedFatal(f"The feed header is missing or its version is not {FEED_VERSION}.")
    if header.get("sellerId") != feed.seller_id:
        raise FeedFatal("The sellerId of the feed header is not the selling partner's.")
    messages = document.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        raise FeedFatal(f"A feed holds 1 to {MAX_MESSAGES} messages.")
    report = header.get("report")
    included = report.get("includedData") if isinstance(report, dict) else None
    return messages, [str(x) for x in included] if isinstance(included, list) else []


def _message(message: Any, feed: Feed, stores: StoreListings, now: datetime) -> list[dict[str, Any]]:
    """Apply one message in every marketplace of the feed; its issues, each naming messageId and SKU."""
    message_id = message.get("messageId") if isinstance(message, dict) else None
    sku = message.get("sku") if isinstance(message, dict) else None
    operation = message.get("operationType") if isinstance(message, dict) else None
    try:
        if not isinstance(message_id, int) or isinstance(message_id, bool) or not isinstance(sku, str) or not sku:
            raise PatchMalformed("A message needs an integer messageId and a sku.")
        if operation not in OPERATIONS:
            raise PatchMalformed(f"The provided value for 'operationType' is invalid: {operation!r}.")
        product_type, patches = _patches(message, str(operation))
    except PatchMalformed as exc:
        return [{"messageId": message_id, "sku": sku, "code": MALFORMED_MESSAGE, "severity": "ERROR",
                 "message": str(exc)}]
    issues: list[Issue] = []
    for marketplace_id in feed.marketplace_ids:
        listings = stores(feed.seller_id, marketplace_id)
        if listings is None:
            continue
        if operation == "DELETE":
            listings.pop(sku, None)
        else:
            issues.extend(submit(listings, sku, product_type, patches, now)[0])
    return [_report_issue(message_id, sku, issue) for issue in issues]


def _report_issue(message_id: int, sku: str, issue: Issue) -> dict[str, Any]:
    """An issue as the processing report lists it (listings-feed-processing-report-schema-v2)."""
    entry: dict[str, Any] = {"messageId": message_id, "sku": sku, "code": issue.code, "severity": issue.severity,
                             "message": issue.message}
    if issue.attribute:
        entry["attributeName"] = issue.attribute
    return entry


def _patches(message: dict[str, Any], operation: str) -> tuple[str, list[Patch]]:
    """(productType, patches) of a message; PARTIAL_UPDATE and UPDATE replace the attributes they give."""
    if operation == "DELETE":
        return "", []
    product_type = message.get("productType")
    if not isinstance(product_type, str) or not product_type:
        raise PatchMalformed("The message needs a productType.")
    if operation == "PATCH":
        return product_type, parse_patches(message.get("patches"))
    attributes = message.get("attributes")
    if not isinstance(attributes, dict) or not attributes:
        raise PatchMalformed("The message needs attributes.")
    # Assumption: the emulator's listings hold few attributes, so UPDATE replaces those given, like PARTIAL_UPDATE.
    return product_type, parse_patches([{"op": "replace", "path": f"/attributes/{name}", "value": value}
                                        for name, value in attributes.items()])
