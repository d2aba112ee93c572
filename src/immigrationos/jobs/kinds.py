"""The kinds of job: each runs the very flow its CLI command runs, with checkpoints.

A kind validates its arguments when the job is asked for (bad input is refused then,
with the argument named), and when run finds first whether an earlier attempt of the
same job already committed its work: a stage writes its result and its audit event in
one transaction, and the event carries the job (``client = job:<id>``), so a retried
attempt returns that result instead of writing a second run, export or report.
Ingest needs no such look-up: a file already ingested is recognised by its SHA-256 and
recorded as ``IDENTICAL``, nothing written twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from immigrationos.audit import flows as audit_flows
from immigrationos.auth.permissions import Permission
from immigrationos.jobs.context import JobArgumentError, JobRefused, JobRun
from immigrationos.oversight import bias
from immigrationos.oversight import report as bias_report
from immigrationos.resolution import export as resolution_export
from immigrationos.resolution import resolve_flows
from immigrationos.sources import flows as ingest_flows
from immigrationos.sources.contract import SOURCES
from immigrationos.targeting import export as targeting_export
from immigrationos.targeting import flows as targeting_flows

INCOMING = "incoming"  # under the var folder: where deliveries ingested from the API wait
REPORT_FORMATS = ("html", "json", "pdf")


@dataclass(frozen=True)
class Place:
    """Where a job is asked from: the var folder, and whether by the machine's operator."""

    var_dir: Path
    operator: bool


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its arguments, the permission it needs, and how it runs."""

    name: str
    title: str
    permission: Permission
    needs_purpose: bool
    parse: Callable[[Mapping[str, Any], Place], dict[str, Any]]
    run: Callable[[JobRun], dict[str, Any]]
    # Jobs of one lock run one at a time (they write the same persons and leads).
    lock: str | None = None


def _only(arguments: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(arguments) - set(allowed))
    if unknown:
        known = ", ".join(allowed) or "none"
        raise JobArgumentError(
            f"unknown argument(s) {', '.join(unknown)} (this kind takes {known})"
        )


def _flag(arguments: Mapping[str, Any], name: str) -> bool:
    value = arguments.get(name, False)
    if not isinstance(value, bool):
        raise JobArgumentError(f"argument {name!r} must be true or false, got {value!r}")
    return value


def _stage_error(exc: Exception) -> JobRefused:
    return JobRefused(str(exc))


# --- ingest -------------------------------------------------------------------------


def _parse_ingest(arguments: Mapping[str, Any], place: Place) -> dict[str, Any]:
    _only(arguments, ("folder", "snapshot", "sources"))
    folder = arguments.get("folder")
    if not isinstance(folder, str) or not folder.strip():
        raise JobArgumentError("argument 'folder' is required: the folder of <source>.csv files")
    if place.operator:
        path = Path(folder).expanduser().resolve()
    else:
        # From the API, only a delivery waiting in the incoming folder: never any server path.
        root = (place.var_dir / INCOMING).resolve()
        path = (root / folder).resolve()
        if not path.is_relative_to(root) or Path(folder).is_absolute():
            raise JobArgumentError(
                f"argument 'folder' {folder!r} must name a folder inside {INCOMING}/ "
                "(relative, without '..')"
            )
    if not path.is_dir():
        raise JobArgumentError(f"argument 'folder': {path} is not a folder")
    sources = arguments.get("sources")
    if sources is not None:
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise JobArgumentError("argument 'sources' must be a list of source names")
        unknown = sorted(set(sources) - set(SOURCES))
        if unknown:
            raise JobArgumentError(f"argument 'sources': unknown source(s) {', '.join(unknown)}")
    return {"folder": str(path), "snapshot": _flag(arguments, "snapshot"), "sources": sources}


def _run_ingest(run: JobRun) -> dict[str, Any]:
    args = run.arguments
    try:
        report = ingest_flows.ingest_directory(
            Path(args["folder"]),
            snapshot=args["snapshot"],
            engine=run.engine,
            lake_dir=run.lake_dir,
            run_by=run.principal.actor,
            progress=lambda source, done, total: run.checkpoint(f"ingest {source}", done, total),
            sources=args["sources"],
        )
    except ingest_flows.IngestError as exc:
        raise _stage_error(exc) from exc
    return {
        "resource_id": report.run_id,
        "totals": report.totals,
        "sources": [
            {"source": s.source, "status": s.status, "batch_id": s.batch_id, "rows_read": s.rows_read,
             "accepted": s.accepted, "quarantined": s.quarantined, "new": s.new,
             "changed": s.changed}
            for s in report.sources
        ],
    }  # fmt: skip


# --- resolution ------------------------------------------------------------------------


def _parse_resolve(arguments: Mapping[str, Any], place: Place) -> dict[str, Any]:
    del place
    _only(arguments, ("incremental", "threshold"))
    threshold = arguments.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0 < threshold < 1
    ):
        raise JobArgumentError(
            f"argument 'threshold' must be a probability in (0, 1), got {threshold!r}"
        )
    return {"incremental": _flag(arguments, "incremental"), "threshold": threshold}


def _run_resolve(run: JobRun) -> dict[str, Any]:
    done = run.committed("resolution.run")
    if done is not None:
        return done
    flow = resolve_flows.link_new if run.arguments["incremental"] else resolve_flows.resolve
    try:
        summary = flow(
            run.engine,
            run.lake_dir,
            principal=run.principal,
            purpose_id=run.purpose_id,
            threshold=run.arguments["threshold"],
            progress=lambda stage, n, total: run.checkpoint(f"resolve: {stage}", n, total),
        )
    except resolve_flows.ResolutionError as exc:
        raise _stage_error(exc) from exc
    return {"resource_id": summary.run_id, **dataclasses.asdict(summary)}


# --- targeting ------------------------------------------------------------------------


def _parse_target(arguments: Mapping[str, Any], place: Place) -> dict[str, Any]:
    del place
    _only(arguments, ("as_of",))
    as_of = arguments.get("as_of")
    if as_of is not None:
        try:
            dt.date.fromisoformat(str(as_of))
        except ValueError as exc:
            raise JobArgumentError(f"argument 'as_of' {as_of!r} is not a date YYYY-MM-DD") from exc
    return {"as_of": as_of}


def _run_target(run: JobRun) -> dict[str, Any]:
    done = run.committed("targeting.run")
    if done is not None:
        return done
    as_of = run.arguments["as_of"]
    try:
        summary = targeting_flows.target(
            run.engine,
            run.lake_dir,
            principal=run.principal,
            purpose_id=run.purpose_id,
            as_of=dt.date.fromisoformat(as_of) if as_of else None,
            progress=lambda n, total: run.checkpoint("evaluate persons", n, total),
        )
    except targeting_flows.TargetingError as exc:
        raise _stage_error(exc) from exc
    return {
        "resource_id": summary.run_id, "as_of": summary.as_of.isoformat(),
        "persons": summary.persons, "leads": summary.leads, "created": summary.created,
        "changed": summary.changed, "retired": summary.retired, "by_state": summary.by_state,
        "by_violation": summary.by_violation, "notes": list(summary.notes),
    }  # fmt: skip


# --- exports and the bias report ----------------------------------------------------------


def _no_arguments(arguments: Mapping[str, Any], place: Place) -> dict[str, Any]:
    del place
    _only(arguments, ())
    return {}


def _export(run: JobRun, action: str, write: Callable[..., Any], name: str) -> dict[str, Any]:
    done = run.committed(action)
    if done is not None:
        return done
    run.checkpoint("write the export", 0, 1)
    summary = write(
        run.out_dir / name, engine=run.engine, principal=run.principal, purpose_id=run.purpose_id
    )
    return {
        "resource_id": str(summary.path),
        "file": str(summary.path),
        "rows": summary.rows,
        "sha256": summary.sha256,
    }


def _run_export_clusters(run: JobRun) -> dict[str, Any]:
    return _export(run, "export.clusters", resolution_export.export_clusters, "clusters.csv")


def _run_export_leads(run: JobRun) -> dict[str, Any]:
    return _export(run, "export.leads", targeting_export.export_leads, "leads.csv")


def _parse_report(arguments: Mapping[str, Any], place: Place) -> dict[str, Any]:
    del place
    _only(arguments, ("format",))
    chosen = arguments.get("format", "html")
    if chosen not in REPORT_FORMATS:
        raise JobArgumentError(f"argument 'format' must be one of {', '.join(REPORT_FORMATS)}")
    return {"format": chosen}


def _run_report(run: JobRun) -> dict[str, Any]:
    done = run.committed("oversight.bias_report")
    if done is not None:
        return done
    run.checkpoint("measure", 0, 2)
    measured = bias_report.measure(run.engine)
    run.checkpoint("write the report", 1, 2)
    out = run.out_dir / f"bias-report.{run.arguments['format']}"
    bias_report.write(measured, out)
    details = {"file": str(out), "persons": measured.persons, "alerts": len(measured.alerts),
               "likely_proxies": bias.likely_proxies(measured)}  # fmt: skip
    audit_flows.record(
        run.engine,
        actor=run.principal.actor,
        actor_role=run.principal.role,
        action="oversight.bias_report",
        resource_type="bias_report",
        resource_id=str(out),
        purpose=run.purpose_id,
        client=run.principal.client,
        details=details,
    )
    return {"resource_id": str(out), **details}


_PIPELINE = "pipeline"  # ingest, resolution and targeting write what the next one reads

KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind("ingest", "Ingest a delivery", Permission.JOBS_RUN, False, _parse_ingest,
                _run_ingest, _PIPELINE),
        JobKind("resolve", "Resolve identities", Permission.JOBS_RUN, False, _parse_resolve,
                _run_resolve, _PIPELINE),
        JobKind("target", "Targeting run", Permission.JOBS_RUN, True, _parse_target,
                _run_target, _PIPELINE),
        JobKind("export-clusters", "Export clusters (CSV)", Permission.JOBS_RUN, False,
                _no_arguments, _run_export_clusters),
        JobKind("export-leads", "Export leads (CSV)", Permission.JOBS_RUN, False, _no_arguments,
                _run_export_leads),
        JobKind("bias-report", "Bias report", Permission.JOBS_RUN, False, _parse_report,
                _run_report),
    )
}  # fmt: skip


def kind_of(name: str) -> JobKind:
    """Return the kind named ``name``; refuse an unknown one, naming the known ones."""
    found = KINDS.get(name)
    if found is None:
        raise JobArgumentError(f"unknown job kind {name!r} (one of {', '.join(KINDS)})")
    return found
