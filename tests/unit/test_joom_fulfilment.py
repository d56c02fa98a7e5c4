"""Joom fulfilment against the emulator: offline fulfil with the merchant's carrier, Joom Logistics (fulfillOnline
and its label), what Joom tells of the parcel, and returns read from the orders' return states."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from pypdf import PdfReader

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors.joom.client import JoomClient
from crossdock.connectors.joom.fulfilment import JoomLogistics, JoomShipments
from crossdock.connectors.joom.fulfilment_mapping import match_provider, return_from_order
from crossdock.connectors.joom.returns import JoomReturns
from crossdock.domain.fulfilment.returns import ReturnRequest, ReturnState
from crossdock.domain.fulfilment.tracking import TrackingStatus
from crossdock.domain.money import Money
from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
from crossdock.emulators.joom import JoomEmulator
from crossdock.ports.clock import ManualClock
from crossdock.ports.marketplace import BadRecord, CallStats, LogisticsRequest, ShipmentNotice, ShippedLine
from tests.unit.connector_setup import MemoryTokens, clock_sleep

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STORE, ACCOUNT = "5e7a1c2b9d3f4a0012b4c6d8", "merchant"
CATALOGUE = (ProductSpec("Desk Lamp", (VariantSpec("LAMP-1", "", Decimal("24.90"), 500),)),)


@dataclass
class Env:
    emu: JoomEmulator
    clock: ManualClock
    client: JoomClient

    def order(self, quantity: int = 1) -> str:
        order_id = self.emu.place_order(STORE, "LAMP-1", quantity)
        assert order_id is not None
        return order_id

    def truth(self, order_id: str) -> dict[str, Any]:
        return self.emu.orders(STORE)[order_id]

    def calls(self, path: str) -> list[Any]:
        return [c for c in self.emu.calls if c.path == path]


def env() -> Env:
    clock = ManualClock(NOW)
    emu = JoomEmulator("client-id", "client-secret", clock=clock, seed=5)
    emu.add_store(STORE, "EU", account=ACCOUNT)
    emu.set_catalogue(STORE, CATALOGUE)
    tokens = MemoryTokens()
    api = HttpApi("https://api-merchant.joom.test", stats=CallStats(), transport=emu.transport(),
                  sleep=clock_sleep(clock))
    client = JoomClient(api, client_id="client-id", client_secret=SecretStr("client-secret"), clock=clock,
                        tokens=tokens)
    tokens.current = client.get_access_token(emu.authorize(ACCOUNT))
    return Env(emu, clock, client)


def notice(order_id: str, tracking: str = "LP123456789CN", carrier: str = "yanwen", name: str = "Yanwen",
           lines: tuple[ShippedLine, ...] = ()) -> ShipmentNotice:
    return ShipmentNotice(order_id, carrier, name, tracking, NOW, lines=lines)


# ---- offline ---------------------------------------------------------------------------------------------------

def test_an_offline_fulfil_ships_the_order_with_the_providers_id() -> None:
    e = env()
    order_id = e.order()
    JoomShipments(e.client).confirm_shipment(notice(order_id, lines=(ShippedLine(order_id, 1),)))
    truth = e.truth(order_id)
    assert truth["status"] == "shipped"
    assert truth["shipment"]["trackingNumber"] == "LP123456789CN" and truth["shipment"]["provider"] == "Yanwen"
    assert truth["shipment"]["providerId"] == "5cc1a9b2d8f0a45d0c1f2a01"
    assert e.calls("/api/v3/orders/shippingProviders") and len(e.calls("/api/v3/orders/fulfill")) == 1


def test_a_retry_fulfils_nothing_twice() -> None:
    e = env()
    order_id = e.order()
    sink = JoomShipments(e.client)
    sink.confirm_shipment(notice(order_id))
    sink.confirm_shipment(notice(order_id))
    assert len(e.calls("/api/v3/orders/fulfill")) == 1


def test_dhl_ecommerce_by_our_code_finds_joom_s_provider() -> None:
    e = env()
    order_id = e.order()
    JoomShipments(e.client).confirm_shipment(notice(order_id, "GM123456789", "dhl_ecommerce", "DHL eCommerce"))
    assert e.truth(order_id)["shipment"]["provider"] == "DHL eCommerce"


def test_a_carrier_joom_does_not_accept_is_refused_before_anything_is_sent() -> None:
    e = env()
    order_id = e.order()
    with pytest.raises(Fatal) as caught:
        JoomShipments(e.client).confirm_shipment(notice(order_id, carrier="acme", name="ACME Parcels"))
    assert caught.value.code == "unknown_provider" and "Yanwen" in str(caught.value)
    assert not e.calls("/api/v3/orders/fulfill") and e.truth(order_id)["status"] == "approved"


def test_joom_refuses_a_tracking_number_with_spaces() -> None:
    e = env()
    order_id = e.order()
    with pytest.raises(Fatal) as caught:
        JoomShipments(e.client).confirm_shipment(notice(order_id, "LP 123"))
    assert caught.value.code == "invalid_argument"


def test_only_approved_orders_are_fulfilled() -> None:
    e = env()
    order_id = e.order()
    e.emu.set_order_status(STORE, order_id, "cancelled")
    with pytest.raises(Fatal) as caught:
        JoomShipments(e.client).confirm_shipment(notice(order_id))
    assert caught.value.code == "failed_precondition"


def test_an_unknown_order_is_not_found() -> None:
    e = env()
    with pytest.raises(Fatal) as caught:
        JoomShipments(e.client).confirm_shipment(notice("ZZZZ9999"))
    assert caught.value.code == "not_found"


def test_joom_ships_an_order_whole() -> None:
    e = env()
    order_id = e.order(quantity=3)
    with pytest.raises(Fatal):
        JoomShipments(e.client).confirm_shipment(notice(order_id, lines=(ShippedLine(order_id, 1),)))
    assert not e.calls("/api/v3/orders/fulfill")


def test_an_order_that_must_go_online_is_refused_offline() -> None:
    e = env()
    order_id = e.order()
    e.emu.set_shipping_requirement(STORE, order_id, "onlineOnly")
    with pytest.raises(Fatal) as caught:
        JoomShipments(e.client).confirm_shipment(notice(order_id))
    assert caught.value.code == "failed_precondition"


def test_provider_and_provider_id_together_are_refused() -> None:
    e = env()
    order_id = e.order()
    with pytest.raises(Fatal) as caught:
        e.client.fulfill_offline(order_id, {"provider": "Yanwen", "providerId": "5cc1a9b2d8f0a45d0c1f2a01",
                                            "trackingNumber": "LP1"})
    assert caught.value.code == "invalid_argument"


# ---- Joom Logistics ----------------------------------------------------------------------------------------

def test_joom_logistics_gives_tracking_waybill_and_a_label() -> None:
    e = env()
    order_id = e.order()
    logistics = JoomLogistics(e.client)
    shipment = logistics.arrange(LogisticsRequest(order_id))
    truth = e.truth(order_id)
    assert truth["status"] == "fulfilledOnline"
    assert truth["shipment"]["trackingNumber"] == shipment.tracking_number
    assert truth["shipment"]["shippingOrderNumber"] == shipment.carrier_shipment_id
    page = PdfReader(io.BytesIO(shipment.label.content)).pages[0]
    size_mm = [round(float(side) * 25.4 / 72) for side in (page.mediabox.width, page.mediabox.height)]
    assert size_mm == [100, 150]
    assert shipment.tracking_number in page.extract_text()
    again = logistics.arrange(LogisticsRequest(order_id))
    assert again.tracking_number == shipment.tracking_number
    assert len(e.calls("/api/v3/orders/fulfillOnline")) == 1


def test_what_joom_tells_of_the_parcel() -> None:
    e = env()
    order_id = e.order()
    logistics = JoomLogistics(e.client)
    logistics.arrange(LogisticsRequest(order_id))
    assert [ev.status for ev in logistics.track([order_id])[order_id]] == [TrackingStatus.INFO_RECEIVED]
    e.clock.advance(days=3)
    e.emu.tick()
    assert [ev.status for ev in logistics.track([order_id])[order_id]] == [TrackingStatus.INFO_RECEIVED,
                                                                          TrackingStatus.IN_TRANSIT]
    assert logistics.track(["ZZZZ9999"]) == {}


def test_an_order_that_must_go_offline_gets_no_online_shipping() -> None:
    e = env()
    order_id = e.order()
    e.emu.set_shipping_requirement(STORE, order_id, "offlineOnly")
    with pytest.raises(Fatal) as caught:
        JoomLogistics(e.client).arrange(LogisticsRequest(order_id))
    assert caught.value.code == "failed_precondition"


def test_an_offline_order_has_no_shipping_label() -> None:
    e = env()
    order_id = e.order()
    JoomShipments(e.client).confirm_shipment(notice(order_id))
    with pytest.raises(Fatal) as caught:
        e.client.shipping_label(order_id)
    assert caught.value.code == "failed_precondition"


# ---- returns --------------------------------------------------------------------------------------------------

def returns_of(e: Env, since: datetime) -> list[ReturnRequest]:
    found: list[ReturnRequest] = []
    for page in JoomReturns(e.client, STORE).list_returns(since, e.clock.now()):
        assert not [r for r in page if isinstance(r, BadRecord)]
        found += [r for r in page if isinstance(r, ReturnRequest)]
    return found


def test_a_returning_order_is_a_return_request_until_it_is_refunded() -> None:
    e = env()
    order_id, other = e.order(quantity=2), e.order()
    sink = JoomShipments(e.client)
    sink.confirm_shipment(notice(order_id))
    sink.confirm_shipment(notice(other, "LP2"))
    since = e.clock.now()
    e.clock.advance(hours=3)
    e.emu.open_return(STORE, order_id)
    [request] = returns_of(e, since)
    assert (request.platform_return_id, request.platform_order_id) == (order_id, order_id)
    assert request.state is ReturnState.APPROVED and request.refund is None
    assert [(line.platform_line_id, line.sku, line.quantity) for line in request.lines] == [(order_id, "LAMP-1", 2)]
    e.clock.advance(days=5)
    e.emu.set_order_status(STORE, order_id, "returnCompleted")
    [done] = returns_of(e, since)
    assert done.state is ReturnState.REFUNDED
    assert done.refund == Money(Decimal(e.truth(order_id)["refund"]["price"]), "EUR")


def test_only_shipped_orders_can_be_returned() -> None:
    e = env()
    order_id = e.order()
    with pytest.raises(ValueError):
        e.emu.open_return(STORE, order_id)


def test_return_states_and_others() -> None:
    base = {"id": "AB12CD34", "status": "returnDeclined", "quantity": 1, "currency": "EUR",
            "updateTimestamp": "2026-11-02T09:00:00Z", "product": {"sku": "P", "variant": {"sku": "V"}},
            "return": {"timestamp": "2026-11-01T09:00:00Z", "declineReason": "itemDamagedByCustomer"}}
    declined = return_from_order(base)
    assert declined is not None and declined.state is ReturnState.REJECTED
    assert declined.reason == "itemDamagedByCustomer" and declined.lines[0].sku == "V"
    assert declined.created_at == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert return_from_order(dict(base, status="shipped")) is None
    with pytest.raises(BadPayload):
        return_from_order(dict(base, status="returnTeleported"))
    with pytest.raises(BadPayload):
        return_from_order(dict(base, quantity=0))


def test_providers_match_by_code_or_name() -> None:
    providers = [{"id": "1", "name": "DHL eCommerce"}, {"id": "2", "name": "YunExpress"}]
    assert match_provider(providers, "yunexpress", "Yun Express") == {"id": "2", "name": "YunExpress"}
    assert match_provider(providers, "dhl", "DHL") is None
    assert match_provider(providers, "", "DHL eCommerce") == {"id": "1", "name": "DHL eCommerce"}


def test_returns_outside_the_window_are_left_out() -> None:
    e = env()
    order_id = e.order()
    JoomShipments(e.client).confirm_shipment(notice(order_id))
    e.emu.open_return(STORE, order_id)
    assert returns_of(e, e.clock.now() + timedelta(seconds=2)) == []


def test_a_demo_opens_a_return_over_http() -> None:
    e = env()
    order_id = e.order()
    control = httpx.Client(transport=e.emu.transport(), base_url="http://emulator")
    path = f"/_emulator/stores/{STORE}/orders/{order_id}/return"
    assert control.post(path).status_code == 409          # not shipped yet
    JoomShipments(e.client).confirm_shipment(notice(order_id))
    assert control.post(path).status_code == 201
    assert e.truth(order_id)["status"] == "returnInitiated"
    assert control.post(f"/_emulator/stores/{STORE}/orders/ZZZZ9999/return").status_code == 404
