"""Targeting's batch stage: every person's evaluation, on this machine or on Spark.

``flows.target`` reads the records, links and lookups once, and hands them here;
``evaluate_all`` returns one ``Evaluation`` per person, computed by the engine the
``engine`` setting names (``IMOS_ENGINE``): ``duckdb`` evaluates person after person in
this process, ``spark`` sends the persons to Spark's executors (``spark/targeting.py``),
where the very same ``PersonEvaluator`` runs. Nothing else in the flow knows which
engine ran: the leads are applied and committed on the driver, in one transaction, as
before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from immigrationos import config
from immigrationos.spark import targeting as spark_targeting
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.elsewhere import NameIndex
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

    Picklable as a whole (plain data, the policy, the ``NameIndex``): Spark broadcasts it
    once to every executor, which calls it for each of its persons.
    """

    as_of: dt.date
    policy: PriorityPolicy
    owners: Mapping[str, OwnerInfo]
    named_alike: NameIndex
    weakest: Mapping[str, float]
    withheld: frozenset[str] = frozenset()
    protected: frozenset[str] = frozenset()
    halted: Mapping[str, str] = field(default_factory=dict)
    suspension: str | None = None

    def __call__(self, person_id: str, records: Sequence[PersonRecord]) -> Evaluation:
        """Return the evaluation of one person's (lawful) records.

        Raises:
            BatchError: the evaluation raised; the person and the error are named.
        """
        links = {r.ref: self.weakest[r.ref] for r in records if r.ref in self.weakest}
        try:
            return evaluate_person(
                records,
                self.as_of,
                ssn_owner=self.owners,
                link_probability=links,
                policy=self.policy,
                withheld_sources=self.withheld,
                person_id=person_id,
                withheld_citizenship=person_id in self.protected,
                elsewhere=partial(self.named_alike.alike, person_id, records),
                suspended_detectors=self.halted,
                suspension=self.suspension,
            )
        except Exception as exc:
            raise BatchError(
                f"evaluating person {person_id} failed: {type(exc).__name__}: {exc}"
            ) from exc


def evaluate_locally(
    records_of: Mapping[str, Sequence[PersonRecord]],
    persons: Sequence[str],
    evaluator: PersonEvaluator,
    progress: Progress | None = None,
) -> dict[str, Evaluation]:
    """Return every person's evaluation, computed in this process, in the given order."""
    out: dict[str, Evaluation] = {}
    total = len(persons)
    for done, pid in enumerate(persons, start=1):
        out[pid] = evaluator(pid, records_of.get(pid, []))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    return out


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
        evaluator: the shared lookups and the evaluation of one person.
        progress: told (persons done, persons in all) as the evaluation goes: every
            ``PROGRESS_EVERY`` persons here, every finished partition on Spark.

    Raises:
        BatchError: a person's evaluation failed (on either engine); nothing is returned.
    """
    if config.get_settings().engine == "spark":
        try:
            return spark_targeting.evaluate_on_spark(records_of, persons, evaluator, progress)
        except spark_targeting.SparkEvaluationError as exc:
            raise BatchError(str(exc)) from exc
    return evaluate_locally(records_of, persons, evaluator, progress)
