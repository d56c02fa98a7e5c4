"""Listings and stock, against every connector and its emulator: what the platform shows is what we read,
and what we push is what buyers then see."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crossdock.domain.money import Money
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.ports.marketplace import BadRecord, Listing, StockUpdate
from tests.contract.harness import Harness


def catalogue(products: int, variants: int = 2, prefix: str = "MS", quantity: int = 10) -> list[ProductSpec]:
    """`products` products; every third has a single variant without a variant model."""
    specs = []
    for p in range(products):
        if p % 3 == 2:
            specs.append(ProductSpec(f"Lamp {p}", (VariantSpec(f"{prefix}-{p:04d}", "", Decimal("12.50"), quantity,
                                                               barcode=f"40{p:011d}"),)))
        else:
            specs.append(ProductSpec(f"Shirt {p}", tuple(
                VariantSpec(f"{prefix}-{p:04d}-{v}", f"Size {'SML'[v % 3]}{v}", Decimal("9.90") + v, quantity + v)
                for v in range(variants))))
    if products > 1:
        specs[1] = ProductSpec(specs[1].title, specs[1].variants, active=False)   # unlisted, still ours to see
    return specs


def read_all(h: Harness, store_id: int) -> tuple[list[Listing], list[BadRecord]]:
    good: list[Listing] = []
    bad: list[BadRecord] = []
    for page in h.listing_source(store_id).list_listings():
        for item in page:
            if isinstance(item, BadRecord):
                bad.append(item)
            else:
                good.append(item)
    return good, bad


def by_sku(listings: list[Listing]) -> dict[str, Listing]:
    return {listing.seller_sku: listing for listing in listings}


def pushable(h: Harness, listings: list[Listing]) -> list[Listing]:
    """The listings the platform lets us update (TikTok Shop: only those of live products)."""
    return [x for x in listings if x.active] if h.stock_needs_active else listings


def updates_for(listings: list[Listing], quantity: int) -> list[StockUpdate]:
    return [StockUpdate(x.item_id, x.variant_id, x.seller_sku, quantity) for x in listings]


@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_listings_complete_across_page_edges(harness: Harness, extra: int) -> None:
    store_id, ext = harness.connect_store(harness.region())
    count = harness.listing_page + extra
    harness.set_catalogue(ext, catalogue(count))
    good, bad = read_all(harness, store_id)
    assert bad == []
    truth = harness.listings_truth(ext)
    assert len(good) == len(truth) == len({(x.item_id, x.variant_id) for x in good})
    ours = by_sku(good)
    for row in truth:
        listing = ours[row["seller_sku"]]
        assert (listing.item_id, listing.variant_id) == (str(row["item_id"]), str(row["variant_id"]))
        assert listing.quantity == row["quantity"]
        assert listing.active is row["active"]
        assert isinstance(listing.price, Money) and isinstance(listing.price.amount, Decimal)
        assert listing.price.amount == Decimal(str(row["price"]))


def test_empty_store_has_no_listings(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.set_catalogue(ext, [])
    assert read_all(harness, store_id) == ([], [])


def test_pushed_quantities_are_what_the_platform_shows_in_the_fewest_calls(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    specs = catalogue(7, variants=3)
    harness.set_catalogue(ext, specs)
    good, _ = read_all(harness, store_id)
    good = pushable(harness, good)
    sink = harness.stock_sink(store_id)
    assert sink.stock_batch >= 1
    updates = [StockUpdate(x.item_id, x.variant_id, x.seller_sku, 100 + i) for i, x in enumerate(good)]
    before = harness.api_calls()
    results = sink.push_stock(updates)
    calls = harness.api_calls() - before
    assert [r.update for r in results] == updates
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    shown = {row["seller_sku"]: row["quantity"] for row in harness.listings_truth(ext)}
    assert {k: v for k, v in shown.items() if k in {u.seller_sku for u in updates}} == \
        {u.seller_sku: u.quantity for u in updates}
    pushed = [p for p in specs if p.active or not harness.stock_needs_active]
    assert calls == harness.expected_stock_calls([len(p.variants) for p in pushed])


def test_zero_delists_and_buyers_cannot_buy_it(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.set_catalogue(ext, catalogue(3))
    good, _ = read_all(harness, store_id)
    target = good[0]
    assert harness.place_order(ext, target.seller_sku, 1) is not None
    shown = {row["seller_sku"]: row["quantity"] for row in harness.listings_truth(ext)}
    assert shown[target.seller_sku] == target.quantity - 1        # the platform sold one
    [result] = harness.stock_sink(store_id).push_stock(updates_for([target], 0))
    assert result.ok, result.error
    assert harness.place_order(ext, target.seller_sku, 1) is None
    [result] = harness.stock_sink(store_id).push_stock(updates_for([target], 2))
    assert result.ok
    assert harness.place_order(ext, target.seller_sku, 3) is None   # more than listed
    assert harness.place_order(ext, target.seller_sku, 2) is not None


def test_a_refused_listing_is_its_own_result_and_the_rest_go_through(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.set_catalogue(ext, catalogue(2))
    good, _ = read_all(harness, store_id)
    good = pushable(harness, good)
    ghost = StockUpdate(good[0].item_id, "999999991" if good[0].variant_id else "", "GHOST-1", 5)
    if not good[0].variant_id:
        ghost = StockUpdate("999999991", "", "GHOST-1", 5)
    updates = [*updates_for(good, 4), ghost]
    results = harness.stock_sink(store_id).push_stock(updates)
    assert [r.update for r in results] == updates
    assert all(r.ok for r in results[:-1])
    assert not results[-1].ok and results[-1].error
    assert {row["quantity"] for row in harness.listings_truth(ext) if row["active"] or
            not harness.stock_needs_active} == {4}


def test_stock_push_survives_server_errors_throttling_and_an_expired_token(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    harness.set_catalogue(ext, catalogue(2))
    good, _ = read_all(harness, store_id)
    good = pushable(harness, good)
    harness.fail_next(1, 503)
    assert all(r.ok for r in harness.stock_sink(store_id).push_stock(updates_for(good, 6)))
    harness.expire_access(ext)
    assert all(r.ok for r in harness.stock_sink(store_id).push_stock(updates_for(good, 7)))
    harness.rate_limit(1, 1)
    assert all(r.ok for r in harness.stock_sink(store_id).push_stock(updates_for(good, 8)))
    assert {row["quantity"] for row in harness.listings_truth(ext) if row["active"] or
            not harness.stock_needs_active} == {8}
