"""What the connectors' unit tests against an emulator share: tokens kept in memory as a store's row would keep
them, a sleep that moves the manual clock on, and the small catalogues the orders are placed from."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import TokenSet

# A lamp and a black phone case: an order of both has two lines with their own prices.
LAMP_AND_CASE = (
    ProductSpec("Desk Lamp", (VariantSpec("LAMP", "", Decimal("24.90"), 500),)),
    ProductSpec("Phone Case", (VariantSpec("CASE", "Black", Decimal("9.90"), 500),)),
)
# Three mugs, MUG-0 to MUG-2, at 9.90 each.
MUGS = tuple(ProductSpec(f"Mug {n}", (VariantSpec(f"MUG-{n}", "", Decimal("9.90"), 500),)) for n in range(3))


class MemoryTokens:
    """A TokenStore in memory: what the client saves after a refresh is what it loads next."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self.current = tokens

    def load(self) -> TokenSet | None:
        return self.current

    def save(self, tokens: TokenSet) -> None:
        self.current = tokens


def clock_sleep(clock: ManualClock) -> Callable[[float], None]:
    """A sleep that moves the manual clock on instead of waiting: back-offs and rate limits take no real time."""
    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
    return sleep
