"""Shopee push mechanism: verify the Authorization signature, turn order pushes into PushEvents."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from pydantic import SecretStr

from crossdock.ports.marketplace import BadSignature, PushEvent

# Push codes that mean "this order changed": 3 order status, 4 tracking number (see the push docs).
_ORDER_CODES = frozenset({3, 4})


class ShopeePushes:
    def __init__(self, partner_key: SecretStr) -> None:
        self._key = partner_key

    def parse(self, headers: Mapping[str, str], body: bytes, url: str) -> list[PushEvent]:
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        # Shopee signs the callback URL it called and the raw body: hex HMAC-SHA256(partner_key, url + "|" + body).
        expected = hmac.new(self._key.get_secret_value().encode(), url.encode() + b"|" + body,
                            hashlib.sha256).hexdigest()
        if not given or not hmac.compare_digest(given, expected):
            raise BadSignature("Shopee push signature does not match (check partner_key and the callback URL)")
        try:
            push = json.loads(body)
            code = int(push["code"])
            shop_id = str(push["shop_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadSignature(f"signed, but not a Shopee push: {exc}") from exc
        data = push.get("data") or {}
        order_sn = data.get("ordersn") if isinstance(data, dict) else None
        if code not in _ORDER_CODES or not order_sn:
            return []
        stamp = data.get("update_time") or push.get("timestamp")
        return [PushEvent(store_external_id=shop_id, platform_order_id=str(order_sn),
                          event_id=f"{shop_id}:{order_sn}:{code}:{stamp}:{data.get('status', '')}")]
