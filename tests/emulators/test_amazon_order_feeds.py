"""The Amazon emulator's order acknowledgement feed (POST_ORDER_ACKNOWLEDGEMENT_DATA) as OrderAcknowledgement.xsd and
the XML processing report describe it: StatusCode Failure cancels the whole order once the feed is processed, a
refused message gets a Result naming its order, a document that breaks the schema changes nothing."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.emulators.test_amazon_emulator import DE, OTHER, SELLER, Amazon

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.emulators.amazon.world import INDEX_LAG, iso

FEEDS = "/feeds/2021-06-30"
XML_TYPE = "text/xml; charset=UTF-8"
ACK_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
CATALOGUE = [ProductSpec("Lamp", (VariantSpec("LAMP", "", Decimal("24.90"), 20),)),
             ProductSpec("Case", (VariantSpec("CASE", "", Decimal("9.90"), 20),))]


def acknowledgement(order_id: str, items: list[tuple[str, str]], status: str = "Failure", number: int = 1) -> str:
    lines = "".join(f"<Item><AmazonOrderItemCode>{code}</AmazonOrderItemCode>"
                    + (f"<CancelReason>{reason}</CancelReason>" if reason else "") + "</Item>"
                    for code, reason in items)
    return (f"<Message><MessageID>{number}</MessageID><OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
            f"<StatusCode>{status}</StatusCode>{lines}</OrderAcknowledgement></Message>")


def envelope(*messages: str, message_type: str = "OrderAcknowledgement") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            ' xsi:noNamespaceSchemaLocation="amzn-envelope.xsd"><Header><DocumentVersion>1.01</DocumentVersion>'
            f"<MerchantIdentifier>{SELLER}</MerchantIdentifier></Header><MessageType>{message_type}</MessageType>"
            + "".join(messages) + "</AmazonEnvelope>").encode()


class OrderFeeds(Amazon):
    def __init__(self) -> None:
        super().__init__()
        self.emu.set_rate_limit(1000, 1000)
        self.access = self.token()
        self.emu.set_catalogue(self.store, CATALOGUE)

    def order(self) -> tuple[str, list[str]]:
        order_id = self.emu.place_order_lines(self.store, [("LAMP", 2), ("CASE", 1)])
        assert order_id is not None
        return order_id, [i["OrderItemId"] for i in self.emu.orders(self.store)[order_id]["OrderItems"]]

    def feed(self, body: bytes, marketplaces: list[str] | None = None) -> str:
        document = self.post(f"{FEEDS}/documents", self.access, {"contentType": XML_TYPE}).json()
        uploaded = self.http.put(document["url"], content=body, headers={"Content-Type": XML_TYPE})
        assert uploaded.status_code == 200, uploaded.text
        answer = self.post(f"{FEEDS}/feeds", self.access, {"feedType": ACK_FEED, "marketplaceIds": marketplaces or [DE],
                                                           "inputFeedDocumentId": document["feedDocumentId"]})
        assert answer.status_code == 202, answer.text
        return str(answer.json()["feedId"])

    def processed(self, feed_id: str) -> ET.Element:
        """Wait for the feed, then its processing report's ProcessingReport element."""
        self.clock.advance(minutes=1)
        feed = self.get(f"{FEEDS}/feeds/{feed_id}", self.access).json()
        assert feed["processingStatus"] == "DONE" and feed["feedType"] == ACK_FEED
        located = self.get(f"{FEEDS}/documents/{feed['resultFeedDocumentId']}", self.access).json()
        assert located["compressionAlgorithm"] == "GZIP"
        content = self.http.get(located["url"])
        assert content.headers["content-type"].startswith("text/xml")
        root = ET.fromstring(gzip.decompress(content.content))
        assert root.findtext("MessageType") == "ProcessingReport"
        report = root.find("Message/ProcessingReport")
        assert report is not None and report.findtext("DocumentTransactionID") == feed_id
        return report

    def status(self, order_id: str) -> str:
        return str(self.emu.orders(self.store)[order_id]["OrderStatus"])

    def stock(self) -> dict[str, int]:
        return {row["seller_sku"]: row["quantity"] for row in self.emu.listings(self.store)}


def summary(report: ET.Element) -> dict[str, int]:
    found = report.find("ProcessingSummary")
    assert found is not None
    return {child.tag: int(child.text or "") for child in found}


def results(report: ET.Element) -> list[dict[str, Any]]:
    return [{"MessageID": int(r.findtext("MessageID") or ""), "ResultCode": r.findtext("ResultCode"),
             "ResultMessageCode": r.findtext("ResultMessageCode"), "ResultDescription": r.findtext("ResultDescription"),
             "AmazonOrderID": r.findtext("AdditionalInfo/AmazonOrderID")} for r in report.findall("Result")]


