"""The emulated Fulfillment and Logistics APIs of Lazada (the Fulfillment API reference of the stored doc copies):
GetShipmentProvider, Pack, ReadyToShip, PrintAWB, the Delivered-by-Seller updates, and GetOrderTrace.

These APIs answer `{"code": "0", "result": {"success", "data", "error_code", "error_msg"}}`: a batch refused as a
whole says success false with Lazada's numeric error code; within a batch each item or package carries its own
item_err_code ("0" for done)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crossdock.emulators._common.carrier_labels import CarrierLabel, render_labels
from crossdock.emulators.lazada.trace import TraceEvent
from crossdock.emulators.lazada.world import CLOSED_STATUSES, Change, Item, Order, Seller, Step, _changes

if TYPE_CHECKING:
    from crossdock.emulators.lazada.regions import Venture

BATCH_MAX = 20                 # "Batch size is limited to 20" (pack_order_list, packages, orders)
PACKABLE = frozenset({"pending", "repacked"})
OWN_FLEET_PROVIDER = "Seller Own Fleet"   # assumption: what a DBS package shows before the seller names a carrier
# Assumption: a Lazada 3PL collects a ready package after six hours and delivers it three days later.
PICKUP_SECONDS = 6 * 3_600
DELIVERY_SECONDS = 3 * 86_400
# The error codes and texts of the Pack error table and the documented samples.
ORDER_NOT_FOUND = ("700021", "order not found")
ITEM_NOT_FOUND = ("700025", "order item not found")
NOT_PACKABLE = ("700026", "item current status not allow to pack")
PARAM_ILLEGAL = ("700004", "param illegal")
PARAM_NULL = ("700017", "param can't be null")
BATCH_TOO_BIG = ("700022", "batch size out of limit")
NO_NTFS = ("700016", "seller not available 3pl , pls contact us to subscription 3pl")
STATUS_NOT_ALLOWED = ("700000", "current package status not allow to operation")
PACKAGE_NOT_FOUND = ("600001", "package not found")
PACKAGE_CANCELLED = ("600002", "package already cancelled")
NOT_DBS = ("700009", "operation not support fot nonDBS order!")   # sic, the doc's sample


class Refused(Exception):
    """The whole batch is refused: result.success false with Lazada's code."""

    def __init__(self, error: tuple[str, str]) -> None:
        super().__init__(error[1])
        self.code, self.message = error


@dataclass
class Outcome:
    """A handler's result object and the order lines it changed (pushed to a subscribed seller)."""

    result: dict[str, Any]
    changes: list[Change] = field(default_factory=list)


def _json(params: dict[str, str], name: str) -> Any:
    raw = params.get(name, "")
    try:
        return json.loads(raw)
    except ValueError:
        raise Refused(PARAM_ILLEGAL) from None


def _digits(text: str, count: int) -> str:
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10**count).zfill(count)


def _find_item(seller: Seller, order: Order, item_id: Any) -> Item | None:
    return next((item for item in order.items if str(item.order_item_id) == str(item_id)), None)


def _package(seller: Seller, package_id: Any) -> tuple[Order, list[Item]] | None:
    for order in seller.orders.values():
        if isinstance(order, Order):
            items = [item for item in order.items if item.package_id and item.package_id == str(package_id)]
            if items:
                return order, items
    return None


def _package_ids(params: dict[str, str], name: str) -> list[str]:
    request = _json(params, name)
    packages = request.get("packages") if isinstance(request, dict) else None
    if not isinstance(packages, list) or not packages:
        raise Refused(PARAM_NULL)
    if len(packages) > BATCH_MAX:
        raise Refused(BATCH_TOO_BIG)
    if not all(isinstance(p, dict) and p.get("package_id") for p in packages):
        raise Refused(PARAM_ILLEGAL)
    return [str(p["package_id"]) for p in packages]


def _package_result(package_id: str, error: tuple[str, str] | None = None) -> dict[str, Any]:
    code, message = error or ("0", "success")
    return {"msg": message, "item_err_code": code, "package_id": package_id, "retry": False}


