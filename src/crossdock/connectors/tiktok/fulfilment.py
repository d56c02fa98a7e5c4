"""TikTok Shop fulfilment behind our ports: the seller's own shipments (ShipmentSink) and TikTok Shipping
(PlatformLogistics: TikTok's carrier and label, and its tracking).

Followed: Ship Package, Mark Package As Shipped, Get Shipping Providers, Get Eligible Shipping Service, Create
Packages, Get Package Shipping Document and Get Tracking (202309 pages), and "UK & EU: Purchase shipping labels from
TikTok" for the TikTok Shipping flow (Get Order Detail -> Ship Package -> Get Package Shipping Document).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crossdock.connectors._kit.errors import BadPayload, Fatal
from crossdock.connectors._kit.fields import text
from crossdock.connectors.tiktok.adapter import ShopCipher
from crossdock.connectors.tiktok.client import TikTokClient
from crossdock.connectors.tiktok.fulfilment_mapping import (
    LineMismatch,
    UnitView,
    match_provider,
    select_units,
    tracking_event,
    units_of,
    whole_package,
)
from crossdock.domain.errors import DomainError
from crossdock.domain.fulfilment.tracking import TrackingEvent
from crossdock.domain.money import Money
from crossdock.ports.carrier import CarrierShipment, LabelFile, Parcel
from crossdock.ports.marketplace import LogisticsRequest, ShipmentNotice, ShippedLine

# Refusals meaning "shipped already": a retry whose first attempt went through gets one of these.
ALREADY_SHIPPED = frozenset({"21011040", "21008099", "21011020", "21011006", "11006021", "21022025", "21023046"})
_HANDOVER = {"pickup": "PICKUP", "dropoff": "DROP_OFF", "drop_off": "DROP_OFF"}


class ShopOrders:
    """The shop's orders as Get Order Detail gives them, one at a time."""

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self.client = client
        self.cipher = ShopCipher(client, shop_id)

    def read(self, order_id: str) -> dict[str, Any]:
        answer = self.client.get_orders(shop_cipher=self.cipher(), ids=[order_id])
        for raw in answer.get("orders") or []:
            if isinstance(raw, dict) and str(raw.get("id")) == order_id:
                return raw
        # Get Order Detail leaves out ids the shop does not have instead of failing the call.
        raise Fatal(f"TikTok Shop: Get Order Detail does not return order {order_id} for this shop",
                    code="order_not_found")

    def units(self, order: dict[str, Any]) -> list[UnitView]:
        try:
            return units_of(order)
        except BadPayload as exc:
            raise Fatal(f"TikTok Shop order {order.get('id')} cannot be read: {exc.reason}") from exc


def _select(units: Sequence[UnitView], lines: Sequence[ShippedLine], tracking: str,
            order_id: str) -> tuple[list[UnitView], list[UnitView]]:
    try:
        return select_units(units, lines, tracking)
    except LineMismatch as exc:
        raise Fatal(f"TikTok Shop order {order_id}: {exc}") from exc


class TikTokShipments:
    """The seller shipped with its own carrier: the tracking number and TikTok's id of that carrier go to TikTok."""

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._orders = ShopOrders(client, shop_id)
        self._providers: dict[str, list[dict[str, Any]]] = {}

    def confirm_shipment(self, notice: ShipmentNotice) -> None:
        order = self._orders.read(notice.platform_order_id)
        units = self._orders.units(order)
        done, todo = _select(units, notice.lines, notice.tracking_number, notice.platform_order_id)
        if not todo:
            if done:
                return      # TikTok shows it already: a retry after a lost answer
            raise Fatal(f"TikTok Shop order {notice.platform_order_id} has nothing left to ship")
        provider = self._provider(order, notice)
        try:
            self._ship(order, units, todo, notice, provider["id"])
        except Fatal as exc:
            if exc.code not in ALREADY_SHIPPED:
                raise
            # Maybe our own earlier attempt: fine if TikTok now shows these units with our number.
            again = self._orders.units(self._orders.read(notice.platform_order_id))
            if _select(again, notice.lines, notice.tracking_number, notice.platform_order_id)[1]:
                raise

    def _provider(self, order: dict[str, Any], notice: ShipmentNotice) -> dict[str, str]:
        option = text(order, "delivery_option_id")
        if not option:
            raise Fatal(f"TikTok Shop order {notice.platform_order_id} names no delivery option to ship with")
        if option not in self._providers:
            self._providers[option] = self._orders.client.get_shipping_providers(
                shop_cipher=self._orders.cipher(), delivery_option_id=option)
        found = match_provider(self._providers[option], notice.carrier_code, notice.carrier_name)
        if found is None:
            names = ", ".join(sorted(str(p.get("name")) for p in self._providers[option]))
            raise Fatal(f"TikTok Shop does not take {notice.carrier_name or notice.carrier_code} for delivery option "
                        f"{option}; its shipping providers are: {names}", code="unknown_provider")
        return found

    def _ship(self, order: dict[str, Any], units: Sequence[UnitView], todo: Sequence[UnitView],
              notice: ShipmentNotice, provider_id: str) -> None:
        client, cipher = self._orders.client, self._orders.cipher()
        package = notice.package_id if notice.package_id and whole_package(units, todo) == notice.package_id \
            else whole_package(units, todo)
        if package:
            # A whole package: Ship Package's self_shipment carries the seller's tracking number.
            client.ship_package(shop_cipher=cipher, package_id=package, body={"self_shipment": {
                "tracking_number": notice.tracking_number, "shipping_provider_id": provider_id}})
            return
        # Part of a package (or several): Mark Package As Shipped makes a package of exactly these line items.
        client.mark_package_shipped(shop_cipher=cipher, order_id=text(order, "id"), body={
            "order_line_item_ids": [u.id for u in todo], "tracking_number": notice.tracking_number,
            "shipping_provider_id": provider_id})


