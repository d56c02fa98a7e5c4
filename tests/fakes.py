"""A fake marketplace implementing our ports in memory, for service tests that are not about a platform."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from pydantic import BaseModel, SecretStr

from crossdock.bootstrap import App, bootstrap
from crossdock.carriers._registry import CarrierRegistry, CarrierSpec
from crossdock.connectors._kit.cancel import cancel_each
from crossdock.connectors._kit.errors import Fatal, Retryable
from crossdock.connectors._kit.registry import ConnectorContext, ConnectorSpec, Registry
from crossdock.documents.labels import render_labels
from crossdock.documents.model import LabelData
from crossdock.domain.fulfilment.returns import ReturnRequest
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address, Buyer, OrderLine, OrderSnapshot
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.carrier import CarrierProduct, CarrierShipment, LabelFile, ShipmentRequest
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import (
    BadRecord,
    CancelOutcome,
    CancelReason,
    CancelRequest,
    Capability,
    Listing,
    OrderRef,
    ShipmentNotice,
    StockResult,
    StockUpdate,
    StoreLink,
    TimeField,
    TokenSet,
)
from crossdock.services.stores import AddStore
from crossdock.settings import Settings


class FakeSettings(BaseModel):
    pass


@dataclass
class FakeShop:
    orders: dict[str, OrderSnapshot] = field(default_factory=dict)
    listings: dict[tuple[str, str], Listing] = field(default_factory=dict)
    pushes: list[list[StockUpdate]] = field(default_factory=list)
    gate: threading.Event | None = None    # a stock update waits for it: a slow store
    shipped: dict[str, ShipmentNotice] = field(default_factory=dict)
    returns: list[ReturnRequest] = field(default_factory=list)
    cancelled: dict[str, CancelRequest] = field(default_factory=dict)


class FakeMarket:
    """Shops keyed by external id; thread-safe enough for concurrent pulls of different shops."""

    def __init__(self) -> None:
        self.shops: dict[str, FakeShop] = {}
        self.lock = threading.Lock()
        self.refuse: set[str] = set()      # seller SKUs whose stock updates the platform refuses
        self.carrier: ParcelBook | None = None
        self.down = 0                      # cancel calls still to answer "unavailable" (503)

    def shop(self, external_id: str) -> FakeShop:
        return self.shops.setdefault(external_id, FakeShop())

    def spec(self) -> ConnectorSpec:
        market = self

        class Source:
            max_window = timedelta(days=30)
            detail_batch = 50

            def __init__(self, link: StoreLink) -> None:
                self.shop = market.shop(link.external_id)

            def list_order_refs(self, since: datetime, until: datetime,
                                field: TimeField = TimeField.UPDATED) -> Iterator[list[OrderRef]]:
                with market.lock:
                    refs = [OrderRef(o.platform_order_id) for o in self.shop.orders.values()
                            if since <= o.updated_at <= until]
                for i in range(0, len(refs), 100):
                    yield refs[i:i + 100]

            def fetch_orders(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
                with market.lock:
                    return [self.shop.orders[r.platform_order_id] for r in refs]

        class Listings:
            def __init__(self, link: StoreLink) -> None:
                self.shop = market.shop(link.external_id)

            def list_listings(self) -> Iterator[list[Listing | BadRecord]]:
                items: list[Listing | BadRecord] = list(self.shop.listings.values())
                yield items

        class Sink:
            stock_batch = 50

            def __init__(self, link: StoreLink) -> None:
                self.shop = market.shop(link.external_id)

            def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
                if self.shop.gate is not None:
                    assert self.shop.gate.wait(30), "a test left a store's gate closed"
                self.shop.pushes.append(list(updates))
                out = []
                for u in updates:
                    key = (u.item_id, u.variant_id)
                    if u.seller_sku in market.refuse or key not in self.shop.listings:
                        out.append(StockResult(u, False, "listing refused"))
                        continue
                    self.shop.listings[key] = replace(self.shop.listings[key], quantity=u.quantity)
                    out.append(StockResult(u, True))
                return out

        class Shipments:
            def __init__(self, link: StoreLink) -> None:
                self.shop = market.shop(link.external_id)

            def confirm_shipment(self, notice: ShipmentNotice) -> None:
                if notice.platform_order_id not in self.shop.orders:
                    raise Fatal(f"order {notice.platform_order_id} not found")
                if notice.platform_order_id in market.refuse:
                    raise Fatal("carrier not accepted")
                self.shop.shipped[notice.platform_order_id] = notice

        class Canceller:
            cancel_batch = 2            # small, so services are seen to hand over big batches in chunks

            def __init__(self, link: StoreLink) -> None:
                self.shop = market.shop(link.external_id)

            def cancel_orders(self, requests: Sequence[CancelRequest]) -> list[CancelOutcome]:
                return cancel_each(requests, self._one)

            def _one(self, request: CancelRequest) -> None:
                if market.down:
                    market.down -= 1
                    raise Retryable("503 service unavailable")
                if request.platform_order_id not in self.shop.orders:
                    raise Fatal(f"order {request.platform_order_id} not found")
                if request.platform_order_id in self.shop.shipped:
                    raise Fatal("the order has shipped and can no longer be cancelled")
                if request.reason is not CancelReason.OUT_OF_STOCK:
                    raise Fatal(f"cancel reason {request.reason.value} is not accepted; use OUT_OF_STOCK")
                self.shop.cancelled[request.platform_order_id] = request

        class Returns:
            max_window = timedelta(days=15)

            def __init__(self, link: StoreLink) -> None:
                self.shop = market.shop(link.external_id)

            def list_returns(self, since: datetime, until: datetime) -> Iterator[list[ReturnRequest | BadRecord]]:
                yield [r for r in self.shop.returns if since <= r.updated_at <= until]

        class Authorizer:
            def exchange_code(self, code: str, external_id: str) -> TokenSet:
                return TokenSet(SecretStr("a"), SecretStr("r"), datetime(2099, 1, 1, tzinfo=UTC))

        def orders(s: Any, link: StoreLink, ctx: ConnectorContext) -> Source:
            return Source(link)

        return ConnectorSpec(code="fake", name="Fake market", settings=FakeSettings,
                             capabilities=frozenset({Capability.ORDERS, Capability.LISTINGS, Capability.STOCK}),
                             orders=orders, authorizer=lambda s, ctx: Authorizer(),
                             listings=lambda s, link, ctx: Listings(link), stock=lambda s, link, ctx: Sink(link),
                             shipments=lambda s, link, ctx: Shipments(link),
                             returns=lambda s, link, ctx: Returns(link),
                             cancels=lambda s, link, ctx: Canceller(link))


class FakeCarrierSettings(BaseModel):
    api_key: SecretStr


class ParcelBook:
    """A carrier in memory, for service tests not about a carrier: labels are real PDFs, events are set by hand."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.parcels: dict[str, ShipmentRequest] = {}
        self.events: dict[str, list[TrackingEvent]] = {}
        self.refuse_postcodes: set[str] = set()
        self.track_calls = 0
        self.lock = threading.Lock()       # labels are bought from several threads at once

    def scan(self, tracking_number: str, status: TrackingStatus, description: str = "") -> None:
        self.events[tracking_number].append(TrackingEvent(self.clock.now(), status, status.value.upper(),
                                                          description or status.value))

    def spec(self) -> CarrierSpec:
        book = self

        class Carrier:
            track_batch = 2

            def products(self) -> list[CarrierProduct]:
                return list(PRODUCTS)

            def create_shipment(self, request: ShipmentRequest) -> CarrierShipment:
                if request.recipient.postcode in book.refuse_postcodes:
                    raise Fatal(f"postcode {request.recipient.postcode} is not served")
                with book.lock:
                    number = f"FK{len(book.events) + 1:010d}"
                    book.parcels[number] = request
                    book.events[number] = [TrackingEvent(book.clock.now(), TrackingStatus.INFO_RECEIVED, "DATA",
                                                         "label created")]
                pdf = render_labels([LabelData(number, "Fake Parcel", request.service, request.shipper,
                                               request.recipient, request.reference, request.parcel.weight_grams)])
                return CarrierShipment(f"S-{number}", number, LabelFile(pdf))

            def cancel_shipment(self, shipment: CarrierShipment) -> None:
                book.parcels.pop(shipment.tracking_number, None)

            def track(self, tracking_numbers: Sequence[str]) -> dict[str, list[TrackingEvent]]:
                book.track_calls += 1
                return {t: list(book.events[t]) for t in tracking_numbers if t in book.events}

        return CarrierSpec(code="fakeparcel", name="Fake Parcel", settings=FakeCarrierSettings,
                           factory=lambda settings, ctx: Carrier(), products=PRODUCTS)


