"""The ``imos`` command line: parses, calls flows, prints with Rich. No logic lives here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from immigrationos import (
    __version__,
    cli_cases,
    cli_custody,
    cli_documents,
    cli_jobs,
    cli_operations,
    cli_oversight,
    cli_oversight_card,
    cli_oversight_switch,
    cli_persons,
    cli_platform,
    cli_resolution,
    cli_targeting,
    cli_worksite,
    demo_accounts,
)
from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.records import flows as records_flows
from immigrationos.reference import field_offices
from immigrationos.reference import geocode as geocoding
from immigrationos.sources import access as sources_access
from immigrationos.sources import flows as ingest_flows
from immigrationos.sources import service as sources_service
from immigrationos.synth import world as synth_world

app = typer.Typer(
    name="imos",
    help="ImmigrationOS: ingest records, generate synthetic worlds, and run the pipeline.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True, soft_wrap=True)

DEFAULT_AS_OF = dt.date(2026, 11, 1)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date written YYYY-MM-DD") from exc


@app.command()
def version() -> None:
    """Print the platform's version."""
    console.print(f"immigrationos {__version__}")


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the world into.")],
    persons: Annotated[int, typer.Option(help="Number of persons.", min=1)] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 1,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Date the world's truth holds on (YYYY-MM-DD).")
    ] = DEFAULT_AS_OF.isoformat(),
    malformed: Annotated[
        float, typer.Option(help="Fraction of malformed rows per source (0 to 0.5).")
    ] = 0.0,
) -> None:
    """Generate a synthetic world with ground truth, in the data contract's format."""
    summary = _run_synth(out, persons, seed, _parse_date(as_of), malformed)
    table = Table(title=f"Synthetic world: {summary.persons:,} persons, seed {seed}, as of {as_of}")
    table.add_column("source")
    table.add_column("rows", justify="right")
    table.add_column("malformed", justify="right")
    for source, rows in summary.rows_per_source.items():
        table.add_row(source, f"{rows:,}", f"{summary.malformed_per_source.get(source, 0):,}")
    console.print(table)
    console.print(f"Written to [bold]{out}[/] (truth in {out / 'truth'})")


def _run_synth(
    out: Path, persons: int, seed: int, as_of: dt.date, malformed: float
) -> synth_world.WorldSummary:
    with _progress() as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        try:
            return synth_world.generate_world(
                persons=persons,
                seed=seed,
                as_of=as_of,
                out_dir=out,
                malformed_rate=malformed,
                progress=report,
            )
        except ValueError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc


@app.command()
def ingest(
    input_dir: Annotated[Path, typer.Argument(help="Folder of <source>.csv files.")],
    snapshot: Annotated[
        bool,
        typer.Option(
            "--snapshot",
            help="The delivery is a full snapshot: records it no longer holds are withdrawn.",
        ),
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the report as JSON to this file.")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
    ] = None,
) -> None:
    """Validate every contract source in a folder into the lake; quarantine bad rows."""
    result = _run_ingest(input_dir, snapshot, source)
    _print_ingest(result)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(result.to_json())
        console.print(f"Report written to {report}")


def _run_ingest(
    input_dir: Path, snapshot: bool, sources: list[str] | None
) -> ingest_flows.IngestReport:
    with _progress() as progress:
        task = progress.add_task("ingest", total=None)

        def report(stage: str, done: int, total: int) -> None:
            progress.update(task, description=f"ingest {stage}", completed=done, total=total)

        try:
            result = ingest_flows.ingest_directory(
                input_dir, snapshot=snapshot, progress=report, sources=sources
            )
        except ingest_flows.IngestError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc
        # PostgreSQL: statistics and the visibility map now, not when autovacuum comes round
        progress.update(task, description="ingest: analyze the record index", total=None)
        records_flows.vacuum()
        return result


