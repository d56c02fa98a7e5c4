"""Buyer returns of seller-fulfilled orders, as Amazon keeps them and as the flat-file returns report lists them.

A return (one Amazon RMA) covers units of one order, one report row per returned item (ASIN). Columns follow the
"Flat File Returns Report by Return Date" (developer-docs "Returns reports attributes",
GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE) in their download spelling; values not shown there are assumptions,
each named below.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crossdock.emulators.amazon.world import Order

# The report's columns, in the report's order.
COLUMNS: tuple[str, ...] = (
    "order-id", "order-date", "return-request-date", "return-request-status", "amazon-rma-id", "seller-rma-id",
    "label-type", "label-cost", "currency-code", "return-carrier", "tracking-id", "label-to-be-paid-by",
    "a-to-z-claim", "is-prime", "asin", "merchant-sku", "item-name", "return-quantity", "return-reason", "in-policy",
    "return-type", "resolution", "invoice-number", "return-delivery-date", "order-amount", "order-quantity",
    "safe-t-action-reason", "safe-t-claim-id", "safe-t-claim-state", "safe-t-claim-creation-time",
    "safe-t-claim-reimbursement-amount", "refunded-amount",
)
# Assumption: the status words of return-request-status. An in-policy return is authorized at once ("Approved");
# one outside the policy waits for the seller ("Pending"), who authorizes or refuses it; a return ends "Closed".
PENDING, APPROVED, AUTHORIZED, CLOSED, REJECTED = "Pending", "Approved", "Authorized", "Closed", "Rejected"
RETURN_STATUSES = (PENDING, APPROVED, AUTHORIZED, CLOSED, REJECTED)
# Assumption: Amazon's customer return reason codes ("CR-" customer, "AMZ-PG-" Amazon-judged).
SELLER_FAULT_REASONS = frozenset({"CR-DEFECTIVE", "AMZ-PG-BAD-DESC", "CR-DAMAGED_BY_CARRIER", "CR-MISSING_PARTS",
                                  "CR-QUALITY_UNACCEPTABLE", "CR-SWITCHEROO"})
RETURN_REASONS = ("CR-UNWANTED_ITEM", "CR-ORDERED_WRONG_ITEM", "CR-FOUND_BETTER_PRICE", *sorted(SELLER_FAULT_REASONS))
PREPAID_LABEL = "AmazonPrePaidLabel"
# Assumption: the carrier of Amazon's prepaid return labels in each marketplace, and its label price (local money).
RETURN_CARRIERS = {"DE": "DHL", "FR": "La Poste", "IT": "Poste Italiane", "ES": "Correos", "GB": "Royal Mail",
                   "NL": "PostNL", "SE": "PostNord", "PL": "InPost", "BE": "bpost"}
LABEL_COST = Decimal("4.50")
RETURN_TYPE = "C-Returns"          # assumption: the customer-initiated return type
RESOLUTION = "StandardRefund"      # assumption
_ALNUM = "ABCDEFGHIJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789"
_CENT = Decimal("0.01")


def flat_time(moment: datetime) -> str:
    """A time as Amazon's flat files write it: ISO 8601 with the offset, "2026-11-01T13:05:00+00:00"."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


@dataclass
class ReturnedItem:
    order_item_id: str
    asin: str
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass
class ReturnCase:
    """One return request (RMA) of a buyer."""

    rma_id: str
    marketplace_id: str
    country: str
    currency: str
    order_id: str
    order_date: datetime
    order_amount: Decimal
    order_quantity: int
    is_prime: bool
    requested: datetime
    items: list[ReturnedItem]
    reason: str
    in_policy: bool
    status: str
    updated: datetime
    label_type: str = ""
    label_cost: Decimal | None = None
    carrier: str = ""
    tracking_id: str = ""
    label_paid_by: str = ""
    delivered: datetime | None = None
    refunded: Decimal | None = None        # in total, spread over the items when reported
    seller_rma_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)   # report cells set by hand (tests of odd reports)

    def issue_label(self, rng: random.Random) -> None:
        """Amazon's prepaid return label: who pays depends on whose fault the return is."""
        if self.label_type:
            return
        self.label_type, self.carrier = PREPAID_LABEL, RETURN_CARRIERS.get(self.country, "DHL")
        self.label_cost = LABEL_COST
        self.tracking_id = "".join(rng.choices("0123456789", k=20))
        self.label_paid_by = "Seller" if self.reason in SELLER_FAULT_REASONS else "Customer"

    def rows(self) -> list[dict[str, str]]:
        """The report's rows for this return: one per item."""
        shares = self._refund_shares()
        out = []
        for item, refund in zip(self.items, shares, strict=True):
            row = {
                "order-id": self.order_id, "order-date": flat_time(self.order_date),
                "return-request-date": flat_time(self.requested), "return-request-status": self.status,
                "amazon-rma-id": self.rma_id, "seller-rma-id": self.seller_rma_id, "label-type": self.label_type,
                "label-cost": _money(self.label_cost) if self.label_cost is not None else "",
                "currency-code": self.currency, "return-carrier": self.carrier, "tracking-id": self.tracking_id,
                "label-to-be-paid-by": self.label_paid_by, "a-to-z-claim": "N", "is-prime": "Y" if self.is_prime
                else "N", "asin": item.asin, "merchant-sku": item.sku, "item-name": item.title,
                "return-quantity": str(item.quantity), "return-reason": self.reason,
                "in-policy": "Y" if self.in_policy else "N", "return-type": RETURN_TYPE, "resolution": RESOLUTION,
                "invoice-number": "", "return-delivery-date": flat_time(self.delivered) if self.delivered else "",
                "order-amount": _money(self.order_amount), "order-quantity": str(self.order_quantity),
                "safe-t-action-reason": "", "safe-t-claim-id": "", "safe-t-claim-state": "",
                "safe-t-claim-creation-time": "", "safe-t-claim-reimbursement-amount": "",
                "refunded-amount": _money(refund) if refund is not None else "",
            }
            row.update(self.extra)
            out.append(row)
        return out

    def _refund_shares(self) -> list[Decimal | None]:
        if self.refunded is None:
            return [None] * len(self.items)
        values = [i.unit_price * i.quantity for i in self.items]
        total = sum(values, Decimal(0))
        shares = [(self.refunded * v / total).quantize(_CENT) if total else Decimal(0) for v in values]
        shares[-1] = self.refunded - sum(shares[:-1], Decimal(0))   # the cents left over go to the last row
        return list(shares)


