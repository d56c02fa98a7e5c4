"""A Lazada package's logistics history as GetOrderTrace (/logistic/order/trace) answers it: stages with a
status_code, a detail_type, a title and a description. The codes and stage order follow the doc's sample
(1200 "ready_to") and what sellers report seeing: 1210 shipped, 100018 out for delivery, 1400 delivered.
Assumption: the codes of the failed-delivery and return stages are not published; the emulator's are below."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TraceEvent:
    event_time: int          # epoch milliseconds
    status_code: str
    detail_type: str
    title: str
    description: str
    location: str = ""

    def payload(self) -> dict[str, object]:
        return {"package_location_name": self.location or None, "status_code": self.status_code,
                "proof_images": [], "detail_type": self.detail_type, "event_date": None, "receive_time": "0",
                "icon": None, "description": self.description, "title": self.title,
                "event_time": str(self.event_time)}


# Item status reached -> the stage the 3PL reports for the package.
STAGES: dict[str, tuple[str, str, str, str]] = {
    "packed": ("1200", "ready_to", "Packed by seller / warehouse",
               "Your parcel has been packed and ready to be handed over to our shipping provider."),
    "shipped": ("1210", "shipped", "Shipped", "Your parcel has been picked up by our logistics partner."),
    "delivered": ("1400", "delivered", "Delivered", "Your parcel has been delivered."),
    "failed_delivery": ("1500", "delivery_failed", "Delivery failed", "Delivery was attempted but failed."),
    "shipped_back": ("1600", "return_to_seller", "Returning to seller", "Your parcel is being returned to the seller."),
    "shipped_back_success": ("1610", "returned", "Returned to seller", "The parcel was returned to the seller."),
    "lost_by_3pl": ("1700", "lost", "Lost", "The parcel was lost by the logistics partner."),
}


def stage(status: str, at_seconds: int) -> TraceEvent | None:
    found = STAGES.get(status)
    if found is None:
        return None
    code, kind, title, description = found
    return TraceEvent(at_seconds * 1000, code, kind, title, description)