class TikTokLogistics:
    """TikTok Shipping: TikTok's carrier takes the package (TikTok-shipped orders: Ship Package; seller-shipped
    orders in the US: a label bought with Create Packages); the label comes from Get Package Shipping Document."""

    def __init__(self, client: TikTokClient, shop_id: str) -> None:
        self._orders = ShopOrders(client, shop_id)

    def arrange(self, request: LogisticsRequest) -> CarrierShipment:
        order = self._orders.read(request.platform_order_id)
        units = self._orders.units(order)
        chosen = self._units(units, request)
        arranged = {u.package_id for u in chosen if u.tracking_number and u.package_status == "PROCESSING"}
        cost: Money | None = None
        service = ""
        if len(arranged) == 1 and all(u.package_id in arranged for u in chosen):
            package = arranged.pop()          # arranged already (a retry): only the label is missing
        elif any(u.tracking_number for u in chosen):
            raise Fatal(f"TikTok Shop order {request.platform_order_id}: some of these items left already")
        elif text(order, "shipping_type") == "SELLER":
            package, cost, service = self._buy_label(order, chosen, request.parcel)
        else:
            package = request.package_id or whole_package(units, chosen)
            if not package:
                raise Fatal(f"TikTok Shop order {request.platform_order_id}: TikTok Shipping takes whole packages; "
                            "split the order into packages first")
            self._orders.client.ship_package(shop_cipher=self._orders.cipher(), package_id=package,
                                             body={"handover_method": _HANDOVER.get(request.handover, "DROP_OFF")})
        document = self._orders.client.get_shipping_document(shop_cipher=self._orders.cipher(), package_id=package)
        url, tracking = text(document, "doc_url"), text(document, "tracking_number")
        if not url or not tracking:
            raise Fatal(f"TikTok Shop gave no shipping document for package {package}")
        pdf = self._orders.client.download_document(url)
        if not pdf.startswith(b"%PDF"):
            raise Fatal(f"TikTok Shop's shipping document for package {package} is not a PDF")
        extra = {"order_id": request.platform_order_id, "package_id": package}
        if service:
            extra["shipping_service"] = service
        return CarrierShipment(carrier_shipment_id=package, tracking_number=tracking, label=LabelFile(pdf, "PDF"),
                               cost=cost, extra=extra)

    @staticmethod
    def _units(units: Sequence[UnitView], request: LogisticsRequest) -> list[UnitView]:
        if request.package_id:
            chosen = [u for u in units if u.package_id == request.package_id]
            if not chosen:
                raise Fatal(f"TikTok Shop order {request.platform_order_id} has no package {request.package_id}")
            return chosen
        if not request.lines:
            return list(units)
        chosen = []
        for line in request.lines:
            group = [u for u in units if u.line_id == line.platform_line_id]
            if len(group) < line.quantity:
                raise Fatal(f"TikTok Shop order {request.platform_order_id} has no {line.quantity} units on line "
                            f"{line.platform_line_id}")
            chosen += sorted(group, key=lambda u: bool(u.tracking_number))[:line.quantity]
        return chosen

    def _buy_label(self, order: dict[str, Any], chosen: Sequence[UnitView],
                   parcel: Parcel | None) -> tuple[str, Money | None, str]:
        """A seller-shipped order's TikTok Shipping label (US): the default eligible service, bought."""
        body: dict[str, Any] = {"order_line_item_ids": [u.id for u in chosen]}
        if parcel is not None:
            body["weight"] = {"value": str(parcel.weight_grams), "unit": "GRAM"}
            if parcel.length_mm and parcel.width_mm and parcel.height_mm:
                body["dimension"] = {"length": str(Decimal(parcel.length_mm) / 10),
                                     "width": str(Decimal(parcel.width_mm) / 10),
                                     "height": str(Decimal(parcel.height_mm) / 10), "unit": "CM"}
        client, cipher, order_id = self._orders.client, self._orders.cipher(), text(order, "id")
        services = client.eligible_shipping_services(shop_cipher=cipher, order_id=order_id, body=body)
        offered = [s for s in services.get("shipping_services") or [] if isinstance(s, dict) and s.get("id")]
        if not offered:
            raise Fatal(f"TikTok Shop offers no shipping service for order {order_id}")
        service = next((s for s in offered if s.get("is_default") is True), offered[0])
        created = client.create_packages(shop_cipher=cipher, body={**body, "order_id": order_id,
                                                                   "shipping_service_id": str(service["id"])})
        package = text(created, "package_id")
        if not package:
            raise Fatal(f"TikTok Shop's Create Packages gave no package_id for order {order_id}")
        info = created.get("shipping_service_info")
        cost = None
        if isinstance(info, dict):
            try:
                cost = Money(Decimal(str(info["price"])), str(info["currency"]))
            except (KeyError, ArithmeticError, DomainError):
                cost = None   # the docs' own sample says "dollar": an estimate we cannot read is left out
        return package, cost, text(service, "name")

    def track(self, platform_order_ids: Sequence[str]) -> dict[str, list[TrackingEvent]]:
        out: dict[str, list[TrackingEvent]] = {}
        for order_id in platform_order_ids:
            raw = self._orders.client.get_tracking(shop_cipher=self._orders.cipher(), order_id=order_id)
            events = []
            for entry in raw:
                try:
                    events.append(tracking_event(entry))
                except BadPayload:
                    continue    # one unreadable event does not hide the others
            # Read oldest first, as it happened; entries of one instant come newest first (as the emulator lists
            # them: the docs show a single entry), hence the reversal before the stable sort.
            out[order_id] = sorted(reversed(events), key=lambda e: e.at)
        return out
