"""OAuth 2.0 state of the emulated Joom app: single-use codes, account-wide access and refresh tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

# "The authorization code will expire after 5 minutes and can only be used once." (Joom OAuth guide)
CODE_TTL = timedelta(minutes=5)
# Access tokens last 30 days (third-party clients refresh "every 30 days"; expires_in 2592000).
DEFAULT_ACCESS_TOKEN_TTL = timedelta(days=30)
# Assumption: Joom does not say how long a refresh token lives; 30 days, and each is single-use
# (the refresh answer carries a new refresh_token, so the old one is retired).
DEFAULT_REFRESH_TOKEN_TTL = timedelta(days=30)


def _token() -> str:
    # Assumption: the token format is undocumented; opaque 32-hex strings like Joom's sample codes.
    return secrets.token_hex(16)


@dataclass
class _Grant:
    merchant: str            # the merchant account key
    expires_at: datetime
    redirect_uri: str = ""
    used: bool = False


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    expiry_time: int
    merchant: str


class AuthState:
    """Codes and tokens of one app (client_id); callers serialise access."""

    def __init__(self) -> None:
        self.access_token_ttl = DEFAULT_ACCESS_TOKEN_TTL
        self.refresh_token_ttl = DEFAULT_REFRESH_TOKEN_TTL
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}

    def issue_code(self, merchant: str, now: datetime, redirect_uri: str = "") -> str:
        code = _token()
        self._codes[code] = _Grant(merchant, now + CODE_TTL, redirect_uri)
        return code

    def redeem_code(self, code: str, redirect_uri: str, now: datetime) -> TokenPair | None:
        """A code for its first token pair; None if unknown, used, expired, or its redirect_uri differs."""
        grant = self._codes.get(code)
        if grant is None or grant.used or now >= grant.expires_at:
            return None
        if grant.redirect_uri and redirect_uri != grant.redirect_uri:
            return None
        grant.used = True
        return self._issue_pair(grant.merchant, now)

    def refresh(self, refresh_token: str, now: datetime) -> TokenPair | None:
        grant = self._refresh.get(refresh_token)
        if grant is None or grant.used or now >= grant.expires_at:
            return None
        grant.used = True
        return self._issue_pair(grant.merchant, now)

    def access_token_merchant(self, access_token: str, now: datetime) -> str | None:
        """The merchant an access token is valid for right now, or None."""
        grant = self._access.get(access_token)
        if grant is None or now >= grant.expires_at:
            return None
        return grant.merchant

    def expire_access_tokens(self, merchant: str, now: datetime) -> None:
        for grant in self._access.values():
            if grant.merchant == merchant:
                grant.expires_at = min(grant.expires_at, now)

    def _issue_pair(self, merchant: str, now: datetime) -> TokenPair:
        access, refresh = _token(), _token()
        expires = now + self.access_token_ttl
        self._access[access] = _Grant(merchant, expires)
        self._refresh[refresh] = _Grant(merchant, now + self.refresh_token_ttl)
        return TokenPair(access, refresh, int(self.access_token_ttl.total_seconds()), int(expires.timestamp()),
                         merchant)
