"""Inventory anomalies a seller must look at: listings showing another quantity than Crossdock computed,
unmapped listings and order lines, oversold orders, SKUs at or under their safety stock."""

from __future__ import annotations

from typing import Any

from crossdock.services.stock_push import StockPusher
from crossdock.services.unit_of_work import UowFactory

COLUMNS = ("kind", "store_id", "listing_id", "order_id", "sku", "seller_sku", "item_id", "variant_id",
           "platform_quantity", "crossdock_quantity", "available", "safety_stock", "detail")


class StockReports:
    def __init__(self, uow: UowFactory, pusher: StockPusher) -> None:
        self._uow, self._pusher = uow, pusher

    def anomalies(self, limit: int = 5000) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        with self._uow(readonly=True) as uow:
            mapped = uow.listings.search(mapped=True, limit=1_000_000)
            unmapped = uow.listings.search(mapped=False, limit=limit)
            oversold = uow.stock.orders_in_state("oversold", limit=limit)
            waiting = uow.stock.orders_in_state("unmapped", limit=limit)
            levels = uow.stock.levels()
            catalogue = uow.catalogue.list_skus(limit=1_000_000)
        desired = self._pusher.desired({x["sku_id"] for x in mapped}, pushing_only=False)
        for lid, (row, qty) in desired.items():
            shown = row["platform_quantity"]
            if shown != qty:
                failed = row["push_state"] in ("failed", "retry")
                rows.append({"kind": "quantity_mismatch", "store_id": row["store_id"], "listing_id": lid,
                             "seller_sku": row["seller_sku"], "item_id": row["item_id"],
                             "variant_id": row["variant_id"], "platform_quantity": shown,
                             "crossdock_quantity": qty,
                             "detail": "the platform shows another quantity than Crossdock computed"
                                       + ("; the last push failed" if failed else "")})
        for x in unmapped:
            rows.append({"kind": "unmapped_listing", "store_id": x["store_id"], "listing_id": x["id"],
                         "seller_sku": x["seller_sku"], "item_id": x["item_id"], "variant_id": x["variant_id"],
                         "platform_quantity": x["platform_quantity"],
                         "detail": "no master SKU: map it (crossdock listings map) or add the SKU"})
        for o in oversold:
            for code, units in (o["shortfall"] or {}).items():
                rows.append({"kind": "oversold", "order_id": o["order_id"], "sku": code,
                             "detail": f"{units} unit(s) no warehouse could cover"})
        for o in waiting:
            for line in o["unmapped"] or []:
                rows.append({"kind": "unmapped_order_line", "order_id": o["order_id"], "seller_sku": line["sku"],
                             "item_id": line["item_id"], "variant_id": line["variant_id"],
                             "detail": f"{line['quantity']} unit(s) not reserved: the line maps to no master SKU"})
        available: dict[int, int] = {}
        for (_, sku_id), (on, res, _) in levels.items():
            available[sku_id] = available.get(sku_id, 0) + on - res
        for sku in catalogue:
            units = available.get(sku["id"], 0)
            if sku["kind"] == "single" and units <= sku["safety_stock"]:
                rows.append({"kind": "out_of_stock" if units <= 0 else "below_safety_stock", "sku": sku["code"],
                             "available": available.get(sku["id"], 0), "safety_stock": sku["safety_stock"],
                             "detail": "listings show 0 until stock is above the safety threshold"})
        return rows[:limit]
