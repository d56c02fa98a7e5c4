"""How much of the shared stock each store shows: a ratio or a fixed quota of each warehouse's available
units, and a safety threshold under which the listing shows zero everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from crossdock.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class Share:
    """A store's share of one warehouse: a ratio (0..1) of what is available, or a fixed quota of units."""

    ratio: Decimal | None = None
    quota: int | None = None

    def __post_init__(self) -> None:
        if (self.ratio is None) == (self.quota is None):
            raise DomainError("a share is either a ratio or a quota")
        if self.ratio is not None and not (Decimal(0) <= self.ratio <= Decimal(1)):
            raise DomainError(f"a ratio is between 0 and 1, got {self.ratio}")
        if self.quota is not None and self.quota < 0:
            raise DomainError(f"a quota is not negative, got {self.quota}")


def listed_quantity(available: Mapping[str, int], shares: Mapping[str, Share], safety_stock: int = 0) -> int:
    """The quantity a store lists for one SKU. Fractions round down (never promise a unit that is not there);
    at or under the safety threshold of total available stock the listing shows 0, to be relisted when the
    stock comes back above it."""
    total = sum(max(0, units) for units in available.values())
    if total <= safety_stock:
        return 0
    listed = 0
    for warehouse, share in shares.items():
        units = max(0, available.get(warehouse, 0))
        if share.ratio is not None:
            listed += int((share.ratio * units).to_integral_value(rounding=ROUND_FLOOR))
        else:
            assert share.quota is not None
            listed += min(share.quota, units)
    return listed
