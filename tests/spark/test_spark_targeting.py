"""Targeting on Spark agrees with targeting on this machine, and reads the same lake.

One SparkSession in ``local[2]`` mode serves the module. The 500-person world of the
targeting tests is ingested and resolved once per database (SQLite and PostgreSQL);
``flows.target`` then runs on it with ``IMOS_ENGINE=spark`` and with ``IMOS_ENGINE=duckdb``:
the same code on the same data must give the same leads for every person, not 99.5 % of
them. A person whose evaluation raises on an executor stops the run, naming them, and
no lead, event or run is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pyspark.sql import SparkSession
from sqlalchemy import Engine, func, select, update

from audit_guard import empty_database
from immigrationos.config import get_settings
from immigrationos.db.engine import session_scope
from immigrationos.records.models import Record
from immigrationos.resolution.models import PersonRecord as Member
from immigrationos.sources import lake
from immigrationos.sources.contract import SOURCES
from immigrationos.spark import lake as spark_lake
from immigrationos.spark import targeting as spark_targeting
from immigrationos.targeting import batch, flows
from immigrationos.targeting.elsewhere import CLEARING_SOURCES, NameIndex
from immigrationos.targeting.evaluate import Evaluation
from immigrationos.targeting.leads import ssn_owners
from immigrationos.targeting.lookup_file import FileOwners, IndexFile
from immigrationos.targeting.models import Lead, LeadEvent, TargetingRun
from immigrationos.targeting.policy import load_policy
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.safeguards import LeadState
from targeting.builders import arrival, eoir, event
from targeting.test_flows import AS_OF, OPERATOR, PERSONS, SEED, _resolved
from world_cache import shared_world

Captured = dict[str, Any]
# One worker runs every Spark test, so that one JVM at a time takes the cores.
pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def resolved(
    db_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Path, str]]:
    """The 500-person world ingested and resolved into this database once; its purpose."""
    world, _ = shared_world(tmp_path_factory, persons=PERSONS, seed=SEED, as_of=AS_OF)
    lake_dir = tmp_path_factory.mktemp("spark-lake")
    purpose = _resolved(db_engine, lake_dir, world)
    yield db_engine, lake_dir, purpose
    empty_database(db_engine)


def _use(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    monkeypatch.setenv("IMOS_ENGINE", engine)
    get_settings.cache_clear()


@pytest.fixture()
def engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Let a test switch IMOS_ENGINE; the settings are read afresh after it."""
    yield monkeypatch
    monkeypatch.delenv("IMOS_ENGINE", raising=False)
    get_settings.cache_clear()


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[Captured]:
    """Record each run's evaluation (``batch.evaluating``): its parts' inputs and results."""
    calls: list[Captured] = []
    real = batch.evaluating

    @contextmanager
    def spy(evaluator: Any) -> Iterator[Any]:
        captured: Captured = {"persons": [], "evaluator": evaluator, "out": {}, "told": []}
        with real(evaluator) as evaluate_part:

            def evaluate(part: batch.Part, progress: Any = None) -> Any:
                def tell(done: int, total: int) -> None:
                    captured["told"].append((done, total))
                    if progress is not None:
                        progress(done, total)

                out = evaluate_part(part, tell)
                captured["persons"].extend(part.persons)
                captured["out"].update(out)
                captured["parts"] = captured.get("parts", 0) + 1
                return out

            yield evaluate
        calls.append(captured)

    monkeypatch.setattr(batch, "evaluating", spy)
    return calls


def _lead_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    """Return every current lead by person: what a lead is, without when it was written."""
    with session_scope(engine) as session:
        rows = session.scalars(select(Lead).where(Lead.retired_at.is_(None)))
        return {
            r.person_id: {
                "lead_id": r.lead_id,
                "state": r.state,
                "score": r.score,
                "priority": r.priority,
                "violations": json.loads(r.violations),
                "safeguards": json.loads(r.safeguards),
                "evidence": json.loads(r.evidence),
                "evaluation": json.loads(r.evaluation),
            }
            for r in rows
        }


def _stored_counts(engine: Engine) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in (Lead, LeadEvent, TargetingRun)
        )


def _target(
    engine: Engine, lake_dir: Path, purpose: str, progress: Any = None
) -> flows.TargetRunSummary:
    return flows.target(
        engine, lake_dir, principal=OPERATOR, purpose_id=purpose, as_of=AS_OF, progress=progress
    )


