"""Every carrier adapter against its carrier's emulator: labels that scan, refusals in the carrier's words,
retries and throttling, cancellation before and after pick-up, and tracking that follows the parcel."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta

import pypdfium2
import pytest
import zxingcpp

from crossdock.connectors._kit.errors import AuthFailed, Fatal
from crossdock.domain.fulfilment.tracking import TrackingEvent, TrackingStatus, current_status
from crossdock.ports.carrier import Carrier, CarrierShipment
from tests.contract.carrier_harnesses import CARRIER_HARNESSES, CarrierHarness

MM = 72 / 25.4   # PDF points per millimetre


@pytest.fixture(params=CARRIER_HARNESSES, ids=lambda h: h.code)
def h(request: pytest.FixtureRequest) -> Iterator[CarrierHarness]:
    harness: CarrierHarness = request.param()
    yield harness
    harness.close()


def _create(h: CarrierHarness, carrier: Carrier, reference: str = "SHP-2026-000001") -> CarrierShipment:
    return carrier.create_shipment(h.request(reference))


def _events(carrier: Carrier, number: str) -> list[TrackingEvent]:
    found = carrier.track([number])
    assert number in found, f"{number} unknown to the carrier"
    return found[number]


def test_registry_finds_the_carrier_and_its_products(h: CarrierHarness) -> None:
    spec = h.spec
    assert spec.code == h.code
    assert spec.products and all(p.code for p in spec.products)
    assert "{tracking_number}" in spec.tracking_url
    assert h.carrier().products() == list(spec.products)
    assert h.request("SHP-1").service in {p.code for p in spec.products}


def test_create_gives_a_tracking_number_and_a_label_whose_barcode_scans(h: CarrierHarness) -> None:
    shipment = _create(h, h.carrier())

    assert shipment.tracking_number
    assert h.state(shipment.carrier_shipment_id) == "created"
    assert shipment.label.format == "PDF"
    pdf = pypdfium2.PdfDocument(shipment.label.content)
    page = pdf[0]
    width, height = page.get_size()
    assert (round(width / MM), round(height / MM)) == (100, 150)
    image = page.render(scale=300 / 72).to_pil()
    codes = [(r.format, r.text) for r in zxingcpp.read_barcodes(image)]
    assert (zxingcpp.BarcodeFormat.Code128, shipment.tracking_number) in codes


def test_a_refusal_is_fatal_in_the_carriers_own_words(h: CarrierHarness) -> None:
    carrier = h.carrier()
    with pytest.raises(Fatal) as caught:
        carrier.create_shipment(h.invalid_request("SHP-2026-000002"))
    for words in h.refusal_words:
        assert words in str(caught.value)
    assert h.live_shipments() == 0


def test_wrong_credentials_fail_authentication(h: CarrierHarness) -> None:
    with pytest.raises(AuthFailed):
        _create(h, h.carrier(**h.wrong_credentials()))
    assert h.live_shipments() == 0


def test_a_server_error_is_retried_and_the_parcel_made_once(h: CarrierHarness) -> None:
    h.fail_next(1, 503)
    shipment = _create(h, h.carrier())
    assert shipment.tracking_number
    assert h.live_shipments() == 1
    assert h.stats.retries == 1


def test_an_injected_429_is_waited_out(h: CarrierHarness) -> None:
    h.fail_next(1, 429)
    before = h.clock.now()
    _create(h, h.carrier())
    assert h.stats.throttled == 1
    assert h.clock.now() - before >= timedelta(seconds=1)      # the carrier said Retry-After: 1
    assert h.live_shipments() == 1


def test_a_tight_tracking_quota_is_honoured_not_failed(h: CarrierHarness) -> None:
    carrier = h.carrier()
    numbers = [_create(h, carrier, f"SHP-2026-00001{i}").tracking_number for i in range(3)]
    h.clock.advance(hours=2)
    h.throttle_tracking()
    found = carrier.track(numbers)
    assert set(found) == set(numbers)
    assert h.throttled_answers() >= 1
    assert h.stats.throttled >= 1


def test_cancel_before_pickup_removes_the_parcel(h: CarrierHarness) -> None:
    carrier = h.carrier()
    shipment = _create(h, carrier)
    h.clock.advance(minutes=30)
    carrier.cancel_shipment(shipment)
    assert h.state(shipment.carrier_shipment_id) == "cancelled"
    assert carrier.track([shipment.tracking_number]) == {}


def test_cancel_after_pickup_is_refused(h: CarrierHarness) -> None:
    carrier = h.carrier()
    shipment = _create(h, carrier)
    h.clock.set(h.pickup_time(shipment.carrier_shipment_id) + timedelta(minutes=5))
    with pytest.raises(Fatal) as caught:
        carrier.cancel_shipment(shipment)
    assert any(words in str(caught.value) for words in h.cancel_refusal_words)
    assert h.state(shipment.carrier_shipment_id) == "picked_up"


def test_tracking_follows_the_clock_to_delivery(h: CarrierHarness) -> None:
    carrier = h.carrier()
    shipment = _create(h, carrier)
    start = h.clock.now()
    h.clock.advance(hours=1)
    states: list[TrackingStatus] = []
    counts: list[int] = []
    while h.clock.now() - start < h.delivered_within + timedelta(days=1):
        events = _events(carrier, shipment.tracking_number)
        assert all(e.at.utcoffset() == timedelta(0) and e.at <= h.clock.now() for e in events)
        state = current_status(events)
        assert state is not None
        states.append(state)
        counts.append(len(events))
        h.clock.advance(hours=3)
    assert states[0] == TrackingStatus.INFO_RECEIVED
    assert states[-1] == TrackingStatus.DELIVERED
    assert TrackingStatus.IN_TRANSIT in states and TrackingStatus.OUT_FOR_DELIVERY in states
    assert counts == sorted(counts) and counts[-1] > counts[0]
    # once delivered it stays delivered
    assert all(s == TrackingStatus.DELIVERED for s in states[states.index(TrackingStatus.DELIVERED):])


def _after_pickup(h: CarrierHarness, carrier: Carrier) -> CarrierShipment:
    shipment = _create(h, carrier)
    h.clock.set(h.pickup_time(shipment.carrier_shipment_id) + timedelta(hours=2))
    return shipment


def test_a_failed_delivery_is_an_exception(h: CarrierHarness) -> None:
    carrier = h.carrier()
    shipment = _after_pickup(h, carrier)
    h.fail_delivery(shipment.tracking_number)
    h.clock.advance(h.delivered_within + timedelta(days=1))
    events = _events(carrier, shipment.tracking_number)
    assert current_status(events) == TrackingStatus.EXCEPTION
    assert TrackingStatus.OUT_FOR_DELIVERY in {e.status for e in events}
    assert TrackingStatus.DELIVERED not in {e.status for e in events}


def test_a_parcel_sent_back_is_returned(h: CarrierHarness) -> None:
    carrier = h.carrier()
    shipment = _after_pickup(h, carrier)
    h.return_to_sender(shipment.tracking_number)
    h.clock.advance(days=5)
    events = _events(carrier, shipment.tracking_number)
    assert current_status(events) == TrackingStatus.RETURNED
    assert TrackingStatus.DELIVERED not in {e.status for e in events}


def test_a_stalled_parcel_gets_no_more_events(h: CarrierHarness) -> None:
    carrier = h.carrier()
    shipment = _after_pickup(h, carrier)
    before = _events(carrier, shipment.tracking_number)
    h.stall(shipment.tracking_number)
    h.clock.advance(h.delivered_within + timedelta(days=3))
    after = _events(carrier, shipment.tracking_number)
    assert after == before
    assert current_status(after) == TrackingStatus.IN_TRANSIT


def test_batch_tracking_uses_the_fewest_calls_and_leaves_unknown_numbers_out(h: CarrierHarness) -> None:
    carrier = h.carrier()
    numbers = [_create(h, carrier, f"SHP-2026-00002{i}").tracking_number for i in range(3)]
    h.clock.advance(hours=2)
    unknown = numbers[0][:-4] + "9999"
    calls = h.tracking_calls()
    found = carrier.track([*numbers, unknown, numbers[0]])
    assert set(found) == set(numbers)
    assert all(found[n] for n in numbers)
    asked = len({*numbers, unknown})
    assert h.tracking_calls() - calls == math.ceil(asked / carrier.track_batch)


def test_a_retried_create_finds_the_first_parcel(h: CarrierHarness) -> None:
    if not h.dedupes_reference:
        pytest.skip(f"{h.code} keeps no lookup by our reference: the service must not repeat a create")
    carrier = h.carrier()
    first = _create(h, carrier, "SHP-2026-000777")
    again = _create(h, carrier, "SHP-2026-000777")
    assert again.carrier_shipment_id == first.carrier_shipment_id
    assert again.tracking_number == first.tracking_number
    assert h.live_shipments() == 1
