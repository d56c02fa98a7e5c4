"""`crossdock review|carriers|shipping|tracking|returns|invoices`: from a paid order to a parcel at the buyer's
door and back again."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from crossdock.bootstrap import App
from crossdock.domain.fulfilment.exceptions import ExceptionKind
from crossdock.domain.fulfilment.returns import ReturnState
from crossdock.domain.orders.model import Address
from crossdock.interfaces.api.fulfilment_schemas import (
    AddressIn,
    BlacklistIn,
    BlacklistOut,
    CancellationOut,
    CancelOut,
    CancelReportOut,
    CarrierAccountIn,
    CarrierAccountOut,
    DecisionOut,
    EventOut,
    ExceptionCheckOut,
    ExceptionOut,
    HeldOrderOut,
    MoneyIn,
    OpeningHoursIn,
    PickupPointIn,
    PlanOut,
    ReturnOut,
    ReturnsPullOut,
    ReviewReportOut,
    ReviewRuleOut,
    RuleConditions,
    RunOut,
    ShipmentOut,
    ShipmentState,
    ShippingRuleOut,
    StepOut,
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
from crossdock.interfaces.cli.context import JsonOpt, fail, opened
from crossdock.interfaces.cli.render import console, emit_json, err, styled, table, when
from crossdock.ports.marketplace import CancelReason
from crossdock.services.cancellation import CancelReport
from crossdock.services.inventory import Temperature
from crossdock.services.returns import Inspection
from crossdock.services.shipping import StepReport

review_cli = typer.Typer(no_args_is_help=True, help="Check paid orders before they ship: rules, holds, blacklist.")
blacklist_cli = typer.Typer(no_args_is_help=True, help="Buyers, addresses, phones and e-mails whose orders are held.")
carriers_cli = typer.Typer(no_args_is_help=True, help="Your accounts with parcel carriers.")
shipping_cli = typer.Typer(no_args_is_help=True, help="Parcels: rules, plans, labels, telling the marketplaces.")
print_cli = typer.Typer(no_args_is_help=True, help="Papers for the warehouse, as one PDF each.")
tracking_cli = typer.Typer(no_args_is_help=True, help="Where parcels are, and what needs a look.")
returns_cli = typer.Typer(no_args_is_help=True, help="Return requests and what came back.")
invoices_cli = typer.Typer(no_args_is_help=True, help="EU sales invoices and the companies that issue them.")
review_cli.add_typer(blacklist_cli, name="blacklist")
shipping_cli.add_typer(print_cli, name="print")

CHUNK = 10          # parcels per service call in stepped runs: the progress bar moves, no call runs for minutes
ALL = 100_000       # "every one" for the services' listing limits
OutFile = Annotated[Path, typer.Option("--out", dir_okay=False, help="the PDF file to write")]
Ids = Annotated[list[int] | None, typer.Argument(help="shipment ids; default: every one due", show_default=False)]


# --- small parsers -------------------------------------------------------------------------------

def pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in values or []:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise fail(f"{option} takes key=value, got {text!r}")
        out[key.strip()] = value
    return out


def unit_pairs(values: Sequence[str] | None, option: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in pairs(values, option).items():
        if not value.strip().isdigit():
            raise fail(f"{option} takes SKU=UNITS with a whole number, got {key}={value}")
        out[key] = out.get(key, 0) + int(value)
    return out


def setting_value(text: str) -> Any:
    """JSON objects and lists for nested settings (a per-product map), the text as typed otherwise."""
    if text.strip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise fail(f"not valid JSON: {exc}") from None
    return text


def rule_param(text: str) -> str | bool:
    # The rule reads a flag with bool(): the text "false" would switch it on.
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    return text.strip()


def money(text: str | None, option: str) -> MoneyIn | None:
    if text is None:
        return None
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]{3})\s*", text)
    if not found:
        raise fail(f"{option} takes an amount with its currency, e.g. 150EUR or 19.90 USD; got {text!r}")
    return MoneyIn(amount=found[1], currency=found[2])


def utc_time(text: str, option: str) -> datetime:
    """An ISO 8601 time; one without a zone is UTC (as everywhere in the CLI)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"{option} takes an ISO 8601 time such as 2026-11-09T09:00:00Z, got {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def opening_hours(values: Sequence[str]) -> list[OpeningHoursIn]:
    """`mon-fri=08:00-20:00`, `sat=09:00-12:00,13:00-17:00`: days (a range or one) and their spans."""
    out: list[OpeningHoursIn] = []
    for text in values:
        days, sep, spans = text.lower().partition("=")
        first, _, last = days.strip().partition("-")
        if not sep or first not in _DAYS or (last and last not in _DAYS):
            raise fail(f"--hours takes DAYS=HH:MM-HH:MM[,HH:MM-HH:MM], days as mon or mon-fri; got {text!r}")
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        days_of = [(start + i) % 7 for i in range((end - start) % 7 + 1)]     # fri-mon wraps over the weekend
        for span in spans.split(","):
            opens, dash, closes = span.strip().partition("-")
            try:
                if not dash:
                    raise ValueError(span)
                hours = (time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip()))
            except ValueError:
                raise fail(f"--hours: {span.strip()!r} is not HH:MM-HH:MM") from None
            out += [OpeningHoursIn(weekday=d, opens=hours[0], closes=hours[1]) for d in days_of]
    return out


