"""The REST API application; every route calls a service, never the database or a connector."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from importlib.metadata import version
from typing import Annotated, Any

from fastapi import Body, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from crossdock.bootstrap import App
from crossdock.domain.orders.status import OrderStatus
from crossdock.domain.time import require_utc
from crossdock.interfaces.api import fulfilment, inventory, problems
from crossdock.interfaces.api.schemas import (
    AccountConnectIn,
    AuthorizeIn,
    CountCheckOut,
    Health,
    OrderDetailOut,
    OrderOut,
    OrderPage,
    StoreIn,
    StoreOut,
    SyncIn,
)
from crossdock.jobs.runner import JobRunner
from crossdock.jobs.tasks import pull_key
from crossdock.services.errors import InvalidInput
from crossdock.services.order_sync import PullOrders
from crossdock.services.stores import AddStore, StoreNotFound
from crossdock.services.views import OrderFilter, QuarantineItem, SyncRunView


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput(f"{name} must carry a timezone, e.g. 2026-11-01T00:00:00Z")
    return require_utc(value)


def create_api(app: App, runner: JobRunner | None = None) -> FastAPI:
    api = FastAPI(title="Crossdock", version=version("crossdock"), openapi_url="/api/openapi.json",
                  docs_url="/api/docs", redoc_url=None,
                  description="One operations hub for every store on every marketplace.")
    problems.install(api)
    jobs = runner or JobRunner(workers=2)

    @api.get("/api/health", response_model=Health, tags=["system"])
    def health() -> Health:
        with app.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        counts = app.queries.orders_by_status()
        return Health(status="ok", database=app.engine.dialect.name, version=version("crossdock"),
                      stores=len(app.stores.list()), orders=sum(counts.values()),
                      open_quarantine=app.queries.open_quarantine())

    # --- stores ---------------------------------------------------------------------------------

    @api.get("/api/stores", response_model=list[StoreOut], tags=["stores"])
    def list_stores() -> list[StoreOut]:
        return [StoreOut.of(s) for s in app.stores.list()]

    @api.get("/api/stores/{store_id}", response_model=StoreOut, tags=["stores"])
    def get_store(store_id: int) -> StoreOut:
        for s in app.stores.list():
            if s.id == store_id:
                return StoreOut.of(s)
        raise StoreNotFound(f"no store with id {store_id}")

    @api.post("/api/stores", response_model=StoreOut, status_code=201, tags=["stores"])
    def add_store(body: StoreIn) -> StoreOut:
        store = app.stores.add(AddStore(platform=body.platform, external_id=body.external_id, name=body.name,
                                        region=body.region, currency=body.currency, account=body.account))
        return get_store(store.id)

    @api.post("/api/accounts/connect", response_model=list[StoreOut], status_code=201, tags=["stores"])
    def connect_account(body: AccountConnectIn) -> list[StoreOut]:
        """Authorize an account that owns many stores (Joom, Amazon, TikTok Shop) and add all its stores."""
        found = {s.id for s in app.stores.connect_account(body.platform, body.code, account=body.account,
                                                          external_id=body.external_id)}
        return [StoreOut.of(v) for v in app.stores.list() if v.id in found]

    @api.post("/api/accounts/{account_id}/discover", response_model=list[StoreOut], tags=["stores"])
    def discover(account_id: int) -> list[StoreOut]:
        found = {s.id for s in app.stores.discover(account_id)}
        return [StoreOut.of(v) for v in app.stores.list() if v.id in found]

    @api.post("/api/stores/{store_id}/authorize", status_code=204, tags=["stores"])
    def authorize_store(store_id: int, body: AuthorizeIn) -> Response:
        app.stores.authorize(store_id, body.code)
        return Response(status_code=204)

    @api.post("/api/stores/{store_id}/sync", tags=["sync"],
              responses={200: {"model": SyncRunView}, 202: {"description": "queued"}})
    def sync_store(store_id: int, body: Annotated[SyncIn | None, Body()] = None,
                   wait: bool = Query(False, description="run now and answer with the finished run")) -> Any:
        app.stores.get(store_id)
        cmd = PullOrders(store_id, since=_aware(body.since if body else None, "since"),
                         until=_aware(body.until if body else None, "until"), trigger="api")
        if wait:
            return app.sync.pull(cmd)
        _, queued = jobs.submit(pull_key(store_id), lambda: app.sync.pull(cmd))
        return JSONResponse({"queued": queued, "key": pull_key(store_id),
                             "detail": "queued" if queued else "a pull of this store is already pending"},
                            status_code=202)

    @api.get("/api/stores/{store_id}/count-check", response_model=CountCheckOut, tags=["sync"])
    def count_check(store_id: int, since: datetime, until: datetime) -> CountCheckOut:
        s, u = _aware(since, "since"), _aware(until, "until")
        assert s is not None and u is not None
        return CountCheckOut.of(app.sync.check_counts(store_id, s, u))

    @api.get("/api/sync/runs", response_model=list[SyncRunView], tags=["sync"])
    def sync_runs(store_id: int | None = None, limit: int = Query(50, ge=1, le=500)) -> list[SyncRunView]:
        return app.sync.runs(store_id, limit)

    # --- orders ---------------------------------------------------------------------------------

    @api.get("/api/orders", response_model=OrderPage, tags=["orders"])
    def list_orders(
        status: OrderStatus | None = None, store_id: int | None = None, platform: str | None = None,
        created_from: datetime | None = None, created_to: datetime | None = None,
        updated_from: datetime | None = None, updated_to: datetime | None = None,
        limit: int = Query(50, ge=1, le=500), cursor: str | None = None,
    ) -> OrderPage:
        f = OrderFilter(status=status.value if status else None, store_id=store_id, platform=platform,
                        created_from=_aware(created_from, "created_from"), created_to=_aware(created_to, "created_to"),
                        updated_from=_aware(updated_from, "updated_from"), updated_to=_aware(updated_to, "updated_to"))
        page = app.queries.orders(f, limit=limit, cursor=cursor)
        return OrderPage(items=[OrderOut.of(o) for o in page.items], next_cursor=page.next_cursor)

    @api.get("/api/orders/{order_id}", response_model=OrderDetailOut, tags=["orders"])
    def get_order(order_id: int) -> OrderDetailOut:
        return OrderDetailOut.of_detail(app.queries.order(order_id))

    @api.get("/api/quarantine", response_model=list[QuarantineItem], tags=["sync"])
    def quarantine(store_id: int | None = None, include_resolved: bool = False,
                   limit: int = Query(100, ge=1, le=1000)) -> list[QuarantineItem]:
        return app.queries.quarantine(store_id=store_id, include_resolved=include_resolved, limit=limit)

    # --- pushes ---------------------------------------------------------------------------------

    @api.post("/api/webhooks/{platform}", tags=["webhooks"], status_code=200,
              responses={401: {"description": "signature does not verify"}})
    async def webhook(platform: str, request: Request) -> Response:
        """A platform's push: answered at once (empty 2xx, as platforms expect), the order pulled right after."""
        body = await request.body()
        public = app.settings.public_url
        url = f"{public.rstrip('/')}{request.url.path}" if public else str(request.url)
        receipt = await run_in_threadpool(app.pushes.receive, platform, dict(request.headers), body, url)
        if receipt.state == "rejected":
            return problems.problem(401, "Push rejected", receipt.error)
        if receipt.state == "malformed":
            return problems.problem(400, "Push not understood", receipt.error)
        if receipt.new_events:
            jobs.submit(f"push:{platform}:{receipt.delivery_id}", partial(app.pushes.process, receipt.new_events))
        return Response(status_code=200)

    inventory.include(api, app, jobs)
    fulfilment.include(api, app, jobs)
    api.state.jobs = jobs
    return api
