from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest

from immigrationos.sources.contract import (
    SOURCES,
    TRUTH_PERSON_COLUMNS,
    TRUTH_RECORD_COLUMNS,
    TRUTH_STATUSES,
    US_BIRTH_PLACES,
    VIOLATIONS,
)
from immigrationos.synth.names import load_names
from immigrationos.synth.world import VARIANTS, WorldSummary, generate_world

from .conftest import AS_OF
from .contract_check import read_rows, split_valid

A = AS_OF.isoformat()
CITIZENS = {"US_CITIZEN_BIRTH", "US_CITIZEN_NATURALIZED"}
World = tuple[Path, WorldSummary]


def _persons(out: Path) -> dict[str, dict[str, str]]:
    with (out / "truth" / "persons.csv").open(encoding="utf-8", newline="") as fh:
        return {r["person_id"]: r for r in csv.DictReader(fh)}


def _records(out: Path) -> dict[str, dict[str, list[dict[str, str]]]]:
    """Return person_id -> source -> valid rows, read from the written files."""
    with (out / "truth" / "records.csv").open(encoding="utf-8", newline="") as fh:
        owner = {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(fh)}
    by_person: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for source, spec in SOURCES.items():
        if not spec.person_records:
            continue
        valid, _ = split_valid(source, out / spec.file_name)
        for rec in valid:
            pid = owner.get((source, rec["record_id"]))
            if pid is not None:
                by_person[pid][source].append(rec)
    return by_person


def test_every_source_file_has_the_contract_columns(world: World) -> None:
    out, _ = world
    for spec in SOURCES.values():
        header, _ = read_rows(out / spec.file_name)
        assert header == spec.column_names, spec.name
    with (out / "truth" / "persons.csv").open() as fh:
        assert next(csv.reader(fh)) == list(TRUTH_PERSON_COLUMNS)
    with (out / "truth" / "records.csv").open() as fh:
        assert next(csv.reader(fh)) == list(TRUTH_RECORD_COLUMNS)
    raw = (out / "irs_w2.csv").read_bytes()
    assert b"\r\n" not in raw and raw.endswith(b"\n")


def test_truth_records_are_exactly_the_valid_linked_rows(world: World) -> None:
    out, summary = world
    meta = json.loads((out / "truth" / "world.json").read_text())
    with (out / "truth" / "records.csv").open(encoding="utf-8", newline="") as fh:
        truth = defaultdict(set)
        for r in csv.DictReader(fh):
            truth[r["source"]].add(r["record_id"])
    for source, spec in SOURCES.items():
        valid, bad = split_valid(source, out / spec.file_name)
        _, rows = read_rows(out / spec.file_name)
        assert meta["malformed_per_source"][source] == bad, source
        assert meta["rows_per_source"][source] == len(rows) == summary.rows_per_source[source]
        assert sum(meta["malformed_per_source_and_kind"][source].values()) == bad
        if not spec.person_records:
            assert source not in truth
            continue
        ids = {r["record_id"] for r in valid}
        assert truth[source] <= ids, source
        assert len(ids - truth[source]) == meta["unlinked_rows_per_source"][source], source
    assert meta["malformed_per_source"]["irs_w2"] > 0
    assert set(meta["malformed_per_kind"]) >= {
        "bad_date", "unknown_enum", "missing_record_id", "too_many_fields", "too_few_fields",
        "duplicate_record_id", "missing_required", "bad_identifier",
    }  # fmt: skip
    assert meta["unlinked_rows_per_source"]["tips"] >= 1


def test_population_mix_and_hard_cases(world: World) -> None:
    out, summary = world
    persons = _persons(out)
    statuses = {p["status"] for p in persons.values()}
    assert statuses == set(TRUTH_STATUSES)
    share = sum(p["status"] == "US_CITIZEN_BIRTH" for p in persons.values()) / len(persons)
    assert 0.68 <= share <= 0.76
    for status, table in VARIANTS.items():
        for variant, _ in table:
            assert summary.variants.get(f"{status}/{variant}", 0) >= 1, (status, variant)
    found = {v for p in persons.values() for v in p["violations"].split("|") if v}
    assert found == set(VIOLATIONS)
    # Different people with the same name and close birth dates.
    by_name = defaultdict(list)
    for p in persons.values():
        by_name[(p["given_name"], p["family_name"])].append(dt.date.fromisoformat(p["birth_date"]))
    close = [d for d in by_name.values() if len(d) > 1 and (max(d) - min(d)).days <= 60]
    assert close
    assert any(" " in p["family_name"] for p in persons.values())
    assert any(" " in p["given_name"] for p in persons.values())


