"""What tells a worker's W-2s under a citizen's SSN from the citizen's own? (issue 4)

Issue 4 asks for zero clusters joining a US citizen with a person who has a violation.
After resolution most such clusters that remain (``bench/resolution.py``, *by wages*)
hold the violator only by W-2s drawn under the citizen's SSN and name. This benchmark
asks whether any evidence in the records would set those W-2s apart, and at what cost.

For one cached world (``bench/resolution.py``'s cache; generated and ingested there on
first use), it resolves the records with the production engine, takes every W-2 that
the engine put in the person of its SSN's Numident holder, and labels it from the truth:
the holder's own wages, or another person's. For each candidate rule it counts how many
of each the rule would set apart, and how many citizen-violation clusters it would undo
(every record of the violator in the cluster a W-2 the rule sets apart):

- *by_state*: no other record of the person (any source but W-2s and tips) gives an address
  in the W-2's state;
- *by_zip*: none gives the W-2's ZIP;
- *by_street*: none gives the W-2's street and ZIP;
- *no_address*: the person has no other record with an address at all (nothing to compare);
- *under_16*: the holder (Numident birth date) was under 16 in the tax year;
- *after_death*: the tax year is after the year of death on the holder's Numident.

A rule worth adding sets apart many other persons' W-2s and few of the holder's own: a
holder's own W-2 set apart is a true link lost (recall), and a person whose wages are
cut off their identity is a person the targeting stage may misjudge. Measures, never
asserts.

    .venv/bin/python bench/wage_links.py --persons 100000 --seeds 101 606
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.resolution import metrics
from immigrationos.resolution.engine import resolve_frame
from machine import header
from resolution import world_dataset

W2, NUMIDENT = "irs_w2", "ssa_numident"
NOT_RESIDENCE = ("irs_w2", "tips")
RULES = ("by_state", "by_zip", "by_street", "no_address", "under_16", "after_death")


def _numident(lake_dir: Path) -> pl.DataFrame:
    """Return ``ssn, holder_birth, holder_death`` from the lake's Numident records."""
    return pl.read_parquet(str(lake_dir / NUMIDENT / "*" / "*.parquet")).select(
        "ssn",
        pl.col("birth_date").cast(pl.Date).alias("holder_birth"),
        pl.col("death_date").cast(pl.Date).alias("holder_death"),
    )


def wage_rules(
    frame: pl.DataFrame,
    clusters: pl.DataFrame,
    truth: pl.DataFrame,
    persons: pl.DataFrame,
    numident: pl.DataFrame,
) -> pl.DataFrame:
    """Return one row per rule: the holder's own and others' W-2s set apart, clusters undone."""
    lab = metrics.labelled(clusters, truth).join(
        frame.select("unique_id", "source", "ssn", "state", "zip", "street", "event_date"),
        on="unique_id",
    )
    holders = lab.filter(pl.col("source") == NUMIDENT).select(
        "ssn", "cluster_id", pl.col("person_id").alias("holder")
    )
    w2 = (
        lab.filter(pl.col("source") == W2, pl.col("ssn").is_not_null())
        .join(holders, on=["ssn", "cluster_id"])
        .join(numident.unique("ssn"), on="ssn", how="left")
        .with_columns(
            own=pl.col("person_id") == pl.col("holder"),
            year=pl.col("event_date").dt.year(),
        )
    )
    other = lab.filter(
        ~pl.col("source").is_in(NOT_RESIDENCE), pl.col("state").is_not_null()
    ).select("cluster_id", pl.col("state").alias("o_state"), pl.col("zip").alias("o_zip"),
             pl.col("street").alias("o_street"))  # fmt: skip
    seen = (
        w2.select("unique_id", "cluster_id", "state", "zip", "street")
        .join(other, on="cluster_id", how="left")
        .group_by("unique_id")
        .agg(
            no_address=pl.col("o_state").is_null().all(),
            by_state=~(pl.col("o_state") == pl.col("state")).fill_null(False).any(),
            by_zip=~(pl.col("o_zip") == pl.col("zip")).fill_null(False).any(),
            by_street=~(
                (pl.col("o_zip") == pl.col("zip")) & (pl.col("o_street") == pl.col("street"))
            )
            .fill_null(False)
            .any(),
        )
    )
    w2 = w2.join(seen, on="unique_id").with_columns(
        under_16=(pl.col("year") - pl.col("holder_birth").dt.year() < 16).fill_null(False),
        after_death=(pl.col("year") > pl.col("holder_death").dt.year()).fill_null(False),
    )
    members = metrics.labelled_status(clusters, truth, persons)
    bad = metrics.citizen_violation_clusters(members)
    violators = members.filter(
        pl.col("cluster_id").is_in(bad.implode()), pl.col("violator"), ~pl.col("citizen")
    ).join(w2.select("unique_id", *RULES), on="unique_id", how="left")
    rows = [
        {
            "rule": "(citizen-violation clusters now)",
            "own W-2s set apart": 0,
            "others' W-2s set apart": 0,
            "clusters undone": 0,
            "of clusters": bad.len(),
        }
    ]
    for rule in RULES:
        undone = (
            violators.group_by("cluster_id")
            .agg(pl.col(rule).fill_null(False).all())
            .filter(pl.col(rule))
            .height
        )
        rows.append(
            {
                "rule": rule,
                "own W-2s set apart": w2.filter(pl.col(rule) & pl.col("own")).height,
                "others' W-2s set apart": w2.filter(pl.col(rule) & ~pl.col("own")).height,
                "clusters undone": undone,
                "of clusters": bad.len(),
            }
        )
    print(
        f"  W-2s in their SSN holder's person: {w2.height:,} "
        f"({w2.filter('own').height:,} the holder's own, {w2.filter(~pl.col('own')).height:,} "
        "another person's)"
    )
    return pl.DataFrame(rows)


def main() -> None:
    """Resolve each world and print what each rule would set apart."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[101])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-resolution"))
    args = parser.parse_args()
    header("W-2s under a holder's SSN: what sets them apart (issue 4)")
    for seed in args.seeds:
        data = world_dataset(args.persons, seed, args.cache)
        assert data.persons is not None
        clusters = resolve_frame(data.frame).clusters
        lake_dir = args.cache / f"world-{args.persons}-{seed}" / "lake"
        table = wage_rules(data.frame, clusters, data.truth, data.persons, _numident(lake_dir))
        print(f"\n{data.name}")
        print("| rule | holder's own W-2s set apart | others' W-2s set apart | clusters undone |")
        print("|---|---:|---:|---:|")
        for rule, own, others, undone, of in table.iter_rows():
            print(f"| {rule} | {own:,} | {others:,} | {undone:,} of {of:,} |")


if __name__ == "__main__":
    main()
