"""Shopee fulfilment behind our ports: shipping with the seller's carrier (a non-integrated channel), Shopee's
own logistics (integrated channels: arrange, tracking number, air waybill, tracking), and return requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from crossdock.connectors._kit.errors import BadPayload, Fatal, Retryable
from crossdock.connectors.shopee.client import ShopeeClient
from crossdock.connectors.shopee.fulfilment_mapping import return_request, tracking_events
from crossdock.domain.fulfilment.returns import ReturnRequest
from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.domain.time import to_unix
from crossdock.ports.carrier import CarrierShipment, LabelFile
from crossdock.ports.marketplace import BadRecord, LogisticsRequest, ShipmentNotice

# ship_order on a package already arranged ("logistics.package_already_shipped"; the docs print the name with a
# stray leading space, so both spellings are accepted).
ALREADY_SHIPPED = frozenset({"logistics.package_already_shipped", " logistics.package_already_shipped"})
# Unknown order answers of the logistics APIs (get_tracking_number's error example, ship_order's error list).
UNKNOWN_ORDER = frozenset({"logistics.invalid_error", "logistics.error_order_not_found", "error_not_found"})
# get_tracking_number "can return tracking_number empty ... it is allowed to keep calling the api within 5 minutes
# interval": we ask again after these waits (seconds), then leave it to a later retry.
TRACKING_WAITS = (5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
# get_shipping_document_result stays PROCESSING until the file is made.
DOCUMENT_WAITS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
DOCUMENT_TYPE = "THERMAL_AIR_WAYBILL"   # the 100 x 150 mm thermal AWB
RETURN_PAGE = 100                        # get_return_list page_size upper limit
RETURN_WINDOW = timedelta(days=15)       # get_return_list update_time range upper limit


def _package(package_id: str) -> dict[str, str]:
    return {"package_number": package_id} if package_id else {}


class ShopeeShipments:
    """The seller ships with a carrier of its own: ship_order on the order's non-integrated channel with the
    carrier's tracking number. Shopee takes no carrier name there; the buyer sees the channel and the number."""

    def __init__(self, client: ShopeeClient) -> None:
        self._client = client

    def confirm_shipment(self, notice: ShipmentNotice) -> None:
        order_sn, package = notice.platform_order_id, notice.package_id
        # An unknown order is refused here in Shopee's words (Fatal, with Shopee's error name as its code).
        parameters = self._client.get_shipping_parameter(order_sn, package)
        info = parameters.get("info_needed")
        if not isinstance(info, dict) or "non_integrated" not in info:
            # An integrated channel: Shopee's 3PL issues the tracking number. Only confirming the number it already
            # shows can succeed.
            self._already_shows(notice, "its channel is integrated: Shopee's logistics gives the tracking number "
                                        "(arrange it through Shopee logistics instead)")
            return
        # Shopee ships a package whole; shipping part of an order needs v2.order.split_order first (package_id).
        try:
            self._client.ship_order({"order_sn": order_sn, **_package(package),
                                     "non_integrated": {"tracking_number": notice.tracking_number}})
        except Fatal as exc:
            if exc.code not in ALREADY_SHIPPED:
                raise
            self._already_shows(notice, str(exc))

    def _already_shows(self, notice: ShipmentNotice, why: str) -> None:
        shown = str(self._client.get_tracking_number(notice.platform_order_id, notice.package_id)
                    .get("tracking_number") or "")
        if shown != notice.tracking_number:
            raise Fatal(f"Shopee order {notice.platform_order_id} cannot take tracking number "
                        f"{notice.tracking_number!r}: {why}; Shopee shows {shown or 'no tracking number'}")


