"""The record index at ingest: rows, versions, keys, withdrawals, failures, reindex; both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from immigrationos.db.engine import session_scope
from immigrationos.records import bulk, service
from immigrationos.records import flows as records_flows
from immigrationos.records.models import Record, RecordKey, RecordVersion
from immigrationos.sources import lake
from immigrationos.sources.contract import PERSON_SOURCES
from immigrationos.sources.models import IngestBatch, IngestRun

from .conftest import copy_foreign, ingest


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.scalar(select(func.count()).select_from(t))
            for t in (Record.__table__, RecordVersion.__table__, RecordKey.__table__)
        )


def _keys_of(engine: Engine, source: str, record_id: str) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(RecordKey.kind, RecordKey.value)
            .join(Record, Record.id == RecordKey.record_pk)
            .where(Record.source == source, Record.record_id == record_id)
        ).all()
    return {(k, v) for k, v in rows}


def _snapshot(engine: Engine) -> tuple[set[tuple], set[tuple], set[tuple]]:
    """Return the index's rows without surrogate ids, for comparing two builds."""
    with engine.connect() as conn:
        records = {
            tuple(r)
            for r in conn.execute(select(*[c for c in Record.__table__.c if c.name != "id"]))
        }
        versions = {tuple(r) for r in conn.execute(select(RecordVersion.__table__))}
        keys = {
            tuple(r)
            for r in conn.execute(
                select(Record.source, Record.record_id, RecordKey.kind, RecordKey.value).join(
                    Record, Record.id == RecordKey.record_pk
                )
            )
        }
    return records, versions, keys