def write(path: Path, content: bytes, what: str, json_out: bool, **extra: Any) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from None
    if json_out:
        emit_json({"file": str(path), "bytes": len(content), **extra})
    else:
        err.print(f"{what} written to {path} ({len(content) // 1024 + 1} KB)")


def address(name: str, line1: str, city: str, postcode: str, country: str, phone: str = "", state: str = "",
            ) -> Address:
    return Address(name=name, phone=phone, country=country.strip().upper(), state=state, city=city,
                   postcode=postcode, line1=line1)


# --- review --------------------------------------------------------------------------------------

@review_cli.command("run")
def review_run(again: Annotated[bool, typer.Option("--again", help="also the orders held before")] = False,
               json_out: JsonOpt = False) -> None:
    """Run the rules over the orders waiting for review: each is held with its reasons or goes on to shipping."""
    with opened() as a, err.status("reviewing orders …", spinner="dots"):
        report = ReviewReportOut.of(a.review.review(again=again))
    if json_out:
        emit_json(report)
        return
    console.print(f"{report.reviewed} orders reviewed: [green]{report.approved} approved[/], "
                  f"{report.held} held")
    if report.reasons:
        console.print(table("Held for", ["rule", "orders"], sorted(report.reasons.items()), justify_right=["orders"]))
        console.print("see them with `crossdock review held`")


@review_cli.command("held")
def review_held(limit: Annotated[int, typer.Option(min=1)] = 500, json_out: JsonOpt = False) -> None:
    """Orders held, with every reason."""
    with opened() as a:
        rows = [HeldOrderOut.of(r) for r in a.review.held(limit)]
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"Held orders ({len(rows)})", ["id", "order", "store", "reasons", "by", "since"],
                        [[r.order_id, r.platform_order_id, r.store_id,
                          "\n".join(f"{x.code}: {x.message}" for x in r.reasons), r.decided_by, when(r.reviewed_at)]
                         for r in rows], justify_right=["id", "store"]))


def _decide(order_ids: list[int], verb: str, decide: Callable[[App], list[int]], json_out: bool) -> None:
    with opened() as a:
        existing_orders(a, order_ids)
        changed = decide(a)
    out = DecisionOut(changed=changed, unchanged=[i for i in dict.fromkeys(order_ids) if i not in changed])
    if json_out:
        emit_json(out)
        return
    console.print(f"{len(out.changed)} of {len(out.changed) + len(out.unchanged)} orders {verb}"
                  + (f": {', '.join(map(str, out.changed))}" if out.changed else ""))
    if out.unchanged:
        err.print(f"[yellow]not changed[/] (not in a state this applies to): {', '.join(map(str, out.unchanged))}")


@review_cli.command("approve")
def review_approve(order_ids: list[int], note: Annotated[str, typer.Option()] = "",
                   json_out: JsonOpt = False) -> None:
    """Send orders (held ones too) on to shipping."""
    _decide(order_ids, "approved", lambda a: a.review.approve(order_ids, note), json_out)


@review_cli.command("hold")
def review_hold(order_ids: list[int], reason: Annotated[str, typer.Option(help="why; the team sees it")],
                json_out: JsonOpt = False) -> None:
    """Hold orders not yet labelled."""
    _decide(order_ids, "held", lambda a: a.review.hold(order_ids, reason), json_out)


PlatformReasonOpt = Annotated[CancelReason, typer.Option(
    "--platform-reason", help="what the marketplace is told (each maps it to its own list; some count against you)")]


def _show_cancel_report(report: CancelReportOut) -> None:
    console.print(f"marketplaces: [green]{report.done} cancelled[/]"
                  + (f", [yellow]{report.retry} to send again[/]" if report.retry else "")
                  + (f", [red]{report.failed} refused[/]" if report.failed else "")
                  + (f", {report.manual} to cancel in the back-end" if report.manual else ""))
    for line in report.errors:
        err.print(f"  {line}")


@review_cli.command("cancel")
def review_cancel(order_ids: list[int], reason: Annotated[str, typer.Option(help="why they will not ship")],
                  platform_reason: PlatformReasonOpt, json_out: JsonOpt = False) -> None:
    """Orders that will not ship: their reserved stock is released and their marketplace is told. Exits 2 when a
    marketplace refuses."""
    with opened() as a:
        existing_orders(a, order_ids)
        changed = a.review.cancel(order_ids, reason, platform_reason)
        report = CancelReportOut.of(a.cancellations.send(changed) if changed else CancelReport())
    out = CancelOut(changed=changed, unchanged=[i for i in dict.fromkeys(order_ids) if i not in changed],
                    platform=report)
    if json_out:
        emit_json(out)
    else:
        console.print(f"{len(out.changed)} of {len(out.changed) + len(out.unchanged)} orders cancelled"
                      + (f": {', '.join(map(str, out.changed))}" if out.changed else ""))
        if out.unchanged:
            err.print(f"[yellow]not changed[/] (not in a state this applies to): {', '.join(map(str, out.unchanged))}")
        if changed:
            _show_cancel_report(report)
    if report.failed:
        raise typer.Exit(2)


