"""Command-line jobs: ``imos jobs run|start|list|show|cancel|worker``.

``imos jobs run KIND`` runs a job in the foreground through the very job code a queue
worker runs (the same row in ``imos_jobs``, the same checkpoints), with a progress bar;
``imos jobs worker`` runs a Procrastinate worker on the PostgreSQL database. Audited as
the operator, like every other command.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.jobs import execute, queue
from immigrationos.jobs import flows as jobs_flows
from immigrationos.jobs import kinds as job_kinds
from immigrationos.jobs import service as jobs_service
from immigrationos.jobs.models import JobState
from immigrationos.jobs.schemas import JobRead

console = Console()
err = Console(stderr=True, soft_wrap=True)
jobs_app = typer.Typer(help="Background jobs: run one here, queue one, follow or cancel them.")
EXIT = {JobState.SUCCEEDED.value: 0, JobState.CANCELLED.value: 1, JobState.FAILED.value: 2}

ArgOption = Annotated[
    list[str] | None,
    typer.Option(
        "--arg", help="An argument NAME=VALUE of the kind (repeatable; VALUE as JSON or text)."
    ),
]
PurposeOption = Annotated[
    str | None, typer.Option(help="The purpose the job serves (a purpose id).")
]


def register(app: typer.Typer) -> None:
    """Add ``imos jobs`` to the command line."""
    app.add_typer(jobs_app, name="jobs")


def _operator() -> Principal:
    return Principal.operator(get_settings().operator)


def parse_arguments(values: list[str]) -> dict[str, Any]:
    """Return ``NAME=VALUE`` pairs as a dict, each VALUE read as JSON when it is JSON."""
    found: dict[str, Any] = {}
    for value in values:
        name, sep, raw = value.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{value!r}: give NAME=VALUE")
        try:
            found[name] = json.loads(raw)
        except json.JSONDecodeError:
            found[name] = raw
    return found


def _start(kind: str, args: list[str] | None, purpose: str | None, dispatch: Any) -> JobRead:
    try:
        return jobs_flows.start(
            get_engine(), principal=_operator(), kind=kind,
            arguments=parse_arguments(args or []), purpose_id=purpose, dispatch=dispatch,
        )  # fmt: skip
    except jobs_flows.JobsError as exc:
        err.print(f"[red]error:[/] {exc.detail}")
        raise typer.Exit(2) from exc


@jobs_app.command("run")
def run(
    kind: Annotated[str, typer.Argument(help=f"The kind: {', '.join(job_kinds.KINDS)}.")],
    arg: ArgOption = None,
    purpose: PurposeOption = None,
) -> None:
    """Run a job here in the foreground, as a worker would, with a progress bar."""
    job = _start(kind, arg, purpose, None)
    engine = get_engine()
    worker = threading.Thread(target=execute.run, args=(engine, job.id), daemon=True)
    columns = (TextColumn("[bold]{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"{kind} {job.id}", total=None)
        worker.start()
        while worker.is_alive():
            worker.join(0.3)
            now = jobs_flows.read(engine, job.id)
            progress.update(
                task, description=now.stage or kind, completed=now.done, total=now.total
            )
    _finished(jobs_flows.read(engine, job.id))


def _finished(job: JobRead) -> None:
    show_job(job)
    raise typer.Exit(EXIT.get(job.state, 0))


@jobs_app.command("start")
def start(
    kind: Annotated[str, typer.Argument(help=f"The kind: {', '.join(job_kinds.KINDS)}.")],
    arg: ArgOption = None,
    purpose: PurposeOption = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until it ends.")] = False,
) -> None:
    """Queue a job for the workers (on SQLite: run it in this process's background)."""
    job = _start(kind, arg, purpose, jobs_flows.dispatch_default)
    console.print(f"job {job.id} {job.state}")
    if not wait:
        return
    engine = get_engine()
    while job.state not in EXIT:
        time.sleep(0.5)
        job = jobs_flows.read(engine, job.id)
    _finished(job)


@jobs_app.command("list")
def list_jobs(
    state: Annotated[str | None, typer.Option(help="Only jobs in this state.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 30,
) -> None:
    """List the latest jobs with their state and progress."""
    table = Table(title="Jobs")
    for name in ("job", "kind", "state", "progress", "attempts", "by", "created"):
        table.add_column(name, no_wrap=name in ("job", "state"))
    with session_scope(get_engine()) as session:
        for row in jobs_service.list_jobs(session=session, state=state, limit=limit):
            job = JobRead.of(row)
            progress = f"{job.stage or ''} {job.done}/{job.total}" if job.total else job.stage or ""
            table.add_row(job.id, job.kind, job.state, progress, str(job.attempts),
                          job.requested_by, job.created_at.isoformat(timespec="seconds"))  # fmt: skip
    console.print(table)


def show_job(job: JobRead) -> None:
    """Print one job: what was asked, where it is, its result or error."""
    table = Table(title=f"Job {job.id}: {job.title}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row("state", job.state + (" (cancel asked)" if job.cancel_requested else ""))
    table.add_row("arguments", json.dumps(job.arguments))
    table.add_row("progress", f"{job.stage or ''} {job.done}/{job.total or '?'}")
    table.add_row("attempts", str(job.attempts))
    table.add_row("asked by", job.requested_by)
    if job.result is not None:
        table.add_row("result", json.dumps(job.result, indent=1))
    if job.error:
        table.add_row("error", job.error)
    console.print(table)


@jobs_app.command("show")
def show(
    job_id: Annotated[str, typer.Argument(help="The job's id (J and 12 characters).")],
) -> None:
    """Show one job."""
    try:
        show_job(jobs_flows.read(get_engine(), job_id))
    except jobs_flows.JobsError as exc:
        err.print(f"[red]error:[/] {exc.detail}")
        raise typer.Exit(2) from exc


@jobs_app.command("cancel")
def cancel(job_id: Annotated[str, typer.Argument(help="The job's id.")]) -> None:
    """Cancel a job: a queued one never runs, a running one stops at its next checkpoint."""
    try:
        job = jobs_flows.cancel(get_engine(), principal=_operator(), job_id=job_id)
    except jobs_flows.JobsError as exc:
        err.print(f"[red]error:[/] {exc.detail}")
        raise typer.Exit(2) from exc
    console.print(
        f"job {job.id} {job.state}"
        + (" (stops at its next checkpoint)" if job.state == "RUNNING" else "")
    )


@jobs_app.command("worker")
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs run at once.")] = 1,
    heartbeat: Annotated[
        float, typer.Option(help="Seconds between the worker's heartbeats.")
    ] = 10.0,
    stalled_after: Annotated[
        float, typer.Option(help="Seconds without heartbeat after which a worker's job is retried.")
    ] = 30.0,
) -> None:
    """Run a queue worker (PostgreSQL) until stopped; retry the jobs of dead workers."""
    engine = get_engine()
    try:
        queue.conninfo(engine)
    except queue.QueueUnavailable as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(
        f"worker on {engine.url.render_as_string(hide_password=True)}, queue {queue.QUEUE}"
    )
    asyncio.run(
        queue.work(
            engine, concurrency=concurrency, heartbeat=heartbeat, stalled_after=stalled_after
        )
    )
