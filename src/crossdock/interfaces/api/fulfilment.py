"""REST routes for fulfilment: order review, carrier accounts, shipping rules and runs, shipments and their papers,
tracking and exceptions, returns; each calls a service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Query, Response
from fastapi.responses import JSONResponse

from crossdock.bootstrap import App
from crossdock.domain.fulfilment.exceptions import ExceptionKind
from crossdock.domain.fulfilment.returns import ReturnState
from crossdock.domain.time import require_utc
from crossdock.interfaces.api import problems
from crossdock.interfaces.api.fulfilment_schemas import (
    AddressIn,
    BlacklistIn,
    BlacklistOut,
    CancelIn,
    CancellationOut,
    CancelOut,
    CancelReportOut,
    CancelShipmentsIn,
    CarrierAccountIn,
    CarrierAccountOut,
    DecisionIn,
    DecisionOut,
    EventOut,
    ExceptionCheckOut,
    ExceptionOut,
    HeldOrderOut,
    OrderIdsIn,
    PickupIn,
    PickupPointIn,
    PickupPointOut,
    PlanOut,
    PrintIn,
    ReceiveIn,
    ReopenIn,
    ReopenOut,
    ReturnOut,
    ReturnsPullOut,
    ReviewReportOut,
    ReviewRuleIn,
    ReviewRuleOut,
    ReviewRunIn,
    RouteIn,
    RunOut,
    SellerEntityIn,
    SellerEntityOut,
    ShipmentIdsIn,
    ShipmentOut,
    ShipmentState,
    ShippingRuleIn,
    ShippingRuleOut,
    StepOut,
    StoreFulfilmentIn,
    TrackingRunOut,
    TrackOut,
    account_out,
    accounts_by_id,
    add_blacklist_entry,
    add_carrier_account,
    existing_orders,
    existing_shipments,
    shipment_row,
    shipments_out,
    warehouse_codes,
)
from crossdock.interfaces.api.schemas import AddressOut
from crossdock.jobs.runner import JobRunner
from crossdock.services.cancellation import CancelReport
from crossdock.services.errors import InvalidInput, NotFound

PDF = "application/pdf"
LABEL_TYPES = {"PDF": PDF, "PNG": "image/png", "ZPL": "application/x-zpl"}


def returns_key(store_id: int) -> str:
    """One pending returns pull per store: its identity key in the job runner."""
    return f"returns:{store_id}"


def aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(f"{name} must carry a timezone, e.g. 2026-11-09T09:00:00Z")
    return require_utc(value)


def document(content: bytes, filename: str, media_type: str = PDF, *, inline: bool = False,
             headers: dict[str, str] | None = None) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"', **(headers or {})})


PDF_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {PDF: {}}, "description": "a PDF"}}


def review_routes(app: App) -> APIRouter:
    router = APIRouter(tags=["review"])

    @router.post("/api/review/run", response_model=ReviewReportOut)
    def run_review(body: Annotated[ReviewRunIn | None, Body()] = None) -> ReviewReportOut:
        """Run the rules over the orders waiting for review: each is held with its reasons or goes on to shipping."""
        body = body or ReviewRunIn()
        if body.order_ids:
            existing_orders(app, body.order_ids)
        return ReviewReportOut.of(app.review.review(body.order_ids, again=body.again))

    @router.get("/api/review/held", response_model=list[HeldOrderOut])
    def held(limit: int = Query(500, ge=1, le=5000)) -> list[HeldOrderOut]:
        return [HeldOrderOut.of(r) for r in app.review.held(limit)]

    def decided(body: DecisionIn, changed: list[int]) -> DecisionOut:
        return DecisionOut(changed=changed, unchanged=[i for i in dict.fromkeys(body.order_ids) if i not in changed])

    @router.post("/api/review/approve", response_model=DecisionOut)
    def approve(body: DecisionIn) -> DecisionOut:
        """Send orders (held ones too) on to shipping; `reason` is kept as a note."""
        existing_orders(app, body.order_ids)
        return decided(body, app.review.approve(body.order_ids, body.reason))

    @router.post("/api/review/hold", response_model=DecisionOut)
    def hold(body: DecisionIn) -> DecisionOut:
        """Hold orders not yet labelled, with why."""
        existing_orders(app, body.order_ids)
        return decided(body, app.review.hold(body.order_ids, body.reason))

    @router.post("/api/review/cancel", response_model=CancelOut)
    def cancel(body: CancelIn) -> CancelOut:
        """Orders that will not be shipped: their reserved stock is released and each marketplace is told, with
        `platform_reason` in its own words. A refusal stays in /api/cancellations with the platform's words; one
        the platform could not take yet is sent again by the next fulfilment round."""
        existing_orders(app, body.order_ids)
        changed = app.review.cancel(body.order_ids, body.reason, body.platform_reason)
        report = app.cancellations.send(changed) if changed else CancelReport()
        return CancelOut(**decided(body, changed).model_dump(), platform=CancelReportOut.of(report))

    @router.get("/api/cancellations", response_model=list[CancellationOut])
    def cancellations(state: Annotated[list[str] | None, Query(description="pending, retry, ok, failed, manual")]
                      = None, store_id: int | None = None,
                      limit: int = Query(200, ge=1, le=5000)) -> list[CancellationOut]:
        """Orders the seller cancelled and what their marketplace said."""
        rows = app.cancellations.search(states=state, store_id=store_id, limit=limit)
        return [CancellationOut.of(r) for r in rows]

    @router.post("/api/cancellations/send", response_model=CancelReportOut)
    def send_cancellations() -> CancelReportOut:
        """Send the cancellations still due now, rather than at the next fulfilment round."""
        return CancelReportOut.of(app.cancellations.send())

    @router.post("/api/cancellations/reopen", response_model=ReopenOut)
    def reopen_cancellations(body: ReopenIn) -> ReopenOut:
        """Send refused cancellations again, with another reason if the platform objected to the first."""
        existing_orders(app, body.order_ids)
        reopened = app.cancellations.reopen(body.order_ids, body.platform_reason)
        report = app.cancellations.send(reopened) if reopened else CancelReport()
        return ReopenOut(reopened=reopened, platform=CancelReportOut.of(report))

    @router.get("/api/review/rules", response_model=list[ReviewRuleOut])
    def rules() -> list[ReviewRuleOut]:
        return [ReviewRuleOut(**r) for r in app.review.rules()]

    def rule(code: str) -> ReviewRuleOut:
        for r in app.review.rules():
            if r["code"] == code:
                return ReviewRuleOut(**r)
        raise NotFound(f"no review rule {code!r}; rules: {', '.join(r['code'] for r in app.review.rules())}")

    @router.get("/api/review/rules/{code}", response_model=ReviewRuleOut)
    def get_rule(code: str) -> ReviewRuleOut:
        return rule(code)

    @router.put("/api/review/rules/{code}", response_model=ReviewRuleOut)
    def set_rule(code: str, body: ReviewRuleIn) -> ReviewRuleOut:
        rule(code)
        app.review.set_rule(code, body.enabled, dict(body.params))
        return rule(code)

    @router.get("/api/review/blacklist", response_model=list[BlacklistOut])
    def blacklist() -> list[BlacklistOut]:
        return [BlacklistOut.of(r) for r in app.review.blacklist()]

    @router.post("/api/review/blacklist", response_model=BlacklistOut, status_code=201,
                 responses={200: {"model": BlacklistOut, "description": "it was on the list already"}})
    def add_to_blacklist(body: BlacklistIn, response: Response) -> BlacklistOut:
        entry, new = add_blacklist_entry(app, body)
        if not new:
            response.status_code = 200
        return entry

    @router.delete("/api/review/blacklist/{entry_id}", status_code=204)
    def remove_from_blacklist(entry_id: int) -> Response:
        if entry_id not in {r["id"] for r in app.review.blacklist()}:
            raise NotFound(f"no blacklist entry {entry_id}")
        app.review.remove_from_blacklist(entry_id)
        return Response(status_code=204)

    return router


def carrier_routes(app: App) -> APIRouter:
    router = APIRouter(tags=["carriers"])

    @router.get("/api/carriers", response_model=list[CarrierAccountOut])
    def accounts() -> list[CarrierAccountOut]:
        """The carrier accounts with the services each offers (credentials are never answered)."""
        return [account_out(app, a) for a in app.carriers.accounts()]

    @router.post("/api/carriers", response_model=CarrierAccountOut, status_code=201)
    def add_account(body: CarrierAccountIn) -> CarrierAccountOut:
        """Add an account; its settings are checked against the carrier adapter and kept encrypted."""
        return add_carrier_account(app, body)

    return router


def shipping_routes(app: App, jobs: JobRunner) -> APIRouter:
    router = APIRouter(tags=["shipping"])

    @router.get("/api/shipping/rules", response_model=list[ShippingRuleOut])
    def rules() -> list[ShippingRuleOut]:
        accounts = accounts_by_id(app)
        return [ShippingRuleOut.of(r, accounts) for r in app.shipping.rules()]

    @router.post("/api/shipping/rules", response_model=ShippingRuleOut, status_code=201)
    def add_rule(body: ShippingRuleIn) -> ShippingRuleOut:
        """A rule routing the parcels that meet its conditions; the lowest priority that matches wins."""
        rule_id = app.shipping.add_rule(body.name, body.account, body.service, priority=body.priority,
                                        conditions=body.conditions.stored())
        accounts = accounts_by_id(app)
        return next(ShippingRuleOut.of(r, accounts) for r in app.shipping.rules() if r["id"] == rule_id)

    @router.put("/api/warehouses/{code}/address", response_model=AddressOut)
    def set_warehouse_address(code: str, body: AddressIn) -> AddressOut:
        """The sender address printed on labels of parcels leaving this warehouse."""
        app.shipping.set_warehouse_address(code, body.address())
        return AddressOut(**body.model_dump())

    @router.post("/api/pickup-points", response_model=PickupPointOut, status_code=201)
    def add_pickup_point(body: PickupPointIn) -> PickupPointOut:
        point_id = app.shipping.add_pickup_point(body.point())
        return PickupPointOut(id=point_id, carrier=body.carrier, external_id=body.external_id, name=body.name)

    @router.post("/api/shipping/plan", response_model=PlanOut)
    def plan(body: Annotated[OrderIdsIn | None, Body()] = None) -> PlanOut:
        """Parcels for the reviewed orders: split by warehouse and temperature, merged per buyer, routed by rule."""
        ids = body.order_ids if body else None
        if ids:
            existing_orders(app, ids)
        return PlanOut.of(app.shipping.plan(ids))

    @router.post("/api/shipping/labels", response_model=StepOut)
    def labels(body: Annotated[ShipmentIdsIn | None, Body()] = None) -> StepOut:
        """Buy the labels of routed, planned parcels; refusals stay on the parcel with the carrier's words."""
        return StepOut.of(app.shipping.buy_labels(body.shipment_ids if body else None))

    @router.post("/api/shipping/confirm", response_model=StepOut)
    def confirm(body: Annotated[ShipmentIdsIn | None, Body()] = None) -> StepOut:
        """Tell the marketplaces the tracking numbers of labelled parcels."""
        return StepOut.of(app.shipping.confirm(body.shipment_ids if body else None))

    @router.post("/api/shipping/run", response_model=RunOut, responses={202: {"description": "queued"}})
    def run(body: Annotated[OrderIdsIn | None, Body()] = None,
            background: bool = Query(False, description="queue it and answer at once (a run over thousands of "
                                                         "orders takes as long as the carriers do)")) -> Any:
        """Plan, buy labels and confirm in one go."""
        ids = body.order_ids if body else None
        if ids:
            existing_orders(app, ids)
        if background:
            _, queued = jobs.submit("shipping:run", lambda: app.shipping.fulfil(ids))
            return JSONResponse({"queued": queued, "key": "shipping:run",
                                 "detail": "queued" if queued else "a shipping run is already pending"},
                                status_code=202)
        planned, bought, confirmed = app.shipping.fulfil(ids)
        return RunOut(plan=PlanOut.of(planned), labels=StepOut.of(bought), confirm=StepOut.of(confirmed))

    @router.get("/api/shipments", response_model=list[ShipmentOut])
    def shipments(state: ShipmentState | None = None, order_id: int | None = None,
                  limit: int = Query(500, ge=1, le=5000)) -> list[ShipmentOut]:
        rows = app.shipping.shipments(states=[state.value] if state else None, order_id=order_id, limit=limit)
        return shipments_out(app, rows)

    @router.get("/api/shipments/{shipment_id}", response_model=ShipmentOut)
    def shipment(shipment_id: int) -> ShipmentOut:
        return shipments_out(app, [shipment_row(app, shipment_id)])[0]

    @router.get("/api/shipments/{shipment_id}/label", response_class=Response,
                responses={200: {"content": {t: {} for t in LABEL_TYPES.values()}, "description": "the label"}})
    def label(shipment_id: int) -> Response:
        """The label as the carrier made it (PDF, or PNG / ZPL where the carrier prints those)."""
        row = shipment_row(app, shipment_id)
        content, fmt = app.shipping.label(shipment_id)
        media = LABEL_TYPES.get(fmt.upper(), "application/octet-stream")
        return document(content, f"{row['reference']}.{fmt.lower()}", media, inline=True)

    @router.post("/api/shipments/{shipment_id}/route", response_model=ShipmentOut)
    def route(shipment_id: int, body: RouteIn) -> Any:
        """Choose the carrier account and service of a parcel by hand (before its label is bought)."""
        row = shipment_row(app, shipment_id)
        if not app.shipping.set_carrier([shipment_id], body.account, body.service):
            return problems.problem(409, "Shipment already labelled",
                                    f"shipment {row['reference']} is {row['state']}: only planned parcels can be "
                                    "routed")
        return shipments_out(app, [shipment_row(app, shipment_id)])[0]

    @router.post("/api/shipping/cancel", response_model=StepOut)
    def cancel(body: CancelShipmentsIn) -> StepOut:
        """Call parcels off before they leave: a bought label is cancelled with its carrier."""
        for sid in body.shipment_ids:
            shipment_row(app, sid)
        return StepOut.of(app.shipping.cancel(body.shipment_ids, body.reason))

    @router.post("/api/shipping/retry-interrupted", response_model=StepOut)
    def retry_interrupted(body: ShipmentIdsIn) -> StepOut:
        """After checking the carrier's account: parcels whose label purchase was cut off may be bought again."""
        ids = body.shipment_ids or []
        for sid in ids:
            shipment_row(app, sid)
        moved = app.shipping.retry_interrupted(ids)
        return StepOut(done=moved, failed=len(ids) - moved, retry=0, errors=[])

    @router.post("/api/shipments/{shipment_id}/pickup", response_model=ShipmentOut)
    def pickup(shipment_id: int, body: PickupIn) -> ShipmentOut:
        """Deliver the parcel to a pick-up point in one of the slots it offers."""
        shipment_row(app, shipment_id)
        app.shipping.bind_pickup(shipment_id, body.point_id, aware(body.start, "start"), aware(body.end, "end"))
        return shipments_out(app, [shipment_row(app, shipment_id)])[0]

    return router


