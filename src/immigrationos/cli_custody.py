"""Command-line custody: deadlines, placement into facilities, removal flights.

- ``imos custody deadlines``: the alerts of the legal deadlines;
- ``imos custody place FILE.csv|--synthetic N``: detained persons placed into the bundled
  ICE facility listing by min-cost flow (``custody/placement.py``), each placement with
  its explanation (no person data is read from the database: nothing to audit);
- ``imos custody flights list`` / ``imos custody flights manifest FLIGHT``: the removal
  flights and a flight's manifest (``--pdf FILE`` writes the PDF).

Commands reading the database run as the operator on the platform's own machine,
audited as ``operator:<user>@<host>`` under a purpose, like the API.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from immigrationos.auth.principal import Principal
from immigrationos.cases.flows import CaseError
from immigrationos.config import get_settings
from immigrationos.custody import deadlines as custody_deadlines
from immigrationos.custody import flows as custody_flows
from immigrationos.custody import placement, placement_input, removal_flights, sites
from immigrationos.db.engine import get_engine, session_scope

console = Console()
err = Console(stderr=True, soft_wrap=True)

custody_app = typer.Typer(
    help="Custody: legal deadlines, placement into facilities, removal flights."
)
flights_app = typer.Typer(help="Removal flights and their manifests.")
custody_app.add_typer(flights_app, name="flights")


def register(app: typer.Typer) -> None:
    """Add ``imos custody`` to the command line."""
    app.add_typer(custody_app, name="custody")


@custody_app.command("deadlines")
def deadlines(
    purpose: Annotated[
        str, typer.Option(help="The purpose of this read (a purpose id; see imos purposes).")
    ],
    office: Annotated[
        list[str] | None, typer.Option(help="Only this field office (repeatable); default all.")
    ] = None,
    upcoming: Annotated[bool, typer.Option(help="Also the deadlines not yet due.")] = False,
) -> None:
    """Print the custody deadlines overdue or due (8 CFR 287.3(d), INA 241(a)(1), 241.4)."""
    principal = Principal.operator(get_settings().operator)
    now = dt.datetime.now(dt.UTC)
    offices = frozenset(office) if office else None
    with session_scope(get_engine()) as session:
        try:
            custody_flows.context(session, principal, purpose)
        except CaseError as exc:
            err.print(f"[red]refused:[/] {exc.detail}")
            raise typer.Exit(2) from exc
        found = custody_deadlines.deadlines_due(session, offices, now, include_upcoming=upcoming)
        custody_flows.audit(
            session, principal, "custody.deadlines", "case", None, purpose,
            {"field_offices": None if offices is None else sorted(offices),
             "returned": [d.case_id for d in found]},
        )  # fmt: skip
        session.commit()
    table = Table("alert", "due", "case", "office", "deadline", "basis")
    for d in found:
        table.add_row(
            d.alert or "", d.due_at.strftime("%Y-%m-%d %H:%M UTC"), d.case_id,
            d.field_office or "-", f"{d.kind} #{d.sequence}", d.basis,
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(found)} deadline(s) {'open' if upcoming else 'overdue or due'}")


def _explain(p: placement.Placement) -> str:
    """Return a placement's explanation in one paragraph."""
    words = f"{p.eligible_because}; {p.distance_km:.0f} km"
    if p.nearer_full or p.nearer_ineligible:
        words += f"; nearer: {p.nearer_full} full, {p.nearer_ineligible} ineligible" + "".join(
            f" ({n.name}, {n.distance_km:.0f} km: {n.reason})" for n in p.nearer[:3]
        )
    return words


def _placement_json(result: placement.PlacementResult) -> dict[str, Any]:
    return {
        "placed": len(result.placements),
        "not_placed": len(result.unplaced),
        "total_distance_km": round(result.total_distance_km, 1),
        "seconds": round(result.seconds, 3),
        "placements": [
            {"person_id": p.person_id, "facility_code": p.facility_code,
             "facility_name": p.facility_name, "distance_km": round(p.distance_km, 1),
             "eligible_because": p.eligible_because, "nearer_full": p.nearer_full,
             "nearer_ineligible": p.nearer_ineligible,
             "nearer": [{"code": n.code, "name": n.name, "distance_km": round(n.distance_km, 1),
                         "reason": n.reason} for n in p.nearer]}
            for p in result.placements
        ],
        "unplaced": [{"person_id": u.person_id, "reason": u.reason} for u in result.unplaced],
    }  # fmt: skip


