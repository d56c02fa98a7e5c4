"""Organisation (the seller), platform account (may own many stores) and store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class StoreStatus(StrEnum):
    ACTIVE = "active"        # pulled on schedule
    PAUSED = "paused"        # kept, not pulled
    DISCONNECTED = "disconnected"  # the seller revoked access or the authorization lapsed


class StoreHealth(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    AUTH_FAILED = "auth_failed"  # needs the seller to authorize again; pulls stop until then
    FAILING = "failing"          # last pull failed for another reason; retried on schedule


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class PlatformAccount:
    """A seller's account on one platform: a Joom merchant or a Shopee main account owns many stores."""

    id: int
    organisation_id: int
    platform: str
    name: str
    external_id: str | None


@dataclass(frozen=True, slots=True)
class Store:
    id: int
    account_id: int
    platform: str
    external_id: str       # the platform's shop id
    name: str
    region: str            # marketplace site, e.g. "SG", "DE"
    currency: str
    status: StoreStatus
    health: StoreHealth
    health_detail: str
    created_at: datetime

    @property
    def pullable(self) -> bool:
        return self.status is StoreStatus.ACTIVE and self.health is not StoreHealth.AUTH_FAILED
