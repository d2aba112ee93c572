"""Targeting's batch stage: every person's evaluation, on this machine or on Spark.

``flows.target`` reads the shared lookups once and the persons a part at a time
(``Part``: their records, their records' weakest links, those of them a withheld record
shows to be citizens) and hands each part to the function ``evaluating`` yields; it
returns one ``Evaluation`` per person, computed by the engine the ``engine`` setting
names (``IMOS_ENGINE``): ``duckdb`` evaluates person after person in this process,
``spark`` sends the persons to Spark's executors (``spark/targeting.py``, the evaluator
broadcast once per run, its shared lookups in a file each executor reads by key:
``lookup_file``), where the very same ``PersonEvaluator`` runs. Nothing else in
the flow knows which engine ran: the leads are applied and committed on the driver, in
one transaction, as before. ``evaluate_all`` does the same for persons held in one part.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

from immigrationos import config
from immigrationos.spark import targeting as spark_targeting
from immigrationos.targeting import lookup_file
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.elsewhere import NameIndex, NearMisses
from immigrationos.targeting.evaluate import Evaluation, evaluate_person
from immigrationos.targeting.policy import PriorityPolicy
from immigrationos.targeting.records import PersonRecord

# Told (persons done, persons in all) as the evaluation goes.
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 1_000


class BatchError(RuntimeError):
    """A person's evaluation failed: the person and the error are named; nothing was stored."""


@dataclass(frozen=True)
class PersonEvaluator:
    """What every person's evaluation shares, and the evaluation of one person.

    Picklable as a whole (plain data, the policy, the ``NameIndex``); Spark broadcasts it
    once to every executor, which calls it for each of its persons, with its SSN owners
    and index read from a file (``lookup_file``), so that only their path is pickled.
    """

    as_of: dt.date
    policy: PriorityPolicy
    owners: Mapping[str, OwnerInfo]
    named_alike: NearMisses
    weakest: Mapping[str, float]
    withheld: frozenset[str] = frozenset()
    protected: frozenset[str] = frozenset()
    halted: Mapping[str, str] = field(default_factory=dict)
    suspension: str | None = None

    def __call__(self, person_id: str, records: Sequence[PersonRecord]) -> Evaluation:
        """Return the evaluation of one person's (lawful) records, with this evaluator's
        weakest links and protected persons.

        Raises:
            BatchError: the evaluation raised; the person and the error are named.
        """
        links = {r.ref: self.weakest[r.ref] for r in records if r.ref in self.weakest}
        return self.evaluate(person_id, records, links, person_id in self.protected)

    def evaluate(
        self,
        person_id: str,
        records: Sequence[PersonRecord],
        links: Mapping[str, float],
        protected: bool,
    ) -> Evaluation:
        """Return the evaluation of one person given its records' weakest links and whether
        a withheld record of theirs shows US citizenship (``flows.lawful_records``).

        Raises:
            BatchError: the evaluation raised; the person and the error are named.
        """
        try:
            return evaluate_person(
                records,
                self.as_of,
                ssn_owner=self.owners,
                link_probability=links,
                policy=self.policy,
                withheld_sources=self.withheld,
                person_id=person_id,
                withheld_citizenship=protected,
                elsewhere=partial(self.named_alike.alike, person_id, records),
                suspended_detectors=self.halted,
                suspension=self.suspension,
            )
        except Exception as exc:
            raise BatchError(
                f"evaluating person {person_id} failed: {type(exc).__name__}: {exc}"
            ) from exc


@dataclass(frozen=True)
class Part:
    """One part of a run's persons: their records, their records' weakest links, and
    those of them a withheld record shows to be US citizens. A run reads and evaluates
    its persons a part at a time, so that it never holds every person's records."""

    records_of: Mapping[str, Sequence[PersonRecord]]
    persons: Sequence[str]
    weakest: Mapping[str, float] = field(default_factory=dict)
    protected: frozenset[str] = frozenset()

    def inputs(self) -> Iterator[tuple[str, list[PersonRecord], dict[str, float], bool]]:
        """Yield (person, records, weakest links of the records, protected) in order."""
        for pid in self.persons:
            records = list(self.records_of.get(pid, ()))
            links = {r.ref: self.weakest[r.ref] for r in records if r.ref in self.weakest}
            yield pid, records, links, pid in self.protected


# Evaluates one part; told (persons done in the part, persons in the part).
PartEvaluator = Callable[[Part, "Progress | None"], dict[str, Evaluation]]


def evaluate_locally(
    records_of: Mapping[str, Sequence[PersonRecord]],
    persons: Sequence[str],
    evaluator: PersonEvaluator,
    progress: Progress | None = None,
) -> dict[str, Evaluation]:
    """Return every person's evaluation, computed in this process, in the given order."""
    part = Part(records_of, persons, evaluator.weakest, evaluator.protected)
    return _evaluate_part_locally(evaluator, part, progress)


def _evaluate_part_locally(
    evaluator: PersonEvaluator, part: Part, progress: Progress | None = None
) -> dict[str, Evaluation]:
    out: dict[str, Evaluation] = {}
    total = len(part.persons)
    for done, (pid, records, links, protected) in enumerate(part.inputs(), start=1):
        out[pid] = evaluator.evaluate(pid, records, links, protected)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    return out


