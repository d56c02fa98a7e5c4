import itertools

from hypothesis import given
from hypothesis import strategies as st

from crossdock.domain.orders.status import RANK, TERMINAL, OrderStatus, advance

S = OrderStatus


def run(start: OrderStatus, reports: list[OrderStatus]) -> list[OrderStatus]:
    seen = [start]
    for r in reports:
        seen.append(advance(seen[-1], r).status)
    return seen


def test_happy_path_follows_the_platform() -> None:
    path = [S.PENDING_REVIEW, S.LABEL_CREATED, S.SHIPPED, S.DELIVERED, S.COMPLETED]
    assert run(S.AWAITING_PAYMENT, path)[-1] is S.COMPLETED


def test_platform_lagging_behind_our_review_keeps_ours() -> None:
    d = advance(S.REVIEWED, S.PENDING_REVIEW)
    assert d.status is S.REVIEWED and d.accepted


def test_regression_on_main_road_is_ignored() -> None:
    assert advance(S.SHIPPED, S.PENDING_REVIEW).status is S.SHIPPED


def test_cancel_request_can_be_turned_down() -> None:
    assert run(S.PENDING_REVIEW, [S.CANCEL_REQUESTED, S.PENDING_REVIEW]) == [
        S.PENDING_REVIEW, S.CANCEL_REQUESTED, S.PENDING_REVIEW]


def test_cancelled_is_final() -> None:
    d = advance(S.CANCELLED, S.PENDING_REVIEW)
    assert d.status is S.CANCELLED and not d.accepted


def test_return_only_after_shipping() -> None:
    assert not advance(S.PENDING_REVIEW, S.RETURN_REQUESTED).accepted
    assert advance(S.DELIVERED, S.RETURN_REQUESTED).status is S.RETURN_REQUESTED
    assert advance(S.RETURN_REQUESTED, S.COMPLETED).status is S.COMPLETED   # request turned down
    assert advance(S.RETURN_REQUESTED, S.RETURNED).status is S.RETURNED


def test_cancel_request_after_shipping_is_refused() -> None:
    d = advance(S.SHIPPED, S.CANCEL_REQUESTED)
    assert d.status is S.SHIPPED and not d.accepted


@given(st.sampled_from(list(S)), st.lists(st.sampled_from(list(S)), max_size=30))
def test_terminal_states_are_never_left(start: OrderStatus, reports: list[OrderStatus]) -> None:
    seen = run(start, reports)
    for a, b in itertools.pairwise(seen):
        if a in TERMINAL:
            assert b == a


@given(st.lists(st.sampled_from([s for s in S if s in RANK]), max_size=30))
def test_main_road_never_goes_backwards(reports: list[OrderStatus]) -> None:
    seen = run(S.AWAITING_PAYMENT, reports)
    ranks = [RANK[s] for s in seen]
    assert ranks == sorted(ranks)