@review_cli.command("cancellations")
def review_cancellations(state: Annotated[list[str] | None, typer.Option(
                             "--state", help="pending, retry, ok, failed, manual; repeatable")] = None,
                         store: Annotated[int | None, typer.Option("--store")] = None,
                         limit: Annotated[int, typer.Option(min=1)] = 200, json_out: JsonOpt = False) -> None:
    """Orders the seller cancelled and what their marketplace said, newest first."""
    with opened() as a:
        rows = [CancellationOut.of(r) for r in a.cancellations.search(states=state, store_id=store, limit=limit)]
    if json_out:
        emit_json(rows)
        return
    colour = {"ok": "green", "failed": "red", "retry": "yellow", "manual": "yellow", "pending": "yellow"}
    console.print(table(f"Cancellations ({len(rows)})",
                        ["id", "order", "store", "reason", "platform", "said", "requested"],
                        [[r.order_id, r.platform_order_id, r.store_id, r.reason.value,
                          f"[{colour[r.state]}]{r.state}[/]", r.error or r.platform_status, when(r.requested_at)]
                         for r in rows], justify_right=["id", "store"]))


@review_cli.command("cancel-again")
def review_cancel_again(order_ids: list[int],
                        platform_reason: Annotated[CancelReason | None, typer.Option(
                            "--platform-reason", help="another reason, when the platform refused the first")] = None,
                        json_out: JsonOpt = False) -> None:
    """Send refused cancellations to their marketplace again. Exits 2 when one is refused again."""
    with opened() as a:
        existing_orders(a, order_ids)
        reopened = a.cancellations.reopen(order_ids, platform_reason)
        report = CancelReportOut.of(a.cancellations.send(reopened) if reopened else CancelReport())
    if json_out:
        emit_json({"reopened": reopened, "platform": report.model_dump()})
    else:
        console.print(f"{len(reopened)} cancellations sent again")
        _show_cancel_report(report)
    if report.failed:
        raise typer.Exit(2)


def _show_rules(rows: list[ReviewRuleOut]) -> None:
    console.print(table("Review rules", ["rule", "on", "parameters"],
                        [[r.code, "[green]on[/]" if r.enabled else "off",
                          ", ".join(f"{k}={v}" for k, v in r.params.items())] for r in rows]))


@review_cli.command("rules")
def review_rules(json_out: JsonOpt = False) -> None:
    """The review rules, whether each is on, and their parameters."""
    with opened() as a:
        rows = [ReviewRuleOut(**r) for r in a.review.rules()]
    if json_out:
        emit_json(rows)
    else:
        _show_rules(rows)


@review_cli.command("rule")
def review_rule(code: str,
                enabled: Annotated[bool, typer.Option("--on/--off", help="hold orders for it, or not")],
                param: Annotated[list[str] | None, typer.Option(
                    "--param", help="KEY=VALUE: amount_floor=0.4, amount_ceiling=3, hold_buyer_notes=false")] = None,
                json_out: JsonOpt = False) -> None:
    """Turn a rule on or off and set its parameters (already reviewed orders keep their verdict: `run --again`)."""
    params = {k: rule_param(v) for k, v in pairs(param, "--param").items()}
    with opened() as a:
        a.review.set_rule(code, enabled, params)
        rows = [ReviewRuleOut(**r) for r in a.review.rules() if r["code"] == code]
    if json_out:
        emit_json(rows[0])
    else:
        _show_rules(rows)


@blacklist_cli.command("list")
def blacklist_list(json_out: JsonOpt = False) -> None:
    """Every entry, by kind."""
    with opened() as a:
        rows = [BlacklistOut.of(r) for r in a.review.blacklist()]
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"Blacklist ({len(rows)})", ["id", "kind", "entry", "reason", "added"],
                        [[r.id, r.kind, r.shown, r.reason, when(r.created_at)] for r in rows], justify_right=["id"]))


@blacklist_cli.command("add")
def blacklist_add(kind: Annotated[str, typer.Argument(help="buyer, phone, email or address")],
                  value: Annotated[str, typer.Argument(help="buyer id or name, phone, e-mail; the street for an "
                                                            "address")],
                  reason: Annotated[str, typer.Option()],
                  country: Annotated[str, typer.Option(help="the phone's or address's country")] = "",
                  postcode: Annotated[str, typer.Option(help="for an address")] = "",
                  city: Annotated[str, typer.Option(help="for an address")] = "",
                  json_out: JsonOpt = False) -> None:
    """Hold every order of a buyer, to an address, with a phone or an e-mail."""
    place = None
    if kind == "address":
        if not country:
            raise fail("an address entry needs --country (and --postcode, --city), the street as VALUE")
        place = AddressIn(name="", country=country, city=city, postcode=postcode, line1=value)
    with opened() as a:
        entry, new = add_blacklist_entry(a, BlacklistIn(kind=kind, value=value, reason=reason, country=country,
                                                        address=place))
    if json_out:
        emit_json(entry)
    elif new:
        console.print(f"blacklist entry [bold]{entry.id}[/] added: {entry.kind} {entry.shown}")
    else:
        console.print(f"{entry.kind} {entry.shown} is on the blacklist already (entry {entry.id})")


@blacklist_cli.command("remove")
def blacklist_remove(entry_id: int) -> None:
    """Take an entry off the blacklist (orders held for it stay held: approve them)."""
    with opened() as a:
        a.review.remove_from_blacklist(entry_id)
    console.print(f"blacklist entry {entry_id} removed")


