"""The seller cancels orders on the marketplace, against every connector and its emulator: what we cancel is
what the platform then shows, a refusal comes back in the platform's words, one order never sinks the batch."""

from __future__ import annotations

import pytest

from crossdock.domain.orders.model import OrderSnapshot
from crossdock.domain.orders.status import OrderStatus
from crossdock.ports.marketplace import CancelReason, CancelRequest, ShippedLine
from tests.contract.harness import Harness
from tests.contract.test_fulfilment import notice, snapshot


@pytest.fixture
def harness(harness: Harness) -> Harness:
    if not harness.cancels:
        pytest.skip(f"{harness.platform} takes no cancellations from sellers through its API")
    return harness


def request(order: OrderSnapshot, reason: CancelReason = CancelReason.OUT_OF_STOCK) -> CancelRequest:
    return CancelRequest(order.platform_order_id, reason,
                         tuple(ShippedLine(line.platform_line_id, line.quantity) for line in order.lines),
                         note="sold out in every warehouse")


def test_cancelled_order_is_what_the_platform_shows(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    assert harness.cancel_truth(ext, order.platform_order_id)["cancelled"] is False
    [outcome] = harness.canceller(store_id).cancel_orders([request(order)])
    assert outcome.ok, outcome
    assert outcome.platform_order_id == order.platform_order_id
    truth = harness.cancel_truth(ext, order.platform_order_id)
    assert truth["cancelled"] is True
    assert truth["by"] and truth["reason"]
    # and our next pull sees it cancelled
    again = snapshot(harness, store_id, order.platform_order_id)
    assert again.platform_status == truth["status"]
    assert again.status == OrderStatus.CANCELLED


def test_cancelling_again_succeeds(harness: Harness) -> None:
    """A retry after a lost answer must not turn into a failure."""
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    canceller = harness.canceller(store_id)
    assert canceller.cancel_orders([request(order)])[0].ok
    [outcome] = canceller.cancel_orders([request(order)])
    assert outcome.ok, outcome
    assert harness.cancel_truth(ext, order.platform_order_id)["cancelled"] is True


def test_shipped_order_is_refused_in_the_platforms_words(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    harness.shipment_sink(store_id).confirm_shipment(notice(harness, order))
    [outcome] = harness.canceller(store_id).cancel_orders([request(order)])
    assert not outcome.ok and not outcome.retry
    assert outcome.error
    assert harness.cancel_truth(ext, order.platform_order_id)["cancelled"] is False
    assert harness.shipment_truth(ext, order.platform_order_id)["shipped"] is True


def test_one_refusal_does_not_sink_the_batch(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    first = snapshot(harness, store_id, harness.ready_order(ext))
    second = snapshot(harness, store_id, harness.ready_order(ext))
    bogus = CancelRequest(harness.unknown_order_id(), CancelReason.OUT_OF_STOCK, request(first).lines)
    outcomes = harness.canceller(store_id).cancel_orders([request(first), bogus, request(second)])
    assert [o.platform_order_id for o in outcomes] == [first.platform_order_id, bogus.platform_order_id,
                                                       second.platform_order_id]
    assert outcomes[0].ok and outcomes[2].ok, outcomes
    assert not outcomes[1].ok and outcomes[1].error
    assert harness.cancel_truth(ext, first.platform_order_id)["cancelled"] is True
    assert harness.cancel_truth(ext, second.platform_order_id)["cancelled"] is True


def test_every_reason_is_taken_or_refused_in_the_platforms_words(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    canceller = harness.canceller(store_id)
    for reason in CancelReason:
        order = snapshot(harness, store_id, harness.ready_order(ext))
        [outcome] = canceller.cancel_orders([request(order, reason)])
        truth = harness.cancel_truth(ext, order.platform_order_id)
        assert truth["cancelled"] is outcome.ok, (reason, outcome, truth)
        if outcome.ok:
            assert truth["reason"], reason
        else:
            assert outcome.error and not outcome.retry, (reason, outcome)
    # a seller can always cancel for stock it does not have
    order = snapshot(harness, store_id, harness.ready_order(ext))
    assert canceller.cancel_orders([request(order, CancelReason.OUT_OF_STOCK)])[0].ok


def test_cancel_survives_an_expired_token_and_a_server_error(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    harness.expire_access(ext)
    harness.fail_next(1, 503)
    [outcome] = harness.canceller(store_id).cancel_orders([request(order)])
    assert outcome.ok, outcome
    assert harness.cancel_truth(ext, order.platform_order_id)["cancelled"] is True


def test_lasting_server_errors_come_back_as_worth_retrying(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    harness.fail_next(50, 503)
    [outcome] = harness.canceller(store_id).cancel_orders([request(order)])
    harness.fail_next(0, 503)
    assert not outcome.ok and outcome.retry, outcome
    assert harness.cancel_truth(ext, order.platform_order_id)["cancelled"] is False
