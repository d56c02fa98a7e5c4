"""Joom fulfilment behind our ports: offline shipping with the merchant's carrier (ShipmentSink), and online
shipping with Joom Logistics (PlatformLogistics): fulfillOnline, then the shipping label.

Followed: api-v3-docs.merchant.joom.com "Orders" overview, "/orders/fulfill" and "/orders/fulfillOnline".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.fields import text
from crossdock.connectors.joom.client import JoomClient
from crossdock.connectors.joom.fulfilment_mapping import match_provider, tracking_events
from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.ports.carrier import CarrierShipment, LabelFile
from crossdock.ports.marketplace import LogisticsRequest, ShipmentNotice

ONLINE_SHIPPER = "Joom Logistics"      # "one of our online shippers, e.g. Joom Logistics"


def _order(client: JoomClient, order_id: str) -> dict[str, Any]:
    order = client.get_order(order_id)
    if order is None:
        raise Fatal(f"Joom: not_found: Order with ID '{order_id}' not found", code="not_found")
    return order


def _whole(lines_quantity: int, order: dict[str, Any]) -> None:
    """Joom ships an order whole: one variant line, all its units."""
    quantity = order.get("quantity")
    if lines_quantity and isinstance(quantity, int) and lines_quantity != quantity:
        raise Fatal(f"Joom ships order {order.get('id')} whole ({quantity} units), not {lines_quantity}")


class JoomShipments:
    """Offline shipping: the tracking number and an accepted provider go to /orders/fulfill."""

    def __init__(self, client: JoomClient) -> None:
        self._client = client
        self._providers: list[dict[str, Any]] | None = None

    def confirm_shipment(self, notice: ShipmentNotice) -> None:
        order = _order(self._client, notice.platform_order_id)
        _whole(sum(line.quantity for line in notice.lines), order)
        shipment = order.get("shipment")
        if isinstance(shipment, dict) and text(shipment, "trackingNumber") == notice.tracking_number:
            return          # Joom shows it already: a retry after a lost answer
        provider = self._provider(notice)
        self._client.fulfill_offline(notice.platform_order_id, {"providerId": provider["id"],
                                                                "trackingNumber": notice.tracking_number})

    def _provider(self, notice: ShipmentNotice) -> dict[str, str]:
        if self._providers is None:
            self._providers = self._client.shipping_providers()
        found = match_provider(self._providers, notice.carrier_code, notice.carrier_name)
        if found is None:
            names = ", ".join(sorted(str(p.get("name")) for p in self._providers))
            raise Fatal(f"Joom does not accept {notice.carrier_name or notice.carrier_code} as a shipping provider; "
                        f"its providers are: {names}", code="unknown_provider")
        return found


class JoomLogistics:
    """Joom Logistics: fulfillOnline gives the tracking number and the shipper's waybill, shippingLabel the PDF."""

    def __init__(self, client: JoomClient) -> None:
        self._client = client

    def arrange(self, request: LogisticsRequest) -> CarrierShipment:
        order = _order(self._client, request.platform_order_id)
        _whole(sum(line.quantity for line in request.lines), order)
        shipment = order.get("shipment")
        if text(order, "status") == "fulfilledOnline" and isinstance(shipment, dict):
            # Fulfilled online already (a retry): Joom keeps the shipping info in the order.
            info = {"trackingNumber": text(shipment, "trackingNumber"),
                    "shippingOrderNumber": text(shipment, "shippingOrderNumber"),
                    "shipperName": text(shipment, "shipperName")}
        else:
            body: dict[str, Any] = {"provider": ONLINE_SHIPPER, "pickup": request.handover == "pickup"}
            info = self._client.fulfill_online(request.platform_order_id, body)
        tracking = text(info, "trackingNumber")
        if not tracking:
            raise Fatal(f"Joom gave no tracking number for order {request.platform_order_id}")
        pdf = self._client.shipping_label(request.platform_order_id)
        if not pdf.startswith(b"%PDF"):
            raise Fatal(f"Joom's shipping label for order {request.platform_order_id} is not a PDF")
        waybill = text(info, "shippingOrderNumber")
        return CarrierShipment(carrier_shipment_id=waybill or request.platform_order_id, tracking_number=tracking,
                               label=LabelFile(pdf, "PDF"),
                               extra={"shipper": text(info, "shipperName") or ONLINE_SHIPPER, "waybill": waybill})

    def track(self, platform_order_ids: Sequence[str]) -> dict[str, list[TrackingEvent]]:
        out: dict[str, list[TrackingEvent]] = {}
        for order_id in platform_order_ids:
            order = self._client.get_order(order_id)
            if order is None:
                continue      # unknown orders are absent, as a carrier leaves out numbers it does not know
            try:
                out[order_id] = sorted(tracking_events(order), key=lambda e: e.at)
            except BadPayload:
                out[order_id] = []
        return out
