"""Lazada fulfilment behind our ports.

Lazada's logistics (TFS) carries most orders: Pack gives the package and Lazada's tracking number, PrintAWB the
label, ReadyToShip hands it to the 3PL; GetOrderTrace follows it. Lazada's open API takes no tracking number of
a seller's own carrier for such an order. Only an order delivered by the seller (shipping_provider_type
seller_own_fleet, "Delivered by Seller") ships with the seller's carrier: it is packed and set ready to ship, then
PackageStatusUpdateForDBS tells Lazada the carrier and its tracking number (that API "is only open to some
stores"). Return requests come from GetReverseOrdersForSeller.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import BadPayload, Fatal, Retryable
from crossdock.connectors._kit.fields import text
from crossdock.connectors.lazada.client import LazadaClient
from crossdock.connectors.lazada.fulfilment_mapping import return_request, trace_events
from crossdock.connectors.lazada.mapping import ITEMS_KEY, STATUS
from crossdock.domain.fulfilment.returns import ReturnRequest
from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.carrier import CarrierShipment, LabelFile
from crossdock.ports.marketplace import BadRecord, LogisticsRequest, ShipmentNotice, ShippedLine

OWN_FLEET = "seller_own_fleet"
PACKABLE = frozenset({"pending", "repacked"})
HANDED_OVER = frozenset({"shipped", "delivered", "failed_delivery"})
REVERSE_PAGE = 50            # GetReverseOrdersForSeller page_size (the docs give 10 as default and no maximum)
REVERSE_PAGE_NO_MAX = 100    # sellers report that pages past 100 come back empty
# The docs give no longest window; at most 100 pages of 50 come back per query, so windows stay short.
REVERSE_WINDOW = timedelta(days=15)


def _live(item: dict[str, Any]) -> bool:
    return STATUS.get(text(item, "status")) is not OrderStatus.CANCELLED


def _failure(result: dict[str, Any]) -> str:
    return f"{result.get('item_err_code')}: {result.get('msg') or 'refused'}"


def order_items(client: LazadaClient, order_id: str) -> list[dict[str, Any]]:
    """The order's items as Lazada lists them now; an order the seller does not have is refused in Lazada's words."""
    if not order_id.isdigit():
        raise Fatal(f"{order_id!r} is not a Lazada order id (Lazada order ids are numbers)")
    for entry in client.get_multiple_order_items([order_id]):
        if isinstance(entry, dict) and str(entry.get("order_id")) == order_id:
            items = entry.get(ITEMS_KEY)
            if isinstance(items, list) and items:
                return [item for item in items if isinstance(item, dict)]
    raise Fatal(f"Lazada has no order {order_id} for this seller (GetMultipleOrderItems: E039 No orders were "
                "found)", code="39")


class _Packages:
    """What both ways of shipping share: reading an order's items and packing the ones still to pack."""

    def __init__(self, client: LazadaClient) -> None:
        self._client = client

    def items(self, order_id: str) -> list[dict[str, Any]]:
        return order_items(self._client, order_id)

    @staticmethod
    def targets(items: list[dict[str, Any]], lines: Sequence[ShippedLine]) -> list[dict[str, Any]]:
        """The order items to ship: those named (every Lazada order item is one unit), else all still live."""
        if not lines:
            chosen = [item for item in items if _live(item)]
        else:
            wanted = {line.platform_line_id for line in lines}
            chosen = [item for item in items if text(item, "order_item_id") in wanted]
            unknown = wanted - {text(item, "order_item_id") for item in chosen}
            if unknown:
                raise Fatal(f"Lazada order has no order item {', '.join(sorted(unknown))}")
        if not chosen:
            raise Fatal("the order has no order item left to ship")
        return chosen

    def pack(self, order_id: str, items: list[dict[str, Any]]) -> None:
        ids = [int(text(item, "order_item_id")) for item in items if text(item, "status") in PACKABLE]
        if not ids:
            return
        providers = self._client.get_shipment_provider([{"order_id": int(order_id), "order_item_ids": ids}])
        request: dict[str, Any] = {"pack_order_list": [{"order_item_list": ids, "order_id": int(order_id)}],
                                   "delivery_type": "dropship",
                                   # "Directly pass through to the PACK API"
                                   "shipping_allocate_type": providers.get("shipping_allocate_type") or "TFS"}
        own_fleet = any(text(item, "shipping_provider_type").lower() == OWN_FLEET for item in items)
        if str(providers.get("platform_default")) == "0" and not own_fleet:
            # "seller must choose transferring warehouses from shipment_providers and pass to PACK API by self"
            choices = providers.get("shipment_providers") or []
            if not choices:
                raise Fatal(f"Lazada wants a shipment provider for order {order_id} but offers none")
            request["shipment_provider_code"] = choices[0].get("provider_code")
        answer = self._client.pack(request)
        results = [result for order in answer.get("pack_order_list") or []
                   for result in order.get("order_item_list") or [] if isinstance(result, dict)]
        failed = [result for result in results if str(result.get("item_err_code")) != "0"]
        if failed:
            message = f"Lazada did not pack order {order_id}: " + "; ".join(_failure(r) for r in failed)
            if any(result.get("retry") in (True, "true") for result in failed):
                raise Retryable(message)
            raise Fatal(message, code=str(failed[0].get("item_err_code")))

    def ready_to_ship(self, items: list[dict[str, Any]]) -> None:
        packages = list(dict.fromkeys(text(item, "package_id") for item in items
                                      if text(item, "status") == "packed" and text(item, "package_id")))
        if not packages:
            return
        answer = self._client.ready_to_ship(packages)
        failed = [r for r in answer.get("packages") or [] if isinstance(r, dict) and str(r.get("item_err_code")) != "0"]
        if failed:
            raise Fatal("Lazada did not set the package ready to ship: " + "; ".join(_failure(r) for r in failed),
                        code=str(failed[0].get("item_err_code")))


