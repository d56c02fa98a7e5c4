"""The seller's carrier accounts: kept encrypted, validated against each adapter's settings, built on demand."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr, ValidationError

from crossdock.carriers._registry import CarrierContext, CarrierRegistry, CarrierSpec, UnknownCarrier
from crossdock.ports.carrier import Carrier
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import CallStats
from crossdock.services.errors import InvalidInput, NotFound
from crossdock.services.secrets import Cipher
from crossdock.services.unit_of_work import UowFactory

PLATFORM = "platform"     # the marketplace's own logistics, reached through the store's connector


def _plain(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Carriers:
    def __init__(self, uow: UowFactory, registry: CarrierRegistry, cipher: Cipher, clock: Clock,
                 sleep: Callable[[float], None], transports: Mapping[str, httpx.BaseTransport] | None = None) -> None:
        self._uow, self.registry, self._cipher, self._clock, self._sleep = uow, registry, cipher, clock, sleep
        self._transports = dict(transports or {})
        self._lock = threading.Lock()
        self._built: dict[int, tuple[bytes, Carrier]] = {}

    def spec(self, carrier: str) -> CarrierSpec:
        try:
            return self.registry.get(carrier)
        except UnknownCarrier as exc:
            raise InvalidInput(str(exc)) from None

    def add_account(self, carrier: str, name: str, settings: Mapping[str, Any]) -> int:
        """A carrier account; `carrier` "platform" is the marketplace's own logistics (no settings)."""
        if not name.strip():
            raise InvalidInput("a carrier account needs a name")
        if carrier != PLATFORM:
            try:
                parsed = self.spec(carrier).settings.model_validate(dict(settings))
            except ValidationError as exc:
                # Field and problem only: the values sent may be secrets.
                problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                     for e in exc.errors(include_input=False, include_url=False))
                raise InvalidInput(f"{carrier} settings are invalid: {problems}") from None
            stored = _plain(parsed.model_dump())
        else:
            stored = {}
        blob = self._cipher.encrypt(SecretStr(json.dumps(stored)))
        with self._uow() as uow:
            if uow.shipments.carrier_account(name=name.strip()):
                raise InvalidInput(f"there is already a carrier account named {name.strip()!r}")
            account_id = uow.shipments.add_carrier_account(carrier, name.strip(), blob, self._clock.now())
            uow.commit()
        return account_id

    def accounts(self) -> list[dict[str, Any]]:
        """Every account, without its settings."""
        with self._uow(readonly=True) as uow:
            rows = uow.shipments.carrier_accounts()
        return [{k: v for k, v in r.items() if k != "settings"} for r in rows]

    def account(self, name: str) -> dict[str, Any]:
        with self._uow(readonly=True) as uow:
            row = uow.shipments.carrier_account(name=name)
        if row is None:
            raise NotFound(f"no carrier account named {name!r}")
        return row

    def build(self, account: Mapping[str, Any]) -> Carrier:
        """The account's carrier, made once and shared (by threads too): its rate limiter must see every call
        made with the account, not only those of one caller."""
        blob = bytes(account["settings"])
        with self._lock:
            cached = self._built.get(account["id"])
            if cached is not None and cached[0] == blob:
                return cached[1]
            spec = self.spec(account["carrier"])
            raw = json.loads(self._cipher.decrypt(blob).get_secret_value())
            settings = spec.settings.model_validate(raw)
            ctx = CarrierContext(clock=self._clock, sleep=self._sleep, transport=self._transports.get(spec.code),
                                 stats=CallStats())
            carrier = spec.factory(settings, ctx)
            self._built[account["id"]] = (blob, carrier)
            return carrier
