"""Pure mapping for TikTok Shop fulfilment: which line items a notice ships, our carrier to TikTok's provider list,
Get Tracking events and Search Returns' return orders to domain values; raises BadPayload with the reason."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crossdock.connectors._kit import carrier_names
from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors._kit.fields import amount, text
from crossdock.connectors.tiktok.mapping import group_units
from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.returns import ReturnLine, ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus
from crossdock.domain.money import Money
from crossdock.domain.time import from_unix
from crossdock.ports.marketplace import ShippedLine

# Search Returns `return_status` -> our states (descriptions from the Search Returns page).
RETURN_STATES: dict[str, ReturnState] = {
    "RETURN_OR_REFUND_REQUEST_PENDING": ReturnState.REQUESTED,     # pending review by seller or platform
    "AWAITING_BUYER_RESPONSE": ReturnState.REQUESTED,              # the seller offered another return type
    "REPLACEMENT_REQUEST_PENDING": ReturnState.REQUESTED,
    "AWAITING_BUYER_SHIP": ReturnState.APPROVED,                   # approved, waiting for the buyer's parcel
    "BUYER_SHIPPED_ITEM": ReturnState.IN_TRANSIT,
    "REFUND_OR_RETURN_REQUEST_REJECT": ReturnState.REJECTED,
    "REJECT_RECEIVE_PACKAGE": ReturnState.REJECTED,                # inspected and refused by the seller
    "REPLACEMENT_REQUEST_REJECT": ReturnState.REJECTED,
    "RETURN_OR_REFUND_REQUEST_CANCEL": ReturnState.CANCELLED,      # by the buyer or the system
    "REPLACEMENT_REQUEST_CANCEL": ReturnState.CANCELLED,
    "RETURN_OR_REFUND_REQUEST_COMPLETE": ReturnState.REFUNDED,     # "The buyer has been refunded."
    "REPLACEMENT_REQUEST_REFUND_SUCCESS": ReturnState.REFUNDED,
    # Approved, the replacement order is generated: nothing comes back and no money goes back.
    "REPLACEMENT_REQUEST_COMPLETE": ReturnState.APPROVED,
}
# RETURN_OR_REFUND_REQUEST_SUCCESS, "approved, the buyer will be refunded": after the goods came back when there
# were goods to send, else as soon as the refund is granted.
_SUCCESS = "RETURN_OR_REFUND_REQUEST_SUCCESS"
# Get Tracking gives only descriptions: words that tell the state, most telling first.
_TRACKING_WORDS: tuple[tuple[re.Pattern[str], TrackingStatus], ...] = (
    (re.compile(r"return(ed)? to sender|returning to sender|\breturned\b"), TrackingStatus.RETURNED),
    (re.compile(r"fail|exception|unable|held|customs|damaged|lost|refused"), TrackingStatus.EXCEPTION),
    (re.compile(r"out for delivery"), TrackingStatus.OUT_FOR_DELIVERY),
    (re.compile(r"\bdelivered\b"), TrackingStatus.DELIVERED),
    (re.compile(r"label created|awaiting (carrier )?pick ?up|arranged|ready to ship"), TrackingStatus.INFO_RECEIVED),
)
_ALIASES = {"hermes": "evri", "dhlexpress": "dhl", "dhlparcel": "dhl", "yun": "yunexpress"}


def match_provider(providers: Sequence[Mapping[str, Any]], carrier_code: str,
                   carrier_name: str) -> dict[str, str] | None:
    """TikTok's provider for our carrier: the one whose name is our code or our name, spaces and case aside."""
    return carrier_names.match_provider(providers, carrier_code, carrier_name, _ALIASES)


@dataclass(frozen=True)
class UnitView:
    """One line item (one unit) of an order as Get Order Detail shows it."""

    id: str
    line_id: str              # our order line's id: the first unit of its group
    seller_sku: str
    package_id: str
    tracking_number: str
    package_status: str


def units_of(order: Mapping[str, Any]) -> list[UnitView]:
    items = order.get("line_items")
    if not isinstance(items, list) or not items:
        raise BadPayload("line_items is missing or empty")
    currency = text(order["payment"], "currency") if isinstance(order.get("payment"), dict) else ""
    out: list[UnitView] = []
    for rows in group_units(items, currency):
        line_id = text(rows[0], "id")
        out.extend(UnitView(text(r, "id"), line_id, text(r, "seller_sku").strip(), text(r, "package_id"),
                            text(r, "tracking_number"), text(r, "package_status")) for r in rows)
    return out


class LineMismatch(ValueError):
    """The notice names a line the order does not have, or more units than it has left."""


