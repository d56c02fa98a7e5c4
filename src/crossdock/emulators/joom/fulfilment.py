"""The v3 order fulfilment endpoints of the Joom emulator: offline fulfil, online fulfil (Joom Logistics), the
shipping label of an online order, and the shipping providers list.

Followed: api-v3-docs.merchant.joom.com "Orders" overview (online and offline shipping, onlineShippingRequirement,
order states), "/orders/fulfill" ("Either provider or providerId must be specified in the request body, but not
both. trackingNumber is required"; "Only the approved orders can be fulfilled"; "Tracking number should only
contain alphanumeric characters with no space between them"; returns the shipped order) and "/orders/fulfillOnline"
(provider or providerId, orders shipped together, pickup and pickupAddressId; returns trackingNumber,
shippingOrderNumber, shipperName). Field names of the online request other than provider/providerId, the label
and providers paths, and the error codes of refusals in the wrong state are assumptions.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from crossdock.emulators._common.carrier_labels import CarrierLabel, render_label
from crossdock.emulators.joom.cancel import cancel
from crossdock.emulators.joom.protocol import NOT_FOUND, ApiError, Context, invalid
from crossdock.emulators.joom.world import (
    ONLINE_SHIPPER,
    SHIPPING_PROVIDERS,
    Order,
    Step,
    StoredOrder,
)

if TYPE_CHECKING:
    from crossdock.emulators.joom.emulator import JoomEmulator

FULFILL_PATH = "/api/v3/orders/fulfill"
FULFILL_ONLINE_PATH = "/api/v3/orders/fulfillOnline"
SHIPPING_LABEL_PATH = "/api/v3/orders/shippingLabel"
SHIPPING_PROVIDERS_PATH = "/api/v3/orders/shippingProviders"
# Assumption: the code of a refusal in the wrong order state (the API's codes are gRPC-style names).
FAILED_PRECONDITION = "failed_precondition"
# Assumption: how long Joom Logistics takes to scan a parcel it was handed (fulfilledOnline -> shipped).
SCAN_AFTER = (6 * 3_600, 48 * 3_600)
ORDER_ID = re.compile(r"^[A-Z\d]{8}$")


def _refused(message: str) -> ApiError:
    return ApiError(400, FAILED_PRECONDITION, message)


def _provider(body: dict[str, Any], *, online: bool) -> tuple[str, str]:
    """(name, id) of the carrier the request names: provider or providerId, not both."""
    name, provider_id = body.get("provider"), body.get("providerId")
    if (name is None) == (provider_id is None):
        raise invalid("provider", "either provider or providerId, but not both", f"{name!r}, {provider_id!r}")
    for known_name, known_id, is_online in SHIPPING_PROVIDERS:
        if (name is not None and name == known_name) or (provider_id is not None and provider_id == known_id):
            if online and not is_online:
                raise invalid("provider", "a provider that offers online shipping", str(name or provider_id))
            return known_name, known_id
    field = "provider" if name is not None else "providerId"
    raise invalid(field, "a provider from the list of accepted providers", str(name or provider_id))


def _approved(order: StoredOrder, shipping: str) -> Order:
    if not isinstance(order, Order):
        raise _refused(f"Order {order.id} cannot be fulfilled")
    if order.status != "approved":
        raise _refused(f"Only orders in state approved can be fulfilled; order {order.id} is {order.status}")
    # "onlineOnly means that the order must be shipped online, offlineOnly means that the order must be shipped
    # offline".
    if order.shipping_requirement == {"offline": "onlineOnly", "online": "offlineOnly"}[shipping]:
        raise _refused(f"Order {order.id} must be shipped {'online' if shipping == 'offline' else 'offline'}")
    return order


def fulfil_offline(order: Order, body: dict[str, Any], now: int) -> None:
    """/orders/fulfill: the merchant shipped it with an accepted carrier."""
    tracking = body.get("trackingNumber")
    if not isinstance(tracking, str) or not tracking:
        raise invalid("trackingNumber", "non-empty string", str(tracking))
    if not tracking.isascii() or not tracking.isalnum():
        raise invalid("trackingNumber", "alphanumeric characters with no space between them", tracking)
    order.provider = _provider(body, online=False)
    order.tracking_number, order.online = tracking, False
    order.pending.clear()      # the merchant took the order in hand: its planned fate no longer happens
    order.apply("shipped", now)


def fulfil_online(order: Order, body: dict[str, Any], now: int, rng: random.Random) -> None:
    """/orders/fulfillOnline: Joom Logistics will carry it; it counts as shipped once the shipper scans it."""
    _provider(body, online=True)
    pickup = body.get("pickup", False)
    if not isinstance(pickup, bool):
        raise invalid("pickup", "boolean", str(pickup))
    if pickup and not isinstance(body.get("pickupAddressId"), str):
        raise invalid("pickupAddressId", "ID of a pickup address (required when pickup is true)",
                      str(body.get("pickupAddressId")))
    together = body.get("orderIds", [])
    if not isinstance(together, list) or not all(isinstance(i, str) for i in together):
        raise invalid("orderIds", "list of order IDs", str(together))
    order.online = True
    order.tracking_number = "JL" + "".join(rng.choices("0123456789", k=12)) + "CN"
    order.pending = [Step(now + rng.randint(*SCAN_AFTER), "shipped")]
    order.apply("fulfilledOnline", now)


class FulfilmentApi:
    """Handlers run under the emulator's lock with ctx.merchant set by the bearer check."""

    def __init__(self, emulator: JoomEmulator) -> None:
        self.emu = emulator

    def _order(self, ctx: Context) -> StoredOrder:
        assert ctx.merchant is not None
        order_id = ctx.query.get("id", "")
        if not ORDER_ID.match(order_id):
            raise invalid("id", "valid order ID", order_id)
        order = self.emu.world.find_order(ctx.merchant, order_id)
        if order is None:
            raise ApiError(404, NOT_FOUND, f"Order with ID '{order_id}' not found")
        return order

    def fulfill(self, ctx: Context) -> dict[str, Any]:
        """POST /api/v3/orders/fulfill?id= {provider | providerId, trackingNumber} -> the shipped order."""
        found = self._order(ctx)
        body = ctx.json_body()
        order = _approved(found, "offline")
        fulfil_offline(order, body, int(ctx.now.timestamp()))
        return {"data": order.payload()}

    def fulfill_online(self, ctx: Context) -> dict[str, Any]:
        """POST /api/v3/orders/fulfillOnline?id= -> {trackingNumber, shippingOrderNumber, shipperName}."""
        found = self._order(ctx)
        body = ctx.json_body()
        order = _approved(found, "online")
        # A generator of the order's own, so fulfilling never shifts the store's order draws.
        rng = random.Random(f"{self.emu.world.seed}:{order.id}:online")
        fulfil_online(order, body, int(ctx.now.timestamp()), rng)
        shipment = order.payload()["shipment"]
        return {"data": {"trackingNumber": shipment["trackingNumber"],
                         "shippingOrderNumber": shipment["shippingOrderNumber"], "shipperName": ONLINE_SHIPPER}}

    def cancel(self, ctx: Context) -> dict[str, Any]:
        """POST /api/v3/orders/cancel?id= {reason, note} -> the cancelled order."""
        found = self._order(ctx)
        body = ctx.json_body() if ctx.body.strip() else {}
        return {"data": cancel(found, body, int(ctx.now.timestamp())).payload()}

    def shipping_label(self, ctx: Context) -> Response:
        """GET /api/v3/orders/shippingLabel?id=: the PDF label of an order fulfilled online."""
        found = self._order(ctx)
        if not isinstance(found, Order) or not found.online or not found.fulfilled_at:
            raise _refused(f"Order {found.id} is not fulfilled online: it has no shipping label")
        payload = found.payload()
        shipment, address = payload["shipment"], payload["shippingAddress"]
        pdf = render_label(CarrierLabel(
            carrier=ONLINE_SHIPPER, platform="Joom", tracking_number=shipment["trackingNumber"],
            waybill_number=shipment["shippingOrderNumber"], order_number=found.id,
            recipient=(address["name"], " ".join(p for p in (address["streetAddress1"],
                                                            address["streetAddress2"]) if p),
                       f"{address['zipCode']} {address['city']}", address["country"]),
            notes=(f"{found.quantity} x {(found.variant.sku or found.product.name)[:50]}",), grouped_number=False),
            title=f"Joom label {found.id}")
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{found.id}.pdf"'})

    def shipping_providers(self, ctx: Context) -> dict[str, Any]:
        """GET /api/v3/orders/shippingProviders: the carriers Joom accepts."""
        return {"data": {"items": [{"id": provider_id, "name": name, "onlineFulfillment": online}
                                   for name, provider_id, online in SHIPPING_PROVIDERS]}}
