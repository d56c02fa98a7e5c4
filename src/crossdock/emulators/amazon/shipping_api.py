"""Orders v0 confirmShipment of the emulator: POST /orders/v0/orders/{orderId}/shipmentConfirmation.

Followed: ordersV0.json (ConfirmShipmentRequest, PackageDetail, ConfirmShipmentOrderItem; 204 on success) and the
errors sellers report from the live API (amzn/selling-partner-api-models #492, #5037, #5094; jlevers/
selling-partner-api #489, #528). A packageReferenceId "uniquely identifies a package within the scope of an
order": confirming it again updates that package, which is how a seller corrects a tracking number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crossdock.emulators.amazon.wire import Answer, ApiError, Context, invalid
from crossdock.emulators.amazon.world import Order, ShippedPackage, parse_iso

if TYPE_CHECKING:
    from crossdock.emulators.amazon.emulator import AmazonEmulator

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
SHIPMENT_CONFIRMATION_PATH = "/orders/v0/orders/{orderId}/shipmentConfirmation"
# CarrierCode values Amazon takes (the CarrierCode list of amzn-base.xsd, which feeds and confirmShipment share,
# plus carriers added for cross-border sellers); "Other" needs carrierName. The docs write "Others" for it in
# PackageDetail.carrierName, so both spellings are taken.
CARRIER_CODES = frozenset({
    "USPS", "UPS", "UPSMI", "FedEx", "DHL", "Fastway", "GLS", "GO!", "Hermes Logistik Gruppe", "Royal Mail",
    "Parcelforce", "City Link", "TNT", "Target", "SagawaExpress", "NipponExpress", "YamatoTransport",
    "DHL Global Mail", "UPS Mail Innovations", "FedEx SmartPost", "OSM", "OnTrac", "Streamlite", "Newgistics",
    "Canada Post", "Blue Package", "Chronopost", "Deutsche Post", "DPD", "La Poste", "Parcelnet", "Poste Italiane",
    "SDA", "Smartmail", "FEDEX_JP", "JP_EXPRESS", "NITTSU", "SAGAWA", "YAMATO", "BlueDart", "AFL/Fedex", "Aramex",
    "India Post", "Professional", "DTDC", "Overnite Express", "First Flight", "Delhivery", "Lasership", "Yodel",
    "Amazon Shipping", "Seur", "Correos", "MRW", "Nacex", "Correios", "China Post", "Yun Express", "4PX", "Yanwen",
    "SFC", "Cainiao", "DHL eCommerce", "Hermes", "Asendia", "PostNL", "Bpost", "Colissimo", "Evri", "Other",
    "Others",
})
OTHER_CODES = frozenset({"Other", "Others"})
COD_METHODS = frozenset({"DirectPayment"})
SHIPPABLE = frozenset({"Unshipped", "PartiallyShipped"})
# Wording of the live API's refusals (issues above); the ones not seen there are assumptions.
ITEM_INVALID = "OrderItemId is invalid, please obtain the value through the getOrderItems API or Manage Orders page"
REFERENCE_INVALID = "PackageReferenceId: is invalid, must be a positive numeric value."
FULFILLED = ("Failed to create package due to not finding a matching package or order already fulfilled. "
             "ErrorMessage(errorCode=GeneralError, errorDescription=Unable to find package to update for order, "
             "errorMetric=PackageToUpdateNotFound, packageIndex=null)")


def _wrong_type(field: str) -> ApiError:
    return invalid(f"The input you have submitted is not valid. Please check the fields with invalid type [{field}].")


class ShippingApi:
    """confirmShipment, on the seller's orders."""

    def __init__(self, emulator: AmazonEmulator, authenticate: Callable[..., str]) -> None:
        self.emu = emulator
        self._authenticate = authenticate

    def operations(self) -> list[tuple[str, str, str, Callable[[Context], Any]]]:
        return [(SHIPMENT_CONFIRMATION_PATH, "POST", "confirmShipment", self.confirm_shipment)]

    def confirm_shipment(self, ctx: Context) -> Answer:
        seller_id = self._authenticate(ctx)
        order_id = str(ctx.extra["orderId"])
        if not ORDER_ID.match(order_id):
            raise invalid("Invalid Input", f"Invalid AmazonOrderId: {order_id}")
        found = self.emu.world.seller(seller_id).orders.get(order_id)
        if found is None:
            raise ApiError(404, "NotFound", "Order not found", f"No order {order_id} for this selling partner.")
        try:
            body = json.loads(ctx.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise invalid("Invalid Input", "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise invalid("Invalid Input", "The request body must be a ConfirmShipmentRequest object.")
        if not isinstance(found, Order):
            # Assumption: a hand-made order cannot be shipped; answered as an order in no shippable state.
            raise invalid(FULFILLED)
        package_id, package = self._package(body, found, ctx.now)
        self._confirm(found, package_id, package, ctx.now)
        return Answer(204, None)

    def _package(self, body: dict[str, Any], order: Order, now: datetime) -> tuple[str, ShippedPackage]:
        marketplace = body.get("marketplaceId")
        if not isinstance(marketplace, str) or not marketplace:
            raise invalid("Missing required parameter: marketplaceId")
        if marketplace != order.marketplace_id:
            raise invalid("Invalid Input", f"Invalid marketplaceId: {marketplace}")
        cod = body.get("codCollectionMethod")
        if cod is not None and cod not in COD_METHODS:
            raise invalid("Invalid Input", f"Invalid codCollectionMethod: {cod}")
        detail = body.get("packageDetail")
        if not isinstance(detail, dict):
            raise invalid("Missing required parameter: packageDetail")
        reference = detail.get("packageReferenceId")
        if reference is None:
            raise invalid("Missing required parameter: packageDetail.packageReferenceId")
        if not isinstance(reference, str):
            raise _wrong_type("packageDetail.packageReferenceId")
        if not reference.isdigit() or int(reference) <= 0:
            raise invalid(REFERENCE_INVALID)
        texts: dict[str, str] = {}
        for name in ("carrierCode", "carrierName", "shippingMethod", "trackingNumber", "shipDate"):
            value = detail.get(name)
            if value is not None and not isinstance(value, str):
                raise _wrong_type(f"packageDetail.{name}")
            texts[name] = (value or "").strip()
        for name in ("carrierCode", "trackingNumber", "shipDate"):
            if not texts[name]:
                raise invalid(f"Missing required parameter: packageDetail.{name}")
        if texts["carrierCode"] not in CARRIER_CODES:
            raise invalid("Invalid Input", f"Invalid carrierCode: {texts['carrierCode']}")
        if texts["carrierCode"] in OTHER_CODES and not texts["carrierName"]:
            raise invalid("carrierName is required when carrierCode is Others.")
        ship_date = parse_iso(texts["shipDate"])
        if ship_date is None:
            raise _wrong_type("packageDetail.shipDate")
        if ship_date < order.purchase_date:
            # Assumption: the wording; a package cannot leave before the order was placed.
            raise invalid("Invalid Input", "shipDate cannot be earlier than the order's PurchaseDate.")
        items = detail.get("orderItems")
        if not isinstance(items, list) or not items:
            raise invalid("Missing required parameter: packageDetail.orderItems")
        quantities: dict[str, int] = {}
        known = {i.order_item_id for i in order.items}
        for entry in items:
            if not isinstance(entry, dict):
                raise _wrong_type("packageDetail.orderItems")
            item_id, quantity = entry.get("orderItemId"), entry.get("quantity")
            if not isinstance(item_id, str) or item_id not in known:
                raise invalid(ITEM_INVALID)
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise _wrong_type("packageDetail.orderItems.quantity")
            quantities[item_id] = quantities.get(item_id, 0) + quantity
        return reference, ShippedPackage(texts["carrierCode"], texts["carrierName"], texts["shippingMethod"],
                                         texts["trackingNumber"], ship_date, quantities, now)

    @staticmethod
    def _confirm(order: Order, reference: str, package: ShippedPackage, now: datetime) -> None:
        if order.channel != "MFN":
            # Assumption: the wording; Amazon ships its own (FBA) orders and confirms them itself.
            raise invalid("Invalid Input", "Shipments of orders fulfilled by Amazon cannot be confirmed.")
        previous = order.packages.get(reference)
        if previous is None and order.status not in SHIPPABLE:
            if order.status in ("Shipped", "InvoiceUnconfirmed"):
                raise invalid(FULFILLED)
            # Assumption: the wording for orders not yet paid (Pending) or cancelled.
            raise invalid("Invalid Input", f"The order is {order.status}: only Unshipped or PartiallyShipped orders "
                                           "can be confirmed.")
        shipped = {i.order_item_id: i.shipped - (previous.items.get(i.order_item_id, 0) if previous else 0)
                   for i in order.items}
        for item in order.items:
            if shipped[item.order_item_id] + package.items.get(item.order_item_id, 0) > item.quantity:
                # Assumption: the wording; more units than the buyer ordered are refused.
                raise invalid("Invalid Input", f"The quantity for OrderItemId {item.order_item_id} exceeds the "
                                               "quantity left to ship.")
        if previous is not None and _facts(previous) == _facts(package):
            return      # the same confirmation again: nothing changes, LastUpdateDate included
        order.packages[reference] = package
        for item in order.items:
            item.shipped = shipped[item.order_item_id] + package.items.get(item.order_item_id, 0)
        order.status = "Shipped" if all(i.shipped >= i.quantity for i in order.items) else "PartiallyShipped"
        order.last_update = now
        # The seller took the order in hand: what its fate had in store no longer happens.
        order.pending.clear()


def _facts(package: ShippedPackage) -> tuple[Any, ...]:
    return (package.carrier_code, package.carrier_name, package.shipping_method, package.tracking_number,
            package.ship_date, package.items)
