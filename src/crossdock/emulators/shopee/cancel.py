"""The emulated v2.order.cancel_order of Shopee Open Platform: the seller cancels an order before it ships.

From the API page (open.shopee.com/documents/v2/v2.order.cancel_order, as SDKs generated from it and copies of it
quote it): "Use this api to cancel an order. This action can only be performed before the order has been
shipped." Body {order_sn, cancel_reason, item_list[{item_id, model_id}]}; cancel_reason "Applicable values:
OUT_OF_STOCK, CUSTOMER_REQUEST, UNDELIVERABLE_AREA (Note: Only apply for TW and MY), COD_NOT_SUPPORTED";
item_list "Required when cancel_reason is OUT_OF_STOCK" (the failed item and model ids). Answer {"update_time"}.
The page lists its refusals in words only ("Wrong parameters", "Order has already been shipped", ...); the error
names below are assumptions, marked so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crossdock.emulators.shopee.errors import ApiError, param_error
from crossdock.emulators.shopee.world import Order

if TYPE_CHECKING:
    from crossdock.emulators.shopee.app import ShopeeApi, _Context
    from crossdock.emulators.shopee.world import Shop

CANCEL_ORDER_PATH = "/api/v2/order/cancel_order"
OUT_OF_STOCK = "OUT_OF_STOCK"
UNDELIVERABLE_AREA = "UNDELIVERABLE_AREA"
# cancel_reason -> the words get_order_detail's cancel_reason then shows. Assumption: Seller Centre's labels; the
# generated orders already show "Out of Stock" for a seller's cancellation.
CANCEL_REASONS: dict[str, str] = {
    OUT_OF_STOCK: "Out of Stock",
    "CUSTOMER_REQUEST": "Customer Request",
    UNDELIVERABLE_AREA: "Undeliverable Area",
    "COD_NOT_SUPPORTED": "COD Not Supported",
}
UNDELIVERABLE_AREA_REGIONS = frozenset({"TW", "MY"})
# Not shipped yet: unpaid, waiting to be arranged, arranged but not picked up. IN_CANCEL waits on the seller's
# answer to the buyer's request (v2.order.handle_buyer_cancellation), not on this API.
CANCELLABLE = frozenset({"UNPAID", "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP"})
_SHIPPED = frozenset({"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})
# Assumption: the name of the refusal of an order whose status does not allow it.
STATUS_ERROR = "order.order_status_error"


def _refusal(status: str | None) -> ApiError:
    if status in _SHIPPED:
        return ApiError(STATUS_ERROR, "Order has already been shipped.")
    if status == "CANCELLED":
        return ApiError(STATUS_ERROR, "Order has already been cancelled.")
    if status == "IN_CANCEL":
        return ApiError(STATUS_ERROR, "The buyer has requested to cancel this order; accept or reject it with "
                                      "v2.order.handle_buyer_cancellation.")
    return ApiError(STATUS_ERROR, f"Order in status {status} can not be cancelled.")


def _item_list(body: dict[str, Any], order: Order) -> None:
    items = body.get("item_list")
    if not isinstance(items, list) or not items:
        raise param_error("item_list is required when cancel_reason is OUT_OF_STOCK")
    sold = {(line.item_id, line.model_id) for line in order.lines}
    for entry in items:
        item_id = entry.get("item_id") if isinstance(entry, dict) else None
        model_id = entry.get("model_id", 0) if isinstance(entry, dict) else None
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (item_id, model_id)):
            raise param_error("item_list item_id and model_id should be integers")
        if (item_id, model_id) not in sold:
            raise param_error(f"item_id {item_id} model_id {model_id} is not in order {order.order_sn}")


class CancelApi:
    """v2.order.cancel_order; it shares ShopeeApi's signing, rate limits, faults, envelope and pushes."""

    def __init__(self, api: ShopeeApi) -> None:
        self.api = api

    def _shop(self, ctx: _Context) -> Shop:
        return self.api.emu.world.shop(self.api._shop_auth(ctx))

    def cancel_order(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        body = self.api._json_body(ctx)
        order_sn = body.get("order_sn")
        if not isinstance(order_sn, str) or not order_sn.strip():
            raise param_error("order_sn is required")
        reason = body.get("cancel_reason")
        if not isinstance(reason, str) or not reason:
            raise param_error("cancel_reason is required")
        if reason not in CANCEL_REASONS:
            raise param_error(f"cancel_reason should be one of {', '.join(CANCEL_REASONS)}")
        if reason == UNDELIVERABLE_AREA and shop.region.code not in UNDELIVERABLE_AREA_REGIONS:
            raise param_error(f"cancel_reason {UNDELIVERABLE_AREA} only apply for TW and MY, not "
                              f"{shop.region.code}")
        order = shop.orders.get(order_sn.strip())
        if order is None:
            # Assumption: worded as get_order_detail words an unknown order.
            raise ApiError("error_not_found", "Wrong parameters, detail: the order is not found.")
        if not isinstance(order, Order) or order.status not in CANCELLABLE:
            raise _refusal(order.status)
        if reason == OUT_OF_STOCK:
            _item_list(body, order)
        order.pending.clear()
        order.apply("CANCELLED", ctx.now_ts, (("cancel_by", "seller"), ("cancel_reason", CANCEL_REASONS[reason])))
        ctx.extra["changed"] = [(shop.shop_id, order.order_sn)]
        return {"update_time": order.update_time}

    def _endpoint(self, handler: Callable[[_Context], dict[str, Any]]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await self.api._serve(request, handler, wrap=True)

        return endpoint

    def routes(self) -> list[Route]:
        return [Route(CANCEL_ORDER_PATH, self._endpoint(self.cancel_order), methods=["POST"])]
