"""Listings pulled from every store and mapped to master SKUs: automatically by exact seller SKU or barcode,
by hand otherwise; what stays unmapped (listings, order lines) is a queue, never ignored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from crossdock.connectors._kit.errors import ConnectorError
from crossdock.domain.inventory.events import StockChanged
from crossdock.payloads import fingerprint
from crossdock.persistence.uow import UnitOfWork
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import BadRecord, CallStats, Listing
from crossdock.services.connectors import Connectors
from crossdock.services.errors import InvalidInput, NotFound, PlatformUnavailable
from crossdock.services.messagebus import MessageBus
from crossdock.services.order_stock import resettle_unmapped
from crossdock.services.stores import StoreService
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class ListingPull:
    store_id: int
    seen: int = 0
    new: int = 0
    mapped: int = 0
    unmapped: int = 0
    quarantined: int = 0
    api_calls: int = 0
    orders_resettled: int = 0
    errors: list[str] = field(default_factory=list)


class ListingService:
    def __init__(self, uow: UowFactory, connectors: Connectors, stores: StoreService, bus: MessageBus,
                 clock: Clock) -> None:
        self._uow, self._connectors, self._stores = uow, connectors, stores
        self._bus, self._clock = bus, clock

    def pull(self, store_id: int) -> ListingPull:
        """Read every listing of the store, page by page (each page its own transaction), then map what can be."""
        store = self._stores.get(store_id)
        stats = CallStats()
        result = ListingPull(store_id)
        source = self._connectors.listing_source(store, self._stores.tokens(store_id), stats)
        try:
            for page in source.list_listings():
                good = [x for x in page if isinstance(x, Listing)]
                bad = [x for x in page if isinstance(x, BadRecord)]
                now = self._clock.now()
                with self._uow() as uow:
                    result.new += len(uow.listings.upsert(store_id, store.currency, good, now))
                    for rec in bad:
                        if uow.quarantine.keep(store_id=store_id, kind="listing", external_id=rec.platform_id,
                                               reason=rec.reason, payload=rec.payload,
                                               payload_hash=fingerprint(rec.payload), sync_run_id=None, now=now):
                            result.quarantined += 1
                    uow.commit()
                result.seen += len(good)
        except ConnectorError as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
            log.warning("listings.pull_failed", store_id=store_id, error=str(exc))
            if result.seen == 0:
                raise PlatformUnavailable(f"could not read the listings of store {store_id}: {exc}") from exc
        finally:
            result.api_calls = stats.api_calls
        counts = self.automap(store_id)
        result.mapped, result.orders_resettled = counts
        with self._uow(readonly=True) as uow:
            result.unmapped = len(uow.listings.unmapped(store_id))
        return result

    def automap(self, store_id: int | None = None) -> tuple[int, int]:
        """Map unmapped listings whose seller SKU is a master SKU code, else whose barcode is a master SKU's;
        then reserve for orders that waited on them. Returns (listings mapped, orders settled)."""
        with self._uow() as uow:
            waiting = [x for x in uow.listings.unmapped(store_id) if x["mapped_by"] is None]
            by_code = uow.catalogue.skus_by_code(x["seller_sku"] for x in waiting if x["seller_sku"])
            by_barcode = uow.catalogue.skus_by_barcode(x["barcode"] for x in waiting if x["barcode"])
            mapped: dict[tuple[int, str], list[int]] = {}
            touched: dict[int, set[int]] = {}
            for x in waiting:
                sku = by_code.get(x["seller_sku"])
                how = "seller_sku"
                if sku is None and x["barcode"]:
                    sku, how = by_barcode.get(x["barcode"]), "barcode"
                if sku is not None:
                    mapped.setdefault((sku.id, how), []).append(x["id"])
                    touched.setdefault(x["store_id"], set()).add(sku.id)
            for (sku_id, how), ids in mapped.items():
                uow.listings.set_mapping(ids, sku_id, how)
            settled = self._after_mapping(uow, touched)
            uow.commit()
        self._announce(touched)
        return sum(len(v) for v in mapped.values()), settled

    def map(self, listing_id: int, sku_code: str | None) -> dict[str, Any]:
        """Map a listing to a master SKU by hand (None unmaps it and keeps it out of automatic mapping)."""
        with self._uow() as uow:
            listing = uow.listings.get(listing_id)
            if listing is None:
                raise NotFound(f"no listing {listing_id}")
            if sku_code is None:
                uow.listings.set_mapping([listing_id], None, "manual")
                touched: dict[int, set[int]] = {}
                if listing["sku_id"]:
                    uow.stock.mark_dirty([listing["sku_id"]], self._clock.now())
            else:
                sku = uow.catalogue.skus_by_code([sku_code]).get(sku_code)
                if sku is None:
                    raise InvalidInput(f"no SKU {sku_code} in the catalogue")
                uow.listings.set_mapping([listing_id], sku.id, "manual")
                touched = {listing["store_id"]: {sku.id}}
                self._after_mapping(uow, touched)
            uow.commit()
            updated = uow.listings.get(listing_id)
        self._announce(touched)
        assert updated is not None
        return updated

    def _after_mapping(self, uow: UnitOfWork, touched: dict[int, set[int]]) -> int:
        now = self._clock.now()
        settled = 0
        for store_id, sku_ids in touched.items():
            uow.stock.mark_dirty(sku_ids, now)
            waiting = uow.stock.waiting_for_mapping(store_id)
            if waiting:
                done = resettle_unmapped(uow, store_id, waiting, now)
                settled += len(done.reserved) + len(done.oversold)
        return settled

    def _announce(self, touched: dict[int, set[int]]) -> None:
        ids = frozenset(s for v in touched.values() for s in v)
        if ids:
            self._bus.publish([StockChanged(ids)])

    def listings(self, store_id: int | None = None, mapped: bool | None = None, limit: int = 200,
                 offset: int = 0) -> list[dict[str, Any]]:
        with self._uow(readonly=True) as uow:
            return uow.listings.search(store_id=store_id, mapped=mapped, limit=limit, offset=offset)

    def unmapped_order_lines(self, limit: int = 500) -> list[dict[str, Any]]:
        """Lines of open orders that no master SKU covers: their stock cannot be reserved until mapped."""
        with self._uow(readonly=True) as uow:
            rows = uow.stock.orders_in_state("unmapped", limit=limit)
            ids = [r["order_id"] for r in rows]
            stores = uow.orders.store_of(ids)
        return [{"order_id": r["order_id"], "store_id": stores.get(r["order_id"]), **line}
                for r in rows for line in (r["unmapped"] or [])]

