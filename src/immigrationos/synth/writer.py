"""Writing a world: source CSV files (with noise and malformed rows), census tracts, truth."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl

from immigrationos.sources.contract import SOURCES, TRUTH_RECORD_COLUMNS
from immigrationos.synth.geo import STATE_FIPS, Geography
from immigrationos.synth.malformed import interleave, make_malformed
from immigrationos.synth.noise import apply_noise
from immigrationos.synth.records import NOBODY, RECORD_PREFIX, RecordStore


def person_id(pid: int) -> str:
    """Return the truth person_id of person number ``pid``."""
    return f"P{pid + 1:07d}"


def write_csv(df: pl.DataFrame, path: Path, extra: list[tuple[int, str]] | None = None) -> None:
    """Write ``df`` as contract CSV, with ``extra`` raw lines interleaved if given."""
    if not extra:
        df.write_csv(path, line_terminator="\n", quote_style="necessary")
        return
    text = df.write_csv(line_terminator="\n", quote_style="necessary")
    lines = text.split("\n")
    header, body = lines[0], [x for x in lines[1:] if x != ""]
    # Valid rows never contain line breaks, so splitting on \n is exact.
    out = [header, *interleave(body, extra)]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_source(
    source: str,
    store: RecordStore,
    out_dir: Path,
    rng: np.random.Generator,
    rnd: random.Random,
    malformed_rate: float,
    scales: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[int, Counter[str], list[str], list[int]]:
    """Write one source file; return rows written, malformed kinds, record ids, persons.

    ``scales`` are the per-person noise multipliers of ``noise.person_scales``.
    """
    spec = SOURCES[source]
    columns = store.columns[source]
    rows = store.rows[source]
    pids_all = store.pids[source]
    order = rng.permutation(len(rows)) if rows else np.empty(0, dtype=np.int64)
    prefix = RECORD_PREFIX[source]
    record_ids = [f"{prefix}{i + 1:09d}" for i in range(len(rows))]
    data: dict[str, list[object]] = {"record_id": list(record_ids)}
    if rows:
        transposed = list(zip(*(rows[i] for i in order), strict=True))
        for name, values in zip(columns, transposed, strict=True):
            data[name] = list(values)
    else:
        for name in columns:
            data[name] = []
    row_scale = row_order = None
    if scales is not None and rows:
        pid = np.asarray(pids_all, dtype=np.int64)[order]
        known = pid >= 0
        safe = np.where(known, pid, 0)
        row_scale = np.where(known, scales[0][safe], 1.0)
        row_order = np.where(known, scales[1][safe], 1.0)
    apply_noise(source, data, rng, rnd, row_scale, row_order)
    written = {c: data[c] for c in spec.column_names}
    df = pl.DataFrame(written, schema=dict.fromkeys(spec.column_names, pl.Utf8))
    n_bad = 0
    if malformed_rate > 0 and len(df):
        n_bad = round(malformed_rate * len(df) / (1 - malformed_rate))
    extra: list[tuple[int, str]] = []
    kinds: Counter[str] = Counter()
    if n_bad:
        extra, kinds = make_malformed(spec, df.rows(), n_bad, rnd, prefix)
    write_csv(df, out_dir / spec.file_name, extra)
    pids = [pids_all[i] for i in order]
    return len(df) + len(extra), kinds, record_ids, pids


def census_tracts(
    zips: list[str],
    foreign: np.ndarray,
    noncitizen: np.ndarray,
    geo: Geography,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Return census tract aggregates for the ZIP codes where the persons live."""
    zip_index = {z: i for i, z in enumerate(geo.zips.tolist())}
    people = pl.DataFrame({"zip": zips, "foreign": foreign, "noncitizen": noncitizen})
    agg = (
        people.group_by("zip")
        .agg(
            pl.len().alias("n"),
            pl.col("foreign").sum().alias("f"),
            pl.col("noncitizen").sum().alias("c"),
        )
        .sort("zip")
    )
    county_codes: dict[tuple[str, str], int] = {}
    for st, idx in geo.by_state.items():
        for k, county in enumerate(sorted(set(geo.counties[idx].tolist()))):
            county_codes[(st, county)] = (2 * k + 1) % 1000
    geoids: set[str] = set()
    out: dict[str, list[object]] = {c: [] for c in SOURCES["census_tracts"].column_names}
    scale = 1200
    for z, n, f, c in agg.iter_rows():
        i = zip_index[z]
        state = str(geo.states[i])
        county = county_codes[(state, str(geo.counties[i]))]
        k = int(rng.integers(1, 4))
        total = int(n) * scale + int(rng.integers(0, scale))
        shares = rng.dirichlet(np.ones(k) * 4)
        parts = np.maximum(1, np.round(shares * total)).astype(int)
        f_rate, c_rate = f / n, c / n
        for part in parts:
            while True:
                geoid = f"{STATE_FIPS[state]}{county:03d}{int(rng.integers(100, 990000)):06d}"
                if geoid not in geoids:
                    geoids.add(geoid)
                    break
            fb = int(rng.binomial(int(part), min(1.0, f_rate * 0.9 + 0.02)))
            nc = int(rng.binomial(fb, min(1.0, c_rate / max(f_rate, 1e-9)))) if fb else 0
            out["tract_geoid"].append(geoid)
            out["state"].append(state)
            out["zip"].append(z)
            out["total_population"].append(str(int(part)))
            out["foreign_born"].append(str(fb))
            out["noncitizen"].append(str(nc))
    df = pl.DataFrame(out, schema=dict.fromkeys(out, pl.Utf8))
    return df.sort("tract_geoid")


def truth_records_frame(sources: dict[str, tuple[list[str], list[int]]]) -> pl.DataFrame:
    """Return truth/records.csv: source, record_id, person_id of every linked valid record."""
    src: list[str] = []
    rid: list[str] = []
    pid: list[str] = []
    for source, (ids, pids) in sources.items():
        for r, p in zip(ids, pids, strict=True):
            if p == NOBODY:
                continue
            src.append(source)
            rid.append(r)
            pid.append(person_id(p))
    return pl.DataFrame(
        dict(zip(TRUTH_RECORD_COLUMNS, (src, rid, pid), strict=True)),
        schema=dict.fromkeys(TRUTH_RECORD_COLUMNS, pl.Utf8),
    )