def new_rma_id(rng: random.Random, used: set[str]) -> str:
    """Assumption: Amazon RMA ids look like "DfTq9kLm2RMA" (a "D", eight letters or digits, "RMA")."""
    while True:
        rma_id = "D" + "".join(rng.choices(_ALNUM, k=8)) + "RMA"
        if rma_id not in used:
            used.add(rma_id)
            return rma_id


def open_return(order: Order, existing: list[ReturnCase], sku: str | None, quantity: int, reason: str,
                in_policy: bool, now: datetime, rng: random.Random, used_ids: set[str]) -> ReturnCase:
    """The buyer asks to return `quantity` shipped units of one item (its SKU, or the order's first item's)."""
    if order.channel != "MFN":
        raise ValueError(f"order {order.amazon_order_id} is fulfilled by Amazon: Amazon handles its returns")
    if reason not in RETURN_REASONS:
        raise ValueError(f"unknown return reason {reason!r}; known: {', '.join(RETURN_REASONS)}")
    wanted = sku if sku is not None else order.items[0].product.sku
    item = next((i for i in order.items if i.product.sku == wanted), None)
    if item is None:
        raise KeyError(f"order {order.amazon_order_id} has no item {wanted!r}")
    returned = sum(r.quantity for case in existing if case.order_id == order.amazon_order_id
                   and case.status != REJECTED for r in case.items if r.order_item_id == item.order_item_id)
    if quantity < 1 or item.shipped - returned < quantity:
        raise ValueError(f"order {order.amazon_order_id} has {item.shipped - returned} shipped, unreturned units "
                         f"of {wanted!r}, not {quantity}")
    unit = (item.unit_price - item.promotion).quantize(_CENT)
    case = ReturnCase(
        rma_id=new_rma_id(rng, used_ids), marketplace_id=order.marketplace_id, country=order.marketplace.country,
        currency=order.currency, order_id=order.amazon_order_id, order_date=order.purchase_date,
        order_amount=order.total(), order_quantity=sum(i.quantity for i in order.items), is_prime=order.is_prime,
        requested=now, items=[ReturnedItem(item.order_item_id, item.product.asin, item.product.sku,
                                           item.product.title, quantity, unit)],
        reason=reason, in_policy=in_policy, status=APPROVED if in_policy else PENDING, updated=now)
    if in_policy:
        case.issue_label(rng)
    return case


def update(case: ReturnCase, now: datetime, rng: random.Random, *, status: str | None = None,
           delivered: bool = False, refund: Decimal | None = None) -> None:
    """Move a return along: the seller authorizes or refuses it, the parcel arrives, the buyer is refunded."""
    if status is not None:
        if status not in RETURN_STATUSES:
            raise ValueError(f"unknown return-request-status {status!r}; known: {', '.join(RETURN_STATUSES)}")
        case.status = status
        if status in (APPROVED, AUTHORIZED):
            case.issue_label(rng)
    if delivered and case.delivered is None:
        if not case.label_type:
            raise ValueError(f"return {case.rma_id} was never authorized: nothing can arrive")
        case.delivered = now
    if refund is not None:
        if refund < 0:
            raise ValueError("a refund cannot be negative")
        case.refunded = refund
    case.updated = now