@pytest.fixture
def amz() -> Iterator[OrderFeeds]:
    a = OrderFeeds()
    yield a
    a.http.close()


def test_failure_cancels_the_whole_order_once_the_feed_is_processed(amz: OrderFeeds) -> None:
    order_id, (lamp, _case) = amz.order()
    placed = amz.emu.orders(amz.store)[order_id]["LastUpdateDate"]
    feed_id = amz.feed(envelope(acknowledgement(order_id, [(lamp, "NoInventory")])))
    assert amz.status(order_id) == "Unshipped"                # nothing happens before processing ends
    report = amz.processed(feed_id)
    assert summary(report) == {"MessagesProcessed": 1, "MessagesSuccessful": 1, "MessagesWithError": 0,
                               "MessagesWithWarning": 0}
    assert results(report) == []
    shown = amz.emu.orders(amz.store)[order_id]
    assert shown["OrderStatus"] == "Canceled" and shown["NumberOfItemsUnshipped"] == 0
    assert shown["LastUpdateDate"] > placed
    record = amz.emu.cancellation(amz.store, order_id)
    assert record is not None
    assert (record["by"], record["reason"], record["feedId"], record["messageId"]) == ("Seller", "NoInventory",
                                                                                       feed_id, 1)
    # getOrders by LastUpdatedAfter lists it once the two-minute horizon covers the change
    amz.clock.advance(INDEX_LAG)
    rdt = amz.rdt(amz.access)
    listed = amz.orders(rdt, LastUpdatedAfter=shown["LastUpdateDate"]).json()["payload"]["Orders"]
    assert [(o["AmazonOrderId"], o["OrderStatus"]) for o in listed] == [(order_id, "Canceled")]


def test_every_reason_but_no_inventory_puts_the_units_back_on_sale(amz: OrderFeeds) -> None:
    first, (lamp, case) = amz.order()
    second, (lamp2, case2) = amz.order()
    assert amz.stock() == {"LAMP": 16, "CASE": 18}
    feed_id = amz.feed(envelope(
        acknowledgement(first, [(lamp, "NoInventory"), (case, "NoInventory")]),
        acknowledgement(second, [(lamp2, "BuyerCanceled"), (case2, "GeneralAdjustment")], number=2)))
    amz.processed(feed_id)
    assert amz.stock() == {"LAMP": 18, "CASE": 19}


def test_refused_messages_name_their_order_and_the_others_go_through(amz: OrderFeeds) -> None:
    shipped, shipped_items = amz.order()
    amz.emu.set_order_status(amz.store, shipped, "Shipped")
    cancelled, cancelled_items = amz.order()
    amz.emu.set_order_status(amz.store, cancelled, "Canceled")
    pending, pending_items = amz.order()
    amz.emu.set_order_status(amz.store, pending, "Pending")
    stray, _ = amz.order()
    good, good_items = amz.order()
    feed_id = amz.feed(envelope(
        acknowledgement(shipped, [(shipped_items[0], "NoInventory")], number=1),
        acknowledgement("999-9999999-9999999", [("11111111111111", "NoInventory")], number=2),
        acknowledgement(cancelled, [(cancelled_items[0], "NoInventory")], number=3),
        acknowledgement(pending, [(pending_items[0], "NoInventory")], number=4),
        acknowledgement(stray, [("12345678901234", "NoInventory")], number=5),
        acknowledgement(good, [(good_items[0], "NoInventory")], number=6)))
    report = amz.processed(feed_id)
    found = results(report)
    assert [(r["MessageID"], r["AmazonOrderID"], r["ResultCode"]) for r in found] == [
        (1, shipped, "Error"), (2, "999-9999999-9999999", "Error"), (3, cancelled, "Error"), (4, pending, "Error"),
        (5, stray, "Error")]
    words = {r["MessageID"]: r["ResultDescription"] for r in found}
    assert "shipped" in words[1] and "Invalid OrderID or AmazonOrderID" in words[2]
    assert "already canceled" in words[3] and "Pending" in words[4] and "12345678901234" in words[5]
    assert all(r["ResultMessageCode"] for r in found)
    assert summary(report) == {"MessagesProcessed": 6, "MessagesSuccessful": 1, "MessagesWithError": 5,
                               "MessagesWithWarning": 0}
    assert [amz.status(o) for o in (shipped, pending, stray, good)] == ["Shipped", "Pending", "Unshipped", "Canceled"]
    assert amz.emu.cancellation(amz.store, cancelled) is None     # cancelled by hand, not by the seller's feed


