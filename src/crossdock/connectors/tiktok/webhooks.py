"""TikTok Shop webhooks: the Authorization signature checked, order notifications turned into push events."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

import structlog
from pydantic import SecretStr

from crossdock.ports.marketplace import BadSignature, PushEvent

log = structlog.get_logger(__name__)
# Webhook types that name an order whose state changed: order status (1), recipient address (3),
# package update (4), cancellation status (11), return status (12).
ORDER_TYPES = frozenset({1, 3, 4, 11, 12})


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The Authorization header TikTok Shop sends: hex HMAC-SHA256(key app_secret, app_key + raw body)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


class TikTokPushes:
    def __init__(self, app_key: str, app_secret: SecretStr) -> None:
        self._app_key, self._secret = app_key, app_secret

    def parse(self, headers: Mapping[str, str], body: bytes, url: str) -> list[PushEvent]:
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        expected = webhook_signature(self._app_key, self._secret.get_secret_value(), body)
        if not given or not hmac.compare_digest(expected, given.strip().lower()):
            raise BadSignature("TikTok Shop webhook: the Authorization signature does not match")
        try:
            push = json.loads(body)
        except ValueError:
            log.warning("tiktok.webhook_not_json", size=len(body))
            return []
        if not isinstance(push, dict):
            return []
        data = push.get("data")
        kind = push.get("type")
        if kind not in ORDER_TYPES or not isinstance(data, dict) or not data.get("order_id"):
            # Product, chat, authorization and other notifications carry no order to pull.
            return []
        return [PushEvent(store_external_id=str(push.get("shop_id") or ""), platform_order_id=str(data["order_id"]),
                          event_id=str(push.get("tts_notification_id") or hashlib.sha256(body).hexdigest()),
                          kind="order")]