def document_routes(app: App) -> APIRouter:
    router = APIRouter(tags=["documents"])

    @router.post("/api/documents/labels", response_class=Response, responses=PDF_ANSWER)
    def labels(body: PrintIn) -> Response:
        """Every label of these parcels in one PDF, in the order given: one print job."""
        return document(app.documents.labels(body.shipment_ids), "labels.pdf")

    @router.post("/api/documents/packing-slips", response_class=Response, responses=PDF_ANSWER)
    def packing_slips(body: PrintIn) -> Response:
        existing_shipments(app, body.shipment_ids)
        return document(app.documents.packing_slips(body.shipment_ids), "packing-slips.pdf")

    @router.get("/api/documents/pick-list", response_class=Response, responses=PDF_ANSWER)
    def pick_list(warehouse: str, shipment_ids: Annotated[list[int] | None, Query()] = None) -> Response:
        """What to pick in a warehouse for these parcels (default: every one waiting to leave it)."""
        return document(app.documents.pick_list(warehouse, shipment_ids), f"pick-list-{warehouse}.pdf")

    @router.get("/api/shipments/{shipment_id}/commercial-invoice", response_class=Response, responses=PDF_ANSWER)
    def commercial_invoice(shipment_id: int, incoterm: str = Query("DDP", pattern="^(DDP|DAP)$")) -> Response:
        """The parcel's customs invoice; its SKUs need HS codes and the store a seller entity."""
        row = shipment_row(app, shipment_id)
        return document(app.documents.commercial_invoice(shipment_id, incoterm),
                        f"commercial-invoice-{row['reference']}.pdf")

    @router.get("/api/orders/{order_id}/invoice", response_class=Response,
                responses={200: {"content": {PDF: {}}, "headers": {"X-Invoice-Number": {
                    "description": "the invoice's number", "schema": {"type": "string"}}}}})
    def invoice(order_id: int) -> Response:
        """The EU sales invoice of an order: numbered on first request (no gaps), the same number afterwards."""
        number, pdf = app.documents.invoice(order_id)
        return document(pdf, f"{number}.pdf", headers={"X-Invoice-Number": number})

    @router.post("/api/seller-entities", response_model=SellerEntityOut, status_code=201)
    def add_entity(body: SellerEntityIn) -> SellerEntityOut:
        """A company that sells and invoices, with its own gapless invoice numbers."""
        entity_id = app.documents.add_entity(body.code, body.name, body.address.address(),
                                             vat_number=body.vat_number, eori=body.eori,
                                             invoice_prefix=body.invoice_prefix)
        return SellerEntityOut(id=entity_id, code=body.code)

    @router.put("/api/stores/{store_id}/fulfilment", status_code=204)
    def store_fulfilment(store_id: int, body: StoreFulfilmentIn) -> Response:
        """Which entity invoices the store's buyers and where its returns go (a field left out stays as it is,
        an empty string clears it)."""
        app.stores.get(store_id)
        app.documents.set_store(store_id, entity=body.entity, return_warehouse=body.return_warehouse)
        return Response(status_code=204)

    return router