PRODUCTS = (CarrierProduct("STD", "Standard parcel"), CarrierProduct("COLD", "Chilled parcel"))


def fake_app(database_url: str, home: Path, clock: ManualClock) -> tuple[App, FakeMarket]:
    market = FakeMarket()
    market.carrier = ParcelBook(clock)
    settings = Settings(database_url=database_url, home=home, secret_key=SecretStr(Fernet.generate_key().decode()),
                        connectors={"fake": {}})
    app = bootstrap(settings, clock=clock, sleep=lambda s: None, registry=Registry({"fake": market.spec()}),
                    carrier_registry=CarrierRegistry({"fakeparcel": market.carrier.spec()}))
    return app, market


def add_store(app: App, external_id: str) -> int:
    store = app.stores.add(AddStore(platform="fake", external_id=external_id, name=f"Fake {external_id}",
                                    region="DE", currency="EUR"))
    app.stores.authorize(store.id, "code")
    return store.id


def order(order_id: str, lines: Sequence[tuple[str, int]], at: datetime,
          status: OrderStatus = OrderStatus.PENDING_REVIEW, platform_status: str = "paid",
          address: Address | None = None, buyer: str = "b1", note: str = "",
          paid: Decimal = Decimal("10.00")) -> OrderSnapshot:
    """An order of `lines` (seller SKU, units) on listings whose item id is the SKU itself."""
    price = Money(Decimal("10.00"), "EUR")
    return OrderSnapshot(
        platform_order_id=order_id, platform_status=platform_status, status=status, created_at=at, updated_at=at,
        total=Money(paid * sum(q for _, q in lines), "EUR"),
        buyer=Buyer(buyer, f"user-{buyer}"), address=address, buyer_note=note,
        lines=tuple(OrderLine(f"{order_id}-{i}", sku, sku, "", sku, "", q, price, Money(paid, "EUR"))
                    for i, (sku, q) in enumerate(lines)),
        raw={"id": order_id, "status": platform_status, "at": at.isoformat()})


def listing(sku: str, quantity: int = 0, variant: str = "") -> Listing:
    return Listing(item_id=sku, variant_id=variant, seller_sku=sku, title=f"Listing {sku}",
                   price=Money(Decimal("10.00"), "EUR"), quantity=quantity, active=True)
