"""The DHL adapter's handling of what DHL answers: quotas, credentials, refusals; against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from crossdock.carriers._registry import CarrierContext
from crossdock.carriers.dhl import CARRIER, DhlSettings
from crossdock.carriers.dhl.adapter import DhlCarrier
from crossdock.connectors._kit.errors import AuthFailed, Fatal, Retryable
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.emulators.dhl import DhlEmulator
from crossdock.ports.carrier import CarrierShipment, LabelFile, Parcel, ShipmentRequest
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import CallStats

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _advance(clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds=seconds)
KEY, USER, PASSWORD, EKP = "key-123", "gkp-user", "gkp-pass", "3333333333"
SHOP = Address(name="Shop GmbH", phone="", country="DE", city="Bonn", postcode="53113", line1="Hauptstr. 1")
BUYER = Address(name="Maria Musterfrau", phone="", country="DE", city="Berlin", postcode="10115",
                line1="Invalidenstr. 116")


def carrier_for(emu: DhlEmulator, clock: ManualClock, stats: CallStats | None = None, **overrides: object
                ) -> DhlCarrier:
    settings = DhlSettings.model_validate({"api_key": KEY, "username": USER, "password": PASSWORD, "ekp": EKP,
                                           "base_url": "https://dhl.test/parcel/de/shipping/v2",
                                           "tracking_base_url": "https://dhl.test/track", **overrides})
    ctx = CarrierContext(clock=clock, sleep=lambda s: _advance(clock, s), transport=emu.transport(),
                         stats=stats or CallStats())
    return CARRIER.factory(settings, ctx)   # type: ignore[return-value]


@pytest.fixture
def world() -> tuple[DhlEmulator, ManualClock]:
    clock = ManualClock(T0)
    return DhlEmulator(KEY, USER, PASSWORD, EKP, clock=clock), clock


def request(reference: str = "SHP-2026-000001") -> ShipmentRequest:
    return ShipmentRequest(reference=reference, service="V01PAK", shipper=SHOP, recipient=BUYER,
                           parcel=Parcel(900), value=Money(Decimal("10.00"), "EUR"), contents=())


def test_the_days_tracking_quota_is_handed_back_not_slept_through(world: tuple[DhlEmulator, ManualClock]) -> None:
    emu, clock = world
    emu.rate_limit("tracking", 1, 1, per_day=2)
    carrier = carrier_for(emu, clock)
    before = clock.now()
    with pytest.raises(Retryable) as caught:
        carrier.track(["1", "2", "3"])
    assert caught.value.throttled and caught.value.retry_after is not None
    assert caught.value.retry_after > 3600
    assert clock.now() - before < timedelta(minutes=1)


def test_the_billing_number_uses_the_products_participation(world: tuple[DhlEmulator, ManualClock]) -> None:
    emu, clock = world
    carrier = carrier_for(emu, clock, participation={"V01PAK": "02"})
    assert carrier.billing_number("V01PAK") == "33333333330102"
    assert carrier.billing_number("V53WPAK") == "33333333335301"
    shipment = carrier.create_shipment(request())
    assert shipment.extra["billingNumber"] == "33333333330102"
    assert emu.shipment(shipment.carrier_shipment_id)["billingNumber"] == "33333333330102"


def test_a_wrong_tracking_key_fails_authentication(world: tuple[DhlEmulator, ManualClock]) -> None:
    emu, clock = world
    with pytest.raises(AuthFailed, match="Shipment Tracking"):
        carrier_for(emu, clock, tracking_api_key="other").track(["1"])


def test_cancelling_an_unknown_shipment_is_refused_in_dhls_words(world: tuple[DhlEmulator, ManualClock]) -> None:
    emu, clock = world
    ghost = CarrierShipment("00340434999999999999", "00340434999999999999", LabelFile(b""))
    with pytest.raises(Fatal, match="unknown or has already been deleted"):
        carrier_for(emu, clock).cancel_shipment(ghost)


def test_gateway_errors_are_retried_until_the_parcel_is_made(world: tuple[DhlEmulator, ManualClock]) -> None:
    emu, clock = world
    stats = CallStats()
    emu.fail_next(2, 502)
    shipment = carrier_for(emu, clock, stats).create_shipment(request())
    assert shipment.tracking_number and stats.retries == 2 and stats.api_calls == 3


def test_secrets_stay_out_of_the_settings_repr() -> None:
    settings = DhlSettings(api_key=KEY, username=USER, password=PASSWORD, ekp=EKP)   # type: ignore[arg-type]
    assert KEY not in repr(settings) and PASSWORD not in repr(settings)
    with pytest.raises(ValueError):
        DhlSettings(api_key=KEY, username=USER, password=PASSWORD, ekp="12345")        # type: ignore[arg-type]


def test_participation_must_be_two_characters() -> None:
    with pytest.raises(ValueError):
        DhlSettings(api_key=KEY, username=USER, password=PASSWORD, ekp=EKP,   # type: ignore[arg-type]
                    participation={"V01PAK": "1"})