def tracking_routes(app: App) -> APIRouter:
    router = APIRouter(tags=["tracking"])

    @router.post("/api/tracking/run", response_model=TrackingRunOut)
    def run() -> TrackingRunOut:
        """Pull the carriers' events of every parcel on its way, then raise and close exceptions."""
        tracked = app.tracking.track()
        return TrackingRunOut(tracking=TrackOut.of(tracked), exceptions=ExceptionCheckOut.of(
            app.tracking.check_exceptions()))

    @router.get("/api/exceptions", response_model=list[ExceptionOut])
    def exceptions(kind: ExceptionKind | None = None) -> list[ExceptionOut]:
        """What needs the seller now: late shipments, parcels not moving, failed deliveries, returns."""
        return [ExceptionOut.of(e) for e in app.tracking.exceptions(kind.value if kind else None)]

    @router.get("/api/shipments/{shipment_id}/events", response_model=list[EventOut])
    def events(shipment_id: int) -> list[EventOut]:
        shipment_row(app, shipment_id)
        return [EventOut.of(e) for e in app.tracking.events(shipment_id)]

    return router


def returns_routes(app: App, jobs: JobRunner) -> APIRouter:
    router = APIRouter(tags=["returns"])

    @router.post("/api/stores/{store_id}/returns/pull", responses={200: {"model": ReturnsPullOut},
                                                                  202: {"description": "queued"}})
    def pull(store_id: int, wait: bool = Query(False, description="run now and answer with the result")) -> Any:
        """Read the store's return requests changed since the last pull; queued unless ?wait=true."""
        app.stores.get(store_id)
        if wait:
            return ReturnsPullOut.of(store_id, app.returns.pull(store_id))
        _, queued = jobs.submit(returns_key(store_id), lambda: app.returns.pull(store_id))
        return JSONResponse({"queued": queued, "key": returns_key(store_id),
                             "detail": "queued" if queued else "a returns pull of this store is already pending"},
                            status_code=202)

    @router.get("/api/returns", response_model=list[ReturnOut])
    def returns(state: ReturnState | None = None, store_id: int | None = None,
                limit: int = Query(200, ge=1, le=5000)) -> list[ReturnOut]:
        codes = warehouse_codes(app)
        return [ReturnOut.of(r, codes) for r in app.returns.returns(state=state.value if state else None,
                                                                    store_id=store_id, limit=limit)]

    @router.post("/api/returns/{return_id}/receive", response_model=ReturnOut)
    def receive(return_id: int, body: ReceiveIn) -> ReturnOut:
        """What arrived: restocked units go back on the shelf through the stock ledger, the rest is written off."""
        row = app.returns.receive(return_id, [i.inspection() for i in body.items])
        return ReturnOut.of(row, warehouse_codes(app))

    return router


def include(api: FastAPI, app: App, jobs: JobRunner) -> None:
    """Add every fulfilment route to the API."""
    for router in (review_routes(app), carrier_routes(app), shipping_routes(app, jobs), document_routes(app),
                   tracking_routes(app), returns_routes(app, jobs)):
        api.include_router(router)
