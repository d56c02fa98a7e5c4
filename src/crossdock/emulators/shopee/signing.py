"""Shopee Open Platform v2 request signatures: HMAC-SHA256 over the documented base strings."""

from __future__ import annotations

import hashlib
import hmac


def public_base_string(partner_id: int, path: str, timestamp: int) -> str:
    """Base string of a Public API call: partner_id + api path + timestamp."""
    return f"{partner_id}{path}{timestamp}"


def shop_base_string(partner_id: int, path: str, timestamp: int, access_token: str, shop_id: int) -> str:
    """Base string of a Shop API call: partner_id + api path + timestamp + access_token + shop_id."""
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def sign(partner_key: str, base_string: str) -> str:
    """Lowercase hex HMAC-SHA256 of the base string, keyed by the partner key."""
    return hmac.new(partner_key.encode("utf-8"), base_string.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(partner_key: str, base_string: str, signature: str) -> bool:
    """Whether `signature` is the signature of `base_string`; constant-time, case-sensitive like the doc's hex."""
    return hmac.compare_digest(sign(partner_key, base_string), signature)
