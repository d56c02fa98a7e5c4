"""The platforms' own client libraries, unchanged but for the address, against our emulators over real HTTP:
the proof that an emulator speaks the platform's protocol, not just what our connector expects."""

from __future__ import annotations

import json
import threading
import time
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from crossdock.emulators.amazon import AmazonEmulator
from crossdock.emulators.lazada import LazadaEmulator
from crossdock.ports.clock import SystemClock
from tests.ports import free_ports

pytestmark = pytest.mark.slow


def serve(app: Any) -> Iterator[str]:
    port = free_ports()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


# --- Amazon: python-amazon-sp-api (saleweaver) -------------------------------------------------------

@pytest.fixture
def amazon() -> Iterator[tuple[AmazonEmulator, str, str]]:
    emu = AmazonEmulator("amzn1.application-oa2-client.sdk", "amzn1.oa2-cs.v1.sdk", clock=SystemClock(), seed=3)
    store = emu.add_store("A1SDKTESTSELLER", "DE")
    now = emu.now()
    emu.generate_orders(store, 25, now - timedelta(days=10), now - timedelta(minutes=5))
    for base in serve(emu.app):
        yield emu, store, base


def test_amazon_sp_api_library_pulls_every_order(amazon: tuple[AmazonEmulator, str, str]) -> None:
    from sp_api.api import Orders
    from sp_api.auth import AccessTokenClient, access_token_client

    emu, store, base = amazon

    class EmulatedLwa(AccessTokenClient):   # the library fixes the LWA host as class attributes
        scheme = "http://"
        host = base.removeprefix("http://")

    access_token_client.cache.clear()
    creds = {"lwa_app_id": emu.client_id, "lwa_client_secret": emu.client_secret}
    granted = EmulatedLwa(credentials=types.SimpleNamespace(refresh_token=None, **creds)) \
        .authorize_auth_code(emu.authorize(store))
    marketplace = types.SimpleNamespace(endpoint=base, marketplace_id="A1PA6795UKMFR9", region="eu-west-1")
    client = Orders(marketplace=marketplace, refresh_token=granted["refresh_token"], credentials=creds,
                    auth_token_client_class=EmulatedLwa)

    after = (emu.now() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ids: list[str] = []
    token = None
    for _ in range(10):
        page = client.get_orders(**({"NextToken": token} if token else
                                    {"LastUpdatedAfter": after, "MaxResultsPerPage": 10}))
        ids += [o["AmazonOrderId"] for o in page.payload["Orders"]]
        token = page.next_token
        if not token:
            break
    assert sorted(ids) == sorted(emu.orders(store))
    items = client.get_order_items(ids[0]).payload["OrderItems"]
    assert items and all("SellerSKU" in i for i in items)
    restricted = client.get_order(ids[0], RestrictedResources=["buyerInfo", "shippingAddress"]).payload
    assert restricted.get("ShippingAddress", {}).get("Name")


def test_amazon_sp_api_library_searches_and_patches_listings(amazon: tuple[AmazonEmulator, str, str]) -> None:
    from sp_api.api import ListingsItems
    from sp_api.auth import AccessTokenClient, access_token_client

    from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec

    emu, store, base = amazon
    seller_id = store.partition(":")[0]
    emu.set_catalogue(store, [ProductSpec(f"Mug {i}", (VariantSpec(f"MUG-{i:02d}", "", Decimal("8.50"), 4),))
                              for i in range(25)])

    class EmulatedLwa(AccessTokenClient):   # the library fixes the LWA host as class attributes
        scheme = "http://"
        host = base.removeprefix("http://")

    access_token_client.cache.clear()
    creds = {"lwa_app_id": emu.client_id, "lwa_client_secret": emu.client_secret}
    granted = EmulatedLwa(credentials=types.SimpleNamespace(refresh_token=None, **creds)) \
        .authorize_auth_code(emu.authorize(store))
    marketplace = types.SimpleNamespace(endpoint=base, marketplace_id="A1PA6795UKMFR9", region="eu-west-1")
    client = ListingsItems(marketplace=marketplace, refresh_token=granted["refresh_token"], credentials=creds,
                           auth_token_client_class=EmulatedLwa)

    skus: list[str] = []
    token = None
    for _ in range(5):
        page = client.search_listings_items(seller_id, includedData=["summaries", "fulfillmentAvailability"],
                                            pageSize=20, **({"pageToken": token} if token else {}))
        skus += [item["sku"] for item in page.payload["items"]]
        token = page.next_token
        if not token:
            break
    assert sorted(skus) == sorted(row["seller_sku"] for row in emu.listings(store))

    patched = client.patch_listings_item(seller_id, "MUG-07", body={
        "productType": "PRODUCT",
        "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                     "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 11}]}]})
    assert patched.payload["status"] == "ACCEPTED"
    shown = client.get_listings_item(seller_id, "MUG-07", includedData=["fulfillmentAvailability"]).payload
    assert shown["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 11}]


def test_amazon_sp_api_library_submits_a_listings_feed_and_reads_its_report() -> None:
    import io

    from sp_api.api import Feeds
    from sp_api.auth import AccessTokenClient, access_token_client

    from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
    from crossdock.ports.clock import ManualClock

    clock = ManualClock(datetime(2026, 11, 1, 12, tzinfo=UTC))   # feeds take minutes: the test moves time
    emu = AmazonEmulator("amzn1.application-oa2-client.sdk", "amzn1.oa2-cs.v1.sdk", clock=clock, seed=3)
    store = emu.add_store("A1SDKTESTSELLER", "DE")
    emu.set_catalogue(store, [ProductSpec("Mug", (VariantSpec("MUG-1", "", Decimal("8.50"), 4),))])
    for base in serve(emu.app):
        # The library sends Host as its endpoint minus "https://", which garbles an http:// address.
        emu.public_url = base

        class EmulatedLwa(AccessTokenClient):
            scheme = "http://"
            host = base.removeprefix("http://")

        access_token_client.cache.clear()
        creds = {"lwa_app_id": emu.client_id, "lwa_client_secret": emu.client_secret}
        granted = EmulatedLwa(credentials=types.SimpleNamespace(refresh_token=None, **creds)) \
            .authorize_auth_code(emu.authorize(store))
        marketplace = types.SimpleNamespace(endpoint=base, marketplace_id="A1PA6795UKMFR9", region="eu-west-1")
        client = Feeds(marketplace=marketplace, refresh_token=granted["refresh_token"], credentials=creds,
                       auth_token_client_class=EmulatedLwa)
        feed = {"header": {"sellerId": "A1SDKTESTSELLER", "version": "2.0"}, "messages": [
            {"messageId": 1, "sku": "MUG-1", "operationType": "PATCH", "productType": "PRODUCT",
             "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                          "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 25}]}]}]}
        _, created = client.submit_feed("JSON_LISTINGS_FEED", io.BytesIO(json.dumps(feed).encode()),
                                        content_type="application/json; charset=UTF-8")
        clock.advance(minutes=1)
        done = client.get_feed(created.payload["feedId"]).payload
        assert done["processingStatus"] == "DONE"
        report = json.loads(client.get_feed_result_document(done["resultFeedDocumentId"]))
        assert report["summary"]["messagesAccepted"] == 1
        assert emu.listings(store)[0]["quantity"] == 25


