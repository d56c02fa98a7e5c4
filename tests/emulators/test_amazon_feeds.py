"""The Amazon emulator's Feeds API for JSON_LISTINGS_FEED as feeds_2021-06-30 and listings-feed-schema-v2 document
it: presigned document URLs, feeds moving through their statuses on the clock, the processing report."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.emulators.test_amazon_emulator import DE, OTHER, SELLER, code_of
from tests.emulators.test_amazon_listings import Listings, shirts

from crossdock.emulators.amazon import AmazonEmulator

FEEDS = "/feeds/2021-06-30"
JSON_TYPE = "application/json; charset=UTF-8"


def message(number: int, sku: str, quantity: Any) -> dict[str, Any]:
    return {"messageId": number, "sku": sku, "operationType": "PATCH", "productType": "PRODUCT",
            "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                         "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]}]}


class Feeds(Listings):
    def post_json(self, path: str, body: Any) -> httpx.Response:
        return self.post(path, self.access, body)

    def document(self) -> dict[str, Any]:
        answer = self.post_json(f"{FEEDS}/documents", {"contentType": JSON_TYPE})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def upload(self, document: dict[str, Any], body: Any, content_type: str = JSON_TYPE) -> httpx.Response:
        return self.http.put(document["url"], content=json.dumps(body).encode(), headers={"Content-Type": content_type})

    def feed(self, messages: list[dict[str, Any]], seller: str = SELLER, upload: bool = True) -> str:
        document = self.document()
        if upload:
            assert self.upload(document, {"header": {"sellerId": seller, "version": "2.0"},
                                          "messages": messages}).status_code == 200
        answer = self.post_json(f"{FEEDS}/feeds", {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [DE],
                                                   "inputFeedDocumentId": document["feedDocumentId"]})
        assert answer.status_code == 202, answer.text
        return str(answer.json()["feedId"])

    def status(self, feed_id: str) -> dict[str, Any]:
        return dict(self.get(f"{FEEDS}/feeds/{feed_id}", self.access).json())

    def report(self, feed: dict[str, Any]) -> dict[str, Any]:
        located = self.get(f"{FEEDS}/documents/{feed['resultFeedDocumentId']}", self.access).json()
        assert located["compressionAlgorithm"] == "GZIP"
        content = self.http.get(located["url"]).content
        return dict(json.loads(gzip.decompress(content)))


@pytest.fixture
def amz() -> Iterator[Feeds]:
    a = Feeds()
    a.emu.set_rate_limit(1000, 1000)
    a.emu.set_catalogue(a.store, shirts(5))
    yield a
    a.http.close()


def test_a_listings_feed_is_queued_processed_and_reported(amz: Feeds) -> None:
    feed_id = amz.feed([message(1, "SH-00001", 40), message(2, "SH-00002", -1), message(3, "NEW-1", 2)])
    assert amz.status(feed_id)["processingStatus"] == "IN_QUEUE"
    assert amz.truth()["SH-00001"]["quantity"] == 5          # nothing happens before processing ends
    amz.clock.advance(seconds=25)
    assert amz.status(feed_id)["processingStatus"] == "IN_PROGRESS"
    amz.clock.advance(seconds=10)
    feed = amz.status(feed_id)
    assert feed["processingStatus"] == "DONE" and feed["feedType"] == "JSON_LISTINGS_FEED"
    assert feed["createdTime"].endswith(".000Z") and "processingEndTime" in feed
    assert amz.truth()["SH-00001"]["quantity"] == 40 and amz.truth()["SH-00002"]["quantity"] == 5
    report = amz.report(feed)
    assert report["header"] == {"sellerId": SELLER, "version": "2.0", "feedId": feed_id}
    assert report["summary"] == {"errors": 1, "warnings": 0, "messagesProcessed": 3, "messagesAccepted": 2,
                                 "messagesInvalid": 1}
    assert [(i["messageId"], i["sku"], i["severity"]) for i in report["issues"]] == [(2, "SH-00002", "ERROR")]
    assert not amz.truth()["NEW-1"]["buyable"]               # an unknown SKU is accepted, as on Amazon


def test_the_processing_clock_also_runs_for_python_callers(amz: Feeds) -> None:
    amz.feed([message(1, "SH-00003", 9)])
    amz.clock.advance(minutes=1)
    assert amz.truth()["SH-00003"]["quantity"] == 9


def test_presigned_urls_check_their_signature_content_type_and_age(amz: Feeds) -> None:
    document = amz.document()
    body = {"header": {"sellerId": SELLER, "version": "2.0"}, "messages": [message(1, "SH-00001", 1)]}
    wrong_type = amz.upload(document, body, content_type="text/plain")
    assert wrong_type.status_code == 403 and "SignatureDoesNotMatch" in wrong_type.text
    forged = amz.http.put(document["url"].replace("Signature=", "Signature=0"), content=b"{}",
                          headers={"Content-Type": JSON_TYPE})
    assert forged.status_code == 403
    amz.clock.advance(minutes=5, seconds=1)
    expired = amz.upload(document, body)
    assert expired.status_code == 403 and "Request has expired" in expired.text
    assert [c.operation for c in amz.emu.calls][-3:] == ["s3:PutObject"] * 3


@pytest.mark.parametrize(("messages", "seller", "upload"), [
    ([message(1, "SH-00001", 1)], OTHER, True),              # another seller's header
    ([], SELLER, True),                                      # no message
    ([message(1, "SH-00001", 1)], SELLER, False),            # never uploaded
])
def test_an_unreadable_feed_ends_fatal(amz: Feeds, messages: list[dict[str, Any]], seller: str, upload: bool) -> None:
    feed_id = amz.feed(messages, seller=seller, upload=upload)
    amz.clock.advance(minutes=1)
    feed = amz.status(feed_id)
    assert feed["processingStatus"] == "FATAL"
    assert amz.report(feed)["issues"][0]["severity"] == "ERROR"
    assert amz.truth()["SH-00001"]["quantity"] == 5


def test_a_malformed_message_is_invalid_and_the_others_apply(amz: Feeds) -> None:
    feed_id = amz.feed([{"messageId": 1, "sku": "SH-00001", "operationType": "PATCH"},
                        {"messageId": 2, "sku": "SH-00002", "operationType": "RENAME", "productType": "PRODUCT"},
                        {"messageId": 3, "sku": "SH-00003", "operationType": "PARTIAL_UPDATE", "productType": "PRODUCT",
                         "attributes": {"fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT",
                                                                      "quantity": 7}]}},
                        {"messageId": 4, "sku": "SH-00004", "operationType": "DELETE"}])
    amz.clock.advance(minutes=1)
    report = amz.report(amz.status(feed_id))
    assert sorted(i["messageId"] for i in report["issues"]) == [1, 2]
    truth = amz.truth()
    assert truth["SH-00003"]["quantity"] == 7 and "SH-00004" not in truth
    skus = {i["SellerSKU"] for o in amz.seed(30) for i in amz.emu.orders(amz.store)[o]["OrderItems"]}
    assert skus and "SH-00004" not in skus                   # orders are no longer drawn from a deleted listing


def test_only_a_queued_feed_can_be_cancelled(amz: Feeds) -> None:
    queued = amz.feed([message(1, "SH-00001", 1)])
    assert amz.http.delete(f"{FEEDS}/feeds/{queued}", headers={"x-amz-access-token": amz.access}).status_code == 200
    started = amz.feed([message(1, "SH-00002", 1)])
    amz.clock.advance(seconds=25)
    refused = amz.http.delete(f"{FEEDS}/feeds/{started}", headers={"x-amz-access-token": amz.access})
    assert refused.status_code == 400
    amz.clock.advance(minutes=1)
    assert amz.status(queued)["processingStatus"] == "CANCELLED" and "resultFeedDocumentId" not in amz.status(queued)
    assert amz.truth()["SH-00001"]["quantity"] == 5 and amz.truth()["SH-00002"]["quantity"] == 1


def test_feed_requests_are_checked(amz: Feeds) -> None:
    document = amz.document()
    base = {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [DE], "inputFeedDocumentId": document["feedDocumentId"]}
    for body, status in (({**base, "feedType": "POST_PRODUCT_DATA"}, 400), ({**base, "marketplaceIds": []}, 400),
                         ({**base, "marketplaceIds": ["A1F83G8C2ARO7P"]}, 400),
                         ({**base, "inputFeedDocumentId": "amzn1.tortuga.4.eu.nope"}, 404)):
        answer = amz.post_json(f"{FEEDS}/feeds", body)
        assert answer.status_code == status, body
    assert amz.post_json(f"{FEEDS}/documents", {}).status_code == 400
    assert code_of(amz.get(f"{FEEDS}/feeds/1", amz.access)) == "NotFound"
    amz.emu.add_store(OTHER, "DE")
    other = amz.token(OTHER)
    assert amz.post(f"{FEEDS}/feeds", other, base).status_code == 404      # a document is its seller's own


def test_create_feed_has_its_documented_usage_plan(amz: Feeds) -> None:
    amz.emu.set_rate_limit(0.0083, 15, "createFeedDocument")
    answers = [amz.post_json(f"{FEEDS}/documents", {"contentType": JSON_TYPE}) for _ in range(16)]
    assert [a.status_code for a in answers] == [201] * 15 + [429]
    assert answers[0].headers["x-amzn-RateLimit-Limit"] == "0.0083"


def test_feeds_survive_save_and_restore(amz: Feeds, tmp_path: Path) -> None:
    feed_id = amz.feed([message(1, "SH-00001", 33)])
    amz.emu.save(tmp_path / "amazon.pickle")
    fresh = AmazonEmulator("cid", "secret", clock=amz.clock)
    assert fresh.restore(tmp_path / "amazon.pickle")
    amz.clock.advance(timedelta(minutes=1))
    assert {r["seller_sku"]: r["quantity"] for r in fresh.listings(amz.store)}["SH-00001"] == 33
    assert fresh.world.feeds.feeds[feed_id].status == "DONE"
