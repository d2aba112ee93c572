"""Ingest: validation, quarantine, reconciliation, versions, snapshots, on both databases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from immigrationos.audit import service as audit_service
from immigrationos.db.engine import session_scope
from immigrationos.sources import flows, lake
from immigrationos.sources.contract import SOURCES
from immigrationos.sources.models import IngestBatch, IngestRun, QuarantinedRow

FOREIGN = Path(__file__).parent / "data" / "foreign_world"


def _ingest(folder: Path, engine: Engine, lake_dir: Path, **kw: object) -> flows.IngestReport:
    return flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="tester", **kw)  # type: ignore[arg-type]


def _copy_world(tmp_path: Path) -> Path:
    folder = tmp_path / "world"
    shutil.copytree(FOREIGN, folder, ignore=shutil.ignore_patterns("expected.json"))
    return folder


def test_foreign_world_accepts_exactly_the_valid_rows(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    expected = json.loads((FOREIGN / "expected.json").read_text())
    report = _ingest(_copy_world(tmp_path), engine, lake_dir)
    by_source = {s.source: s for s in report.sources}
    assert set(by_source) == set(SOURCES)
    with engine.connect() as conn:
        for name, exp in expected.items():
            s = by_source[name]
            assert s.accepted == exp["valid"], name
            assert s.quarantined == len(exp["quarantined"]), name
            assert s.rows_read == s.accepted + s.quarantined
            rows = conn.execute(
                select(
                    QuarantinedRow.line_number, QuarantinedRow.reason_code, QuarantinedRow.reason
                )
                .join(IngestBatch, IngestBatch.id == QuarantinedRow.batch_id)
                .where(IngestBatch.source == name)
            ).all()
            got = {str(line): code for line, code, _ in rows}
            assert got == exp["quarantined"], name
            assert all(reason for _, _, reason in rows)
            current = lake.current(lake_dir, name)
            assert current.height == exp["valid"], name


def test_typed_lake_rows_and_provenance(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    _ingest(_copy_world(tmp_path), engine, lake_dir)
    i94 = lake.current(lake_dir, "cbp_i94")
    assert i94.schema["event_date"] == pl.Date
    assert i94.schema["birth_date"] == pl.Date
    x2 = i94.filter(pl.col("record_id") == "X2").row(0, named=True)
    assert x2["admit_until"] == "D/S"
    assert x2["street"] == "12 OAK ST, APT 4"
    assert x2["_line_number"] == 3
    assert x2["_source_file"] == "cbp_i94.csv"
    assert x2["_version"] == 1 and x2["_change"] == "NEW"
    assert len(x2["_row_hash"]) == 32
    sar = (
        lake.current(lake_dir, "fincen_sar").filter(pl.col("record_id") == "F1").row(0, named=True)
    )
    assert sar["narrative"] == 'Cash deposits just under $10,000; "split" across branches'
    w2 = lake.current(lake_dir, "irs_w2")
    assert w2.schema["wages"] == pl.Decimal(20, 4)
    assert w2.schema["tax_year"] == pl.Int64
    eoir = lake.current(lake_dir, "eoir_cases")
    assert eoir.schema["in_absentia"] == pl.Boolean


def test_reingest_identical_is_a_noop(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    folder = _copy_world(tmp_path)
    _ingest(folder, engine, lake_dir)
    files_before = sorted(lake_dir.rglob("*.parquet"))
    with engine.connect() as conn:
        quarantined_before = conn.scalar(select(func.count()).select_from(QuarantinedRow))
    second = _ingest(folder, engine, lake_dir)
    assert {s.status for s in second.sources} == {"IDENTICAL"}
    assert sorted(lake_dir.rglob("*.parquet")) == files_before
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(QuarantinedRow)) == quarantined_before
    assert lake.current(lake_dir, "cbp_i94").height == 3


def test_same_rows_in_a_new_file_write_nothing(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    folder = _copy_world(tmp_path)
    _ingest(folder, engine, lake_dir)
    path = folder / "ssa_numident.csv"
    lines = path.read_text().splitlines()
    # same rows, another order and line ends: a different file, the same records
    path.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    report = _ingest(folder, engine, lake_dir, sources=["ssa_numident"])
    s = report.sources[0]
    assert s.status == "COMPLETED"
    assert (s.new, s.changed, s.unchanged) == (0, 0, 3)
    assert len(list((lake_dir / "ssa_numident").glob("batch=*"))) == 1


def test_changed_row_makes_a_new_version(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    folder = _copy_world(tmp_path)
    _ingest(folder, engine, lake_dir)
    path = folder / "ssa_numident.csv"
    path.write_text(path.read_text().replace("S2,223456789,WEI,,ZHANG", "S2,223456789,WEI,,CHANG"))
    report = _ingest(folder, engine, lake_dir, sources=["ssa_numident"])
    s = report.sources[0]
    assert (s.new, s.changed, s.unchanged) == (0, 1, 2)
    current = lake.current(lake_dir, "ssa_numident")
    assert current.height == 3
    s2 = current.filter(pl.col("record_id") == "S2").row(0, named=True)
    assert s2["family_name"] == "CHANG" and s2["_version"] == 2 and s2["_change"] == "CHANGED"
    versions = lake.history(lake_dir, "ssa_numident", "S2")
    assert versions.get_column("family_name").to_list() == ["ZHANG", "CHANG"]


def test_snapshot_withdraws_missing_records_without_deleting(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    folder = _copy_world(tmp_path)
    _ingest(folder, engine, lake_dir)
    path = folder / "ssa_numident.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("S1,")) + "\n")
    not_snapshot = _ingest(folder, engine, lake_dir, sources=["ssa_numident"])
    assert not_snapshot.sources[0].withdrawn == 0
    assert lake.current(lake_dir, "ssa_numident").height == 3
    report = _ingest(folder, engine, lake_dir, snapshot=True, sources=["ssa_numident"])
    assert report.sources[0].withdrawn == 1
    current = lake.current(lake_dir, "ssa_numident")
    assert sorted(current.get_column("record_id")) == ["S2", "S3"]
    history = lake.history(lake_dir, "ssa_numident", "S1")
    assert history.get_column("_change").to_list() == ["NEW", "WITHDRAWN"]
    assert history.get_column("family_name").to_list() == ["JONES", "JONES"]
    # the record comes back: reinstated as a new version
    path.write_text("\n".join(lines) + "\n")
    back = _ingest(folder, engine, lake_dir, snapshot=True, sources=["ssa_numident"])
    assert back.sources[0].changed == 1
    assert lake.history(lake_dir, "ssa_numident", "S1").get_column("_change").to_list() == [
        "NEW",
        "WITHDRAWN",
        "REINSTATED",
    ]


def test_snapshot_keeps_records_whose_row_is_quarantined(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    folder = _copy_world(tmp_path)
    _ingest(folder, engine, lake_dir)
    path = folder / "ssa_numident.csv"
    path.write_text(
        path.read_text().replace(
            "S1,123456789,MARY,ANN,JONES,1950-01-01", "S1,123456789,MARY,ANN,JONES,1950-13-01"
        )
    )
    report = _ingest(folder, engine, lake_dir, snapshot=True, sources=["ssa_numident"])
    assert report.sources[0].withdrawn == 0
    assert "S1" in lake.current(lake_dir, "ssa_numident").get_column("record_id").to_list()


def test_batches_record_who_and_when_and_reconcile(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    _ingest(_copy_world(tmp_path), engine, lake_dir)
    with engine.connect() as conn:
        batches = conn.execute(select(IngestBatch)).all()
        assert len(batches) == len(SOURCES)
        for (b,) in [(row,) for row in conn.execute(select(IngestBatch.__table__)).mappings()]:
            assert b["run_by"] == "tester"
            assert b["started_at"] is not None and b["finished_at"] is not None
            assert b["rows_read"] == b["rows_accepted"] + b["rows_quarantined"]
        run = conn.execute(select(IngestRun.status, IngestRun.run_by)).one()
        assert tuple(run) == ("COMPLETED", "tester")


def test_report_json(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    report = _ingest(_copy_world(tmp_path), engine, lake_dir)
    data = json.loads(report.to_json())
    tips = next(s for s in data["sources"] if s["source"] == "tips")
    assert tips["rows_read"] == 5 and tips["accepted"] == 2 and tips["quarantined"] == 3
    assert tips["quarantined_by_reason"] == {
        "DUPLICATE_RECORD_ID": 1,
        "MISSING_RECORD_ID": 1,
        "UNKNOWN_ENUM": 1,
    }
    assert data["totals"]["rows_read"] == data["totals"]["accepted"] + data["totals"]["quarantined"]


def test_failure_before_commit_leaves_nothing_half_written(
    engine: Engine, lake_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy_world(tmp_path)

    def explode(**_: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(flows.sources_service, "add_quarantine", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        _ingest(folder, engine, lake_dir, sources=["cbp_i94"])
    assert not list(lake_dir.rglob("*.parquet"))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(IngestBatch)) == 0
        assert conn.scalar(select(IngestRun.status)) == "FAILED"
    monkeypatch.undo()
    report = _ingest(folder, engine, lake_dir, sources=["cbp_i94"])
    assert report.sources[0].accepted == 3


def test_missing_required_column_quarantines_every_row(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "tips.csv").write_text(
        "record_id,received_date,channel,anonymous\nK1,2025-01-01,WEB,true\n"
    )
    report = _ingest(folder, engine, lake_dir)
    s = report.sources[0]
    assert (s.rows_read, s.accepted, s.quarantined) == (1, 0, 1)
    assert s.quarantined_by_reason == {"MISSING_COLUMN": 1}
    assert "allegation" in (s.note or "")


def test_empty_folder_is_a_clear_error(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(flows.IngestError, match="no contract source file"):
        _ingest(tmp_path, engine, lake_dir)
    with pytest.raises(flows.IngestError, match="is not a folder"):
        _ingest(tmp_path / "nope", engine, lake_dir)


def test_every_batch_is_in_the_audit_log(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    folder = _copy_world(tmp_path)
    first = _ingest(folder, engine, lake_dir)
    _ingest(folder, engine, lake_dir)  # identical: audited too
    with session_scope(engine) as session:
        events = audit_service.list_events(session=session, action="ingest.batch", limit=100)
        assert len(events) == 2 * len(SOURCES)
        assert {e.actor for e in events} == {"tester"}
        ids = {e.resource_id for e in events}
        assert {s.batch_id for s in first.sources} <= ids
        report = audit_service.verify(session=session)
        assert report.ok and report.events_checked == 2 * len(SOURCES)


def test_nul_bytes_are_quarantined_not_a_crash(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    """PostgreSQL text cannot hold NUL: a row with one is quarantined and its raw text kept."""
    folder = tmp_path / "w"
    folder.mkdir()
    header = (
        "record_id,received_date,channel,given_name,family_name,birth_date,street,city,"
        "state,zip,employer_name,allegation,anonymous\n"
    )
    (folder / "tips.csv").write_bytes(
        (
            header + "K1,2025-01-01,PHONE,,,,,,,,,Works\x00 nights,true\n"
            "K2,2025-01-02,WEB,JOSE,RAMIREZ,,,Dallas,TX,75201,ACME LLC,Cash jobs,false\n"
        ).encode()
    )
    report = _ingest(folder, engine, lake_dir)
    s = report.sources[0]
    assert (s.rows_read, s.accepted, s.quarantined) == (2, 1, 1)
    assert s.quarantined_by_reason == {"NUL_BYTE": 1}
    with engine.connect() as conn:
        raws = conn.execute(select(QuarantinedRow.raw_text, QuarantinedRow.reason)).all()
    for raw, reason in raws:
        assert "\x00" not in raw and "\x00" not in reason
    assert any("K1" in raw for raw, _ in raws), "the NUL row is quarantined, not dropped"
