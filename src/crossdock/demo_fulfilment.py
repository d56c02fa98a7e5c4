"""The demo's fulfilment: two emulated carriers on their own loopback ports (DHL Paket for parcels inside
Germany and from the Berlin warehouse into the EU, YunExpress for the China-to-Europe line), the marketplaces'
own logistics for South-East Asia, and the set-up a seller would do once (sender addresses, carrier accounts,
shipping rules, the invoicing company, return warehouses)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from crossdock.bootstrap import App
from crossdock.domain.orders.model import Address
from crossdock.emulators.dhl import DhlEmulator
from crossdock.emulators.yunexpress import YunExpressEmulator
from crossdock.ports.clock import Clock
from crossdock.services.carriers import PLATFORM

log = structlog.get_logger(__name__)

DHL_KEY, DHL_USER, DHL_PASSWORD, DHL_EKP = ("crossdock-demo-dhl-api-key", "crossdock-demo-gkp", "demo-gkp-password",
                                            "3333333333")   # the emulator's, not real secrets
YUN_CUSTOMER, YUN_SECRET = "C88888", "crossdock-demo-yunexpress-secret"

EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT",
      "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
SEA = ["SG", "MY", "TH", "PH", "VN", "ID"]

WAREHOUSE_ADDRESSES = {
    "CN-SZ": Address(name="Lumi Trading Shenzhen Warehouse", phone="+86 755 8888 6666", country="CN",
                     state="Guangdong", city="Shenzhen", district="Longgang", postcode="518172",
                     line1="No. 8 Bantian Industrial Road"),
    "DE-BER": Address(name="Lumi Europe Berlin Fulfilment", phone="+49 30 5555 0100", country="DE", city="Berlin",
                      postcode="12057", line1="Sonnenallee 200"),
    "GB-LON": Address(name="Lumi UK London Fulfilment", phone="+44 20 7946 0958", country="GB", city="London",
                      postcode="E14 5AB", line1="1 Canada Square"),
}
ENTITY = Address(name="Lumi Europe GmbH", phone="+49 30 5555 0100", country="DE", city="Berlin", postcode="10117",
                 line1="Friedrichstraße 100")


@dataclass(frozen=True)
class DemoCarrier:
    code: str
    port_offset: int
    make: Callable[[Clock], Any]
    settings: Callable[[str], dict[str, Any]]


CARRIERS = (
    DemoCarrier("dhl", 20, lambda clock: DhlEmulator(DHL_KEY, DHL_USER, DHL_PASSWORD, DHL_EKP, clock=clock, seed=1),
                lambda base: {"base_url": f"{base}/parcel/de/shipping/v2", "tracking_base_url": f"{base}/track",
                              "api_key": DHL_KEY, "username": DHL_USER, "password": DHL_PASSWORD, "ekp": DHL_EKP,
                              # the demo tracks often; the real free plan is 250 calls a day
                              "tracking_requests_per_second": 50, "tracking_burst": 50}),
    DemoCarrier("yunexpress", 21, lambda clock: YunExpressEmulator(YUN_CUSTOMER, YUN_SECRET, clock=clock, seed=1),
                lambda base: {"base_url": base, "customer_code": YUN_CUSTOMER, "api_secret": YUN_SECRET}),
)


def setup_fulfilment(app: App, base_port: int, store_ids: list[int]) -> bool:
    """Once: sender addresses, carrier accounts and rules, the invoicing company and each store's return warehouse."""
    if app.carriers.accounts():
        return False
    for code, address in WAREHOUSE_ADDRESSES.items():
        app.shipping.set_warehouse_address(code, address)
    for c in CARRIERS:
        app.carriers.add_account(c.code, {"dhl": "DHL Paket", "yunexpress": "YunExpress"}[c.code],
                                 c.settings(f"http://127.0.0.1:{base_port + c.port_offset}"))
    app.carriers.add_account(PLATFORM, "Marketplace logistics", {})
    rule = app.shipping.add_rule
    rule("Germany from Berlin", "DHL Paket", "V01PAK", priority=10, conditions={"countries": ["DE"],
                                                                             "warehouses": ["DE-BER"]})
    rule("EU from Berlin", "DHL Paket", "V53WPAK", priority=20, conditions={"countries": EU, "warehouses": ["DE-BER"]})
    rule("China to Europe", "YunExpress", "EUDDP", priority=30, conditions={
        "countries": ["DE", *EU], "warehouses": ["CN-SZ"], "max_weight_grams": 30_000,
        "max_value": {"amount": "150", "currency": "EUR"}})     # IOSS: DDP up to EUR 150
    rule("South-East Asia: the marketplace's logistics", "Marketplace logistics", "", priority=40,
         conditions={"countries": SEA, "platforms": ["shopee", "lazada", "tiktok"]})
    app.documents.add_entity("LUMI-EU", "Lumi Europe GmbH", ENTITY, vat_number="DE136695976",
                             eori="DE123456789012345", invoice_prefix="LEU-")
    for store_id in store_ids:
        store = app.stores.get(store_id)
        europe = store.region in ("DE", "FR", "IT", "ES", "NL", "PL", "EU")
        app.documents.set_store(store_id, entity="LUMI-EU" if europe else None,
                                return_warehouse="DE-BER" if europe else "CN-SZ")
    log.info("demo.fulfilment_ready", carriers=[c.code for c in CARRIERS])
    return True
