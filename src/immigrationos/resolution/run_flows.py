"""Persist a resolution run: a backend's result becomes persons with stable IDs.

``persist_result`` writes, in one transaction with its audit event, the run, every
person (singletons too), the membership of every record, the links with their
explanations, the merge/split events and the flags.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.audit import flows as audit_flows
from immigrationos.audit import service as audit_service
from immigrationos.audit.models import Outcome
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import service as policy_service
from immigrationos.resolution import identity
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.best_fields import person_rows
from immigrationos.resolution.models import (
    ResolutionRun,
)
from immigrationos.resolution.result import (
    CLUSTER_COLUMNS,
    FLAG_COLUMNS,
    LINK_COLUMNS,
    ResolutionResult,
)
from immigrationos.sources import lake
from immigrationos.sources.contract import PERSON_SOURCES

EXAMPLES = 5  # offending values named in an error


class ResolutionError(ValueError):
    """A result or a judgement that cannot be stored; the message says what and why."""


@dataclass(frozen=True)
class RunSummary:
    """What one persisted run wrote and changed."""

    run_id: str
    records: int
    persons: int
    links: int
    flags: int
    created: int
    kept: int
    merged: int
    split: int
    retired: int
    seconds: float


def _examples(values: pl.Series) -> str:
    shown = [str(v) for v in values.head(EXAMPLES).to_list()]
    more = f" and {values.len() - EXAMPLES:,} more" if values.len() > EXAMPLES else ""
    return ", ".join(shown) + more


def _require_columns(frame: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ResolutionError(f"the result's {name} frame lacks column(s) {', '.join(missing)}")


def _checked_clusters(result: ResolutionResult) -> pl.DataFrame:
    _require_columns(result.clusters, CLUSTER_COLUMNS, "clusters")
    clusters = result.clusters.select(
        pl.col("unique_id").cast(pl.Utf8), pl.col("cluster_id").cast(pl.Utf8)
    )
    nulls = clusters.filter(pl.col("unique_id").is_null() | pl.col("cluster_id").is_null())
    if nulls.height:
        raise ResolutionError(f"{nulls.height:,} cluster row(s) lack a unique_id or cluster_id")
    twice = clusters.filter(pl.col("unique_id").is_duplicated()).get_column("unique_id").unique()
    if twice.len():
        raise ResolutionError(f"records in more than one cluster row: {_examples(twice.sort())}")
    parts = clusters.with_columns(
        pl.col("unique_id").str.extract(r"^([^:]+):.+$", 1).alias("source")
    )
    bad = parts.filter(
        pl.col("source").is_null() | ~pl.col("source").is_in(list(PERSON_SOURCES))
    ).get_column("unique_id")
    if bad.len():
        raise ResolutionError(
            "unique_id must be 'source:record_id' of a person source; not so: "
            + _examples(bad.sort())
        )
    return clusters


def _checked_links(result: ResolutionResult, clusters: pl.DataFrame) -> pl.DataFrame:
    _require_columns(result.links, LINK_COLUMNS, "links")
    links = result.links.select(
        pl.col("unique_id_l").cast(pl.Utf8),
        pl.col("unique_id_r").cast(pl.Utf8),
        pl.col("match_weight").cast(pl.Float64),
        pl.col("match_probability").cast(pl.Float64),
        pl.col("explanation").cast(pl.Utf8),
    )
    bad_numbers = links.filter(
        pl.col("match_probability").is_null()
        | pl.col("match_weight").is_null()
        | ~pl.col("match_weight").is_finite()
        | (pl.col("match_probability") < 0)
        | (pl.col("match_probability") > 1)
        | pl.col("explanation").is_null()
    )
    if bad_numbers.height:
        raise ResolutionError(
            f"{bad_numbers.height:,} link(s) lack an explanation or have a weight that is not "
            "finite or a probability outside 0..1"
        )
    # The ends' clusters are joined to the two id columns alone, then set beside the
    # links: a join of the links would copy every explanation (gigabytes at 10M records),
    # and ``replace_strict`` over every record id held 4 GiB more at 10M ids, 2.3 GiB more
    # than the joins.
    ends = links.select("unique_id_l", "unique_id_r").with_row_index("_row")
    for side, alias in (("unique_id_l", "cluster_id"), ("unique_id_r", "cluster_r")):
        ends = ends.join(
            clusters.select(pl.col("unique_id").alias(side), pl.col("cluster_id").alias(alias)),
            on=side,
            how="left",
        )
    ends = ends.sort("_row").drop("_row")
    sided = links.with_columns(ends.get_column("cluster_id"), ends.get_column("cluster_r"))
    stray = ends.filter(pl.col("cluster_id").is_null() | pl.col("cluster_r").is_null())
    if stray.height:
        named = stray.select(pl.concat_str("unique_id_l", pl.lit("-"), "unique_id_r")).to_series()
        raise ResolutionError(f"links to records in no cluster: {_examples(named)}")
    across = ends.filter(pl.col("cluster_id") != pl.col("cluster_r"))
    if across.height:
        named = across.select(pl.concat_str("unique_id_l", pl.lit("-"), "unique_id_r")).to_series()
        raise ResolutionError(f"links across two clusters: {_examples(named)}")
    return sided.select(*LINK_COLUMNS, "cluster_id")


def _checked_flags(result: ResolutionResult) -> pl.DataFrame:
    _require_columns(result.flags, FLAG_COLUMNS, "flags")
    return result.flags.select(FLAG_COLUMNS)


def _check_threshold(threshold: float) -> None:
    if not math.isfinite(threshold):
        raise ResolutionError(f"the run's threshold must be a finite number, not {threshold}")


def persist_result(
    result: ResolutionResult,
    *,
    engine: Engine,
    principal: Principal,
    purpose_id: str | None,
    lake_dir: Path,
    started_at: datetime | None = None,
) -> RunSummary:
    """Store a resolution run as persons with stable IDs; return what it wrote and changed.

    One transaction: the run, persons (every cluster is one, singletons too), the
    membership of every record, links, events, flags and the audit event
    ``resolution.run``. The lake's write lock is held throughout, so no ingest changes
    the record index meanwhile. The clusters are taken as the whole population: a
    person none of whose records is in them is retired.

    Raises:
        ResolutionError: a malformed result, an unknown purpose, or records that are
            not in the record index. The failed run is recorded (status FAILED) and
            audited; nothing else is written.
    """
    clock = time.perf_counter()
    started = started_at or datetime.now(UTC)
    run_id = str(uuid.uuid4())
    try:
        _check_threshold(result.threshold)
        clusters = _checked_clusters(result)
        links = _checked_links(result, clusters)
        flags = _checked_flags(result)
        with lake.locked(lake_dir.resolve()), session_scope(engine) as session:
            context = _Context(run_id, started, principal, purpose_id, lake_dir.resolve())
            summary = _persist(session, result, (clusters, links, flags), context)
            session.commit()
    except Exception as exc:
        _record_failure(engine, result, run_id, started, principal, purpose_id, exc)
        raise
    return RunSummary(**{**summary.__dict__, "seconds": round(time.perf_counter() - clock, 3)})


@dataclass(frozen=True)
class _Context:
    """Who runs what, when, and where the lake is."""

    run_id: str
    started: datetime
    principal: Principal
    purpose_id: str | None
    lake_dir: Path


def _persist(
    session: Session,
    result: ResolutionResult,
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    context: _Context,
) -> RunSummary:
    clusters, links, flags = frames
    run_id, started, principal = context.run_id, context.started, context.principal
    purpose_id, lake_dir = context.purpose_id, context.lake_dir
    if (
        purpose_id is not None
        and policy_service.get_purpose(session=session, purpose_id=purpose_id) is None
    ):
        raise ResolutionError(f"no purpose has id {purpose_id!r} (see imos purposes list)")
    run = resolution_service.add_run(
        session=session,
        run=ResolutionRun(
            id=run_id,
            started_at=started,
            backend=result.backend,
            threshold=float(result.threshold),
            purpose_id=purpose_id,
            run_by=principal.actor,
            status="COMPLETED",
            stats=json.dumps(result.stats, sort_keys=True, default=str),
            model=json.dumps(result.model, sort_keys=True) if result.model is not None else None,
        ),
    )
    previous = resolution_service.membership_frame(session=session)
    taken = resolution_service.all_person_ids(session=session)
    assignment = identity.assign_frames(
        previous.select(
            (pl.col("source") + ":" + pl.col("record_id")).alias("unique_id"), "person_id"
        ),
        clusters,
        taken,
    )
    person_of = pl.DataFrame(
        {
            "cluster_id": list(assignment.person_of),
            "person_id": list(assignment.person_of.values()),
        },
        schema={"cluster_id": pl.Utf8, "person_id": pl.Utf8},
    )
    membership = clusters.join(person_of, on="cluster_id", how="inner").select(
        "unique_id", "person_id"
    )
    facts = resolution_service.record_facts(session=session, lake_dir=lake_dir).join(
        membership, on="unique_id", how="inner"
    )
    if facts.height != membership.height:
        missing = membership.join(facts, on="unique_id", how="anti").get_column("unique_id")
        raise ResolutionError(
            f"{missing.len():,} record(s) of the result are not in the record index "
            f"(run imos reindex, or resolve what was ingested): {_examples(missing.sort())}"
        )
    now = datetime.now(UTC)
    # Every cluster has its person (``assign_frames``); a lookup, not a join, so that the
    # links' explanations are not copied.
    link_rows = links.with_columns(
        pl.col("cluster_id")
        .replace_strict(person_of.get_column("cluster_id"), person_of.get_column("person_id"))
        .alias("person_id"),
        pl.lit(run_id).alias("run_id"),
    )
    persons = person_rows(facts, link_rows, run_id=run_id, now=now)
    # Persons the run leaves as they were keep their row, and their latest run.
    changed = resolution_service.changed_persons(session=session, persons=persons)
    resolution_service.upsert_persons(session=session, persons=changed)
    ended: list[tuple[str, str, str | None]] = [
        (old, "MERGED", new) for old, new in sorted(assignment.merged_into.items())
    ]
    ended += [(old, "RETIRED", None) for old in assignment.retired]
    resolution_service.end_persons(session=session, ended=ended, run_id=run_id, at=now)
    member_rows = facts.select("source", "record_id", "person_id", pl.lit(run_id).alias("run_id"))
    resolution_service.sync_memberships(session=session, rows=member_rows, previous=previous)
    synced = resolution_service.sync_links(session=session, rows=link_rows)
    event_rows = pl.DataFrame(
        {
            "run_id": [run_id] * len(assignment.events),
            "kind": [e.kind for e in assignment.events],
            "person_id": [e.person_id for e in assignment.events],
            "from_ids": [json.dumps(list(e.from_ids)) for e in assignment.events],
            "into_ids": [json.dumps(list(e.into_ids)) for e in assignment.events],
            "at": [now] * len(assignment.events),
        },
        schema={
            "run_id": pl.Utf8,
            "kind": pl.Utf8,
            "person_id": pl.Utf8,
            "from_ids": pl.Utf8,
            "into_ids": pl.Utf8,
            "at": pl.Datetime("us", "UTC"),
        },
    )
    resolution_service.append_rows(
        session=session,
        table="person_events",
        columns=resolution_service.EVENT_COLUMNS,
        rows=event_rows,
    )
    flag_rows = resolution_service.flag_rows(run_id, flags)
    resolution_service.append_rows(
        session=session,
        table="resolution_flags",
        columns=resolution_service.FLAG_COLUMNS,
        rows=flag_rows,
    )
    counts = assignment.counts()
    kept = len(assignment.person_of) - len(assignment.minted)
    resolution_service.set_run_outcome(
        session=session,
        run=run,
        finished_at=datetime.now(UTC),
        records=membership.height,
        persons=persons.height,
        links=synced.held,
        flags=flag_rows.height,
        created=counts["CREATED"],
        merged=len(assignment.merged_into),
        split=counts["SPLIT"],
        retired=counts["RETIRED"],
    )
    summary = RunSummary(
        run_id=run_id,
        records=membership.height,
        persons=persons.height,
        links=synced.held,
        flags=flag_rows.height,
        created=counts["CREATED"],
        kept=kept,
        merged=len(assignment.merged_into),
        split=counts["SPLIT"],
        retired=counts["RETIRED"],
        seconds=0.0,
    )
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action="resolution.run",
        resource_type="resolution_run",
        resource_id=run_id,
        purpose=purpose_id,
        client=principal.client,
        details={
            "backend": result.backend,
            "threshold": float(result.threshold),
            **{k: v for k, v in summary.__dict__.items() if k not in ("run_id", "seconds")},
        },
    )
    return summary


def _record_failure(
    engine: Engine,
    result: ResolutionResult,
    run_id: str,
    started: datetime,
    principal: Principal,
    purpose_id: str | None,
    exc: Exception,
) -> None:
    """Record a run that failed (its own transaction) and audit it; nothing else is kept."""
    message = f"{type(exc).__name__}: {exc}"[:2000]
    threshold = float(result.threshold) if math.isfinite(result.threshold) else 0.0
    with session_scope(engine) as session:
        resolution_service.add_run(
            session=session,
            run=ResolutionRun(
                id=run_id,
                started_at=started,
                finished_at=datetime.now(UTC),
                backend=str(result.backend)[:40],
                threshold=threshold,
                purpose_id=purpose_id,
                run_by=principal.actor,
                status="FAILED",
                records=0,
                persons=0,
                links=0,
                flags=0,
                created=0,
                merged=0,
                split=0,
                retired=0,
                stats="{}",
                error=message,
            ),
        )
        session.commit()
    audit_flows.record(
        engine,
        actor=principal.actor,
        actor_role=principal.role,
        action="resolution.run",
        resource_type="resolution_run",
        resource_id=run_id,
        purpose=purpose_id,
        outcome=Outcome.FAILURE,
        client=principal.client,
        details={"error": message},
    )
