"""Shopee listings and stock: mapping of recorded-style product payloads, and the adapter's paging and batching."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthFailed, BadPayload, Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.shopee.adapter import ShopeeListings, ShopeeStock
from crossdock.connectors.shopee.client import ShopeeClient
from crossdock.connectors.shopee.mapping import item_head, listing_from_item, listing_from_model
from crossdock.domain.money import Money
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.shopee import ShopeeEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, Listing, StockUpdate, TokenSet

FIXTURES = Path(__file__).parent.parent / "fixtures" / "shopee"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def response(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())["response"]
    return body


@pytest.fixture
def items() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = response("shopee-get_item_base_info.json")["item_list"]
    return found


@pytest.fixture
def models() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = response("shopee-get_model_list.json")["model"]
    return found


# ---- mapping ------------------------------------------------------------------------------------


def test_item_without_models_is_one_listing_at_its_own_price_and_seller_stock(items: list[dict[str, Any]]) -> None:
    listing = listing_from_item(item_head(items[0]))
    assert (listing.item_id, listing.variant_id, listing.seller_sku) == ("800182459", "", "HOODIE-BLK")
    # The seller's price, not the promotion's current_price.
    assert listing.price == Money(Decimal("150000"), "IDR")
    # Only the seller's own warehouse counts: Shopee's 299 in its warehouses are not the seller's to set.
    assert listing.quantity == 90
    assert listing.active is True and listing.barcode == "8991234567890"
    assert listing.title == "Hot Sale Black Hoodie" and listing.raw is items[0]


def test_models_are_listings_of_their_item(items: list[dict[str, Any]], models: list[dict[str, Any]]) -> None:
    head = item_head(items[1])
    assert head.has_model and not head.active
    first, second = (listing_from_model(head, raw) for raw in models)
    assert (first.item_id, first.variant_id, first.seller_sku) == ("800182460", "3456", "TSHIRT-M")
    assert first.price == Money(Decimal("79000"), "IDR") and first.quantity == 12
    assert first.barcode == "8990000000011"
    assert first.active is False   # the item is unlisted, so none of its models can be bought
    # A model without its own SKU is known by the item's.
    assert (second.variant_id, second.seller_sku, second.quantity, second.barcode) == ("1234", "TSHIRT", 0, "")
    assert first.raw == {"item": items[1], "model": models[0]}


def test_prices_sent_as_floats_come_out_exact(items: list[dict[str, Any]]) -> None:
    raw = copy.deepcopy(items[0])
    raw["price_info"][0].update(currency="SGD", original_price=19.9)
    price = listing_from_item(item_head(raw)).price
    # The text Shopee wrote, not the binary float's expansion (19.899999999999998578...).
    assert price is not None and str(price.amount) == "19.9" and price.currency == "SGD"


def test_an_item_without_price_info_has_no_price(items: list[dict[str, Any]]) -> None:
    raw = dict(items[0])
    del raw["price_info"]
    assert listing_from_item(item_head(raw)).price is None


def test_a_disabled_model_is_not_active(items: list[dict[str, Any]], models: list[dict[str, Any]]) -> None:
    head = item_head(dict(items[1], item_status="NORMAL"))
    assert listing_from_model(head, models[0]).active is True
    assert listing_from_model(head, dict(models[0], model_status="MODEL_UNAVAILABLE")).active is False


ITEM_BREAKS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("item_id is missing", lambda raw: raw.pop("item_id")),
    ("item_status is missing", lambda raw: raw.pop("item_status")),
    ("has_model is 'no'", lambda raw: raw.update(has_model="no")),
    ("stock_info_v2 is missing", lambda raw: raw.pop("stock_info_v2")),
    ("negative stock", lambda raw: raw["stock_info_v2"]["seller_stock"][0].update(stock=-3)),
    ("stock is 'many'", lambda raw: raw["stock_info_v2"]["seller_stock"][0].update(stock="many")),
    ("not an ISO 4217 currency", lambda raw: raw["price_info"][0].update(currency="rupiah")),
    ("original_price is 'free'", lambda raw: raw["price_info"][0].update(original_price="free")),
    ("price_info is not a list", lambda raw: raw.update(price_info={"currency": "IDR"})),
]


@pytest.mark.parametrize(("reason", "brake"), ITEM_BREAKS, ids=[reason for reason, _ in ITEM_BREAKS])
def test_a_broken_item_is_a_bad_payload_naming_the_field(
    items: list[dict[str, Any]], reason: str, brake: Callable[[dict[str, Any]], None]
) -> None:
    raw = copy.deepcopy(items[0])
    brake(raw)
    with pytest.raises(BadPayload) as err:
        listing_from_item(item_head(raw))
    assert reason in err.value.reason


@pytest.mark.parametrize(("model", "reason"), [
    ("not an object", "model is not a JSON object"),
    ({"model_sku": "X"}, "model_id is missing"),
    ({"model_id": 0}, "model_id is 0"),
])
def test_a_broken_model_is_a_bad_payload(items: list[dict[str, Any]], model: Any, reason: str) -> None:
    with pytest.raises(BadPayload, match=reason):
        listing_from_model(item_head(items[1]), model)


# ---- the adapter against a scripted client ------------------------------------------------------


class ScriptedClient:
    """Stands in for ShopeeClient: answers from a catalogue of base infos and model lists, logging calls."""

    def __init__(self, base: list[dict[str, Any]], model_lists: dict[int, Any] | None = None) -> None:
        self.base = {raw["item_id"]: raw for raw in base}
        self.model_lists = model_lists or {}
        self.calls: list[tuple[str, Any]] = []
        self.hidden: set[int] = set()         # listed, but missing from base info
        self.stuck_offset = False
        self.stock_error: Fatal | None = None

    def get_item_list(self, *, offset: int, page_size: int, item_status: list[str]) -> dict[str, Any]:
        self.calls.append(("list", (offset, page_size, tuple(item_status))))
        ids = list(self.base)
        page = ids[offset:offset + page_size]
        more = offset + len(page) < len(ids)
        return {"item": [{"item_id": i, "item_status": "NORMAL"} for i in page], "total_count": len(ids),
                "has_next_page": more, "next_offset": offset if self.stuck_offset else offset + len(page)}

    def get_item_base_info(self, item_ids: list[int]) -> dict[str, Any]:
        self.calls.append(("base", tuple(item_ids)))
        return {"item_list": [self.base[i] for i in item_ids if i not in self.hidden]}

    def get_model_list(self, item_id: int) -> dict[str, Any]:
        self.calls.append(("models", item_id))
        if item_id not in self.model_lists:
            raise Fatal("error_item_not_found: Product not found", code="error_item_not_found")
        answer: dict[str, Any] = self.model_lists[item_id]
        return answer

    def update_stock(self, item_id: int, stock_list: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(("stock", (item_id, [e["model_id"] for e in stock_list])))
        if self.stock_error is not None:
            raise self.stock_error
        return {"failure_list": [], "success_list": [{"model_id": e["model_id"], "location_id": "SGZ",
                                                      "stock": e["seller_stock"][0]["stock"]} for e in stock_list]}


def simple_item(item_id: int, raw: dict[str, Any]) -> dict[str, Any]:
    return dict(copy.deepcopy(raw), item_id=item_id, item_sku=f"SKU-{item_id}")


def read(source: ShopeeListings) -> list[list[Listing | BadRecord]]:
    return list(source.list_listings())


def test_listings_page_like_get_item_list_with_base_info_in_fifties(items: list[dict[str, Any]]) -> None:
    client = ScriptedClient([simple_item(1000 + i, items[0]) for i in range(120)])
    pages = read(ShopeeListings(client))  # type: ignore[arg-type]
    assert [len(page) for page in pages] == [100, 20]
    assert [listing.seller_sku for page in pages for listing in page if isinstance(listing, Listing)] == [
        f"SKU-{1000 + i}" for i in range(120)]
    kinds = [(kind, len(arg) if kind == "base" else arg[0]) for kind, arg in client.calls]
    assert kinds == [("list", 0), ("base", 50), ("base", 50), ("list", 100), ("base", 20)]
    # Unlisted, banned and in-review items are the seller's too; deleted ones are not.
    assert client.calls[0][1][2] == ("NORMAL", "UNLIST", "BANNED", "REVIEWING")


def test_what_cannot_be_read_is_a_bad_record_and_the_rest_goes_on(
    items: list[dict[str, Any]], models: list[dict[str, Any]]
) -> None:
    broken_model = {"model_sku": "NO-ID"}
    base = [simple_item(1, items[0]), dict(items[1], item_id=2), dict(items[1], item_id=3),
            dict(items[1], item_id=4), simple_item(5, items[0]), dict(simple_item(6, items[0]), item_status=None)]
    client = ScriptedClient(base, {2: {"model": [models[0], broken_model]}, 4: {"model": []}})
    client.hidden = {5}
    [page] = read(ShopeeListings(client))  # type: ignore[arg-type]
    good = [x for x in page if isinstance(x, Listing)]
    bad = {x.platform_id: x.reason for x in page if isinstance(x, BadRecord)}
    assert [(x.item_id, x.variant_id) for x in good] == [("1", ""), ("2", "3456")]
    assert bad == {
        "2/None": "model_id is missing",
        "3": "error_item_not_found: Product not found",
        "4": "has_model is true but get_model_list returned no model",
        "5": "listed by get_item_list but missing from get_item_base_info",
        "6": "item_status is missing",
    }


def test_a_list_that_does_not_advance_stops_the_pull(items: list[dict[str, Any]]) -> None:
    client = ScriptedClient([simple_item(1000 + i, items[0]) for i in range(150)])
    client.stuck_offset = True
    with pytest.raises(Fatal, match="next_offset"):
        read(ShopeeListings(client))  # type: ignore[arg-type]


def test_stock_goes_one_item_a_call_up_to_fifty_models_and_a_repeat_waits_its_turn() -> None:
    client = ScriptedClient([])
    updates = [StockUpdate("7", str(500 + m), f"S-{m}", m) for m in range(60)]
    updates.insert(3, StockUpdate("8", "", "LAMP", 4))
    updates.append(StockUpdate("7", "500", "S-0", 99))     # the same model again: sent later, so it wins
    results = ShopeeStock(client).push_stock(updates)      # type: ignore[arg-type]
    assert [r.update for r in results] == updates and all(r.ok for r in results)
    sent = [arg for kind, arg in client.calls if kind == "stock"]
    assert [(item, len(ids)) for item, ids in sent] == [(7, 50), (7, 11), (8, 1)]
    assert sent[1][1][-1] == 500 and sent[2][1] == [0]


def test_an_unknown_item_is_refused_alone_and_an_id_that_is_not_shopees_never_leaves() -> None:
    client = ScriptedClient([])
    client.stock_error = Fatal("error_item_not_found: Item_id is not found. (request_id r)",
                               code="error_item_not_found")
    updates = [StockUpdate("99", "1", "A", 1), StockUpdate("99", "x-1", "B", 1)]
    first, second = ShopeeStock(client).push_stock(updates)  # type: ignore[arg-type]
    assert not first.ok and "Item_id is not found." in first.error
    assert not second.ok and "not a Shopee" in second.error
    assert [arg for kind, arg in client.calls if kind == "stock"] == [(99, [1])]


def test_a_failure_of_the_store_raises_instead_of_blaming_the_listings() -> None:
    client = ScriptedClient([])
    client.stock_error = AuthFailed("error_auth: Invalid access_token.")  # type: ignore[assignment]
    with pytest.raises(AuthFailed):
        ShopeeStock(client).push_stock([StockUpdate("99", "1", "A", 1)])  # type: ignore[arg-type]
    client.stock_error = Fatal("error_sign: Wrong sign.", code="error_sign")
    with pytest.raises(Fatal):
        ShopeeStock(client).push_stock([StockUpdate("99", "1", "A", 1)])  # type: ignore[arg-type]


# ---- the real client against the emulator -------------------------------------------------------


class Tokens:
    def __init__(self, tokens: TokenSet) -> None:
        self.current = tokens

    def load(self) -> TokenSet:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.current = tokens


def emulated_client(emu: ShopeeEmulator, clock: ManualClock, shop_id: int) -> ShopeeClient:
    api = HttpApi("https://partner.shopeemobile.test", stats=CallStats(), sleep=lambda s: clock.advance(seconds=s),
                  transport=emu.transport())
    key = SecretStr(emu.partner_key)
    public = ShopeeClient(api, partner_id=emu.partner_id, partner_key=key, clock=clock)
    tokens = public.get_access_token(emu.authorize(shop_id), shop_id)
    return ShopeeClient(api, partner_id=emu.partner_id, partner_key=key, clock=clock, shop_id=shop_id,
                        tokens=Tokens(tokens))


def test_a_wide_item_round_trips_through_the_emulator() -> None:
    clock = ManualClock(NOW)
    emu = ShopeeEmulator(partner_id=2001887, partner_key="k" * 32, clock=clock)
    emu.add_shop(5001, "MY")
    emu.set_rate_limit(1000, 1000)
    variants = tuple(VariantSpec(f"W-{v:03d}", f"Colour {v}", Decimal("10.005") + v, v) for v in range(75))
    lamp = ProductSpec("Lamp", (VariantSpec("L", "", Decimal(5), 1),))
    emu.set_catalogue(5001, [ProductSpec("Wide", variants), lamp])
    client = emulated_client(emu, clock, 5001)
    [page] = list(ShopeeListings(client).list_listings())
    listings = [x for x in page if isinstance(x, Listing)]
    assert len(listings) == 76
    assert listings[1].price == Money(Decimal("11.01"), "MYR")   # rounded half up to the market's cents
    before = len(emu.calls)
    results = ShopeeStock(client).push_stock([StockUpdate(x.item_id, x.variant_id, x.seller_sku, 3) for x in listings])
    assert all(r.ok for r in results) and len(emu.calls) - before == 3   # 50 + 25 models, then the lamp
    assert {row["quantity"] for row in emu.listings(5001)} == {3}
