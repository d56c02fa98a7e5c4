"""YunExpressCarrier: the carrier port on the YunExpress OMS API."""

from __future__ import annotations

from collections.abc import Sequence

from crossdock.carriers.yunexpress import mapping
from crossdock.carriers.yunexpress.client import YunExpressClient
from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.ports.carrier import CarrierProduct, CarrierShipment, LabelFile, ShipmentRequest

_DUPLICATES = frozenset({mapping.DUPLICATE_ORDER, mapping.EXISTING_ORDER})


class YunExpressCarrier:
    # GetTrackAllInfo takes one OrderNumber per call.
    track_batch = 1

    def __init__(self, client: YunExpressClient, *, products: Sequence[CarrierProduct], ioss_code: str = "") -> None:
        self._client = client
        self._products = list(products)
        self._ioss_code = ioss_code

    def close(self) -> None:
        self._client.close()

    def products(self) -> list[CarrierProduct]:
        return list(self._products)

    def create_shipment(self, request: ShipmentRequest) -> CarrierShipment:
        answer = self._client.create_order(mapping.order(request, ioss_code=self._ioss_code))
        if answer.code in _DUPLICATES:
            # Our reference is the CustomerOrderNumber, which YunExpress keeps unique: a retried create (the first
            # answer lost) finds the order made the first time.
            waybill, tracking, track_type = self._existing(request.reference, answer.words())
        else:
            try:
                item = mapping.created_item(answer.body, request.reference)
            except BadPayload as exc:
                raise Fatal(f"YunExpress refused the order: {answer.words() or exc.reason}",
                            code=answer.code or "create") from exc
            if not mapping.succeeded(item):
                remark = str(item.get("Remark") or "").strip()
                raise Fatal(f"YunExpress refused the order: {remark or answer.words()}", code=answer.code or "create")
            waybill, tracking, track_type = mapping.numbers(item)
        if not waybill:
            raise Fatal(f"YunExpress created order {request.reference} without a WayBillNumber", code="create")
        if not tracking and track_type == mapping.TRACK_TYPE_PENDING:
            tracking = self._client.tracking_number(request.reference)
        # YunExpress tracks its own waybill number until a last-mile number exists.
        tracking = tracking or waybill
        pdf = self._client.label(waybill)
        return CarrierShipment(carrier_shipment_id=waybill, tracking_number=tracking, label=LabelFile(pdf, "PDF"),
                               extra={"waybillNumber": waybill, "customerOrderNumber": request.reference,
                                      "shippingMethodCode": request.service})

    def _existing(self, reference: str, words: str) -> tuple[str, str, str]:
        item = self._client.get_order(reference)
        if item is None:
            raise Fatal(f"YunExpress says order {reference} exists ({words}) but does not find it", code="duplicate")
        return mapping.numbers(item)

    def cancel_shipment(self, shipment: CarrierShipment) -> None:
        self._client.delete(shipment.carrier_shipment_id)

    def track(self, tracking_numbers: Sequence[str]) -> dict[str, list[TrackingEvent]]:
        found: dict[str, list[TrackingEvent]] = {}
        for number in dict.fromkeys(n.strip() for n in tracking_numbers if n.strip()):
            events = self._client.track(number)
            if events is not None:
                found[number] = events
        return found
