"""Connector errors, classified by what the caller should do next."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error a connector raises."""


class Retryable(ConnectorError):
    """Try again later: throttled, 5xx, timeout. `retry_after` seconds when the platform said."""

    def __init__(self, message: str, retry_after: float | None = None, throttled: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.throttled = throttled


class AuthExpired(ConnectorError):
    """The access token expired or was revoked; refresh it, then try again once."""


class AuthFailed(ConnectorError):
    """Refreshing did not help: the seller must authorize again. Pulls for this store stop."""


class BadPayload(ConnectorError):
    """A record that cannot be mapped; quarantine it with `reason` and go on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Fatal(ConnectorError):
    """A request the platform will never accept as sent (bad parameter, bad signature, no access)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code   # the platform's own error code, for callers that treat one specially
