"""Authorization state of the emulated partner: single-use codes, access tokens and single-use refresh tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

# Documented lifetimes (Authorization and Authentication guide).
CODE_TTL = timedelta(minutes=10)
DEFAULT_ACCESS_TOKEN_TTL = timedelta(hours=4)
DEFAULT_REFRESH_TOKEN_TTL = timedelta(days=30)
# "After a new access_token is generated, the old access_token is still valid for 5 minutes."
OLD_ACCESS_TOKEN_GRACE = timedelta(minutes=5)


def _token() -> str:
    # Shopee's codes and tokens are 32 lowercase hex characters.
    return secrets.token_hex(16)


@dataclass
class _Grant:
    shop_id: int
    expires_at: datetime
    used: bool = False


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expire_in: int
    shop_id: int


class AuthState:
    """Codes and tokens of one partner; callers serialise access."""

    def __init__(self) -> None:
        self.access_token_ttl = DEFAULT_ACCESS_TOKEN_TTL
        self.refresh_token_ttl = DEFAULT_REFRESH_TOKEN_TTL
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}

    def issue_code(self, shop_id: int, now: datetime) -> str:
        code = _token()
        self._codes[code] = _Grant(shop_id, now + CODE_TTL)
        return code

    def redeem_code(self, code: str, shop_id: int, now: datetime) -> TokenPair | None:
        """Exchange a code for the shop's first token pair; None if unknown, used, expired or another shop's."""
        grant = self._codes.get(code)
        if grant is None or grant.used or now >= grant.expires_at or grant.shop_id != shop_id:
            return None
        grant.used = True
        return self._issue_pair(shop_id, now)

    def refresh(self, refresh_token: str, shop_id: int, now: datetime) -> TokenPair | None:
        """Trade a refresh token (single use) for a new pair; the shop's older access tokens get 5 minutes."""
        grant = self._refresh.get(refresh_token)
        if grant is None or grant.used or now >= grant.expires_at or grant.shop_id != shop_id:
            return None
        grant.used = True
        for access in self._access.values():
            if access.shop_id == shop_id:
                access.expires_at = min(access.expires_at, now + OLD_ACCESS_TOKEN_GRACE)
        return self._issue_pair(shop_id, now)

    def access_token_shop(self, access_token: str, now: datetime) -> int | None:
        """The shop an access token is valid for right now, or None."""
        grant = self._access.get(access_token)
        if grant is None or now >= grant.expires_at:
            return None
        return grant.shop_id

    def expire_access_tokens(self, shop_id: int, now: datetime) -> None:
        for grant in self._access.values():
            if grant.shop_id == shop_id:
                grant.expires_at = min(grant.expires_at, now)

    def _issue_pair(self, shop_id: int, now: datetime) -> TokenPair:
        access, refresh = _token(), _token()
        self._access[access] = _Grant(shop_id, now + self.access_token_ttl)
        self._refresh[refresh] = _Grant(shop_id, now + self.refresh_token_ttl)
        return TokenPair(access, refresh, int(self.access_token_ttl.total_seconds()), shop_id)