def _move(seller: Seller, order: Order, items: list[Item], status: str, now: int) -> list[Change]:
    before = {item.order_item_id: item.status for item in order.items}
    order.updated_at = max(order.updated_at, now)
    for item in items:
        item.status = status
        item.updated_at = order.updated_at
        order.trace(item, status, now)
    return _changes(seller.seller_id, order, before)


# ---- GetShipmentProvider -------------------------------------------------------------------------------------


def shipment_providers(seller: Seller, params: dict[str, str]) -> Outcome:
    request = _json(params, "getShipmentProvidersReq")
    orders = request.get("orders") if isinstance(request, dict) else None
    if not isinstance(orders, list) or not orders:
        raise Refused(PARAM_NULL)
    if len(orders) > BATCH_MAX:
        raise Refused(BATCH_TOO_BIG)
    for entry in orders:
        if not isinstance(entry, dict) or not isinstance(seller.orders.get(str(entry.get("order_id"))), Order):
            raise Refused(ORDER_NOT_FOUND)
    # Emulated sellers are local sellers: Lazada allocates the 3PL itself (TFS) and wants no provider chosen.
    return Outcome({"platform_default": 1, "shipment_providers": [], "shipping_allocate_type": "TFS"})


# ---- Pack ----------------------------------------------------------------------------------------------------


def pack(seller: Seller, params: dict[str, str], now: int) -> Outcome:
    request = _json(params, "packReq")
    if not isinstance(request, dict):
        raise Refused(PARAM_ILLEGAL)
    orders = request.get("pack_order_list")
    if not isinstance(orders, list) or not orders:
        raise Refused(PARAM_NULL)
    if len(orders) > BATCH_MAX:
        raise Refused(BATCH_TOO_BIG)
    if request.get("delivery_type") != "dropship":
        raise Refused(PARAM_ILLEGAL)
    allocate = request.get("shipping_allocate_type")
    if allocate in (None, ""):
        raise Refused(PARAM_NULL)
    if allocate not in ("TFS", "NTFS"):
        raise Refused(PARAM_ILLEGAL)
    if allocate == "NTFS":
        raise Refused(NO_NTFS)
    # "If it is a local store (TFs), this field cannot be transferred ... cannot be transferred to DBS orders".
    if request.get("shipment_provider_code"):
        raise Refused(PARAM_ILLEGAL)
    out, changes = [], []
    for entry in orders:
        if not isinstance(entry, dict) or not isinstance(entry.get("order_item_list"), list):
            raise Refused(PARAM_ILLEGAL)
        results, moved = _pack_order(seller, entry, now)
        out.append({"order_item_list": results, "order_id": entry.get("order_id")})
        changes += moved
    return Outcome({"pack_order_list": out}, changes)


def _pack_order(seller: Seller, entry: dict[str, Any], now: int) -> tuple[list[dict[str, Any]], list[Change]]:
    item_ids = entry["order_item_list"]
    order = seller.orders.get(str(entry.get("order_id")))

    def refused(item_id: Any, error: tuple[str, str]) -> dict[str, Any]:
        return {"order_item_id": item_id, "msg": error[1], "item_err_code": error[0], "tracking_number": "",
                "shipment_provider": "", "package_id": "", "retry": False}

    if not isinstance(order, Order):
        return [refused(item_id, ORDER_NOT_FOUND) for item_id in item_ids], []
    results: list[dict[str, Any]] = []
    packing: list[Item] = []
    for item_id in item_ids:
        item = _find_item(seller, order, item_id)
        if item is None:
            results.append(refused(item_id, ITEM_NOT_FOUND))
        elif item.status not in PACKABLE:
            results.append(refused(item_id, NOT_PACKABLE))
        else:
            packing.append(item)
    if not packing:
        return results, []
    # Sub-orders of the same order packed together go in one package.
    key = f"{order.order_id}:{packing[0].order_item_id}:{now}"
    package_id = "FP" + _digits(key, 15)
    venture: Venture = order.venture
    if order.dbs:
        tracking, provider = "", OWN_FLEET_PROVIDER
    else:
        tracking = "LX" + _digits("tn:" + key, 12) + venture.code
        provider = venture.shipment_providers[int(_digits("sp:" + key, 4)) % len(venture.shipment_providers)]
    for item in packing:
        item.package_id, item.tracking_code, item.shipment_provider = package_id, tracking, provider
        results.append({"order_item_id": item.order_item_id, "msg": "success", "item_err_code": "0",
                        "tracking_number": tracking, "shipment_provider": provider, "package_id": package_id,
                        "retry": False})
    # A seller's action overrides whatever the order's fate had in store.
    order.pending.clear()
    return results, _move(seller, order, packing, "packed", now)


