"""Amazon behind our ShipmentSink: seller-fulfilled (MFN) shipments confirmed with Orders v0 confirmShipment."""

from __future__ import annotations

from typing import Any

from crossdock.connectors._kit.errors import Fatal
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.connectors.amazon.fulfilment_mapping import confirm_request, remaining_items
from crossdock.ports.marketplace import ShipmentNotice


class AmazonShipments:
    """One confirmShipment per parcel. Its packageReferenceId is drawn from the tracking number, so a retry names
    the same package and Amazon updates it instead of adding a second one (or refusing a shipped order)."""

    def __init__(self, client: AmazonClient, marketplace_id: str) -> None:
        self._client = client
        self._marketplace_id = marketplace_id

    def confirm_shipment(self, notice: ShipmentNotice) -> None:
        if notice.lines:
            items = [{"orderItemId": line.platform_line_id, "quantity": line.quantity} for line in notice.lines]
        else:
            order_items = order_items_of(self._client, notice.platform_order_id)
            items = remaining_items(order_items)
            if not items:
                if order_items:
                    return    # every unit shows as shipped: the whole order left already (a retry)
                raise Fatal(f"Amazon order {notice.platform_order_id} has no items to ship")
        self._client.confirm_shipment(notice.platform_order_id,
                                      confirm_request(notice, self._marketplace_id, items))


def order_items_of(client: AmazonClient, order_id: str) -> list[dict[str, Any]]:
    """Every OrderItem of an order, all pages of getOrderItems."""
    items: list[dict[str, Any]] = []
    token = ""
    while True:
        payload = client.get_order_items(order_id, token)
        page = payload.get("OrderItems")
        if not isinstance(page, list):
            raise Fatal(f"getOrderItems answered no OrderItems list for order {order_id}")
        items += [i for i in page if isinstance(i, dict)]
        token = str(payload.get("NextToken") or "")
        if not token:
            return items
