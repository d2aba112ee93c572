"""Targeting's per-person evaluation on Spark's executors.

The driver (``flows.target``) has read the shared lookups, and reads the persons a part
at a time; the evaluator (``targeting.batch.PersonEvaluator``: the withheld sources, the
policy, and the SSN owners and the ``NameIndex`` as a file each executor reads by key,
``targeting.lookup_file``) is broadcast once for the whole run (``broadcasting``), and
each part's persons, each with all of their records, their records' weakest links and
whether a withheld record shows them to be citizens, are cut into partitions (a person
is never split); each executor evaluates its persons with the same ``evaluate_person``
the local engine runs. The evaluations come back to the driver pickled, where the leads
are applied in one transaction as before.

Progress is an accumulator the finished tasks add their persons to; the caller's
``progress`` is told from the caller's own thread, while the job runs in another.
Executors need the ``immigrationos`` package and its dependencies installed (a local
master uses this very interpreter: ``spark/session.py``).
"""

from __future__ import annotations

import math
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from immigrationos.spark.session import spark_session

if TYPE_CHECKING:
    from immigrationos.targeting.evaluate import Evaluation

# At most this many persons in one partition (one task): small enough that progress moves
# and a lost task costs little, large enough that a task's start-up does not dominate.
PERSONS_PER_PARTITION = 2_000
POLL_SECONDS = 0.5
_PYTHON_ERROR = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?(\w*(?:Error|Exception)): (.+)$", re.M)

Progress = Callable[[int, int], None]


class SparkEvaluationError(RuntimeError):
    """The Spark job evaluating the persons failed; the executor's error is named."""


def partitions_for(persons: int, parallelism: int) -> int:
    """Return how many partitions to cut ``persons`` into on ``parallelism`` cores.

    Two per core at least (a slow partition does not leave a core idle), more when that
    would put more than ``PERSONS_PER_PARTITION`` persons in one; never more than persons.
    """
    wanted = max(2 * parallelism, math.ceil(persons / PERSONS_PER_PARTITION))
    return max(1, min(persons, wanted))


def _reason(exc: BaseException) -> str:
    """Return the executor's Python error in a Spark failure, else the failure's first line.

    The first Python traceback in Spark's message is the failed task's; its last error is
    the one raised (those before it are its causes), and Spark's Java frames follow it.
    """
    text = str(exc)
    start = text.find("Traceback (most recent call last)")
    if start >= 0:
        errors = _PYTHON_ERROR.findall(text[start:].split("\n\tat ", 1)[0])
        if errors:
            kind, message = errors[-1]
            return f"{kind}: {message.strip()}"
    lines = text.strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else 'no message'}"


@contextmanager
def broadcasting(
    evaluator: Any, files: Sequence[Path] = ()
) -> Iterator[Callable[..., dict[str, Evaluation]]]:
    """Broadcast ``evaluator`` once; yield a function that evaluates parts on the executors.

    ``files``: files the evaluator reads (its shared lookups: ``targeting.lookup_file``).
    On a cluster each is shipped to the executors once (``SparkContext.addFile``), where the
    evaluator opens Spark's copy by the same name; a local master's executors share this
    machine's disk and read the file where it is.

    ``evaluator`` is picklable, with ``evaluate(person_id, records, links, protected)``
    (``targeting.batch.PersonEvaluator``). The function takes a part's persons as
    ``(person_id, records, links, protected)`` tuples, in order, and ``progress``; it
    returns their evaluations in that order. The broadcast is destroyed on leaving.

    Raises (the function):
        SparkEvaluationError: an evaluation raised on an executor, or the job failed;
            nothing of that part is returned (no partial result).
    """
    spark = spark_session()
    sc = spark.sparkContext
    if not str(sc.master).startswith("local"):
        for path in files:
            sc.addFile(str(path))
    shared = sc.broadcast(evaluator)
    try:
        yield partial(_evaluate_part, sc, shared)
    finally:
        shared.destroy()


def _evaluate_part(
    sc: Any,
    shared: Any,
    items: Sequence[tuple[str, list[Any], dict[str, float], bool]],
    progress: Progress | None = None,
) -> dict[str, Evaluation]:
    """Evaluate one part's persons on the executors (``broadcasting``)."""
    total = len(items)
    if total == 0:
        return {}
    done = sc.accumulator(0)
    rdd = sc.parallelize(items, partitions_for(total, sc.defaultParallelism))

    def evaluate_partition(
        part: Iterable[tuple[str, list[Any], dict[str, float], bool]],
    ) -> Iterator[tuple[str, Any]]:
        evaluate = shared.value.evaluate
        count = 0
        for pid, records, links, protected in part:
            yield pid, evaluate(pid, records, links, protected)
            count += 1
        done.add(count)

    outcome: dict[str, Any] = {}
    group = f"imos-targeting-{uuid.uuid4().hex}"

    def run() -> None:
        try:
            sc.setJobGroup(group, "immigrationos targeting", interruptOnCancel=True)
            outcome["rows"] = rdd.mapPartitions(evaluate_partition).collect()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    job = threading.Thread(target=run, name="imos-spark-targeting", daemon=True)
    job.start()
    told = 0
    try:
        while job.is_alive():
            job.join(POLL_SECONDS)
            now = done.value
            if progress is not None and now != told and "error" not in outcome:
                told = now
                progress(now, total)
    finally:
        if job.is_alive():  # the caller gave up (progress raised, e.g. a cancelled job)
            sc.cancelJobGroup(group)
        job.join()
    if "error" in outcome:
        raise SparkEvaluationError(
            f"targeting on Spark failed: {_reason(outcome['error'])}"
        ) from outcome["error"]
    evaluations: dict[str, Evaluation] = dict(outcome["rows"])
    if progress is not None and told != total:
        progress(total, total)
    return {pid: evaluations[pid] for pid, *_ in items}