def select_units(units: Sequence[UnitView], lines: Sequence[ShippedLine], tracking_number: str) -> tuple[
        list[UnitView], list[UnitView]]:
    """(units already carrying this tracking number, units still to ship with it) for a notice's lines (all units
    when it names none). Units already shipped with the number count first, so a retry ships nothing twice."""
    if not lines:
        done = [u for u in units if u.tracking_number == tracking_number]
        todo = [u for u in units if not u.tracking_number]
        return done, todo
    done_all: list[UnitView] = []
    todo_all: list[UnitView] = []
    for line in lines:
        group = [u for u in units if u.line_id == line.platform_line_id]
        if not group:
            raise LineMismatch(f"line {line.platform_line_id} is not in the order")
        done = [u for u in group if u.tracking_number == tracking_number][:line.quantity]
        free = [u for u in group if not u.tracking_number]
        missing = line.quantity - len(done)
        if missing > len(free):
            raise LineMismatch(f"line {line.platform_line_id} has {len(free)} unshipped units, {missing} asked")
        done_all += done
        todo_all += free[:missing]
    return done_all, todo_all


def whole_package(units: Sequence[UnitView], chosen: Sequence[UnitView]) -> str:
    """The package that holds exactly the chosen units, or "" when they are part of one or span several."""
    packages = {u.package_id for u in chosen}
    if len(packages) != 1:
        return ""
    package = packages.pop()
    members = {u.id for u in units if u.package_id == package}
    return package if package and members == {u.id for u in chosen} else ""


def tracking_event(raw: Any) -> TrackingEvent:
    """One entry of Get Tracking's `tracking`."""
    if not isinstance(raw, dict):
        raise BadPayload("tracking entry is not an object")
    description = text(raw, "description").strip()
    millis = raw.get("update_time_millis")
    if isinstance(millis, bool) or not isinstance(millis, int) or millis < 0:
        raise BadPayload(f"update_time_millis is {millis!r}, expected milliseconds")
    lowered = description.lower()
    status = next((s for pattern, s in _TRACKING_WORDS if pattern.search(lowered)), TrackingStatus.IN_TRANSIT)
    try:
        at = from_unix(millis // 1000)
    except DomainError as exc:
        raise BadPayload(str(exc)) from exc
    # No event code in the answer: the description is the platform's own word.
    return TrackingEvent(at=at, status=status, code=description, description=description)


def _time(raw: Mapping[str, Any], name: str) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadPayload(f"{name} is {value!r}, expected a Unix timestamp")
    return value


def _refund(raw: Any) -> Money | None:
    if not isinstance(raw, dict) or raw.get("refund_total") in (None, ""):
        return None
    currency = text(raw, "currency")
    if not currency:
        raise BadPayload("refund_amount.currency is missing")
    return Money(amount(raw.get("refund_total"), "refund_amount.refund_total"), currency)


def return_from_payload(raw: Any, line_of_unit: Mapping[str, str]) -> ReturnRequest:
    """One of Search Returns' `return_orders` -> ReturnRequest. `line_of_unit` maps an order line item id to our
    order line's id (units of one SKU form one line); a unit it does not know keeps its own id."""
    if not isinstance(raw, dict):
        raise BadPayload("return is not a JSON object")
    return_id, order_id, status = text(raw, "return_id"), text(raw, "order_id"), text(raw, "return_status")
    if not return_id:
        raise BadPayload("return_id is missing")
    if not order_id:
        raise BadPayload("order_id is missing")
    if status == _SUCCESS:
        state = ReturnState.APPROVED if text(raw, "return_type") == "REFUND" else ReturnState.RECEIVED
    elif status in RETURN_STATES:
        state = RETURN_STATES[status]
    else:
        raise BadPayload(f"unknown return_status {status!r}")
    items = raw.get("return_line_items")
    if not isinstance(items, list) or not items:
        raise BadPayload("return_line_items is missing or empty")
    counted: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadPayload(f"return_line_items[{index}] is not an object")
        unit = text(item, "order_line_item_id")
        if not unit:
            raise BadPayload(f"return_line_items[{index}].order_line_item_id is missing")
        key = (line_of_unit.get(unit, unit), text(item, "seller_sku").strip())
        counted[key] = counted.get(key, 0) + 1
    try:
        return ReturnRequest(
            platform_return_id=return_id, platform_order_id=order_id, platform_status=status, state=state,
            created_at=from_unix(_time(raw, "create_time")), updated_at=from_unix(_time(raw, "update_time")),
            reason=text(raw, "return_reason_text") or text(raw, "return_reason"),
            lines=tuple(ReturnLine(line, sku, quantity) for (line, sku), quantity in counted.items()),
            refund=_refund(raw.get("refund_amount")),
            tracking_number=text(raw, "return_tracking_number"),
            raw=raw,
        )
    except DomainError as exc:
        raise BadPayload(str(exc)) from exc