def _print_ingest(result: ingest_flows.IngestReport) -> None:
    table = Table(title=f"Ingest {result.run_id} by {result.run_by}")
    for name in ("source", "status", "read", "accepted", "held", "new", "changed", "same",
                 "withdrawn"):  # fmt: skip
        table.add_column(name, justify="left" if name in ("source", "status") else "right")
    for s in result.sources:
        table.add_row(
            s.source, s.status, f"{s.rows_read:,}", f"{s.accepted:,}", f"{s.quarantined:,}",
            f"{s.new:,}", f"{s.changed:,}", f"{s.unchanged:,}", f"{s.withdrawn:,}",
        )  # fmt: skip
    totals = result.totals
    table.add_row(
        "total", "", f"{totals['rows_read']:,}", f"{totals['accepted']:,}",
        f"{totals['quarantined']:,}", "", "", "", "", style="bold",
    )  # fmt: skip
    console.print(table)
    reasons: dict[str, dict[str, int]] = {}
    for s in result.sources:
        for code, n in s.quarantined_by_reason.items():
            reasons.setdefault(code, {})[s.source] = n
    if reasons:
        held = Table(title="Quarantined rows by reason (imos quarantine BATCH shows them)")
        held.add_column("reason")
        held.add_column("rows", justify="right")
        held.add_column("sources")
        for code, per_source in sorted(reasons.items()):
            where = ", ".join(f"{src} {n:,}" for src, n in per_source.items())
            held.add_row(code, f"{sum(per_source.values()):,}", where)
        console.print(held)


@app.command()
def demo(
    persons: Annotated[int, typer.Option(help="Persons in the demo world.", min=1)] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    malformed: Annotated[float, typer.Option(help="Fraction of malformed rows.")] = 0.005,
    out: Annotated[Path | None, typer.Option(help="Folder of the world.")] = None,
) -> None:
    """Run the main job: generate a world, ingest it, resolve its persons, print the summary."""
    settings = get_settings()
    out = out or settings.var_dir / "worlds" / f"demo-seed{seed}"
    console.rule("[bold]1. Synthetic world")
    started = time.perf_counter()
    summary = _run_synth(out, persons, seed, DEFAULT_AS_OF, malformed)
    console.print(
        f"{summary.persons:,} persons, {sum(summary.rows_per_source.values()):,} rows "
        f"({sum(summary.malformed_per_source.values()):,} malformed) in {out}"
    )
    console.rule("[bold]2. Ingest")
    result = _run_ingest(out, False, None)
    _print_ingest(result)
    console.rule("[bold]3. Accounts and a SAMPLE authorization")
    setup = demo_accounts.seed_demo(
        get_engine(), settings.var_dir, by=Principal.operator(settings.operator)
    )
    cli_platform.print_demo_setup(setup, settings.var_dir)
    console.rule("[bold]4. Identity resolution")
    # The platform's upkeep, not a read under a purpose: the demo's one purpose is a
    # sample criminal investigation, which resolving everyone is not.
    resolved = cli_resolution.run_resolution(
        purpose_id=None, threshold=None, backend=None, incremental=False
    )
    cli_resolution.print_summary(resolved)
    console.rule("[bold]5. Targeting")
    # Targeting reads everyone's records: a named BATCH purpose of its own, declared once.
    targeting_purpose = demo_accounts.targeting_purpose(
        get_engine(), by=Principal.operator(settings.operator)
    )
    targeted = cli_targeting.run_targeting(
        purpose_id=targeting_purpose, as_of=DEFAULT_AS_OF.isoformat()
    )
    cli_targeting.print_summary(targeted)
    console.print(
        f"Explain a lead: imos lead show LEAD_ID --purpose {targeting_purpose}; "
        "export them: imos export leads leads.csv"
    )
    console.rule("[bold]Summary")
    totals = result.totals
    console.print(
        f"Database: {settings.resolved_database_url}\nLake: {settings.resolved_lake_dir}\n"
        f"Rows read {totals['rows_read']:,} = accepted {totals['accepted']:,} + quarantined "
        f"{totals['quarantined']:,}. Finished in {time.perf_counter() - started:.1f} s."
    )


