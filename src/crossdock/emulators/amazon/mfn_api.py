"""Merchant Fulfillment v0 of the emulator (merchantFulfillmentV0.json): getEligibleShipmentServices,
createShipment, getShipment and cancelShipment. The three shipment operations return both addresses, so, as the
Tokens API lists them among the restricted operations, they take a Restricted Data Token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crossdock.emulators.amazon.mfn import (
    HAZMAT_TYPES,
    LABEL_FORMATS,
    OFFERED_FORMATS,
    SHIPMENT_ID,
    MfnInvalid,
    MfnShipment,
    Request,
    buy,
    cancel,
    check_details,
    eligible,
    order_refusal,
    read_offer,
    service_payload,
)
from crossdock.emulators.amazon.wire import ApiError, Context
from crossdock.emulators.amazon.world import parse_iso

if TYPE_CHECKING:
    from crossdock.emulators.amazon.emulator import AmazonEmulator

MFN_PATH = "/mfn/v0"


def _invalid(message: str) -> ApiError:
    # The model's examples answer validation errors with an empty details.
    return ApiError(400, "InvalidInput", message, "")


class MerchantFulfillmentApi:
    def __init__(self, emulator: AmazonEmulator, authenticate: Callable[..., str]) -> None:
        self.emu = emulator
        self._authenticate = authenticate

    def operations(self) -> list[tuple[str, str, str, Callable[[Context], Any]]]:
        return [(MFN_PATH + "/eligibleShippingServices", "POST", "getEligibleShipmentServices", self.eligible),
                (MFN_PATH + "/shipments", "POST", "createShipment", self.create_shipment),
                (MFN_PATH + "/shipments/{shipmentId}", "GET", "getShipment", self.get_shipment),
                (MFN_PATH + "/shipments/{shipmentId}", "DELETE", "cancelShipment", self.cancel_shipment)]

    def _request(self, seller_id: str, details: Any) -> Request:
        try:
            request = check_details(details, self.emu.world.seller(seller_id).orders)
        except MfnInvalid as exc:
            raise _invalid(str(exc)) from None
        except LookupError as exc:
            raise ApiError(404, "NotFound", "Order not found", f"No order {exc} for this selling partner.") from None
        refusal = order_refusal(request)
        if refusal:
            raise _invalid(refusal)
        return request

    def eligible(self, ctx: Context) -> dict[str, Any]:
        """getEligibleShipmentServices: POST /mfn/v0/eligibleShippingServices {ShipmentRequestDetails,
        ShippingOfferingFilter?} -> {"payload": {ShippingServiceList, RejectedShippingServiceList, ...}}."""
        seller_id = self._authenticate(ctx)
        body = _json(ctx)
        request = self._request(seller_id, body.get("ShipmentRequestDetails"))
        marketplace = request.order.marketplace
        fit, rejected = eligible(request, marketplace)
        payload: dict[str, Any] = {
            "ShippingServiceList": [service_payload(s, marketplace, request, ctx.now, self.emu.url_key) for s in fit],
            "TemporarilyUnavailableCarrierList": [], "TermsAndConditionsNotAcceptedCarrierList": []}
        if rejected:
            payload["RejectedShippingServiceList"] = rejected
        return {"payload": payload}

    def create_shipment(self, ctx: Context) -> dict[str, Any]:
        """createShipment: POST /mfn/v0/shipments {ShipmentRequestDetails, ShippingServiceId, ShippingServiceOfferId?,
        HazmatType?, LabelFormatOption?} -> {"payload": Shipment}; the order is confirmed shipped."""
        seller_id = self._authenticate(ctx, restricted=True, rdt_only=True)
        body = _json(ctx)
        request = self._request(seller_id, body.get("ShipmentRequestDetails"))
        service_id = body.get("ShippingServiceId")
        if not isinstance(service_id, str) or not service_id:
            raise _invalid("1 validation error detected: Value null at 'shippingServiceId' failed to satisfy "
                           "constraint: Member must not be null")
        if body.get("HazmatType") is not None and body["HazmatType"] not in HAZMAT_TYPES:
            raise _invalid(f"1 validation error detected: Value '{body['HazmatType']}' at 'hazmatType' failed to "
                           f"satisfy constraint: Member must satisfy enum value set: [{', '.join(HAZMAT_TYPES)}]")
        marketplace = request.order.marketplace
        fit, _ = eligible(request, marketplace)
        service = next((s for s in fit if s.service_id == service_id), None)
        if service is None:
            # Assumption: the wording.
            raise _invalid(f"The shipping service {service_id} is not available for this shipment.")
        self._check_offer(body.get("ShippingServiceOfferId"), service_id, request, ctx)
        wanted = _label_format(body, request)
        if wanted not in OFFERED_FORMATS:
            raise _invalid(f"The label format {wanted} is not available for {service_id}.")   # assumption: wording
        shipment = buy(request, service, marketplace, seller_id, ctx.now, self.emu.world.mfn_rng, self.emu.url_key)
        self.emu.world.mfn_shipments[shipment.shipment_id] = shipment
        return {"payload": shipment.payload(ctx.now)}

    def _check_offer(self, token: Any, service_id: str, request: Request, ctx: Context) -> None:
        if token in (None, ""):
            return
        offer = read_offer(self.emu.url_key, str(token))
        if offer is None or offer.get("s") != service_id or offer.get("o") != request.order.amazon_order_id:
            raise _invalid("The ShippingServiceOfferId is not valid for this shipment.")     # assumption: wording
        expires = parse_iso(offer.get("t"))
        if expires is None or ctx.now > expires:
            raise _invalid("The ShippingServiceOfferId has expired. Get eligible shipping services again.")

    def _shipment(self, seller_id: str, ctx: Context) -> MfnShipment:
        shipment_id = str(ctx.extra.get("shipmentId", ""))
        if not SHIPMENT_ID.match(shipment_id):
            raise _invalid(f"1 validation error detected: Value '{shipment_id}' at 'shipmentId' failed to satisfy "
                           "constraint: Member must satisfy regular expression pattern: [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-"
                           "[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        shipment = self.emu.world.mfn_shipments.get(shipment_id)
        if shipment is None or shipment.seller_id != seller_id:
            raise ApiError(404, "NotFound", "The resource specified does not exist.", "")
        return shipment

    def get_shipment(self, ctx: Context) -> dict[str, Any]:
        """getShipment: GET /mfn/v0/shipments/{shipmentId} -> {"payload": Shipment}."""
        seller_id = self._authenticate(ctx, restricted=True, rdt_only=True)
        return {"payload": self._shipment(seller_id, ctx).payload(ctx.now)}

    def cancel_shipment(self, ctx: Context) -> dict[str, Any]:
        """cancelShipment: DELETE /mfn/v0/shipments/{shipmentId} -> {"payload": Shipment} with Status RefundPending
        and an empty Label; the order stays Shipped."""
        seller_id = self._authenticate(ctx, restricted=True, rdt_only=True)
        shipment = self._shipment(seller_id, ctx)
        try:
            cancel(shipment, ctx.now)
        except MfnInvalid as exc:
            raise _invalid(str(exc)) from None
        return {"payload": shipment.payload(ctx.now)}


def _label_format(body: dict[str, Any], request: Request) -> str:
    option = body.get("LabelFormatOption")
    chosen = option.get("LabelFormat") if isinstance(option, dict) else None
    chosen = chosen or request.options.get("LabelFormat") or "ShippingServiceDefault"
    if chosen not in LABEL_FORMATS:
        raise _invalid(f"1 validation error detected: Value '{chosen}' at 'labelFormatOption.labelFormat' failed to "
                       f"satisfy constraint: Member must satisfy enum value set: [{', '.join(LABEL_FORMATS)}]")
    return str(chosen)


def _json(ctx: Context) -> dict[str, Any]:
    try:
        body = json.loads(ctx.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise _invalid("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    return body
