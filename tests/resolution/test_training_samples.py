"""The training samples are drawn by a hash of the record id: the same on every run and engine."""

from __future__ import annotations

import duckdb
import pytest

from immigrationos.resolution import comparisons
from immigrationos.resolution.training import SAMPLE_PREFIX, UNSEEN_BOUND, sample_table, unseen_u

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


def _levels(name: str, **known: float) -> list[dict[str, object]]:
    """A model's levels of one comparison: ``known`` u per label, the rest unobserved."""
    levels, _ = comparisons.COMPARISONS[name]
    out: list[dict[str, object]] = []
    for condition in levels:
        if condition.label == comparisons.MISSING:
            out.append({"label_for_charts": condition.label, "is_null_level": True})
            continue
        level: dict[str, object] = {"label_for_charts": condition.label, "m_probability": 0.5}
        if condition.label in known:
            level["u_probability"] = known[condition.label]
        out.append(level)
    return out


def test_a_level_no_sampled_pair_reached_gets_the_rule_of_three_bound() -> None:
    con = duckdb.connect()
    # 60 records with A-numbers (1,770 pairs, no two alike, none a typo apart), 20 without.
    con.execute(
        "CREATE TABLE s AS SELECT range AS unique_id,"
        " CASE WHEN range < 60 THEN 'A' || (100000000 + range * 7919)::VARCHAR END AS a_number"
        " FROM range(80)"
    )
    model = {
        "comparisons": [
            {"output_column_name": "a_number", "comparison_levels": _levels("a_number", DIFFERENT=1.0)},
            {"output_column_name": "passport", "comparison_levels": [
                *_levels("passport", DIFFERENT=1.0)[:1],
                {"label_for_charts": "EXACT", "fix_u_probability": True, "u_probability": 0.2},
                *_levels("passport", DIFFERENT=1.0)[2:],
            ]},
        ]
    }  # fmt: skip
    con.execute("ALTER TABLE s ADD COLUMN passport VARCHAR")
    found = unseen_u(con, "s", model)
    pairs = 60 * 59 // 2
    bound = UNSEEN_BOUND / pairs
    a_levels = {lv["label_for_charts"]: lv for lv in model["comparisons"][0]["comparison_levels"]}
    assert a_levels["EXACT"]["u_probability"] == pytest.approx(bound)
    assert a_levels["DIFFERENT"]["u_probability"] == 1.0  # measured: kept
    assert "u_probability" not in a_levels[comparisons.MISSING]
    assert ("a_number", "EXACT") in found
    # No passport on both sides of any pair: nothing to bound, nothing set.
    p_levels = {lv["label_for_charts"]: lv for lv in model["comparisons"][1]["comparison_levels"]}
    assert p_levels["EXACT"]["u_probability"] == 0.2
    assert not any(name == "passport" for name, _ in found)


def test_a_level_some_sampled_pair_reached_is_not_bounded() -> None:
    con = duckdb.connect()
    # Two of the 60 records share an A-number: the EXACT level was seen (Splink's u holds).
    con.execute(
        "CREATE TABLE s AS SELECT range AS unique_id,"
        " 'A' || (100000000 + (CASE WHEN range = 1 THEN 0 ELSE range END) * 7919)::VARCHAR"
        " AS a_number FROM range(60)"
    )
    model = {"comparisons": [
        {"output_column_name": "a_number", "comparison_levels": _levels("a_number", DIFFERENT=1.0)}
    ]}  # fmt: skip
    found = unseen_u(con, "s", model)
    levels = {lv["label_for_charts"]: lv for lv in model["comparisons"][0]["comparison_levels"]}
    assert "u_probability" not in levels["EXACT"]
    assert ("a_number", "EXACT") not in found
