"""Login with Amazon and Restricted Data Tokens for one SP-API application: codes, refresh, access and RDTs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# "An LWA access token expires one hour after it is issued." (Connect to the SP-API)
ACCESS_TOKEN_TTL = timedelta(hours=1)
# CreateRestrictedDataTokenResponse.expiresIn in every documented example.
RDT_TTL = timedelta(hours=1)
# "The selling partner must re-authorize your public application every 365 days" (Renew Authorizations):
# the refresh token of an authorization stops working after that.
AUTHORIZATION_TTL = timedelta(days=365)
# Assumption: the docs say the spapi_oauth_code must be exchanged quickly; five minutes is the usual figure.
CODE_TTL = timedelta(minutes=5)


def _token(prefix: str) -> str:
    # LWA tokens look like "Atza|IwEB..." (access), "Atzr|IwEB..." (refresh); RDTs "Atz.sprdt|...".
    return prefix + "|" + secrets.token_urlsafe(48)


@dataclass
class _Grant:
    seller_id: str
    expires_at: datetime
    used: bool = False


@dataclass(frozen=True)
class Resource:
    method: str
    path: str                         # a specific path or one with {orderId}-style placeholders
    data_elements: frozenset[str] = frozenset()


@dataclass
class _Rdt:
    seller_id: str
    expires_at: datetime
    resources: tuple[Resource, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class LwaTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    seller_id: str


class AuthState:
    """Every code and token the emulated LWA server issued for the app; callers serialise access."""

    def __init__(self) -> None:
        self.authorization_ttl = AUTHORIZATION_TTL
        self._codes: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._rdts: dict[str, _Rdt] = {}

    # ---- LWA ------------------------------------------------------------------------------------

    def issue_code(self, seller_id: str, now: datetime) -> str:
        code = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") for _ in range(20))
        self._codes[code] = _Grant(seller_id, now + CODE_TTL)
        return code

    def redeem_code(self, code: str, now: datetime) -> LwaTokens | None:
        """A code (single use, short-lived) -> a new authorization's refresh token and a first access token."""
        grant = self._codes.get(code)
        if grant is None or grant.used or now >= grant.expires_at:
            return None
        grant.used = True
        refresh = _token("Atzr")
        self._refresh[refresh] = _Grant(grant.seller_id, now + self.authorization_ttl)
        return LwaTokens(self._issue_access(grant.seller_id, now), refresh, int(ACCESS_TOKEN_TTL.total_seconds()),
                         grant.seller_id)

    def refresh(self, refresh_token: str, now: datetime) -> LwaTokens | None:
        """LWA refresh tokens are reusable until the authorization ends; each call mints an access token."""
        grant = self._refresh.get(refresh_token)
        if grant is None or now >= grant.expires_at:
            return None
        return LwaTokens(self._issue_access(grant.seller_id, now), refresh_token,
                         int(ACCESS_TOKEN_TTL.total_seconds()), grant.seller_id)

    def issue_grantless(self, now: datetime) -> str:
        """A client_credentials access token: the app's own, for grantless operations; no seller behind it."""
        return self._issue_access("", now)

    def _issue_access(self, seller_id: str, now: datetime) -> str:
        token = _token("Atza")
        self._access[token] = _Grant(seller_id, now + ACCESS_TOKEN_TTL)
        return token

    # ---- tokens presented to the SP-API ---------------------------------------------------------

    def access(self, token: str) -> _Grant | None:
        return self._access.get(token)

    def rdt(self, token: str) -> _Rdt | None:
        return self._rdts.get(token)

    def issue_rdt(self, seller_id: str, resources: tuple[Resource, ...], now: datetime) -> str:
        token = _token("Atz.sprdt")
        self._rdts[token] = _Rdt(seller_id, now + RDT_TTL, resources)
        return token

    def expire_access_tokens(self, seller_id: str, now: datetime) -> None:
        for grant in self._access.values():
            if grant.seller_id == seller_id:
                grant.expires_at = min(grant.expires_at, now)
        for rdt in self._rdts.values():
            if rdt.seller_id == seller_id:
                rdt.expires_at = min(rdt.expires_at, now)

    def revoke(self, seller_id: str) -> None:
        """The seller removed the app in Seller Central: every refresh token of the seller dies."""
        for token in [t for t, g in self._refresh.items() if g.seller_id == seller_id]:
            del self._refresh[token]
