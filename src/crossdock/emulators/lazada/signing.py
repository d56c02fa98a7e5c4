"""Lazada Open Platform signatures: API requests (upper hex HMAC-SHA256) and pushes (hex HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def base_string(api_path: str, params: Mapping[str, str], body: str = "", *, keep_empty: bool = False) -> str:
    """The "Signature algorithm" page: the API path, then every parameter but `sign` as key+value, sorted by name
    in ASCII order, then the body if any. The official SDKs disagree on empty values: Java and C# leave them
    out (`areNotEmpty`), Python signs them; `keep_empty` chooses."""
    pairs = "".join(f"{key}{params[key]}" for key in sorted(params)
                    if key != "sign" and key and (keep_empty or params[key] != ""))
    return f"{api_path}{pairs}{body}"


def sign(app_secret: str, api_path: str, params: Mapping[str, str], body: str = "", *,
         keep_empty: bool = False) -> str:
    digest = hmac.new(app_secret.encode("utf-8"),
                      base_string(api_path, params, body, keep_empty=keep_empty).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest().upper()


def verify(app_secret: str, api_path: str, params: Mapping[str, str], given: str, body: str = "") -> bool:
    # Assumption: the platform compares the hex case-insensitively (the docs only say the SDKs send upper case).
    # Requests signed by either family of official SDKs are accepted (see base_string).
    return any(hmac.compare_digest(sign(app_secret, api_path, params, body, keep_empty=keep), given.upper())
               for keep in (False, True))


def push_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """Lazada Push Mechanism: Authorization = hex HMAC-SHA256(key=app_secret, app_key + raw body), lower case
    as the doc's Java sample writes it."""
    return hmac.new(app_secret.encode("utf-8"), app_key.encode("utf-8") + body, hashlib.sha256).hexdigest()
