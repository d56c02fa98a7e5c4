"""One harness per carrier: its emulator on a manual clock, the adapter found through the registry and wired to
the emulator's transport, sample requests, and the moves the carrier contract tests need.

A new carrier joins tests/contract/test_carriers.py by adding its harness to CARRIER_HARNESSES.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import httpx

from crossdock.carriers._registry import CarrierContext, CarrierRegistry, CarrierSpec
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.emulators.dhl import DhlEmulator
from crossdock.emulators.yunexpress import YunExpressEmulator
from crossdock.ports.carrier import Carrier, CustomsLine, Parcel, ShipmentRequest
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats

# A Monday morning: DHL closes the day at 18:00 German time, so a parcel made now is picked up this evening.
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class CarrierEmulator(Protocol):
    """The test levers both carrier emulators' handles offer."""

    @property
    def calls(self) -> Sequence[Any]: ...

    def shipment(self, number: str, /) -> dict[str, Any]: ...

    def shipments(self) -> dict[str, dict[str, Any]]: ...

    def pickup_time(self, number: str, /) -> datetime: ...

    def fail_delivery(self, number: str, /) -> None: ...

    def return_to_sender(self, number: str, /) -> None: ...

    def stall(self, number: str, /) -> None: ...

    def fail_next(self, n: int, status: int = 500, /) -> None: ...


class CarrierHarness(ABC):
    emu: CarrierEmulator             # set by make_transport
    states: dict[str, str]           # the emulator's shipment states -> "created", "picked_up" or "cancelled"
    code: str
    dedupes_reference: bool          # a second create with the same reference returns the first shipment
    delivered_within: timedelta      # from creation, on the normal schedule
    refusal_words: tuple[str, ...]   # what the carrier writes when refusing `invalid_request`
    cancel_refusal_words: tuple[str, ...]

    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.stats = CallStats()
        self.transport = self.make_transport()

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)

    @property
    def spec(self) -> CarrierSpec:
        return CarrierRegistry.discover().get(self.code)

    def carrier(self, **overrides: Any) -> Carrier:
        """The adapter as the app builds it: registry spec, validated settings, a context on our clock."""
        settings = self.spec.settings.model_validate({**self.settings(), **overrides})
        return self.spec.factory(settings, CarrierContext(clock=self.clock, sleep=self.sleep,
                                                          transport=self.transport, stats=self.stats))

    def close(self) -> None:
        self.transport.close()

    @abstractmethod
    def make_transport(self) -> httpx.BaseTransport: ...
    @abstractmethod
    def settings(self) -> dict[str, Any]: ...
    @abstractmethod
    def request(self, reference: str) -> ShipmentRequest: ...
    @abstractmethod
    def invalid_request(self, reference: str) -> ShipmentRequest: ...
    @abstractmethod
    def wrong_credentials(self) -> dict[str, Any]: ...
    @abstractmethod
    def throttle_tracking(self) -> None:
        """Make the carrier's tracking quota tighter than the adapter's own pace, so it must answer 429."""
    @abstractmethod
    def tracking_calls(self) -> int: ...

    # ---- what every carrier emulator answers alike ----

    def state(self, carrier_shipment_id: str) -> str:
        """"created", "picked_up" or "cancelled", as the carrier holds it."""
        return self.states[self.emu.shipment(carrier_shipment_id)["state"]]

    def live_shipments(self) -> int:
        return sum(1 for s in self.emu.shipments().values() if self.states.get(s["state"]) != "cancelled")

    def pickup_time(self, carrier_shipment_id: str) -> datetime:
        return self.emu.pickup_time(carrier_shipment_id)

    def fail_delivery(self, tracking_number: str) -> None:
        self.emu.fail_delivery(tracking_number)

    def return_to_sender(self, tracking_number: str) -> None:
        self.emu.return_to_sender(tracking_number)

    def stall(self, tracking_number: str) -> None:
        self.emu.stall(tracking_number)

    def fail_next(self, n: int, status: int) -> None:
        self.emu.fail_next(n, status)

    def throttled_answers(self) -> int:
        return sum(1 for c in self.emu.calls if c.status_code == 429)


def _money(amount: str, currency: str = "EUR") -> Money:
    return Money(Decimal(amount), currency)


BERLIN_BUYER = Address(name="Maria Musterfrau", phone="+49 170 1234567", country="DE", city="Berlin",
                       postcode="10115", line1="Invalidenstr. 116")


