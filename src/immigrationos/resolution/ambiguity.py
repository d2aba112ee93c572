"""Records that fit two people equally: left out of both rather than given to either.

A record without a birth date (a W-2, a currency report) is placed by its name and
address alone. Where two people of one name live at one address (a father and his son,
namesake cousins), it links to the records of both, about equally well; the greedy
clustering would give it to whichever link comes first, and half the time to the wrong
person. Such a record is *ambiguous*: before clustering, its links resting on no
identifier to records with a birth date are dropped unless the best of them outweighs
the best link to a clearly different birth date (``APART_YEARS`` or more apart, not a
day/month swap) by ``MARGIN`` bits. Its links through an identifier stay, so a W-2
whose SSN names its person still joins that person; the others stay on their own,
to be placed by a reviewer (the review queue) rather than by a coin.
"""

from __future__ import annotations

import duckdb

# Two birth dates this many years apart or more are two people, not one mistyped.
APART_YEARS = 2
# How much better (log2 odds) the best placement must be than the best rival one.
MARGIN = 4.0


def drop_ambiguous(con: duckdb.DuckDBPyConnection, scored: str, records: str) -> int:
    """Delete from ``scored`` the undated links of records that fit two people; return how many.

    Args:
        con: the DuckDB connection holding both tables.
        scored: links with ``rid_l, rid_r, adjusted_weight, identified`` (the engine's
            scored links at or above the threshold).
        records: the model input, ``unique_id`` (= rid) and ``birth_date``.
    """
    con.execute(
        f"""
        CREATE TEMP TABLE ambiguity_edges AS
        SELECT s.rid_l, s.rid_r, s.adjusted_weight AS w,
               CASE WHEN l.birth_date IS NULL THEN s.rid_l ELSE s.rid_r END AS undated,
               coalesce(l.birth_date, r.birth_date) AS dob
        FROM {scored} s
        JOIN {records} l ON l.unique_id = s.rid_l
        JOIN {records} r ON r.unique_id = s.rid_r
        WHERE NOT s.identified AND ((l.birth_date IS NULL) <> (r.birth_date IS NULL))
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE ambiguity_records AS
        WITH best AS (
            SELECT undated, arg_max(dob, w) AS top_dob, max(w) AS top_w
            FROM ambiguity_edges GROUP BY undated
        ),
        rival AS (
            SELECT e.undated, max(e.w) AS rival_w
            FROM ambiguity_edges e JOIN best b USING (undated)
            WHERE abs(year(e.dob) - year(b.top_dob)) >= {APART_YEARS}
              AND NOT (month(e.dob) = day(b.top_dob) AND day(e.dob) = month(b.top_dob)
                       AND year(e.dob) = year(b.top_dob))
            GROUP BY e.undated
        )
        SELECT undated FROM best JOIN rival USING (undated)
        WHERE top_w - rival_w < {MARGIN}
        """
    )
    dropped = con.execute(
        f"""
        DELETE FROM {scored} s USING ambiguity_edges e, ambiguity_records a
        WHERE e.undated = a.undated AND s.rid_l = e.rid_l AND s.rid_r = e.rid_r
        """
    ).fetchall()
    con.execute("DROP TABLE ambiguity_edges")
    con.execute("DROP TABLE ambiguity_records")
    return int(dropped[0][0]) if dropped else 0
