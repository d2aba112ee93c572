"""Resolve the lake's person records into persons: everything at once, or a new batch.

- ``resolve``: every current record is read from the lake, the reviewers' judgements in
  force become constraints, the backend trains its model on the records, scores,
  clusters and explains, and ``persist_result`` stores the run (stable IDs, events,
  audit).
- ``link_new``: only the records ingested (new or changed) since the last completed
  run are scored, against every record, with the model that run stored; the persons
  already resolved are held together by must-link chains of their current records, and
  keep the links (and explanations) that made them. A second pass decides again, with
  the batch, the persons the first pass joined a new record to: their records are
  scored like new ones, so such a person may split or take another shape, as a full run
  would decide it.

``link_new`` is not the same computation as a full run, and can differ from one:

- the model is the last run's, trained on the records of then, not re-trained with the
  new batch (weights and term frequencies of the model shift a little as data grows);
- a person no new record reaches is never split, nor merged with another unless a
  reviewer's SAME joins them: a full run, with more records beside it, may decide it
  otherwise (a number now seen under another identity, a birth date now confirmed);
- a person a reviewer's DIFFERENT now divides, and a changed record, are not held
  together: their records are scored again, like new ones.

``tests/resolution/test_resolve_flow.py`` measures how near the two come.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import session_scope
from immigrationos.policy import service as policy_service
from immigrationos.records.models import Record
from immigrationos.resolution import capacity
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.backend import (
    Constraints,
    ResolutionBackend,
    UnknownBackendError,
    get_backend,
)
from immigrationos.resolution.engine import PRODUCTION_THRESHOLD, resolve_frame
from immigrationos.resolution.frame import record_frame
from immigrationos.resolution.judgement_flows import (
    constraints_for_next_run,
    probability_threshold,
)
from immigrationos.resolution.result import LINK_COLUMNS, ResolutionResult
from immigrationos.resolution.run_flows import ResolutionError, RunSummary, persist_result

# The stages a run reports, in order (an incremental run trains nothing).
STAGES = ("load", "train", "score", "cluster", "explain", "persist")
# Told (stage, stages done, stages in all) as each stage starts, ("done", n, n) at the end.
Progress = Callable[[str, int, int], None]

__all__ = [
    "STAGES",
    "BatchPlan",
    "Progress",
    "ResolutionError",
    "RunSummary",
    "link_new",
    "plan_batch",
    "resolve",
]


def resolve(
    engine: Engine,
    lake_dir: Path,
    *,
    principal: Principal,
    purpose_id: str | None,
    threshold: float | None = None,
    backend: str | ResolutionBackend | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Resolve every current person record of the lake into persons; store the run.

    Args:
        engine: the operational database.
        lake_dir: the lake ingest wrote.
        principal: who runs it (recorded on the run and audited).
        purpose_id: the purpose the run serves, or None for the platform's own upkeep.
        threshold: the match probability a link needs (``PRODUCTION_THRESHOLD`` if None).
        backend: a backend name or object (the configured one if None).
        progress: told each stage of ``STAGES`` as it starts.

    Returns:
        What the run wrote and changed; ``seconds`` is the whole run's.

    Raises:
        ResolutionError: no records ingested, an unknown purpose or backend, a threshold
            that is no probability, more records than fit in this process's memory
            (``resolution.capacity``; ``IMOS_MEMORY_CHECK=false`` tries anyway), or a
            result that cannot be stored.
    """
    started, clock = datetime.now(UTC), time.perf_counter()
    report = _reporter(progress)
    report("load")
    chosen_threshold = PRODUCTION_THRESHOLD if threshold is None else threshold
    chosen = _prepare(engine, purpose_id, chosen_threshold, backend)
    _check_memory(lake_dir)
    frame = _records(lake_dir)
    must, cannot = constraints_for_next_run(engine)
    result = _run_backend(
        frame,
        chosen,
        Constraints.of(must, cannot),
        chosen_threshold,
        report,
    )
    del frame  # the records' columns (gigabytes at 10M records) are not needed to store
    return _stored(result, engine, lake_dir, principal, purpose_id, started, clock, report)


