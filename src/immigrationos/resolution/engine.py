"""Identity resolution's one entry point: normalise the records, let the chosen backend resolve.

    result = resolve_frame(record_frame(lake_dir), constraints=Constraints.of(must, cannot))

The backend is the ``resolution_backend`` setting unless one is passed (a name or an
object); ``constraints`` are reviewers' judgements (``judgement_flows``
``constraints_for_next_run``), honoured by the run.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

import polars as pl

from immigrationos.resolution.backend import (
    Constraints,
    ResolutionBackend,
    StageProgress,
    get_backend,
)
from immigrationos.resolution.normalize import normalize_frame
from immigrationos.resolution.result import ResolutionResult

# Measured on synthetic worlds (bench/resolution.py): the match probability a link needs.
PRODUCTION_THRESHOLD = 0.5
SSN_AS_WRITTEN = "ssn_as_written"

__all__ = ["PRODUCTION_THRESHOLD", "Constraints", "resolve_frame"]


def resolve_frame(
    frame: pl.DataFrame,
    *,
    constraints: Constraints | None = None,
    threshold: float = PRODUCTION_THRESHOLD,
    backend: str | ResolutionBackend | None = None,
    model: dict[str, Any] | None = None,
    new_ids: Collection[str] | None = None,
    progress: StageProgress | None = None,
) -> ResolutionResult:
    """Resolve person records into persons: clusters, the links that made them, flags.

    Args:
        frame: person records in ``frame.RECORD_SCHEMA`` (raw values; normalised here).
        constraints: reviewers' must-link and cannot-link pairs of ``unique_id``.
        threshold: the match probability a link needs.
        backend: a backend name, a backend, or None for the configured one.
        model: a model an earlier run returned: scored with it, not trained anew.
        new_ids: score only the pairs with at least one of these records (a new batch).
        progress: told the name of each stage as it starts.

    Returns:
        The backend's ``ResolutionResult``.
    """
    chosen = (
        backend if backend is not None and not isinstance(backend, str) else get_backend(backend)
    )
    if getattr(chosen, "normalizes_in_chunks", False):
        # Splink's backends normalise a chunk at a time: all the normalised columns of
        # ten million records would not fit in memory beside the rest.
        return cast(Any, chosen).resolve(
            frame,
            constraints=constraints,
            threshold=threshold,
            model=model,
            new_ids=new_ids,
            progress=progress,
            normalizer=normalized,
        )
    return chosen.resolve(
        normalized(frame),
        constraints=constraints,
        threshold=threshold,
        model=model,
        new_ids=new_ids,
        progress=progress,
    )


def normalized(frame: pl.DataFrame) -> pl.DataFrame:
    """Return the records normalised for resolution.

    A social security number that is not nine digits is no SSN to the normaliser, but
    still a number the person gave: FEBRL's seven-digit ``soc_sec_id``, an SSN with a
    digit lost. Its digits are kept for comparison (``ssn_valid`` stays empty).
    """
    if "ssn" not in frame.columns:
        return normalize_frame(frame)
    digits = pl.col("ssn").cast(pl.Utf8).str.replace_all(r"[^0-9]", "")
    written = pl.when(digits.str.len_chars().is_between(5, 9)).then(digits)
    out = normalize_frame(frame.with_columns(written.alias(SSN_AS_WRITTEN)))
    return out.with_columns(pl.coalesce("ssn", SSN_AS_WRITTEN).alias("ssn")).drop(SSN_AS_WRITTEN)
