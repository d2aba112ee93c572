"""Hand-made resolution results for persistence tests (no engine: clusters given directly)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from immigrationos.db.engine import session_scope
from immigrationos.records.models import Record
from immigrationos.resolution.result import ResolutionResult

PRIOR = -8.0


def probability(weight: float) -> float:
    """Return the match probability of a match weight (log2 odds)."""
    return float(2**weight / (1 + 2**weight))


def explanation(weight: float) -> str:
    """Return a waterfall whose prior and steps add up to ``weight``."""
    rest = weight - PRIOR
    steps = [
        {"comparison": "name", "level": "exact", "weight": round(rest * 0.6, 6), "left": "A"},
        {"comparison": "birth_date", "level": "exact", "weight": round(rest * 0.4, 6)},
    ]
    return json.dumps(
        {
            "prior_weight": PRIOR,
            "steps": steps,
            "match_weight": weight,
            "match_probability": probability(weight),
        }
    )


def result_of(
    clusters: Sequence[Sequence[str]],
    *,
    weights: Mapping[tuple[str, str], float] | None = None,
    default_weight: float = 10.0,
    flags: Sequence[dict[str, object]] = (),
    threshold: float = 0.9,
) -> ResolutionResult:
    """Return a result with these clusters, each held by a chain of links (sorted records)."""
    weights = weights or {}
    rows, links = [], []
    for number, members in enumerate(clusters):
        ordered = sorted(members)
        rows += [(uid, f"run-local-{number}") for uid in ordered]
        for left, right in pairwise(ordered):
            w = weights.get((left, right), default_weight)
            links.append((left, right, w, probability(w), explanation(w)))
    return ResolutionResult(
        clusters=pl.DataFrame(rows, schema=["unique_id", "cluster_id"], orient="row"),
        links=pl.DataFrame(
            links,
            schema={
                "unique_id_l": pl.Utf8,
                "unique_id_r": pl.Utf8,
                "match_weight": pl.Float64,
                "match_probability": pl.Float64,
                "explanation": pl.Utf8,
            },
            orient="row",
        ),
        flags=pl.DataFrame(
            list(flags),
            schema={
                "kind": pl.Utf8,
                "value": pl.Utf8,
                "unique_ids": pl.List(pl.Utf8),
                "detail": pl.Utf8,
            },
        ),
        backend="hand-made",
        threshold=threshold,
        stats={"comparisons": 42.0},
    )


def indexed(engine: Engine) -> list[str]:
    """Return the ``source:record_id`` of every record in the index, sorted."""
    with session_scope(engine) as session:
        rows = session.execute(select(Record.source, Record.record_id)).all()
    return sorted(f"{s}:{r}" for s, r in rows)


def truth_clusters(world: Path, engine: Engine) -> list[list[str]]:
    """Return the true clusters of an ingested synthetic world (unlinked records alone)."""
    truth = pl.read_csv(world / "truth" / "records.csv", infer_schema_length=0)
    person_of = {
        f"{s}:{r}": p for s, r, p in truth.select("source", "record_id", "person_id").iter_rows()
    }
    groups: dict[str, list[str]] = {}
    for uid in indexed(engine):
        groups.setdefault(person_of.get(uid, uid), []).append(uid)
    return sorted(groups.values())