class DhlHarness(CarrierHarness):
    emu: DhlEmulator
    states = {"created": "created", "manifested": "picked_up", "deleted": "cancelled"}
    code = "dhl"
    dedupes_reference = False        # Parcel DE Shipping has no lookup by refNo: a second create is a second parcel
    delivered_within = timedelta(days=2)
    refusal_words = ("consignee.postalCode", "A German postcode has 5 digits")
    cancel_refusal_words = ("closed out",)
    API_KEY, USER, PASSWORD, EKP = "dhl-test-api-key-0123456789", "crossdock-gkp-user", "gkp-password-42", "3333333333"

    def make_transport(self) -> httpx.BaseTransport:
        self.emu = DhlEmulator(self.API_KEY, self.USER, self.PASSWORD, self.EKP, clock=self.clock, seed=3)
        return self.emu.transport()

    def settings(self) -> dict[str, Any]:
        return {"base_url": "https://api-eu.dhl.test/parcel/de/shipping/v2",
                "tracking_base_url": "https://api-eu.dhl.test/track",
                "api_key": self.API_KEY, "username": self.USER, "password": self.PASSWORD, "ekp": self.EKP}

    def request(self, reference: str) -> ShipmentRequest:
        shop = Address(name="Crossdock Demo Shop GmbH", phone="", country="DE", city="Bonn", postcode="53113",
                       line1="Charles-de-Gaulle-Str. 20")
        return ShipmentRequest(reference=reference, service="V01PAK", shipper=shop, recipient=BERLIN_BUYER,
                               parcel=Parcel(1200, 300, 200, 100), value=_money("39.90"), contents=())

    def invalid_request(self, reference: str) -> ShipmentRequest:
        good = self.request(reference)
        buyer = Address(name=BERLIN_BUYER.name, phone="", country="DE", city="Berlin", postcode="1011",
                        line1=BERLIN_BUYER.line1)
        return ShipmentRequest(reference=reference, service=good.service, shipper=good.shipper, recipient=buyer,
                               parcel=good.parcel, value=good.value, contents=())

    def wrong_credentials(self) -> dict[str, Any]:
        return {"password": "not-the-password"}

    def throttle_tracking(self) -> None:
        self.emu.rate_limit("tracking", 0.5, 1, per_day=250)

    def tracking_calls(self) -> int:
        return self.emu.api_calls("tracking")


class YunExpressHarness(CarrierHarness):
    emu: YunExpressEmulator
    states = {"submitted": "created", "received": "picked_up", "deleted": "cancelled"}
    code = "yunexpress"
    dedupes_reference = True         # CustomerOrderNumber is unique: a retried create is told 2004 and looks it up
    delivered_within = timedelta(days=9)
    refusal_words = ("申报信息不能为空", "Parcels")
    cancel_refusal_words = ("订单已收货", "received")
    CUSTOMER_CODE, API_SECRET = "CN0098765", "axzc2utvPbfc9UbJDOh+7w=="

    def make_transport(self) -> httpx.BaseTransport:
        self.emu = YunExpressEmulator(self.CUSTOMER_CODE, self.API_SECRET, clock=self.clock, seed=3)
        return self.emu.transport()

    def settings(self) -> dict[str, Any]:
        return {"base_url": "http://oms.api.yunexpress.test", "customer_code": self.CUSTOMER_CODE,
                "api_secret": self.API_SECRET}

    def request(self, reference: str) -> ShipmentRequest:
        factory = Address(name="Shenzhen Bright Trading Co", phone="+86 755 8888 6666", country="CN",
                          city="Shenzhen", postcode="518109", line1="88 Minzhi Avenue, Longhua District")
        lines = (CustomsLine("Cotton T-shirt", 2, _money("9.95"), 180, hs_code="610910", sku="TS-BLK-M"),
                 CustomsLine("Phone case", 1, _money("4.50"), 60, hs_code="392690", sku="PC-12"))
        return ShipmentRequest(reference=reference, service="EUDDP", shipper=factory, recipient=BERLIN_BUYER,
                               parcel=Parcel(480, 250, 180, 40), value=_money("24.40"), contents=lines)

    def invalid_request(self, reference: str) -> ShipmentRequest:
        good = self.request(reference)
        return ShipmentRequest(reference=reference, service=good.service, shipper=good.shipper,
                               recipient=good.recipient, parcel=good.parcel, value=good.value, contents=())

    def wrong_credentials(self) -> dict[str, Any]:
        return {"api_secret": "not-the-secret"}

    def throttle_tracking(self) -> None:
        self.emu.rate_limit(0.5, 1)

    def tracking_calls(self) -> int:
        return self.emu.api_calls("/api/Tracking/GetTrackAllInfo")


CARRIER_HARNESSES: list[type[CarrierHarness]] = [DhlHarness, YunExpressHarness]