class ShopeeLogistics:
    """Shopee's integrated channels: arrange pickup or drop-off, wait for the 3PL's tracking number, have the air
    waybill made and download it; then follow the parcel with get_tracking_info."""

    def __init__(self, client: ShopeeClient, sleep: Callable[[float], None]) -> None:
        self._client = client
        self._sleep = sleep

    def arrange(self, request: LogisticsRequest) -> CarrierShipment:
        order_sn, package = request.platform_order_id, request.package_id
        parameters = self._client.get_shipping_parameter(order_sn, package)
        body = {"order_sn": order_sn, **_package(package), **self._handover(order_sn, parameters, request.handover)}
        try:
            self._client.ship_order(body)
        except Fatal as exc:
            # Arranged by an earlier attempt whose answer was lost: go on to its tracking number.
            if exc.code not in ALREADY_SHIPPED:
                raise
        tracking = self._tracking_number(order_sn, package)
        entry = {"order_sn": order_sn, **_package(package), "tracking_number": tracking,
                 "shipping_document_type": DOCUMENT_TYPE}
        self._check_results(self._client.create_shipping_document([entry]), "create_shipping_document")
        self._wait_document(order_sn, package)
        pdf = self._client.download_shipping_document([{"order_sn": order_sn, **_package(package)}], DOCUMENT_TYPE)
        if not pdf.startswith(b"%PDF"):
            raise Retryable(f"Shopee's shipping document for {order_sn} is not a PDF")
        return CarrierShipment(carrier_shipment_id=order_sn, tracking_number=tracking, label=LabelFile(pdf, "PDF"),
                               extra={"order_sn": order_sn, **_package(package)})

    @staticmethod
    def _handover(order_sn: str, parameters: dict[str, Any], wanted: str) -> dict[str, Any]:
        """ship_order's pickup or dropoff object, from what get_shipping_parameter says the order needs."""
        info = parameters.get("info_needed")
        info = info if isinstance(info, dict) else {}
        offered = [way for way in ("pickup", "dropoff") if way in info]
        if not offered:
            raise Fatal(f"Shopee order {order_sn} does not ship with Shopee logistics (info_needed: "
                        f"{', '.join(info) or 'none'}): ship it with the seller's carrier and confirm the shipment")
        way = wanted if wanted in offered else offered[0]
        needed = info.get(way) or []
        if way == "pickup":
            return {"pickup": _pickup(order_sn, parameters.get("pickup"), needed)}
        dropoff: dict[str, Any] = {}
        if "branch_id" in needed:
            branches = (parameters.get("dropoff") or {}).get("branch_list") or []
            if not branches:
                raise Fatal(f"Shopee offers no drop-off branch for order {order_sn}")
            dropoff["branch_id"] = branches[0].get("branch_id")
        unmet = [field for field in needed if field not in ("branch_id",)]
        if unmet:
            raise Fatal(f"Shopee wants {', '.join(unmet)} to drop off order {order_sn}; Crossdock cannot give it")
        return {"dropoff": dropoff}

    def _tracking_number(self, order_sn: str, package: str) -> str:
        for wait in (0.0, *TRACKING_WAITS):
            if wait:
                self._sleep(wait)
            number = str(self._client.get_tracking_number(order_sn, package).get("tracking_number") or "")
            if number:
                return number
        raise Retryable(f"Shopee has not allocated a tracking number to order {order_sn} yet")

    def _wait_document(self, order_sn: str, package: str) -> None:
        entry = {"order_sn": order_sn, **_package(package), "shipping_document_type": DOCUMENT_TYPE}
        for wait in (0.0, *DOCUMENT_WAITS):
            if wait:
                self._sleep(wait)
            [result] = self._check_results(self._client.get_shipping_document_result([entry]),
                                           "get_shipping_document_result")
            status = str(result.get("status") or "")
            if status == "READY":
                return
            if status == "FAILED":
                raise Fatal(f"Shopee could not make the shipping document of order {order_sn}")
        raise Retryable(f"Shopee is still making the shipping document of order {order_sn}")

    @staticmethod
    def _check_results(response: dict[str, Any], api: str) -> list[dict[str, Any]]:
        results = response.get("result_list")
        if not isinstance(results, list) or not results or not all(isinstance(r, dict) for r in results):
            raise Retryable(f"Shopee answered {api} without a result_list")
        for result in results:
            if result.get("fail_error"):
                raise Fatal(f"{result['fail_error']}: {result.get('fail_message', '')}", code=str(result["fail_error"]))
        return results

    def track(self, platform_order_ids: Sequence[str]) -> dict[str, list[TrackingEvent]]:
        out: dict[str, list[TrackingEvent]] = {}
        for order_sn in platform_order_ids:
            try:
                response = self._client.get_tracking_info(order_sn)
            except Fatal as exc:
                if exc.code in UNKNOWN_ORDER:
                    continue
                raise
            try:
                out[order_sn] = tracking_events(response)
            except BadPayload as exc:
                raise Retryable(f"Shopee answered get_tracking_info for {order_sn} unreadably: {exc.reason}") from exc
        return out


def _pickup(order_sn: str, raw: Any, needed: list[str]) -> dict[str, Any]:
    """A pickup address Shopee flags for pickup (else the first) and its first time slot."""
    addresses = raw.get("address_list") if isinstance(raw, dict) else None
    if not isinstance(addresses, list) or not addresses:
        raise Fatal(f"Shopee offers no pickup address for order {order_sn}: add one in Seller Centre")
    chosen = next((a for a in addresses if "pickup_address" in (a.get("address_flag") or [])), addresses[0])
    pickup: dict[str, Any] = {"address_id": chosen.get("address_id")}
    slots = chosen.get("time_slot_list") or []
    if slots:
        pickup["pickup_time_id"] = slots[0].get("pickup_time_id")
    elif "pickup_time_id" in needed:
        raise Fatal(f"Shopee offers no pickup time for order {order_sn}")
    return pickup


class ShopeeReturns:
    """Return/refund requests updated in a window, 100 a page, in windows of at most 15 days."""

    max_window = RETURN_WINDOW

    def __init__(self, client: ShopeeClient) -> None:
        self._client = client

    def list_returns(self, since: datetime, until: datetime) -> Iterator[list[ReturnRequest | BadRecord]]:
        start, end = to_unix(since), to_unix(until)
        longest = int(RETURN_WINDOW.total_seconds())
        while start <= end:
            stop = min(start + longest, end)
            yield from self._pages(start, stop)
            start = stop + 1

    def _pages(self, time_from: int, time_to: int) -> Iterator[list[ReturnRequest | BadRecord]]:
        page_no = 0       # "Default is 0": the first page
        while True:
            page = self._client.get_return_list(page_no=page_no, page_size=RETURN_PAGE, update_time_from=time_from,
                                                update_time_to=time_to)
            entries = page.get("return") or []
            if not isinstance(entries, list):
                raise Retryable("Shopee answered get_return_list with a return that is not a list")
            if entries:
                yield [self._map(raw) for raw in entries]
            if not page.get("more"):
                return
            page_no += 1

    def _map(self, raw: Any) -> ReturnRequest | BadRecord:
        key = str(raw.get("return_sn") or "?") if isinstance(raw, dict) else "?"
        if isinstance(raw, dict) and not raw.get("item") and raw.get("return_sn"):
            # The list answers each return whole; one without its items is read again in full.
            raw = self._client.get_return_detail(str(raw["return_sn"]))
        try:
            return return_request(raw)
        except BadPayload as exc:
            return BadRecord(key, exc.reason, raw)