# --- carriers ------------------------------------------------------------------------------------

def _show_accounts(rows: list[CarrierAccountOut]) -> None:
    console.print(table("Carrier accounts", ["id", "name", "carrier", "services"],
                        [[r.id, r.name, r.carrier, ", ".join(s.code for s in r.services) or "the marketplace's"]
                         for r in rows], justify_right=["id"]))


@carriers_cli.command("add")
def carriers_add(carrier: Annotated[str, typer.Argument(help="dhl, yunexpress … or 'platform' for the "
                                                            "marketplace's own logistics")],
                 name: Annotated[str, typer.Argument(help="your name for the account; rules use it")],
                 setting: Annotated[list[str] | None, typer.Option(
                     "--set", help="KEY=VALUE, repeatable: the carrier's credentials and options "
                                   "(JSON for a map); kept encrypted, never shown")] = None,
                 json_out: JsonOpt = False) -> None:
    """Add a carrier account; its settings are checked against the carrier adapter first."""
    settings = {k: setting_value(v) for k, v in pairs(setting, "--set").items()}
    with opened() as a:
        out = add_carrier_account(a, CarrierAccountIn(carrier=carrier, name=name, settings=settings))
    if json_out:
        emit_json(out)
    else:
        console.print(f"carrier account [bold]{out.name}[/] ({out.carrier}) added")
        _show_accounts([out])


@carriers_cli.command("list")
def carriers_list(json_out: JsonOpt = False) -> None:
    """Carrier accounts and the services rules may name (credentials are never shown)."""
    with opened() as a:
        rows = [account_out(a, r) for r in a.carriers.accounts()]
    if json_out:
        emit_json(rows)
    else:
        _show_accounts(rows)


# --- shipping: set-up ----------------------------------------------------------------------------