def test_order_feeds_reach_every_marketplace_of_the_seller_but_not_other_sellers(amz: OrderFeeds) -> None:
    fr = amz.emu.add_store(SELLER, "FR")
    amz.emu.set_catalogue(fr, CATALOGUE)
    french = amz.emu.place_order(fr, "LAMP", 1)
    other = amz.emu.add_store(OTHER, "DE")
    amz.emu.set_catalogue(other, CATALOGUE)
    foreign = amz.emu.place_order(other, "LAMP", 1)
    assert french is not None and foreign is not None
    feed_id = amz.feed(envelope(acknowledgement(french, [], number=1), acknowledgement(foreign, [], number=2)))
    report = amz.processed(feed_id)
    assert [(r["MessageID"], r["AmazonOrderID"]) for r in results(report)] == [(2, foreign)]
    assert amz.emu.orders(fr)[french]["OrderStatus"] == "Canceled"
    assert amz.emu.orders(other)[foreign]["OrderStatus"] == "Unshipped"
    record = amz.emu.cancellation(fr, french)
    assert record is not None and record["reason"] == ""          # no Item, no CancelReason: still all cancelled


@pytest.mark.parametrize(("body", "words"), [
    (envelope(acknowledgement("{order}", [("{item}", "PricingError")])), "cvc-enumeration-valid: Value 'PricingError'"),
    (envelope(acknowledgement("{order}", [], status="Cancel")), "cvc-enumeration-valid: Value 'Cancel'"),
    (envelope(acknowledgement("{order}", []), message_type="OrderFulfillment"),
     "We are unable to process the XML feed because one or more items are invalid"),
    (b"<AmazonEnvelope><Header>", "XML Parsing Error at Line 1"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><AmazonEnvelope/>', "DOCTYPE is disallowed"),
    (envelope(), "One of '{Message}' is expected"),
])
def test_a_document_that_breaks_the_schema_changes_nothing(amz: OrderFeeds, body: bytes, words: str) -> None:
    order_id, items = amz.order()
    feed_id = amz.feed(body.replace(b"{order}", order_id.encode()).replace(b"{item}", items[0].encode()))
    report = amz.processed(feed_id)
    (result,) = results(report)
    assert result["ResultCode"] == "Error" and words in str(result["ResultDescription"])
    assert summary(report)["MessagesSuccessful"] == 0
    assert amz.status(order_id) == "Unshipped"


def test_success_acknowledges_without_changing_the_order(amz: OrderFeeds) -> None:
    order_id, items = amz.order()
    before = amz.emu.orders(amz.store)[order_id]
    report = amz.processed(amz.feed(envelope(acknowledgement(order_id, [(items[0], "")], status="Success"))))
    assert results(report) == [] and amz.emu.orders(amz.store)[order_id] == before


def test_the_cancellation_is_pushed_as_an_order_change(amz: OrderFeeds) -> None:
    sent: list[dict[str, Any]] = []

    def receive(request: httpx.Request) -> httpx.Response:
        sent.append(httpx.Response(200, content=request.read()).json())
        return httpx.Response(200)

    order_id, items = amz.order()
    amz.emu.subscribe_pushes("https://hub.example/api/webhooks/amazon", httpx.MockTransport(receive))
    amz.processed(amz.feed(envelope(acknowledgement(order_id, [(items[0], "NoInventory")]))))
    # Processed while serving getFeed, the change is pushed once no request holds the emulator (here: the next read).
    amz.emu.orders(amz.store)
    (change,) = [doc["Payload"]["OrderChangeNotification"] for doc in sent]
    assert change["AmazonOrderId"] == order_id and change["OrderChangeType"] == "OrderStatusChange"
    assert change["Summary"]["OrderStatus"] == "Canceled"
    amz.emu.tick()
    assert len([d for d in sent if d["Payload"]["OrderChangeNotification"]["AmazonOrderId"] == order_id]) == 1


def test_the_feed_is_timed_by_its_messages_and_survives_save_and_restore(amz: OrderFeeds, tmp_path: Path) -> None:
    order_id, items = amz.order()
    feed_id = amz.feed(envelope(acknowledgement(order_id, [(items[0], "CustomerExchange")])))
    assert amz.emu.world.feeds.feeds[feed_id].messages == 1
    amz.emu.save(tmp_path / "amazon.pickle")
    fresh = AmazonEmulator("cid", "secret", clock=amz.clock)
    assert fresh.restore(tmp_path / "amazon.pickle")
    amz.clock.advance(timedelta(minutes=1))
    assert fresh.orders(amz.store)[order_id]["OrderStatus"] == "Canceled"
    record = fresh.cancellation(amz.store, order_id)
    assert record is not None and record["reason"] == "CustomerExchange" and record["at"] > amz.clock.now() - timedelta(
        minutes=1)
    assert iso(record["at"]) == fresh.orders(amz.store)[order_id]["LastUpdateDate"]
