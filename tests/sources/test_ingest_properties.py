"""Property tests: any mix of valid and malformed rows reconciles, and nothing duplicates."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from audit_guard import empty_database
from immigrationos.sources import flows, lake
from immigrationos.sources.contract import SOURCES, Column, Kind
from immigrationos.sources.models import QuarantinedRow

SOURCE = SOURCES["uscis_benefits"]

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
name_text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ '-,\"", min_size=1, max_size=15).filter(
    lambda s: s.strip() != ""
)


def _valid(column: Column) -> st.SearchStrategy[str]:
    kind = column.kind
    if kind is Kind.DATE:
        return st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10)
    if kind is Kind.ENUM or kind is Kind.SEX:
        return st.sampled_from(column.values)
    if kind is Kind.RECEIPT_NUMBER:
        return st.from_regex(r"\A[A-Z]{3}[0-9]{10}\Z")
    if kind is Kind.A_NUMBER:
        return st.from_regex(r"\AA[0-9]{9}\Z")
    if kind is Kind.COUNTRY:
        return st.sampled_from(["MEX", "GTM", "IND", "USA", "CHN", "VNM", "HTI", "NGA"])
    if kind is Kind.STATE:
        return st.sampled_from(["CA", "TX", "NY", "PR", "DC"])
    if kind is Kind.ZIP:
        return st.from_regex(r"\A[0-9]{5}\Z")
    return name_text


MALFORMED = {
    "BAD_DATE": (
        "filed_date",
        st.sampled_from(["2023-02-30", "13/05/1990", "2023-1-5", "yesterday"]),
    ),
    "UNKNOWN_ENUM": ("form_type", st.sampled_from(["I-999", "i-485", "N400"])),
    "BAD_FORMAT": (
        "receipt_number",
        st.sampled_from(["IOE-123", "1234567890123", "AB12345678901"]),
    ),
    "BAD_COUNTRY": ("country_of_birth", st.sampled_from(["MX", "XYZ1", "Mexico"])),
    "MISSING_REQUIRED": ("given_name", st.just("")),
}


@st.composite
def delivery(draw: st.DrawFn) -> tuple[list[list[str]], dict[int, str]]:
    """Rows of the file and, for each malformed row's index, its expected reason code."""
    n = draw(st.integers(min_value=0, max_value=25))
    rows: list[list[str]] = []
    expected: dict[int, str] = {}
    for i in range(n):
        row = [
            f"R{i}" if c.name == "record_id" else
            (draw(st.one_of(st.just(""), _valid(c))) if c.optional else draw(_valid(c)))
            for c in SOURCE.columns
        ]  # fmt: skip
        fault = draw(
            st.sampled_from(
                [
                    None,
                    None,
                    *MALFORMED,
                    "MISSING_RECORD_ID",
                    "WRONG_FIELD_COUNT",
                    "DUPLICATE_RECORD_ID",
                ]
            )
        )
        if fault in MALFORMED:
            column, values = MALFORMED[fault]
            row[SOURCE.column_names.index(column)] = draw(values)
        elif fault == "MISSING_RECORD_ID":
            row[0] = ""
        elif fault == "WRONG_FIELD_COUNT":
            row = [*row, "extra"] if draw(st.booleans()) else row[:-1]
        elif fault == "DUPLICATE_RECORD_ID":
            # a duplicate of a row whose id could be read (well-shaped, id present)
            seen = [
                j
                for j in range(i)
                if expected.get(j)
                not in ("MISSING_RECORD_ID", "WRONG_FIELD_COUNT", "DUPLICATE_RECORD_ID")
            ]
            if seen:
                row[0] = f"R{draw(st.sampled_from(seen))}"
            else:
                fault = None
        if fault is not None:
            expected[i] = fault
        rows.append(row)
    return rows, expected


def _write(folder: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SOURCE.column_names)
    writer.writerows(rows)
    (folder / SOURCE.file_name).write_text(buffer.getvalue(), encoding="utf-8")


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=delivery())
def test_malformed_rows_are_quarantined_and_counts_reconcile(
    engine: Engine, data: tuple[list[list[str]], dict[int, str]]
) -> None:
    rows, expected = data
    empty_database(engine)  # each example starts from an empty database
    with tempfile.TemporaryDirectory() as tmp:
        folder, lake_dir = Path(tmp) / "in", Path(tmp) / "lake"
        folder.mkdir()
        _write(folder, rows)
        report = flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="prop")
        s = report.sources[0]
        assert s.rows_read == len(rows) == s.accepted + s.quarantined
        with engine.connect() as conn:
            held = conn.execute(
                select(
                    QuarantinedRow.line_number, QuarantinedRow.reason_code, QuarantinedRow.reason
                ).where(QuarantinedRow.batch_id == s.batch_id)
            ).all()
        # a duplicate of a row that is itself malformed is still a duplicate; everything
        # expected to be held is held, with a reason, and nothing valid is held
        got = {line - 2: code for line, code, _ in held}
        assert set(got) == set(expected)
        mismatched = {i: (c, got[i]) for i, c in expected.items() if got[i] != c}
        assert not mismatched, (mismatched, held)
        assert all(reason.strip() for _, _, reason in held)
        accepted = lake.current(lake_dir, SOURCE.name)
        assert accepted.height == s.accepted
        # re-ingesting never duplicates
        again = flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="prop")
        assert again.sources[0].status == "IDENTICAL"
        assert lake.current(lake_dir, SOURCE.name).height == s.accepted
        if accepted.height:
            assert accepted.get_column("record_id").n_unique() == accepted.height
            assert accepted.schema["filed_date"] == pl.Date
        with engine.connect() as conn:
            assert (
                conn.scalar(
                    select(func.count())
                    .select_from(QuarantinedRow)
                    .where(QuarantinedRow.batch_id == again.sources[0].batch_id)
                )
                == 0
            )