def test_truth_follows_the_contract_definitions(world: World) -> None:
    out, _ = world
    persons = _persons(out)
    recs = _records(out)
    ssn_owner: dict[str, str] = {}
    for pid, by_source in recs.items():
        for r in by_source["ssa_numident"]:
            ssn_owner[r["ssn"]] = pid
    a_minus_30 = (AS_OF - dt.timedelta(days=30)).isoformat()
    checked = defaultdict(int)
    for pid, person in persons.items():
        violations = set(filter(None, person["violations"].split("|")))
        r = recs.get(pid, {})
        if person["status"] in CITIZENS:
            assert not violations, pid
        deceased = any(n["death_date"] for n in r.get("ssa_numident", []))
        if deceased:
            assert not violations - {"UNAUTHORIZED_EMPLOYMENT", "IDENTITY_FRAUD"}, pid
        if "OVERSTAY" in violations:
            checked["OVERSTAY"] += 1
            arrivals = sorted(
                (x for x in r["cbp_i94"] if x["event"] == "ARRIVAL"), key=lambda x: x["event_date"]
            )
            last = arrivals[-1]
            assert last["admit_until"] not in ("", "D/S") and last["admit_until"] < A
            assert not any(
                x["event"] == "DEPARTURE" and x["event_date"] > last["event_date"]
                for x in r["cbp_i94"]
            )
            assert not any(
                b["status"] == "PENDING" and b["form_type"] in ("I-589", "I-485", "I-821D")
                for b in r.get("uscis_benefits", [])
            )
            assert not deceased
        if "IDENTITY_FRAUD" in violations:
            checked["IDENTITY_FRAUD"] += 1
            assert any(
                not w["employee_tin"].startswith("9")
                and ssn_owner.get(w["employee_tin"], "nobody") != pid
                for w in r["irs_w2"]
            ), pid
        if "FINAL_ORDER_UNEXECUTED" in violations:
            checked["FINAL_ORDER_UNEXECUTED"] += 1
            decided = sorted(
                (e for e in r["eoir_cases"] if e["decision_date"]), key=lambda e: e["decision_date"]
            )
            last = decided[-1]
            assert last["status"] == "REMOVAL_ORDERED"
            assert last["appeal_pending"] == "false"
            assert last["decision_date"] <= a_minus_30 or last["in_absentia"] == "true"
            assert not any(
                e["event_type"] == "REMOVAL" and e["event_date"] > last["decision_date"]
                for e in r.get("enforcement_events", [])
            )
        if "UNAUTHORIZED_EMPLOYMENT" in violations:
            checked["UNAUTHORIZED_EMPLOYMENT"] += 1
            assert person["status"] not in CITIZENS
            assert r["irs_w2"]
        if "REENTRY_AFTER_REMOVAL" in violations:
            checked["REENTRY_AFTER_REMOVAL"] += 1
            assert any(e["event_type"] == "REMOVAL" for e in r["enforcement_events"])
        if "PRESENT_WITHOUT_ADMISSION" in violations:
            checked["PRESENT_WITHOUT_ADMISSION"] += 1
            assert not any(
                b["form_type"] == "N-400" and b["status"] == "APPROVED"
                for b in r.get("uscis_benefits", [])
            )
        if person["status"] == "US_CITIZEN_BIRTH":
            assert any(n["birth_place"] in US_BIRTH_PLACES for n in r["ssa_numident"])
        if person["status"] == "US_CITIZEN_NATURALIZED":
            assert any(
                b["form_type"] == "N-400" and b["status"] == "APPROVED" for b in r["uscis_benefits"]
            )
    assert set(checked) == set(VIOLATIONS)


def test_identity_theft_victims_and_typos_are_not_violators(world: World) -> None:
    out, _ = world
    persons = _persons(out)
    recs = _records(out)
    ssn_owner = {n["ssn"]: pid for pid, by in recs.items() for n in by.get("ssa_numident", [])}
    victims = set()
    for pid, by in recs.items():
        for w in by.get("irs_w2", []):
            owner = ssn_owner.get(w["employee_tin"])
            if owner is not None and owner != pid:
                victims.add(owner)
    assert victims
    for v in victims:
        assert "IDENTITY_FRAUD" not in persons[v]["violations"]