def test_amazon_sp_api_library_requests_the_returns_report_and_downloads_it() -> None:
    from sp_api.api import Reports
    from sp_api.auth import AccessTokenClient, access_token_client

    from crossdock.emulators._common.catalogue import ProductSpec, VariantSpec
    from crossdock.ports.clock import ManualClock

    clock = ManualClock(datetime(2026, 11, 1, 12, tzinfo=UTC))   # reports take a minute: the test moves time
    emu = AmazonEmulator("amzn1.application-oa2-client.sdk", "amzn1.oa2-cs.v1.sdk", clock=clock, seed=3)
    store = emu.add_store("A1SDKTESTSELLER", "DE")
    emu.set_catalogue(store, [ProductSpec("Rösle Pfanne", (VariantSpec("PAN-1", "", Decimal("39.90"), 4),))])
    order_id = emu.place_order(store, "PAN-1", 1)
    assert order_id is not None
    emu.set_order_status(store, order_id, "Shipped")
    clock.advance(hours=3)
    rma_id = emu.open_return(store, order_id, 1)
    for base in serve(emu.app):
        emu.public_url = base

        class EmulatedLwa(AccessTokenClient):
            scheme = "http://"
            host = base.removeprefix("http://")

        access_token_client.cache.clear()
        creds = {"lwa_app_id": emu.client_id, "lwa_client_secret": emu.client_secret}
        granted = EmulatedLwa(credentials=types.SimpleNamespace(refresh_token=None, **creds)) \
            .authorize_auth_code(emu.authorize(store))
        marketplace = types.SimpleNamespace(endpoint=base, marketplace_id="A1PA6795UKMFR9", region="eu-west-1")
        client = Reports(marketplace=marketplace, refresh_token=granted["refresh_token"], credentials=creds,
                         auth_token_client_class=EmulatedLwa)
        created = client.create_report(reportType="GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
                                       marketplaceIds=["A1PA6795UKMFR9"],
                                       dataStartTime=(clock.now() - timedelta(days=30)).isoformat(),
                                       dataEndTime=clock.now().isoformat())
        report_id = created.payload["reportId"]
        assert client.get_report(report_id).payload["processingStatus"] == "IN_QUEUE"
        clock.advance(minutes=2)
        done = client.get_report(report_id).payload
        assert done["processingStatus"] == "DONE"
        document = client.get_report_document(done["reportDocumentId"], download=True)
        assert document.character_code.lower() == "cp1252"     # from the download's Content-Type
        header, row = document.payload["document"].splitlines()
        cells = dict(zip(header.split("\t"), row.split("\t"), strict=True))
        assert (cells["order-id"], cells["amazon-rma-id"], cells["merchant-sku"]) == (order_id, rma_id, "PAN-1")
        assert cells["item-name"] == "Rösle Pfanne" and cells["return-request-status"] == "Approved"


