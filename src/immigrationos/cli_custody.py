"""Command-line custody: ``imos custody deadlines``, the alerts of the legal deadlines.

Run by the operator on the platform's own machine, audited as ``operator:<user>@<host>``
under a purpose, like the API's ``GET /custody/deadlines``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from immigrationos.auth.principal import Principal
from immigrationos.cases.flows import CaseError
from immigrationos.config import get_settings
from immigrationos.custody import deadlines as custody_deadlines
from immigrationos.custody import flows as custody_flows
from immigrationos.db.engine import get_engine, session_scope

console = Console()
err = Console(stderr=True, soft_wrap=True)

custody_app = typer.Typer(help="Custody: the legal deadlines of cases and their alerts.")


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
