"""Pure mapping for Joom fulfilment: our carrier to Joom's accepted providers, an order's shipment into tracking
events, and a returning order into a ReturnRequest; raises BadPayload with the reason.

Joom has no returns endpoint: a return is a state of the order (returnInitiated, returnArrived, returnCompleted,
returnDeclined, returnExpired, per the v3 Orders overview), and one order is one variant line, so a return is the
whole order and the order id names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from crossdock.connectors._kit import carrier_names
from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.returns import ReturnLine, ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.time import require_utc

RETURN_STATES: dict[str, ReturnState] = {
    # "The customer decided to return the order. The order has been sent back to the merchant." Joom accepts the
    # return itself (the merchant is not asked), and no separate state tells the parcel is under way.
    "returnInitiated": ReturnState.APPROVED,
    "returnArrived": ReturnState.RECEIVED,
    "returnCompleted": ReturnState.REFUNDED,
    "returnDeclined": ReturnState.REJECTED,
    "returnExpired": ReturnState.CANCELLED,     # the customer did not send it in time
}
_ALIASES = {"dhlecommerce": "dhlecommerce", "yun": "yunexpress", "dhlexpress": "dhl"}


def match_provider(providers: Sequence[Mapping[str, Any]], carrier_code: str,
                   carrier_name: str) -> dict[str, str] | None:
    """Joom's accepted provider for our carrier: the one named as our code or our name, spaces and case aside."""
    return carrier_names.match_provider(providers, carrier_code, carrier_name, _ALIASES)


def _moment(raw: Mapping[str, Any], name: str, *, required: bool = True) -> datetime | None:
    value = raw.get(name)
    if value in (None, ""):
        if required:
            raise BadPayload(f"{name} is missing")
        return None
    try:
        return require_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except (ValueError, DomainError):
        raise BadPayload(f"{name} is {value!r}, expected an RFC 3339 time") from None


def tracking_events(order: dict[str, Any]) -> list[TrackingEvent]:
    """What Joom tells of an order's parcel: fulfilled (online: handed to the shipper), shipped, back at the
    merchant. Joom keeps no carrier scans of its own in the order."""
    shipment = order.get("shipment")
    if not isinstance(shipment, dict):
        return []
    events: list[TrackingEvent] = []
    online = text(shipment, "shipperName") != "" or bool(text(shipment, "shippingOrderNumber"))
    fulfilled = _moment(shipment, "fulfilledTimestamp", required=False)
    shipped = _moment(shipment, "shippedTimestamp", required=False)
    if fulfilled is not None and online:
        events.append(TrackingEvent(fulfilled, TrackingStatus.INFO_RECEIVED, "fulfilledOnline",
                                    f"Handed to {text(shipment, 'shipperName') or 'the online shipper'}"))
    if shipped is not None:
        events.append(TrackingEvent(shipped, TrackingStatus.IN_TRANSIT, "shipped",
                                    f"Shipped with {text(shipment, 'provider')}".strip()))
    returned = order.get("return")
    status = text(order, "status")
    if isinstance(returned, dict) and status in ("returnArrived", "returnCompleted", "returnDeclined"):
        at = _moment(returned, "timestamp", required=False)
        if at is not None:
            events.append(TrackingEvent(at, TrackingStatus.RETURNED, status, "The parcel came back to the merchant"))
    return events


def return_from_order(raw: Any) -> ReturnRequest | None:
    """A returning order (GET /orders, orders/multi) -> ReturnRequest; None for an order with no return."""
    if not isinstance(raw, dict):
        raise BadPayload("order is not a JSON object")
    status = text(raw, "status")
    if not status.startswith("return"):
        return None
    if status not in RETURN_STATES:
        raise BadPayload(f"unknown return state {status!r}")
    order_id = text(raw, "id")
    if not order_id:
        raise BadPayload("id is missing")
    quantity = raw.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise BadPayload(f"quantity is {quantity!r}, expected a count")
    product = raw.get("product")
    if not isinstance(product, dict):
        raise BadPayload("product is missing")
    variant = product.get("variant")
    sku = (text(variant, "sku") if isinstance(variant, dict) else "") or text(product, "sku")
    updated = _moment(raw, "updateTimestamp")
    assert updated is not None
    returned = raw.get("return")
    opened = _moment(returned, "timestamp", required=False) if isinstance(returned, dict) else None
    refund = None
    refund_raw = raw.get("refund")
    if isinstance(refund_raw, dict) and refund_raw.get("price") not in (None, ""):
        currency = text(raw, "currency")
        if not currency:
            raise BadPayload("currency is missing")
        try:
            refund = Money(amount(refund_raw.get("price"), "refund.price"), currency)
        except DomainError as exc:
            raise BadPayload(str(exc)) from exc
    return ReturnRequest(
        platform_return_id=order_id, platform_order_id=order_id, platform_status=status,
        state=RETURN_STATES[status], created_at=opened or updated, updated_at=updated,
        reason=text(returned, "declineReason") if isinstance(returned, dict) else "",
        # Our order line of a Joom order is the order itself (one variant line).
        lines=(ReturnLine(order_id, sku, quantity),),
        refund=refund, raw=raw,
    )
