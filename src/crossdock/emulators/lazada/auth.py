"""Authorization state of the emulated app: seller accounts, single-use codes, access and refresh tokens."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# "The authorization code is valid for half an hour and can only be used once."
CODE_TTL = timedelta(minutes=30)
# Seller authorization introduction: an app in "Test" status gets 7-day access tokens and 30-day refresh
# tokens ("Online" apps: 30 and 180 days). The emulator stands for a test app; both are settable.
DEFAULT_ACCESS_TOKEN_TTL = timedelta(days=7)
DEFAULT_REFRESH_TOKEN_TTL = timedelta(days=30)

_ALNUM = string.ascii_letters + string.digits


def _random(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


@dataclass
class Account:
    """A Lazada seller-center login; a cross-border account owns one seller per venture."""

    account: str
    sellers: dict[str, str] = field(default_factory=dict)     # venture code -> seller_id
    user_ids: dict[str, str] = field(default_factory=dict)    # venture code -> user_id


@dataclass
class _Grant:
    account: str
    expires_at: datetime
    used: bool = False


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    account: Account


class AuthState:
    """Codes and tokens of one app; the caller serialises access."""

    def __init__(self) -> None:
        self.access_token_ttl = DEFAULT_ACCESS_TOKEN_TTL
        self.refresh_token_ttl = DEFAULT_REFRESH_TOKEN_TTL
        self.accounts: dict[str, Account] = {}
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}

    def add_seller(self, account: str, venture: str, seller_id: str, user_id: str) -> None:
        acct = self.accounts.setdefault(account, Account(account))
        if venture in acct.sellers and acct.sellers[venture] != seller_id:
            raise ValueError(f"account {account} already has seller {acct.sellers[venture]} in {venture}")
        acct.sellers[venture] = seller_id
        acct.user_ids[venture] = user_id

    def issue_code(self, account: str, now: datetime) -> str:
        # Shaped like the guide's sample code "0_TryzT8Vd9T1pwS7VWZ2qlMOS5".
        code = _random("0_", 26)
        self._codes[code] = _Grant(account, now + CODE_TTL)
        return code

    def redeem_code(self, code: str, now: datetime) -> TokenPair | None:
        grant = self._codes.get(code)
        if grant is None or grant.used or now >= grant.expires_at:
            return None
        grant.used = True
        return self._issue(grant.account, now, now + self.refresh_token_ttl)

    def refresh(self, refresh_token: str, now: datetime) -> TokenPair | None:
        """A new pair; the refresh token keeps its original end ("the duration of the refresh token will not be
        reset"). Assumption: the old refresh token stops working ("you must save the latest refresh_token");
        access tokens already issued stay valid until they expire."""
        grant = self._refresh.get(refresh_token)
        if grant is None or grant.used or now >= grant.expires_at:
            return None
        grant.used = True
        return self._issue(grant.account, now, grant.expires_at)

    def account_of(self, access_token: str, now: datetime) -> Account | None:
        grant = self._access.get(access_token)
        if grant is None or now >= grant.expires_at:
            return None
        return self.accounts.get(grant.account)

    def expire_access_tokens(self, account: str, now: datetime) -> None:
        for grant in self._access.values():
            if grant.account == account:
                grant.expires_at = min(grant.expires_at, now)

    def _issue(self, account: str, now: datetime, refresh_ends: datetime) -> TokenPair:
        # Shaped like the guide's sample tokens: 60 characters starting "5000".
        access, refresh = _random("50000", 55), _random("50001", 55)
        self._access[access] = _Grant(account, now + self.access_token_ttl)
        self._refresh[refresh] = _Grant(account, refresh_ends)
        return TokenPair(access, refresh, int(self.access_token_ttl.total_seconds()),
                         max(0, int((refresh_ends - now).total_seconds())), self.accounts[account])
