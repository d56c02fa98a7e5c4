"""The emulated logistics module of Shopee Open Platform v2 (data/raw/shopee/apis/logistics of the stored doc
copies): shipping parameters, arranging shipment (pickup, drop-off, or a seller-arranged non-integrated channel),
the tracking number, the shipping document task and its PDF, and the 3PL's tracking events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crossdock.emulators._common.carrier_labels import CarrierLabel, render_labels
from crossdock.emulators.shopee.errors import ApiError, param_error
from crossdock.emulators.shopee.shipping import (
    DOCUMENT_SECONDS,
    TRACKING_ALLOCATION_SECONDS,
    Shipment,
    pickup_address_id,
    tracking_number,
)
from crossdock.emulators.shopee.world import Order, Shop, Step

if TYPE_CHECKING:
    from crossdock.emulators.shopee.app import ShopeeApi, _Context

PREFIX = "/api/v2/logistics/"
# create_shipping_document / get_shipping_document_result: order_list "limit [1, 50]".
DOCUMENT_BATCH_MAX = 50
DOCUMENT_TYPES = ("NORMAL_AIR_WAYBILL", "THERMAL_AIR_WAYBILL", "NORMAL_JOB_AIR_WAYBILL", "THERMAL_JOB_AIR_WAYBILL",
                  "THERMAL_UNPACKAGED_LABEL")
DEFAULT_DOCUMENT_TYPE = "THERMAL_AIR_WAYBILL"
# ship_order: tracking_number "can not be longer than 64".
TRACKING_MAX = 64
# Statuses in which shipment can still be arranged.
ARRANGEABLE = frozenset({"READY_TO_SHIP", "RETRY_SHIP"})
_DAY = 86_400
_HOUR = 3_600


@dataclass(frozen=True)
class FileAnswer:
    """An API answer that is a file rather than a JSON envelope (download_shipping_document's PDF)."""

    content: bytes
    media_type: str
    filename: str
# Assumption: pickup slots offered for the next three days, 09:00 local; a dropped-off parcel is scanned 4 h later.
PICKUP_DAYS = 3
DROPOFF_SCAN_SECONDS = 4 * _HOUR
DELIVERY_SECONDS = 2 * _DAY

Handler = Callable[["_Context"], Any]


def _order_not_found() -> ApiError:
    # The error example of v2.logistics.get_tracking_number; assumed the same for the other read APIs, whose pages
    # are not among the stored copies (get_shipping_parameter, get_tracking_info).
    return ApiError("logistics.invalid_error", "The order is not exist.")


class LogisticsApi:
    """The v2.logistics handlers; they share ShopeeApi's signing, rate limits, faults and envelope."""

    def __init__(self, api: ShopeeApi) -> None:
        self.api = api

    def _shop(self, ctx: _Context) -> Shop:
        return self.api.emu.world.shop(self.api._shop_auth(ctx))

    @staticmethod
    def _order(shop: Shop, order_sn: Any) -> Order:
        if not isinstance(order_sn, str) or not order_sn.strip():
            raise param_error("order_sn is required")
        order = shop.orders.get(order_sn.strip())
        if not isinstance(order, Order):
            raise _order_not_found()
        return order

    @staticmethod
    def _no_package_number(order: Order, package_number: Any) -> None:
        # Emulated orders are never split: each has exactly one package.
        if package_number not in (None, "", order.package_number):
            raise ApiError("logistics.package_not_exist", "The package is not exist.")

    def _slots(self, shop: Shop, now: int) -> list[dict[str, Any]]:
        offset = shop.region.utc_offset
        local_today = (datetime.fromtimestamp(now, UTC) + offset).date()
        slots = []
        for day in range(1, PICKUP_DAYS + 1):
            start = datetime.combine(local_today + timedelta(days=day), datetime.min.time(), UTC) - offset
            stamp = int(start.timestamp()) + 9 * _HOUR
            slots.append({"date": stamp, "time_text": "09:00 - 18:00", "pickup_time_id": str(stamp)})
        return slots

    def _address(self, shop: Shop, now: int) -> dict[str, Any]:
        place = shop.region.places[0]
        return {
            "address_id": pickup_address_id(shop.shop_id), "region": shop.region.code, "state": place.state,
            "city": place.city, "district": place.district, "town": place.town,
            "address": f"1 {place.streets[0]}", "zipcode": place.zipcode,
            "address_flag": ["default_address", "pickup_address", "return_address"],
            "time_slot_list": self._slots(shop, now),
        }

    # ---- v2.logistics.get_shipping_parameter ---------------------------------------------------

    def get_shipping_parameter(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        order = self._order(shop, ctx.query.get("order_sn"))
        self._no_package_number(order, ctx.query.get("package_number"))
        if not order.integrated:
            return {"info_needed": {"non_integrated": ["tracking_no"]}}
        return {
            "info_needed": {"dropoff": [], "pickup": ["address_id", "pickup_time_id"]},
            "dropoff": {"branch_list": [], "slug_list": []},
            "pickup": {"address_list": [self._address(shop, ctx.now_ts)]},
        }

    # ---- v2.logistics.ship_order ---------------------------------------------------------------

    def ship_order(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        body = self.api._json_body(ctx)
        order_sn = body.get("order_sn")
        if not isinstance(order_sn, str) or not order_sn.strip():
            raise param_error("order_sn is required")
        order = shop.orders.get(order_sn.strip())
        if not isinstance(order, Order):
            raise ApiError("logistics.error_order_not_found", "Order is not found.")
        if body.get("package_number") not in (None, ""):
            raise ApiError("logistics.ship_order_not_need_pacakge_number",
                           "Please don\u2019t request with package_number for this unsplit order.")  # the doc's quote
        ways = [key for key in ("pickup", "dropoff", "non_integrated") if key in body]
        if len(ways) != 1:
            raise ApiError("logistics.ship_order_only_support_one_type",
                           "Please select just one way to ship order: pickup or dropoff or non_integrated.")
        way, detail = ways[0], body[ways[0]]
        if detail is None:
            detail = {}
        if not isinstance(detail, dict):
            raise param_error(f"{way} should be an object")
        if order.shipment is not None or order.status not in ARRANGEABLE:
            if order.shipment is not None:
                # The docs list this name with a stray leading space; the emulator answers it without.
                raise ApiError("logistics.package_already_shipped",
                               "This package has already been arranged shipment and you can't call this API again.")
            raise ApiError("logistics.ship_order_not_ready_to_ship", "The order is not ready to ship.")
        if way == "non_integrated":
            if order.integrated:
                raise ApiError("logistics.ship_order_unsupport_non_integrated",
                               "This order does not support ship with non_integrated.")
            self._ship_own_carrier(order, detail, ctx.now_ts)
        elif not order.integrated:
            raise ApiError(f"logistics.ship_order_unsupport_{way}", f"This order does not support ship with {way}.")
        elif way == "pickup":
            self._ship_pickup(shop, order, detail, ctx.now_ts)
        else:
            self._arrange(order, Shipment("dropoff", ctx.now_ts, "", 0), ctx.now_ts, ctx.now_ts + DROPOFF_SCAN_SECONDS)
        ctx.extra["changed"] = [(shop.shop_id, order.order_sn)]
        return {}

    @staticmethod
    def _tracking(detail: dict[str, Any]) -> str:
        value = detail.get("tracking_number", "")
        if not isinstance(value, str):
            raise param_error("tracking_number should be a string")
        if len(value) > TRACKING_MAX:
            raise ApiError("logistics.ship_order_long_tracking_number",
                           "Parameter tracking_number can not be longer than 64.")
        return value.strip()

    def _ship_own_carrier(self, order: Order, detail: dict[str, Any], now: int) -> None:
        # The seller's carrier already has the parcel: Shopee marks the order shipped with the number given.
        number = self._tracking(detail)
        order.shipment = Shipment("non_integrated", now, number, now)
        order.pending = [Step(now + 3 * _DAY, "TO_CONFIRM_RECEIVE")]
        order.apply("SHIPPED", now)

    def _ship_pickup(self, shop: Shop, order: Order, detail: dict[str, Any], now: int) -> None:
        address_id = detail.get("address_id")
        pickup_time_id = detail.get("pickup_time_id")
        if address_id in (None, "", 0) or pickup_time_id in (None, ""):
            raise ApiError("logistics.ship_order_need_address_pickup_time",
                           "Parameter address_id and pickup_time_id are required.")
        if str(address_id) != str(pickup_address_id(shop.shop_id)):
            raise ApiError("logistics.address_not_found", "Address is not found.")
        slots = {slot["pickup_time_id"]: slot["date"] for slot in self._slots(shop, now)}
        if str(pickup_time_id) not in slots:
            raise ApiError("logistics.ship_order_pickup_time_invalid",
                           "Invalid pickup time id. Please check the pick up time id.")
        shipment = Shipment("pickup", now, "", 0, address_id=int(str(address_id)), pickup_time_id=str(pickup_time_id))
        self._arrange(order, shipment, now, slots[str(pickup_time_id)])

    @staticmethod
    def _arrange(order: Order, shipment: Shipment, now: int, handover_at: int) -> None:
        """Integrated channel: the order is PROCESSED; the 3PL allocates the tracking number a little later and
        picks the parcel up (or scans it at drop-off) at `handover_at`, then delivers it."""
        shipment.tracking_number = tracking_number(order.region.code, order.order_sn)
        shipment.tracking_ready_at = now + TRACKING_ALLOCATION_SECONDS
        order.shipment = shipment
        order.pending = [Step(handover_at, "SHIPPED"), Step(handover_at + DELIVERY_SECONDS, "TO_CONFIRM_RECEIVE")]
        order.apply("PROCESSED", now)
        waiting = "pickup" if shipment.method == "pickup" else "drop-off"
        shipment.track(now, "ORDER_CREATED", f"Shipment arranged with {order.carrier}; waiting for {waiting}")

    # ---- v2.logistics.get_tracking_number ------------------------------------------------------

    def get_tracking_number(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        order = self._order(shop, ctx.query.get("order_sn"))
        self._no_package_number(order, ctx.query.get("package_number"))
        if order.shipment is None:
            return {"tracking_number": "", "hint": "Shipment has not been arranged for this order yet."}
        number = order.shipment.tracking_at(ctx.now_ts)
        result: dict[str, Any] = {"tracking_number": number}
        if not number:
            result["hint"] = "The tracking number is being allocated by the logistics provider."
        return result

    # ---- v2.logistics.get_tracking_info --------------------------------------------------------

    def get_tracking_info(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        order = self._order(shop, ctx.query.get("order_sn"))
        self._no_package_number(order, ctx.query.get("package_number"))
        events = order.shipment.events if order.shipment is not None else []
        # Newest first, as Seller Centre shows a parcel's history.
        info = [{"update_time": event.update_time, "description": event.description,
                 "logistics_status": event.logistics_status}
                for event in sorted(events, key=lambda event: event.update_time, reverse=True)]
        return {"order_sn": order.order_sn, "package_number": order.package_number,
                "logistics_status": order.logistics_status, "tracking_info": info}

    # ---- shipping documents ------------------------------------------------------------------------

    @staticmethod
    def _order_list(body: dict[str, Any]) -> list[dict[str, Any]]:
        entries = body.get("order_list")
        if not isinstance(entries, list) or not entries:
            raise param_error("order_list is required")
        if len(entries) > DOCUMENT_BATCH_MAX:
            raise ApiError("logistics.error_limit", "The batch request reach limit 50.")
        if not all(isinstance(entry, dict) for entry in entries):
            raise param_error("order_list should be a list of objects")
        return entries

    @staticmethod
    def _document_type(value: Any) -> str:
        if value in (None, ""):
            return DEFAULT_DOCUMENT_TYPE
        if value not in DOCUMENT_TYPES:
            raise ApiError("logistics.shipping_document_type_invalid",
                           "The shipping_document_type is not invalid. Please check the shipping_document_type.")
        return str(value)

    @staticmethod
    def _batch_answer(results: list[dict[str, Any]]) -> dict[str, Any]:
        if results and all("fail_error" in result for result in results):
            raise ApiError("common.batch_api_all_failed", "Failed, please check result_list for more details.",
                           response={"result_list": results})
        return {"result_list": results}

    @staticmethod
    def _entry(shop: Shop, entry: dict[str, Any]) -> Order | dict[str, Any]:
        """The order an order_list entry names, or the per-order failure the batch APIs answer for it."""
        order_sn = str(entry.get("order_sn") or "")
        base = {"order_sn": order_sn, "package_number": str(entry.get("package_number") or "")}
        order = shop.orders.get(order_sn)
        if not isinstance(order, Order):
            return {**base, "fail_error": "logistics.order_not_exist",
                    "fail_message": f"The order_sn {order_sn} you provided is not exist. Please check"}
        if entry.get("package_number") not in (None, "", order.package_number):
            return {**base, "fail_error": "logistics.package_number_not_found",
                    "fail_message": f"The package_number {entry.get('package_number')} is not exist."}
        return order

    def create_shipping_document(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        results = []
        for entry in self._order_list(self.api._json_body(ctx)):
            doc_type = self._document_type(entry.get("shipping_document_type"))
            order = self._entry(shop, entry)
            if not isinstance(order, Order):
                results.append(order)
                continue
            base = {"order_sn": order.order_sn, "package_number": order.package_number}
            shipment = order.shipment
            number = shipment.tracking_at(ctx.now_ts) if shipment is not None else ""
            if shipment is None or not shipment.integrated or not number:
                results.append({**base, "fail_error": "logistics.package_can_not_print",
                                "fail_message": "The package can not print now."})
                continue
            if entry.get("tracking_number") not in (None, "", number):
                results.append({**base, "fail_error": "logistics.tracking_number_invalid",
                                "fail_message": "The tracking number is invalid. Please check the tracking number."})
                continue
            shipment.document_type = doc_type
            shipment.document_ready_at = ctx.now_ts + DOCUMENT_SECONDS
            results.append(base)
        return self._batch_answer(results)

    def get_shipping_document_result(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        results = []
        for entry in self._order_list(self.api._json_body(ctx)):
            self._document_type(entry.get("shipping_document_type"))
            order = self._entry(shop, entry)
            if not isinstance(order, Order):
                results.append(order)
                continue
            base = {"order_sn": order.order_sn, "package_number": order.package_number}
            shipment = order.shipment
            if shipment is None or not shipment.document_ready_at:
                results.append({**base, "fail_error": "logistics.shipping_document_should_print_first",
                                "fail_message": "The package can not print now, please create shipping document "
                                                "first.Detail: order_sn"})
                continue
            status = "READY" if ctx.now_ts >= shipment.document_ready_at else "PROCESSING"
            results.append({**base, "status": status})
        return self._batch_answer(results)

    def download_shipping_document(self, ctx: _Context) -> FileAnswer:
        shop = self._shop(ctx)
        body = self.api._json_body(ctx)
        self._document_type(body.get("shipping_document_type"))
        bills = []
        for entry in self._order_list(body):
            order = self._entry(shop, entry)
            if not isinstance(order, Order):
                raise ApiError(order["fail_error"], order["fail_message"])
            shipment = order.shipment
            if shipment is None or not shipment.document_ready_at or ctx.now_ts < shipment.document_ready_at:
                raise ApiError("logistics.shipping_document_should_print_first",
                               "The package can not print now, please create shipping document first.")
            bills.append(self._waybill(shop, order, shipment))
        pdf = render_labels(bills, title="Shopee air waybill")
        return FileAnswer(pdf, "application/pdf", "shipping_document.pdf")

    @staticmethod
    def _waybill(shop: Shop, order: Order, shipment: Shipment) -> CarrierLabel:
        buyer, place = order.buyer, order.buyer.place
        return CarrierLabel(
            carrier=order.carrier, platform="Shopee", tracking_number=shipment.tracking_number,
            order_number=order.order_sn, package_number=order.package_number,
            recipient=(buyer.name, buyer.phone, buyer.street_line,
                       ", ".join(part for part in (place.district, place.city, place.zipcode) if part)),
            sender=(shop.name, f"1 {shop.region.places[0].streets[0]}", shop.region.code),
            cod=f"{order.region.currency} {order.total_amount}" if order.cod else "", grouped_number=False,
        )

    # ---- routes --------------------------------------------------------------------------------

    def _endpoint(self, handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await self.api._serve(request, handler, wrap=True)

        return endpoint

    def routes(self) -> list[Route]:
        gets = {"get_shipping_parameter": self.get_shipping_parameter,
                "get_tracking_number": self.get_tracking_number,
                "get_tracking_info": self.get_tracking_info}
        posts = {"ship_order": self.ship_order,
                 "create_shipping_document": self.create_shipping_document,
                 "get_shipping_document_result": self.get_shipping_document_result,
                 "download_shipping_document": self.download_shipping_document}
        return ([Route(PREFIX + name, self._endpoint(handler), methods=["GET"]) for name, handler in gets.items()]
                + [Route(PREFIX + name, self._endpoint(handler), methods=["POST"])
                   for name, handler in posts.items()])