@shipping_cli.command("rule-add")
def shipping_rule_add(
    name: str,
    account: Annotated[str, typer.Option(help="carrier account name")],
    service: Annotated[str, typer.Option(help="one of the account's services (see `crossdock carriers list`)")],
    priority: Annotated[int, typer.Option(help="lower is tried first")] = 100,
    country: Annotated[list[str] | None, typer.Option("--country", help="destination, repeatable")] = None,
    platform: Annotated[list[str] | None, typer.Option("--platform", help="repeatable")] = None,
    store: Annotated[list[int] | None, typer.Option("--store", help="store id, repeatable")] = None,
    warehouse: Annotated[list[str] | None, typer.Option("--warehouse", help="code, repeatable")] = None,
    temperature: Annotated[list[Temperature] | None, typer.Option("--temperature", help="repeatable")] = None,
    min_weight: Annotated[int | None, typer.Option(min=0, help="grams")] = None,
    max_weight: Annotated[int | None, typer.Option(min=0, help="grams")] = None,
    min_value: Annotated[str | None, typer.Option(help="e.g. 20EUR")] = None,
    max_value: Annotated[str | None, typer.Option(help="e.g. 150EUR")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Route the parcels that meet every condition given to this account and service."""
    conditions = RuleConditions(countries=country or [], platforms=platform or [], store_ids=store or [],
                                warehouses=warehouse or [], temperatures=temperature or [],
                                min_weight_grams=min_weight, max_weight_grams=max_weight,
                                min_value=money(min_value, "--min-value"), max_value=money(max_value, "--max-value"))
    with opened() as a:
        rule_id = a.shipping.add_rule(name, account, service, priority=priority, conditions=conditions.stored())
        accounts = accounts_by_id(a)
        rows = [ShippingRuleOut.of(r, accounts) for r in a.shipping.rules() if r["id"] == rule_id]
    if json_out:
        emit_json(rows[0])
    else:
        _show_rules_of_shipping(rows)


def _conditions(c: RuleConditions) -> str:
    parts = [f"to {','.join(c.countries)}" if c.countries else "",
             f"on {','.join(c.platforms)}" if c.platforms else "",
             f"stores {','.join(map(str, c.store_ids))}" if c.store_ids else "",
             f"from {','.join(c.warehouses)}" if c.warehouses else "",
             ",".join(t.value for t in c.temperatures),
             f"≥ {c.min_weight_grams} g" if c.min_weight_grams is not None else "",
             f"≤ {c.max_weight_grams} g" if c.max_weight_grams is not None else "",
             f"≥ {c.min_value.amount} {c.min_value.currency}" if c.min_value else "",
             f"≤ {c.max_value.amount} {c.max_value.currency}" if c.max_value else ""]
    return "; ".join(p for p in parts if p) or "any parcel"


def _show_rules_of_shipping(rows: list[ShippingRuleOut]) -> None:
    console.print(table("Shipping rules", ["id", "priority", "name", "account", "service", "when"],
                        [[r.id, r.priority, r.name, r.account, r.service, _conditions(r.conditions)] for r in rows],
                        justify_right=["id", "priority"]))


@shipping_cli.command("rules")
def shipping_rules(json_out: JsonOpt = False) -> None:
    """The shipping rules in the order they are tried."""
    with opened() as a:
        accounts = accounts_by_id(a)
        rows = [ShippingRuleOut.of(r, accounts) for r in a.shipping.rules()]
    if json_out:
        emit_json(rows)
    else:
        _show_rules_of_shipping(rows)


@shipping_cli.command("warehouse-address")
def shipping_warehouse_address(code: str, name: Annotated[str, typer.Option(help="the sender's name")],
                               line1: Annotated[str, typer.Option(help="street and number")],
                               city: Annotated[str, typer.Option()], postcode: Annotated[str, typer.Option()],
                               country: Annotated[str, typer.Option(help="two-letter code")],
                               phone: Annotated[str, typer.Option()] = "",
                               state: Annotated[str, typer.Option()] = "") -> None:
    """The sender address printed on the labels of parcels leaving a warehouse."""
    with opened() as a:
        a.shipping.set_warehouse_address(code, address(name, line1, city, postcode, country, phone, state))
    console.print(f"sender address of {code} set")


@shipping_cli.command("pickup-add")
def shipping_pickup_add(
    carrier: str, external_id: Annotated[str, typer.Argument(help="the carrier's id of the point")],
    name: Annotated[str, typer.Option()], line1: Annotated[str, typer.Option()],
    city: Annotated[str, typer.Option()], postcode: Annotated[str, typer.Option()],
    country: Annotated[str, typer.Option()],
    timezone: Annotated[str, typer.Option(help="IANA zone the hours are in, e.g. Europe/Berlin")],
    hours: Annotated[list[str], typer.Option("--hours", help="DAYS=HH:MM-HH:MM, e.g. mon-fri=08:00-20:00; "
                                                            "repeatable")],
    slot_minutes: Annotated[int, typer.Option(min=1)] = 60,
    json_out: JsonOpt = False,
) -> None:
    """Add a pick-up point (locker, shop) with its opening hours in local time."""
    try:
        body = PickupPointIn(carrier=carrier, external_id=external_id, name=name, timezone=timezone,
                             address=AddressIn(name=name, country=country, city=city, postcode=postcode, line1=line1),
                             hours=opening_hours(hours), slot_minutes=slot_minutes)
    except ValidationError as exc:
        raise fail("; ".join(str(e["msg"]) for e in exc.errors())) from None
    with opened() as a:
        point_id = a.shipping.add_pickup_point(body.point())
    if json_out:
        emit_json({"id": point_id, "carrier": carrier, "external_id": external_id, "name": name})
    else:
        console.print(f"pick-up point [bold]{point_id}[/] {name} ({carrier} {external_id}) added")


@shipping_cli.command("pickup")
def shipping_pickup(shipment_id: int, point: Annotated[int, typer.Option(help="pick-up point id")],
                    start: Annotated[str, typer.Option(help="slot start, ISO 8601 (UTC unless it says)")],
                    end: Annotated[str, typer.Option(help="slot end")], json_out: JsonOpt = False) -> None:
    """Deliver a parcel to a pick-up point in one of the slots it offers."""
    start_at, end_at = utc_time(start, "--start"), utc_time(end, "--end")
    with opened() as a:
        shipment_row(a, shipment_id)
        a.shipping.bind_pickup(shipment_id, point, start_at, end_at)
        [out] = shipments_out(a, [shipment_row(a, shipment_id)])
    if json_out:
        emit_json(out)
    else:
        console.print(f"{out.reference} goes to pick-up point {point}, {when(start_at)} to {when(end_at)} UTC")


# --- shipping: runs ------------------------------------------------------------------------------

def _bar(quiet: bool) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, disable=quiet)


def _stepped(bar: Progress, what: str, ids: list[int], step: Callable[[list[int]], StepReport]) -> StepOut:
    out = StepOut(done=0, failed=0, retry=0, errors=[])
    task = bar.add_task(what, total=len(ids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        out.add(step(chunk))
        bar.update(task, advance=len(chunk))
    bar.update(task, description=f"{what}: {out.done} done, {out.failed} failed, {out.retry} to retry")
    return out


def _buy(a: App, bar: Progress, ids: list[int] | None) -> StepOut:
    due = [s["id"] for s in a.shipping.shipments(ids, states=["planned"], limit=ALL) if s["carrier"]]
    return _stepped(bar, "buying labels", due, a.shipping.buy_labels)


def _confirm(a: App, bar: Progress, ids: list[int] | None) -> StepOut:
    due = [s["id"] for s in a.shipping.shipments(ids, states=["labelled"], limit=ALL)]
    return _stepped(bar, "telling the marketplaces", due, a.shipping.confirm)


def _show_plan(p: PlanOut) -> None:
    console.print(f"{p.shipments} parcels planned for {p.orders} orders ({p.split_orders} split, {p.merged} "
                  f"merged)" + (f"; [yellow]{p.unrouted} without a carrier[/]: `crossdock shipping route`"
                                if p.unrouted else ""))


def _show_steps(steps: dict[str, StepOut]) -> None:
    console.print(table("Shipping", ["step", "done", "failed", "to retry"],
                        [[name, s.done, s.failed, s.retry] for name, s in steps.items()],
                        justify_right=["done", "failed", "to retry"]))
    for s in steps.values():
        for line in s.errors:
            err.print(f"[red]{line}[/]")


@shipping_cli.command("plan")
def shipping_plan(order_ids: Annotated[list[int] | None, typer.Argument(help="default: every reviewed order",
                                                                        show_default=False)] = None,
                  json_out: JsonOpt = False) -> None:
    """Parcels for the reviewed orders: split by warehouse and temperature, merged per buyer, routed by rule."""
    with opened() as a, err.status("planning parcels …", spinner="dots"):
        if order_ids:
            existing_orders(a, order_ids)
        out = PlanOut.of(a.shipping.plan(order_ids or None))
    if json_out:
        emit_json(out)
    else:
        _show_plan(out)


@shipping_cli.command("route")
def shipping_route(shipment_ids: list[int], account: Annotated[str, typer.Option(help="carrier account name")],
                   service: Annotated[str, typer.Option()], json_out: JsonOpt = False) -> None:
    """Choose the carrier of parcels by hand (before their labels are bought)."""
    with opened() as a:
        existing_shipments(a, shipment_ids)
        changed = a.shipping.set_carrier(shipment_ids, account, service)
        rows = shipments_out(a, a.shipping.shipments(shipment_ids))
    if json_out:
        emit_json(rows)
        return
    console.print(f"{changed} of {len(rows)} parcels routed to {account} {service}")
    stuck = [r.reference for r in rows if r.state != "planned"]
    if stuck:
        err.print(f"[yellow]already labelled, not changed[/]: {', '.join(stuck)}")


def _step_command(ids: list[int] | None, json_out: bool, run: Callable[[App, Progress, list[int] | None], StepOut],
                  name: str) -> None:
    with opened() as a:
        if ids:
            existing_shipments(a, ids)
        with _bar(json_out) as bar:
            out = run(a, bar, ids or None)
    if json_out:
        emit_json(out)
    else:
        _show_steps({name: out})
    if out.failed:
        raise typer.Exit(2)


@shipping_cli.command("cancel")
def shipping_cancel(shipment_ids: list[int], reason: Annotated[str, typer.Option(help="why they do not go")],
                    json_out: JsonOpt = False) -> None:
    """Call parcels off before they leave: a bought label is cancelled with its carrier. Exits 2 on a refusal."""
    with opened() as a:
        existing_shipments(a, shipment_ids)
        out = StepOut.of(a.shipping.cancel(shipment_ids, reason))
    if json_out:
        emit_json(out)
    else:
        _show_steps({"called off": out})
    if out.failed:
        raise typer.Exit(2)


@shipping_cli.command("retry-interrupted")
def shipping_retry_interrupted(shipment_ids: list[int]) -> None:
    """After checking the carrier's account: buy again the labels whose purchase was cut off."""
    with opened() as a:
        existing_shipments(a, shipment_ids)
        moved = a.shipping.retry_interrupted(shipment_ids)
    console.print(f"{moved} of {len(shipment_ids)} parcels will be labelled by the next `shipping labels`")


@shipping_cli.command("labels")
def shipping_labels(shipment_ids: Ids = None, json_out: JsonOpt = False) -> None:
    """Buy the labels of routed, planned parcels. Exits 2 when a carrier refused one (its words are shown)."""
    _step_command(shipment_ids, json_out, _buy, "labels")


@shipping_cli.command("confirm")
def shipping_confirm(shipment_ids: Ids = None, json_out: JsonOpt = False) -> None:
    """Tell the marketplaces the tracking numbers of labelled parcels. Exits 2 when one refused."""
    _step_command(shipment_ids, json_out, _confirm, "confirm")


@shipping_cli.command("run")
def shipping_run(order_ids: Annotated[list[int] | None, typer.Argument(help="default: every reviewed order",
                                                                       show_default=False)] = None,
                 json_out: JsonOpt = False) -> None:
    """Plan, buy labels and confirm in one go. Exits 2 when a carrier or marketplace refused a parcel."""
    with opened() as a:
        if order_ids:
            existing_orders(a, order_ids)
        with _bar(json_out) as bar:
            task = bar.add_task("planning parcels", total=1)
            plan = PlanOut.of(a.shipping.plan(order_ids or None))
            bar.update(task, completed=1, description=f"planning parcels: {plan.shipments} for {plan.orders} orders")
            only = plan.shipment_ids if order_ids else None
            out = RunOut(plan=plan, labels=_buy(a, bar, only), confirm=_confirm(a, bar, only))
    if json_out:
        emit_json(out)
    else:
        _show_plan(out.plan)
        _show_steps({"labels": out.labels, "confirm": out.confirm})
    if out.labels.failed or out.confirm.failed:
        raise typer.Exit(2)


@shipping_cli.command("list")
def shipping_list(state: Annotated[ShipmentState | None, typer.Option()] = None,
                  order: Annotated[int | None, typer.Option(help="the parcels of one order")] = None,
                  limit: Annotated[int, typer.Option(min=1)] = 500, json_out: JsonOpt = False) -> None:
    """Parcels, oldest first, with their carrier, tracking number and what went wrong."""
    with opened() as a:
        rows = shipments_out(a, a.shipping.shipments(states=[state.value] if state else None, order_id=order,
                                                     limit=limit))
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"Shipments ({len(rows)})", ["id", "ref", "orders", "from", "state", "carrier", "tracking",
                                                    "value", "problem"],
                        [[r.id, r.reference, ", ".join(dict.fromkeys(x.platform_order_id for x in r.lines)),
                          r.warehouse, styled(r.state), f"{r.account} {r.service}" if r.account else None,
                          r.tracking_number, f"{r.value.amount} {r.value.currency}", _problem(r)] for r in rows],
                        justify_right=["id", "value"]))