# --- Lazada: the official lazop SDK ------------------------------------------------------------------

@pytest.fixture
def lazada(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LazadaEmulator, str, str]]:
    monkeypatch.setenv("HOME", str(tmp_path))   # the SDK writes its log files under ~/logs
    emu = LazadaEmulator("100001", "lazada-sdk-secret", SystemClock(), seed=3)
    emu.add_store("1000123456", "SG")
    now = emu.now()
    emu.generate_orders("1000123456", 25, now - timedelta(days=10), now - timedelta(minutes=5))
    for base in serve(emu.app):
        yield emu, "1000123456", base


def test_lazada_official_sdk_pulls_every_order(lazada: tuple[LazadaEmulator, str, str]) -> None:
    import lazop_sdk as lazop

    emu, seller, base = lazada
    auth = lazop.LazopClient(f"{base}/auth/rest", emu.app_key, emu.app_secret)
    api = lazop.LazopClient(f"{base}/sg/rest", emu.app_key, emu.app_secret)
    create = lazop.LazopRequest("/auth/token/create")
    create.add_api_param("code", emu.authorize(seller))
    token = auth.execute(create).body["access_token"]

    after = (emu.now() - timedelta(days=30)).astimezone(timezone(timedelta(hours=8))).isoformat(timespec="seconds")
    ids: list[str] = []
    for offset in range(0, 100, 10):
        req = lazop.LazopRequest("/orders/get", "GET")
        for k, v in {"update_after": after, "sort_by": "updated_at", "sort_direction": "ASC",
                     "offset": str(offset), "limit": "10"}.items():
            req.add_api_param(k, v)
        page = api.execute(req, token)
        assert page.code in ("0", 0), page.message
        got = page.body["data"]["orders"]
        ids += [str(o["order_id"]) for o in got]
        if len(got) < 10:
            break
    assert sorted(ids) == sorted(emu.orders(seller))

    items = lazop.LazopRequest("/orders/items/get", "GET")
    items.add_api_param("order_ids", json.dumps([int(i) for i in ids[:5]]))
    answer = api.execute(items, token)
    assert answer.code in ("0", 0) and len(answer.body["data"]) == 5

    # The Python SDK signs and sends empty parameters too.
    empty = lazop.LazopRequest("/orders/get", "GET")
    empty.add_api_param("update_after", after)
    empty.add_api_param("status", "")
    assert api.execute(empty, token).code in ("0", 0)
