"""Read a generated world's source files and truth, and score the detectors against it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from immigrationos.sources.contract import PERSON_SOURCES, SOURCES, VIOLATIONS
from immigrationos.targeting.detect import OwnerInfo, detect, findings
from immigrationos.targeting.records import PersonRecord, parse_date


@dataclass(frozen=True)
class Score:
    """Precision and recall of one violation over the persons of a world."""

    violation: str
    true_cases: int
    found: int
    true_positives: int

    @property
    def precision(self) -> float:
        """Return the share of flagged persons who truly have the violation (1 if none)."""
        return self.true_positives / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Return the share of true violators flagged (1 if none)."""
        return self.true_positives / self.true_cases if self.true_cases else 1.0


def _rows(path: Path) -> list[dict[str, str | None]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)]


def read_world(
    folder: Path,
) -> tuple[dt.date, dict[str, list[PersonRecord]], dict[str, OwnerInfo], dict[str, set[str]]]:
    """Return as_of, records by true person, the Numident owners and true violations."""
    as_of = dt.date.fromisoformat(json.loads((folder / "truth/world.json").read_text())["as_of"])
    owner_of = {
        (r["source"], r["record_id"]): r["person_id"] for r in _rows(folder / "truth/records.csv")
    }
    by_person: dict[str, list[PersonRecord]] = defaultdict(list)
    ssn_owner: dict[str, OwnerInfo] = {}
    for source in PERSON_SOURCES:
        path = folder / SOURCES[source].file_name
        if not path.exists():
            continue
        for row in _rows(path):
            pid = owner_of.get((source, str(row["record_id"])))
            if pid is None:
                continue
            rec = PersonRecord(source, str(row["record_id"]), row)
            by_person[pid].append(rec)
            if source == "ssa_numident" and row["ssn"]:
                ssn_owner[row["ssn"]] = OwnerInfo(
                    person_id=pid,
                    name=f"{row['given_name']} {row['family_name']}",
                    birth_date=parse_date(row["birth_date"]),
                    death_date=parse_date(row["death_date"]),
                    record=rec.ref,
                    given=row["given_name"] or "",
                    family=row["family_name"] or "",
                    sex=row["sex"] or "",
                )
    truth = {
        str(p["person_id"]): set((p["violations"] or "").split("|")) - {""}
        for p in _rows(folder / "truth/persons.csv")
    }
    return as_of, by_person, ssn_owner, truth


def score_world(folder: Path) -> list[Score]:
    """Return precision and recall per violation of ``detect`` over a world's persons."""
    as_of, by_person, ssn_owner, truth = read_world(folder)
    found: dict[str, set[str]] = {}
    for pid in truth:
        runs = detect(by_person.get(pid, []), as_of, ssn_owner=ssn_owner, person_id=pid)
        found[pid] = {f.violation for f in findings(runs)}
    scores = []
    for v in VIOLATIONS:
        true = {p for p, vs in truth.items() if v in vs}
        flagged = {p for p, vs in found.items() if v in vs}
        scores.append(Score(v, len(true), len(flagged), len(true & flagged)))
    return scores
