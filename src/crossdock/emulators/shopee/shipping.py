"""What Shopee logistics holds about an order's parcel once shipment is arranged: the way it was arranged, the
tracking number (allocated a little later for integrated channels), the shipping document task and the tracking
events get_tracking_info answers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

# v2.logistics.get_tracking_number: "The api response can return tracking_number empty, since this info is
# dependent from the 3PL ... it is allowed to keep calling the api". Assumption: the emulated 3PL takes 15 s.
TRACKING_ALLOCATION_SECONDS = 15
# Assumption: a shipping document task stays PROCESSING this long before get_shipping_document_result says READY.
DOCUMENT_SECONDS = 2
# Assumption: the buyer's channel for a seller shipping with a carrier of its own. Shopee calls these
# non-integrated channels ("Others"); their ids are not published, these are the emulator's.
OWN_CARRIER_CHANNEL_NAME = "Others"
OWN_CARRIER_CHANNEL_BASE = 99_000


@dataclass
class TrackingInfo:
    """One element of get_tracking_info's tracking_info; logistics_status is a TrackingLogisticsStatus."""

    update_time: int
    description: str
    logistics_status: str


@dataclass
class Shipment:
    method: str                     # pickup | dropoff | non_integrated
    arranged_at: int
    tracking_number: str
    tracking_ready_at: int
    address_id: int = 0
    pickup_time_id: str = ""
    document_type: str = ""
    document_ready_at: int = 0      # 0: no shipping document task created
    events: list[TrackingInfo] = field(default_factory=list)

    @property
    def integrated(self) -> bool:
        return self.method != "non_integrated"

    def tracking_at(self, now: int) -> str:
        return self.tracking_number if now >= self.tracking_ready_at else ""

    def track(self, at: int, status: str, description: str) -> None:
        if self.integrated:
            self.events.append(TrackingInfo(at, description, status))


def own_carrier_channel(region_index: int) -> tuple[str, int]:
    return OWN_CARRIER_CHANNEL_NAME, OWN_CARRIER_CHANNEL_BASE + region_index


def is_own_carrier_channel(channel_id: int) -> bool:
    return OWN_CARRIER_CHANNEL_BASE <= channel_id < OWN_CARRIER_CHANNEL_BASE + 1000


def tracking_number(region: str, order_sn: str) -> str:
    """A 3PL tracking number, the same for the same order every run (SPX style: region + 12 digits + letter)."""
    digest = int(hashlib.sha256(order_sn.encode()).hexdigest(), 16)
    return f"{region}{digest % 10**12:012d}{chr(ord('A') + digest % 26)}"


def pickup_address_id(shop_id: int) -> int:
    return shop_id * 10 + 1
