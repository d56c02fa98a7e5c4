"""Shipping back to the marketplace, its own logistics, and return requests, against every connector and its
emulator: what we confirm is what the platform then shows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crossdock.connectors._kit.errors import Fatal
from crossdock.domain.fulfilment.returns import ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.orders.model import OrderSnapshot
from crossdock.ports.carrier import Parcel
from crossdock.ports.marketplace import BadRecord, CallStats, LogisticsRequest, OrderRef, ShipmentNotice, ShippedLine
from tests.contract.harness import Harness


def snapshot(h: Harness, store_id: int, order_id: str) -> OrderSnapshot:
    source = h.app.connectors.order_source(h.app.stores.get(store_id), h.app.stores.tokens(store_id), CallStats())
    [order] = source.fetch_orders([OrderRef(order_id)])
    assert isinstance(order, OrderSnapshot), order
    return order


def notice(h: Harness, order: OrderSnapshot, tracking: str = "00340434161234567890") -> ShipmentNotice:
    return ShipmentNotice(
        platform_order_id=order.platform_order_id, carrier_code="dhl", carrier_name="DHL", tracking_number=tracking,
        shipped_at=h.clock.now(), service="V01PAK",
        lines=tuple(ShippedLine(line.platform_line_id, line.quantity) for line in order.lines))


def test_confirmed_shipment_is_what_the_platform_shows(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    order_id = harness.ready_order(ext)
    order = snapshot(harness, store_id, order_id)
    assert harness.shipment_truth(ext, order_id)["shipped"] is False
    harness.shipment_sink(store_id).confirm_shipment(notice(harness, order))
    truth = harness.shipment_truth(ext, order_id)
    assert truth["shipped"] is True
    assert truth["tracking_number"] == "00340434161234567890"
    assert truth["carrier"]
    # and our next pull sees the order shipped
    assert snapshot(harness, store_id, order_id).platform_status == truth["status"]


def test_confirming_again_succeeds(harness: Harness) -> None:
    """A retry after a lost answer must not turn into a failure."""
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    sink = harness.shipment_sink(store_id)
    sink.confirm_shipment(notice(harness, order))
    sink.confirm_shipment(notice(harness, order))
    assert harness.shipment_truth(ext, order.platform_order_id)["shipped"] is True


def test_unknown_order_is_refused_in_the_platforms_words(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    bogus = ShipmentNotice(platform_order_id=harness.unknown_order_id(), carrier_code="dhl", carrier_name="DHL",
                           tracking_number="00340434161234567890", shipped_at=harness.clock.now(),
                           lines=tuple(ShippedLine(line.platform_line_id, line.quantity) for line in order.lines))
    with pytest.raises(Fatal) as caught:
        harness.shipment_sink(store_id).confirm_shipment(bogus)
    assert str(caught.value)
    assert harness.shipment_truth(ext, order.platform_order_id)["shipped"] is False


def test_confirm_survives_an_expired_token_and_a_server_error(harness: Harness) -> None:
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    harness.expire_access(ext)
    harness.fail_next(1, 503)
    harness.shipment_sink(store_id).confirm_shipment(notice(harness, order))
    assert harness.shipment_truth(ext, order.platform_order_id)["shipped"] is True


def test_platform_logistics_gives_tracking_number_and_label(harness: Harness) -> None:
    if not harness.logistics:
        pytest.skip(f"{harness.platform} offers no logistics of its own through its API")
    store_id, ext = harness.connect_store(harness.region())
    # On Shopee and Lazada the buyer's channel decides who carries an order: one that ships with the seller's own
    # carrier cannot be handed to the platform's logistics. A harness for such a platform gives another order.
    logistics_order = getattr(harness, "logistics_order", harness.ready_order)
    order = snapshot(harness, store_id, logistics_order(ext))
    logistics = harness.platform_logistics(store_id)
    shipment = logistics.arrange(LogisticsRequest(order.platform_order_id, parcel=Parcel(850, 300, 200, 100)))
    assert shipment.tracking_number
    assert shipment.label.format == "PDF" and shipment.label.content.startswith(b"%PDF")
    truth = harness.shipment_truth(ext, order.platform_order_id)
    assert truth["tracking_number"] == shipment.tracking_number
    events = logistics.track([order.platform_order_id])
    assert events[order.platform_order_id], "a parcel the platform arranged has at least its first event"
    assert events[order.platform_order_id][0].status in set(TrackingStatus)


def test_return_requests_are_read_with_their_lines(harness: Harness) -> None:
    if not harness.returns:
        pytest.skip(f"{harness.platform} has no returns connector")
    store_id, ext = harness.connect_store(harness.region())
    order = snapshot(harness, store_id, harness.ready_order(ext))
    harness.shipment_sink(store_id).confirm_shipment(notice(harness, order))
    since = harness.clock.now() - timedelta(minutes=1)
    harness.clock.advance(hours=1)
    return_id = harness.open_return(ext, order.platform_order_id, quantity=1)
    harness.clock.advance(minutes=5)
    source = harness.return_source(store_id)
    found: list[ReturnRequest] = []
    for page in source.list_returns(since, harness.clock.now()):
        assert not [r for r in page if isinstance(r, BadRecord)]
        found += [r for r in page if isinstance(r, ReturnRequest)]
    [request] = [r for r in found if r.platform_return_id == return_id]
    assert request.platform_order_id == order.platform_order_id
    assert request.state in {ReturnState.REQUESTED, ReturnState.APPROVED}
    assert sum(line.quantity for line in request.lines) == 1
    first = order.lines[0]
    assert request.lines[0].platform_line_id in {first.platform_line_id, ""}
    assert request.lines[0].sku == first.sku
