"""A record that fits two people equally is left out of both (``resolution.ambiguity``)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from immigrationos.resolution.ambiguity import MARGIN, drop_ambiguous

FATHER, SON = dt.date(1950, 1, 1), dt.date(1988, 7, 7)


def scored(rows: list[tuple[int, int, float, bool]]) -> duckdb.DuckDBPyConnection:
    """Return a connection with ``records`` (0: no birth date) and ``scored`` links."""
    con = duckdb.connect()
    con.execute("CREATE TABLE records (unique_id BIGINT, birth_date DATE)")
    con.executemany(
        "INSERT INTO records VALUES (?, ?)",
        [(0, None), (1, FATHER), (2, SON), (3, dt.date(1950, 1, 1)), (4, dt.date(1950, 7, 1))],
    )
    con.execute(
        "CREATE TABLE scored (rid_l BIGINT, rid_r BIGINT, adjusted_weight DOUBLE,"
        " identified BOOLEAN)"
    )
    con.executemany("INSERT INTO scored VALUES (?, ?, ?, ?)", rows)
    return con


def links(con: duckdb.DuckDBPyConnection) -> set[tuple[int, int]]:
    """Return the links left."""
    return {(a, b) for a, b in con.execute("SELECT rid_l, rid_r FROM scored").fetchall()}


def test_a_w2_fitting_father_and_son_alike_goes_to_neither() -> None:
    con = scored([(0, 1, 10.0, False), (0, 2, 9.0, False), (1, 3, 20.0, False)])
    assert drop_ambiguous(con, "scored", "records") == 2
    assert links(con) == {(1, 3)}


def test_a_clearly_better_fit_keeps_its_link() -> None:
    con = scored([(0, 1, 9.0 + MARGIN + 0.5, False), (0, 2, 9.0, False)])
    assert drop_ambiguous(con, "scored", "records") == 0
    assert links(con) == {(0, 1), (0, 2)}


@pytest.mark.parametrize("other", [3, 4])
def test_dates_of_one_person_are_no_rival(other: int) -> None:
    # 1950-01-01 again, or the same year: one person's date (written twice or mistyped).
    con = scored([(0, 1, 10.0, False), (0, other, 10.0, False)])
    assert drop_ambiguous(con, "scored", "records") == 0


def test_links_through_an_identifier_are_kept() -> None:
    con = scored([(0, 1, 10.0, True), (0, 2, 9.0, False)])
    assert drop_ambiguous(con, "scored", "records") == 0
    assert links(con) == {(0, 1), (0, 2)}
