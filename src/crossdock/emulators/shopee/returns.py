"""The emulated returns module of Shopee Open Platform v2: return/refund requests a buyer opens, listed by
v2.returns.get_return_list and read one by one with v2.returns.get_return_detail (data/raw/shopee/apis/returns
of the stored doc copies)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crossdock.emulators._common.web import int_or_none
from crossdock.emulators.shopee.catalogue import json_money
from crossdock.emulators.shopee.errors import ApiError, param_error

if TYPE_CHECKING:
    from crossdock.emulators.shopee.app import ShopeeApi, _Context
    from crossdock.emulators.shopee.world import Shop

RETURN_LIST_PATH = "/api/v2/returns/get_return_list"
RETURN_DETAIL_PATH = "/api/v2/returns/get_return_detail"
# get_return_list: page_size "the maximum number of entries (<= 100)"; time ranges "is 15 days".
PAGE_SIZE_MAX = 100
MAX_RANGE_SECONDS = 15 * 86_400
# Data Definition - ReturnStatus.
RETURN_STATUSES = ("REQUESTED", "ACCEPTED", "CANCELLED", "JUDGING", "CLOSED", "PROCESSING", "SELLER_DISPUTE")
_DAY = 86_400
# Assumption: how long the seller has to answer, and the buyer to ship the parcel back.
SELLER_DAYS = 3
BUYER_SHIP_DAYS = 7


@dataclass
class ReturnCase:
    """One return/refund request of one order line, as a buyer opens it."""

    return_sn: str
    order_sn: str
    currency: str
    decimals: int
    buyer_username: str
    create_time: int
    update_time: int
    item_id: int
    model_id: int
    name: str
    item_sku: str
    variation_sku: str
    amount: int
    item_price: Decimal
    image_url: str
    delivered: bool                      # raised after delivery (normal RR) or while in transit
    status: str = "REQUESTED"
    reason: str = "CHANGE_MIND"
    text_reason: str = "Changed my mind"
    tracking_number: str = ""

    def payload(self) -> dict[str, Any]:
        """The return as get_return_list and get_return_detail answer it."""
        refund = self.item_price * self.amount
        money = json_money(refund, self.decimals)
        return {
            "image": [self.image_url],
            "buyer_videos": [],
            "reason": self.reason,
            "text_reason": self.text_reason,
            "return_sn": self.return_sn,
            "refund_amount": money,
            "currency": self.currency,
            "create_time": self.create_time,
            "update_time": self.update_time,
            "status": self.status,
            "due_date": self.create_time + SELLER_DAYS * _DAY,
            "tracking_number": self.tracking_number,
            "dispute_reason": [],
            "dispute_text_reason": [],
            "needs_logistics": True,
            "amount_before_discount": money,
            "user": {"username": self.buyer_username, "email": f"****{self.buyer_username[-2:]}@shopee.com",
                     "portrait": ""},
            "item": [{
                "model_id": self.model_id,
                "name": self.name,
                "images": [self.image_url],
                "amount": self.amount,
                "item_price": json_money(self.item_price, self.decimals),
                "is_add_on_deal": False,
                "is_main_item": False,
                "add_on_deal_id": 0,
                "item_id": self.item_id,
                "item_sku": self.item_sku,
                "variation_sku": self.variation_sku,
                "refund_amount": money,
            }],
            "order_sn": self.order_sn,
            "return_ship_due_date": self.create_time + BUYER_SHIP_DAYS * _DAY,
            "return_seller_due_date": self.create_time + SELLER_DAYS * _DAY,
            "negotiation_status": "PENDING_RESPOND",
            "seller_proof_status": "NOT_NEEDED",
            "seller_compensation_status": "NOT_REQUIRED",
            "return_refund_type": "RRBOC",
            "return_solution": 0,
            "is_seller_arrange": False,
            "is_shipping_proof_mandatory": False,
            "return_refund_request_type": 0 if self.delivered else 1,
            "validation_type": "seller_validation",
        }


def _range(query: dict[str, str], kind: str) -> tuple[int, int] | None:
    raw_from, raw_to = query.get(f"{kind}_time_from", ""), query.get(f"{kind}_time_to", "")
    if raw_from == "" and raw_to == "":
        return None
    start, end = int_or_none(raw_from), int_or_none(raw_to)
    if start is None or end is None:
        raise param_error(f"{kind}_time_from and {kind}_time_to must both be timestamps")
    if end < start or end - start > MAX_RANGE_SECONDS:
        # The documented wording, whichever range is too wide.
        raise ApiError("error_param", "The period between create_time_from and created_time_of must not more than "
                                      "15 days.")
    return start, end


class ReturnsApi:
    """The v2.returns handlers; they share ShopeeApi's signing, rate limits, faults and envelope."""

    def __init__(self, api: ShopeeApi) -> None:
        self.api = api

    def _shop(self, ctx: _Context) -> Shop:
        return self.api.emu.world.shop(self.api._shop_auth(ctx))

    def get_return_list(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        query = ctx.query
        # page_no: "Default is 0", the first page.
        page_no = self.api._required_int(query, "page_no")
        page_size = self.api._required_int(query, "page_size")
        if page_no < 0:
            raise param_error("page_no is invalid")
        if not 1 <= page_size <= PAGE_SIZE_MAX:
            raise param_error(f"page_size should be between 1 and {PAGE_SIZE_MAX}")
        created, updated = _range(query, "create"), _range(query, "update")
        if created is not None and updated is not None and updated[0] < created[0]:
            raise ApiError("error_param", "The update_time_from must be after create_time_from.")
        status = query.get("status", "")
        if status and status not in RETURN_STATUSES:
            raise param_error("status is invalid")
        matches = [case for case in shop.returns.values()
                   if (created is None or created[0] <= case.create_time <= created[1])
                   and (updated is None or updated[0] <= case.update_time <= updated[1])
                   and (not status or case.status == status)]
        # Newest first; create_time and return_sn never change, so pages stay stable.
        matches.sort(key=lambda case: (case.create_time, case.return_sn), reverse=True)
        start = page_no * page_size
        page = matches[start:start + page_size]
        return {"more": len(matches) > start + page_size, "return": [case.payload() for case in page]}

    def get_return_detail(self, ctx: _Context) -> dict[str, Any]:
        shop = self._shop(ctx)
        return_sn = ctx.query.get("return_sn", "").strip()
        if not return_sn:
            raise param_error("return_sn is required")
        case = shop.returns.get(return_sn)
        if case is None:
            raise ApiError("error_data", "The return you queried doesn't exist.")
        return {**case.payload(), "logistics_status": "LOGISTICS_NOT_START",
                "reverse_logistic_status": "LOGISTICS_NOT_START", "activity": [],
                "seller_proof": {"seller_proof_status": "NOT_NEEDED", "seller_evidence_deadline": 0},
                "seller_compensation": {"seller_compensation_status": "NOT_REQUIRED",
                                        "seller_compensation_due_date": 0, "compensation_amount": 0},
                "negotiation": {"negotiation_status": "PENDING_RESPOND", "latest_solution": "RETURN_REFUND",
                                "latest_offer_amount": case.payload()["refund_amount"], "latest_offer_creator": "",
                                "counter_limit": 0, "offer_due_date": 0},
                "return_address": {"whs_id": ""}}

    def _endpoint(self, handler: Callable[[_Context], dict[str, Any]]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await self.api._serve(request, handler, wrap=True)

        return endpoint

    def routes(self) -> list[Route]:
        return [
            Route(RETURN_LIST_PATH, self._endpoint(self.get_return_list), methods=["GET"]),
            Route(RETURN_DETAIL_PATH, self._endpoint(self.get_return_detail), methods=["GET"]),
        ]
