"""Amazon adapter against the emulator: the two-minute horizon, paging, items per order, pushes' re-reads, stores."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.registry import ConnectorContext
from crossdock.connectors.amazon import CONNECTOR, AmazonSettings
from crossdock.connectors.amazon.adapter import AmazonDirectory, AmazonOrders, split_store_id
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import AccountLink, BadRecord, CallStats, OrderRef, StoreLink, TimeField, TokenSet

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SELLER = "A2Q8ZKX9LT3CDE"
CLIENT_ID, SECRET = "amzn1.application-oa2-client.unit", "amzn1.oa2-cs.v1.unit-secret"


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
        self.de = self.emu.add_store(SELLER, "DE", "Lumi Home DE")
        self.tokens = Tokens()
        self.stats = CallStats()
        self.ctx = ConnectorContext(clock=self.clock, sleep=lambda s: self.clock.advance(seconds=s),
                                    transport=self.emu.transport())
        self.settings = AmazonSettings(base_url="https://sellingpartnerapi-eu.amazon.test", client_id=CLIENT_ID,
                                       client_secret=SecretStr(SECRET))
        self.tokens.current = CONNECTOR.authorizer(self.settings, self.ctx).exchange_code(
            self.emu.authorize(SELLER), SELLER)

    def orders(self, external_id: str | None = None) -> AmazonOrders:
        link = StoreLink(store_id=1, external_id=external_id or self.de, region="DE", tokens=self.tokens,
                         stats=self.stats)
        source = CONNECTOR.orders(self.settings, link, self.ctx)
        assert isinstance(source, AmazonOrders)
        return source

    def calls(self, operation: str) -> list[dict[str, str]]:
        return [c.query for c in self.emu.calls if c.operation == operation]


@pytest.fixture
def world() -> Iterator[World]:
    yield World()


def test_store_ids_are_seller_and_marketplace() -> None:
    assert split_store_id("A2Q8ZKX9LT3CDE:A1PA6795UKMFR9") == ("A2Q8ZKX9LT3CDE", "A1PA6795UKMFR9")
    for bad in ("A2Q8ZKX9LT3CDE", ":A1PA6795UKMFR9", "A2Q8ZKX9LT3CDE:"):
        with pytest.raises(Fatal):
            split_store_id(bad)


def test_the_upper_bound_stays_two_minutes_behind_now(world: World) -> None:
    world.emu.generate_orders(world.de, 5, T0 - timedelta(days=2), T0 - timedelta(hours=1))
    pages = list(world.orders().list_order_refs(T0 - timedelta(days=3), T0))
    assert sum(len(p) for p in pages) == 5
    (query,) = world.calls("getOrders")
    assert query["LastUpdatedBefore"] == "2026-11-01T11:58:00Z" and query["MaxResultsPerPage"] == "100"
    # A window entirely inside the last two minutes asks nothing.
    assert list(world.orders().list_order_refs(T0 - timedelta(minutes=1), T0)) == []
    assert len(world.calls("getOrders")) == 1


def test_pages_follow_next_token_and_refs_carry_the_whole_order(world: World) -> None:
    world.emu.generate_orders(world.de, 230, T0 - timedelta(days=9), T0 - timedelta(hours=1))
    pages = list(world.orders().list_order_refs(T0 - timedelta(days=10), T0, TimeField.CREATED))
    assert [len(p) for p in pages] == [100, 100, 30]
    ids = [r.platform_order_id for p in pages for r in p]
    assert len(set(ids)) == 230 and set(ids) == set(world.emu.orders(world.de))
    first = pages[0][0]
    assert first.payload["AmazonOrderId"] == first.platform_order_id
    assert first.platform_status == first.payload["OrderStatus"]
    queries = world.calls("getOrders")
    assert "CreatedAfter" in queries[0] and set(queries[1]) == {"MarketplaceIds", "NextToken"}


def test_fetch_reads_items_per_order_and_keeps_the_merged_document(world: World) -> None:
    ids = world.emu.generate_orders(world.de, 6, T0 - timedelta(days=2), T0 - timedelta(hours=1))
    source = world.orders()
    refs = [r for page in source.list_order_refs(T0 - timedelta(days=3), T0) for r in page]
    snaps = source.fetch_orders(refs)
    assert all(isinstance(s, OrderSnapshot) for s in snaps) and len(world.calls("getOrderItems")) == 6
    truth = world.emu.orders(world.de)
    for snap in snaps:
        assert isinstance(snap, OrderSnapshot)
        assert snap.raw == truth[snap.platform_order_id]     # PII came inline with the RDT
        assert snap.currency == "EUR"
    shipped = [s for s in snaps if isinstance(s, OrderSnapshot) and s.platform_status == "Shipped"]
    assert all(s.address is not None and s.address.name for s in shipped)
    assert set(ids) == {s.platform_order_id for s in snaps if isinstance(s, OrderSnapshot)}


def test_a_pushed_order_is_read_with_get_order(world: World) -> None:
    (order_id,) = world.emu.generate_orders(world.de, 1, T0 - timedelta(days=1), T0 - timedelta(hours=1))
    (snap,) = world.orders().fetch_orders([OrderRef(order_id)])
    assert isinstance(snap, OrderSnapshot) and snap.raw == world.emu.orders(world.de)[order_id]
    assert len(world.calls("getOrder")) == 1


def test_an_order_amazon_does_not_know_is_a_bad_record(world: World) -> None:
    (bad,) = world.orders().fetch_orders([OrderRef("302-0000000-0000000")])
    assert isinstance(bad, BadRecord) and "NotFound" in bad.reason and bad.payload is None


def test_items_on_several_pages_are_joined(world: World) -> None:
    (order_id,) = world.emu.generate_orders(world.de, 1, T0 - timedelta(days=1), T0 - timedelta(hours=1))
    doc = world.emu.orders(world.de)[order_id]
    extra = [dict(copy.deepcopy(doc["OrderItems"][0]), OrderItemId=f"1000000000000{i}") for i in range(4)]
    world.emu.insert_raw_order(world.de, dict(doc, OrderItems=doc["OrderItems"] + extra))
    world.emu.order_items_page_size = 2
    (snap,) = world.orders().fetch_orders([OrderRef(order_id, payload=doc)])
    assert isinstance(snap, OrderSnapshot) and len(snap.lines) == len(doc["OrderItems"]) + 4
    assert len(world.calls("getOrderItems")) == 3


def test_an_order_without_an_id_is_quarantined_under_a_stable_name(world: World) -> None:
    (order_id,) = world.emu.generate_orders(world.de, 1, T0 - timedelta(days=1), T0 - timedelta(hours=1))
    doc = world.emu.orders(world.de)[order_id]
    body = {k: v for k, v in doc.items() if k != "AmazonOrderId"}
    world.emu.insert_raw_order(world.de, body)
    source = world.orders()
    refs = [r for page in source.list_order_refs(T0 - timedelta(days=2), T0) for r in page]
    odd = [r for r in refs if r.platform_order_id.startswith("unidentified:")]
    assert len(odd) == 1
    (bad,) = source.fetch_orders(odd)
    assert isinstance(bad, BadRecord) and bad.reason == "AmazonOrderId is missing"
    again = [r for page in world.orders().list_order_refs(T0 - timedelta(days=2), T0) for r in page]
    assert odd[0].platform_order_id in {r.platform_order_id for r in again}


def test_a_lapsed_authorization_fails_the_pull_as_auth(world: World) -> None:
    world.emu.generate_orders(world.de, 2, T0 - timedelta(days=1), T0 - timedelta(hours=1))
    world.emu.revoke(SELLER)
    with pytest.raises(AuthFailed, match="invalid_grant"):
        list(world.orders().list_order_refs(T0 - timedelta(days=2), T0))


def test_the_directory_lists_the_marketplaces_the_seller_sells_in(world: World) -> None:
    fr = world.emu.add_store(SELLER, "FR", "Lumi Home FR")
    uk = world.emu.add_store(SELLER, "UK", "Lumi Home UK")
    se = world.emu.add_store(SELLER, "SE")
    world.emu.set_participation(uk, suspended=True)
    world.emu.set_participation(se, participating=False)
    link = AccountLink(account_id=1, external_id=SELLER, tokens=world.tokens)
    assert CONNECTOR.directory is not None and CONNECTOR.tokens_per == "account"
    directory = CONNECTOR.directory(world.settings, link, world.ctx)
    stores = {s.external_id: s for s in directory.list_stores()}
    assert set(stores) == {world.de, fr, uk}
    assert (stores[uk].region, stores[uk].currency, stores[uk].status) == ("GB", "GBP", "suspended listings")
    assert (stores[fr].name, stores[fr].region, stores[fr].currency) == ("Lumi Home FR", "FR", "EUR")
    assert stores[world.de].details["marketplaceId"] == "A1PA6795UKMFR9"


def test_the_directory_needs_the_seller_id() -> None:
    api = HttpApi("https://x.test", stats=CallStats(), sleep=lambda s: None)
    client = AmazonClient(api, client_id="c", client_secret=SecretStr("s"), lwa_url="https://x.test/auth/o2/token",
                          clock=ManualClock(T0), sleep=lambda s: None)
    with pytest.raises(Fatal, match="selling_partner_id"):
        AmazonDirectory(client, "").list_stores()


def _mocked(answer: dict[str, object]) -> AmazonClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/tokens/"):
            return httpx.Response(200, json={"restrictedDataToken": "Atz.sprdt|x", "expiresIn": 3600})
        return httpx.Response(200, json=answer)

    clock = ManualClock(T0)
    tokens = Tokens()
    tokens.current = TokenSet(SecretStr("Atza|a"), SecretStr("Atzr|r"), T0 + timedelta(hours=1))
    api = HttpApi("https://x.test", stats=CallStats(), sleep=lambda s: clock.advance(seconds=s),
                  transport=httpx.MockTransport(handler), max_attempts=2)
    return AmazonClient(api, client_id="c", client_secret=SecretStr("s"), lwa_url="https://x.test/auth/o2/token",
                        clock=clock, sleep=lambda s: clock.advance(seconds=s), tokens=tokens)


def test_a_listing_without_orders_is_retried_not_quarantined() -> None:
    source = AmazonOrders(_mocked({"payload": {"NextToken": ""}}), "A1PA6795UKMFR9", ManualClock(T0))
    with pytest.raises(Retryable, match="without an Orders list"):
        list(source.list_order_refs(T0 - timedelta(days=1), T0))


@pytest.mark.parametrize("entry", [{"marketplace": {"id": "A1PA6795UKMFR9"}}, "DE",
                                   {"marketplace": {"id": "X"}, "participation": {"isParticipating": True}}])
def test_a_malformed_participation_stops_discovery(entry: object) -> None:
    with pytest.raises(Fatal, match="getMarketplaceParticipations"):
        AmazonDirectory(_mocked({"payload": [entry]}), SELLER).list_stores()
