"""REST routes for the catalogue, warehouses, stock, allocation to stores and listings; each calls a service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from crossdock.bootstrap import App
from crossdock.interfaces.api.inventory_schemas import (
    AdjustIn,
    AdjustResultOut,
    AllocationOut,
    AnomalyOut,
    AutomapOut,
    ImportOut,
    LedgerOut,
    LevelOut,
    ListingOut,
    ListingPullOut,
    MappingIn,
    PushReportOut,
    SafetyStockIn,
    ShareIn,
    SkuImportOut,
    SkuIn,
    SkuOut,
    StockPushIn,
    TransferIn,
    UnmappedLineOut,
    WarehouseIn,
    WarehouseOut,
)
from crossdock.jobs.runner import JobRunner
from crossdock.services.errors import InvalidInput, NotFound
from crossdock.services.sku_files import import_skus
from crossdock.services.stock_files import to_csv, to_xlsx
from crossdock.services.stock_reports import COLUMNS

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def listings_key(store_id: int) -> str:
    """One pending listings pull per store: its identity key in the job runner."""
    return f"listings:{store_id}"


def find_sku(app: App, code: str) -> dict[str, Any]:
    # The catalogue search matches parts of codes and titles; the exact code is among its hits.
    for row in app.inventory.skus(code, limit=1000):
        if row["code"] == code:
            return row
    raise NotFound(f"no SKU {code}")


def download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def catalogue_routes(app: App) -> APIRouter:
    router = APIRouter(tags=["catalogue"])

    @router.get("/api/skus", response_model=list[SkuOut])
    def list_skus(search: str = "", limit: int = Query(200, ge=1, le=1000), offset: int = Query(0, ge=0),
                  ) -> list[SkuOut]:
        return [SkuOut.of(r) for r in app.inventory.skus(search, limit, offset)]

    @router.post("/api/skus", response_model=SkuOut, status_code=201)
    def add_sku(body: SkuIn) -> SkuOut:
        app.inventory.add_sku(body.command())
        app.listings.automap()      # listings already pulled may carry this SKU's code or barcode
        return SkuOut.of(find_sku(app, body.code.strip()))

    @router.post("/api/skus/import", response_model=SkuImportOut)
    async def import_sku_file(file: UploadFile) -> SkuImportOut:
        """A CSV or XLSX of SKUs (code, title, barcode, weight_kg, …, components as "A:1;B:2"): good lines are
        added, bad ones answered by line number; listings are mapped afterwards."""
        name, content = await _read(file)
        result = await run_in_threadpool(import_skus, app.inventory, name, content)
        mapped, _ = await run_in_threadpool(app.listings.automap)
        return SkuImportOut.of(result, mapped)

    @router.post("/api/skus/{code:path}/safety-stock", response_model=SkuOut)
    def set_safety_stock(code: str, body: SafetyStockIn) -> SkuOut:
        app.inventory.set_safety_stock(code, body.safety_stock)
        return SkuOut.of(find_sku(app, code))

    @router.get("/api/warehouses", response_model=list[WarehouseOut])
    def list_warehouses() -> list[WarehouseOut]:
        return [WarehouseOut(**w) for w in app.inventory.warehouses()]

    @router.post("/api/warehouses", response_model=WarehouseOut, status_code=201)
    def add_warehouse(body: WarehouseIn) -> WarehouseOut:
        wid = app.inventory.add_warehouse(body.command())
        return next(WarehouseOut(**w) for w in app.inventory.warehouses() if w["id"] == wid)

    return router


def stock_routes(app: App) -> APIRouter:
    router = APIRouter(tags=["stock"])

    @router.get("/api/stock", response_model=list[LevelOut])
    def levels(sku: str | None = None, warehouse: str | None = None) -> list[LevelOut]:
        return [LevelOut.of(v) for v in app.inventory.levels(sku, warehouse)]

    @router.post("/api/stock/adjust", response_model=list[AdjustResultOut])
    def adjust(body: list[AdjustIn]) -> list[AdjustResultOut]:
        """Apply changes; each gets its own result (a refused one does not stop the others)."""
        results = app.inventory.adjust([c.command() for c in body]) if body else []
        return [AdjustResultOut(warehouse=c.warehouse, sku=c.sku, ok=r is None, error=r)
                for c, r in zip(body, results, strict=True)]

    @router.post("/api/stock/transfer", response_model=list[LevelOut])
    def transfer(body: TransferIn) -> list[LevelOut]:
        """Move units between warehouses, both legs or neither; answers the SKU's levels after."""
        app.inventory.transfer(body.sku, body.source, body.target, body.units, body.reference)
        return [LevelOut.of(v) for v in app.inventory.levels(body.sku)]

    @router.post("/api/stock/import", response_model=ImportOut)
    async def import_stock(file: UploadFile, mode: str = Form("set", pattern="^(set|add)$")) -> ImportOut:
        """A CSV or XLSX with warehouse, sku, quantity (and note): good lines apply, bad ones answered by line.
        mode "set": counted quantities (a stocktake); "add": changes."""
        name, content = await _read(file)
        result = await run_in_threadpool(app.stock_files.import_file, name, content, mode)
        return ImportOut.of(result)

    @router.get("/api/stock/ledger", response_model=list[LedgerOut])
    def ledger(sku: str | None = None, warehouse: str | None = None, reference: str | None = None,
               limit: int = Query(200, ge=1, le=5000)) -> list[LedgerOut]:
        return [LedgerOut.of(r) for r in app.inventory.ledger(sku, warehouse, reference, limit)]

    @router.get("/api/stock/anomalies", response_model=list[AnomalyOut])
    def anomalies() -> list[AnomalyOut]:
        return [AnomalyOut(**r) for r in app.reports.anomalies()]

    @router.get("/api/stock/anomalies.csv", response_class=Response, responses={200: {"content": {CSV: {}}}})
    def anomalies_csv() -> Response:
        return download(to_csv(COLUMNS, app.reports.anomalies()), CSV, "stock-anomalies.csv")

    @router.get("/api/stock/anomalies.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
    def anomalies_xlsx() -> Response:
        return download(to_xlsx("anomalies", COLUMNS, app.reports.anomalies()), XLSX, "stock-anomalies.xlsx")

    @router.post("/api/stock/push", response_model=PushReportOut)
    def push() -> PushReportOut:
        """Push what changed SKUs should now show to every store with pushing on; answers when done."""
        return PushReportOut.of(app.pusher.push_dirty())

    return router


def allocation_routes(app: App) -> APIRouter:
    router = APIRouter(tags=["allocation"])

    def allocation_of(store_id: int) -> AllocationOut:
        app.stores.get(store_id)       # 404 for a store that does not exist
        return AllocationOut.of(app.inventory.allocation(store_id))

    @router.get("/api/stores/{store_id}/allocation", response_model=AllocationOut)
    def allocation(store_id: int) -> AllocationOut:
        return allocation_of(store_id)

    @router.put("/api/stores/{store_id}/allocation/{warehouse}", response_model=AllocationOut)
    def set_share(store_id: int, warehouse: str, body: ShareIn) -> AllocationOut:
        """{"ratio": "0.5"} or {"quota": 10} of the warehouse's available units; {} removes the rule."""
        app.inventory.set_share(store_id, warehouse, ratio=body.ratio, quota=body.quota)
        return allocation_of(store_id)

    @router.put("/api/stores/{store_id}/stock-push", response_model=AllocationOut)
    def stock_push(store_id: int, body: StockPushIn) -> AllocationOut:
        """Turn pushing quantities to the store on (once stock was counted) or off."""
        app.inventory.set_store_push(store_id, body.enabled, body.safety_stock)
        return allocation_of(store_id)

    return router


def listing_routes(app: App, jobs: JobRunner) -> APIRouter:
    router = APIRouter(tags=["listings"])

    @router.get("/api/listings", response_model=list[ListingOut])
    def listings(store_id: int | None = None, mapped: bool | None = None, limit: int = Query(200, ge=1, le=1000),
                 offset: int = Query(0, ge=0)) -> list[ListingOut]:
        return [ListingOut.of(r) for r in app.listings.listings(store_id, mapped, limit, offset)]

    @router.post("/api/stores/{store_id}/listings/pull", responses={200: {"model": ListingPullOut},
                                                                   202: {"description": "queued"}})
    def pull(store_id: int, wait: bool = Query(False, description="run now and answer with the result")) -> Any:
        """Read every listing of the store and map what can be; queued like an order sync unless ?wait=true."""
        app.stores.get(store_id)
        if wait:
            return ListingPullOut.of(app.listings.pull(store_id))
        _, queued = jobs.submit(listings_key(store_id), lambda: app.listings.pull(store_id))
        return JSONResponse({"queued": queued, "key": listings_key(store_id),
                             "detail": "queued" if queued else "a listings pull of this store is already pending"},
                            status_code=202)

    @router.put("/api/listings/{listing_id}/mapping", response_model=ListingOut)
    def set_mapping(listing_id: int, body: MappingIn) -> ListingOut:
        """{"sku": "MUG-RED"} maps the listing by hand; {"sku": null} unmaps it."""
        return ListingOut.of(app.listings.map(listing_id, body.sku), sku=body.sku)

    @router.post("/api/listings/automap", response_model=AutomapOut)
    def automap() -> AutomapOut:
        mapped, settled = app.listings.automap()
        return AutomapOut(mapped=mapped, orders_settled=settled)

    @router.get("/api/listings/unmapped-lines", response_model=list[UnmappedLineOut])
    def unmapped_lines(limit: int = Query(500, ge=1, le=5000)) -> list[UnmappedLineOut]:
        return [UnmappedLineOut.of(r) for r in app.listings.unmapped_order_lines(limit)]

    return router


def include(api: FastAPI, app: App, jobs: JobRunner) -> None:
    """Add every inventory route to the API."""
    for router in (catalogue_routes(app), stock_routes(app), allocation_routes(app), listing_routes(app, jobs)):
        api.include_router(router)


MAX_UPLOAD_BYTES = 50 * 1024 * 1024     # a stocktake of 200,000 lines is a few MB; this only stops accidents


async def _read(file: UploadFile) -> tuple[str, bytes]:
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"{file.filename} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    return file.filename or "upload.csv", content
