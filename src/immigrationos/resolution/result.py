"""What every resolution backend hands back: clusters, the links that made them, flags.

The rest of the platform knows only these frames, never the backend (Splink on DuckDB by
default; Spark later), so a backend is swapped by configuration alone.

Frames (Polars), keyed by ``unique_id`` = ``"<source>:<record_id>"``:

- ``clusters``: ``unique_id, cluster_id`` — every record of the input exactly once; a
  record linked to nothing is its own cluster. ``cluster_id`` is run-local (persons get
  stable IDs later, in ``resolution.identity``).
- ``links``: ``unique_id_l, unique_id_r, match_weight, match_probability, explanation`` —
  the edges kept inside clusters (a spanning set: every record of a cluster is reached),
  ``explanation`` a JSON string of the waterfall (see ``Explanation``).
- ``flags``: ``kind, value, unique_ids, detail`` — what resolution noticed and refused to
  link through, e.g. ``SHARED_SSN`` (one SSN under clearly different identities), for the
  identity-fraud detector.

``model`` is the trained model the run scored with (Splink's settings JSON for the
default backend), stored with the run so a later batch is linked with the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

CLUSTER_COLUMNS = ("unique_id", "cluster_id")
LINK_COLUMNS = ("unique_id_l", "unique_id_r", "match_weight", "match_probability", "explanation")
FLAG_COLUMNS = ("kind", "value", "unique_ids", "detail")


def unique_id(source: str, record_id: str) -> str:
    """Return the resolution key of one source record."""
    return f"{source}:{record_id}"


@dataclass(frozen=True)
class ExplanationStep:
    """One bar of a waterfall: a comparison, the level it reached, and its weight (log2)."""

    comparison: str
    level: str
    weight: float
    left: str | None = None
    right: str | None = None


@dataclass(frozen=True)
class Explanation:
    """Why two records link: the prior plus each comparison's weight is the match weight.

    ``match_weight = prior_weight + sum(step.weight)`` and
    ``match_probability = 2**w / (1 + 2**w)``; tests hold every stored link to this.
    """

    prior_weight: float
    steps: tuple[ExplanationStep, ...]
    match_weight: float
    match_probability: float


@dataclass
class ResolutionResult:
    """The output of one resolution run (see the module docstring for the frames)."""

    clusters: pl.DataFrame
    links: pl.DataFrame
    flags: pl.DataFrame
    backend: str
    threshold: float
    stats: dict[str, float] = field(default_factory=dict)
    model: dict[str, Any] | None = None
