"""The seller's cancellation APIs of Lazada: OrderCancelValidate (/order/reverse/cancel/validate) and
InitReverseOrderCancel (/order/reverse/cancel/create), from their API reference pages and the Order cancellation
guide of the stored doc copies.

- Both take order_id and order_item_id_list ("all order items need to be cancel"); create also a reason_id that
  validate offered ("Since the cancellation reasons supported by each order may be different, if you want
  reason_id, you need to call this interface to get").
- "Only order items with the Pending ~ Ready To Ship status can be cancelled." "Orders that do not meet the criteria
  will report an error, and the specific reason will be displayed in the tip_content field": the answer carries
  tip_type "error" (the create page's own sample answers code "0" with tip_type "error").
- "If you select "Out of Stock" or "Wrong Price or Pricing Error" as the reason for cancellation, the stock of the
  corresponding item will be adjusted to 0 to prevent further incorrect orders."
- "If the order is in the packaged state, other order items in the same package will also be cancelled".
- Refusals of the call itself are the pages' numbered errors: E0102, E0104, E0122, E0123.
"""

from __future__ import annotations

import json
from typing import Any

from crossdock.emulators.lazada.reverse import ReverseError
from crossdock.emulators.lazada.world import Change, Item, Order, Seller, Step, _changes

VALIDATE = "/order/reverse/cancel/validate"
CREATE = "/order/reverse/cancel/create"
CANCELLABLE = frozenset({"pending", "repacked", "topack", "packed", "toship", "ready_to_ship",
                         "ready_to_ship_pending"})
_PACKAGED = frozenset({"packed", "toship", "ready_to_ship", "ready_to_ship_pending"})
# The guide's sample reason list. Assumption: every venture offers these three under these ids ("The reason_id may
# be different for each country", but no other country's list is published).
REASONS: tuple[tuple[str, str], ...] = (
    ("10000019", "Sourcing Delay"),
    ("10000021", "Out of Stock"),
    ("10000023", "Wrong Price or Pricing Error"),
)
STOCK_TO_ZERO = frozenset({"10000021", "10000023"})
INITIATOR = "cancellation-seller"     # GetOrderItems cancel_return_initiator of a seller's cancellation
# The guide's response samples.
VALIDATE_TIP = ("SKU stock may be set to 0* after cancellation due to reasons: \u2018out of stock\u2019 or "
                "\u2018incorrect pricing\u2019, to prevent new orders while you adjust your stock/pricing. You can "
                "adjust your stock back up at any time. This adjustment will not impact existing orders. Note that "
                "cancellations can impact your ability to sell on Lazada if not managed carefully.\n\n*For more "
                "information, please view Seller Cancellation Policy page")
DONE_TIP = ("The order has been cancelled and SKU stock may have been set to 0. Please ensure you check your "
            "stock/pricing under \u201cManage Products\u201d. Your customer has also been informed of the "
            "cancellation and will receive a customer experience survey.\nPlease reach out to your customer if you "
            "would like to provide service recovery.")


def _order(seller: Seller, params: dict[str, str]) -> Order:
    order = seller.orders.get(params.get("order_id", "").strip())
    if not isinstance(order, Order):
        raise ReverseError(122, "E0122: invalid trade order ")     # sic, the error table's trailing space
    return order


def _items(order: Order, params: dict[str, str]) -> list[Item]:
    try:
        ids = json.loads(params.get("order_item_id_list", ""))
    except ValueError:
        ids = None
    if (not isinstance(ids, list) or not ids
            or not all(not isinstance(i, bool) and isinstance(i, int | str) and str(i).strip().isdigit()
                       for i in ids)):
        raise ReverseError(102, "E0102: trade order line id is empty or invalid")
    wanted = list(dict.fromkeys(str(i).strip() for i in ids))
    by_id = {str(item.order_item_id): item for item in order.items}
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise ReverseError(123, f"E0123: invalid trade order lines {', '.join(unknown)}")
    return [by_id[i] for i in wanted]


def _not_cancellable(items: list[Item]) -> dict[str, Any] | None:
    """The tip_type "error" answer when an item is past (or before) Pending ~ Ready To Ship."""
    stuck = [item for item in items if item.status not in CANCELLABLE]
    if not stuck:
        return None
    named = ", ".join(f"{item.order_item_id} ({item.status})" for item in stuck)
    return {"tip_type": "error", "reason_options": [],
            "tip_content": f"Only order items with the Pending ~ Ready To Ship status can be cancelled: {named}"}


def validate(seller: Seller, params: dict[str, str]) -> dict[str, Any]:
    refusal = _not_cancellable(_items(_order(seller, params), params))
    if refusal is not None:
        return refusal
    return {"tip_type": "warning", "tip_content": VALIDATE_TIP,
            "reason_options": [{"reason_name": name, "reason_id": rid} for rid, name in REASONS]}


def create(seller: Seller, params: dict[str, str], now: int) -> tuple[dict[str, Any], list[Change]]:
    """The answer's data and the order lines the cancellation moved."""
    order = _order(seller, params)
    items = _items(order, params)
    reason = dict(REASONS).get(params.get("reason_id", "").strip())
    if reason is None:
        raise ReverseError(104, "E0104: reason is empty or invalid")
    refusal = _not_cancellable(items)
    if refusal is not None:
        return {"tip_type": "error", "tip_content": refusal["tip_content"]}, []
    targets = _with_package_mates(order, items)
    before = {item.order_item_id: item.status for item in order.items}
    order.apply(Step(now, "canceled", (("reason", reason), ("initiator", INITIATOR)),
                     tuple(order.items.index(item) for item in targets)), seller.rng)
    if not order.live_items():
        order.pending.clear()       # nothing is left for the order's fate to move
    _restock(seller, targets, params["reason_id"].strip() in STOCK_TO_ZERO, now)
    return {"tip_type": "success", "tip_content": DONE_TIP}, _changes(seller.seller_id, order, before)


def _with_package_mates(order: Order, items: list[Item]) -> list[Item]:
    packages = {item.package_id for item in items if item.package_id and item.status in _PACKAGED}
    mates = [item for item in order.items if item.package_id in packages and item.status in CANCELLABLE]
    return list({id(item): item for item in [*items, *mates]}.values())


def _restock(seller: Seller, items: list[Item], zero: bool, now: int) -> None:
    """Out of stock and pricing errors set the SKU's sellable stock to 0; assumption: a cancellation for another
    reason puts the units back on sale."""
    for item in items:
        stocked = seller.products.by_seller_sku(item.sku.seller_sku)
        if stocked is None:
            continue
        stocked.sellable = 0 if zero else stocked.sellable + 1
        seller.products.product_of(stocked).updated_ms = now * 1000
