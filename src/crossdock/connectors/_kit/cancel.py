"""Cancelling orders one request at a time, for platforms whose cancel call takes one order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, BadPayload, Fatal, Retryable
from crossdock.ports.marketplace import CancelOutcome, CancelRequest


def cancel_each(requests: Sequence[CancelRequest], cancel: Callable[[CancelRequest], None]) -> list[CancelOutcome]:
    """Call `cancel` for each request and turn what it raises into that order's outcome: the platform's refusal
    (`Fatal`, or an answer we cannot read) is final, a `Retryable` left after the client's own retries is worth
    another attempt. Authorization errors stop the whole batch: every later order would fail the same way."""
    outcomes = []
    for request in requests:
        try:
            cancel(request)
        except (AuthExpired, AuthFailed):
            raise
        except (Fatal, BadPayload) as exc:
            outcomes.append(CancelOutcome(request.platform_order_id, error=str(exc) or type(exc).__name__))
        except Retryable as exc:
            outcomes.append(CancelOutcome(request.platform_order_id, error=str(exc) or "try again", retry=True))
        else:
            outcomes.append(CancelOutcome(request.platform_order_id))
    return outcomes
