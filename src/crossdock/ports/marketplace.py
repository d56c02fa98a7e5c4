"""What the services need from a marketplace, one small protocol per capability."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import SecretStr

from crossdock.domain.fulfilment.returns import ReturnRequest
from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.domain.money import Money
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.ports.carrier import CarrierShipment, Parcel


class UnknownPlatform(LookupError):
    """No connector is installed for this platform code."""


class Capability(StrEnum):
    ORDERS = "orders"
    STOCK = "stock"
    SHIPMENTS = "shipments"
    LISTINGS = "listings"
    MESSAGES = "messages"
    PAYOUTS = "payouts"
    LOGISTICS = "logistics"        # the marketplace's own carrier service (Shopee channels, Joom Logistics, …)
    RETURNS = "returns"
    CANCEL = "cancel"              # the seller cancels an order on the platform


class TimeField(StrEnum):
    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class OrderRef:
    platform_order_id: str
    platform_status: str = ""
    # The order as the list call returned it, when the platform's list already carries whole orders
    # (TikTok Shop, Joom, Amazon headers): fetch_orders then completes it instead of fetching it again.
    payload: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record the platform sent that we could not map; kept with the reason, never dropped."""

    platform_id: str
    reason: str
    payload: Any


@dataclass(slots=True)
class CallStats:
    """What talking to the platform cost: filled in by the connector, recorded per sync run."""

    api_calls: int = 0
    retries: int = 0
    throttled: int = 0
    throttle_wait_seconds: float = 0.0
    token_refreshes: int = 0


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: SecretStr
    refresh_token: SecretStr
    access_expires_at: datetime
    refresh_expires_at: datetime | None = None


class TokenStore(Protocol):
    """Where a connector keeps a store's tokens; a refreshed pair must be saved at once because
    some platforms (Shopee) make the refresh token single-use."""

    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...


@dataclass(frozen=True, slots=True)
class StoreLink:
    """Everything a connector needs to talk for one store."""

    store_id: int
    external_id: str
    region: str
    tokens: TokenStore
    stats: CallStats = field(default_factory=CallStats)
    account_id: int = 0     # the platform account owning the store: platforms that meter per account share limits


@runtime_checkable
class OrderSource(Protocol):
    max_window: timedelta          # longest time window one list query may cover
    detail_batch: int              # most orders one detail call returns

    def list_order_refs(
        self, since: datetime, until: datetime, field: TimeField = TimeField.UPDATED
    ) -> Iterator[list[OrderRef]]:
        """Orders whose `field` time is in [since, until], page by page, as the platform pages."""
        ...

    def fetch_orders(self, refs: Sequence[OrderRef]) -> list[OrderSnapshot | BadRecord]:
        """Full orders for `refs`, in the platform's largest batches."""
        ...


class Authorizer(Protocol):
    """Turns the seller's consent (an authorization code) into tokens for one store or account."""

    def exchange_code(self, code: str, external_id: str) -> TokenSet: ...


@dataclass(frozen=True, slots=True)
class RemoteStore:
    """A store as its platform describes it, found through the account that owns it."""

    external_id: str
    name: str
    region: str
    currency: str
    status: str = ""                       # the platform's own word, e.g. Joom "active"
    details: dict[str, Any] = field(default_factory=dict)   # performance figures etc., kept as sent


@dataclass(frozen=True, slots=True)
class AccountLink:
    """What a connector needs to talk for a platform account (tokens owned by the account)."""

    account_id: int
    external_id: str
    tokens: TokenStore
    stats: CallStats = field(default_factory=CallStats)


class StoreDirectory(Protocol):
    """Lists the stores a platform account owns (Joom: one merchant, many stores)."""

    def list_stores(self) -> list[RemoteStore]: ...


class BadSignature(Exception):
    """A push whose signature does not verify: rejected, logged, never acted on."""


@dataclass(frozen=True, slots=True)
class PushEvent:
    """One thing a platform pushed: which store, which order changed, and the push's own id for dedupe."""

    store_external_id: str
    platform_order_id: str
    event_id: str
    kind: str = "order"


class PushParser(Protocol):
    """Verifies a platform's push (webhook) and says what it is about."""

    def parse(self, headers: Mapping[str, str], body: bytes, url: str) -> list[PushEvent]:
        """Raises BadSignature when the push is not from the platform; may return [] for pushes we ignore."""
        ...


@dataclass(frozen=True, slots=True)
class Listing:
    """One sellable variant of a store's listing, as the platform reports it.

    (item_id, variant_id) is the platform's identity of what a buyer buys; variant_id is "" when the item has
    no variants. `quantity` is what the platform currently shows as sellable."""

    item_id: str
    variant_id: str
    seller_sku: str               # "" when the seller gave none
    title: str
    price: Money | None
    quantity: int
    active: bool
    barcode: str = ""
    raw: Any = field(default=None, compare=False, repr=False)


