"""Shopee push mechanism: order status pushes (code 3) signed as Shopee signs them, posted to the partner's URL."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx

ORDER_STATUS_PUSH = 3


@dataclass(frozen=True, slots=True)
class PushRecord:
    url: str
    body: bytes
    status_code: int | None
    error: str = ""


def push_signature(partner_key: str, url: str, body: bytes) -> str:
    """Shopee: Authorization = hex HMAC-SHA256(partner_key, callback_url + "|" + raw body)."""
    return hmac.new(partner_key.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def order_status_body(shop_id: int, order_sn: str, status: str, update_time: int, now: int) -> bytes:
    body: dict[str, Any] = {
        "shop_id": shop_id, "code": ORDER_STATUS_PUSH, "timestamp": now,
        "data": {"items": [], "ordersn": order_sn, "status": status, "completed_scenario": "",
                 "update_time": update_time},
    }
    return json.dumps(body, separators=(",", ":")).encode()


class PushSender:
    def __init__(self, partner_key: str, url: str, transport: httpx.BaseTransport | None) -> None:
        self.partner_key, self.url = partner_key, url
        self._http = httpx.Client(transport=transport, timeout=10)
        self.sent: list[PushRecord] = []

    def send(self, body: bytes) -> PushRecord:
        headers = {"Authorization": push_signature(self.partner_key, self.url, body),
                   "Content-Type": "application/json"}
        try:
            status: int | None = self._http.post(self.url, content=body, headers=headers).status_code
            record = PushRecord(self.url, body, status)
        except httpx.HTTPError as exc:
            # Shopee retries failed pushes later; the emulator records the failure and moves on.
            record = PushRecord(self.url, body, None, str(exc))
        self.sent.append(record)
        return record
