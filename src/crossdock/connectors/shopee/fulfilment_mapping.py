"""Pure mapping of Shopee logistics and returns payloads: tracking events (v2.logistics.get_tracking_info) and
return requests (v2.returns.get_return_list / get_return_detail) in our vocabulary; raises BadPayload."""

from __future__ import annotations

from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.connectors._kit.tracking_states import BACK, INFO, MOVING, TROUBLE
from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.returns import ReturnLine, ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.time import from_unix

# Data Definition - TrackingLogisticsStatus (the logistics_status of each tracking_info entry).
TRACKING_STATUS: dict[str, TrackingStatus] = {
    "INITIAL": INFO, "ORDER_INIT": INFO, "ORDER_SUBMITTED": INFO, "ORDER_FINALIZED": INFO,
    "ORDER_CREATED": INFO, "PICKUP_REQUESTED": INFO, "PICKUP_PENDING": INFO,
    "UPDATE": INFO, "UPDATE_SUBMITTED": INFO, "UPDATE_CREATED": INFO,
    "PICKED_UP": MOVING, "DELIVERY_PENDING": MOVING,
    "DELIVERED": TrackingStatus.DELIVERED,
    # A pickup retried or timed out, a lost or cancelled parcel: someone has to look at it.
    "PICKUP_RETRY": TROUBLE, "TIMEOUT": TROUBLE, "LOST": TROUBLE, "EXPIRED": TROUBLE,
    "CANCEL": TROUBLE, "CANCEL_CREATED": TROUBLE, "CANCELED": TROUBLE,
    "RETURN_STARTED": BACK, "RETURN_INITIATED": BACK, "RETURN_PENDING": BACK, "RETURNED": BACK,
}


def tracking_status(code: str) -> TrackingStatus:
    """A TrackingLogisticsStatus in our vocabulary. Every FAILED_* step is an exception; a code Shopee added
    after these docs is read as a parcel on its way (its own code is kept on the event)."""
    if code in TRACKING_STATUS:
        return TRACKING_STATUS[code]
    if code.startswith("FAILED_"):
        return TROUBLE
    return MOVING


def tracking_events(response: Any) -> list[TrackingEvent]:
    """get_tracking_info's response -> its events, oldest first."""
    if not isinstance(response, dict):
        raise BadPayload("get_tracking_info answered a response that is not an object")
    entries = response.get("tracking_info") or []
    if not isinstance(entries, list):
        raise BadPayload("tracking_info is not a list")
    events = []
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict):
            raise BadPayload(f"tracking_info[{index}] is not an object")
        stamp = raw.get("update_time")
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            raise BadPayload(f"tracking_info[{index}].update_time is {stamp!r}, expected Unix seconds")
        code = text(raw, "logistics_status")
        try:
            events.append(TrackingEvent(at=from_unix(stamp), status=tracking_status(code), code=code,
                                        description=text(raw, "description")))
        except DomainError as exc:
            raise BadPayload(f"tracking_info[{index}]: {exc}") from exc
    return sorted(events, key=lambda event: event.at)


# Data Definition - ReturnStatus. JUDGING and SELLER_DISPUTE are still undecided (Shopee mediates a dispute);
# ACCEPTED is the seller's (or Shopee's) yes to the refund; CLOSED ends a request without one.
RETURN_STATE: dict[str, ReturnState] = {
    "REQUESTED": ReturnState.REQUESTED,
    "JUDGING": ReturnState.REQUESTED,
    "SELLER_DISPUTE": ReturnState.REQUESTED,
    "PROCESSING": ReturnState.APPROVED,
    "ACCEPTED": ReturnState.REFUNDED,
    "REFUND_PAID": ReturnState.REFUNDED,
    "CLOSED": ReturnState.REJECTED,
    "CANCELLED": ReturnState.CANCELLED,
}


def return_state(status: str, tracking_number: str = "") -> ReturnState:
    """A ReturnStatus in our vocabulary; a return being processed with the buyer's parcel number is on its way."""
    if status not in RETURN_STATE:
        raise BadPayload(f"unknown return status {status!r}")
    state = RETURN_STATE[status]
    if state is ReturnState.APPROVED and tracking_number:
        return ReturnState.IN_TRANSIT
    return state


def _whole(raw: dict[str, Any], field: str) -> int:
    value = raw.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload(f"{field} is {value!r}, expected an integer")
    return value


def _line(raw: Any, index: int) -> ReturnLine:
    if not isinstance(raw, dict):
        raise BadPayload(f"item[{index}] is not an object")
    quantity = _whole(raw, "amount")
    if quantity <= 0:
        raise BadPayload(f"item[{index}].amount is {quantity}")
    # Shopee names the returned item and model, not the order line: the line id stays empty.
    return ReturnLine(platform_line_id="", sku=text(raw, "variation_sku") or text(raw, "item_sku"),
                      quantity=quantity)


def return_request(raw: Any) -> ReturnRequest:
    """One return of get_return_list's `return` (or get_return_detail's response) -> ReturnRequest."""
    if not isinstance(raw, dict):
        raise BadPayload("return is not a JSON object")
    return_sn, order_sn = text(raw, "return_sn"), text(raw, "order_sn")
    if not return_sn or not order_sn:
        raise BadPayload("return_sn or order_sn is missing")
    items = raw.get("item")
    if not isinstance(items, list) or not items:
        raise BadPayload("the return names no item")
    status = text(raw, "status")
    tracking = text(raw, "tracking_number")
    try:
        refund_value = raw.get("refund_amount")
        refund = None if refund_value is None else Money(amount(refund_value, "refund_amount"), text(raw, "currency"))
        return ReturnRequest(
            platform_return_id=return_sn, platform_order_id=order_sn, platform_status=status,
            state=return_state(status, tracking), created_at=from_unix(_whole(raw, "create_time")),
            updated_at=from_unix(_whole(raw, "update_time")),
            reason=text(raw, "text_reason") or text(raw, "reason"),
            lines=tuple(_line(item, index) for index, item in enumerate(items)),
            refund=refund, tracking_number=tracking, raw=raw,
        )
    except DomainError as exc:     # a currency that is not ISO 4217, a time out of range
        raise BadPayload(str(exc)) from exc