class LazadaShipments:
    """The seller's own carrier, for orders Delivered by Seller: pack, ready to ship, then the carrier's tracking
    number through PackageStatusUpdateForDBS."""

    def __init__(self, client: LazadaClient) -> None:
        self._client = client
        self._packages = _Packages(client)

    def confirm_shipment(self, notice: ShipmentNotice) -> None:
        order_id = notice.platform_order_id
        targets = self._packages.targets(self._packages.items(order_id), notice.lines)
        if not all(text(item, "shipping_provider_type").lower() == OWN_FLEET for item in targets):
            if all(text(item, "tracking_code") == notice.tracking_number for item in targets):
                return      # already what Lazada shows
            kind = text(targets[0], "shipping_provider_type") or "standard"
            raise Fatal(f"Lazada order {order_id} ships with Lazada's logistics (shipping_provider_type {kind}): "
                        "Lazada gives its own tracking number when the order is packed and takes none from the "
                        "seller's carrier; arrange it through Lazada logistics, or deliver it by seller (DBS)")
        self._packages.pack(order_id, targets)
        targets = self._packages.targets(self._packages.items(order_id), notice.lines)
        self._packages.ready_to_ship(targets)
        packages: dict[str, list[dict[str, Any]]] = {}
        for item in targets:
            packages.setdefault(text(item, "package_id"), []).append(item)
        for package_id, items in packages.items():
            if all(text(item, "tracking_code") == notice.tracking_number and text(item, "status") in HANDED_OVER
                   for item in items):
                continue    # a retry after a lost answer: Lazada already shows it
            self._client.dbs_status_update(
                tracking_number=notice.tracking_number, carrier_code=notice.carrier_code.upper(), package_id=package_id,
                # Assumption: the docs name no status values; the carrier's first scan, as a carrier reports it.
                track_info={"latestStatus": {"status": "IN_TRANSIT", "subStatus": "PICKED_UP",
                                             "subStatusDesc": f"Picked up by {notice.carrier_name}"},
                            "latestEvent": {"eventTime": int(notice.shipped_at.timestamp() * 1000),
                                            "description": f"Handed over to {notice.carrier_name} "
                                                           f"({notice.tracking_number})",
                                            "stage": "first_mile"}})


