"""TikTok Shop signatures, from the "Sign your API request" guide and the webhook configuration guide."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

# "Extract all query parameters excluding sign and access_token."
EXCLUDED_PARAMS = frozenset({"sign", "access_token"})


def base_string(path: str, query: Mapping[str, str] | Sequence[tuple[str, str]], body: str) -> str:
    """path + {key}{value} of the query parameters sorted by key (but sign, access_token) + body (not multipart).
    A key sent several times (ids=a&ids=b) is signed once per value, in the order sent."""
    pairs = list(query.items()) if isinstance(query, Mapping) else list(query)
    params = "".join(f"{k}{v}" for k, v in sorted(pairs, key=lambda kv: kv[0]) if k not in EXCLUDED_PARAMS)
    return f"{path}{params}{body}"


def sign(app_secret: str, path: str, query: Mapping[str, str] | Sequence[tuple[str, str]], body: str = "") -> str:
    """Lowercase hex HMAC-SHA256, keyed by the app secret, of the base string wrapped in the app secret."""
    wrapped = f"{app_secret}{base_string(path, query, body)}{app_secret}"
    return hmac.new(app_secret.encode(), wrapped.encode(), hashlib.sha256).hexdigest()


def verify(app_secret: str, path: str, query: Mapping[str, str] | Sequence[tuple[str, str]], body: str,
           signature: str) -> bool:
    return hmac.compare_digest(sign(app_secret, path, query, body), signature)


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The Authorization header of a webhook: hex HMAC-SHA256(app_secret, app_key + raw body)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()