def test_spark_and_duckdb_give_the_same_leads(
    resolved: tuple[Engine, Path, str], spark: SparkSession, engines: pytest.MonkeyPatch
) -> None:
    engine, lake_dir, purpose = resolved
    calls = _spy(engines)
    _use(engines, "spark")
    # Spark in parts of 150 persons (records, links and lookups read part by part; one
    # broadcast for the run), DuckDB in one part: the same leads all the same.
    engines.setattr(flows, "PART_PERSONS", 150)
    told: list[tuple[int, int]] = []
    on_spark = _target(engine, lake_dir, purpose, lambda d, t: told.append((d, t)))
    leads_spark = _lead_rows(engine)
    engines.setattr(flows, "PART_PERSONS", 50_000)
    _use(engines, "duckdb")
    on_duckdb = _target(engine, lake_dir, purpose)
    leads_duckdb = _lead_rows(engine)

    assert on_spark.persons == on_duckdb.persons > 300
    assert on_spark.created == len(leads_spark) >= 10, on_spark
    assert on_spark.by_state.get("OPEN", 0) >= 3 and len(on_spark.by_violation) >= 2, on_spark
    # The DuckDB run, seeing the leads the Spark run made, finds nothing to change.
    assert (on_duckdb.created, on_duckdb.changed, on_duckdb.retired) == (0, 0, 0)
    assert on_duckdb.by_state == on_spark.by_state
    assert on_duckdb.by_violation == on_spark.by_violation
    assert leads_duckdb == leads_spark
    # Person by person, the evaluations themselves are equal: 100 %, not 99.5 %.
    spark_call, duckdb_call = calls
    assert spark_call["persons"] == duckdb_call["persons"]
    spark_out: dict[str, Evaluation] = spark_call["out"]
    duckdb_out: dict[str, Evaluation] = duckdb_call["out"]
    assert list(spark_out) == list(duckdb_out) == list(duckdb_call["persons"])
    differ = [p for p in duckdb_out if spark_out[p] != duckdb_out[p]]
    assert differ == []
    assert all(spark_out[p].to_json() == duckdb_out[p].to_json() for p in duckdb_out)
    assert spark_call["parts"] == -(-on_spark.persons // 150) >= 3
    assert duckdb_call["parts"] == 1
    # On Spark the run wrote its shared lookups to a file as it read the records (never a
    # whole index in memory), removed after the run; DuckDB kept them in memory.
    assert isinstance(spark_call["evaluator"].named_alike, IndexFile)
    assert isinstance(spark_call["evaluator"].owners, FileOwners)
    assert isinstance(duckdb_call["evaluator"].named_alike, NameIndex)
    assert not spark_call["evaluator"].named_alike.path.exists()
    assert not list(get_settings().var_dir.glob("imos-lookups-*"))
    # Progress on Spark: as tasks finish, never backwards, over every part, ending at
    # every person.
    total = on_spark.persons
    assert {d for d, _ in told} >= {*range(150, total, 150), total}  # each part's end
    assert told and told[-1] == (total, total)
    assert all(t == total for _, t in told)
    assert [d for d, _ in told] == sorted(d for d, _ in told)


def _person_evaluator(records_of: dict[str, list[PersonRecord]]) -> batch.PersonEvaluator:
    return batch.PersonEvaluator(
        as_of=AS_OF,
        policy=load_policy(),
        owners=ssn_owners(records_of),
        named_alike=NameIndex(records_of),
        weakest={},
    )


def test_spark_progress_and_results_on_hand_built_persons(
    spark: SparkSession, engines: pytest.MonkeyPatch
) -> None:
    # Forty overstayers: admitted on a B-2 visa until 2023, nothing after.
    records_of = {f"P{n:09d}": [arrival("2023-03-01", "B2", "2023-09-01")] for n in range(40)}
    persons = sorted(records_of)
    evaluator = _person_evaluator(records_of)
    told: list[tuple[int, int]] = []
    _use(engines, "spark")
    on_spark = batch.evaluate_all(records_of, persons, evaluator, lambda d, t: told.append((d, t)))
    here = batch.evaluate_locally(records_of, persons, evaluator)
    assert on_spark == here
    assert {e.state.value if e.state else None for e in here.values()} != {None}
    assert told[-1] == (40, 40) and [d for d, _ in told] == sorted(d for d, _ in told)
    assert spark_targeting.partitions_for(40, 2) == 4
    assert spark_targeting.partitions_for(10_000, 2) == 5
    assert spark_targeting.partitions_for(1, 8) == 1
    assert batch.evaluate_all({}, [], evaluator) == {}


def test_on_spark_the_shared_lookups_are_a_file_read_by_key_and_removed_after(
    spark: SparkSession, engines: pytest.MonkeyPatch
) -> None:
    # Ordered removed in 2024 and arrested since: the order looks unexecuted. Another
    # person named alike, born one slip away, holds the removal that executed it: a near
    # miss the executors must find in the file, as this process finds it in memory.
    ordered = [
        dataclasses.replace(r, payload={**r.payload, "birth_date": "1987-01-07"})
        for r in (
            eoir("REMOVAL_ORDERED", "2024-08-11", nta="2024-03-01"),
            event("ARREST", "2023-09-27"),
        )
    ]
    removal = event("REMOVAL", "2025-05-06")
    removal = dataclasses.replace(
        removal, record_id="R-ELSEWHERE", payload={**removal.payload, "birth_date": "1987-01-08"}
    )
    records_of = {"P-ORDERED": ordered, "P-REMOVED": [removal]}
    persons = sorted(records_of)
    evaluator = _person_evaluator(records_of)
    broadcast: list[bytes] = []
    real = spark_targeting.broadcasting

    @contextmanager
    def spy(shipped: Any, files: Any = ()) -> Iterator[Any]:
        broadcast.append(pickle.dumps(shipped))
        assert [Path(f).name for f in files] == ["lookups.sqlite3"]
        assert all(Path(f).exists() for f in files)
        with real(shipped, files) as on_spark:
            yield on_spark

    engines.setattr(spark_targeting, "broadcasting", spy)
    _use(engines, "spark")
    on_spark = batch.evaluate_all(records_of, persons, evaluator)
    here = batch.evaluate_locally(records_of, persons, evaluator)
    assert on_spark == here
    held = on_spark["P-ORDERED"]
    assert "FINAL_ORDER_UNEXECUTED" in held.violations and held.state is LeadState.HELD
    # Only the file's path went out with the evaluator, not the index, and the file is
    # gone once the run is over.
    assert len(broadcast) == 1 and len(broadcast[0]) < len(pickle.dumps(evaluator))
    assert b"R-ELSEWHERE" not in broadcast[0]
    assert not list(get_settings().var_dir.glob("imos-lookups-*"))


class _Cancelled(Exception):
    """What a cancelled job's progress callback raises."""


def test_a_progress_that_raises_stops_the_spark_job(
    spark: SparkSession, engines: pytest.MonkeyPatch
) -> None:
    records_of = {f"P{n:09d}": [arrival("2023-03-01", "B2", "2023-09-01")] for n in range(20)}
    persons = sorted(records_of)
    evaluator = _person_evaluator(records_of)
    _use(engines, "spark")

    def cancel(done: int, total: int) -> None:
        raise _Cancelled(f"cancelled at {done}/{total}")

    with pytest.raises(_Cancelled, match="cancelled at"):
        batch.evaluate_all(records_of, persons, evaluator, cancel)
    # The session is left usable: the next run completes.
    assert len(batch.evaluate_all(records_of, persons, evaluator)) == 20


def _breakable_record(engine: Engine, leads: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    """Return (person, source, record_id) of a record only an evaluation reads, a lead's first.

    Not a record the driver reads too: the Numident (the SSN owners), a record that can
    clear someone (the name index), one of a source the purpose withholds (read for signs
    of citizenship) or filters record by record (tips): the driver must not be the one to
    fail. Every record the purpose may use is read by status reasoning (its date).
    """
    with session_scope(engine) as session:
        withheld = json.loads(
            session.scalars(
                select(TargetingRun.withheld_sources).order_by(TargetingRun.started_at.desc())
            ).first()
            or "[]"
        )
        rows = session.execute(
            select(Member.person_id, Member.source, Member.record_id).order_by(
                Member.person_id, Member.source, Member.record_id
            )
        ).all()
    driver_reads = {*CLEARING_SOURCES, *withheld, "ssa_numident", "tips"}
    usable = [row for row in rows if row[1] not in driver_reads]
    usable.sort(key=lambda row: row[0] not in leads)  # a lead's person first
    assert usable, "no record to break in this world"
    person, source, record_id = usable[0]
    return person, source, record_id


def _set_payload(engine: Engine, source: str, record_id: str, payload: str) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Record)
            .where(Record.source == source, Record.record_id == record_id)
            .values(payload=payload)
        )
        session.commit()


