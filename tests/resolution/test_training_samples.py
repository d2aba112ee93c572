"""The training samples are drawn by a hash of the record id: the same on every run and engine."""

from __future__ import annotations

import duckdb
import pytest

from immigrationos.resolution.training import SAMPLE_PREFIX, sample_table

RECORDS = 20_000


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE records AS SELECT range AS unique_id, 'x' || range AS name"
        f" FROM range({RECORDS})"
    )
    return con


def _ids(con: duckdb.DuckDBPyConnection, table: str) -> set[int]:
    return {row[0] for row in con.execute(f"SELECT unique_id FROM {table}").fetchall()}


def test_a_sample_is_a_fixed_share_of_the_records(con: duckdb.DuckDBPyConnection) -> None:
    name = sample_table(con, "records", "u", 0.1, "u:42")
    assert name == f"{SAMPLE_PREFIX}u"
    drawn = _ids(con, name)
    # A binomial draw of 20,000 at 0.1: 2,000 ± 6 standard deviations (42).
    assert abs(len(drawn) - RECORDS * 0.1) < 6 * (RECORDS * 0.1 * 0.9) ** 0.5
    # Whole records: the sample keeps every column.
    assert con.execute(f"SELECT count(*) FROM {name} WHERE name IS NULL").fetchall() == [(0,)]


def test_a_sample_is_the_same_on_every_draw_and_in_another_connection(
    con: duckdb.DuckDBPyConnection,
) -> None:
    first = _ids(con, sample_table(con, "records", "u", 0.05, "u:42"))
    again = _ids(con, sample_table(con, "records", "u", 0.05, "u:42"))
    other = duckdb.connect()
    other.execute(f"CREATE TABLE records AS SELECT range AS unique_id FROM range({RECORDS})")
    elsewhere = _ids(other, sample_table(other, "records", "u", 0.05, "u:42"))
    assert first == again == elsewhere


def test_a_larger_share_holds_the_smaller_and_another_salt_draws_others(
    con: duckdb.DuckDBPyConnection,
) -> None:
    small = _ids(con, sample_table(con, "records", "a", 0.05, "em:42"))
    large = _ids(con, sample_table(con, "records", "b", 0.2, "em:42"))
    salted = _ids(con, sample_table(con, "records", "c", 0.05, "em:7"))
    assert small < large
    # Two independent 5 % samples share about 0.25 % of the records, not most of them.
    assert len(small & salted) < len(small) / 4


def test_a_share_of_one_or_more_keeps_every_record(con: duckdb.DuckDBPyConnection) -> None:
    assert len(_ids(con, sample_table(con, "records", "all", 1.5, "u:1"))) == RECORDS
