"""Command-line targeting: ``imos target``, ``imos lead show|close``, ``imos export leads``.

Run by the operator on the platform's own machine, audited as ``operator:<user>@<host>``.
A targeting run and a lead's explanation read person data, so both name a purpose and
the data-use policy applies under it; the leads export is the operator's disclosure
(exports.md) and is audited as one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from immigrationos import cli_cases, cli_persons
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.cases import flows as cases_flows
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.targeting import access as targeting_access
from immigrationos.targeting import decisions as targeting_decisions
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting.export import export_leads as write_leads
from immigrationos.targeting.schemas import LeadRead

console = Console()
err = Console(stderr=True, soft_wrap=True)

lead_app = typer.Typer(help="Leads: the full explanation of one, or a person's decision on it.")


def register(app: typer.Typer) -> None:
    """Add ``imos target``, ``imos lead`` and ``imos export leads`` to the command line."""
    app.command("target")(target)
    app.add_typer(lead_app, name="lead")
    cli_persons.export_app.command("leads")(export_leads)


def _operator() -> Principal:
    return Principal.operator(get_settings().operator)


def target(
    purpose: Annotated[
        str | None,
        typer.Option(help="The purpose of the run (a BATCH purpose id; see imos purposes)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Evaluate as of this date (YYYY-MM-DD; default today).")
    ] = None,
) -> None:
    """Evaluate every resolved person and keep their leads (person data: under a purpose)."""
    summary = run_targeting(purpose_id=purpose, as_of=as_of)
    print_summary(summary)
    if purpose:
        recheck_cases(purpose_id=purpose, as_of=summary.as_of)


def recheck_cases(*, purpose_id: str, as_of: dt.date) -> None:
    """Check the safeguards of every open case again after new leads; print those halted.

    A citizenship record that arrived with this run's records halts its case now, not at
    the case's next step.
    """
    try:
        halted = cases_flows.recheck_open_cases(
            get_engine(), principal=_operator(), purpose_id=purpose_id, as_of=as_of
        )
    except cases_flows.CaseError as exc:
        err.print(f"[yellow]open cases not re-checked:[/] {exc.detail}")
        return
    console.print("open cases re-checked:")
    cli_cases.print_rechecked(halted)


def run_targeting(*, purpose_id: str | None, as_of: str | None) -> targeting_flows.TargetRunSummary:
    """Run targeting as the operator with a progress bar; exit 2 with the reason on error."""
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        err.print(f"[red]error:[/] --as-of {as_of!r} is not a date YYYY-MM-DD")
        raise typer.Exit(2) from exc
    settings = get_settings()
    columns = (
        TextColumn("[bold]{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("evaluate", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            return targeting_flows.target(
                get_engine(),
                settings.resolved_lake_dir,
                principal=_operator(),
                purpose_id=purpose_id,
                as_of=day,
                progress=report,
            )
        except targeting_flows.TargetingError as exc:
            progress.stop()
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc


def print_summary(summary: targeting_flows.TargetRunSummary) -> None:
    """Print what a targeting run evaluated and changed, leads by state and by violation."""
    table = Table(title=f"Targeting as of {summary.as_of}", caption=f"run {summary.run_id}")
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("persons evaluated", f"{summary.persons:,}")
    table.add_row("leads", f"{summary.leads:,}")
    for state in ("OPEN", "HELD", "SUPPRESSED", "CLOSED"):
        table.add_row(f"  {state}", f"{summary.by_state.get(state, 0):,}")
    for violation, n in summary.by_violation.items():
        table.add_row(f"  with {violation}", f"{n:,}")
    table.add_row("leads created", f"{summary.created:,}")
    table.add_row("leads changed", f"{summary.changed:,}")
    table.add_row("leads retired", f"{summary.retired:,}")
    table.add_row("seconds", f"{summary.seconds:,.1f}")
    console.print(table)
    for note in summary.notes:
        console.print(f"[yellow]{note}[/]")


def _refs(value: Any) -> str:
    return ", ".join(value or [])


def print_lead(lead: LeadRead) -> None:
    """Print a lead's full explanation."""
    ex = lead.explanation
    head = Table(title=f"Lead {lead.lead_id} ({lead.state})", show_header=False)
    head.add_column("field", style="bold")
    head.add_column("value", overflow="fold")
    head.add_row("person", lead.person_id)
    head.add_row("score", "" if lead.score is None else str(lead.score))
    head.add_row("priority", lead.priority or "")
    head.add_row("violations", ", ".join(lead.violations))
    head.add_row("safeguards fired", ", ".join(lead.safeguards))
    head.add_row("evidence", _refs(lead.evidence))
    head.add_row("as of", lead.as_of.isoformat())
    head.add_row("policy", f"{lead.policy_version} (sha256 {lead.policy_sha256[:12]}...)")
    head.add_row("field office", lead.field_office or "none")
    if lead.closed_by:
        head.add_row("closed by", f"{lead.closed_by}: {lead.closed_reason}")
    if ex.get("withheld_sources"):
        head.add_row("run without", ", ".join(ex["withheld_sources"]))
    console.print(head)
    _table(
        "Detectors",
        ("violation", "ran", "why"),
        [(r["violation"], "yes" if r["ran"] else "no", r["reason"]) for r in ex.get("runs", [])],
    )
    _table(
        "Violations found",
        ("violation", "detail", "evidence"),
        [(f["violation"], f["detail"], _refs(f["evidence"])) for f in ex.get("findings", [])],
    )
    _table(
        "Safeguards",
        ("safeguard", "effect", "reason", "legal basis", "evidence"),
        [
            (s["name"], s["effect"], s["reason"], s.get("legal_basis", ""), _refs(s["evidence"]))
            for s in ex.get("safeguards", [])
        ],
    )
    score = ex.get("score") or {}
    _table(
        f"Score {score.get('score', '')} (raw {score.get('raw_total', '')})" if score else "Score",
        ("factor", "points", "detail", "records"),
        [
            (f["name"], str(f["points"]), f["detail"], _refs(f["evidence"]))
            for f in score.get("factors", [])
        ],
    )
    _table(
        "Recommendations",
        ("action", "reason", "legal basis", "records"),
        [
            (r["action"], r["reason"], r["legal_basis"], _refs(r["evidence"]))
            for r in ex.get("recommendations", [])
        ],
    )
    _table(
        "Addresses",
        ("address", "confidence", "last seen", "reasons"),
        [
            (
                ", ".join(
                    p for p in (a.get("street"), a.get("city"), a.get("state"), a.get("zip")) if p
                ),
                str(a["score"]),
                a.get("last_seen") or "",
                "; ".join(a.get("reasons", [])),
            )
            for a in ex.get("addresses", [])
        ],
    )
    _table(
        "History",
        ("at", "event", "state", "score", "reason", "by"),
        [
            (
                e.at.isoformat(timespec="seconds"),
                e.kind,
                f"{e.from_state or ''} -> {e.to_state or ''}" if e.to_state else "",
                f"{e.from_score} -> {e.to_score}" if e.kind in ("SCORE", "CREATED") else "",
                e.reason,
                e.actor,
            )
            for e in lead.history
        ],
    )
    for w in lead.withheld:
        console.print(f"[yellow]withheld[/] {w.count} {w.source} record(s): {w.rule}: {w.reason}")


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    if not rows:
        console.print(f"[dim]{title}: none[/]")
        return
    table = Table(title=title)
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@lead_app.command("show")
def lead_show(
    lead_id: Annotated[str, typer.Argument(help="The lead's ID (L and ten characters).")],
    purpose: Annotated[
        str, typer.Option(help="The purpose of this read (a purpose id; see imos purposes).")
    ],
) -> None:
    """Show a lead's full explanation (person data: under a purpose, audited)."""
    with session_scope(get_engine()) as session:
        try:
            lead = targeting_access.read_lead(session, _operator(), purpose, lead_id)
        except Problem as exc:
            err.print(f"[red]refused:[/] {exc.detail}")
            raise typer.Exit(2) from exc
    print_lead(lead)


