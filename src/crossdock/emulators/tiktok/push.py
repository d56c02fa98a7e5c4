"""TikTok Shop webhooks: order status change (type 1) and cancellation status change (type 11) bodies, signed and
posted, with the documented retries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from crossdock.emulators.tiktok.signing import webhook_signature

ORDER_STATUS_CHANGE = 1
CANCELLATION_STATUS_CHANGE = 11
# The order status change webhook names a cancelled order CANCEL, unlike the order APIs.
WEBHOOK_STATUS = {"CANCELLED": "CANCEL"}
# "Success returns 200, and authentication failure returns 401": both end the delivery.
ACCEPTED_STATUSES = frozenset({200, 401})
# "1st Retry 2 minutes after the initial push failure ... 4th Retry 12 hours after the 3rd retry failure."
RETRY_DELAYS = (timedelta(minutes=2), timedelta(minutes=30), timedelta(hours=3), timedelta(hours=12))


def order_status_body(notification_id: str, shop_id: str, order_id: str, status: str, on_hold: bool,
                      update_time: int, now: int) -> bytes:
    body = {
        "type": ORDER_STATUS_CHANGE, "tts_notification_id": notification_id, "shop_id": shop_id, "timestamp": now,
        "data": {"order_id": order_id, "order_status": WEBHOOK_STATUS.get(status, status),
                 "is_on_hold_order": on_hold, "update_time": update_time},
    }
    return json.dumps(body, separators=(",", ":")).encode()


def cancellation_status_body(notification_id: str, shop_id: str, order_id: str, role: str, status: str,
                             cancel_id: str, create_time: int, now: int) -> bytes:
    """Type 11 as the webhooks page shows it: the role key is plural there ("cancellations_role")."""
    body = {
        "type": CANCELLATION_STATUS_CHANGE, "tts_notification_id": notification_id, "shop_id": shop_id,
        "timestamp": now,
        "data": {"order_id": order_id, "cancellations_role": role, "cancel_status": status, "cancel_id": cancel_id,
                 "create_time": create_time},
    }
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass
class Delivery:
    """One webhook and its attempts; `next_at` is when the next retry is due (None: done or given up)."""

    body: bytes
    attempts: list[tuple[datetime, int | None, str]] = field(default_factory=list)
    next_at: datetime | None = None

    @property
    def delivered(self) -> bool:
        return bool(self.attempts) and self.attempts[-1][1] in ACCEPTED_STATUSES


class PushSender:
    def __init__(self, app_key: str, app_secret: str, url: str, transport: httpx.BaseTransport | None) -> None:
        self.app_key, self.app_secret, self.url = app_key, app_secret, url
        self._http = httpx.Client(transport=transport, timeout=3.0)   # "within 3 seconds for each notification"
        self.deliveries: list[Delivery] = []

    def send(self, body: bytes, now: datetime) -> Delivery:
        delivery = Delivery(body)
        self.deliveries.append(delivery)
        self._attempt(delivery, now)
        return delivery

    def retry_due(self, now: datetime) -> int:
        """Re-send every failed webhook whose retry is due; returns how many were sent."""
        due = [d for d in self.deliveries if d.next_at is not None and d.next_at <= now]
        for delivery in due:
            self._attempt(delivery, now)
        return len(due)

    def _attempt(self, delivery: Delivery, now: datetime) -> None:
        headers = {"Authorization": webhook_signature(self.app_key, self.app_secret, delivery.body),
                   "Content-Type": "application/json"}
        try:
            status: int | None = self._http.post(self.url, content=delivery.body, headers=headers).status_code
            error = ""
        except httpx.HTTPError as exc:
            status, error = None, str(exc) or type(exc).__name__
        delivery.attempts.append((now, status, error))
        retries_done = len(delivery.attempts) - 1
        if status in ACCEPTED_STATUSES or retries_done >= len(RETRY_DELAYS):
            delivery.next_at = None
        else:
            delivery.next_at = now + RETRY_DELAYS[retries_done]

    def close(self) -> None:
        self._http.close()