def test_ingest_indexes_every_person_record(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    ingest(copy_foreign(tmp_path), engine, lake_dir)
    with session_scope(engine) as session:
        for source in PERSON_SOURCES:
            expected = lake.current(lake_dir, source).height
            assert service.count_records(session=session, source=source) == expected, source
        # aggregates, not persons: never indexed
        assert service.count_records(session=session, source="census_tracts") == 0
        s1 = service.get_record(session=session, source="ssa_numident", record_id="S1")
        assert s1 is not None
        assert (s1.version, s1.change, s1.withdrawn) == (1, "NEW", False)
        assert s1.display_name == "MARY ANN JONES" and s1.sex == "F"
        assert s1.birth_date is not None and s1.birth_date.isoformat() == "1950-01-01"
        assert s1.payload["ssn"] == "123456789" and s1.payload["death_date"] == "2020-05-05"
        assert s1.ingested_at.tzinfo is not None
        itin = service.get_record(session=session, source="irs_itin", record_id="T1")
        assert itin is not None
        assert (itin.state, itin.zip, itin.field_office) == ("TX", "75201", "Dallas Field Office")
        arrest = service.get_record(session=session, source="enforcement_events", record_id="N1")
        assert arrest is not None
        assert (arrest.state, arrest.field_office) == ("TX", "San Antonio Field Office")
        court = service.get_record(session=session, source="eoir_cases", record_id="E1")
        assert court is not None and court.field_office is None
        versions = service.list_versions(session=session, source="ssa_numident", record_id="S1")
        assert [(v.version, v.change, v.line_number) for v in versions] == [(1, "NEW", 2)]
        assert versions[0].source_file == "ssa_numident.csv" and len(versions[0].row_hash) == 32
    records, version_rows, _ = _counts(engine)
    assert version_rows == records
    assert ("SSN", "123456789") in _keys_of(engine, "ssa_numident", "S1")
    assert ("ITIN", "912345678") in _keys_of(engine, "irs_w2", "W2")
    assert ("SSN", "123456789") in _keys_of(engine, "irs_w2", "W1")
    assert ("LICENSE", "D123") in _keys_of(engine, "fincen_ctr", "R1")
    assert ("A_NUMBER", "A123456789") in _keys_of(engine, "eoir_cases", "E1")


def test_identical_reingest_adds_nothing(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    folder = copy_foreign(tmp_path)
    ingest(folder, engine, lake_dir)
    before = _snapshot(engine)
    ingest(folder, engine, lake_dir)  # the same files: IDENTICAL batches
    path = folder / "ssa_numident.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")  # same rows, new file
    ingest(folder, engine, lake_dir, sources=["ssa_numident"])
    assert _snapshot(engine) == before


def test_changed_row_makes_version_two_and_replaces_keys(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    folder = copy_foreign(tmp_path)
    ingest(folder, engine, lake_dir)
    old_keys = _keys_of(engine, "ssa_numident", "S2")
    path = folder / "ssa_numident.csv"
    changed = path.read_text().replace("S2,223456789,WEI,,ZHANG", "S2,223456789,WEI,,CHANG")
    path.write_text(changed + "S9,923456789,LIN,,WU,1999-01-01,F,CHN,,2020-01-01,\n")
    ingest(folder, engine, lake_dir, sources=["ssa_numident"])
    with session_scope(engine) as session:
        new = service.get_record(session=session, source="ssa_numident", record_id="S9")
        assert new is not None and (new.version, new.change) == (1, "NEW")
        assert [h.record_id for h in service.search(session=session, name="LIN WU")] == ["S9"]
        row = service.get_record(session=session, source="ssa_numident", record_id="S2")
        assert row is not None
        assert (row.version, row.change, row.display_name) == (2, "CHANGED", "WEI CHANG")
        versions = service.list_versions(session=session, source="ssa_numident", record_id="S2")
        assert [v.version for v in versions] == [1, 2]
        assert [v.payload["family_name"] for v in versions] == ["ZHANG", "CHANG"]
        assert versions[0].batch_id != versions[1].batch_id
        found = {(h.source, h.record_id) for h in service.search(session=session, name="WEI CHANG")}
        assert ("ssa_numident", "S2") in found
        old = {(h.source, h.record_id) for h in service.search(session=session, name="WEI ZHANG")}
        assert ("cbp_i94", "X2") in old and ("ssa_numident", "S2") not in old
    new_keys = _keys_of(engine, "ssa_numident", "S2")
    assert ("SSN", "223456789") in new_keys
    assert {k for k in old_keys if k[0] == "NAME"}.isdisjoint(new_keys)


def test_snapshot_withdrawal_flags_and_hides_until_reinstated(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    folder = copy_foreign(tmp_path)
    ingest(folder, engine, lake_dir)
    path = folder / "ssa_numident.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("S1,")) + "\n")
    ingest(folder, engine, lake_dir, snapshot=True, sources=["ssa_numident"])
    s1 = ("ssa_numident", "S1")
    with session_scope(engine) as session:
        row = service.get_record(session=session, source="ssa_numident", record_id="S1")
        assert row is not None and row.withdrawn and (row.version, row.change) == (2, "WITHDRAWN")
        assert row.payload["family_name"] == "JONES"  # the withdrawal copies the last version
        hidden = service.search(session=session, name="MARY JONES")
        assert s1 not in {(h.source, h.record_id) for h in hidden}
        assert s1 not in {
            (h.source, h.record_id) for h in service.search(session=session, identifier="123456789")
        }
        shown = service.search(session=session, name="MARY JONES", include_withdrawn=True)
        assert s1 in {(h.source, h.record_id) for h in shown}
        assert service.count_records(session=session, source="ssa_numident") == 3
        assert (
            service.count_records(session=session, source="ssa_numident", include_withdrawn=False)
            == 2
        )
    path.write_text("\n".join(lines) + "\n")
    ingest(folder, engine, lake_dir, snapshot=True, sources=["ssa_numident"])
    with session_scope(engine) as session:
        row = service.get_record(session=session, source="ssa_numident", record_id="S1")
        assert row is not None and not row.withdrawn and row.change == "REINSTATED"
        changes = service.list_versions(session=session, source="ssa_numident", record_id="S1")
        assert [v.change for v in changes] == ["NEW", "WITHDRAWN", "REINSTATED"]
        back = service.search(session=session, name="MARY JONES")
        assert s1 in {(h.source, h.record_id) for h in back}


def test_failed_indexing_leaves_no_batch_and_no_lake_batch(
    engine: Engine, lake_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_foreign(tmp_path)
    real_append = bulk.Loader.append

    def failing_append(self: bulk.Loader, table: str, *args: object) -> None:
        if table == "record_keys":
            raise RuntimeError("index disk full")
        real_append(self, table, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk.Loader, "append", failing_append)
    with pytest.raises(RuntimeError, match="index disk full"):
        ingest(folder, engine, lake_dir, sources=["ssa_numident"])
    assert not list(lake_dir.rglob("*.parquet"))
    assert lake.staged_batches(lake_dir) == []
    assert _counts(engine) == (0, 0, 0)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(IngestBatch)) == 0
        assert conn.scalar(select(IngestRun.status)) == "FAILED"
    monkeypatch.undo()
    ingest(folder, engine, lake_dir, sources=["ssa_numident"])
    assert _counts(engine)[0] == 3


def test_reindex_from_the_lake_equals_the_index_built_at_ingest(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    folder = copy_foreign(tmp_path)
    ingest(folder, engine, lake_dir)
    path = folder / "ssa_numident.csv"
    original = path.read_text()
    path.write_text(original.replace("S2,223456789,WEI,,ZHANG", "S2,223456789,WEI,,CHANG"))
    ingest(folder, engine, lake_dir, sources=["ssa_numident"])
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("S3,")) + "\n")
    ingest(folder, engine, lake_dir, snapshot=True, sources=["ssa_numident"])
    built = _snapshot(engine)
    steps: list[str] = []
    report = records_flows.reindex(
        engine, lake_dir, lambda source, done, total: steps.append(source), run_by="tester"
    )
    assert _snapshot(engine) == built
    assert report.totals["records"] == len(built[0])
    assert report.totals["versions"] == len(built[1])
    assert report.totals["keys"] == len(built[2])
    assert steps[-1] == "done" and "census_tracts" not in steps
    records_flows.reindex(engine, lake_dir, run_by="tester")  # again: the same
    assert _snapshot(engine) == built
    records_flows.vacuum(engine)  # after a large load (no-op on SQLite)
    assert _snapshot(engine) == built


def test_control_characters_in_accepted_values_are_indexed(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    """A control character is indexed as a space; a NUL byte keeps its row out (quarantined)."""
    folder = tmp_path / "nul"
    folder.mkdir()
    (folder / "ssa_numident.csv").write_bytes(
        b"record_id,ssn,given_name,middle_name,family_name,birth_date,sex,birth_place,"
        b"citizenship_code,issue_date,death_date\n"
        b"S1,123456789,MA\x02RY,,JO\x01NES,1950-01-01,F,OH,A,1966-01-01,\n"
        b"S2,223456789,AN\x00NA,,SMITH,1950-01-01,F,OH,A,1966-01-01,\n"
    )
    ingest(folder, engine, lake_dir)
    with session_scope(engine) as session:
        row = service.get_record(session=session, source="ssa_numident", record_id="S1")
        assert row is not None and row.display_name == "MA RY JO NES"
        assert row.payload["given_name"] == "MA\x02RY"  # the payload keeps what was written
        assert [h.record_id for h in service.search(session=session, identifier="123456789")] == [
            "S1"
        ]
        assert service.get_record(session=session, source="ssa_numident", record_id="S2") is None
