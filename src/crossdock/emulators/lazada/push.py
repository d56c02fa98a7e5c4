"""Lazada Push Mechanism: trade order messages (message_type 0), signed as Lazada signs them, posted to the app's
callback URL, retried every 30 minutes up to 12 times until acknowledged with HTTP 200."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from crossdock.emulators.lazada.signing import push_signature
from crossdock.emulators.lazada.world import Change

TRADE_ORDER_MESSAGE = 0
# "You need to ack with Http status code 200 within 500ms"; else "server will retry sending the message after
# 30 mins" ... "if you fail more than 12 times ... server will stop retrying".
ACK_STATUS = 200
ACK_TIMEOUT_SECONDS = 0.5
RETRY_AFTER = timedelta(minutes=30)
MAX_RETRIES = 12


def trade_order_body(change: Change, site: str, now: datetime) -> bytes:
    """The doc's trade order message: one per order line (trade_order_line_id) whose status changed."""
    body: dict[str, Any] = {
        "seller_id": change.seller_id,
        "message_type": TRADE_ORDER_MESSAGE,
        "data": {
            "order_status": change.status,
            "status_update_time": change.at,
            "trade_order_id": change.order_id,
            "trade_order_line_id": change.order_item_id,
        },
        "timestamp": int(now.timestamp() * 1000),
        "site": site,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class PushRecord:
    url: str
    body: bytes
    status_code: int | None
    attempts: int
    error: str = ""
    next_attempt: datetime | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status_code == ACK_STATUS


class PushSender:
    """Posts pushes in the caller's thread; the emulator calls it outside its lock because the receiver may read
    the order back from the emulator before it answers."""

    def __init__(self, app_key: str, app_secret: str, url: str, transport: httpx.BaseTransport | None) -> None:
        self.app_key, self.app_secret, self.url = app_key, app_secret, url
        # Assumption: the emulator waits up to 10 s rather than the 500 ms Lazada allows, because an
        # in-process receiver in tests can be slow on a busy machine; a slow ack is still recorded as an error.
        self._http = httpx.Client(transport=transport, timeout=10)
        self.sent: list[PushRecord] = []

    def send(self, body: bytes, now: datetime) -> PushRecord:
        record = PushRecord(self.url, body, None, 0)
        self._attempt(record, now)
        self.sent.append(record)
        return record

    def retry_due(self, now: datetime) -> int:
        """Send again every unacknowledged push whose retry time has come; returns how many were sent."""
        due = [r for r in self.sent if r.next_attempt is not None and r.next_attempt <= now]
        for record in due:
            self._attempt(record, now)
        return len(due)

    def _attempt(self, record: PushRecord, now: datetime) -> None:
        headers = {"Authorization": push_signature(self.app_key, self.app_secret, record.body),
                   "Content-Type": "application/json"}
        record.attempts += 1
        started = time.perf_counter()     # wall time on purpose: the ack deadline is about the receiver's speed
        try:
            response = self._http.post(self.url, content=record.body, headers=headers)
            record.status_code, record.error = response.status_code, ""
            elapsed = time.perf_counter() - started
            if elapsed > ACK_TIMEOUT_SECONDS:
                record.error = f"acknowledged after {elapsed:.3f}s (Lazada allows {ACK_TIMEOUT_SECONDS}s)"
        except httpx.HTTPError as exc:
            record.status_code, record.error = None, str(exc)
        retries_done = record.attempts - 1
        record.next_attempt = None if record.acknowledged or retries_done >= MAX_RETRIES else now + RETRY_AFTER

    def close(self) -> None:
        self._http.close()
