"""The bias monitor's rows: one :class:`bias.Subject` per current person, from the database.

Traits come from the person (sex, birth date, field office) and their records (country
of birth: a benefit's ``country_of_birth``, a Numident's or passport's ``birth_place``; a
US state there means born in the US). Leads give the state, score and the factors that
scored; a lead closed as a US citizen, lawful status or identity error, or a case ended
in such an exit, is a known outcome. A synthetic world's ``truth/`` adds who is a
violator: each person is mapped to the true person most of its records belong to.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.cases.models import Case
from immigrationos.oversight import bias
from immigrationos.records.models import Record
from immigrationos.resolution.models import Person, PersonRecord
from immigrationos.sources.contract import US_BIRTH_PLACES
from immigrationos.targeting.models import Lead

BIRTH_COUNTRY_FIELDS = {
    "uscis_benefits": "country_of_birth",
    "ssa_numident": "birth_place",
    "dos_passports": "birth_place",
}
US = "USA"
# A lead's close reason, read for the outcome it records (first match wins).
CLOSE_REASON_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("us_citizen", ("us citizen", "u.s. citizen", "citizen")),
    ("identity_error", ("identity error", "wrong person", "misidentif", "identity")),
    ("lawful_status", ("lawful", "lawfully present", "valid status", "relief", "asylee", "lpr")),
)
CASE_OUTCOMES = {
    "us_citizen_found": "us_citizen",
    "identity_error": "identity_error",
    "relief_granted": "relief_granted",
    "removed": "confirmed",
    "self_departed": "confirmed",
}
CASE_ERRORS = frozenset(("us_citizen_found", "identity_error"))
CASE_ENDED = frozenset(("removed", "self_departed", "relief_granted", "closed_by_decision"))


def outcome_of_reason(reason: str | None) -> str | None:
    """Return the outcome a lead's close reason records (None when it names none)."""
    text = (reason or "").lower()
    for outcome, words in CLOSE_REASON_WORDS:
        if any(w in text for w in words):
            return outcome
    return None


def _country(source: str, payload: dict[str, Any]) -> str | None:
    value = payload.get(BIRTH_COUNTRY_FIELDS[source])
    if not value:
        return None
    text = str(value).strip().upper()
    return US if text in US_BIRTH_PLACES else text


def _age(born: dt.date | None, as_of: dt.date) -> int | None:
    if born is None:
        return None
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def _factors(evaluation: str) -> tuple[dict[str, int], int | None]:
    """Return the factors that scored a lead (name -> points) and the unclipped total."""
    try:
        score = json.loads(evaluation).get("score") or {}
    except (ValueError, AttributeError):
        return {}, None
    factors = {str(f["name"]): int(f["points"]) for f in score.get("factors") or []}
    raw = score.get("raw_total")
    return factors, int(raw) if raw is not None else None


def subjects(
    session: Session, *, as_of: dt.date | None = None, truth: Path | None = None
) -> list[bias.Subject]:
    """Return one row per active person: traits, current lead, case and outcomes.

    Args:
        session: a database session (read only).
        as_of: the date ages are computed at (today when None).
        truth: a synthetic world's folder (with ``truth/``) or its ``truth/`` folder;
            its violators are added to each person mapped to one of its true persons.
    """
    day = as_of or dt.date.today()
    persons = session.execute(
        select(Person.person_id, Person.sex, Person.birth_date, Person.field_office).where(
            Person.status == "ACTIVE"
        )
    ).all()
    countries: dict[str, Counter[str]] = defaultdict(Counter)
    zips: dict[str, Counter[str]] = defaultdict(Counter)
    refs: dict[str, list[str]] = defaultdict(list)
    rows = session.execute(
        select(PersonRecord.person_id, Record.source, Record.record_id, Record.zip, Record.payload)
        .join(
            Record,
            (Record.source == PersonRecord.source) & (Record.record_id == PersonRecord.record_id),
        )
        .where(Record.withdrawn.is_(False))
    )
    for person_id, source, record_id, zip5, payload in rows:
        refs[person_id].append(f"{source}:{record_id}")
        if zip5:
            zips[person_id][zip5] += 1
        if source in BIRTH_COUNTRY_FIELDS:
            country = _country(source, json.loads(payload))
            if country:
                countries[person_id][country] += 1
    leads = {
        lead.person_id: lead
        for lead in session.scalars(select(Lead).where(Lead.retired_at.is_(None)))
    }
    cases = {c.lead_id: c.state for c in session.scalars(select(Case))}
    violators = _truth_violators(truth, refs) if truth is not None else {}
    found = []
    for person_id, sex, born, office in persons:
        lead = leads.get(person_id)
        factors, raw = _factors(lead.evaluation) if lead is not None else ({}, None)
        case_state = cases.get(lead.lead_id) if lead is not None else None
        outcome = outcome_of_reason(lead.closed_reason) if lead and lead.state == "CLOSED" else None
        if outcome is None and case_state in CASE_OUTCOMES:
            outcome = CASE_OUTCOMES[case_state]
        features = {}
        if zips[person_id]:
            zip5 = zips[person_id].most_common(1)[0][0]
            features = {"zip": zip5, "zip3": zip5[:3]}
        ended = case_state in CASE_ERRORS or case_state in CASE_ENDED
        found.append(
            bias.Subject(
                person_id=person_id,
                traits={
                    "country_of_birth": _most(countries[person_id]),
                    "sex": sex or bias.UNKNOWN,
                    "age_group": bias.age_group(_age(born, day)),
                    "field_office": office or bias.UNKNOWN,
                },
                lead_state=lead.state if lead is not None else None,
                score=lead.score if lead is not None else None,
                raw_score=raw,
                factors=factors,
                features=features,
                outcome=outcome,
                case_state=case_state,
                case_error=(case_state in CASE_ERRORS) if ended else None,
                violator=violators.get(person_id),
            )
        )
    return found


def _most(counts: Counter[str]) -> str:
    if not counts:
        return bias.UNKNOWN
    return max(counts, key=lambda c: (counts[c], c))


def _truth_violators(truth: Path, refs: dict[str, list[str]]) -> dict[str, bool]:
    """Return person ID -> whether the true person most of its records belong to violates."""
    folder = truth if (truth / "persons.csv").exists() else truth / "truth"
    try:
        with (folder / "persons.csv").open(newline="") as handle:
            violates = {
                r["person_id"]: bool((r.get("violations") or "").strip())
                for r in csv.DictReader(handle)
            }
        with (folder / "records.csv").open(newline="") as handle:
            owner = {
                f"{r['source']}:{r['record_id']}": r["person_id"] for r in csv.DictReader(handle)
            }
    except (OSError, KeyError) as exc:
        raise ValueError(f"{folder}: not a synthetic world's truth folder: {exc}") from exc
    found = {}
    for person_id, person_refs in refs.items():
        votes = Counter(owner[r] for r in person_refs if r in owner)
        if votes:
            true_person = votes.most_common(1)[0][0]
            found[person_id] = violates.get(true_person, False)
    return found