# ---- ReadyToShip ---------------------------------------------------------------------------------------------


def ready_to_ship(seller: Seller, params: dict[str, str], now: int) -> Outcome:
    out, changes = [], []
    for package_id in _package_ids(params, "readyToShipReq"):
        found = _package(seller, package_id)
        if found is None:
            out.append(_package_result(package_id, PACKAGE_NOT_FOUND))
            continue
        order, items = found
        if any(item.status in CLOSED_STATUSES for item in items):
            out.append(_package_result(package_id, PACKAGE_CANCELLED))
        elif any(item.status != "packed" for item in items):
            out.append(_package_result(package_id, STATUS_NOT_ALLOWED))
        else:
            changes += _move(seller, order, items, "ready_to_ship", now)
            if not order.dbs:
                # Lazada's 3PL collects the package and delivers it; a DBS seller reports that itself.
                indexes = tuple(order.items.index(item) for item in items)
                order.pending = [Step(now + PICKUP_SECONDS, "shipped", (), indexes),
                                 Step(now + PICKUP_SECONDS + DELIVERY_SECONDS, "delivered", (), indexes)]
            out.append(_package_result(package_id))
    return Outcome({"packages": out}, changes)


# ---- PrintAWB ------------------------------------------------------------------------------------------------


def document(seller: Seller, params: dict[str, str]) -> Outcome:
    request = _json(params, "getDocumentReq")
    doc_type = request.get("doc_type") if isinstance(request, dict) else None
    if doc_type not in ("PDF", "HTML"):
        raise Refused(PARAM_ILLEGAL)
    bills = []
    for package_id in _package_ids(params, "getDocumentReq"):
        found = _package(seller, package_id)
        if found is None:
            raise Refused(PACKAGE_NOT_FOUND)
        order, items = found
        if not items[0].tracking_code or any(item.status in CLOSED_STATUSES for item in items):
            raise Refused(STATUS_NOT_ALLOWED)
        bills.append(_waybill(seller, order, items, bool(request.get("print_item_list"))))
    if doc_type == "PDF":
        content = render_labels(bills, title="Lazada AWB")
    else:
        content = "".join(f"<div class='awb'><h1>{html.escape(b.carrier)}</h1><p>{html.escape(b.tracking_number)}"
                          f"</p><p>{html.escape(b.order_number)}</p></div>" for b in bills).encode()
    return Outcome({"file": base64.b64encode(content).decode(), "doc_type": doc_type})


def _waybill(seller: Seller, order: Order, items: list[Item], with_items: bool) -> CarrierLabel:
    address = order.address()
    return CarrierLabel(
        carrier=items[0].shipment_provider, platform="Lazada", tracking_number=items[0].tracking_code,
        order_number=order.order_id, package_number=items[0].package_id,
        recipient=(f"{address['first_name']} {address['last_name']}", address["phone"], address["address1"],
                   ", ".join(p for p in (address["address5"], address["city"], address["post_code"]) if p)),
        sender=(seller.name, seller.venture.country_name),
        cod=f"{order.venture.currency} {sum(item.paid_price for item in items)}" if order.cod else "",
        # print_item_list: the packing list goes on the AWB itself
        notes=tuple(f"1 x {item.sku.seller_sku} {item.sku.name}" for item in items) if with_items else (),
        grouped_number=False,
    )


# ---- Delivered by Seller -------------------------------------------------------------------------------------


