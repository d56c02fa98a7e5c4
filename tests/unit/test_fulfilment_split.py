from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.split import TEMPERATURES, MergeCandidate, Part, PickLine, merge_groups, split


def pick(line_id: int, warehouse: int, temperature: str = "ambient", quantity: int = 1, grams: int = 100,
         sku: int = 1) -> PickLine:
    return PickLine(order_id=7, order_line_id=line_id, sku_id=sku, quantity=quantity, warehouse_id=warehouse,
                    temperature=temperature, weight_grams=grams)


def test_one_warehouse_one_temperature_is_one_part() -> None:
    lines = [pick(1, 3), pick(2, 3, quantity=2)]
    assert split(lines) == [Part(3, "ambient", tuple(lines))]


def test_cold_goods_never_share_a_part_with_ambient_nor_with_each_other() -> None:
    ice, milk, book = pick(1, 1, "frozen"), pick(2, 1, "chilled"), pick(3, 1, "ambient")
    parts = split([ice, milk, book])
    assert [(p.warehouse_id, p.temperature, p.lines) for p in parts] == [
        (1, "ambient", (book,)), (1, "chilled", (milk,)), (1, "frozen", (ice,)),
    ]


def test_a_line_held_in_two_warehouses_ships_from_both_in_a_stable_order() -> None:
    from_berlin, from_poznan = pick(1, 20, quantity=2), pick(1, 5, quantity=1)
    frozen_in_berlin = pick(2, 20, "frozen")
    parts = split([frozen_in_berlin, from_berlin, from_poznan])
    assert [(p.warehouse_id, p.temperature) for p in parts] == [(5, "ambient"), (20, "ambient"), (20, "frozen")]
    assert parts[1].lines == (from_berlin,)


def test_part_weight_counts_every_unit() -> None:
    [part] = split([pick(1, 1, quantity=3, grams=250), pick(2, 1, quantity=1, grams=40)])
    assert part.weight_grams == 790


def test_no_lines_no_parts() -> None:
    assert split([]) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("temperature", "warm", "unknown temperature 'warm'"),
    ("quantity", 0, "quantity must be positive"),
    ("weight_grams", -1, "negative unit weight"),
])
def test_bad_pick_lines_are_refused(field: str, value: object, message: str) -> None:
    values: dict[str, object] = {"order_id": 1, "order_line_id": 9, "sku_id": 1, "quantity": 1, "warehouse_id": 1,
                                 "temperature": "ambient", "weight_grams": 1}
    values[field] = value
    with pytest.raises(DomainError, match=message):
        PickLine(**values)  # type: ignore[arg-type]


pick_lines = st.lists(
    st.builds(
        PickLine,
        order_id=st.integers(1, 3),
        order_line_id=st.integers(1, 10),
        sku_id=st.integers(1, 5),
        quantity=st.integers(1, 50),
        warehouse_id=st.integers(1, 4),
        temperature=st.sampled_from(TEMPERATURES),
        weight_grams=st.integers(0, 5000),
    ),
    max_size=30,
)


@given(pick_lines)
def test_every_unit_lands_in_exactly_one_part_and_no_part_mixes(lines: list[PickLine]) -> None:
    parts = split(lines)
    units_in = Counter[tuple[int, int, int, str]]()
    for line in lines:
        units_in[(line.order_line_id, line.sku_id, line.warehouse_id, line.temperature)] += line.quantity
    units_out = Counter[tuple[int, int, int, str]]()
    for part in parts:
        assert part.lines
        for line in part.lines:
            assert (line.warehouse_id, line.temperature) == (part.warehouse_id, part.temperature)
            units_out[(line.order_line_id, line.sku_id, line.warehouse_id, line.temperature)] += line.quantity
    assert units_out == units_in
    assert sum(len(p.lines) for p in parts) == len(lines)
    keys = [(p.warehouse_id, TEMPERATURES.index(p.temperature)) for p in parts]
    assert keys == sorted(set(keys))      # one part per (warehouse, temperature), in the promised order
    assert sum(p.weight_grams for p in parts) == sum(x.quantity * x.weight_grams for x in lines)


BERLIN_KEY = "DE|10117||unterdenlinden77"


def merge(order_id: int, store: int = 1, buyer: str = "jdoe", key: str = BERLIN_KEY) -> MergeCandidate:
    return MergeCandidate(order_id=order_id, store_id=store, buyer_id=buyer, address_key=key)


def test_same_store_buyer_and_address_merge() -> None:
    candidates = [merge(30), merge(12), merge(50, buyer="other"), merge(21), merge(40, store=2)]
    assert merge_groups(candidates) == [[12, 21, 30]]


def test_groups_are_sorted_and_singletons_left_out() -> None:
    candidates = [merge(9, buyer="b"), merge(3, buyer="a"), merge(8, buyer="b"), merge(5, buyer="a"),
                  merge(1, buyer="c"), merge(2, key="elsewhere")]
    assert merge_groups(candidates) == [[3, 5], [8, 9]]


def test_blank_buyer_or_address_never_merges() -> None:
    assert merge_groups([merge(1, buyer=""), merge(2, buyer="")]) == []
    assert merge_groups([merge(1, key=""), merge(2, key="")]) == []
    assert merge_groups([merge(1, buyer=" "), merge(2, buyer=" ")]) == []


def test_the_same_order_twice_is_not_a_group() -> None:
    assert merge_groups([merge(4), merge(4)]) == []
