from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from crossdock.domain.money import Money
from crossdock.domain.orders.events import OrderImported, OrderStatusChanged, OrderStatusRefused
from crossdock.domain.orders.model import Buyer, OrderLine, OrderSnapshot, OrderState
from crossdock.domain.orders.rules import Outcome, reconcile
from crossdock.domain.orders.status import OrderStatus

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def snap(status: OrderStatus = OrderStatus.PENDING_REVIEW, at: datetime = T0, h: str = "h1") -> OrderSnapshot:
    price = Money(Decimal("10.00"), "SGD")
    line = OrderLine("1-0-0", "SKU", "1", "", "Mug", "", 1, price, price)
    return OrderSnapshot("O1", status.name, status, T0, at, price, Buyer("b", "buyer"), None, (line,), {}, h)


def held(status: OrderStatus = OrderStatus.PENDING_REVIEW, at: datetime = T0, h: str = "h1") -> OrderState:
    return OrderState(7, status, status.name, at, h)


def test_new_order_is_imported() -> None:
    r = reconcile(1, None, snap())
    assert r.outcome is Outcome.NEW and isinstance(r.events[0], OrderImported)


def test_same_snapshot_again_changes_nothing() -> None:
    r = reconcile(1, held(), snap())
    assert r.outcome is Outcome.UNCHANGED and not r.events and not r.writes


def test_older_snapshot_is_stale() -> None:
    r = reconcile(1, held(at=T0 + timedelta(hours=1)), snap(OrderStatus.CANCELLED))
    assert r.outcome is Outcome.STALE and r.status is OrderStatus.PENDING_REVIEW and not r.events


def test_newer_snapshot_moves_status_and_says_so() -> None:
    r = reconcile(1, held(), snap(OrderStatus.SHIPPED, T0 + timedelta(minutes=5), "h2"))
    assert r.outcome is Outcome.UPDATED and r.status is OrderStatus.SHIPPED
    assert any(isinstance(e, OrderStatusChanged) and e.new is OrderStatus.SHIPPED for e in r.events)


def test_same_second_different_content_is_an_update() -> None:
    r = reconcile(1, held(), replace(snap(), payload_hash="h2"))
    assert r.outcome is Outcome.UPDATED


def test_forbidden_move_keeps_our_status_and_records_refusal() -> None:
    r = reconcile(1, held(OrderStatus.CANCELLED), snap(OrderStatus.PENDING_REVIEW, T0 + timedelta(1), "h2"))
    assert r.outcome is Outcome.UPDATED and r.status is OrderStatus.CANCELLED and not r.accepted
    assert any(isinstance(e, OrderStatusRefused) for e in r.events)