@lead_app.command("close")
def lead_close(
    lead_id: Annotated[str, typer.Argument(help="The lead's ID.")],
    reason: Annotated[str, typer.Option(help="Why the lead is closed (recorded).")],
    purpose: Annotated[str | None, typer.Option(help="The purpose of this decision.")] = None,
) -> None:
    """Close a lead as a person's decision; targeting runs never reopen it (audited)."""
    try:
        lead = targeting_flows.close_lead(
            get_engine(), principal=_operator(), purpose_id=purpose, lead_id=lead_id, reason=reason
        )
    except targeting_flows.TargetingError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"lead {lead.lead_id} CLOSED: {lead.closed_reason}")


@lead_app.command("decide")
def lead_decide(
    lead_id: Annotated[str, typer.Argument(help="The lead's ID.")],
    recommendation: Annotated[
        str, typer.Argument(help="The recommendation, as `imos lead show` prints its action.")
    ],
    reason: Annotated[str, typer.Option(help="Why you followed or overrode it (recorded).")],
    followed: Annotated[
        bool, typer.Option("--followed/--overridden", help="Whether you followed it.")
    ] = True,
    purpose: Annotated[str | None, typer.Option(help="The purpose of this decision.")] = None,
) -> None:
    """Record that you followed or overrode a lead's recommendation, and why (audited)."""
    try:
        event = targeting_decisions.decide_recommendation(
            get_engine(),
            principal=_operator(),
            purpose_id=purpose,
            lead_id=lead_id,
            action=recommendation,
            followed=followed,
            reason=reason,
        )
    except targeting_flows.TargetingError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"lead {lead_id}: {event.kind} — {event.reason}")


def export_leads(
    out: Annotated[Path, typer.Argument(help="The CSV file to write.")],
    purpose: Annotated[
        str | None, typer.Option(help="A purpose to record with the export (optional).")
    ] = None,
) -> None:
    """Write one row per lead as exports.md fixes it (audited as a disclosure)."""
    try:
        summary = write_leads(out, engine=get_engine(), principal=_operator(), purpose_id=purpose)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot write {out}: {exc}")
        raise typer.Exit(2) from exc
    states = ", ".join(f"{s} {n:,}" for s, n in summary.by_state.items()) or "none"
    console.print(
        f"{summary.rows:,} leads ({states}) written to {summary.path}; SHA-256 {summary.sha256}"
    )
