"""The unit of work: one transaction, its repositories, and the events to publish after commit."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from crossdock.domain.events import Event
from crossdock.persistence.repositories.cancellations import CancellationRepository
from crossdock.persistence.repositories.inventory import CatalogueRepository, ListingRepository, StockRepository
from crossdock.persistence.repositories.orders import OrderRepository
from crossdock.persistence.repositories.pushes import PushRepository
from crossdock.persistence.repositories.quarantine import QuarantineRepository
from crossdock.persistence.repositories.returns import ReturnRepository
from crossdock.persistence.repositories.review import ReviewRepository
from crossdock.persistence.repositories.shipments import ShipmentRepository
from crossdock.persistence.repositories.stores import CredentialRepository, StoreRepository
from crossdock.persistence.repositories.sync import SyncRepository


class UnitOfWork:
    """`with uow:` opens a transaction that rolls back unless `commit()` was called."""

    stores: StoreRepository
    credentials: CredentialRepository
    orders: OrderRepository
    sync: SyncRepository
    quarantine: QuarantineRepository
    pushes: PushRepository
    catalogue: CatalogueRepository
    listings: ListingRepository
    stock: StockRepository
    review: ReviewRepository
    shipments: ShipmentRepository
    returns: ReturnRepository
    cancellations: CancellationRepository

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self._engine = engine
        self._readonly = readonly
        self._conn: Connection | None = None
        self.events: list[Event] = []
        self.committed = False

    def __enter__(self) -> UnitOfWork:
        conn = self._engine.connect()
        if self._readonly:
            conn = conn.execution_options(sqlite_begin="DEFERRED")
        # No begin here: the transaction starts at the first statement, so a unit of work that
        # waits on a platform before writing does not hold SQLite's write lock meanwhile.
        self._conn = conn
        self.events = []
        self.committed = False
        self.stores = StoreRepository(conn)
        self.credentials = CredentialRepository(conn)
        self.orders = OrderRepository(conn)
        self.sync = SyncRepository(conn)
        self.quarantine = QuarantineRepository(conn)
        self.pushes = PushRepository(conn)
        self.catalogue = CatalogueRepository(conn)
        self.listings = ListingRepository(conn)
        self.stock = StockRepository(conn)
        self.review = ReviewRepository(conn)
        self.shipments = ShipmentRepository(conn)
        self.returns = ReturnRepository(conn)
        self.cancellations = CancellationRepository(conn)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._conn is not None
        try:
            if self._conn.in_transaction():
                self._conn.rollback()
        finally:
            self._conn.close()
            self._conn = None

    def commit(self) -> None:
        assert self._conn is not None
        self._conn.commit()
        self.committed = True

    def rollback(self) -> None:
        assert self._conn is not None
        self._conn.rollback()