@custody_app.command("place")
def place(
    file: Annotated[
        Path | None, typer.Argument(help="CSV: id, sex, security_level, lat+lon or zip.")
    ] = None,
    synthetic: Annotated[
        int | None, typer.Option(help="Place N synthetic persons instead of a file.")
    ] = None,
    seconds: Annotated[
        float | None, typer.Option(help="Time budget: exit 1 if placing takes longer.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic population.")] = 1,
    show: Annotated[int, typer.Option(help="Placements listed with their explanation.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Place detained persons into the ICE facility listing at the least transport distance."""
    if (file is None) == (synthetic is None):
        err.print("[red]error:[/] give a CSV file or --synthetic N (one of them)")
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        persons = (
            placement_input.synthetic_persons(synthetic, seed)
            if synthetic is not None
            else placement_input.read_persons(file)  # type: ignore[arg-type]
        )
    except placement_input.PlacementInputError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    status = err.status("reading the facility listing") if not as_json else None
    if status is not None:
        status.start()
    try:
        site_list = sites.build_sites()
        if status is not None:
            status.update(f"placing {len(persons):,} persons (min-cost flow)")
        result = placement.place(persons, site_list)
    except placement.PlacementError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        if status is not None:
            status.stop()
    elapsed = time.perf_counter() - started
    if as_json:
        console.print_json(json.dumps(_placement_json(result)))
    else:
        table = Table("person", "facility", "km", "why this one")
        for p in result.placements[:show]:
            table.add_row(
                p.person_id, f"{p.facility_name} ({p.facility_code})",
                f"{p.distance_km:.0f}", _explain(p),
            )  # fmt: skip
        console.print(table)
        for u in result.unplaced[:show]:
            console.print(f"[yellow]not placed[/] {u.person_id}: {u.reason}")
        used = sum(1 for load in result.load.values() if load)
        mean = result.total_distance_km / len(result.placements) if result.placements else 0.0
        console.print(
            f"{len(result.placements):,} placed, {len(result.unplaced):,} not placed, "
            f"{used} facilities used, mean {mean:.0f} km; solved in {result.seconds:.2f} s "
            f"({elapsed:.2f} s with the listing)"
        )
    if seconds is not None and result.seconds > seconds:
        err.print(f"[red]over budget:[/] placing took {result.seconds:.2f} s > {seconds} s")
        raise typer.Exit(1)


def _operator_context(purpose: str) -> Principal:
    principal = Principal.operator(get_settings().operator)
    with session_scope(get_engine()) as session:
        try:
            custody_flows.context(session, principal, purpose)
        except CaseError as exc:
            err.print(f"[red]refused:[/] {exc.detail}")
            raise typer.Exit(2) from exc
    return principal


@flights_app.command("list")
def flights_list(
    purpose: Annotated[str, typer.Option(help="The purpose of this read (a purpose id).")],
) -> None:
    """Print the removal flights, soonest first, with the seats taken."""
    principal = _operator_context(purpose)
    with session_scope(get_engine()) as session:
        found = removal_flights.list_flights(session)
        custody_flows.audit(
            session, principal, "custody.flight.list", "flight", None, purpose,
            {"returned": [f.flight_id for f, _n in found]},
        )  # fmt: skip
        session.commit()
        rows = [
            (f.flight_id, f.destination, f.departs.isoformat(), f"{n}/{f.seats}",
             f.departure_site, f.state, str(f.version))
            for f, n in found
        ]  # fmt: skip
    table = Table("flight", "to", "departs", "seats", "from", "state", "version")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"{len(rows)} flight(s)")


@flights_app.command("manifest")
def flights_manifest(
    flight_id: Annotated[str, typer.Argument(help="The flight ID (F and ten characters).")],
    purpose: Annotated[str, typer.Option(help="The purpose of this read (a purpose id).")],
    pdf: Annotated[Path | None, typer.Option(help="Also write the manifest PDF here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Print a flight's manifest (and write its PDF)."""
    principal = _operator_context(purpose)
    action = "custody.flight.manifest_pdf" if pdf else "custody.flight.manifest"
    try:
        found = removal_flights.manifest(
            get_engine(), principal=principal, purpose_id=purpose, flight_id=flight_id,
            action=action,
        )  # fmt: skip
    except CaseError as exc:
        err.print(f"[red]refused:[/] {exc.detail}")
        raise typer.Exit(2) from exc
    if pdf is not None:
        pdf.write_bytes(removal_flights.manifest_pdf(found))
    if as_json:
        console.print_json(json.dumps(found))
        return
    console.print(
        f"Flight {found['flight_id']} to {found['destination']} on {found['departs']} from "
        f"{found['departure_site']} ({found['state']}, {found['seats']} seats)"
    )
    table = Table("#", "case", "name", "born", "A-number", "travel document", "status")
    for p in found["passengers"]:
        doc = p["travel_document"]
        table.add_row(
            str(p["position"]), p["case_id"], f"{p['family_name']}, {p['given_name']}",
            p["birth_date"] or "", p["a_number"] or "",
            f"{doc['kind']} {doc['number'] or ''}",
            p["status"] + (f": {p['reason']}" if p["reason"] else ""),
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(found['passengers'])} passenger(s)")
    if pdf is not None:
        console.print(f"PDF written to {pdf}")