def dbs_status_update(seller: Seller, params: dict[str, str], now: int) -> tuple[dict[str, Any], list[Change]]:
    """PackageStatusUpdateForDBS: the seller's carrier's tracking number and latest status for a package.
    Answers the API's own shape, {success, module{result}} or {success false, errorCode{displayMessage}}."""
    def refused(message: str) -> tuple[dict[str, Any], list[Change]]:
        return {"success": False, "errorCode": {"displayMessage": message}}, []

    if not seller.dbs:
        return refused("This interface is only open to some stores")
    try:
        info = json.loads(params.get("trackInfo", ""))
        latest, event = info["latestStatus"], info["latestEvent"]
        status, event_time = str(latest["status"]), int(event["eventTime"])
    except (ValueError, KeyError, TypeError):
        return refused(PARAM_ILLEGAL[1])
    found = _package(seller, params.get("tag", ""))
    if found is None:
        return refused(PACKAGE_NOT_FOUND[1])
    order, items = found
    if not order.dbs:
        return refused(NOT_DBS[1])
    if any(item.status not in ("packed", "ready_to_ship", "shipped") for item in items):
        return refused(STATUS_NOT_ALLOWED[1])
    carrier = params.get("carrierCode", "") or OWN_FLEET_PROVIDER
    for item in items:
        item.tracking_code, item.shipment_provider = params["trackingNumber"], carrier
        item.events.append(TraceEvent(event_time, status, str(latest.get("subStatus") or status).lower(),
                                      str(latest.get("subStatusDesc") or status),
                                      str(event.get("description") or ""), str(event.get("location") or "")))
    # Assumption: the docs give no status list; any report means the seller's carrier has the parcel.
    moving = [item for item in items if item.status != "shipped"]
    changes = _move(seller, order, moving, "shipped", now) if moving else []
    return {"success": True, "module": {"result": True}}, changes


def dbs_delivered(seller: Seller, params: dict[str, str], now: int) -> Outcome:
    out, changes = [], []
    for package_id in _package_ids(params, "dbsDeliveryReq"):
        found = _package(seller, package_id)
        if found is None:
            out.append(_package_result(package_id, PACKAGE_NOT_FOUND))
            continue
        order, items = found
        if not order.dbs:
            out.append(_package_result(package_id, NOT_DBS))
        elif any(item.status != "shipped" for item in items):
            out.append(_package_result(package_id, STATUS_NOT_ALLOWED))
        else:
            for item in items:
                item.events.append(TraceEvent(now * 1000, "DELIVERED", "delivered", "Delivered",
                                              "Delivered by the seller"))
            changes += _move(seller, order, items, "delivered", now)
            out.append(_package_result(package_id))
    return Outcome({"packages": out}, changes)


# ---- GetOrderTrace -------------------------------------------------------------------------------------------


def order_trace(seller: Seller, params: dict[str, str]) -> dict[str, Any]:
    """GetOrderTrace's result; an order the seller does not have answers an empty package list, not an error."""
    order_id = params.get("order_id", "").strip()
    wanted: list[str] = []
    raw = params.get("ofcPackageIdList", "").strip()
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if not isinstance(parsed, list):
            return {"success": False, "not_success": True, "module": [],
                    "error_code": {"displayMessage": PARAM_ILLEGAL[1]}, "repeated": False, "retry": False}
        wanted = [str(p) for p in parsed]
    order = seller.orders.get(order_id)
    packages: dict[str, list[Item]] = {}
    if isinstance(order, Order):
        for item in order.items:
            if item.package_id and (not wanted or item.package_id in wanted):
                packages.setdefault(item.package_id, []).append(item)
    detail = [{
        "order_line_info_list": [{"order_line_id": item.order_item_id} for item in items],
        "ofc_package_id": package_id, "tracking_number": items[0].tracking_code,
        "logistic_detail_info_list": [event.payload() for event in sorted(items[0].events,
                                                                            key=lambda e: e.event_time)],
    } for package_id, items in packages.items()]
    return {"not_success": False, "success": True,
            "module": [{"warehouse_detail_info": None, "ofc_order_id": int(order_id) if order_id.isdigit() else None,
                        "package_detail_info_list": detail}],
            "error_code": {"displayMessage": None}, "repeated": False, "retry": False}
