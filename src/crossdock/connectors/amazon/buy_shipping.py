"""Amazon Buy Shipping behind our PlatformLogistics (Merchant Fulfillment API v0, "Merchant Fulfillment API v0 use case
guide"): the carriers' offers for the parcel (getEligibleShipmentServices), the cheapest PDF offer bought
(createShipment), which confirms the order shipped with the label's carrier and tracking number. Labels are refunded
with cancelShipment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors.amazon.buy_shipping_mapping import (
    ShipFrom,
    choose_service,
    create_request,
    label_of,
    request_details,
    shipment_from_payload,
    tracking_of_order,
)
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.connectors.amazon.fulfilment import order_items_of
from crossdock.connectors.amazon.fulfilment_mapping import remaining_items
from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.ports.carrier import CarrierShipment, LabelFile
from crossdock.ports.marketplace import LogisticsRequest


class AmazonLogistics:
    def __init__(self, client: AmazonClient, ship_from: ShipFrom | None,
                 default_box_mm: tuple[int, int, int] | None = None) -> None:
        self._client = client
        self._ship_from = ship_from
        self._default_box = default_box_mm

    def arrange(self, request: LogisticsRequest) -> CarrierShipment:
        order_id = request.platform_order_id
        if self._ship_from is None:
            raise Fatal("Amazon Buy Shipping needs the address parcels leave from: set the Amazon connector's "
                        "ship_from")
        if request.parcel is None:
            raise Fatal(f"Amazon order {order_id}: Buy Shipping prices a parcel by its weight and size; none given")
        parcel = request.parcel
        if self._default_box and min(parcel.length_mm, parcel.width_mm, parcel.height_mm) <= 0:
            # A parcel weighed but not measured goes in the seller's standard box (its setting), not in a guess.
            length, width, height = self._default_box
            parcel = replace(parcel, length_mm=length, width_mm=width, height_mm=height)
        if request.lines:
            items = [{"orderItemId": line.platform_line_id, "quantity": line.quantity} for line in request.lines]
        else:
            items = remaining_items(order_items_of(self._client, order_id))
            if not items:
                # A retry after a lost answer lands here too: Amazon lists no label of an order to fetch it again.
                raise Fatal(f"Amazon order {order_id} has nothing left to ship: its label was bought already")
        try:
            details = request_details(order_id, items, self._ship_from, parcel, pickup=request.handover == "pickup")
        except ValueError as exc:
            raise Fatal(f"Amazon order {order_id}: {exc}") from None
        offer = choose_service(self._client.get_eligible_shipment_services(details))
        if isinstance(offer, str):
            raise Fatal(f"Amazon order {order_id}: no Buy Shipping service: {offer}")
        shipment = self._client.create_shipment(create_request(details, offer))
        try:
            return shipment_from_payload(shipment, self._label(shipment))
        except BadPayload as exc:
            # The label is bought: say which shipment, so it can be fetched or refunded by hand.
            raise Fatal(f"Amazon bought label {shipment.get('ShipmentId')} for order {order_id}, but {exc.reason}")\
                from None

    def _label(self, shipment: dict[str, object]) -> LabelFile:
        try:
            return label_of(shipment)
        except BadPayload:
            # A label damaged on the way is fetched once more: getShipment serves the same document.
            again = self._client.get_shipment(str(shipment.get("ShipmentId") or ""))
            return label_of(again)

    def cancel(self, shipment: CarrierShipment) -> str:
        """Ask for the label's refund (cancelShipment); Amazon's Status for it, RefundPending until the carrier
        answers. The order stays shipped on Amazon."""
        answer = self._client.cancel_shipment(shipment.carrier_shipment_id)
        return str(answer.get("Status") or "")

    def track(self, platform_order_ids: Sequence[str]) -> dict[str, list[TrackingEvent]]:
        out: dict[str, list[TrackingEvent]] = {}
        for order_id in platform_order_ids:
            try:
                order = self._client.get_order(order_id)
            except Fatal as exc:
                if exc.code == "NotFound":
                    continue         # not the seller's order: absent, as a carrier leaves out unknown numbers
                raise
            try:
                out[order_id] = tracking_of_order(order)
            except BadPayload:
                out[order_id] = []
        return out
