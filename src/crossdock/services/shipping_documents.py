"""Printed papers of fulfilment: a batch of labels in one PDF, pick lists, packing slips, commercial invoices for
customs, and EU sales invoices numbered without gaps per seller entity with the buyer country's VAT."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from stdnum.eu import vat as eu_vat

from crossdock.documents.batch import merge_pdfs
from crossdock.documents.invoices import render_commercial_invoice, render_invoice
from crossdock.documents.model import (
    CommercialInvoice,
    CustomsLine,
    Incoterm,
    PackingSlip,
    PackingSlipLine,
    PickLine,
    PickList,
    SalesInvoice,
    SalesInvoiceLine,
    SellerEntity,
)
from crossdock.documents.packing_slip import render_packing_slips
from crossdock.documents.pick_list import render_pick_list
from crossdock.domain.fulfilment.vat import InvoiceLineInput, invoice_lines, is_eu, totals, vat_rate
from crossdock.domain.money import Money
from crossdock.ports.clock import Clock
from crossdock.services.errors import InvalidInput, NotFound
from crossdock.services.review import address_of
from crossdock.services.shipping import address_from, address_json
from crossdock.services.unit_of_work import UowFactory


class ShippingDocuments:
    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def labels(self, shipment_ids: Sequence[int]) -> bytes:
        """Every label of these parcels in one PDF, in the order given (one print job)."""
        with self._uow(readonly=True) as uow:
            rows = {r["id"]: r for r in uow.shipments.shipments(list(shipment_ids))}
        missing = [str(i) for i in shipment_ids if i not in rows]
        if missing:
            raise NotFound(f"no shipment {', '.join(missing)}")
        unlabelled = [rows[i]["reference"] for i in shipment_ids if rows[i]["label"] is None]
        if unlabelled:
            raise InvalidInput(f"no label yet for {', '.join(unlabelled)}")
        not_pdf = [rows[i]["reference"] for i in shipment_ids if (rows[i]["label_format"] or "PDF") != "PDF"]
        if not_pdf:
            raise InvalidInput(f"labels not in PDF (print them on a thermal printer): {', '.join(not_pdf)}")
        return merge_pdfs([bytes(rows[i]["label"]) for i in shipment_ids])

    def pick_list(self, warehouse_code: str, shipment_ids: Sequence[int] | None = None) -> bytes:
        """What to pick in one warehouse for these parcels (default: every labelled parcel not yet shipped)."""
        with self._uow(readonly=True) as uow:
            warehouse = next((w for w in uow.catalogue.warehouses() if w.code == warehouse_code), None)
            if warehouse is None:
                raise NotFound(f"no warehouse {warehouse_code!r}")
            rows = [r for r in uow.shipments.shipments(shipment_ids, states=["planned", "labelled"])
                    if r["warehouse_id"] == warehouse.id]
            lines = uow.shipments.lines([r["id"] for r in rows])
            facts = uow.shipments.sku_facts(x["sku_id"] for xs in lines.values() for x in xs)
        if not rows:
            raise InvalidInput(f"nothing to pick in {warehouse_code}")
        by_sku: dict[int, tuple[int, list[str]]] = {}
        for r in rows:
            for x in lines.get(r["id"], []):
                qty, refs = by_sku.get(x["sku_id"], (0, []))
                by_sku[x["sku_id"]] = (qty + x["quantity"], [*refs, x["platform_order_id"]])
        now = self._clock.now()
        wave = f"W{warehouse.code}-{now:%Y%m%d%H%M}"
        return render_pick_list(PickList(
            warehouse_code=warehouse.code, warehouse_name=warehouse.name, wave_id=wave, created_at=now,
            lines=tuple(PickLine(location="", sku=facts[s]["code"], title=facts[s]["title"], quantity=q,
                                 order_refs=tuple(dict.fromkeys(refs))) for s, (q, refs) in by_sku.items())))

    def packing_slips(self, shipment_ids: Sequence[int]) -> bytes:
        with self._uow(readonly=True) as uow:
            rows = uow.shipments.shipments(list(shipment_ids))
            lines = uow.shipments.lines([r["id"] for r in rows])
            stores = {s.id: s.name for s in uow.stores.all()}
            orders = {o["id"]: o for o in uow.review.orders(sorted({x["order_id"] for xs in lines.values()
                                                                     for x in xs}))}
        if not rows:
            raise NotFound("no such shipments")
        slips = []
        for r in rows:
            items = lines.get(r["id"], [])
            order_refs = list(dict.fromkeys(x["platform_order_id"] for x in items))
            notes = [orders[o]["buyer_note"] for o in dict.fromkeys(x["order_id"] for x in items)
                     if orders.get(o, {}).get("buyer_note")]
            slips.append(PackingSlip(
                store_name=stores.get(r["store_id"], ""), order_ref=", ".join(order_refs), shipment_ref=r["reference"],
                ship_to=address_from(r["recipient"]),
                lines=tuple(PackingSlipLine(sku=x["seller_sku"], title=x["title"], quantity=x["quantity"],
                                            variant=x["variant_title"]) for x in items),
                buyer_note=" / ".join(notes)))
        return render_packing_slips(slips)

    def _entity(self, uow: Any, store_id: int) -> dict[str, Any]:
        entity_id = uow.shipments.store_fulfilment([store_id]).get(store_id, {}).get("seller_entity_id")
        entity = uow.shipments.entity(entity_id) if entity_id else None
        if entity is None:
            raise InvalidInput("the store has no seller entity: set which company sells through it")
        return dict(entity)

    def commercial_invoice(self, shipment_id: int, incoterm: str = "DDP") -> bytes:
        """The customs invoice of one parcel (goods leaving China or the EU)."""
        with self._uow(readonly=True) as uow:
            rows = uow.shipments.shipments([shipment_id])
            if not rows:
                raise NotFound(f"no shipment {shipment_id}")
            r = rows[0]
            entity = self._entity(uow, r["store_id"])
            lines = uow.shipments.lines([shipment_id]).get(shipment_id, [])
            facts = uow.shipments.sku_facts(x["sku_id"] for x in lines)
        missing = sorted({facts[x["sku_id"]]["code"] for x in lines if not facts[x["sku_id"]]["hs_code"]})
        if missing:
            raise InvalidInput(f"set the HS code of {', '.join(missing)} before a customs invoice can be made")
        currency = r["currency"]
        customs = tuple(CustomsLine(
            description=facts[x["sku_id"]]["title"], hs_code=facts[x["sku_id"]]["hs_code"],
            origin_country=facts[x["sku_id"]]["origin_country"] or "CN", quantity=x["quantity"],
            unit_value=Money(x["paid_unit_price"], currency).rounded(),
            net_weight_grams=int((facts[x["sku_id"]]["weight_kg"] or Decimal(0)) * 1000) * x["quantity"])
            for x in lines)
        try:
            term = Incoterm(incoterm)
        except ValueError:
            raise InvalidInput(f"incoterm must be DDP or DAP, got {incoterm!r}") from None
        return render_commercial_invoice(CommercialInvoice(
            invoice_number=r["reference"], invoice_date=self._clock.now().date(),
            exporter=SellerEntity(entity["name"], address_from(entity["address"]), entity["vat_number"],
                                  entity["eori"]),
            consignee=address_from(r["recipient"]), incoterm=term, currency=currency, lines=customs,
            gross_weight_grams=max(r["weight_grams"], sum(c.net_weight_grams for c in customs)),
            order_ref=", ".join(dict.fromkeys(x["platform_order_id"] for x in lines)),
            tracking_number=r["tracking_number"] or ""))

    def invoice(self, order_id: int) -> tuple[str, bytes]:
        """The EU sales invoice of an order: numbered once (the entity's next number, no gaps), VAT at the buyer
        country's rate; asking again gives the same number. The number is taken in the transaction that makes
        the document, so a document that cannot be made uses no number."""
        with self._uow() as uow:
            orders = uow.review.orders([order_id])
            if not orders:
                raise NotFound(f"no order {order_id}")
            order = orders[0]
            buyer = address_of(order)
            if buyer is None or not is_eu(buyer.country):
                raise InvalidInput("EU sales invoices are for buyers in the EU")
            entity = self._entity(uow, order["store_id"])
            if not entity["vat_number"]:
                raise InvalidInput(f"seller entity {entity['code']} has no VAT number: an EU invoice must show it")
            lines = uow.shipments.order_lines([order_id]).get(order_id, [])
            currency = order["currency"]
            existing = uow.shipments.invoice_for(order_id)
            if existing is not None:
                number, issued, rate = existing["number"], existing["issued_at"], Decimal(existing["vat_rate"])
            else:
                rate = vat_rate(buyer.country)
                number = f"{entity['invoice_prefix']}{uow.shipments.take_invoice_number(entity['id']):06d}"
                issued = self._clock.now()
            invoice = SalesInvoice(
                invoice_number=number, invoice_date=issued.date(),
                seller=SellerEntity(entity["name"], address_from(entity["address"]), entity["vat_number"],
                                    entity["eori"]),
                buyer=buyer, order_ref=order["platform_order_id"], currency=currency,
                lines=tuple(SalesInvoiceLine(x["title"], x["quantity"],
                                             Money(x["paid_unit_price"], currency).rounded(), rate, x["sku"])
                            for x in lines))
            pdf = render_invoice(invoice)
            if existing is None:
                total = totals(invoice_lines([InvoiceLineInput(x.description, x.quantity, x.unit_gross)
                                              for x in invoice.lines], rate), currency)
                uow.shipments.add_invoice({"seller_entity_id": entity["id"], "number": number, "order_id": order_id,
                                           "issued_at": issued, "country": buyer.country, "vat_rate": rate,
                                           "net": total.net.amount, "vat": total.vat.amount,
                                           "gross": total.gross.amount, "currency": currency})
                uow.commit()
        return number, pdf

    def add_entity(self, code: str, name: str, address: Any, *, vat_number: str = "", eori: str = "",
                   invoice_prefix: str = "") -> int:
        if vat_number and not eu_vat.is_valid(vat_number):
            raise InvalidInput(f"{vat_number!r} is not a valid EU VAT number")
        with self._uow() as uow:
            if uow.shipments.entity_by_code(code):
                raise InvalidInput(f"there is already a seller entity {code!r}")
            entity_id = uow.shipments.add_entity({
                "code": code, "name": name, "address": address_json(address), "vat_number": vat_number,
                "eori": eori, "invoice_prefix": invoice_prefix or f"{code}-", "next_invoice": 1,
                "created_at": self._clock.now()})
            uow.commit()
        return entity_id

    def set_store(self, store_id: int, *, entity: str | None = None, return_warehouse: str | None = None) -> None:
        """Who invoices the store's buyers and where its returns go; None leaves a setting as it is, "" clears it."""
        with self._uow() as uow:
            current = uow.shipments.store_fulfilment([store_id]).get(store_id, {})
            entity_id = current.get("seller_entity_id")
            if entity is not None:
                row = uow.shipments.entity_by_code(entity) if entity else None
                if entity and row is None:
                    raise NotFound(f"no seller entity {entity!r}")
                entity_id = row["id"] if row else None
            warehouse_id = current.get("return_warehouse_id")
            if return_warehouse is not None:
                wh = {w.code: w.id for w in uow.catalogue.warehouses()}
                if return_warehouse and return_warehouse not in wh:
                    raise NotFound(f"no warehouse {return_warehouse!r}")
                warehouse_id = wh[return_warehouse] if return_warehouse else None
            uow.shipments.set_store_fulfilment(store_id, entity_id, warehouse_id, self._clock.now())
            uow.commit()
