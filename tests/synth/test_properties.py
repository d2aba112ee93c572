from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from immigrationos.sources.contract import SOURCES, Kind
from immigrationos.synth.names import load_names
from immigrationos.synth.noise import (
    birth_date_noise,
    drop_second_surname,
    initial,
    nickname,
    ssn_typo,
    typo,
    variant,
)
from immigrationos.synth.world import generate_world

from .contract_check import row_problem, value_ok

NAMES = sorted(
    {n for pool in load_names().given.values() for n in pool.names}
    | {n for pool in load_names().family.values() for n in pool.names}
)


@given(st.sampled_from(NAMES), st.integers(0, 2**32))
def test_name_noise_keeps_a_name(name: str, seed: int) -> None:
    rnd = random.Random(seed)
    for fn in (typo, nickname, variant, drop_second_surname, initial):
        out = fn(name, rnd)
        assert out.strip() == out and out
        assert "," not in out and "\n" not in out


@given(st.dates(dt.date(1930, 1, 1), dt.date(2010, 12, 31)), st.integers(0, 2**32))
def test_birth_date_noise_is_a_real_date(day: dt.date, seed: int) -> None:
    out = birth_date_noise(day.isoformat(), random.Random(seed))
    assert value_ok(Kind.DATE, (), out)


@given(st.integers(1_010_001, 899_999_999), st.integers(0, 2**32))
def test_ssn_typo_keeps_nine_digits(n: int, seed: int) -> None:
    ssn = f"{n:09d}"
    out = ssn_typo(ssn, random.Random(seed))
    assert len(out) == 9 and out.isdigit() and out[:3] == ssn[:3]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6), st.integers(30, 150))
def test_any_small_world_is_valid_and_citizens_have_no_violation(seed: int, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate_world(persons=n, seed=seed, as_of=dt.date(2024, 3, 15), out_dir=out)
        for source, spec in SOURCES.items():
            with (out / spec.file_name).open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                assert next(reader) == spec.column_names
                for row in reader:
                    assert row_problem(source, row) is None, (source, row)
        with (out / "truth" / "persons.csv").open(encoding="utf-8", newline="") as fh:
            for p in csv.DictReader(fh):
                if p["status"].startswith("US_CITIZEN"):
                    assert p["violations"] == ""
                assert p["work_authorized"] in ("true", "false")
