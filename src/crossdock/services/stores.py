"""Stores: onboarding (organisation, account, store), authorization, and their tokens at rest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from crossdock.connectors._kit.errors import ConnectorError, Retryable
from crossdock.domain.errors import DomainError
from crossdock.domain.money import check_currency
from crossdock.domain.stores.model import Store, StoreHealth, StoreStatus
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import AccountLink, TokenSet
from crossdock.services.connectors import Connectors
from crossdock.services.errors import InvalidInput, NotFound, PlatformRefused, PlatformUnavailable
from crossdock.services.secrets import Cipher
from crossdock.services.unit_of_work import UowFactory
from crossdock.services.views import StoreView


class StoreNotFound(NotFound):
    pass


@contextmanager
def _talking_to(platform: str) -> Iterator[None]:
    """Connector errors in seller-facing calls become errors the interfaces can answer clearly."""
    try:
        yield
    except Retryable as exc:
        raise PlatformUnavailable(f"{platform} did not answer: {exc}; try again in a moment") from exc
    except ConnectorError as exc:
        detail = str(exc)
        named = detail.lower().startswith(platform.lower())
        raise PlatformRefused(detail if named else f"{platform}: {detail}") from exc


@dataclass(frozen=True, slots=True)
class AddStore:
    platform: str
    external_id: str
    name: str
    region: str
    currency: str
    account: str = ""               # the platform account that owns the store; defaults to the platform name
    organisation: str = "My company"


class StoredTokens:
    """Tokens of a store or of an account, encrypted in the database; each save commits at once
    (some platforms make refresh tokens single-use: a lost save would lock the seller out)."""

    def __init__(self, uow: UowFactory, cipher: Cipher, clock: Clock, owner: tuple[str, int]) -> None:
        self._uow, self._cipher, self._clock, self._owner = uow, cipher, clock, owner

    def load(self) -> TokenSet | None:
        with self._uow(readonly=True) as uow:
            row = uow.credentials.load(self._owner)
        if row is None:
            return None
        return TokenSet(access_token=self._cipher.decrypt(row.access_token),
                        refresh_token=self._cipher.decrypt(row.refresh_token),
                        access_expires_at=row.access_expires_at, refresh_expires_at=row.refresh_expires_at)

    def save(self, tokens: TokenSet) -> None:
        with self._uow() as uow:
            uow.credentials.save(self._owner, access=self._cipher.encrypt(tokens.access_token),
                                 refresh=self._cipher.encrypt(tokens.refresh_token),
                                 access_expires_at=tokens.access_expires_at,
                                 refresh_expires_at=tokens.refresh_expires_at, now=self._clock.now())
            uow.commit()


class StoreService:
    def __init__(self, uow: UowFactory, connectors: Connectors, cipher: Cipher, clock: Clock) -> None:
        self._uow, self._connectors, self._cipher, self._clock = uow, connectors, cipher, clock

    def tokens(self, store_id: int) -> StoredTokens:
        """The store's own tokens, or its account's when the platform authorizes whole accounts."""
        store = self.get(store_id)
        return StoredTokens(self._uow, self._cipher, self._clock, self.token_owner(store))

    def token_owner(self, store: Store) -> tuple[str, int]:
        """Whose tokens the store uses: its own, or its account's where the platform authorizes whole accounts.
        Work for one owner runs in one lane, so a token refresh never races another."""
        per_account = self._connectors.registry.get(store.platform).tokens_per == "account"
        return ("account", store.account_id) if per_account else ("store", store.id)

    def account_tokens(self, account_id: int) -> StoredTokens:
        return StoredTokens(self._uow, self._cipher, self._clock, ("account", account_id))

    def connect_account(self, platform: str, code: str, *, account: str, external_id: str = "",
                        organisation: str = "My company") -> list[Store]:
        """Authorize a platform account that owns many stores (Joom, Amazon, TikTok Shop), then find
        its stores and add them. Connecting again re-authorizes and picks up new stores."""
        spec = self._connectors.registry.get(platform)
        if spec.tokens_per != "account" or spec.directory is None:
            raise InvalidInput(f"{spec.name} stores are authorized one by one: use `stores add --code`")
        with _talking_to(spec.name):
            tokens = self._connectors.authorizer(platform).exchange_code(code, external_id)
        now = self._clock.now()
        with self._uow() as uow:
            org = uow.stores.organisation_named(organisation) or uow.stores.add_organisation(organisation, now)
            acct = (uow.stores.account(org.id, platform, account)
                    or uow.stores.add_account(org.id, platform, account, external_id or None, now))
            if external_id and acct.external_id != external_id:
                uow.stores.set_account_external_id(acct.id, external_id)
            uow.commit()
        self.account_tokens(acct.id).save(tokens)
        return self.discover(acct.id)

    def directory_account_ids(self) -> list[int]:
        """Accounts whose platform lists their stores, authorized at account level."""
        with self._uow(readonly=True) as uow:
            accounts = {s.account_id: s.platform for s in uow.stores.all()}
            return [aid for aid, platform in sorted(accounts.items())
                    if self._connectors.registry.get(platform).directory is not None
                    and uow.credentials.load(("account", aid)) is not None]

    def discover(self, account_id: int) -> list[Store]:
        """Ask the platform which stores the account owns; add new ones, refresh the others' status."""
        with self._uow(readonly=True) as uow:
            acct = uow.stores.account_by_id(account_id)
        if acct is None:
            raise StoreNotFound(f"no platform account with id {account_id}")
        link = AccountLink(account_id=acct.id, external_id=acct.external_id or "",
                           tokens=self.account_tokens(acct.id))
        with _talking_to(acct.platform):
            remote = self._connectors.directory(acct.platform, link).list_stores()
        now = self._clock.now()
        out: list[Store] = []
        with self._uow() as uow:
            for r in remote:
                store = uow.stores.by_external(acct.platform, r.external_id)
                if store is None:
                    store = uow.stores.add(account_id=acct.id, platform=acct.platform, external_id=r.external_id,
                                           name=r.name, region=r.region.upper(), currency=r.currency, now=now,
                                           platform_status=r.status, platform_details=r.details or None)
                else:
                    uow.stores.set_platform_info(store.id, r.name, r.status, r.details or None)
                uow.stores.set_health(store.id, StoreHealth.OK, "authorized")
                out.append(store)
            uow.commit()
        return out

    def add(self, cmd: AddStore) -> Store:
        """Idempotent on (platform, external id): adding a known store returns it unchanged."""
        self._connectors.registry.get(cmd.platform)  # an unknown platform fails here, clearly
        try:
            check_currency(cmd.currency)
        except DomainError as exc:
            raise InvalidInput(str(exc)) from exc
        now = self._clock.now()
        with self._uow() as uow:
            existing = uow.stores.by_external(cmd.platform, cmd.external_id)
            if existing is not None:
                return existing
            org = uow.stores.organisation_named(cmd.organisation) or uow.stores.add_organisation(cmd.organisation, now)
            account_name = cmd.account or cmd.platform
            account = (uow.stores.account(org.id, cmd.platform, account_name)
                       or uow.stores.add_account(org.id, cmd.platform, account_name, None, now))
            store = uow.stores.add(account_id=account.id, platform=cmd.platform, external_id=cmd.external_id,
                                   name=cmd.name, region=cmd.region.upper(), currency=cmd.currency, now=now)
            uow.commit()
            return store

    def get(self, store_id: int) -> Store:
        with self._uow(readonly=True) as uow:
            store = uow.stores.get(store_id)
        if store is None:
            raise StoreNotFound(f"no store with id {store_id}")
        return store

    def authorize(self, store_id: int, code: str) -> None:
        """Exchange the seller's consent code for tokens and keep them encrypted."""
        store = self.get(store_id)
        with _talking_to(store.platform):
            tokens = self._connectors.authorizer(store.platform).exchange_code(code, store.external_id)
        StoredTokens(self._uow, self._cipher, self._clock, self.token_owner(store)).save(tokens)
        with self._uow() as uow:
            uow.stores.set_health(store_id, StoreHealth.OK, "authorized")
            uow.commit()

    def set_status(self, store_id: int, status: StoreStatus) -> None:
        self.get(store_id)
        with self._uow() as uow:
            uow.stores.set_status(store_id, status)
            uow.commit()

    def pullable_ids(self) -> list[int]:
        """Stores to pull on schedule: active, not waiting for re-authorization, and authorized once."""
        with self._uow(readonly=True) as uow:
            return [s.id for s in uow.stores.all()
                    if s.pullable and uow.credentials.load(self.token_owner(s)) is not None]

    def list(self) -> list[StoreView]:
        with self._uow(readonly=True) as uow:
            return uow.stores.views()