def _problem(r: ShipmentOut) -> str:
    if r.label_error:
        return f"label: {r.label_error}"
    if r.platform_state in ("retry", "failed"):
        return f"marketplace {r.platform_state}: {r.platform_error or ''}"
    return "no carrier: route it" if r.state == "planned" and not r.carrier else ""


# --- shipping: papers ----------------------------------------------------------------------------

def _printable(a: App, ids: list[int] | None) -> list[int]:
    if ids:
        existing_shipments(a, ids)
        return ids
    due = [s["id"] for s in a.shipping.shipments(states=["labelled"], limit=ALL)]
    if not due:
        raise fail("no labelled parcel waits to leave: give shipment ids")
    return due


def _print_parcels(out: Path, shipment_ids: list[int] | None, json_out: bool, papers: str,
                   draw: Callable[[App, list[int]], bytes]) -> None:
    """One PDF of `papers` for the parcels given, or for the labelled ones not yet shipped."""
    with opened() as a:
        ids = _printable(a, shipment_ids)
        pdf = draw(a, ids)
    write(out, pdf, f"{len(ids)} {papers}", json_out, shipments=ids)


@print_cli.command("labels")
def print_labels(out: OutFile, shipment_ids: Ids = None, json_out: JsonOpt = False) -> None:
    """Every label in one PDF, in the order given (default: the labelled parcels not yet shipped)."""
    _print_parcels(out, shipment_ids, json_out, "labels", lambda a, ids: a.documents.labels(ids))


