"""The Amazon emulator's listings as the Listings Items API 2021-08-01 documents them: search paging and limits,
getListingsItem, patchListingsItem submissions, usage plans, and buyers who buy what is listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.emulators.test_amazon_emulator import DE, OTHER, SELLER, T0, Amazon, code_of

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.amazon import AmazonEmulator

ITEMS = f"/listings/2021-08-01/items/{SELLER}"
STOCK = "/attributes/fulfillment_availability"


def shirts(count: int, quantity: int = 5, prefix: str = "SH") -> list[ProductSpec]:
    """`count` single-variant products plus one inactive lamp."""
    specs = [ProductSpec(f"Shirt {i}", (VariantSpec(f"{prefix}-{i:05d}", "", Decimal("19.90"), quantity),))
             for i in range(count)]
    return [*specs, ProductSpec("Lamp", (VariantSpec("LAMP-1", "", Decimal("12.5"), 3, "4006381333931"),),
                                active=False)]


def availability(quantity: Any, channel: str = "DEFAULT") -> dict[str, Any]:
    return {"productType": "PRODUCT", "patches": [{"op": "replace", "path": STOCK,
                                                   "value": [{"fulfillment_channel_code": channel,
                                                              "quantity": quantity}]}]}


class Listings(Amazon):
    def __init__(self) -> None:
        super().__init__()
        self.access = self.token()

    def search(self, token: str | None = None, **params: Any) -> httpx.Response:
        return self.get(ITEMS, token or self.access, **{"marketplaceIds": DE, **params})

    def item(self, sku: str, **params: Any) -> httpx.Response:
        return self.get(f"{ITEMS}/{sku}", self.access, **{"marketplaceIds": DE, **params})

    def patch(self, sku: str, body: Any, **params: Any) -> httpx.Response:
        return self.http.patch(f"{ITEMS}/{sku}", params={"marketplaceIds": DE, **params}, json=body,
                               headers={"x-amz-access-token": self.access})

    def every_sku(self, **params: Any) -> list[str]:
        skus: list[str] = []
        answer = self.search(pageSize=20, **params).json()
        while True:
            skus += [item["sku"] for item in answer["items"]]
            token = answer.get("pagination", {}).get("nextToken")
            if not token:
                return skus
            answer = self.search(pageToken=token).json()

    def truth(self) -> dict[str, dict[str, Any]]:
        return {row["seller_sku"]: row for row in self.emu.listings(self.store)}


@pytest.fixture
def amz() -> Iterator[Listings]:
    a = Listings()
    a.emu.set_rate_limit(1000, 1000)
    a.emu.set_catalogue(a.store, shirts(25))
    yield a
    a.http.close()


# --- the catalogue -------------------------------------------------------------------------------------------

def test_one_listing_per_variant_identified_by_its_sku_with_its_own_asin(amz: Listings) -> None:
    amz.emu.set_catalogue(amz.store, [ProductSpec("Tee", (VariantSpec("T-S", "S", Decimal("9.9"), 4),
                                                          VariantSpec("T-M", "M", Decimal("10.9"), 0)))])
    truth = amz.truth()
    assert set(truth) == {"T-S", "T-M"}
    assert truth["T-S"]["item_id"] == "T-S" and truth["T-S"]["variant_id"] == ""
    assert truth["T-S"]["asin"] != truth["T-M"]["asin"] and truth["T-S"]["asin"].startswith("B0")
    assert truth["T-S"]["price"] == Decimal("9.90") and truth["T-M"]["quantity"] == 0
    item = amz.item("T-M", includedData="summaries,offers,fulfillmentAvailability").json()
    summary = item["summaries"][0]
    assert summary["itemName"] == "Tee, M" and summary["status"] == ["DISCOVERABLE"]   # sold out: not buyable
    assert item["offers"][0]["price"] == {"currencyCode": "EUR", "amount": "10.90"}
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 0}]


def test_statuses_come_from_the_documented_enum(amz: Listings) -> None:
    items = amz.search(pageSize=20, sortBy="sku", sortOrder="ASC").json()["items"]
    lamp = next(i for i in items if i["sku"] == "LAMP-1")
    assert lamp["summaries"][0]["status"] == []          # inactive: neither buyable nor discoverable
    assert all(set(i["summaries"][0]["status"]) <= {"BUYABLE", "DISCOVERABLE"} for i in items)
    assert next(i for i in items if i["sku"] == "SH-00018")["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]


def test_bad_catalogues_are_refused_before_anything_changes(amz: Listings) -> None:
    for specs in ([ProductSpec("A", (VariantSpec("", "", Decimal(1), 1),))],
                  [ProductSpec("A", (VariantSpec("X", "", Decimal(1), 1), VariantSpec("X", "b", Decimal(1), 1)))],
                  [ProductSpec("A", (VariantSpec("X" * 41, "", Decimal(1), 1),))]):
        with pytest.raises(ValueError):
            amz.emu.set_catalogue(amz.store, specs)
    assert len(amz.truth()) == 26


# --- searchListingsItems -----------------------------------------------------------------------------------

def test_search_pages_by_page_token_without_gaps_or_repeats(amz: Listings) -> None:
    first = amz.search(pageSize=20, sortBy="sku", sortOrder="ASC")
    assert first.status_code == 200 and first.headers["x-amzn-RateLimit-Limit"] == "1000"
    body = first.json()
    assert body["numberOfResults"] == 26 and len(body["items"]) == 20 and body["items"][0]["sku"] == "LAMP-1"
    assert set(body["items"][0]) == {"sku", "summaries"}     # includedData defaults to summaries
    assert sorted(amz.every_sku()) == sorted(amz.truth())
    assert len(amz.search().json()["items"]) == 10          # pageSize defaults to 10


def test_page_size_over_twenty_and_other_bad_parameters_are_refused(amz: Listings) -> None:
    for params in ({"pageSize": 21}, {"pageSize": 0}, {"pageSize": "x"}, {"includedData": "summaries,prices"},
                   {"marketplaceIds": f"{DE},A13V1IB3VIYZZH"}, {"marketplaceIds": "A1F83G8C2ARO7P"},
                   {"identifiers": "SH-00001"}, {"identifiersType": "SKU"},
                   {"identifiers": ",".join(f"S{i}" for i in range(21)), "identifiersType": "SKU"},
                   {"identifiers": "SH-00001", "identifiersType": "SKU", "variationParentSku": "P"},
                   {"sortBy": "price"}, {"sortOrder": "UP"}, {"createdAfter": "yesterday"},
                   {"withStatus": "SLEEPING"}, {"pageToken": "not-a-token"}):
        answer = amz.search(**params)
        assert answer.status_code == 400, params
        assert code_of(answer) == "InvalidInput"
    assert amz.get(ITEMS, amz.access).status_code == 400    # marketplaceIds is required


def test_a_token_is_required_and_only_for_its_own_seller(amz: Listings) -> None:
    missing = amz.http.get(ITEMS, params={"marketplaceIds": DE})
    assert missing.status_code == 403 and code_of(missing) == "Unauthorized"
    amz.emu.add_store(OTHER, "DE")
    foreign = amz.get(f"/listings/2021-08-01/items/{OTHER}", amz.access, marketplaceIds=DE)
    assert foreign.status_code == 403
    amz.emu.expire_access_tokens(SELLER)
    assert amz.search().status_code == 403


def test_one_query_pages_through_at_most_a_thousand_skus(amz: Listings) -> None:
    amz.emu.set_catalogue(amz.store, shirts(1004))
    skus = amz.every_sku(sortBy="createdDate", sortOrder="ASC")
    assert len(skus) == 1000 == len(set(skus))
    assert amz.search(pageSize=1).json()["numberOfResults"] == 1005
    # The rest is reached by a narrower query: created at or after the last date seen.
    last = amz.item(skus[-1]).json()["summaries"][0]["createdDate"]
    rest = amz.every_sku(sortBy="createdDate", sortOrder="ASC", createdAfter=last)
    assert set(skus) | set(rest) == set(amz.truth())


def test_filters_by_identifiers_status_and_dates(amz: Listings) -> None:
    by_sku = amz.search(identifiers="SH-00003,LAMP-1,NOPE", identifiersType="SKU").json()
    assert sorted(i["sku"] for i in by_sku["items"]) == ["LAMP-1", "SH-00003"]
    asin = amz.truth()["SH-00004"]["asin"]
    assert [i["sku"] for i in amz.search(identifiers=asin, identifiersType="ASIN").json()["items"]] == ["SH-00004"]
    assert [i["sku"] for i in amz.search(identifiers="4006381333931", identifiersType="EAN").json()["items"]] == [
        "LAMP-1"]
    assert amz.search(withStatus="BUYABLE", pageSize=20).json()["numberOfResults"] == 25
    assert amz.search(withoutStatus="DISCOVERABLE").json()["numberOfResults"] == 1
    later = (T0 + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert amz.search(createdAfter=later).json()["numberOfResults"] == 0
    assert amz.search(variationParentSku="SH-00001").json()["numberOfResults"] == 0


def test_get_listings_item_answers_404_for_an_unknown_sku(amz: Listings) -> None:
    answer = amz.item("NOPE")
    assert answer.status_code == 404 and code_of(answer) == "NotFound"
    assert amz.item("SH-00001").json() == {"sku": "SH-00001", "summaries": [amz.item("SH-00001").json()[
        "summaries"][0]]}                                    # includedData defaults to summaries


# --- patchListingsItem -------------------------------------------------------------------------------------

def test_patching_the_quantity_is_accepted_and_shows_at_once(amz: Listings) -> None:
    answer = amz.patch("SH-00002", availability(42))
    assert answer.status_code == 200 and answer.headers["x-amzn-RateLimit-Limit"] == "1000"
    body = answer.json()
    assert body["sku"] == "SH-00002" and body["status"] == "ACCEPTED" and body["issues"] == []
    assert len(body["submissionId"]) == 32
    assert amz.truth()["SH-00002"]["quantity"] == 42


def test_an_unknown_sku_is_accepted_as_amazon_does_and_leaves_an_unbuyable_listing(amz: Listings) -> None:
    body = amz.patch("GHOST-1", availability(5)).json()
    assert body["status"] == "ACCEPTED"
    ghost = amz.truth()["GHOST-1"]
    assert ghost["asin"] == "" and ghost["price"] is None and not ghost["buyable"]
    item = amz.item("GHOST-1", includedData="summaries,issues").json()
    assert item["summaries"][0]["status"] == [] and item["issues"][0]["code"] == "90220"
    assert amz.emu.place_order(amz.store, "GHOST-1", 1) is None


def test_an_invalid_value_is_an_invalid_submission_that_changes_nothing(amz: Listings) -> None:
    for body in (availability(-1), availability("7"), availability(3, channel=""),
                 {"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/fulfillmentAvailability",
                                                         "value": [{"quantity": 1}]}]},
                 {**availability(3), "productType": "lower case"}):
        answer = amz.patch("SH-00002", body).json()
        assert answer["status"] == "INVALID", body
        assert answer["issues"] and answer["issues"][0]["severity"] == "ERROR"
    assert amz.truth()["SH-00002"]["quantity"] == 5


def test_a_malformed_patch_request_is_refused_with_400(amz: Listings) -> None:
    for body in ({"patches": availability(1)["patches"]}, {"productType": "PRODUCT", "patches": []},
                 {"productType": "PRODUCT", "patches": [{"op": "replace", "path": f"{STOCK}/0/quantity",
                                                         "value": [{}]}]},
                 {"productType": "PRODUCT", "patches": [{"op": "move", "path": STOCK, "value": [{}]}]},
                 {"productType": "PRODUCT", "patches": [{"op": "replace", "path": STOCK, "value": 3}]}):
        answer = amz.patch("SH-00002", body)
        assert answer.status_code == 400, body
        assert code_of(answer) == "InvalidInput"
    raw = amz.http.patch(f"{ITEMS}/SH-00002", params={"marketplaceIds": DE}, content=b"{",
                         headers={"x-amz-access-token": amz.access})
    assert raw.status_code == 400


def test_validation_preview_checks_without_changing(amz: Listings) -> None:
    body = amz.patch("SH-00002", availability(9), mode="VALIDATION_PREVIEW", includedData="identifiers,issues").json()
    assert body["status"] == "VALID" and body["identifiers"][0]["asin"] == amz.truth()["SH-00002"]["asin"]
    assert amz.truth()["SH-00002"]["quantity"] == 5
    assert amz.patch("SH-00002", availability(9), includedData="identifiers").status_code == 400


def test_a_sku_with_a_slash_is_addressed_encoded(amz: Listings) -> None:
    amz.emu.set_catalogue(amz.store, [ProductSpec("Odd", (VariantSpec("A/B #1", "", Decimal(5), 1),))])
    assert amz.patch("A%2FB%20%231", availability(8)).json()["status"] == "ACCEPTED"
    assert amz.truth()["A/B #1"]["quantity"] == 8


def test_a_default_quantity_switches_an_fba_listing_to_seller_fulfilment(amz: Listings) -> None:
    amz.emu.fulfil_by_amazon(amz.store, "SH-00001", 30)
    item = amz.item("SH-00001", includedData="fulfillmentAvailability").json()
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "AMAZON_EU", "quantity": 30}]
    amz.patch("SH-00001", availability(2))
    assert amz.truth()["SH-00001"]["channel"] == "DEFAULT" and amz.truth()["SH-00001"]["quantity"] == 2


def test_other_attributes_are_kept_and_the_price_can_be_patched(amz: Listings) -> None:
    body = {"productType": "PRODUCT", "patches": [
        {"op": "replace", "path": "/attributes/purchasable_offer",
         "value": [{"currency": "EUR", "our_price": [{"schedule": [{"value_with_tax": 17.5}]}]}]},
        {"op": "add", "path": "/attributes/merchant_shipping_group", "value": [{"value": "legacy-template-id"}]}]}
    assert amz.patch("SH-00002", body).json()["status"] == "ACCEPTED"
    item = amz.item("SH-00002", includedData="offers,attributes").json()
    assert item["offers"][0]["price"]["amount"] == "17.50"
    assert item["attributes"]["merchant_shipping_group"] == [{"value": "legacy-template-id"}]


# --- usage plans and faults ------------------------------------------------------------------------------

def test_usage_plans_are_per_operation_and_throttle_with_quota_exceeded(amz: Listings) -> None:
    amz.emu.set_rate_limit(5, 5, "patchListingsItem")
    answers = [amz.patch("SH-00002", availability(i)) for i in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert code_of(answers[-1]) == "QuotaExceeded" and answers[0].headers["x-amzn-RateLimit-Limit"] == "5"
    assert amz.search().status_code == 200              # searchListingsItems has its own bucket
    amz.clock.advance(seconds=0.2)
    assert amz.patch("SH-00002", availability(1)).status_code == 200


def test_documented_plans_are_the_defaults() -> None:
    from crossdock.emulators.amazon import USAGE_PLANS

    assert USAGE_PLANS["searchListingsItems"] == (5.0, 5)
    assert USAGE_PLANS["getListingsItem"] == (5.0, 10)
    assert USAGE_PLANS["patchListingsItem"] == (5.0, 5)


def test_injected_failures_apply_to_listings(amz: Listings) -> None:
    amz.emu.fail_next(1, 503)
    failed = amz.search()
    assert failed.status_code == 503 and code_of(failed) == "ServiceUnavailable"
    assert amz.search().status_code == 200


# --- buyers ------------------------------------------------------------------------------------------------

def test_a_buyer_takes_stock_and_is_refused_at_zero(amz: Listings) -> None:
    order_id = amz.emu.place_order(amz.store, "SH-00003", 2)
    assert order_id is not None
    assert amz.truth()["SH-00003"]["quantity"] == 3
    order = amz.emu.orders(amz.store)[order_id]
    assert order["OrderStatus"] == "Unshipped" and order["LastUpdateDate"] == T0.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [(i["SellerSKU"], i["QuantityOrdered"]) for i in order["OrderItems"]] == [("SH-00003", 2)]
    assert order["OrderItems"][0]["ItemPrice"] == {"CurrencyCode": "EUR", "Amount": "39.80"}
    assert amz.emu.place_order(amz.store, "SH-00003", 4) is None           # more than listed
    assert amz.emu.place_order(amz.store, "SH-00003", 3) is not None
    assert amz.emu.place_order(amz.store, "SH-00003", 1) is None           # sold out
    assert amz.emu.place_order(amz.store, "LAMP-1", 1) is None             # inactive
    assert amz.emu.place_order(amz.store, "NOPE", 1) is None
    assert amz.emu.place_order(amz.store, "SH-00004", 0) is None


def test_a_purchase_is_notified_when_subscribed(amz: Listings) -> None:
    received: list[dict[str, Any]] = []

    def receive(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        return httpx.Response(200)

    amz.emu.subscribe_pushes("https://app.example/amazon", httpx.MockTransport(receive))
    order_id = amz.emu.place_order(amz.store, "SH-00005", 1)
    change = received[0]["Payload"]["OrderChangeNotification"]
    assert change["AmazonOrderId"] == order_id and change["Summary"]["OrderStatus"] == "Unshipped"
    assert change["Summary"]["OrderItems"][0]["SellerSKU"] == "SH-00005"


def test_generated_orders_are_drawn_from_the_listings(amz: Listings) -> None:
    ids = amz.seed(30)
    skus = {i["SellerSKU"] for oid in ids for i in amz.emu.orders(amz.store)[oid]["OrderItems"]}
    assert skus and skus <= {sku for sku, row in amz.truth().items() if row["active"]}
    assert {row["quantity"] for row in amz.truth().values()} == {5, 3}      # history takes no stock
    for oid in ids:
        for item in amz.emu.orders(amz.store)[oid]["OrderItems"]:
            unit = Decimal(item["ItemPrice"]["Amount"]) / item["QuantityOrdered"]
            assert unit == Decimal("19.90")


def test_new_orders_on_tick_are_purchases_that_take_stock(amz: Listings) -> None:
    created = 0
    for _ in range(20):
        amz.clock.advance(minutes=5)
        created += amz.emu.tick()[0]
    assert created > 0
    sold = sum(5 - row["quantity"] for sku, row in amz.truth().items() if sku.startswith("SH-"))
    assert sold == created


def test_listings_survive_save_and_restore(amz: Listings, tmp_path: Path) -> None:
    amz.emu.place_order(amz.store, "SH-00001", 1)
    amz.emu.save(tmp_path / "amazon.pickle")
    fresh = AmazonEmulator("cid", "secret", clock=amz.clock)
    assert fresh.restore(tmp_path / "amazon.pickle")
    assert fresh.listings(amz.store) == amz.emu.listings(amz.store)
    assert fresh.place_order(amz.store, "SH-00001", 4) is not None


# --- control routes ----------------------------------------------------------------------------------------

def test_control_routes_set_read_and_buy(amz: Listings) -> None:
    products = [{"title": "Mug", "active": True, "weight_kg": "0.4",
                 "variants": [{"sku": "MUG-1", "name": "", "price": "8.50", "quantity": 2, "barcode": "123"}]}]
    base = f"/_emulator/stores/{amz.store}"
    created = amz.http.post(f"{base}/catalogue", json={"products": products})
    assert created.status_code == 201 and created.json()["listings"][0]["price"] == "8.50"
    rows = amz.http.get(f"{base}/listings").json()["listings"]
    assert [(r["seller_sku"], r["quantity"], r["active"]) for r in rows] == [("MUG-1", 2, True)]
    bought = amz.http.post(f"{base}/buy", json={"sku": "MUG-1", "quantity": 2})
    assert bought.status_code == 201 and bought.json()["order_id"] in amz.emu.orders(amz.store)
    assert amz.http.post(f"{base}/buy", json={"sku": "MUG-1", "quantity": 1}).status_code == 409
    assert amz.http.post(f"{base}/buy", json={"quantity": 1}).status_code == 400
    assert amz.http.post(f"{base}/catalogue", json={"products": [{"title": "x"}]}).status_code == 400
    assert amz.http.get(f"/_emulator/stores/{OTHER}:{DE}/listings").status_code == 404
