"""ORDER_CHANGE notifications as the Notifications API delivers them, posted to a subscriber's URL.

Amazon delivers through SQS or EventBridge and does not sign the message; the emulator posts the same JSON
document over HTTP so a receiver can be tested end to end.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

NOTIFICATION_TYPE = "ORDER_CHANGE"
# ChangeReason texts: the schema's example has "Buyer Requested Cancel"; the status one is an assumption.
CHANGE_REASONS = {"BuyerRequestedChange": "Buyer Requested Cancel", "OrderStatusChange": "Order Status Changed"}


def _iso_ms(moment: datetime) -> str:
    # Notification times carry milliseconds: "2020-01-11T00:09:53.109Z".
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _item_status(order_status: str, item: dict[str, Any]) -> str:
    ordered, shipped = item.get("QuantityOrdered"), item.get("QuantityShipped")
    if order_status == "PartiallyShipped" and isinstance(ordered, int) and isinstance(shipped, int):
        return "Shipped" if shipped >= ordered else "Unshipped"
    return order_status


def order_change(*, application_id: str, subscription_id: str, seller_id: str, merged: dict[str, Any],
                 change_type: str, changed_at: datetime, now: datetime) -> dict[str, Any]:
    """The ORDER_CHANGE document (schemas/notifications/OrderChangeNotification.json) for an order as it is now."""
    status = str(merged.get("OrderStatus", ""))
    raw_items, raw_address = merged.get("OrderItems"), merged.get("ShippingAddress")
    items: list[Any] = raw_items if isinstance(raw_items, list) else []
    address: dict[str, Any] = raw_address if isinstance(raw_address, dict) else {}
    summary: dict[str, Any] = {
        "MarketplaceId": merged.get("MarketplaceId"),
        "OrderStatus": status,
        "PurchaseDate": merged.get("PurchaseDate"),
        "DestinationPostalCode": address.get("PostalCode"),
        "FulfillmentType": merged.get("FulfillmentChannel"),
        "OrderType": merged.get("OrderType"),
        "NumberOfItemsShipped": merged.get("NumberOfItemsShipped"),
        "NumberOfItemsUnshipped": merged.get("NumberOfItemsUnshipped"),
        "EarliestDeliveryDate": merged.get("EarliestDeliveryDate"),
        "LatestDeliveryDate": merged.get("LatestDeliveryDate"),
        "EarliestShipDate": merged.get("EarliestShipDate"),
        "LatestShipDate": merged.get("LatestShipDate"),
        "OrderPrograms": ["Business"] if merged.get("IsBusinessOrder") else [],
        "ShippingPrograms": ["Prime"] if merged.get("IsPrime") else [],
        "ElectronicInvoiceStatus": merged.get("ElectronicInvoiceStatus"),
        "OrderItems": [
            {
                "OrderItemId": item.get("OrderItemId"),
                "SellerSKU": item.get("SellerSKU"),
                "OrderItemStatus": _item_status(status, item),
                "Quantity": item.get("QuantityOrdered"),
                "QuantityShipped": item.get("QuantityShipped"),
                "IsBuyerRequestedCancel": bool(isinstance(item.get("BuyerRequestedCancel"), dict)
                                               and item["BuyerRequestedCancel"].get("IsBuyerRequestedCancel")
                                               == "true"),
            }
            for item in items if isinstance(item, dict)
        ],
    }
    return {
        "NotificationVersion": "1.0",
        "NotificationType": NOTIFICATION_TYPE,
        "PayloadVersion": "1.0",
        "EventTime": _iso_ms(now),
        "Payload": {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": seller_id,
                "AmazonOrderId": merged.get("AmazonOrderId"),
                "OrderChangeType": change_type,
                "OrderChangeTrigger": {"TimeOfOrderChange": _iso_ms(changed_at),
                                       "ChangeReason": CHANGE_REASONS.get(change_type, change_type)},
                "Summary": summary,
            }
        },
        "NotificationMetadata": {
            "ApplicationId": application_id,
            "SubscriptionId": subscription_id,
            "PublishTime": _iso_ms(now),
            "NotificationId": str(uuid.uuid4()),
        },
    }


@dataclass(frozen=True, slots=True)
class Delivery:
    url: str
    body: bytes
    status_code: int | None
    error: str = ""


class Subscription:
    """An ORDER_CHANGE subscription whose destination is an HTTP URL (the emulator's stand-in for SQS)."""

    def __init__(self, url: str, transport: httpx.BaseTransport | None) -> None:
        self.url = url
        self.subscription_id = str(uuid.uuid4())
        self.destination_id = str(uuid.uuid4())
        self._http = httpx.Client(transport=transport, timeout=10)
        self.sent: list[Delivery] = []

    def deliver(self, document: dict[str, Any]) -> Delivery:
        body = json.dumps(document, separators=(",", ":")).encode()
        try:
            response = self._http.post(self.url, content=body, headers={"Content-Type": "application/json"})
            delivery = Delivery(self.url, body, response.status_code)
        except httpx.HTTPError as exc:
            # A queue would keep the message; the emulator records the failure and moves on.
            delivery = Delivery(self.url, body, None, str(exc))
        self.sent.append(delivery)
        return delivery

    def close(self) -> None:
        self._http.close()