class LazadaLogistics:
    """Lazada's logistics (TFS): pack for Lazada's tracking number and package, print the AWB, ready to ship."""

    def __init__(self, client: LazadaClient) -> None:
        self._client = client
        self._packages = _Packages(client)

    def arrange(self, request: LogisticsRequest) -> CarrierShipment:
        order_id = request.platform_order_id
        targets = self._packages.targets(self._packages.items(order_id), request.lines)
        if any(text(item, "shipping_provider_type").lower() == OWN_FLEET for item in targets):
            raise Fatal(f"Lazada order {order_id} is delivered by the seller (DBS): Lazada's logistics does not "
                        "carry it; ship it with the seller's carrier and confirm the shipment")
        self._packages.pack(order_id, targets)
        targets = self._packages.targets(self._packages.items(order_id), request.lines)
        if request.package_id:
            targets = [item for item in targets if text(item, "package_id") == request.package_id] or targets
        package_id, tracking = text(targets[0], "package_id"), text(targets[0], "tracking_code")
        if not package_id or not tracking:
            raise Retryable(f"Lazada has not given order {order_id} a package and tracking number yet")
        label = self._label(package_id)
        self._packages.ready_to_ship([item for item in targets if text(item, "package_id") == package_id])
        return CarrierShipment(carrier_shipment_id=package_id, tracking_number=tracking, label=label,
                               extra={"package_id": package_id,
                                      "shipment_provider": text(targets[0], "shipment_provider")})

    def _label(self, package_id: str) -> LabelFile:
        data = self._client.print_awb([package_id], "PDF")
        try:
            content = base64.b64decode(str(data.get("file") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise Retryable(f"Lazada's AWB for package {package_id} is not Base64") from None
        if not content.startswith(b"%PDF"):
            raise Retryable(f"Lazada's AWB for package {package_id} is not a PDF")
        return LabelFile(content, "PDF")

    def track(self, platform_order_ids: Sequence[str]) -> dict[str, list[TrackingEvent]]:
        out: dict[str, list[TrackingEvent]] = {}
        for order_id in platform_order_ids:
            if not order_id.isdigit():
                continue
            try:
                packages = trace_events(self._client.get_order_trace(order_id))
            except BadPayload as exc:
                raise Retryable(f"Lazada answered GetOrderTrace for {order_id} unreadably: {exc.reason}") from exc
            # An order of another seller answers no package at all: it stays absent.
            if packages:
                out[order_id] = sorted((e for events in packages.values() for e in events), key=lambda e: e.at)
        return out


class LazadaReturns:
    """Returns and refund-only requests whose lines changed in a window, 50 a page."""

    max_window = REVERSE_WINDOW

    def __init__(self, client: LazadaClient, currency: str) -> None:
        self._client = client
        self._currency = currency

    def list_returns(self, since: datetime, until: datetime) -> Iterator[list[ReturnRequest | BadRecord]]:
        start = since
        while start <= until:
            stop = min(start + REVERSE_WINDOW, until)
            yield from self._pages(start, stop)
            start = stop + timedelta(milliseconds=1)

    def _pages(self, start: datetime, stop: datetime) -> Iterator[list[ReturnRequest | BadRecord]]:
        page_no = 1
        while True:
            if page_no > REVERSE_PAGE_NO_MAX:
                raise Fatal(f"more than {REVERSE_PAGE_NO_MAX * REVERSE_PAGE} return requests changed between "
                            f"{start.isoformat()} and {stop.isoformat()}: Lazada answers no page past "
                            f"{REVERSE_PAGE_NO_MAX}")
            result = self._client.get_reverse_orders({
                "page_no": str(page_no), "page_size": str(REVERSE_PAGE),
                "request_type_list": '["RETURN","ONLY_REFUND"]',
                "ReverseOrderLineModifiedTimeRangeStart": str(int(start.timestamp() * 1000)),
                "ReverseOrderLineModifiedTimeRangeEnd": str(int(stop.timestamp() * 1000)),
            })
            items = result.get("items") or []
            if not isinstance(items, list):
                raise Retryable("GetReverseOrdersForSeller answered items that are not a list")
            if items:
                yield [self._map(raw) for raw in items]
            total = result.get("total")
            seen = (page_no - 1) * REVERSE_PAGE + len(items)
            if len(items) < REVERSE_PAGE or (isinstance(total, int) and seen >= total):
                return
            page_no += 1

    def _map(self, raw: Any) -> ReturnRequest | BadRecord:
        key = text(raw, "reverse_order_id") if isinstance(raw, dict) else "?"
        if isinstance(raw, dict) and raw.get("reverse_order_lines") is None and key:
            # The list answers each reverse order with its lines; one without is read whole.
            raw = self._client.get_reverse_order_detail(key)
        try:
            return return_request(raw, self._currency)
        except BadPayload as exc:
            return BadRecord(key or "?", exc.reason, raw)