class ListingSource(Protocol):
    def list_listings(self) -> Iterator[list[Listing | BadRecord]]:
        """Every listing of the store (active or not), page by page as the platform pages; a variant the
        connector cannot map is a BadRecord with the reason, never dropped."""
        ...


@dataclass(frozen=True, slots=True)
class StockUpdate:
    item_id: str
    variant_id: str
    seller_sku: str
    quantity: int                 # the new sellable quantity (0 delists)


@dataclass(frozen=True, slots=True)
class StockResult:
    update: StockUpdate
    ok: bool
    error: str = ""               # the platform's own words when it refused this listing
    retryable: bool = False       # a refusal worth sending again later (busy, throttled), not a bad listing


class StockSink(Protocol):
    stock_batch: int              # most listings one call can carry (the platform's largest batch)

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockResult]:
        """Send new quantities in the platform's largest batches, one result per update in the same order.
        A refusal of one listing is a result; a failure of the store or the call (auth, platform down after
        retries) raises the _kit error."""
        ...


@dataclass(frozen=True, slots=True)
class ShippedLine:
    platform_line_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ShipmentNotice:
    """Tells the platform that an order, or part of it, left with a carrier: what the buyer and the platform's
    late-shipment clock wait for."""

    platform_order_id: str
    carrier_code: str           # Crossdock's carrier code ("dhl", "yunexpress", …); the connector maps it to the
    carrier_name: str           # platform's provider list, falling back to the name where the platform takes one
    tracking_number: str
    shipped_at: datetime
    lines: tuple[ShippedLine, ...] = ()    # empty: the whole order
    package_id: str = ""        # the platform's package (Shopee package_number, TikTok package id) when it has one
    service: str = ""           # the carrier's service, for platforms that ask for a shipping method


class ShipmentSink(Protocol):
    def confirm_shipment(self, notice: ShipmentNotice) -> None:
        """Tell the platform. Confirming again what the platform already shows succeeds (a retry after a lost
        answer must not fail). A refusal raises the _kit `Fatal` with the platform's words; a failure worth
        retrying raises `Retryable`."""
        ...


@dataclass(frozen=True, slots=True)
class LogisticsRequest:
    platform_order_id: str
    package_id: str = ""
    lines: tuple[ShippedLine, ...] = ()    # empty: the whole order
    parcel: Parcel | None = None
    handover: str = "dropoff"   # "pickup" (the carrier collects) or "dropoff" (the seller brings it)


class PlatformLogistics(Protocol):
    """The marketplace arranges the carrier: it gives the tracking number and the label, and the order counts
    as shipped on the platform once the parcel is handed over. Refusals raise `Fatal` with the platform's words."""

    def arrange(self, request: LogisticsRequest) -> CarrierShipment: ...

    def track(self, platform_order_ids: Sequence[str]) -> dict[str, list[TrackingEvent]]: ...


class CancelReason(StrEnum):
    """Why the seller cancels, in Crossdock's words; each connector maps it to the platform's own reason list (and
    refuses, in the platform's words, a reason the platform does not take from sellers)."""

    OUT_OF_STOCK = "out_of_stock"
    UNDELIVERABLE_ADDRESS = "undeliverable_address"
    BUYER_REQUEST = "buyer_request"        # the buyer asked the seller (by message) to cancel
    PRICING_ERROR = "pricing_error"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class CancelRequest:
    platform_order_id: str
    reason: CancelReason
    lines: tuple[ShippedLine, ...]         # every line of the order with its quantity (platforms cancel per line)
    note: str = ""                          # the seller's words, where the platform takes a comment


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    platform_order_id: str
    error: str = ""                         # empty: the platform shows the order cancelled
    retry: bool = False                     # the failure is worth another attempt (throttled, 5xx, timed out)

    @property
    def ok(self) -> bool:
        return not self.error


class OrderCanceller(Protocol):
    cancel_batch: int        # orders worth handing over in one call (one Amazon feed carries thousands)

    def cancel_orders(self, requests: Sequence[CancelRequest]) -> list[CancelOutcome]:
        """Cancel the orders on the platform: one outcome per request, in the same order. An order the platform
        already shows cancelled is a success (a retry after a lost answer must not fail). A refusal (already
        shipped, a reason the platform does not take) is an outcome with the platform's words; a failure left
        after the connector's own retries is an outcome with `retry`. Only what stops the whole call (the store's
        authorization) raises."""
        ...


class ReturnSource(Protocol):
    max_window: timedelta

    def list_returns(self, since: datetime, until: datetime) -> Iterator[list[ReturnRequest | BadRecord]]:
        """Return requests updated in [since, until], page by page; one the connector cannot map is a BadRecord."""
        ...
