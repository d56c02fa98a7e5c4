"""Organisations, platform accounts, stores and their (encrypted) credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

from crossdock.domain.stores.model import Organisation, PlatformAccount, Store, StoreHealth, StoreStatus
from crossdock.persistence.tables import (
    account_credentials,
    orders,
    organisations,
    platform_accounts,
    store_credentials,
    stores,
    sync_cursors,
    sync_runs,
)
from crossdock.services.views import StoreView


def _store(row: Any) -> Store:
    return Store(
        id=row.id, account_id=row.account_id, platform=row.platform, external_id=row.external_id,
        name=row.name, region=row.region, currency=row.currency, status=StoreStatus(row.status),
        health=StoreHealth(row.health), health_detail=row.health_detail, created_at=row.created_at,
    )


class StoreRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # organisations and accounts

    def organisation_named(self, name: str) -> Organisation | None:
        row = self.conn.execute(select(organisations).where(organisations.c.name == name)).first()
        return Organisation(row.id, row.name) if row else None

    def add_organisation(self, name: str, now: datetime) -> Organisation:
        oid = self.conn.execute(insert(organisations).values(name=name, created_at=now)).inserted_primary_key
        assert oid is not None
        return Organisation(int(oid[0]), name)

    def account(self, organisation_id: int, platform: str, name: str) -> PlatformAccount | None:
        t = platform_accounts
        row = self.conn.execute(select(t).where(
            t.c.organisation_id == organisation_id, t.c.platform == platform, t.c.name == name)).first()
        return PlatformAccount(row.id, row.organisation_id, row.platform, row.name, row.external_id) if row else None

    def add_account(self, organisation_id: int, platform: str, name: str, external_id: str | None,
                    now: datetime) -> PlatformAccount:
        pk = self.conn.execute(insert(platform_accounts).values(
            organisation_id=organisation_id, platform=platform, name=name, external_id=external_id, created_at=now,
        )).inserted_primary_key
        assert pk is not None
        return PlatformAccount(int(pk[0]), organisation_id, platform, name, external_id)

    # stores

    def get(self, store_id: int) -> Store | None:
        row = self.conn.execute(select(stores).where(stores.c.id == store_id)).first()
        return _store(row) if row else None

    def by_external(self, platform: str, external_id: str) -> Store | None:
        row = self.conn.execute(select(stores).where(
            stores.c.platform == platform, stores.c.external_id == external_id)).first()
        return _store(row) if row else None

    def account_by_id(self, account_id: int) -> PlatformAccount | None:
        row = self.conn.execute(select(platform_accounts).where(platform_accounts.c.id == account_id)).first()
        return PlatformAccount(row.id, row.organisation_id, row.platform, row.name, row.external_id) if row else None

    def set_account_external_id(self, account_id: int, external_id: str) -> None:
        self.conn.execute(update(platform_accounts).where(platform_accounts.c.id == account_id)
                          .values(external_id=external_id))

    def add(self, *, account_id: int, platform: str, external_id: str, name: str, region: str, currency: str,
            now: datetime, platform_status: str = "", platform_details: dict[str, Any] | None = None) -> Store:
        values = dict(account_id=account_id, platform=platform, external_id=external_id, name=name, region=region,
                      currency=currency, status=StoreStatus.ACTIVE.value, health=StoreHealth.UNKNOWN.value,
                      health_detail="", created_at=now, platform_status=platform_status,
                      platform_details=platform_details)
        pk = self.conn.execute(insert(stores).values(**values)).inserted_primary_key
        assert pk is not None
        store = self.get(int(pk[0]))
        assert store is not None
        return store

    def all(self) -> list[Store]:
        return [_store(r) for r in self.conn.execute(select(stores).order_by(stores.c.id))]

    def set_health(self, store_id: int, health: StoreHealth, detail: str = "") -> None:
        self.conn.execute(update(stores).where(stores.c.id == store_id).values(health=health.value,
                                                                                health_detail=detail[:2000]))

    def set_platform_info(self, store_id: int, name: str, status: str, details: dict[str, Any] | None) -> None:
        self.conn.execute(update(stores).where(stores.c.id == store_id)
                          .values(name=name, platform_status=status, platform_details=details))

    def set_status(self, store_id: int, status: StoreStatus) -> None:
        self.conn.execute(update(stores).where(stores.c.id == store_id).values(status=status.value))

    def views(self) -> list[StoreView]:
        last_run = (
            select(sync_runs.c.store_id, func.max(sync_runs.c.id).label("run_id"))
            .group_by(sync_runs.c.store_id).subquery()
        )
        counts = select(orders.c.store_id, func.count().label("n")).group_by(orders.c.store_id).subquery()
        q = (
            select(
                stores, platform_accounts.c.name.label("account_name"),
                store_credentials.c.store_id.label("cred"), account_credentials.c.account_id.label("acred"),
                sync_runs.c.started_at.label("last_sync_at"), sync_runs.c.state.label("last_sync_state"),
                sync_cursors.c.watermark, counts.c.n,
            )
            .join(platform_accounts, platform_accounts.c.id == stores.c.account_id)
            .outerjoin(store_credentials, store_credentials.c.store_id == stores.c.id)
            .outerjoin(account_credentials, account_credentials.c.account_id == stores.c.account_id)
            .outerjoin(last_run, last_run.c.store_id == stores.c.id)
            .outerjoin(sync_runs, sync_runs.c.id == last_run.c.run_id)
            .outerjoin(sync_cursors, (sync_cursors.c.store_id == stores.c.id) & (sync_cursors.c.stream == "orders"))
            .outerjoin(counts, counts.c.store_id == stores.c.id)
            .order_by(stores.c.id)
        )
        return [
            StoreView(
                id=r.id, platform=r.platform, external_id=r.external_id, name=r.name, region=r.region,
                currency=r.currency, status=r.status, health=r.health, health_detail=r.health_detail,
                account_id=r.account_id, account_name=r.account_name,
                has_credentials=r.cred is not None or r.acred is not None,
                platform_status=r.platform_status, platform_details=r.platform_details,
                last_sync_at=r.last_sync_at, last_sync_state=r.last_sync_state, watermark=r.watermark,
                orders=r.n or 0,
            )
            for r in self.conn.execute(q)
        ]


class CredentialRepository:
    """Stores ciphertext only; encryption happens in the service that owns the key.

    Tokens belong to a store, or to a platform account when one authorization covers all its stores.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @staticmethod
    def _where(owner: tuple[str, int]) -> tuple[Table, Any, dict[str, int]]:
        kind, oid = owner
        if kind == "store":
            return store_credentials, store_credentials.c.store_id == oid, {"store_id": oid}
        return account_credentials, account_credentials.c.account_id == oid, {"account_id": oid}

    def load(self, owner: tuple[str, int]) -> Any | None:
        table, match, _ = self._where(owner)
        return self.conn.execute(select(table).where(match)).first()

    def save(self, owner: tuple[str, int], *, access: bytes, refresh: bytes, access_expires_at: datetime,
             refresh_expires_at: datetime | None, now: datetime) -> None:
        table, match, key = self._where(owner)
        values = dict(access_token=access, refresh_token=refresh, access_expires_at=access_expires_at,
                      refresh_expires_at=refresh_expires_at, updated_at=now)
        if self.conn.execute(update(table).where(match).values(**values)).rowcount == 0:
            self.conn.execute(insert(table).values(**key, **values))
