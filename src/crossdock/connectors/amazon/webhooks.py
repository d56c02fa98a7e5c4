"""Amazon ORDER_CHANGE notifications (Notifications API) -> PushEvents.

Amazon delivers notifications through SQS or EventBridge and does not sign them, so nothing here can prove
a notification came from Amazon. It is read as a hint: the structure is checked, the application it was
published for must be ours (when configured), and the order it names is then read again from the SP-API.
A forged notification can make Crossdock re-read an order, never change one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from crossdock.ports.marketplace import BadSignature, PushEvent

NOTIFICATION_TYPE = "ORDER_CHANGE"
_ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
# Selling partner ids and marketplace ids are upper-case alphanumerics (e.g. A3TH9S8BH6GOGM, A1PA6795UKMFR9).
_AMAZON_ID = re.compile(r"^[A-Z0-9]{8,20}$")


def _object(parent: Any, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    if not isinstance(value, dict):
        raise BadSignature(f"not an ORDER_CHANGE notification: {key} is missing")
    return value


def _text(parent: dict[str, Any], key: str, pattern: re.Pattern[str] | None = None) -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value or (pattern is not None and not pattern.match(value)):
        raise BadSignature(f"not an ORDER_CHANGE notification: {key} is {value!r}")
    return value


class AmazonPushes:
    def __init__(self, application_id: str = "") -> None:
        self._application_id = application_id

    def parse(self, headers: Mapping[str, str], body: bytes, url: str) -> list[PushEvent]:
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadSignature(f"not a notification: the body is not JSON ({exc})") from exc
        if not isinstance(document, dict):
            raise BadSignature("not a notification: the body is not a JSON object")
        kind = document.get("NotificationType")
        if kind != NOTIFICATION_TYPE:
            if isinstance(kind, str) and kind:
                return []   # another notification type we may be subscribed to: nothing for orders
            raise BadSignature("not a notification: NotificationType is missing")
        for key in ("NotificationVersion", "PayloadVersion", "EventTime"):
            _text(document, key)
        metadata = _object(document, "NotificationMetadata")
        notification_id = _text(metadata, "NotificationId")
        if self._application_id and metadata.get("ApplicationId") != self._application_id:
            raise BadSignature(f"ORDER_CHANGE for application {metadata.get('ApplicationId')!r}, not ours")
        change = _object(_object(document, "Payload"), "OrderChangeNotification")
        seller_id = _text(change, "SellerId", _AMAZON_ID)
        order_id = _text(change, "AmazonOrderId", _ORDER_ID)
        _text(change, "OrderChangeType")
        marketplace_id = _text(_object(change, "Summary"), "MarketplaceId", _AMAZON_ID)
        # The store is the seller's marketplace; a SellerId we do not know matches no store and is dropped.
        return [PushEvent(store_external_id=f"{seller_id}:{marketplace_id}", platform_order_id=order_id,
                          event_id=notification_id)]
