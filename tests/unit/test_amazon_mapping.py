"""Amazon mapping against the recorded Orders v0 payloads, and every way an order document can be broken."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors.amazon.mapping import STATUS, merge, order_from_payload
from crossdock.domain.money import Money
from crossdock.domain.orders.status import OrderStatus
from crossdock.payloads import fingerprint

FIXTURES = Path(__file__).parent.parent / "fixtures" / "amazon"


def recorded() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    orders = json.loads((FIXTURES / "amazon-getOrders.json").read_text())["response"]["payload"]["Orders"]
    items = json.loads((FIXTURES / "amazon-getOrderItems.json").read_text())["response"]["payload"]["OrderItems"]
    return orders, items


def document() -> dict[str, Any]:
    orders, items = recorded()
    doc = merge(orders[0], items)
    assert isinstance(doc, dict)
    return doc


def with_shipping_address(doc: dict[str, Any]) -> dict[str, Any]:
    doc["ShippingAddress"] = {"Name": "Lea Fischer", "AddressLine1": "Torstraße 12", "AddressLine2": "Hinterhaus",
                              "City": "Berlin", "StateOrRegion": "Berlin", "PostalCode": "10115",
                              "CountryCode": "DE", "Phone": "+49 3012345678", "AddressType": "Residential"}
    doc["BuyerInfo"] = {"BuyerEmail": "x1y2z3@marketplace.amazon.de", "BuyerName": "Lea Fischer"}
    return doc


def test_the_recorded_sandbox_order_maps_completely() -> None:
    doc = document()
    snap = order_from_payload(doc)
    assert snap.platform_order_id == "902-1845936-5435065"
    assert snap.platform_status == "Unshipped"
    # The recorded item carries BuyerRequestedCancel "true": Amazon keeps Unshipped, we show the request.
    assert snap.status is OrderStatus.CANCEL_REQUESTED
    assert snap.created_at == datetime(1970, 1, 19, 3, 58, 30, tzinfo=UTC)
    assert snap.updated_at == datetime(1970, 1, 19, 3, 58, 32, tzinfo=UTC)
    assert snap.ship_by == datetime(1970, 1, 19, 4, 5, 13, tzinfo=UTC)
    assert snap.total == Money(Decimal("11.01"), "USD") and isinstance(snap.total.amount, Decimal)
    (line,) = snap.lines
    assert line.platform_line_id == "05015851154158" and line.platform_item_id == "B00551Q3CS"
    assert line.sku == "NABetaASINB00551Q3CS" and line.title == "B00551Q3CS [Card Book]" and line.quantity == 1
    assert line.unit_price == Money(Decimal("10.00"), "USD") == line.paid_unit_price
    assert snap.address is None and snap.buyer.email == "" and not snap.cod
    assert snap.raw is doc and snap.payload_hash == fingerprint(doc)


def test_without_a_cancel_request_unshipped_is_pending_review() -> None:
    doc = document()
    del doc["OrderItems"][0]["BuyerRequestedCancel"]
    assert order_from_payload(doc).status is OrderStatus.PENDING_REVIEW
    doc["OrderItems"][0]["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "false", "BuyerCancelReason": ""}
    assert order_from_payload(doc).status is OrderStatus.PENDING_REVIEW


def test_a_shipped_order_ignores_an_old_cancel_request() -> None:
    doc = dict(document(), OrderStatus="Shipped")
    assert order_from_payload(doc).status is OrderStatus.SHIPPED


@pytest.mark.parametrize(("amazon", "ours"), [
    ("PendingAvailability", OrderStatus.AWAITING_PAYMENT), ("Pending", OrderStatus.AWAITING_PAYMENT),
    ("PartiallyShipped", OrderStatus.CANCEL_REQUESTED), ("Shipped", OrderStatus.SHIPPED),
    ("InvoiceUnconfirmed", OrderStatus.SHIPPED), ("Canceled", OrderStatus.CANCELLED),
    ("Unfulfillable", OrderStatus.CANCELLED),
])
def test_every_documented_status_maps(amazon: str, ours: OrderStatus) -> None:
    snap = order_from_payload(dict(document(), OrderStatus=amazon))
    assert snap.status is ours and snap.platform_status == amazon


def test_status_table_covers_the_enum_and_partially_shipped_stays_to_ship() -> None:
    assert set(STATUS) == {"PendingAvailability", "Pending", "Unshipped", "PartiallyShipped", "Shipped",
                           "InvoiceUnconfirmed", "Canceled", "Unfulfillable"}
    assert STATUS["PartiallyShipped"] is OrderStatus.LABEL_CREATED


def test_restricted_address_and_buyer_map_when_an_rdt_unlocked_them() -> None:
    snap = order_from_payload(with_shipping_address(document()))
    assert snap.address is not None
    assert snap.address.name == "Lea Fischer" and snap.address.phone == "+49 3012345678"
    assert snap.address.country == "DE" and snap.address.postcode == "10115" and snap.address.city == "Berlin"
    assert snap.address.line1 == "Torstraße 12, Hinterhaus"
    assert snap.address.full_address == "Torstraße 12, Hinterhaus, 10115 Berlin, Berlin, DE"
    assert snap.buyer.email == snap.buyer.platform_buyer_id == "x1y2z3@marketplace.amazon.de"
    assert snap.buyer.username == "Lea Fischer"


def test_an_address_without_rdt_keeps_the_unrestricted_parts() -> None:
    doc = document()
    doc["ShippingAddress"] = {"City": "Berlin", "PostalCode": "10115", "CountryCode": "DE"}
    snap = order_from_payload(doc)
    assert snap.address is not None and snap.address.name == "" and snap.address.full_address == "10115 Berlin, DE"


def test_unit_prices_are_item_price_over_quantity_and_promotions_lower_the_paid_price() -> None:
    doc = document()
    item = doc["OrderItems"][0]
    item.update(QuantityOrdered=3, ItemPrice={"CurrencyCode": "USD", "Amount": "10.00"},
                PromotionDiscount={"CurrencyCode": "USD", "Amount": "1.50"})
    (line,) = order_from_payload(doc).lines
    assert line.unit_price == Money(Decimal("3.33"), "USD")       # uneven split rounded to the cent
    assert line.paid_unit_price == Money(Decimal("2.83"), "USD")
    item.update(QuantityOrdered=2, ItemPrice={"CurrencyCode": "USD", "Amount": "25.98"})
    (line,) = order_from_payload(doc).lines
    assert line.unit_price.amount == Decimal("12.99")


def test_json_number_amounts_become_exact_decimals() -> None:
    doc = document()
    doc["OrderTotal"] = {"CurrencyCode": "USD", "Amount": 11.01}
    assert order_from_payload(doc).total.amount == Decimal("11.01")


def test_a_missing_order_total_is_what_the_items_add_up_to() -> None:
    doc = document()
    del doc["OrderTotal"]
    item = doc["OrderItems"][0]
    item["ShippingPrice"] = {"CurrencyCode": "USD", "Amount": "4.99"}
    item["ShippingDiscount"] = {"CurrencyCode": "USD", "Amount": "1.00"}
    assert order_from_payload(doc).total == Money(Decimal("13.99"), "USD")


def test_an_order_without_any_amount_takes_its_marketplace_currency() -> None:
    doc = document()
    del doc["OrderTotal"]
    for key in ("ItemPrice", "ItemTax", "PromotionDiscount"):
        del doc["OrderItems"][0][key]
    snap = order_from_payload(doc)
    assert snap.total == Money(Decimal(0), "USD") and snap.lines[0].unit_price == Money(Decimal(0), "USD")
    doc["MarketplaceId"] = "A1PA6795UKMFR9"
    assert order_from_payload(doc).total.currency == "EUR"


def test_a_line_cancelled_to_zero_is_kept_out_of_the_lines_only() -> None:
    doc = document()
    extra = copy.deepcopy(doc["OrderItems"][0])
    extra.update(OrderItemId="05015851154159", QuantityOrdered=0)
    doc["OrderItems"].append(extra)
    snap = order_from_payload(doc)
    assert [ln.platform_line_id for ln in snap.lines] == ["05015851154158"]
    assert len(snap.raw["OrderItems"]) == 2


def test_cod_is_read_from_the_payment_method() -> None:
    assert order_from_payload(dict(document(), PaymentMethod="COD")).cod


def _broken(change: Any) -> BadPayload:
    doc = document()
    change(doc)
    with pytest.raises(BadPayload) as err:
        order_from_payload(doc)
    return err.value


@pytest.mark.parametrize(("change", "reason"), [
    (lambda d: d.pop("AmazonOrderId"), "AmazonOrderId is missing"),
    (lambda d: d.update(AmazonOrderId=""), "AmazonOrderId is missing"),
    (lambda d: d.update(AmazonOrderId=902), "AmazonOrderId is missing"),
    (lambda d: d.update(OrderStatus="TELEPORTED"), "unknown OrderStatus 'TELEPORTED'"),
    (lambda d: d.pop("OrderStatus"), "unknown OrderStatus ''"),
    (lambda d: d.update(OrderStatus="shipped"), "unknown OrderStatus 'shipped'"),
    (lambda d: d.pop("OrderItems"), "OrderItems is missing or not a list"),
    (lambda d: d.update(OrderItems={"ASIN": "B0"}), "OrderItems is missing or not a list"),
    (lambda d: d.update(OrderItems=[]), "OrderItems is empty"),
    (lambda d: d.update(OrderItems=["B00551Q3CS"]), "OrderItems[0] is not an object"),
    (lambda d: d["OrderItems"][0].pop("OrderItemId"), "OrderItems[0].OrderItemId is missing"),
    (lambda d: d["OrderItems"][0].pop("ASIN"), "OrderItems[0].ASIN is missing"),
    (lambda d: d["OrderItems"][0].pop("QuantityOrdered"), "QuantityOrdered is None"),
    (lambda d: d["OrderItems"][0].update(QuantityOrdered="1"), "QuantityOrdered is '1'"),
    (lambda d: d["OrderItems"][0].update(QuantityOrdered=True), "QuantityOrdered is True"),
    (lambda d: d["OrderItems"][0].update(QuantityOrdered=-1), "QuantityOrdered is -1"),
    (lambda d: d.pop("PurchaseDate"), "PurchaseDate is missing"),
    (lambda d: d.update(PurchaseDate="yesterday"), "PurchaseDate is 'yesterday'"),
    (lambda d: d.update(PurchaseDate=1569521782), "PurchaseDate is 1569521782"),
    (lambda d: d.update(PurchaseDate="2026-11-01T10:00:00"), "without a time zone"),
    (lambda d: d.pop("LastUpdateDate"), "LastUpdateDate is missing"),
    (lambda d: d.update(LatestShipDate="soon"), "LatestShipDate is 'soon'"),
    (lambda d: d.update(OrderTotal="11.01"), "OrderTotal is not a Money object"),
    (lambda d: d.update(OrderTotal={"Amount": "11.01"}), "OrderTotal.CurrencyCode is missing"),
    (lambda d: d.update(OrderTotal={"CurrencyCode": "USD", "Amount": "eleven"}), "OrderTotal.Amount is 'eleven'"),
    (lambda d: d.update(OrderTotal={"CurrencyCode": "USD"}), "OrderTotal.Amount is missing"),
    (lambda d: d.update(OrderTotal={"CurrencyCode": "USD", "Amount": "NaN"}), "OrderTotal.Amount is 'NaN'"),
    (lambda d: d.update(OrderTotal={"CurrencyCode": "USD", "Amount": True}), "OrderTotal.Amount is True"),
    (lambda d: d.update(OrderTotal={"CurrencyCode": "usd", "Amount": "11.01"}), "not an ISO 4217 currency"),
    (lambda d: d["OrderItems"][0].update(ItemPrice={"CurrencyCode": "EUR", "Amount": "10.00"}),
     "OrderItems[0].ItemPrice is in EUR, the order in USD"),
    (lambda d: d["OrderItems"][0].update(PromotionDiscount=[]), "OrderItems[0].PromotionDiscount is not a Money"),
    (lambda d: d.update(ShippingAddress="Berlin"), "ShippingAddress is not an object"),
])
def test_every_broken_payload_is_refused_with_its_reason(change: Any, reason: str) -> None:
    assert reason in _broken(change).reason


def test_payloads_that_are_not_objects_are_refused() -> None:
    for raw in (None, [], "902-1845936-5435065", 7):
        with pytest.raises(BadPayload, match="not a JSON object"):
            order_from_payload(raw)
    assert merge("not an order", []) == "not an order"


def test_the_second_recorded_order_has_no_items_recorded_and_is_refused() -> None:
    orders, _ = recorded()
    with pytest.raises(BadPayload, match="OrderItems is empty"):
        order_from_payload(merge(orders[1], []))


def test_an_order_without_amounts_in_an_unknown_marketplace_is_refused() -> None:
    doc = document()
    del doc["OrderTotal"]
    del doc["OrderItems"][0]["ItemPrice"]
    doc["MarketplaceId"] = "XX0000000000"
    with pytest.raises(BadPayload, match="no amount and no known MarketplaceId"):
        order_from_payload(doc)