def test_a_failing_evaluation_stops_the_run_and_stores_nothing(
    resolved: tuple[Engine, Path, str], spark: SparkSession, engines: pytest.MonkeyPatch
) -> None:
    engine, lake_dir, purpose = resolved
    _use(engines, "duckdb")
    _target(engine, lake_dir, purpose)
    leads = _lead_rows(engine)
    before = _stored_counts(engine)
    person, source, record_id = _breakable_record(engine, leads)
    with session_scope(engine) as session:
        payload = session.scalar(
            select(Record.payload).where(Record.source == source, Record.record_id == record_id)
        )
    assert payload is not None
    # A payload that is not an object: every read of one of its fields raises.
    _set_payload(engine, source, record_id, json.dumps(["not", "a", "record"]))
    try:
        for name in ("spark", "duckdb"):
            _use(engines, name)
            with pytest.raises(flows.TargetingError) as caught:
                _target(engine, lake_dir, purpose)
            message = str(caught.value)
            assert f"evaluating person {person} failed" in message, (name, message)
            assert "AttributeError" in message and "no lead was changed" in message
            assert _stored_counts(engine) == before
            assert _lead_rows(engine) == leads
    finally:
        _set_payload(engine, source, record_id, payload)


def _extra_batch(lake_dir: Path, source: str) -> tuple[str, str]:
    """Add a batch changing one record and withdrawing another; return their keys."""
    key = SOURCES[source].key or "record_id"
    current = lake.current(lake_dir, source)
    changed, withdrawn = current.get_column(key).sort().to_list()[:2]
    rows = lake.latest_rows(lake_dir, source, pl.Series([changed, withdrawn]))
    rows = rows.with_columns(
        (pl.col("_version") + 1).alias("_version"),
        pl.when(pl.col(key) == changed)
        .then(pl.lit("CHANGED"))
        .otherwise(pl.lit("WITHDRAWN"))
        .alias("_change"),
        pl.when(pl.col(key) == changed)
        .then(pl.lit("changed-by-test"))
        .otherwise(pl.col("_row_hash"))
        .alias("_row_hash"),
        pl.lit("spark-test").alias("_batch_id"),
        pl.lit(dt.datetime.now(dt.UTC)).cast(rows.schema["_ingested_at"]).alias("_ingested_at"),
    )
    lake.stage(lake_dir, source, "spark-test", rows)
    lake.publish(lake_dir, source, "spark-test")
    return changed, withdrawn