def test_records_never_date_after_as_of(world: World) -> None:
    out, _ = world
    event_dates = {
        "cbp_i94": "event_date", "uscis_benefits": "filed_date", "eoir_cases": "nta_date",
        "enforcement_events": "event_date", "ssa_numident": "issue_date",
        "dmv_licenses": "issue_date", "dos_passports": "issue_date",
        "fincen_ctr": "transaction_date", "tips": "received_date",
    }  # fmt: skip
    for source, column in event_dates.items():
        valid, _ = split_valid(source, out / SOURCES[source].file_name)
        assert all(r[column] <= A for r in valid), source
    valid, _ = split_valid("uscis_benefits", out / "uscis_benefits.csv")
    assert all(r["decision_date"] <= A for r in valid)
    valid, _ = split_valid("irs_w2", out / "irs_w2.csv")
    assert all(int(r["tax_year"]) < AS_OF.year for r in valid)


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    def files(d: Path) -> dict[str, bytes]:
        return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*.*"))}

    kwargs = {"persons": 400, "as_of": AS_OF, "malformed_rate": 0.05}
    generate_world(seed=5, out_dir=tmp_path / "a", **kwargs)  # type: ignore[arg-type]
    generate_world(seed=5, out_dir=tmp_path / "b", **kwargs)  # type: ignore[arg-type]
    generate_world(seed=6, out_dir=tmp_path / "c", **kwargs)  # type: ignore[arg-type]
    a, b, c = files(tmp_path / "a"), files(tmp_path / "b"), files(tmp_path / "c")
    assert len(a) == len(SOURCES) + 3
    assert a == b
    assert a["ssa_numident.csv"] != c["ssa_numident.csv"]
    assert a["truth/persons.csv"] != c["truth/persons.csv"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"persons": 0}, "persons"),
        ({"persons": -3}, "persons"),
        ({"malformed_rate": 0.6}, "malformed_rate"),
        ({"malformed_rate": -0.1}, "malformed_rate"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_raise(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"persons": 10, "seed": 1, "as_of": AS_OF, "out_dir": tmp_path}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        generate_world(**args)  # type: ignore[arg-type]


def test_progress_is_reported(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate_world(
        persons=50, seed=2, as_of=AS_OF, out_dir=tmp_path, progress=lambda *c: calls.append(c)
    )
    stages = {c[0] for c in calls}
    assert {"population", "stories", "truth", "writing"} <= stages
    assert all(0 <= done <= total for _, done, total in calls)


def test_households_juniors_namesakes_and_borrowed_ssns(world: World) -> None:
    out, _ = world
    persons = _persons(out)
    recs = _records(out)
    people = list(persons.values())
    # Juniors: same full name as the father, born 18+ years later, most at his address.
    by_name = defaultdict(list)
    for p in people:
        by_name[(p["given_name"], p["middle_name"], p["family_name"])].append(p)
    juniors = [
        (a, b)
        for group in by_name.values()
        for a in group
        for b in group
        if a["birth_date"][:4] < str(int(b["birth_date"][:4]) - 17) and a["zip"] == b["zip"]
    ]
    assert juniors
    # Households: persons sharing a family name and a ZIP code are common.
    by_home = defaultdict(int)
    for p in people:
        by_home[(p["family_name"], p["zip"])] += 1
    shared = sum(k for k in by_home.values() if k > 1)
    assert shared >= 0.05 * len(people)
    # Namesakes of the same birth year who are different persons.
    same_year = defaultdict(set)
    for p in people:
        same_year[(p["given_name"], p["family_name"], p["birth_date"][:4])].add(p["person_id"])
    assert any(len(ids) > 1 for ids in same_year.values())
    # An old Numident keeping a maiden name: another family name of the name tables.
    surnames = {n for pool in load_names().family.values() for n in pool.names}
    assert any(
        n["family_name"] != persons[pid]["family_name"]
        and n["family_name"] in surnames
        and n["given_name"] == persons[pid]["given_name"]
        and " " not in persons[pid]["family_name"]
        for pid, by in recs.items()
        for n in by.get("ssa_numident", [])
    )
    # W-2s under the SSN of another person of the same household (same ZIP code).
    owner = {n["ssn"]: pid for pid, by in recs.items() for n in by.get("ssa_numident", [])}
    borrowed = [
        (pid, owner[w["employee_tin"]])
        for pid, by in recs.items()
        for w in by.get("irs_w2", [])
        if owner.get(w["employee_tin"], pid) != pid
    ]
    assert any(persons[a]["zip"] == persons[b]["zip"] for a, b in borrowed)
    # Everyday names: W-2s often carry a given name other than the legal one.
    w2 = [(pid, w) for pid, by in recs.items() for w in by.get("irs_w2", [])]
    other = sum(w["given_name"] != persons[pid]["given_name"] for pid, w in w2)
    assert other >= 0.05 * len(w2)