def link_new(
    engine: Engine,
    lake_dir: Path,
    *,
    principal: Principal,
    purpose_id: str | None,
    threshold: float | None = None,
    backend: str | ResolutionBackend | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Link the records ingested since the last completed run to the persons; store the run.

    The new and changed records are scored against every record with the last run's
    model; the persons already resolved stay together and keep their IDs and links (see
    the module docstring for how this can differ from a full ``resolve``).

    Args:
        engine: the operational database.
        lake_dir: the lake ingest wrote.
        principal: who runs it (recorded on the run and audited).
        purpose_id: the purpose the run serves, or None for the platform's own upkeep.
        threshold: the match probability a link needs (the last run's if None).
        backend: a backend name or object (the configured one if None); it must be
            the one that trained the last run's model.
        progress: told each stage of ``STAGES`` as it starts (``train`` is skipped).

    Raises:
        ResolutionError: no completed run with a stored model, records not ingested, an
            unknown purpose or backend, or a threshold that is no probability.
    """
    started, clock = datetime.now(UTC), time.perf_counter()
    report = _reporter(progress)
    report("load")
    with session_scope(engine) as session:
        last = resolution_service.latest_completed_run(session=session)
        if last is None:
            raise ResolutionError(
                "no resolution run has completed yet: run imos resolve (without --incremental)"
            )
        if not last.model:
            raise ResolutionError(
                f"the last run ({last.id}) kept no model to link a new batch with: "
                "run imos resolve (without --incremental) once"
            )
        model: dict[str, Any] = json.loads(last.model)
        last_backend, last_threshold = last.backend, probability_threshold(last.threshold)
        previous = resolution_service.membership_frame(session=session)
        changed = _changed_since(session, last.started_at)
        old_links = _current_links(session)
    chosen_threshold = last_threshold if threshold is None else threshold
    chosen = _prepare(engine, purpose_id, chosen_threshold, backend)
    if chosen.name != last_backend:
        raise ResolutionError(
            f"the last run's model is {last_backend}'s, not {chosen.name}'s: link with "
            f"--backend {last_backend}, or resolve everything with {chosen.name}"
        )
    frame = _records(lake_dir)
    must, cannot = constraints_for_next_run(engine)
    plan = plan_batch(frame.get_column("unique_id"), previous, changed, cannot)
    result = _run_backend(
        frame,
        chosen,
        Constraints.of([*must, *plan.anchors], cannot),
        chosen_threshold,
        report,
        model=model,
        new_ids=plan.fresh,
    )
    touched = touched_persons(result.clusters, plan)
    if touched:
        # The persons the batch reached are decided again with it: they may split too.
        plan = plan.released(touched)
        result = _run_backend(
            frame,
            chosen,
            Constraints.of([*must, *plan.anchors], cannot),
            chosen_threshold,
            _quiet,
            model=model,
            new_ids=plan.fresh,
        )
    del frame  # the records' columns are not needed to store
    result.links = kept_links(result.links, old_links, plan.group_of)
    result.stats = {**result.stats, "incremental": 1.0, "anchored_records": len(plan.group_of)}
    return _stored(result, engine, lake_dir, principal, purpose_id, started, clock, report)


def _stored(
    result: ResolutionResult,
    engine: Engine,
    lake_dir: Path,
    principal: Principal,
    purpose_id: str | None,
    started: datetime,
    clock: float,
    report: Callable[[str], None],
) -> RunSummary:
    """Persist a run's result (stable IDs, events, audit); return its summary, timed."""
    report("persist")
    summary = persist_result(
        result,
        engine=engine,
        principal=principal,
        purpose_id=purpose_id,
        lake_dir=lake_dir,
        started_at=started,
    )
    report("done")
    return replace(summary, seconds=round(time.perf_counter() - clock, 3))


# -- what a new batch is, and what holds the rest together ----------------------------------


@dataclass(frozen=True)
class BatchPlan:
    """Which records a new batch scores, and the chains holding the other persons together."""

    fresh: frozenset[str]  # scored against every record: new, changed, or of a divided person
    anchors: tuple[tuple[str, str], ...]  # must-link chains through each person's records
    group_of: dict[str, str]  # anchored record -> the person it holds to

    def released(self, persons: set[str]) -> BatchPlan:
        """Return the plan with ``persons`` no longer held together: scored again."""
        group_of = {u: p for u, p in self.group_of.items() if p not in persons}
        freed = {u for u, p in self.group_of.items() if p in persons}
        anchors = tuple((a, b) for a, b in self.anchors if a in group_of)
        return BatchPlan(self.fresh | freed, anchors, group_of)


def touched_persons(clusters: pl.DataFrame, plan: BatchPlan) -> set[str]:
    """Return the held persons a scored record joined (they are decided again with it)."""
    fresh = pl.Series(list(plan.fresh), dtype=pl.Utf8)
    with_fresh = clusters.filter(pl.col("unique_id").is_in(fresh.implode())).get_column(
        "cluster_id"
    )
    joined = clusters.filter(pl.col("cluster_id").is_in(with_fresh.implode()))
    return {
        plan.group_of[u] for u in joined.get_column("unique_id").to_list() if u in plan.group_of
    }


def plan_batch(
    records: Iterable[str],
    previous: pl.DataFrame,
    changed: Iterable[str],
    cannot_link: Iterable[tuple[str, str]],
) -> BatchPlan:
    """Return what an incremental run scores and what it holds together.

    Args:
        records: ``unique_id`` of every current record.
        previous: the current membership, ``source, record_id, person_id``.
        changed: records ingested anew (changed or reinstated) since the last run.
        cannot_link: reviewers' DIFFERENT pairs in force: a person they divide is not
            held together; its records are scored again.

    Returns:
        The records to score, a chain (sorted records, consecutive pairs) through the
        remaining records of every other person, and each anchored record's person.
    """
    present = set(records)
    member = {
        uid: person
        for uid, person in previous.select(
            (pl.col("source") + ":" + pl.col("record_id")).alias("unique_id"), "person_id"
        ).iter_rows()
        if uid in present
    }
    divided = {member[a] for a, b in cannot_link if a in member and member[a] == member.get(b)}
    moved = set(changed)
    group_of = {
        uid: person for uid, person in member.items() if uid not in moved and person not in divided
    }
    by_person: dict[str, list[str]] = {}
    for uid, person in group_of.items():
        by_person.setdefault(person, []).append(uid)
    anchors = tuple(
        pair for person in sorted(by_person) for pair in pairwise(sorted(by_person[person]))
    )
    return BatchPlan(frozenset(present - group_of.keys()), anchors, group_of)


def kept_links(found: pl.DataFrame, old: pl.DataFrame, group_of: dict[str, str]) -> pl.DataFrame:
    """Return the links of an incremental run: the old ones of held persons, then the new.

    A held person keeps the stored links that made it (both ends still held in it); the
    run's own links join the rest. A must-link a chain added inside a held person stands
    in only where the stored links no longer reach (a record of it was withdrawn).

    Args:
        found: the backend's links (``LINK_COLUMNS``).
        old: the links stored before the run (``LINK_COLUMNS``).
        group_of: anchored record -> the person it was held to.
    """
    groups = pl.DataFrame(
        {"unique_id": list(group_of), "group": list(group_of.values())},
        schema={"unique_id": pl.Utf8, "group": pl.Utf8},
    )

    def sided(links: pl.DataFrame) -> pl.DataFrame:
        return links.join(
            groups.rename({"unique_id": "unique_id_l", "group": "group_l"}),
            on="unique_id_l",
            how="left",
        ).join(
            groups.rename({"unique_id": "unique_id_r", "group": "group_r"}),
            on="unique_id_r",
            how="left",
        )

    old_sided, found_sided = sided(old.select(LINK_COLUMNS)), sided(found.select(LINK_COLUMNS))
    kept = pl.concat(
        [
            old_sided.filter(_INSIDE).select(LINK_COLUMNS),
            found_sided.filter(~_INSIDE).select(LINK_COLUMNS),
        ]
    )
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left, right in kept.select("unique_id_l", "unique_id_r").iter_rows():
        parent[find(left)] = find(right)
    standing_in = []
    chained = found_sided.filter(_INSIDE).select(LINK_COLUMNS)
    for row in chained.iter_rows(named=True):
        a, b = find(row["unique_id_l"]), find(row["unique_id_r"])
        if a != b:
            parent[a] = b
            standing_in.append(row)
    if standing_in:
        kept = pl.concat([kept, pl.DataFrame(standing_in, schema=kept.schema)])
    return kept


# -- helpers --------------------------------------------------------------------------------

# Both ends of a link held to one person.
_INSIDE = (pl.col("group_l") == pl.col("group_r")).fill_null(False)


def _quiet(stage: str) -> None:
    """Hear of a stage and report nothing (the second pass of ``link_new``)."""


def _reporter(progress: Progress | None) -> Callable[[str], None]:
    """Return a stage callback telling ``progress`` (stage, done, total)."""

    def report(stage: str) -> None:
        if progress is None:
            return
        done = STAGES.index(stage) if stage in STAGES else len(STAGES)
        progress(stage, done, len(STAGES))

    return report


def _prepare(
    engine: Engine,
    purpose_id: str | None,
    threshold: float,
    backend: str | ResolutionBackend | None,
) -> ResolutionBackend:
    """Check the threshold, purpose and backend before any work; return the backend."""
    if not (isinstance(threshold, int | float) and math.isfinite(threshold)) or not (
        0.0 < threshold < 1.0
    ):
        raise ResolutionError(
            f"the threshold is a match probability strictly between 0 and 1, not {threshold}"
        )
    if purpose_id is not None:
        with session_scope(engine) as session:
            if policy_service.get_purpose(session=session, purpose_id=purpose_id) is None:
                raise ResolutionError(f"no purpose has id {purpose_id!r} (see imos purposes list)")
    if backend is not None and not isinstance(backend, str):
        return backend
    try:
        return get_backend(backend)
    except UnknownBackendError as exc:
        raise ResolutionError(str(exc)) from exc


def _check_memory(lake_dir: Path) -> None:
    """Refuse a run that would not fit in memory (unless IMOS_MEMORY_CHECK is off)."""
    if not get_settings().memory_check:
        return
    figures = capacity.fit(capacity.lake_records(lake_dir))
    if not figures.fits:
        raise ResolutionError(figures.message())


def _records(lake_dir: Path) -> pl.DataFrame:
    """Return the lake's current person records; refuse an empty lake."""
    frame = record_frame(lake_dir)
    if frame.height == 0:
        raise ResolutionError(
            f"no person records have been ingested into the lake at {lake_dir}: "
            "ingest a delivery first (imos ingest DIR)"
        )
    return frame


def _run_backend(
    frame: pl.DataFrame,
    backend: ResolutionBackend,
    constraints: Constraints,
    threshold: float,
    report: Callable[[str], None],
    **incremental: Any,
) -> ResolutionResult:
    """Resolve the frame; a backend's refusal (a model it cannot use) is a ResolutionError."""
    try:
        return resolve_frame(
            frame,
            constraints=constraints,
            threshold=threshold,
            backend=backend,
            progress=report,
            **incremental,
        )
    except ResolutionError:
        raise
    except ValueError as exc:
        raise ResolutionError(f"resolution failed: {exc}") from exc


def _changed_since(session: Session, since: datetime) -> set[str]:
    """Return the current records ingested (new, changed, reinstated) after ``since``."""
    rows = session.execute(
        select(Record.source, Record.record_id).where(
            Record.ingested_at > since, Record.withdrawn.is_(False)
        )
    )
    return {f"{source}:{record_id}" for source, record_id in rows}


def _current_links(session: Session) -> pl.DataFrame:
    """Return the stored links of the current persons (``LINK_COLUMNS``)."""
    links = resolution_service.LINKS
    schema = {
        "unique_id_l": pl.Utf8,
        "unique_id_r": pl.Utf8,
        "match_weight": pl.Float64,
        "match_probability": pl.Float64,
        "explanation": pl.Utf8,
    }
    return resolution_service.read_frame(session, select(*(links.c[c] for c in schema)), schema)