def test_spark_reads_the_same_current_records_as_duckdb(
    resolved: tuple[Engine, Path, str], spark: SparkSession, tmp_path: Path
) -> None:
    _, lake_dir, _ = resolved
    copy = tmp_path / "lake"
    shutil.copytree(lake_dir, copy)
    changed, withdrawn = _extra_batch(copy, "cbp_i94")
    compared: dict[str, dict[str, tuple[int, str]]] = {}
    for source, spec in SOURCES.items():
        key = spec.key or "record_id"
        duck = lake.current(copy, source)
        theirs = spark_lake.current(spark, copy, source)
        assert set(theirs.columns) == set(duck.columns), source
        rows = theirs.select(key, "_version", "_row_hash").collect()
        sparks = [(r[0], int(r[1]), r[2]) for r in rows]
        ours = list(zip(duck[key], duck["_version"], duck["_row_hash"], strict=True))
        # The same records, versions and rows, in the same order (by key).
        assert sparks == ours, source
        compared[source] = {k: (v, h) for k, v, h in sparks}
    assert sum(1 for rows in compared.values() if rows) >= 8
    i94 = compared["cbp_i94"]
    assert withdrawn not in i94
    assert i94[changed] == (2, "changed-by-test")
    assert "batch" not in spark_lake.current(spark, copy, "cbp_i94").columns
    with pytest.raises(KeyError, match="no source 'nope'"):
        spark_lake.versions(spark, copy, "nope")
    assert spark_lake.versions(spark, tmp_path / "no-lake", "cbp_i94") is None
    empty = spark_lake.current(spark, tmp_path / "no-lake", "cbp_i94")
    assert empty.columns == SOURCES["cbp_i94"].column_names


def test_a_spark_failure_is_told_by_its_python_error() -> None:
    failed = RuntimeError(
        "Job aborted due to stage failure: Task 1 failed: "
        "org.apache.spark.api.python.PythonException: Traceback (most recent call last):\n"
        '  File "batch.py", line 62, in __call__\n'
        "KeyError: 'x'\n\nThe above exception was the direct cause of the following:\n\n"
        "Traceback (most recent call last):\n"
        "immigrationos.targeting.batch.BatchError: evaluating person P1 failed: KeyError: 'x'\n"
        "\n\tat org.apache.spark.api.python.BasePythonRunner.handlePythonException\n"
        "Caused by: java.lang.IllegalStateException: later: not the error\n"
    )
    assert spark_targeting._reason(failed) == (
        "BatchError: evaluating person P1 failed: KeyError: 'x'"
    )
    lost = RuntimeError("Job aborted: executor 3 lost\nmore")
    assert spark_targeting._reason(lost) == "RuntimeError: Job aborted: executor 3 lost"
