"""Command-line worksite audits: ``imos worksite audit DIR`` and ``imos worksite generate``.

A self-audit needs no database: an employer runs it on its own machine over its CSV/JSON
exports and filled PDFs. An inspection cross-checks SSA and USCIS records the platform
holds, under a declared purpose, audited as ``operator:<user>@<host>``, and keeps the run.
Bad input stops the command with exit code 2 and an error naming the file, row and
field; nothing is written then (outputs are written whole, through a temporary file).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine
from immigrationos.worksite import flows as worksite_flows
from immigrationos.worksite import generator, io_csv, report
from immigrationos.worksite.model import AuditResult, Mode
from immigrationos.worksite.schemas import AuditReport

console = Console()
err = Console(stderr=True, soft_wrap=True)

worksite_app = typer.Typer(help="Worksite enforcement: audit Forms I-9, generate test sets.")


def register(app: typer.Typer) -> None:
    """Add ``imos worksite`` to the command line."""
    app.add_typer(worksite_app, name="worksite")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}")
    return typer.Exit(2)


def _write_whole(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _summary(result: AuditResult, data: AuditReport) -> None:
    counts = data.counts
    console.print(
        f"[bold]{result.employer.name or 'employer'}[/]: {counts.forms_audited} form(s) audited "
        f"({counts.forms_required} required), {counts.findings} finding(s): "
        f"{counts.substantive} substantive, {counts.technical} technical, "
        f"{counts.suspect} suspect-document; policy {result.policy}, mode {result.mode.value}"
    )
    table = Table(title="findings by rule")
    for column in ("rule", "findings", "substantive", "technical", "forms"):
        table.add_column(column, justify="left" if column == "rule" else "right")
    every = result.findings()
    for rule_id, n in sorted(counts.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        mine = [f for f in every if f.rule_id == rule_id]
        table.add_row(
            rule_id,
            str(n),
            str(sum(1 for f in mine if f.classification == "SUBSTANTIVE")),
            str(sum(1 for f in mine if f.classification == "TECHNICAL")),
            str(len({f.form_id for f in mine if f.form_id})),
        )
    console.print(table)


@worksite_app.command("audit")
def audit(
    directory: Annotated[
        Path, typer.Argument(help="A directory of CSV/JSON records and/or filled PDF forms.")
    ],
    roster: Annotated[
        Path | None, typer.Option(help="The employer's roster (CSV: hire and termination dates).")
    ] = None,
    employer: Annotated[
        Path | None, typer.Option(help="The employer (JSON or YAML: name, size, E-Verify).")
    ] = None,
    mode: Annotated[
        Mode, typer.Option(help="self: forms and roster only; inspection: with SSA/USCIS records.")
    ] = Mode.SELF,
    policy: Annotated[
        str,
        typer.Option(help="The classification policy: longstanding, or ice-2026-03 (stricter)."),
    ] = "longstanding",
    audit_date: Annotated[
        str | None, typer.Option("--date", help="The audit date, YYYY-MM-DD (default: today).")
    ] = None,
    purpose: Annotated[
        str | None, typer.Option(help="Inspection: the purpose of the records' reads.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the findings per form as JSON here.")
    ] = None,
    report_out: Annotated[
        Path | None, typer.Option("--report", help="Write the report here (.html or .pdf).")
    ] = None,
) -> None:
    """Audit Forms I-9 as an auditor would; print a summary; write JSON and a report."""
    if report_out is not None and report_out.suffix.lower() not in (".html", ".pdf"):
        raise _fail(f"--report {report_out}: the report is written as .html or .pdf")
    if mode is Mode.INSPECTION and not purpose:
        raise _fail(
            "an inspection cross-checks SSA and USCIS records, which are person data: "
            "give --purpose (a purpose id; see imos purposes)"
        )
    try:
        day = dt.date.fromisoformat(audit_date) if audit_date else dt.date.today()
    except ValueError as exc:
        raise _fail(f"--date {audit_date!r} is not a date written YYYY-MM-DD") from exc
    with _progress() as progress:
        reading = progress.add_task("reading", total=None)
        try:
            inputs = worksite_flows.read_inputs(directory, roster=roster, employer=employer)
        except io_csv.InputError as exc:
            raise _fail(str(exc)) from exc
        progress.update(reading, total=len(inputs.forms), completed=len(inputs.forms))
        if inputs.errors:
            progress.stop()
            for problem in inputs.errors:
                err.print(f"[red]error:[/] {problem}")
            err.print(f"{len(inputs.errors)} input error(s): nothing audited, nothing written")
            raise typer.Exit(2)
        auditing = progress.add_task("auditing", total=len(inputs.forms))

        def advance(done: int, total: int) -> None:
            progress.update(auditing, completed=done, total=total)

        try:
            if mode is Mode.INSPECTION:
                principal = Principal.operator(get_settings().operator)
                kept, result = worksite_flows.run_audit(
                    get_engine(),
                    principal=principal,
                    purpose_id=purpose,
                    inputs=inputs,
                    mode=mode,
                    policy=policy,
                    audit_date=day,
                    on_progress=advance,
                )
                console.print(f"kept as audit {kept.audit_id}")
            else:
                result = worksite_flows.audit_inputs(
                    inputs, mode=mode, policy=policy, audit_date=day, on_progress=advance
                )
        except worksite_flows.WorksiteError as exc:
            progress.stop()
            raise _fail(f"refused: {exc.detail}") from exc
        except (KeyError, ValueError) as exc:  # an unknown classification policy
            progress.stop()
            raise _fail(str(exc)) from exc
        progress.update(auditing, completed=len(inputs.forms), total=len(inputs.forms))
    data = worksite_flows.report_of(result, inputs.errors)
    outputs: list[tuple[Path, bytes]] = []
    if json_out is not None:
        outputs.append((json_out, data.model_dump_json(indent=2).encode("utf-8")))
    if report_out is not None:
        if report_out.suffix.lower() == ".pdf":
            outputs.append((report_out, report.report_pdf(result)))
        else:
            outputs.append((report_out, report.report_html(result).encode("utf-8")))
    for path, payload in outputs:
        _write_whole(path, payload)
    _summary(result, data)
    for path, _ in outputs:
        console.print(f"wrote {path}")


@worksite_app.command("generate")
def generate(
    seed: Annotated[int, typer.Option(help="The random seed (the same seed, the same set).")],
    forms: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many forms.")],
    out: Annotated[Path, typer.Option(help="The directory to write the set into.")],
    pdf_every: Annotated[
        int, typer.Option(min=0, help="Also write every K-th form as a filled PDF (0: none).")
    ] = 0,
) -> None:
    """Write a synthetic set of Forms I-9 with seeded errors and their truth."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise _fail(f"--out {out} is not empty: choose a new directory")
    gset = generator.generate(seed, forms)
    # Written beside the target, then renamed: an interrupted run leaves no half set.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        counts = generator.write_set(gset, staging, pdf_every=pdf_every)
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    written = ", ".join(f"{n} {how}" for how, n in counts.items())
    console.print(f"wrote {len(gset.forms)} form(s) to {out} ({written})")
