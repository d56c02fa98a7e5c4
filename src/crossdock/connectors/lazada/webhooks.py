"""Lazada Push Mechanism: verify the Authorization signature, turn trade order messages into PushEvents."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from pydantic import SecretStr

from crossdock.ports.marketplace import BadSignature, PushEvent

# message_type 0: trade order messages ("order create, paid, shipped..." and reverse orders: return, refund).
TRADE_ORDER = 0


class LazadaPushes:
    def __init__(self, app_key: str, app_secret: SecretStr) -> None:
        self._app_key = app_key
        self._secret = app_secret

    def parse(self, headers: Mapping[str, str], body: bytes, url: str) -> list[PushEvent]:
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), "").strip()
        # Lazada signs the app key and the raw body: hex HMAC-SHA256(key=app_secret, app_key + body). The doc's
        # sample writes lower-case hex; upper case is accepted, the comparison itself is constant-time.
        expected = hmac.new(self._secret.get_secret_value().encode("utf-8"), self._app_key.encode("utf-8") + body,
                            hashlib.sha256).hexdigest()
        if not given or not hmac.compare_digest(given.lower().encode(), expected.encode()):
            raise BadSignature("Lazada push signature does not match (check app_key and app_secret)")
        try:
            push = json.loads(body)
            message_type = int(push["message_type"])
            seller_id = str(push["seller_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadSignature(f"signed, but not a Lazada push: {exc}") from exc
        data = push.get("data")
        if message_type != TRADE_ORDER or not isinstance(data, dict) or not data.get("trade_order_id"):
            return []
        order_id = str(data["trade_order_id"])
        # No push id exists: a message is its order line, status and time ("If two messages have same
        # trade_order_id but different trade_order_line_id, server will treat it as different messages").
        # A reverse-order message (return, refund) also names its reverse order line.
        parts = [seller_id, order_id, data.get("trade_order_line_id", ""), data.get("reverse_order_line_id", ""),
                 data.get("order_status", ""), data.get("status_update_time", "")]
        return [PushEvent(store_external_id=seller_id, platform_order_id=order_id,
                          event_id=":".join(str(p) for p in parts))]
