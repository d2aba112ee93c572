"""Command-line identity resolution: ``imos resolve``, everything at once or a new batch.

Run by the operator on the platform's own machine, audited as ``operator:<user>@<host>``
(``resolution.run``). A purpose is optional: resolving the records into persons is the
platform's upkeep, not a read of anyone's data.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine
from immigrationos.resolution import resolve_flows

console = Console()
err = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``imos resolve`` to the ``imos`` command line."""
    app.command("resolve")(resolve)


def resolve(
    purpose: Annotated[
        str | None, typer.Option(help="A purpose to record with the run (optional; a purpose id).")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="The match probability a link needs, between 0 and 1 (default: the "
            "production threshold; with --incremental, the last run's)."
        ),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="Resolution backend (default: IMOS_RESOLUTION_BACKEND)."),
    ] = None,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="Link only the records ingested since the last run, with its model.",
        ),
    ] = False,
) -> None:
    """Resolve the ingested person records into persons with stable IDs (audited)."""
    summary = run_resolution(
        purpose_id=purpose, threshold=threshold, backend=backend, incremental=incremental
    )
    print_summary(summary, incremental=incremental)


def run_resolution(
    *,
    purpose_id: str | None,
    threshold: float | None,
    backend: str | None,
    incremental: bool,
) -> resolve_flows.RunSummary:
    """Run a resolution as the operator with a progress bar; exit 2 with the reason on error."""
    settings = get_settings()
    flow = resolve_flows.link_new if incremental else resolve_flows.resolve
    columns = (
        TextColumn("[bold]{task.description:<24}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} stages"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("resolve", total=len(resolve_flows.STAGES))

        def report(stage: str, done: int, total: int) -> None:
            progress.update(task, description=f"resolve: {stage}", completed=done, total=total)

        try:
            return flow(
                get_engine(),
                settings.resolved_lake_dir,
                principal=Principal.operator(settings.operator),
                purpose_id=purpose_id,
                threshold=threshold,
                backend=backend,
                progress=report,
            )
        except resolve_flows.ResolutionError as exc:
            progress.stop()
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc


def print_summary(summary: resolve_flows.RunSummary, *, incremental: bool = False) -> None:
    """Print what a run wrote and changed."""
    kind = "Incremental linking" if incremental else "Identity resolution"
    table = Table(title=kind, caption=f"run {summary.run_id}")
    table.add_column("")
    table.add_column("count", justify="right")
    rows = (
        ("records", "records resolved"),
        ("persons", "persons"),
        ("links", "links holding them"),
        ("flags", "flags (e.g. shared SSNs)"),
        ("created", "persons created"),
        ("kept", "persons kept their ID"),
        ("merged", "persons merged into others"),
        ("split", "persons split"),
        ("retired", "persons retired"),
    )
    for name, label in rows:
        table.add_row(label, f"{getattr(summary, name):,}")
    table.add_row("seconds", f"{summary.seconds:,.1f}")
    console.print(table)