@print_cli.command("pick-list")
def print_pick_list(warehouse: str, out: OutFile, json_out: JsonOpt = False) -> None:
    """What to pick in a warehouse for the parcels waiting to leave it."""
    with opened() as a:
        pdf = a.documents.pick_list(warehouse)
    write(out, pdf, f"pick list of {warehouse}", json_out)


@print_cli.command("packing-slips")
def print_packing_slips(out: OutFile, shipment_ids: Ids = None, json_out: JsonOpt = False) -> None:
    """One packing slip per parcel (default: the labelled parcels not yet shipped)."""
    _print_parcels(out, shipment_ids, json_out, "packing slips", lambda a, ids: a.documents.packing_slips(ids))


@print_cli.command("commercial-invoice")
def print_commercial_invoice(shipment_id: int, out: OutFile,
                             incoterm: Annotated[str, typer.Option(help="DDP or DAP")] = "DDP",
                             json_out: JsonOpt = False) -> None:
    """The customs invoice of one parcel; its SKUs need HS codes and its store a seller entity."""
    with opened() as a:
        shipment_row(a, shipment_id)
        pdf = a.documents.commercial_invoice(shipment_id, incoterm.upper())
    write(out, pdf, "commercial invoice", json_out)


# --- tracking ------------------------------------------------------------------------------------

@tracking_cli.command("run")
def tracking_run(json_out: JsonOpt = False) -> None:
    """Pull every parcel's events from its carrier, then raise and close exceptions."""
    with opened() as a, err.status("tracking parcels …", spinner="dots"):
        tracked = TrackOut.of(a.tracking.track())
        checked = ExceptionCheckOut.of(a.tracking.check_exceptions())
    out = TrackingRunOut(tracking=tracked, exceptions=checked)
    if json_out:
        emit_json(out)
        return
    console.print(f"{tracked.shipments} parcels tracked: {tracked.new_events} new events, {tracked.delivered} "
                  f"delivered, {tracked.returned} returned")
    console.print(f"exceptions: {checked.raised} raised, {checked.resolved} resolved; open: "
                  + (", ".join(f"{k} {v}" for k, v in sorted(checked.open.items())) or "none"))
    for line in tracked.errors:
        err.print(f"[red]{line}[/]")


@tracking_cli.command("exceptions")
def tracking_exceptions(kind: Annotated[ExceptionKind | None, typer.Option()] = None,
                        json_out: JsonOpt = False) -> None:
    """What needs a look: late shipments, parcels not moving, failed deliveries, parcels coming back."""
    with opened() as a:
        rows = [ExceptionOut.of(e) for e in a.tracking.exceptions(kind.value if kind else None)]
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"Open exceptions ({len(rows)})", ["id", "kind", "order", "shipment", "detail", "since"],
                        [[r.id, r.kind.value, r.order_id, r.shipment_id, r.detail, when(r.raised_at)] for r in rows],
                        justify_right=["id", "order", "shipment"]))


@tracking_cli.command("events")
def tracking_events(shipment_id: int, json_out: JsonOpt = False) -> None:
    """A parcel's tracking events, oldest first."""
    with opened() as a:
        row = shipment_row(a, shipment_id)
        rows = [EventOut.of(e) for e in a.tracking.events(shipment_id)]
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"{row['reference']} {row['tracking_number'] or ''}", ["at (UTC)", "status", "code",
                                                                              "description", "where"],
                        [[when(e.at), e.status, e.code, e.description, e.location] for e in rows]))


# --- returns -------------------------------------------------------------------------------------

