"""The one interface every resolution backend implements, and the registry that picks one.

A backend turns a normalised record frame into a ``ResolutionResult``; the rest of the
platform calls :func:`get_backend` and never names an implementation. ``IMOS_ENGINE=spark``
chooses ``splink-spark`` (Splink on Spark) unless ``IMOS_RESOLUTION_BACKEND`` names one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl

from immigrationos import config
from immigrationos.resolution.result import ResolutionResult


@dataclass(frozen=True)
class Constraints:
    """What reviewers decided, as pairs of ``unique_id``: the next run honours both lists.

    ``must_link`` pairs end in one cluster whatever the scores say; ``cannot_link`` pairs
    never do (``judgement_flows.constraints_for_next_run`` builds them).
    """

    must_link: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    cannot_link: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def of(
        cls,
        must_link: Iterable[tuple[str, str]] = (),
        cannot_link: Iterable[tuple[str, str]] = (),
    ) -> Constraints:
        """Return constraints from any iterables of pairs (as ``constraints_for_next_run`` gives)."""
        return cls(
            tuple((str(a), str(b)) for a, b in must_link),
            tuple((str(a), str(b)) for a, b in cannot_link),
        )


# Told the name of each stage as it starts: train, score, cluster, explain.
StageProgress = Callable[[str], None]


class ResolutionBackend(Protocol):
    """Resolve person records into clusters; what the platform asks of any backend.

    ``model`` (a model an earlier run returned in ``ResolutionResult.model``) skips
    training; ``new_ids`` (``unique_id``s) restricts scoring to the pairs with at least
    one of them, for linking a new batch: what holds the other records together comes in
    as must-links. ``progress`` is told each stage as it starts.
    """

    name: str

    def resolve(
        self,
        frame: pl.DataFrame,
        *,
        constraints: Constraints | None,
        threshold: float,
        model: dict[str, Any] | None = None,
        new_ids: Collection[str] | None = None,
        progress: StageProgress | None = None,
    ) -> ResolutionResult:
        """Return clusters, the links that made them and flags for a normalised record frame."""
        ...


def _splink_duckdb() -> ResolutionBackend:
    # Imported here: Splink and its SQL machinery load only when this backend is chosen.
    from immigrationos.resolution.splink_backend import SplinkDuckDBBackend

    return SplinkDuckDBBackend(memory_limit=config.get_settings().duckdb_memory_limit)


def _splink_spark() -> ResolutionBackend:
    # Imported here: PySpark and the JVM load only when this backend is chosen.
    from immigrationos.resolution.splink_spark import SplinkSparkBackend

    return SplinkSparkBackend(memory_limit=config.get_settings().duckdb_memory_limit)


BACKENDS: dict[str, Callable[[], ResolutionBackend]] = {
    "splink-duckdb": _splink_duckdb,
    "splink-spark": _splink_spark,
}
# The backend of each ``IMOS_ENGINE`` when ``IMOS_RESOLUTION_BACKEND`` is left unset.
ENGINE_BACKENDS = {"duckdb": "splink-duckdb", "spark": "splink-spark"}


class UnknownBackendError(ValueError):
    """A backend name no registry entry has."""


def configured_backend_name(settings: config.Settings) -> str:
    """Return the backend the settings choose.

    ``IMOS_RESOLUTION_BACKEND`` when set (in the environment or explicitly); otherwise
    the backend of ``IMOS_ENGINE`` (``splink-spark`` for ``spark``).
    """
    if "resolution_backend" in settings.model_fields_set:
        return settings.resolution_backend
    return ENGINE_BACKENDS.get(settings.engine, settings.resolution_backend)


def get_backend(name: str | None = None) -> ResolutionBackend:
    """Return the backend named (when None, the one the settings choose).

    Raises:
        UnknownBackendError: the name is not registered; the message lists those that are.
    """
    chosen = name if name is not None else configured_backend_name(config.get_settings())
    factory = BACKENDS.get(chosen)
    if factory is None:
        known = ", ".join(sorted(BACKENDS))
        raise UnknownBackendError(
            f"unknown resolution backend {chosen!r} (IMOS_RESOLUTION_BACKEND); known: {known}"
        )
    return factory()