@app.command()
def batches(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 30,
) -> None:
    """List the latest ingest batches with their reconciliation."""
    with session_scope(get_engine()) as session:
        rows = sources_service.list_batches(session=session, source=source, limit=limit)
        table = Table(title="Ingest batches")
        for name in ("batch", "source", "status", "read", "accepted", "quarantined", "by", "at"):
            table.add_column(name)
        for b in rows:
            table.add_row(
                b.id, b.source, b.status, f"{b.rows_read:,}", f"{b.rows_accepted:,}",
                f"{b.rows_quarantined:,}", b.run_by, b.started_at.isoformat(timespec="seconds"),
            )  # fmt: skip
    console.print(table)


@app.command()
def quarantine(
    batch_id: Annotated[str, typer.Argument(help="The batch's id (see imos batches).")],
    purpose: Annotated[
        str, typer.Option(help="The purpose of this read (a purpose id; see imos purposes).")
    ],
    limit: Annotated[int, typer.Option(help="How many rows.")] = 50,
) -> None:
    """Show a batch's quarantined rows (person data: under a purpose, audited as the operator)."""
    operator = Principal.operator(get_settings().operator)
    try:
        rows = sources_access.read_quarantine(
            get_engine(), operator, purpose, batch_id, limit=limit
        )
    except sources_access.ReadRefused as exc:
        err.print(f"[red]refused:[/] {exc}")
        raise typer.Exit(2) from exc
    table = Table(title=f"Quarantine of batch {batch_id}")
    for name in ("line", "code", "reason", "raw text"):
        table.add_column(name, overflow="fold")
    for q in rows:
        table.add_row(str(q.line_number), q.reason_code, q.reason, q.raw_text[:120])
    console.print(table)


@app.command()
def geocode(
    file: Annotated[
        Path | None, typer.Argument(help="A CSV with street, city, state, zip columns.")
    ] = None,
    street: Annotated[str | None, typer.Option(help="Street line.")] = None,
    city: Annotated[str | None, typer.Option(help="City.")] = None,
    state: Annotated[str | None, typer.Option(help="USPS state code.")] = None,
    zip_code: Annotated[str | None, typer.Option("--zip", help="5-digit ZIP code.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the geocoded CSV here.")] = None,
) -> None:
    """Geocode an address (or a CSV of them) offline, to coordinates and field office."""
    if file is None:
        if not any((street, city, state, zip_code)):
            err.print("[red]error:[/] give an address (--city/--state/--zip) or a CSV file")
            raise typer.Exit(2)
        result = geocoding.geocode(street, city, state, zip_code)
        console.print_json(json.dumps(dataclasses.asdict(result)))
        return
    try:
        coded = geocoding.geocode_file(file)
    except (ValueError, OSError, field_offices.AorTableError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if out is not None:
        coded.write_csv(out)
        console.print(f"{coded.height:,} addresses geocoded to {out}")
    table = Table(title=f"{file}: {coded.height:,} addresses")
    table.add_column("precision")
    table.add_column("addresses", justify="right")
    for precision, n in coded.group_by("geo_precision").len().sort("geo_precision").iter_rows():
        table.add_row(str(precision), f"{n:,}")
    console.print(table)


@app.command()
def migrate() -> None:
    """Apply database migrations (they are also applied on every start)."""
    engine = get_engine()
    console.print(f"Database at head: {engine.url.render_as_string(hide_password=True)}")


cli_platform.register(app)
cli_persons.register(app)
cli_resolution.register(app)
cli_targeting.register(app)
cli_cases.register(app)
cli_custody.register(app)
cli_documents.register(app)
cli_operations.register(app)
cli_worksite.register(app)
cli_jobs.register(app)
cli_oversight.register(app)
# After cli_oversight.register(app): these join its ``oversight`` group.
cli_oversight_card.register(app)
cli_oversight_switch.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
