"""DhlCarrier: the carrier port on DHL Parcel DE Shipping v2 and the Shipment Tracking - Unified API."""

from __future__ import annotations

from collections.abc import Sequence

from crossdock.carriers.dhl import mapping
from crossdock.carriers.dhl.client import DhlClient
from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.ports.carrier import CarrierProduct, CarrierShipment, LabelFile, ShipmentRequest


class DhlCarrier:
    # The Unified API takes one trackingNumber per call.
    track_batch = 1

    def __init__(self, client: DhlClient, *, products: Sequence[CarrierProduct], ekp: str,
                 participation: dict[str, str], default_participation: str, profile: str, print_format: str,
                 must_encode: bool, tracking_service: str, tracking_language: str) -> None:
        self._client = client
        self._products = list(products)
        self._ekp = ekp
        self._participation, self._default_participation = participation, default_participation
        self._profile, self._print_format, self._must_encode = profile, print_format, must_encode
        self._tracking_service, self._tracking_language = tracking_service, tracking_language

    def close(self) -> None:
        self._client.close()

    def products(self) -> list[CarrierProduct]:
        return list(self._products)

    def billing_number(self, product: str) -> str:
        participation = self._participation.get(product, self._default_participation)
        return mapping.billing_number(self._ekp, product, participation)

    def create_shipment(self, request: ShipmentRequest) -> CarrierShipment:
        billing = self.billing_number(request.service)
        body = mapping.order_body(request, billing=billing, profile=self._profile)
        answer = self._client.create_order(body, print_format=self._print_format, must_encode=self._must_encode)
        try:
            number, pdf, routing = mapping.created(answer)
        except BadPayload as exc:
            raise Fatal(f"DHL's answer to the shipment is unreadable: {exc.reason}", code="bad_answer") from exc
        extra = {"billingNumber": billing, "product": request.service}
        if routing:
            extra["routingCode"] = routing
        return CarrierShipment(carrier_shipment_id=number, tracking_number=number, label=LabelFile(pdf, "PDF"),
                               extra=extra)

    def cancel_shipment(self, shipment: CarrierShipment) -> None:
        self._client.delete_order(shipment.carrier_shipment_id, profile=self._profile)

    def track(self, tracking_numbers: Sequence[str]) -> dict[str, list[TrackingEvent]]:
        found: dict[str, list[TrackingEvent]] = {}
        for number in dict.fromkeys(n.strip() for n in tracking_numbers if n.strip()):
            events = self._client.track(number, service=self._tracking_service, language=self._tracking_language)
            if events is not None:
                found[number] = events
        return found
