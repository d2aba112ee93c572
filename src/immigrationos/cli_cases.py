"""Command-line cases: ``imos case show ID`` and ``imos case recheck``.

Run by the operator on the platform's own machine, audited as ``operator:<user>@<host>``.
A case is person data: the read names a purpose and is audited like an API read.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.cases import access as cases_access
from immigrationos.cases import flows as cases_flows
from immigrationos.cases.schemas import CaseHistory, CaseRead
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope

console = Console()
err = Console(stderr=True, soft_wrap=True)

case_app = typer.Typer(help="Cases: where one stands, what may happen next, and its history.")


def register(app: typer.Typer) -> None:
    """Add ``imos case`` to the command line."""
    app.add_typer(case_app, name="case")


@case_app.command("show")
def case_show(
    case_id: Annotated[str, typer.Argument(help="The case's ID (C and ten characters).")],
    purpose: Annotated[
        str, typer.Option(help="The purpose of this read (a purpose id; see imos purposes).")
    ],
) -> None:
    """Show a case, the transitions open to it and its history (under a purpose, audited)."""
    principal = Principal.operator(get_settings().operator)
    with session_scope(get_engine()) as session:
        try:
            case = cases_access.read_case(session, principal, purpose, case_id)
            history = cases_access.read_history(session, principal, purpose, case_id)
        except Problem as exc:
            err.print(f"[red]refused:[/] {exc.detail}")
            raise typer.Exit(2) from exc
    print_case(case, history)


def print_case(case: CaseRead, history: CaseHistory) -> None:
    """Print a case with its next steps and history."""
    halted = f" (halted from {case.halted_from})" if case.halted_from else ""
    console.print(f"[bold]case {case.case_id}[/]  {case.state}{halted}  version {case.version}")
    console.print(
        f"lead {case.lead_id}  person {case.person_id}  office {case.field_office or '-'}  "
        f"officer {case.assigned_officer or 'not assigned'}"
    )
    steps = Table(title="what may happen next")
    for column in ("transition", "to", "roles", "reason", "checks"):
        steps.add_column(column)
    for option in case.transitions:
        steps.add_row(
            option.name,
            option.to_state or "(the state it was halted in)",
            ", ".join(option.roles),
            "required" if option.reason_required else "optional",
            ", ".join(option.checks),
        )
    console.print(steps)
    events = Table(title="history")
    for column in ("at", "kind", "transition", "from", "to", "by", "reason", "checks"):
        events.add_column(column)
    for e in history.events:
        checks = ", ".join(f"{c['name']} {'ok' if c.get('passed') else 'FAILED'}" for c in e.checks)
        events.add_row(
            e.at.strftime("%Y-%m-%d %H:%M"),
            e.kind,
            e.transition or "",
            e.from_state or "",
            e.to_state or "",
            f"{e.actor} ({e.actor_role})",
            e.reason or "",
            checks,
        )
    console.print(events)


@case_app.command("recheck")
def case_recheck(
    purpose: Annotated[
        str, typer.Option(help="The purpose of this check (a purpose id; see imos purposes).")
    ],
) -> None:
    """Evaluate the safeguards again on every open case; halt those they no longer clear.

    Run it after new records arrive (ingest, resolve, target): a citizenship record then
    halts its case at once, not only at the case's next step.
    """
    principal = Principal.operator(get_settings().operator)
    try:
        halted = cases_flows.recheck_open_cases(
            get_engine(), principal=principal, purpose_id=purpose
        )
    except cases_flows.CaseError as exc:
        err.print(f"[red]refused:[/] {exc.detail}")
        raise typer.Exit(2) from exc
    print_rechecked(halted)


def print_rechecked(outcomes: list[cases_flows.TransitionOutcome]) -> None:
    """Print what a re-check did to each case: halted for review, or moved (self-departed)."""
    halted = [o for o in outcomes if o.halted]
    for outcome in outcomes:
        verb = "halted" if outcome.halted else "moved"
        console.print(f"case {outcome.case.case_id} {verb}: {outcome.case.state}")
    console.print(f"{len(halted)} case(s) halted, {len(outcomes) - len(halted)} moved")
