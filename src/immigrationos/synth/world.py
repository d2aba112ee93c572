"""Generate a synthetic world: persons with true stories, their records, and the truth.

Story model
-----------
Each person gets a status (the US mix: about 72% citizens by birth, 8% naturalized, 7%
LPRs, then nonimmigrants, asylees, TPS, DACA, asylum applicants, parolees, overstays,
entries without inspection and persons with removal orders), a country of birth plausible
for that status, a naming tradition (Hispanic two-surname family names and compound given
names, Chinese and Vietnamese romanizations, Arabic transliterations, Indian, Filipino,
Haitian, Nigerian, Eastern European, Anglo), an address history over real city/state/ZIP
combinations, and a story variant. The story writes the person's immigration records
(I-94 arrivals and departures, USCIS filings and grants, EOIR cases, enforcement events,
self-reported departures); a second layer writes daily life (Numident, W-2 wages from
employers, ITIN, licences, US passports, criminal history, currency and suspicious activity
reports), only while the person is in the US. Tips are added about some persons (mostly
false), about nobody in the world, and without any name.

Hard cases written on purpose: naturalized citizens with an old expired I-94; US-born
citizens with foreign-origin names in financial reports; timely I-539 extensions pending
(no overstay) next to visa-waiver, untimely and denied I-539s (overstay); D/S students; TPS,
DACA and asylum applicants with EADs and wages; identity theft (a worker paid under another
person's SSN, sometimes under that person's name; the victim has no violation) and made-up
SSNs; employers' one-digit typos in a worker's own SSN (no fraud); same common name with
close birth dates; removal orders overturned (relief granted, terminated), under appeal, not
yet final, executed, and followed by re-entry; deceased persons; departures (I-94 and
confirmed self-reported) and unconfirmed self-reports; voluntary returns (not removals).

Resolution is made hard the way real agency data is (``families``, ``aliases``, ``noise``):
immigrants concentrate in a few neighbourhoods of a few metro areas, so common names meet
in one ZIP code; households share addresses and family names (wives taking the husband's
name while the Numident keeps the maiden name, Hispanic children with the father's and the
mother's first surnames, juniors with their father's full name and another birth date,
siblings, cousins with the tradition's most common names); unrelated namesakes, some born
the same year or day; everyday names that differ from the legal one (nicknames, middle
name as given name, one of two surnames, English names, transliterations) on wage, money,
police and tip records; birth-date slips at a few percent, more on immigrants' records;
SSNs borrowed from a citizen relative of the household, bought within the community (some
sold to several workers), used with the owner's name or the worker's own; duplicate
A-files, renewed passports and fewer identifiers on immigration records.

The truth is not trusted from the story: ``truth.judge_world`` derives each person's
violations and work authorization from the clean records with the contract's definitions.
Noise (typos, nicknames, variants, dropped surnames, wrong birth dates, stale addresses, SSN
typos) and malformed rows are applied only to the written files.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from immigrationos.sources.contract import (
    PERSON_SOURCES,
    SOURCES,
    TRUTH_PERSON_COLUMNS,
    TRUTH_STATUSES,
    VIOLATIONS,
)
from immigrationos.synth import families
from immigrationos.synth import stories_lawful as lawful
from immigrationos.synth import stories_unlawful as unlawful
from immigrationos.synth.builder import Builder
from immigrationos.synth.geo import load_geography
from immigrationos.synth.life import write_life, write_tip
from immigrationos.synth.names import load_names
from immigrationos.synth.noise import person_scales
from immigrationos.synth.person import Employer, Person
from immigrationos.synth.population import build_population
from immigrationos.synth.records import Ids, iso
from immigrationos.synth.truth import judge_world
from immigrationos.synth.writer import census_tracts, person_id, truth_records_frame, write_source

GENERATOR_VERSION = "immigrationos-synth 1.0"
Progress = Callable[[str, int, int], None]

STORIES: dict[str, Callable[[Builder, Person, str], None]] = {
    "US_CITIZEN_BIRTH": lawful.us_citizen_birth,
    "US_CITIZEN_NATURALIZED": lawful.us_citizen_naturalized,
    "LPR": lawful.lpr,
    "NONIMMIGRANT": lawful.nonimmigrant,
    "REFUGEE_ASYLEE": lawful.refugee_asylee,
    "TPS": lawful.tps,
    "DACA": lawful.daca,
    "ASYLUM_PENDING": lawful.asylum_pending,
    "PAROLE": lawful.parole,
    "OVERSTAY": unlawful.overstay,
    "EWI": unlawful.ewi,
    "FINAL_ORDER": unlawful.final_order,
}

# Story variants per status with their weights; the first persons of a status take each
# variant once, so that even a small world holds every hard case.
VARIANTS: dict[str, tuple[tuple[str, float], ...]] = {
    "US_CITIZEN_BIRTH": (("plain", 0.985), ("deceased", 0.01), ("usc_arrival", 0.005)),
    "US_CITIZEN_NATURALIZED": (
        ("old_i94", 0.5), ("immigrant_visa", 0.35), ("adjusted_no_i94", 0.14),
        ("deceased", 0.01),
    ),
    "LPR": (
        ("immigrant_visa", 0.4), ("adjusted", 0.38), ("adjusted_no_i94", 0.1),
        ("returning", 0.11), ("deceased", 0.01),
    ),
    "NONIMMIGRANT": (
        ("worker", 0.38), ("student", 0.27), ("visitor", 0.15), ("extension_pending", 0.12),
        ("extension_approved", 0.08),
    ),
    "REFUGEE_ASYLEE": (("affirmative", 0.5), ("court", 0.3), ("order_overturned", 0.2)),
    "TPS": (("current", 0.8), ("renewal_pending", 0.2)),
    "DACA": (("current", 0.8), ("renewal_pending", 0.2)),
    "ASYLUM_PENDING": (("defensive", 0.55), ("affirmative", 0.3), ("appeal", 0.15)),
    "PAROLE": (("current", 0.6), ("asylum_after_parole", 0.25), ("cuban_adjustment", 0.15)),
    "OVERSTAY": (
        ("plain", 0.62), ("visa_waiver_i539", 0.05), ("untimely_i539", 0.05),
        ("denied_i539", 0.05), ("departed", 0.08), ("self_departed", 0.06),
        ("self_departure_unconfirmed", 0.05), ("deceased", 0.04),
    ),
    "EWI": (
        ("plain", 0.45), ("returned_then_reentered", 0.1), ("reentry_after_removal", 0.12),
        ("removed", 0.08), ("in_proceedings", 0.1), ("order_terminated", 0.05),
        ("self_departed", 0.05), ("self_departure_unconfirmed", 0.05),
    ),
    "FINAL_ORDER": (
        ("in_absentia", 0.28), ("after_hearing", 0.22), ("overstay_order", 0.08),
        ("not_yet_final", 0.08), ("appealed", 0.1), ("removed", 0.14),
        ("removed_then_returned", 0.06), ("self_departed", 0.04),
    ),
}  # fmt: skip

CITIZEN_STATUSES = frozenset(("US_CITIZEN_BIRTH", "US_CITIZEN_NATURALIZED"))


@dataclass(frozen=True)
class WorldSummary:
    """What a generated world holds: sizes, malformed rows, truth counts."""

    persons: int
    seed: int
    as_of: dt.date
    out_dir: Path
    rows_per_source: dict[str, int] = field(default_factory=dict)
    malformed_per_source: dict[str, int] = field(default_factory=dict)
    malformed_per_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    unlinked_per_source: dict[str, int] = field(default_factory=dict)
    records: int = 0
    violations: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    variants: dict[str, int] = field(default_factory=dict)


def _validate(persons: int, seed: int, as_of: dt.date, malformed_rate: float) -> None:
    if isinstance(persons, bool) or not isinstance(persons, int) or persons < 1:
        raise ValueError(f"persons must be a whole number >= 1, got {persons!r}")
    if persons > 5_000_000:
        raise ValueError(f"persons must be at most 5,000,000, got {persons}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise ValueError(f"as_of must be a datetime.date, got {as_of!r}")
    if not dt.date(2000, 1, 1) <= as_of <= dt.date(2100, 12, 31):
        raise ValueError(f"as_of must be between 2000-01-01 and 2100-12-31, got {as_of}")
    if not 0.0 <= malformed_rate <= 0.5:
        raise ValueError(f"malformed_rate must be within [0, 0.5], got {malformed_rate!r}")


def _employers(b_rng: np.random.Generator, rnd: random.Random, n: int) -> list[Employer]:
    geo = load_geography()
    words = load_names().employer_words
    families = load_names().family
    ids = Ids(random.Random(rnd.getrandbits(64)))
    count = max(40, n // 25)
    zips = geo.sample(b_rng, count, foreign=np.zeros(count, dtype=bool))
    names: set[str] = set()
    out = []
    for z in zips:
        while True:
            if rnd.random() < 0.45:
                origin = rnd.choice(list(families))
                head = rnd.choice(families[origin].names[:15])
            else:
                head = rnd.choice(words["prefix"])
            name = f"{head} {rnd.choice(words['industry'])} {rnd.choice(words['suffix'])}"
            if name not in names:
                names.add(name)
                break
        out.append(Employer(ids.ein(), name, str(geo.states[z])))
    return out


def _variants(status: np.ndarray, rnd: random.Random) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for s in status.tolist():
        table = VARIANTS[s]
        k = seen[s]
        seen[s] += 1
        if k < len(table):
            out.append(table[k][0])
        else:
            out.append(rnd.choices([v for v, _ in table], [w for _, w in table])[0])
    return out


def generate_world(
    *,
    persons: int,
    seed: int,
    as_of: dt.date,
    out_dir: Path,
    malformed_rate: float = 0.0,
    progress: Progress | None = None,
) -> WorldSummary:
    """Generate a synthetic world into ``out_dir`` and return its summary."""
    _validate(persons, seed, as_of, malformed_rate)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(exist_ok=True)

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    rng = np.random.default_rng(seed)
    rnd = random.Random(int(rng.integers(0, 2**63 - 1)))
    geo = load_geography()
    report("population", 0, persons)
    pop = build_population(rng, persons, as_of, geo)
    report("population", persons, persons)
    b = Builder(rnd, rng, pop, geo, as_of, _employers(rng, rnd, persons))
    variants = _variants(pop.status, rnd)
    tip_p = np.where(pop.origin == "ANGLO", 0.005, 0.012)
    tip_p = np.where(np.isin(pop.status, ["OVERSTAY", "EWI", "FINAL_ORDER"]), 0.03, tip_p)
    tipped = rng.random(persons) < tip_p
    step = max(1, persons // 50)
    for pid in range(persons):
        status = str(pop.status[pid])
        p = Person(
            pid=pid,
            status=status,
            given=pop.given[pid],
            middle=pop.middle[pid],
            family=pop.family[pid],
            birth=int(pop.birth[pid]),
            sex=str(pop.sex[pid]),
            country=str(pop.country[pid]),
            origin=str(pop.origin[pid]),
            variant=variants[pid],
            alias_given=pop.alias_given[pid],
            alias_family=pop.alias_family[pid],
            by_middle=pop.by_middle[pid],
            maiden=pop.maiden[pid],
            alias_birth=int(pop.alias_birth[pid]),
            given_before=pop.given_before[pid],
            junior=bool(pop.relation[pid] == families.JUNIOR),
            senior=bool(pop.senior[pid]),
        )
        STORIES[status](b, p, p.variant)
        write_life(b, p)
        if tipped[pid]:
            write_tip(b, p)
        if pid % step == 0:
            report("stories", pid, persons)
    for _ in range(max(2, persons // 500)):
        write_tip(b, None)
    report("stories", persons, persons)

    tables = {s: (b.store.columns[s], b.store.rows[s], b.store.pids[s]) for s in PERSON_SOURCES}
    truth = judge_world(persons, tables, as_of, lambda d: report("truth", d, persons))
    report("truth", persons, persons)

    rows_per_source: dict[str, int] = {}
    malformed: dict[str, int] = {}
    malformed_kinds: dict[str, dict[str, int]] = {}
    unlinked: dict[str, int] = {}
    linked: dict[str, tuple[list[str], list[int]]] = {}
    scales = person_scales(pop.status, pop.origin)
    sources = list(SOURCES)
    for k, source in enumerate(sources):
        report("writing", k, len(sources))
        if source == "census_tracts":
            continue
        written, kinds, ids, pids = write_source(
            source, b.store, out_dir, rng, rnd, malformed_rate, scales
        )
        rows_per_source[source] = written
        malformed[source] = sum(kinds.values())
        malformed_kinds[source] = dict(sorted(kinds.items()))
        unlinked[source] = sum(1 for p in pids if p < 0)
        linked[source] = (ids, pids)

    current = pop.addr_zip[np.arange(persons), pop.n_addr - 1]
    zips = [str(geo.zips[z]) for z in current]
    tracts = census_tracts(
        zips,
        pop.status != "US_CITIZEN_BIRTH",
        ~np.isin(pop.status, list(CITIZEN_STATUSES)),
        geo,
        rng,
    )
    tracts.write_csv(out_dir / "census_tracts.csv", line_terminator="\n")
    rows_per_source["census_tracts"] = len(tracts)
    malformed["census_tracts"] = 0
    malformed_kinds["census_tracts"] = {}
    unlinked["census_tracts"] = 0
    rows_per_source = {s: rows_per_source[s] for s in sources}
    report("writing", len(sources), len(sources))

    for pid, t in enumerate(truth):
        if t.violations and pop.status[pid] in CITIZEN_STATUSES:
            raise RuntimeError(f"generator bug: citizen {person_id(pid)} has {t.violations}")
    persons_df = pl.DataFrame(
        {
            "person_id": [person_id(i) for i in range(persons)],
            "given_name": pop.given,
            "middle_name": [m or None for m in pop.middle],
            "family_name": pop.family,
            "birth_date": [iso(int(d)) for d in pop.birth],
            "sex": pop.sex.tolist(),
            "country_of_birth": pop.country.tolist(),
            "status": pop.status.tolist(),
            "work_authorized": ["true" if t.work_authorized else "false" for t in truth],
            "violations": ["|".join(t.violations) or None for t in truth],
            "zip": zips,
        },
        schema=dict.fromkeys(TRUTH_PERSON_COLUMNS, pl.Utf8),
    )
    persons_df.write_csv(out_dir / "truth" / "persons.csv", line_terminator="\n")
    records_df = truth_records_frame(linked)
    records_df.write_csv(out_dir / "truth" / "records.csv", line_terminator="\n")

    violations = Counter(v for t in truth for v in t.violations)
    statuses = Counter(pop.status.tolist())
    by_kind: Counter[str] = Counter()
    for per_kind in malformed_kinds.values():
        by_kind.update(per_kind)
    summary = WorldSummary(
        persons=persons,
        seed=seed,
        as_of=as_of,
        out_dir=out_dir,
        rows_per_source=rows_per_source,
        malformed_per_source=malformed,
        malformed_per_kind=malformed_kinds,
        unlinked_per_source=unlinked,
        records=len(records_df),
        violations={v: violations.get(v, 0) for v in VIOLATIONS},
        statuses={s: statuses.get(s, 0) for s in TRUTH_STATUSES},
        variants=dict(sorted(Counter(f"{s}/{v}" for s, v in zip(
            pop.status.tolist(), variants, strict=True)).items())),
    )  # fmt: skip
    world = {
        "generator_version": GENERATOR_VERSION,
        "as_of": as_of.isoformat(),
        "seed": seed,
        "persons": persons,
        "malformed_rate": malformed_rate,
        "rows_per_source": rows_per_source,
        "malformed_per_source": malformed,
        "malformed_per_kind": dict(sorted(by_kind.items())),
        "malformed_per_source_and_kind": malformed_kinds,
        "unlinked_rows_per_source": unlinked,
        "truth_records": summary.records,
        "statuses": summary.statuses,
        "violations": summary.violations,
    }
    (out_dir / "truth" / "world.json").write_text(
        json.dumps(world, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return summary
