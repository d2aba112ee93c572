"""Command-line use of resolved persons: ``imos person show``, ``imos export clusters``.

Both are the operator's, on the platform's own machine, audited as
``operator:<user>@<host>``. Showing a person reads person data, so it names a purpose
and the data-use policy applies as in the API; the clusters export is a disclosure of
the operator's (exports.md) and is audited as one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from immigrationos.apikit.deps import PageParams
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.persons import access as persons_access
from immigrationos.persons.schemas import PersonRead, PersonTimeline
from immigrationos.resolution import flows as resolution_flows

console = Console()
err = Console(stderr=True, soft_wrap=True)
TIMELINE_ROWS = 10_000

person_app = typer.Typer(help="Resolved persons: profiles and timelines (under a purpose).")
export_app = typer.Typer(help="Open-format exports (see the exports specification).")


def register(app: typer.Typer) -> None:
    """Add the person and export commands to the ``imos`` command line."""
    app.add_typer(person_app, name="person")
    app.add_typer(export_app, name="export")


def _operator() -> Principal:
    return Principal.operator(get_settings().operator)


def _print_person(person: PersonRead) -> None:
    title = f"Person {person.person_id} ({person.status})"
    if person.merged_into:
        title += f", merged into {person.merged_into}"
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row("best name", person.best_name or "")
    table.add_row("other names", "; ".join(n.value for n in person.other_names))
    table.add_row(
        "birth dates",
        "; ".join(f"{d.value.isoformat()} ({', '.join(d.sources)})" for d in person.birth_dates),
    )
    table.add_row("sex", person.sex or "")
    for kind, values in person.identifiers.items():
        table.add_row(kind, "; ".join(f"{v.value} ({', '.join(v.sources)})" for v in values))
    for a in person.addresses:
        where = ", ".join(p for p in (a.street, a.city, a.state, a.zip) if p)
        seen = f"{a.first_seen or '?'} to {a.last_seen or '?'}"
        table.add_row("address", f"{where}  [{seen}; {', '.join(a.sources)}]")
    table.add_row("sources", ", ".join(f"{s.source} ({s.records})" for s in person.sources))
    table.add_row("field office", person.field_office or "none")
    table.add_row("confidence", f"{person.confidence:.3f}")
    console.print(table)
    for w in person.withheld:
        console.print(f"[yellow]withheld[/] {w.count} {w.source} record(s): {w.rule}: {w.reason}")


def _print_timeline(timeline: PersonTimeline) -> None:
    table = Table(title=f"Timeline ({timeline.total} records)")
    for name in ("date", "source", "record", "name", "summary"):
        table.add_column(name, overflow="fold")
    for entry in timeline.items:
        table.add_row(
            entry.date.isoformat() if entry.date else "",
            entry.source,
            entry.record_id + (" (withdrawn)" if entry.withdrawn else ""),
            entry.display_name,
            entry.summary,
        )
    console.print(table)


@person_app.command("show")
def person_show(
    person_id: Annotated[str, typer.Argument(help="The person's ID (P and ten characters).")],
    purpose: Annotated[
        str, typer.Option(help="The purpose of this read (a purpose id; see imos purposes).")
    ],
    timeline: Annotated[bool, typer.Option(help="Also print every record in date order.")] = True,
) -> None:
    """Show a person's profile and timeline (person data: under a purpose, audited)."""
    operator = _operator()
    with session_scope(get_engine()) as session:
        try:
            person = persons_access.read_person(session, operator, purpose, person_id)
            dated = (
                persons_access.read_timeline(
                    session, operator, purpose, person_id, PageParams(TIMELINE_ROWS, 0)
                )
                if timeline and person.status == "ACTIVE"
                else None
            )
        except Problem as exc:
            err.print(f"[red]refused:[/] {exc.detail}")
            raise typer.Exit(2) from exc
    _print_person(person)
    if dated is not None:
        _print_timeline(dated)


@export_app.command("clusters")
def export_clusters(
    out: Annotated[Path, typer.Argument(help="The CSV file to write.")],
    purpose: Annotated[
        str | None, typer.Option(help="A purpose to record with the export (optional).")
    ] = None,
) -> None:
    """Write source,record_id,person_id for every ingested record (audited as a disclosure)."""
    try:
        summary = resolution_flows.export_clusters(
            out, engine=get_engine(), principal=_operator(), purpose_id=purpose
        )
    except OSError as exc:
        err.print(f"[red]error:[/] cannot write {out}: {exc}")
        raise typer.Exit(2) from exc
    console.print(
        f"{summary.rows:,} records of {summary.persons:,} persons written to {summary.path} "
        f"({summary.unresolved:,} not yet resolved, each its own person); "
        f"SHA-256 {summary.sha256}"
    )