@returns_cli.command("pull")
def returns_pull(store_id: int, json_out: JsonOpt = False) -> None:
    """Read a store's return requests changed since the last pull. Exits 2 when the platform failed."""
    with opened() as a, err.status(f"pulling returns of store {store_id} …", spinner="dots"):
        out = ReturnsPullOut.of(store_id, a.returns.pull(store_id))
    if json_out:
        emit_json(out)
    else:
        console.print(f"store {store_id}: {out.read} return requests read, {out.new} new, {out.updated} updated, "
                      f"{out.quarantined} quarantined")
        for line in out.errors:
            err.print(f"[red]{line}[/]")
    if out.errors:
        raise typer.Exit(2)


@returns_cli.command("list")
def returns_list(state: Annotated[ReturnState | None, typer.Option()] = None,
                 store: Annotated[int | None, typer.Option("--store")] = None,
                 limit: Annotated[int, typer.Option(min=1)] = 200, json_out: JsonOpt = False) -> None:
    """Return requests, newest first."""
    with opened() as a:
        codes = warehouse_codes(a)
        rows = [ReturnOut.of(r, codes) for r in a.returns.returns(state=state.value if state else None,
                                                                  store_id=store, limit=limit)]
    if json_out:
        emit_json(rows)
        return
    console.print(table(f"Returns ({len(rows)})", ["id", "store", "order", "state", "reason", "items", "refund",
                                                  "to", "received"],
                        [[r.id, r.store_id, r.platform_order_id, r.state, r.reason,
                          ", ".join(f"{x.sku} x{x.quantity}" for x in r.lines),
                          f"{r.refund.amount} {r.refund.currency}" if r.refund else None, r.warehouse,
                          when(r.received_at)] for r in rows], justify_right=["id", "store"]))


@returns_cli.command("receive")
def returns_receive(return_id: int,
                    restock: Annotated[list[str] | None, typer.Option(
                        "--restock", help="SKU=UNITS back on the shelf, repeatable")] = None,
                    write_off: Annotated[list[str] | None, typer.Option(
                        "--write-off", help="SKU=UNITS damaged or missing, repeatable")] = None,
                    note: Annotated[str, typer.Option()] = "", json_out: JsonOpt = False) -> None:
    """What arrived and what became of it: restocked units go through the stock ledger (reason `return`)."""
    back, lost = unit_pairs(restock, "--restock"), unit_pairs(write_off, "--write-off")
    if not back and not lost:
        raise fail("say what arrived: --restock SKU=UNITS and/or --write-off SKU=UNITS")
    inspections = [Inspection(sku, restock=back.get(sku, 0), write_off=lost.get(sku, 0), note=note)
                   for sku in dict.fromkeys([*back, *lost])]
    with opened() as a:
        out = ReturnOut.of(a.returns.receive(return_id, inspections), warehouse_codes(a))
    if json_out:
        emit_json(out)
    else:
        console.print(f"return {return_id} received at {out.warehouse}: "
                      + ", ".join(f"{i.sku} {i.restocked} restocked, {i.written_off} written off"
                                  for i in out.inspection or []))


# --- invoices ------------------------------------------------------------------------------------

@invoices_cli.command("issue")
def invoices_issue(order_id: int, out: OutFile, json_out: JsonOpt = False) -> None:
    """The EU sales invoice of an order: numbered the first time (no gaps), the same number afterwards."""
    with opened() as a:
        number, pdf = a.documents.invoice(order_id)
    write(out, pdf, f"invoice {number}", json_out, number=number)


@invoices_cli.command("entity-add")
def invoices_entity_add(code: str, name: str, line1: Annotated[str, typer.Option()],
                        city: Annotated[str, typer.Option()], postcode: Annotated[str, typer.Option()],
                        country: Annotated[str, typer.Option()], phone: Annotated[str, typer.Option()] = "",
                        vat: Annotated[str, typer.Option(help="EU VAT number, e.g. DE136695976")] = "",
                        eori: Annotated[str, typer.Option()] = "",
                        prefix: Annotated[str, typer.Option(help="invoice number prefix; default CODE-")] = "",
                        ) -> None:
    """A company that sells and invoices, with its own gapless invoice numbers."""
    with opened() as a:
        entity_id = a.documents.add_entity(code, name, address(name, line1, city, postcode, country, phone),
                                           vat_number=vat, eori=eori, invoice_prefix=prefix)
    console.print(f"seller entity [bold]{code}[/] ({entity_id}) added")


@invoices_cli.command("store")
def invoices_store(store_id: int,
                   entity: Annotated[str | None, typer.Option(help="seller entity code invoicing its buyers")] = None,
                   return_warehouse: Annotated[str | None, typer.Option(help="warehouse its returns go to")] = None,
                   ) -> None:
    """Which entity invoices a store's buyers and where its returns go; an option left out stays as it is."""
    if entity is None and return_warehouse is None:
        raise fail("give --entity and/or --return-warehouse")
    with opened() as a:
        a.stores.get(store_id)
        a.documents.set_store(store_id, entity=entity, return_warehouse=return_warehouse)
    changed = [f"invoiced by {entity or 'nobody'}" if entity is not None else "",
               f"returns to {return_warehouse or 'the first overseas warehouse'}" if return_warehouse is not None
               else ""]
    console.print(f"store {store_id}: " + ", ".join(c for c in changed if c))
