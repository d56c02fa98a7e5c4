"""How the fulfilment, logistics, reverse-order and seller-cancellation APIs answer on the wire: each in its own
envelope (a `result` object, or top-level fields), next to the `data` envelope of the order and product APIs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crossdock.emulators.lazada import cancel, fulfilment, reverse
from crossdock.emulators.lazada.world import Change, Seller

PROVIDERS = "/order/shipment/providers/get"
PACK = "/order/fulfill/pack"
RTS = "/order/package/rts"
DOCUMENT = "/order/package/document/get"
DBS_STATUS = "/order/package/sof/status/update"
DBS_DELIVERED = "/order/package/sof/delivered"
TRACE = "/logistic/order/trace"
REVERSE_LIST = "/reverse/getreverseordersforseller"
REVERSE_DETAIL = "/order/reverse/return/detail/list"
CANCEL_VALIDATE = cancel.VALIDATE
CANCEL_CREATE = cancel.CREATE
PATHS = frozenset({PROVIDERS, PACK, RTS, DOCUMENT, DBS_STATUS, DBS_DELIVERED, TRACE, REVERSE_LIST, REVERSE_DETAIL,
                   CANCEL_VALIDATE, CANCEL_CREATE})
# Parameters each API marks required; the gateway refuses a call without them (MissingParameter).
REQUIRED: dict[str, tuple[str, ...]] = {
    PROVIDERS: ("getShipmentProvidersReq",), PACK: ("packReq",), RTS: ("readyToShipReq",),
    DOCUMENT: ("getDocumentReq",), DBS_DELIVERED: ("dbsDeliveryReq",),
    DBS_STATUS: ("trackingNumber", "source", "tag", "trackInfo"), TRACE: ("order_id",),
    REVERSE_LIST: ("page_size", "page_no"), REVERSE_DETAIL: ("reverse_order_id",),
    CANCEL_VALIDATE: ("order_id", "order_item_id_list"), CANCEL_CREATE: ("order_id", "order_item_id_list", "reason_id"),
}


@dataclass
class Answer:
    """A success answer whose fields sit at the top level beside "code": "0" (instead of under "data"), and the
    order lines it changed."""

    body: dict[str, Any]
    changes: list[Change] = field(default_factory=list)


class ReverseRefused(Exception):
    def __init__(self, number: int, detail: str) -> None:
        super().__init__(detail)
        self.number, self.detail = number, detail


def _result(run: Callable[[], fulfilment.Outcome]) -> Answer:
    try:
        outcome = run()
    except fulfilment.Refused as refused:
        return Answer({"result": {"success": False, "error_code": refused.code, "error_msg": refused.message}})
    return Answer({"result": {"success": True, "data": outcome.result}}, outcome.changes)


def handle(path: str, seller: Seller, params: dict[str, str], now: int) -> Answer | dict[str, Any]:
    """The answer of a fulfilment/logistics/reverse API; a plain dict goes in the usual `data` envelope."""
    if path == PROVIDERS:
        return _result(lambda: fulfilment.shipment_providers(seller, params))
    if path == PACK:
        return _result(lambda: fulfilment.pack(seller, params, now))
    if path == RTS:
        return _result(lambda: fulfilment.ready_to_ship(seller, params, now))
    if path == DOCUMENT:
        return _result(lambda: fulfilment.document(seller, params))
    if path == DBS_DELIVERED:
        return _result(lambda: fulfilment.dbs_delivered(seller, params, now))
    if path == DBS_STATUS:
        body, changes = fulfilment.dbs_status_update(seller, params, now)
        return Answer(body, changes)
    if path == TRACE:
        return Answer({"result": fulfilment.order_trace(seller, params)})
    try:
        if path == CANCEL_VALIDATE:
            return cancel.validate(seller, params)
        if path == CANCEL_CREATE:
            data, changes = cancel.create(seller, params, now)
            return Answer({"data": data}, changes)
        if path == REVERSE_LIST:
            return Answer({"result": reverse.reverse_orders_page(list(seller.reverse_orders.values()), params)})
        return reverse.reverse_order_detail(seller.reverse_orders, params)
    except reverse.ReverseError as exc:
        raise ReverseRefused(exc.number, exc.detail) from None
