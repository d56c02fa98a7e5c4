"""One feed through the Feeds API (2021-06-30), whatever its type: createFeedDocument, the upload to its presigned
URL, createFeed, getFeed until Amazon is done with it, then getFeedDocument and the processing report's download.
Listings feeds (stock) and order acknowledgement feeds (cancellations) both go this way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from crossdock.connectors._kit.errors import Retryable

FEED_OVER = frozenset({"DONE", "FATAL", "CANCELLED"})
# getFeed allows 2 a second, but a feed takes minutes: polling twice a minute wastes nothing (assumption).
FEED_POLL_SECONDS = 30.0
FEED_TIMEOUT = timedelta(minutes=45)


class FeedClient(Protocol):
    """The AmazonClient operations a feed needs."""

    def create_feed_document(self, content_type: str) -> dict[str, Any]: ...
    def upload_document(self, url: str, content: bytes, content_type: str) -> None: ...
    def create_feed(self, feed_type: str, marketplace_ids: Sequence[str], document_id: str) -> dict[str, Any]: ...
    def get_feed(self, feed_id: str) -> dict[str, Any]: ...
    def get_feed_document(self, document_id: str) -> dict[str, Any]: ...
    def download_document(self, url: str, compression: str = "") -> bytes: ...


@dataclass(frozen=True)
class FeedRun:
    feed_id: str
    status: str                   # DONE, FATAL or CANCELLED; the last status seen when the wait ran out
    report: bytes | None          # the processing report, decompressed; None when the feed has none (yet)

    @property
    def over(self) -> bool:
        return self.status in FEED_OVER


def run_feed(client: FeedClient, sleep: Callable[[float], None], feed_type: str, marketplace_ids: Sequence[str],
             content: bytes, content_type: str) -> FeedRun:
    """Upload `content` as a feed of `feed_type`, wait for Amazon to process it, fetch its processing report.
    Raises the client's errors; a feed that is not over within FEED_TIMEOUT comes back as it was last seen."""
    created = client.create_feed_document(content_type)
    try:
        url, document_id = str(created["url"]), str(created["feedDocumentId"])
    except KeyError as exc:
        raise Retryable(f"createFeedDocument answered without {exc}") from None
    client.upload_document(url, content, content_type)
    feed_id = str(client.create_feed(feed_type, marketplace_ids, document_id).get("feedId", ""))
    if not feed_id:
        raise Retryable("createFeed answered without a feedId")
    feed = _await(client, sleep, feed_id)
    status = str(feed.get("processingStatus"))
    report = _report(client, feed) if status in FEED_OVER else None
    return FeedRun(feed_id, status, report)


def _await(client: FeedClient, sleep: Callable[[float], None], feed_id: str) -> dict[str, Any]:
    """getFeed until the feed is over, or the wait is (the feed as last seen). No feed is over at once: the first
    look comes one poll interval after creation."""
    waited = 0.0
    while True:
        sleep(FEED_POLL_SECONDS)
        waited += FEED_POLL_SECONDS
        feed = client.get_feed(feed_id)
        if feed.get("processingStatus") in FEED_OVER or waited >= FEED_TIMEOUT.total_seconds():
            return feed


def _report(client: FeedClient, feed: dict[str, Any]) -> bytes | None:
    document_id = feed.get("resultFeedDocumentId")
    if not document_id:
        return None
    located = client.get_feed_document(str(document_id))
    return client.download_document(str(located.get("url", "")), str(located.get("compressionAlgorithm") or ""))
