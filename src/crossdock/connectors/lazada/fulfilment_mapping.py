"""Pure mapping of Lazada logistics and reverse-order payloads: GetOrderTrace stages as tracking events, and
GetReverseOrdersForSeller / GetReverseOrderDetail reverse orders as return requests; raises BadPayload."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.connectors._kit.tracking_states import BACK, INFO, MOVING, TROUBLE
from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.returns import ReturnLine, ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus
from crossdock.domain.money import Money

# GetOrderTrace detail_type. The doc's sample shows "ready_to"; sellers report "shipped", "ship_info",
# "out_for_delivery" and "delivered" stages; the rest are the failure and return stages' plain names.
DETAIL_TYPE: dict[str, TrackingStatus] = {
    "ready_to": INFO, "packed": INFO, "info_received": INFO,
    "shipped": MOVING, "ship_info": MOVING, "picked_up": MOVING, "in_transit": MOVING, "first_mile": MOVING,
    "last_mile": MOVING,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY, "delivering": TrackingStatus.OUT_FOR_DELIVERY,
    "delivered": TrackingStatus.DELIVERED,
    "delivery_failed": TROUBLE, "failed_delivery": TROUBLE, "lost": TROUBLE, "damaged": TROUBLE,
    "return_to_seller": BACK, "shipped_back": BACK, "returned": BACK,
}
# status_code of the same stages, for events whose detail_type is empty or new.
STATUS_CODE: dict[str, TrackingStatus] = {
    "1200": INFO, "1210": MOVING, "100013": MOVING, "100014": MOVING, "100102": MOVING, "100103": MOVING,
    "100018": TrackingStatus.OUT_FOR_DELIVERY, "1400": TrackingStatus.DELIVERED,
}


def trace_status(detail_type: str, status_code: str) -> TrackingStatus:
    """A trace stage in our vocabulary; a stage we do not know is read as a parcel on its way."""
    kind = detail_type.strip().lower()
    if kind in DETAIL_TYPE:
        return DETAIL_TYPE[kind]
    if status_code in STATUS_CODE:
        return STATUS_CODE[status_code]
    return MOVING


def _millis(value: Any, field: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise BadPayload(f"{field} is {value!r}, expected epoch milliseconds")
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadPayload(f"{field} is {value!r}, out of range") from None


def trace_events(result: Any) -> dict[str, list[TrackingEvent]]:
    """GetOrderTrace's result -> each package's events (keyed by tracking number, else package id), oldest first."""
    if not isinstance(result, dict):
        raise BadPayload("GetOrderTrace answered a result that is not an object")
    modules = result.get("module") or []
    if not isinstance(modules, list):
        raise BadPayload("module is not a list")
    out: dict[str, list[TrackingEvent]] = {}
    for module in modules:
        packages = module.get("package_detail_info_list") if isinstance(module, dict) else None
        for package in packages if isinstance(packages, list) else []:
            if not isinstance(package, dict):
                raise BadPayload("a package of package_detail_info_list is not an object")
            key = text(package, "tracking_number") or text(package, "ofc_package_id")
            stages = package.get("logistic_detail_info_list") or []
            if not isinstance(stages, list):
                raise BadPayload(f"logistic_detail_info_list of {key} is not a list")
            events = []
            for index, stage in enumerate(stages):
                if not isinstance(stage, dict):
                    raise BadPayload(f"stage {index} of {key} is not an object")
                code, kind = text(stage, "status_code"), text(stage, "detail_type")
                events.append(TrackingEvent(
                    at=_millis(stage.get("event_time"), f"{key} stage {index} event_time"),
                    status=trace_status(kind, code), code=code or kind,
                    description=text(stage, "description") or text(stage, "title"),
                    # The doc's sample writes an absent location as the text "null".
                    location=text(stage, "package_location_name").replace("null", "")))
            out[key] = sorted(events, key=lambda event: event.at)
    return out


# Reverse statuses (GetReverseOrderDetail: "REQUEST_INITIATE;REQUEST_REJECT;REQUEST_CANCEL;CANCEL_SUCCESS";
# sellers also see REFUND_SUCCESS once the money went back).
REVERSE_STATE: dict[str, ReturnState] = {
    "REQUEST_INITIATE": ReturnState.REQUESTED,
    "REQUEST_REJECT": ReturnState.REJECTED,
    "REQUEST_CANCEL": ReturnState.CANCELLED,
    "CANCEL_SUCCESS": ReturnState.CANCELLED,
    "REFUND_SUCCESS": ReturnState.REFUNDED,
}


def return_state(reverse_status: str, ofc_status: str) -> ReturnState:
    """A reverse line's state; while the request is open, the fulfilment status tells where the parcel is
    (RETURN_RTM_DELIVERED: back at the seller; RETURN_RTW_*: at Lazada's warehouse)."""
    if reverse_status not in REVERSE_STATE:
        raise BadPayload(f"unknown reverse_status {reverse_status!r}")
    state = REVERSE_STATE[reverse_status]
    ofc = ofc_status.upper()
    if state is ReturnState.REQUESTED and ofc.endswith("_DELIVERED") and ("RTM" in ofc or "RTW" in ofc):
        return ReturnState.RECEIVED
    return state


def _time(value: Any, field: str) -> datetime:
    """Reverse line times: sellers see epoch seconds; a value in milliseconds is read as such."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise BadPayload(f"{field} is {value!r}, expected an epoch time")
    number = int(str(value))
    try:
        return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadPayload(f"{field} is {value!r}, out of range") from None


def _cents(value: Any, field: str, currency: str) -> Decimal:
    # "refund amount, currency in cent, except VN (... for VN, 10000 equals VND 10000)"
    number = amount(value, field, required=False)
    return number if currency == "VND" else number / 100


def return_request(raw: Any, currency: str) -> ReturnRequest:
    """One reverse order (a GetReverseOrdersForSeller item, or GetReverseOrderDetail's data) -> ReturnRequest.
    Each reverse line returns one order item, which on Lazada is one unit."""
    if not isinstance(raw, dict):
        raise BadPayload("reverse order is not a JSON object")
    reverse_id, order_id = text(raw, "reverse_order_id"), text(raw, "trade_order_id")
    if not reverse_id or not order_id:
        raise BadPayload("reverse_order_id or trade_order_id is missing")
    lines = raw.get("reverse_order_lines")
    if lines is None:
        lines = raw.get("reverseOrderLineDTOList")
    if not isinstance(lines, list) or not lines or not all(isinstance(line, dict) for line in lines):
        raise BadPayload("the reverse order has no lines")
    first = lines[0]
    status, ofc = text(first, "reverse_status"), text(first, "ofc_status")
    try:
        created = min(_time(line.get("return_order_line_gmt_create"), "return_order_line_gmt_create")
                      for line in lines)
        updated = max(_time(line.get("return_order_line_gmt_modified") or line.get("return_order_line_gmt_create"),
                            "return_order_line_gmt_modified") for line in lines)
        refund = sum((_cents(line.get("refund_amount"), "refund_amount", currency) for line in lines), Decimal(0))
        return ReturnRequest(
            platform_return_id=reverse_id, platform_order_id=order_id, platform_status=status,
            state=return_state(status, ofc), created_at=created, updated_at=updated,
            reason=text(first, "reason_text"),
            lines=tuple(ReturnLine(platform_line_id=text(line, "trade_order_line_id"),
                                   sku=text(line, "seller_sku_id"), quantity=1) for line in lines),
            refund=Money(refund, currency),
            tracking_number=next((text(line, "tracking_number") for line in lines if text(line, "tracking_number")),
                                 ""),
            raw=raw,
        )
    except DomainError as exc:      # a currency that is not ISO 4217, a time out of range
        raise BadPayload(str(exc)) from exc
