"""Split an order into parcels by warehouse and temperature class, and find orders that can ship together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crossdock.domain.errors import DomainError

# Listed in the order parts come out. Cold chain: chilled or frozen goods never share a box with ambient ones,
# nor chilled with frozen (each needs its own coolant and its own carrier service).
TEMPERATURES = ("ambient", "chilled", "frozen")


@dataclass(frozen=True, slots=True)
class PickLine:
    order_id: int
    order_line_id: int
    sku_id: int
    quantity: int
    warehouse_id: int
    temperature: str        # "ambient" | "chilled" | "frozen"
    weight_grams: int       # of one unit

    def __post_init__(self) -> None:
        if self.temperature not in TEMPERATURES:
            raise DomainError(
                f"order line {self.order_line_id}: unknown temperature {self.temperature!r} "
                f"(one of {', '.join(TEMPERATURES)})"
            )
        if self.quantity <= 0:
            raise DomainError(f"order line {self.order_line_id}: quantity must be positive, got {self.quantity}")
        if self.weight_grams < 0:
            raise DomainError(f"order line {self.order_line_id}: negative unit weight {self.weight_grams} g")


@dataclass(frozen=True, slots=True)
class Part:
    warehouse_id: int
    temperature: str
    lines: tuple[PickLine, ...]

    @property
    def weight_grams(self) -> int:
        return sum(line.quantity * line.weight_grams for line in self.lines)


def split(lines: Sequence[PickLine]) -> list[Part]:
    """One part per (warehouse, temperature), ordered by warehouse id then ambient, chilled, frozen.

    Units of one order line held in two warehouses arrive as two PickLines and land in two parts; within a part
    lines keep the order they came in.
    """
    groups: dict[tuple[int, str], list[PickLine]] = {}
    for line in lines:
        groups.setdefault((line.warehouse_id, line.temperature), []).append(line)
    keys = sorted(groups, key=lambda k: (k[0], TEMPERATURES.index(k[1])))
    return [Part(warehouse, temperature, tuple(groups[(warehouse, temperature)])) for warehouse, temperature in keys]


@dataclass(frozen=True, slots=True)
class MergeCandidate:
    order_id: int
    store_id: int
    buyer_id: str
    address_key: str


def merge_groups(candidates: Sequence[MergeCandidate]) -> list[list[int]]:
    """Orders of one store, one buyer and one address that can go in one parcel: groups of 2+ ids, sorted.

    A candidate without buyer id or address key never merges: "" would match every other blank one.
    """
    groups: dict[tuple[int, str, str], set[int]] = {}
    for candidate in candidates:
        if not candidate.buyer_id.strip() or not candidate.address_key.strip():
            continue
        groups.setdefault((candidate.store_id, candidate.buyer_id, candidate.address_key), set()).add(
            candidate.order_id
        )
    return sorted(sorted(ids) for ids in groups.values() if len(ids) >= 2)
