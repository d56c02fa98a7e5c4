"""Amazon ORDER_CHANGE notifications: the documented document becomes one event; anything else is refused or ignored."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from crossdock.connectors.amazon.webhooks import AmazonPushes
from crossdock.emulators.amazon import AmazonEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadSignature, PushEvent

APP = "amzn1.sp.solution.0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
# The example of schemas/notifications/OrderChangeNotification.json, with our application id.
EXAMPLE: dict[str, Any] = {
    "NotificationVersion": "1.0", "NotificationType": "ORDER_CHANGE", "PayloadVersion": "1.0",
    "EventTime": "2020-01-11T00:09:53.109Z",
    "Payload": {"OrderChangeNotification": {
        "NotificationLevel": "OrderLevel", "SellerId": "A3TH9S8BH6GOGM", "AmazonOrderId": "903-8868176-2219830",
        "OrderChangeType": "BuyerRequestedChange",
        "OrderChangeTrigger": {"TimeOfOrderChange": "2022-11-29T19:42:04.284Z",
                               "ChangeReason": "Buyer Requested Cancel"},
        "Summary": {"MarketplaceId": "ATVPDKIKX0DER", "OrderStatus": "Unshipped",
                    "PurchaseDate": "2022-07-13T19:42:04.284Z",
                    "DestinationPostalCode": "48110", "FulfillmentType": "MFN", "OrderType": "StandardOrder",
                    "OrderItems": [{"OrderItemId": "OIID34853450", "SellerSKU": "SellerSKUID1",
                                    "OrderItemStatus": "Unshipped", "Quantity": 10, "QuantityShipped": 0,
                                    "IsBuyerRequestedCancel": True}]}}},
    "NotificationMetadata": {"ApplicationId": APP, "SubscriptionId": "subscription-id-d0e9e693",
                             "PublishTime": "2020-07-13T19:42:04.284Z",
                             "NotificationId": "d0e9e693-c3ad-4373-979f-ed4ec98dd746"},
}


def parse(document: Any, app: str = APP) -> list[PushEvent]:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return AmazonPushes(app).parse({"content-type": "application/json"}, body, "https://hub.test/api/webhooks/amazon")


def test_the_documented_notification_names_the_store_and_the_order() -> None:
    assert parse(EXAMPLE) == [PushEvent(store_external_id="A3TH9S8BH6GOGM:ATVPDKIKX0DER",
                                        platform_order_id="903-8868176-2219830",
                                        event_id="d0e9e693-c3ad-4373-979f-ed4ec98dd746")]


def test_without_a_configured_application_any_application_is_read() -> None:
    other = copy.deepcopy(EXAMPLE)
    other["NotificationMetadata"]["ApplicationId"] = "amzn1.sp.solution.someone-else"
    assert len(parse(other, app="")) == 1
    with pytest.raises(BadSignature, match="not ours"):
        parse(other)


def test_other_notification_types_are_ignored() -> None:
    assert parse(dict(EXAMPLE, NotificationType="ANY_OFFER_CHANGED")) == []


def _without(path: list[str]) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLE)
    node = doc
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return doc


@pytest.mark.parametrize("path", [
    ["NotificationType"], ["NotificationVersion"], ["EventTime"], ["NotificationMetadata"],
    ["NotificationMetadata", "NotificationId"], ["Payload"], ["Payload", "OrderChangeNotification"],
    ["Payload", "OrderChangeNotification", "SellerId"], ["Payload", "OrderChangeNotification", "AmazonOrderId"],
    ["Payload", "OrderChangeNotification", "OrderChangeType"], ["Payload", "OrderChangeNotification", "Summary"],
    ["Payload", "OrderChangeNotification", "Summary", "MarketplaceId"],
])
def test_a_notification_missing_a_required_part_is_refused(path: list[str]) -> None:
    with pytest.raises(BadSignature):
        parse(_without(path))


@pytest.mark.parametrize(("key", "value"), [("SellerId", "a3th9s8bh6gogm"), ("SellerId", "A3TH/../../x"),
                                            ("AmazonOrderId", "903-8868176"), ("AmazonOrderId", 90388681762219830)])
def test_ids_must_look_like_amazon_ids(key: str, value: Any) -> None:
    doc = copy.deepcopy(EXAMPLE)
    doc["Payload"]["OrderChangeNotification"][key] = value
    with pytest.raises(BadSignature):
        parse(doc)


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'"ORDER_CHANGE"', b"\xff\xfe"])
def test_bodies_that_are_not_notifications_are_refused(body: bytes) -> None:
    with pytest.raises(BadSignature):
        parse(body)


def test_what_the_emulator_delivers_parses() -> None:
    delivered: list[bytes] = []

    class Catch(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            delivered.append(request.read())
            return httpx.Response(200)

    clock = ManualClock(datetime(2026, 11, 1, 12, tzinfo=UTC))
    emu = AmazonEmulator("cid", "secret", APP, clock=clock, seed=1)
    store = emu.add_store("A2Q8ZKX9LT3CDE", "FR")
    (order_id,) = emu.generate_orders(store, 1, clock.now() - timedelta(days=1), clock.now() - timedelta(hours=1))
    emu.subscribe_pushes("https://hub.test/api/webhooks/amazon", Catch())
    emu.set_order_status(store, order_id, "Shipped")
    (event,) = parse(delivered[0])
    assert event.store_external_id == store and event.platform_order_id == order_id
