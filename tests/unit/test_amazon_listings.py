"""Amazon listings and stock: mapping of recorded Listings Items payloads, and the adapter against the emulator
(windows past the 1000-SKU paging limit, SKUs checked before a patch, FBA listings left alone)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.ratelimit import BucketPool
from crossdock.connectors._kit.registry import ConnectorContext
from crossdock.connectors.amazon import CONNECTOR, AmazonSettings
from crossdock.connectors.amazon.adapter import AmazonListings, AmazonStock
from crossdock.connectors.amazon.mapping import (
    fulfilled_by_amazon,
    listing_created,
    listing_from_item,
    listing_product_type,
    submission_error,
)
from crossdock.domain.money import Money
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, Capability, Listing, StockUpdate, StoreLink, TokenSet

FIXTURES = Path(__file__).parent.parent / "fixtures" / "amazon"
US = "ATVPDKIKX0DER"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SELLER = "A2Q8ZKX9LT3CDE"
CLIENT_ID, SECRET = "amzn1.application-oa2-client.unit", "amzn1.oa2-cs.v1.unit-secret"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def searched() -> dict[str, Any]:
    item: dict[str, Any] = fixture("listings-searchListingsItems.json")["response"]["items"][0]
    return item


# --- mapping -----------------------------------------------------------------------------------------------

def test_a_searched_item_is_a_listing_identified_by_its_sku() -> None:
    listing = listing_from_item(searched(), US)
    assert listing == Listing(item_id="GM-ZDPI-9B4E", variant_id="", seller_sku="GM-ZDPI-9B4E",
                              title="Hardside Carry-On Spinner Suitcase Luggage",
                              price=Money(Decimal("100.00"), "USD"), quantity=100, active=True)
    assert listing.raw["summaries"][0]["asin"] == "B071VG5N9D"     # the ASIN stays in the raw payload


def test_get_listings_item_maps_alike() -> None:
    listing = listing_from_item(fixture("listings-getListingsItem.json"), US)
    assert (listing.item_id, listing.quantity, listing.price) == ("GM-ZDPI-9B4E", 100, Money(Decimal("100.00"), "USD"))
    assert listing_product_type(fixture("listings-getListingsItem.json"), US) == "LUGGAGE"
    assert listing_created(searched(), US) == datetime(2021, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(("statuses", "quantity", "active"), [
    (["BUYABLE"], 100, True), (["BUYABLE", "DISCOVERABLE"], 3, True),
    (["DISCOVERABLE"], 0, True),          # sold out but live: we must keep pushing stock to it
    (["DISCOVERABLE"], 4, False),         # visible, not for sale (suppressed)
    ([], 0, False), ([], 5, False),
])
def test_active_means_buyable_or_sold_out_but_live(statuses: list[str], quantity: int, active: bool) -> None:
    item = searched()
    item["summaries"][0]["status"] = statuses
    item["fulfillmentAvailability"][0]["quantity"] = quantity
    assert listing_from_item(item, US).active is active


def test_fba_quantities_are_reported_and_marked_as_amazons() -> None:
    item = searched()
    item["fulfillmentAvailability"] = [{"fulfillmentChannelCode": "AMAZON_NA", "quantity": 7}]
    assert listing_from_item(item, US).quantity == 7
    assert fulfilled_by_amazon(item)
    assert not fulfilled_by_amazon(searched())
    item["fulfillmentAvailability"] = []
    assert listing_from_item(item, US).quantity == 0 and not fulfilled_by_amazon(item)


def test_the_consumer_offer_of_the_marketplace_gives_the_price() -> None:
    item = searched()
    b2b = {"marketplaceId": US, "offerType": "B2B", "price": {"currencyCode": "USD", "amount": "90.00"}}
    other = {"marketplaceId": "A2EUQ1WTGCTBG2", "offerType": "B2C", "price": {"currencyCode": "CAD", "amount": "1"}}
    item["offers"] = [other, b2b, *item["offers"]]
    assert listing_from_item(item, US).price == Money(Decimal("100.00"), "USD")
    item["offers"] = [other, b2b]
    assert listing_from_item(item, US).price == Money(Decimal("90.00"), "USD")
    item["offers"] = [other]
    assert listing_from_item(item, US).price is None
    assert listing_from_item(item, US).title == "Hardside Carry-On Spinner Suitcase Luggage"
    assert listing_from_item(item, "A2EUQ1WTGCTBG2").title == ""      # no summary for that marketplace


def test_a_barcode_comes_from_the_external_product_identifier() -> None:
    item = searched()
    item["attributes"] = {"externally_assigned_product_identifier": [
        {"type": "asin", "value": "B071VG5N9D"}, {"type": "ean", "value": "4006381333931", "marketplace_id": US}]}
    assert listing_from_item(item, US).barcode == "4006381333931"


@pytest.mark.parametrize(("change", "reason"), [
    (lambda i: i.pop("sku"), "sku is missing"),
    (lambda i: i["offers"][0]["price"].update(amount="abc"), "offers.price.amount"),
    (lambda i: i["offers"][0]["price"].update(amount="-1"), "offers.price.amount"),
    (lambda i: i["offers"][0]["price"].update(currencyCode="usd"), "offers.price"),
    (lambda i: i["offers"][0].pop("price"), "offers.price"),
    (lambda i: i["fulfillmentAvailability"][0].update(quantity=-1), "quantity"),
    (lambda i: i["fulfillmentAvailability"][0].update(quantity="5"), "quantity"),
    (lambda i: i["summaries"][0].update(status="BUYABLE"), "status"),
    (lambda i: i.update(offers={"price": 1}), "offers"),
])
def test_unreadable_items_are_bad_payloads(change: Any, reason: str) -> None:
    item = searched()
    change(item)
    with pytest.raises(BadPayload, match=reason):
        listing_from_item(item, US)
    with pytest.raises(BadPayload):
        listing_from_item(["not", "an", "item"], US)


def test_a_submission_refusal_is_amazons_issue_text() -> None:
    accepted, invalid = (case["response"] for case in fixture("listings-patchListingsItem.json"))
    assert submission_error(accepted) is None
    assert submission_error({**accepted, "status": "VALID"}) is None
    assert submission_error(invalid) == "90000900: The attributes are invalid."
    warned = {**invalid, "issues": [{"code": "1", "message": "just so you know", "severity": "WARNING"},
                                    *invalid["issues"]]}
    assert submission_error(warned) == "90000900: The attributes are invalid."
    assert "INVALID" in str(submission_error({**invalid, "issues": []}))
    with pytest.raises(BadPayload):
        submission_error({**accepted, "status": "MAYBE"})


# --- the adapter against the emulator ----------------------------------------------------------------------

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
        self.emu = AmazonEmulator(CLIENT_ID, SECRET, clock=self.clock, seed=3)
        self.emu.set_rate_limit(1000, 1000)
        self.de = self.emu.add_store(SELLER, "DE")
        self.fr = self.emu.add_store(SELLER, "FR")
        self.tokens = Tokens()
        self.stats = CallStats()
        self.ctx = ConnectorContext(clock=self.clock, sleep=self.sleep, transport=self.emu.transport(),
                                    buckets=BucketPool(self.clock, self.sleep))
        self.settings = AmazonSettings(base_url="https://sellingpartnerapi-eu.amazon.test", client_id=CLIENT_ID,
                                       client_secret=SecretStr(SECRET))
        self.tokens.current = CONNECTOR.authorizer(self.settings, self.ctx).exchange_code(
            self.emu.authorize(SELLER), SELLER)

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)

    def link(self, external_id: str | None = None) -> StoreLink:
        return StoreLink(store_id=1, external_id=external_id or self.de, region="DE", tokens=self.tokens,
                         stats=self.stats)

    def source(self) -> AmazonListings:
        assert CONNECTOR.listings is not None
        source = CONNECTOR.listings(self.settings, self.link(), self.ctx)
        assert isinstance(source, AmazonListings)
        return source

    def sink(self, external_id: str | None = None) -> AmazonStock:
        assert CONNECTOR.stock is not None
        sink = CONNECTOR.stock(self.settings, self.link(external_id), self.ctx)
        assert isinstance(sink, AmazonStock)
        return sink

    def calls(self, operation: str) -> list[dict[str, str]]:
        return [c.query for c in self.emu.calls if c.operation == operation]

    def quantities(self) -> dict[str, int]:
        return {row["seller_sku"]: row["quantity"] for row in self.emu.listings(self.de)}


@pytest.fixture
def world() -> Iterator[World]:
    yield World()


def catalogue(count: int, prefix: str = "SKU") -> list[ProductSpec]:
    return [ProductSpec(f"Item {i}", (VariantSpec(f"{prefix}-{i:05d}", "", Decimal("5.00"), 3),)) for i in range(count)]


def read(source: AmazonListings) -> tuple[list[Listing], list[BadRecord]]:
    good: list[Listing] = []
    bad: list[BadRecord] = []
    for page in source.list_listings():
        for entry in page:
            (bad if isinstance(entry, BadRecord) else good).append(entry)   # type: ignore[arg-type]
    return good, bad


def test_the_connector_declares_listings_and_stock() -> None:
    assert {Capability.LISTINGS, Capability.STOCK} <= CONNECTOR.capabilities


def test_a_catalogue_past_the_paging_limit_is_read_whole_in_windows(world: World) -> None:
    world.emu.set_catalogue(world.de, catalogue(2345))
    good, bad = read(world.source())
    assert bad == [] and len(good) == 2345 == len({x.item_id for x in good})
    searches = world.calls("searchListingsItems")
    assert all(q["pageSize"] == "20" and q["sortBy"] == "createdDate" and q["sortOrder"] == "ASC" for q in searches)
    assert len({q.get("createdAfter") for q in searches}) == 3        # three windows of at most 1000 SKUs
    assert world.calls("getListingsItem") == [] and world.stats.token_refreshes == 0


def test_an_unreadable_item_is_quarantined_and_the_rest_read(world: World) -> None:
    pages = [{"numberOfResults": 3, "items": [searched(), {"sku": "BROKEN", "fulfillmentAvailability": "lots"},
                                              {"no": "sku"}]}]
    source = AmazonListings(_Canned(pages), SELLER, US)   # type: ignore[arg-type]
    good, bad = read(source)
    assert [x.item_id for x in good] == ["GM-ZDPI-9B4E"]
    assert bad[0].platform_id == "BROKEN" and bad[1].platform_id.startswith("unidentified:")


def test_a_thousand_listings_in_one_second_cannot_be_paged_past(world: World) -> None:
    page = {"numberOfResults": 1500, "items": [searched()], "pagination": {}}
    with pytest.raises(Fatal, match="share one createdDate"):
        read(AmazonListings(_Canned([page, page, page]), SELLER, US))   # type: ignore[arg-type]


def test_stock_is_patched_per_sku_after_one_check_per_twenty(world: World) -> None:
    world.emu.set_catalogue(world.de, catalogue(25))
    updates = [StockUpdate(f"SKU-{i:05d}", "", f"SKU-{i:05d}", i) for i in range(25)]
    results = world.sink().push_stock(updates)
    assert [r.update for r in results] == updates and all(r.ok for r in results)
    assert world.quantities() == {u.seller_sku: u.quantity for u in updates}
    assert len(world.calls("searchListingsItems")) == 2 and len(world.calls("patchListingsItem")) == 25
    checked = world.calls("searchListingsItems")[0]
    assert checked["identifiersType"] == "SKU" and len(checked["identifiers"].split(",")) == 20


def test_unknown_and_fba_skus_are_refused_without_a_patch(world: World) -> None:
    world.emu.set_catalogue(world.de, catalogue(3))
    world.emu.fulfil_by_amazon(world.de, "SKU-00001", 40)
    updates = [StockUpdate("SKU-00000", "", "SKU-00000", 9), StockUpdate("SKU-00001", "", "SKU-00001", 9),
               StockUpdate("GHOST", "", "GHOST", 9), StockUpdate("", "", "", 9)]
    ok, fba, ghost, blank = world.sink().push_stock(updates)
    assert ok.ok and not fba.ok and not ghost.ok and not blank.ok
    assert "FBA" in fba.error and "GHOST" in ghost.error
    assert len(world.calls("patchListingsItem")) == 1
    assert world.quantities() == {"SKU-00000": 9, "SKU-00001": 40, "SKU-00002": 3}
    assert "GHOST" not in world.quantities()         # no stray incomplete listing was created
    good, _ = read(world.source())
    assert {x.item_id: x.quantity for x in good}["SKU-00001"] == 40   # FBA stock is reported, never pushed


def test_skus_with_odd_characters_are_checked_and_patched(world: World) -> None:
    odd = ["A/B #1", "C,D", "E F+G"]
    world.emu.set_catalogue(world.de, [ProductSpec("Odd", (VariantSpec(s, s, Decimal(1), 1),)) for s in odd])
    results = world.sink().push_stock([StockUpdate(s, "", s, 6) for s in odd])
    assert all(r.ok for r in results), [r.error for r in results]
    assert world.quantities() == dict.fromkeys(odd, 6)
    assert len(world.calls("getListingsItem")) == 1          # the comma SKU cannot ride in an identifiers list


def test_an_invalid_submission_is_that_listing_s_refusal(world: World) -> None:
    invalid = fixture("listings-patchListingsItem.json")[1]["response"]
    client = _Canned([{"numberOfResults": 1, "items": [searched()]}], patch=invalid)
    sink = AmazonStock(client, SELLER, US, sleep=lambda s: None)  # type: ignore[arg-type]
    [result] = sink.push_stock([StockUpdate("GM-ZDPI-9B4E", "", "GM-ZDPI-9B4E", 1)])
    assert not result.ok and result.error == "90000900: The attributes are invalid." and not result.retryable
    assert client.patched[0][3] == "LUGGAGE"                  # the listing's own product type is named


def test_two_marketplaces_of_a_seller_share_its_usage_plans(world: World) -> None:
    de, fr = world.sink(world.de), world.sink(world.fr)
    assert de._client._buckets["patchListingsItem"] is fr._client._buckets["patchListingsItem"]
    assert de._client._buckets["searchListingsItems"] is not de._client._buckets["patchListingsItem"]


def test_throttling_is_waited_out(world: World) -> None:
    world.emu.set_catalogue(world.de, catalogue(8))
    world.emu.set_rate_limit(1, 1, "patchListingsItem")
    results = world.sink().push_stock([StockUpdate(f"SKU-{i:05d}", "", f"SKU-{i:05d}", 1) for i in range(8)])
    assert all(r.ok for r in results)
    assert set(world.quantities().values()) == {1}


# --- big pushes go as one JSON_LISTINGS_FEED ----------------------------------------------------------------

def test_a_big_push_is_one_listings_feed(world: World) -> None:
    world.emu.set_catalogue(world.de, catalogue(350))
    world.emu.fulfil_by_amazon(world.de, "SKU-00007", 12)
    updates = [StockUpdate(f"SKU-{i:05d}", "", f"SKU-{i:05d}", 1000 + i) for i in range(350)]
    updates.insert(3, StockUpdate("GHOST", "", "GHOST", 1))
    results = world.sink().push_stock(updates)
    assert [r.update for r in results] == updates
    assert [r.update.seller_sku for r in results if not r.ok] == ["GHOST", "SKU-00007"]
    shown = world.quantities()
    assert all(shown[u.seller_sku] == u.quantity for u in updates if u.seller_sku not in ("GHOST", "SKU-00007"))
    assert shown["SKU-00007"] == 12 and "GHOST" not in shown
    operations = [c.operation for c in world.emu.calls if c.operation != ""]
    assert operations.count("patchListingsItem") == 0 and operations.count("searchListingsItems") == 18
    assert [op for op in operations if op != "searchListingsItems"] == [
        "createFeedDocument", "s3:PutObject", "createFeed", "getFeed", "getFeed", "getFeedDocument", "s3:GetObject"]


def test_a_feed_message_amazon_refuses_is_that_listing_s_refusal() -> None:
    report = {"header": {"sellerId": SELLER, "version": "2.0", "feedId": "1"}, "summary": {}, "issues": [
        {"messageId": 2, "sku": "B", "code": "90244", "severity": "ERROR", "message": "bad quantity"},
        {"messageId": 3, "sku": "C", "code": "18448", "severity": "WARNING", "message": "incomplete"}]}
    client = _FeedClient([{"processingStatus": "IN_PROGRESS"}, {"processingStatus": "DONE",
                                                                "resultFeedDocumentId": "doc-2"}], report)
    results = _feed_sink(client).push_stock(_updates(301))
    assert [r.ok for r in results[:4]] == [True, False, True, True]
    assert results[1].error == "90244: bad quantity" and not results[1].retryable
    assert json.loads(client.uploaded)["messages"][1] == {
        "messageId": 2, "sku": "S-00001", "operationType": "PATCH", "productType": "LUGGAGE",
        "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                     "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}]}]}


@pytest.mark.parametrize(("feeds", "words"), [
    ([{"processingStatus": "FATAL", "resultFeedDocumentId": "doc-2"}], "ended FATAL: 4000000: unreadable"),
    ([{"processingStatus": "CANCELLED"}], "ended CANCELLED: no report"),
    ([{"processingStatus": "IN_PROGRESS"}] * 200, "still IN_PROGRESS"),
])
def test_a_feed_that_does_not_finish_leaves_every_update_to_send_again(feeds: list[dict[str, Any]], words: str) -> None:
    report = {"issues": [{"code": "4000000", "severity": "ERROR", "message": "unreadable"}]}
    results = _feed_sink(_FeedClient(feeds, report)).push_stock(_updates(301))
    assert all(not r.ok and r.retryable and words in r.error for r in results)


def test_a_processing_report_maps_to_errors_per_message() -> None:
    from crossdock.connectors.amazon.mapping import feed_report_errors

    example = {"issues": [
        {"messageId": 4, "sku": "My-SKU-B", "code": "90220", "severity": "ERROR", "message": "'a' is required."},
        {"messageId": 4, "sku": "My-SKU-B", "code": "90220", "severity": "ERROR", "message": "'b' is required."},
        {"messageId": 5, "sku": "My-SKU-C", "code": "1", "severity": "WARNING", "message": "fine"},
        {"code": "2", "severity": "ERROR", "message": "whole feed"}]}
    assert feed_report_errors(example) == ({4: "90220: 'a' is required.; 90220: 'b' is required."},
                                           ["2: whole feed"])
    with pytest.raises(BadPayload):
        feed_report_errors([])


def _updates(count: int) -> list[StockUpdate]:
    return [StockUpdate(f"S-{i:05d}", "", f"S-{i:05d}", 1) for i in range(count)]


def _feed_sink(client: Any) -> AmazonStock:
    return AmazonStock(client, SELLER, US, sleep=lambda s: None)


class _FeedClient:
    """A client that lists every SKU asked about and runs one feed through the given getFeed answers."""

    def __init__(self, feeds: list[dict[str, Any]], report: dict[str, Any]) -> None:
        self.feeds, self.report = list(feeds), report
        self.uploaded = b""

    def search_listings_items(self, *args: Any, identifiers: list[str], **kwargs: Any) -> dict[str, Any]:
        items = [{**searched(), "sku": sku} for sku in identifiers]
        return {"numberOfResults": len(items), "items": items}

    def create_feed_document(self, content_type: str) -> dict[str, Any]:
        return {"feedDocumentId": "doc-1", "url": "https://s3.example/doc-1?sig"}

    def upload_document(self, url: str, content: bytes, content_type: str) -> None:
        self.uploaded = content

    def create_feed(self, *args: Any) -> dict[str, Any]:
        return {"feedId": "123"}

    def get_feed(self, feed_id: str) -> dict[str, Any]:
        return self.feeds.pop(0) if len(self.feeds) > 1 else self.feeds[0]

    def get_feed_document(self, document_id: str) -> dict[str, Any]:
        return {"feedDocumentId": document_id, "url": "https://s3.example/doc-2?sig"}

    def download_document(self, url: str, compression: str = "") -> bytes:
        return json.dumps(self.report).encode()


class _Canned:
    """A client answering searches from canned pages (in turn) and every patch alike."""

    def __init__(self, pages: list[dict[str, Any]], patch: dict[str, Any] | None = None) -> None:
        self.pages = [copy.deepcopy(p) for p in pages]
        self.patch = patch
        self.patched: list[tuple[Any, ...]] = []

    def search_listings_items(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.pages.pop(0)

    def patch_listings_item(self, *args: Any) -> dict[str, Any]:
        self.patched.append(args)
        assert self.patch is not None
        return self.patch
