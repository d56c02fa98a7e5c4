"""Orders a second through review and label purchase.

    .venv/bin/python bench/fulfil.py [--orders 10000] [--database-url postgresql+psycopg://…]

10,000 paid orders of one store (German buyers, one to three lines of 20 master SKUs held in a Berlin warehouse)
are imported first (not timed). Then, timed: the review rules over all of them (address and phone checks,
duplicates, blacklist, amounts), planning (split and merge, routing by shipping rules) and label purchase from
the DHL Parcel DE Shipping emulator, in process over its real HTTP API with its limits lifted (the bench
measures Crossdock, not DHL's quota). The baseline, measured in the same run, is the same number of bare label
calls through the DHL adapter with no Crossdock around it: the ratio says what review, planning and keeping every
label cost on top. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the fake marketplace of the service tests

from tests.contract.carrier_harnesses import DhlHarness
from tests.fakes import add_store, fake_app, listing, order

from crossdock.carriers._registry import CarrierContext, CarrierRegistry
from crossdock.domain.money import Money
from crossdock.domain.orders.model import Address
from crossdock.emulators.dhl import DhlEmulator
from crossdock.persistence.migrate import upgrade
from crossdock.ports.carrier import Parcel, ShipmentRequest
from crossdock.ports.clock import SystemClock
from crossdock.ports.marketplace import CallStats
from crossdock.services.inventory import AddSku, AddWarehouse, Adjust
from crossdock.services.order_sync import PullOrders

STREETS = ["Invalidenstraße 116", "Karl-Marx-Allee 90", "Sonnenallee 223", "Kantstraße 17", "Torstraße 1"]
CITIES = [("Berlin", "10115"), ("Hamburg", "20095"), ("München", "80331"), ("Köln", "50667"), ("Bonn", "53113")]
SHIPPER = Address(name="Crossdock Berlin", phone="+49 30 9999999", country="DE", city="Berlin", postcode="12057",
                  line1="Sonnenallee 200")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    console = Console()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        h = DhlHarness
        emu = DhlEmulator(h.API_KEY, h.USER, h.PASSWORD, h.EKP, clock=SystemClock(), seed=3)
        emu.rate_limit("shipping", 1_000_000, 1_000_000)
        transport = emu.transport()
        dhl_settings = {"base_url": "https://api-eu.dhl.test/parcel/de/shipping/v2",
                        "tracking_base_url": "https://api-eu.dhl.test/track", "api_key": h.API_KEY,
                        "username": h.USER, "password": h.PASSWORD, "ekp": h.EKP,
                        "requests_per_second": 1_000_000, "burst": 1_000_000}
        url = args.database_url or f"sqlite:///{home / 'crossdock.db'}"
        from tests.contract.harness import T0

        from crossdock.ports.clock import ManualClock
        clock = ManualClock(T0)
        app, market = fake_app(url, home, clock)
        app.carriers.registry = CarrierRegistry.discover()
        app.carriers._transports["dhl"] = transport      # the bench's emulator, in process
        upgrade(app.engine)
        app.inventory.add_warehouse(AddWarehouse("DE-BER", "Berlin", "DE", kind="overseas", priority=10))
        app.shipping.set_warehouse_address("DE-BER", SHIPPER)
        skus = [f"SKU-{i:03d}" for i in range(20)]
        for code in skus:
            app.inventory.add_sku(AddSku(code, f"Product {code}", weight_kg=Decimal("0.35")))
        app.inventory.adjust([Adjust("DE-BER", code, count=10 * args.orders) for code in skus])
        store = add_store(app, "s1")
        for code in skus:
            market.shop("s1").listings[(code, "")] = listing(code, 0)
        app.listings.pull(store)
        app.carriers.add_account("dhl", "DHL", dhl_settings)
        app.shipping.add_rule("Germany", "DHL", "V01PAK", conditions={"countries": ["DE"]})
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("orders in the marketplace", total=args.orders)
            start = clock.now() - timedelta(days=1)
            for i in range(args.orders):
                city, postcode = rng.choice(CITIES)
                address = Address(name=f"Buyer {i}", phone="+49 30 1234567", country="DE", city=city,
                                  postcode=postcode, line1=rng.choice(STREETS))
                lines = [(code, rng.randint(1, 2)) for code in rng.sample(skus, rng.randint(1, 3))]
                snap = order(f"O{i:06d}", lines, start + timedelta(seconds=i), address=address, buyer=f"b{i}")
                market.shop("s1").orders[snap.platform_order_id] = snap
                progress.advance(task)
        console.print("importing (not timed)…")
        app.sync.pull(PullOrders(store, trigger="bench"))

        stages: list[tuple[str, int, float]] = []
        t = time.perf_counter()
        reviewed = app.review.review(limit=args.orders)
        stages.append(("review", reviewed.reviewed, time.perf_counter() - t))
        t = time.perf_counter()
        planned = app.shipping.plan(limit=args.orders)
        stages.append(("plan (split, merge, route)", planned.orders, time.perf_counter() - t))
        t = time.perf_counter()
        labels = app.shipping.buy_labels(limit=args.orders)
        stages.append(("label purchase (DHL emulator)", labels.done, time.perf_counter() - t))
        total = sum(s[2] for s in stages)

        # baseline: the same number of labels through the bare adapter
        spec = CarrierRegistry.discover().get("dhl")
        carrier = spec.factory(spec.settings.model_validate(dhl_settings),
                               CarrierContext(clock=SystemClock(), sleep=time.sleep, transport=transport,
                                              stats=CallStats()))
        request = ShipmentRequest(reference="bench", service="V01PAK", shipper=SHIPPER,
                                  recipient=Address(name="Buyer", phone="", country="DE", city="Berlin",
                                                    postcode="10115", line1="Invalidenstraße 116"),
                                  parcel=Parcel(700), value=Money(Decimal("20.00"), "EUR"), contents=())
        bare_n = max(1, labels.done)
        t = time.perf_counter()
        for _ in range(bare_n):
            carrier.create_shipment(request)
        bare = time.perf_counter() - t
        app.close()

    table = Table(title=f"Fulfilment of {args.orders:,} orders ({'PostgreSQL' if args.database_url else 'SQLite'})")
    for col in ("stage", "orders", "seconds", "orders/s"):
        table.add_column(col, justify="right" if col != "stage" else "left")
    for name, n, secs in stages:
        table.add_row(name, f"{n:,}", f"{secs:.1f}", f"{n / secs:,.0f}" if secs else "-")
    table.add_row("review + plan + labels", f"{reviewed.reviewed:,}", f"{total:.1f}",
                  f"{reviewed.reviewed / total:,.0f}" if total else "-")
    console.print(table)
    console.print(f"held by review: {reviewed.held:,}; parcels: {planned.shipments:,}; label failures: "
                  f"{labels.failed:,} {labels.errors[:3]}")
    console.print(f"baseline: {bare_n:,} bare DHL label calls in {bare:.1f} s = {bare_n / bare:,.0f}/s; "
                  f"labels through Crossdock = {labels.done / stages[2][2]:,.0f}/s "
                  f"(ratio {(labels.done / stages[2][2]) / (bare_n / bare):.2f})")


if __name__ == "__main__":
    main()
