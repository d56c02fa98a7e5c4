"""Which carriers exist: found in crossdock.carriers.* (subpackages exporting CARRIER)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel

from crossdock.ports.carrier import Carrier, CarrierProduct
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import CallStats


class UnknownCarrier(LookupError):
    """No adapter is installed for this carrier code."""


@dataclass(frozen=True, slots=True)
class CarrierContext:
    clock: Clock
    sleep: Callable[[float], None]
    transport: httpx.BaseTransport | None = None     # the emulator's, in tests and the demo
    stats: CallStats = field(default_factory=CallStats)


@dataclass(frozen=True)
class CarrierSpec:
    """What a carrier adapter declares. `settings` is the seller's account with the carrier (API key, customer
    number, …): kept encrypted in carrier_accounts, validated by this model before every use."""

    code: str
    name: str
    settings: type[BaseModel]
    factory: Callable[[Any, CarrierContext], Carrier]
    products: tuple[CarrierProduct, ...]
    tracking_url: str = ""       # with {tracking_number}: the buyer-facing page, for platforms that ask for one


class CarrierRegistry:
    def __init__(self, specs: dict[str, CarrierSpec]) -> None:
        self._specs = specs

    @classmethod
    def discover(cls) -> CarrierRegistry:
        import crossdock.carriers as root

        specs: dict[str, CarrierSpec] = {}
        for info in pkgutil.iter_modules(root.__path__):
            if info.name.startswith("_"):
                continue
            spec = getattr(importlib.import_module(f"{root.__name__}.{info.name}"), "CARRIER", None)
            if isinstance(spec, CarrierSpec):
                specs[spec.code] = spec
        return cls(specs)

    def get(self, code: str) -> CarrierSpec:
        try:
            return self._specs[code]
        except KeyError:
            raise UnknownCarrier(f"no carrier adapter {code!r}; known: {sorted(self._specs)}") from None

    def codes(self) -> list[str]:
        return sorted(self._specs)
