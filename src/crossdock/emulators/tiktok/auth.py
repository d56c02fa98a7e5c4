"""Authorization state of the emulated app: seller auth codes, access tokens and refresh tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

# "The auth_code expires in 30 minutes and can only be used once."
CODE_TTL = timedelta(minutes=30)
# access_token_expire_in: "with default expiration time set to seven days".
DEFAULT_ACCESS_TOKEN_TTL = timedelta(days=7)
# Assumption: the refresh token's lifetime is not stated; the Get Access Token example answers a
# refresh_token_expire_in about a year after the access token's, so the emulator gives it a year.
DEFAULT_REFRESH_TOKEN_TTL = timedelta(days=365)


def _token() -> str:
    # The docs' tokens start with TTP_ and continue in URL-safe base64.
    return "TTP_" + secrets.token_urlsafe(48)


@dataclass
class _Grant:
    account: str
    expires_at: datetime
    used: bool = False


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    account: str


class AuthState:
    """Codes and tokens per seller account; callers serialise access.

    Assumption: the docs do not say whether refreshing rotates the refresh token. The emulator answers
    a new access token with the same refresh token and its unchanged expiry, and leaves earlier access
    tokens valid until their own expiry, so several stores of one seller may refresh independently.
    """

    def __init__(self) -> None:
        self.access_token_ttl = DEFAULT_ACCESS_TOKEN_TTL
        self.refresh_token_ttl = DEFAULT_REFRESH_TOKEN_TTL
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}

    def issue_code(self, account: str, now: datetime) -> str:
        code = secrets.token_urlsafe(16)
        self._codes[code] = _Grant(account, now + CODE_TTL)
        return code

    def redeem_code(self, code: str, now: datetime) -> TokenPair | None:
        """The seller's first token pair for a code; None when the code is unknown, used or expired."""
        grant = self._codes.get(code)
        if grant is None or grant.used or now >= grant.expires_at:
            return None
        grant.used = True
        refresh = _token()
        self._refresh[refresh] = _Grant(grant.account, now + self.refresh_token_ttl)
        return self._pair(refresh, now)

    def refresh_state(self, refresh_token: str, now: datetime) -> str:
        """"ok", "expired" or "unknown" for a refresh token."""
        grant = self._refresh.get(refresh_token)
        if grant is None:
            return "unknown"
        return "expired" if now >= grant.expires_at else "ok"

    def refresh(self, refresh_token: str, now: datetime) -> TokenPair | None:
        if self.refresh_state(refresh_token, now) != "ok":
            return None
        return self._pair(refresh_token, now)

    def _pair(self, refresh_token: str, now: datetime) -> TokenPair:
        grant = self._refresh[refresh_token]
        access = _token()
        expires = now + self.access_token_ttl
        self._access[access] = _Grant(grant.account, expires)
        return TokenPair(access, expires, refresh_token, grant.expires_at, grant.account)

    def access_state(self, access_token: str, now: datetime) -> tuple[str, str]:
        """("ok" | "expired" | "unknown", account)."""
        grant = self._access.get(access_token)
        if grant is None:
            return "unknown", ""
        return ("expired" if now >= grant.expires_at else "ok"), grant.account

    def expire_access_tokens(self, account: str, now: datetime) -> None:
        for grant in self._access.values():
            if grant.account == account:
                grant.expires_at = min(grant.expires_at, now)

    def revoke(self, account: str) -> None:
        """The seller deauthorized the app: every token of the account stops working."""
        for table in (self._access, self._refresh):
            for key in [k for k, g in table.items() if g.account == account]:
                del table[key]