class SharedLookups(Protocol):
    """Where a run puts the lookups every evaluation shares as it reads the records."""

    def add(
        self,
        person_id: str,
        record: PersonRecord,
        text: str | None = None,
        *,
        withheld_citizenship: bool = False,
    ) -> None:
        """Index one record of a person (``NameIndex.add``)."""

    def ready(self, owners: Mapping[str, OwnerInfo]) -> tuple[Mapping[str, OwnerInfo], NearMisses]:
        """Return the SSN owners and the index, ready to be read."""


class _InMemory(NameIndex):
    """The index held in memory, for a run on this machine."""

    def ready(self, owners: Mapping[str, OwnerInfo]) -> tuple[Mapping[str, OwnerInfo], NearMisses]:
        return owners, self


class _OnFile(lookup_file.LookupWriter):
    """The lookup file, for a run on Spark."""

    def ready(self, owners: Mapping[str, OwnerInfo]) -> tuple[Mapping[str, OwnerInfo], NearMisses]:
        path = self.finish(owners)
        return lookup_file.FileOwners(path), lookup_file.IndexFile(path)


@contextmanager
def _lookup_folder() -> Iterator[Path]:
    """Yield a new folder in the var dir for a run's lookup file; removed on leaving."""
    var_dir = config.get_settings().var_dir
    var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="imos-lookups-", dir=var_dir) as folder:
        yield Path(folder)


@contextmanager
def shared_lookups() -> Iterator[SharedLookups]:
    """Yield where a run puts its shared lookups, for the engine the ``engine`` setting
    names: on this machine a ``NameIndex`` in memory; on Spark a file written as the
    records are read (``lookup_file.LookupWriter``), which the executors read by key and
    the driver never holds whole. The file is removed on leaving.
    """
    if config.get_settings().engine != "spark":
        yield _InMemory()
        return
    with _lookup_folder() as folder:
        yield _OnFile(folder / "lookups.sqlite3")


@contextmanager
def _on_file(evaluator: PersonEvaluator) -> Iterator[tuple[PersonEvaluator, list[Path]]]:
    """Yield the evaluator reading its shared lookups from a file, and the file to ship to
    the executors: as it is when they are on file already (``shared_lookups``), else
    written from memory to a file removed on leaving."""
    if isinstance(evaluator.named_alike, lookup_file.IndexFile):
        yield evaluator, [evaluator.named_alike.path]
        return
    if not isinstance(evaluator.named_alike, NameIndex):
        raise TypeError(f"cannot write a {type(evaluator.named_alike).__name__} to a file")
    with _lookup_folder() as folder:
        path = lookup_file.write(
            folder / "lookups.sqlite3", evaluator.owners, evaluator.named_alike
        )
        yield (
            dataclasses.replace(
                evaluator,
                owners=lookup_file.FileOwners(path),
                named_alike=lookup_file.IndexFile(path),
            ),
            [path],
        )


@contextmanager
def evaluating(evaluator: PersonEvaluator) -> Iterator[PartEvaluator]:
    """Yield a function that evaluates one part of the persons at a time, on the engine
    the ``engine`` setting names; the evaluator's own ``weakest`` and ``protected`` are
    ignored (each part brings its own).

    On Spark the shared lookups (the SSN owners, the ``NameIndex``) are read from a file
    every executor reads by key (``lookup_file``: the one ``shared_lookups`` wrote, or
    one written here from memory and removed on leaving), and the evaluator, holding only
    the file's path, the policy and the run's settings, is broadcast once for every part
    and destroyed on leaving.

    The function raises ``BatchError`` when a person's evaluation fails (on either
    engine); nothing of that part is returned.
    """
    if config.get_settings().engine != "spark":
        yield partial(_evaluate_part_locally, evaluator)
        return
    with _on_file(evaluator) as shipped, spark_targeting.broadcasting(*shipped) as on_spark:

        def evaluate_part(part: Part, progress: Progress | None = None) -> dict[str, Evaluation]:
            try:
                return on_spark(list(part.inputs()), progress)
            except spark_targeting.SparkEvaluationError as exc:
                raise BatchError(str(exc)) from exc

        yield evaluate_part


def evaluate_all(
    records_of: Mapping[str, Sequence[PersonRecord]],
    persons: Sequence[str],
    evaluator: PersonEvaluator,
    progress: Progress | None = None,
) -> dict[str, Evaluation]:
    """Return every person's evaluation, on the engine the ``engine`` setting names.

    Args:
        records_of: each person's records, already cut to what the purpose may use.
        persons: the persons to evaluate (a person without records is evaluated on none).
        evaluator: the shared lookups and the evaluation of one person (with its own
            ``weakest`` links and ``protected`` persons).
        progress: told (persons done, persons in all) as the evaluation goes: every
            ``PROGRESS_EVERY`` persons here, every finished partition on Spark.

    Raises:
        BatchError: a person's evaluation failed (on either engine); nothing is returned.
    """
    part = Part(records_of, persons, evaluator.weakest, evaluator.protected)
    with evaluating(evaluator) as evaluate_part:
        return evaluate_part(part, progress)
