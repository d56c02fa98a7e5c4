"""The seller cancels seller-fulfilled orders on Amazon: one order acknowledgement feed per batch, since createFeed
allows one feed every two minutes (0.0083/s, burst 15), then each order's fate read from the processing report."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, BadPayload, Fatal, Retryable
from crossdock.connectors.amazon.cancel_mapping import (
    ORDER_ACKNOWLEDGEMENT_FEED,
    XML_CONTENT_TYPE,
    acknowledgement_feed,
    acknowledgement_report_errors,
)
from crossdock.connectors.amazon.client import AmazonClient
from crossdock.connectors.amazon.feeds import FEED_TIMEOUT, run_feed
from crossdock.ports.marketplace import CancelOutcome, CancelRequest

# Assumption: Amazon documents no message limit for order feeds; the listings feed's 10,000 keeps a document small.
MAX_MESSAGES = 10000
CANCELED = "Canceled"


class AmazonCanceller:
    # createFeed allows one feed every two minutes after a burst of 15: a whole batch goes in one feed.
    cancel_batch = MAX_MESSAGES

    def __init__(self, client: AmazonClient, seller_id: str, marketplace_id: str,
                 sleep: Callable[[float], None]) -> None:
        self._client = client
        self._seller_id = seller_id
        self._marketplace_id = marketplace_id
        self._sleep = sleep

    def cancel_orders(self, requests: Sequence[CancelRequest]) -> list[CancelOutcome]:
        # One message per order: the same order twice would be refused the second time as already cancelled.
        distinct: dict[str, CancelRequest] = {}
        for request in requests:
            distinct.setdefault(request.platform_order_id, request)
        first = list(distinct.values())
        fates: dict[str, CancelOutcome] = {}
        for start in range(0, len(first), MAX_MESSAGES):
            fates.update(self._feed(first[start:start + MAX_MESSAGES]))
        return [fates[r.platform_order_id] for r in requests]

    def _feed(self, requests: Sequence[CancelRequest]) -> dict[str, CancelOutcome]:
        try:
            # Order feeds are not marketplace-specific; createFeed still names one, the store's.
            run = run_feed(self._client, self._sleep, ORDER_ACKNOWLEDGEMENT_FEED, [self._marketplace_id],
                           acknowledgement_feed(self._seller_id, requests), XML_CONTENT_TYPE)
        except (AuthExpired, AuthFailed):
            raise
        except Retryable as exc:
            return _every(requests, str(exc) or "the feed could not be sent", retry=True)
        except (Fatal, BadPayload) as exc:
            return _every(requests, str(exc) or type(exc).__name__, retry=False)
        if not run.over:
            return _every(requests, f"feed {run.feed_id} still {run.status} after {FEED_TIMEOUT}", retry=True)
        try:
            errors, document_errors = acknowledgement_report_errors(run.report) if run.report is not None else ({}, [])
        except BadPayload as exc:
            # Whether Amazon cancelled the orders is unknown; sending the cancellation again is harmless.
            return _every(requests, f"feed {run.feed_id}: {exc.reason}", retry=True)
        if run.status != "DONE" or run.report is None:
            return _every(requests, f"feed {run.feed_id} ended {run.status}: "
                                    f"{'; '.join(document_errors) or 'no report'}", retry=True)
        fates: dict[str, CancelOutcome] = {}
        for number, request in enumerate(requests, 1):
            refusal = errors.get(number) or "; ".join(document_errors)
            order_id = request.platform_order_id
            fates[order_id] = self._refused(order_id, refusal) if refusal else CancelOutcome(order_id)
        return fates

    def _refused(self, order_id: str, refusal: str) -> CancelOutcome:
        """Amazon's refusal, unless the order already shows Canceled (a retry after a lost answer, or the buyer's
        cancellation first): then the seller has what it asked for."""
        try:
            # No RDT: the status is all this needs, and the order's PII stays where it is.
            status = self._client.get_order(order_id, restricted=False).get("OrderStatus")
        except (AuthExpired, AuthFailed):
            raise
        except Fatal:
            return CancelOutcome(order_id, error=refusal)      # Amazon serves no such order: its refusal stands
        except (Retryable, BadPayload):
            # The refusal may be one a later look would show cancelled: worth another attempt.
            return CancelOutcome(order_id, error=refusal, retry=True)
        return CancelOutcome(order_id) if status == CANCELED else CancelOutcome(order_id, error=refusal)


def _every(requests: Sequence[CancelRequest], error: str, *, retry: bool) -> dict[str, CancelOutcome]:
    return {r.platform_order_id: CancelOutcome(r.platform_order_id, error=error, retry=retry) for r in requests}
