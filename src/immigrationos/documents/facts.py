"""The facts that may enter a document served on the person: an explicit allow-list.

A document of the lifecycle is served on the person or travels beyond the agency
(counsel, the court record, a jail that holds the person), so it is made only of facts
that may be served on them. Three filters stand between the records and a document:

1. **Sources.** Only the sources in :data:`SERVABLE_FIELDS` are read at all. Tax data
   (``irs_w2``, ``irs_itin``: 26 U.S.C. § 6103), Bank Secrecy Act reports
   (``fincen_sar``: 31 U.S.C. § 5318(g)(2); ``fincen_ctr``), tips (an allegation is never
   evidence), Numident citizenship codes, passports and departures never enter one.
2. **The data-use policy, record by record.** Each record is asked
   ``decide_record(..., Use.SERVE_ON_SUBJECT)`` under the caller's purpose: the
   confidential VAWA, T, U and asylum applications (8 U.S.C. § 1367(a)(2); 8 CFR 208.6),
   DMV records of states that need a judicial warrant, and anything the caller may not
   read are left out, and nothing says that they were.
3. **Fields.** Of a record that passes, only the fields listed for its source are
   taken: never a receipt number, a passport number, an SSN, a narrative.

A fact appears only when a servable record states it (an independent source). The
values that only a withheld record gives (an address, a name, a receipt number, words of
a narrative) are collected as :attr:`ServedFacts.withheld_values` so that text an
officer types into a document can be screened against them; they are never stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

from immigrationos.persons import facts as person_facts
from immigrationos.policy.engine import DataUsePolicy, Use, UseContext
from immigrationos.targeting.records import PersonRecord

_IDENTITY = ("given_name", "family_name", "birth_date", "sex")
_ADDRESS = ("street", "city", "state", "zip")

# The allow-list: per source, the fields a served document may take from a servable record.
SERVABLE_FIELDS: dict[str, frozenset[str]] = {
    "cbp_i94": frozenset(
        (*_IDENTITY, "citizenship_country", "event", "event_date", "class_of_admission",
         "admit_until", "port_of_entry", *_ADDRESS)
    ),
    "uscis_benefits": frozenset((*_IDENTITY, "a_number", "country_of_birth", *_ADDRESS)),
    "eoir_cases": frozenset(
        ("a_number", "given_name", "family_name", "birth_date", "nationality", "court",
         "status", "decision_date", "in_absentia", "appeal_pending")
    ),
    "enforcement_events": frozenset(
        (*_IDENTITY, "a_number", "nationality", "event_type", "event_date", "location_state",
         "removal_country")
    ),
    "criminal_history": frozenset(
        (*_IDENTITY, "offense_category", "offense_description", "disposition",
         "disposition_date", "state")
    ),
    "ssa_numident": frozenset(_IDENTITY),
    "dmv_licenses": frozenset((*_IDENTITY, "street", "city", "zip", "state")),
}  # fmt: skip
# Where each source states the person's country (citizenship, nationality, birth).
COUNTRY_FIELDS = {
    "cbp_i94": "citizenship_country",
    "eoir_cases": "nationality",
    "enforcement_events": "nationality",
    "uscis_benefits": "country_of_birth",
}
# Fields of withheld records whose values are screened out of officers' text.
_SCREENED = (
    "street", "receipt_number", "narrative", "given_name", "family_name", "id_number",
    "passport_number", "a_number", "filer_name", "employer_name", "allegation", "itin",
    "employee_tin", "ssn", "foreign_id_number", "license_number", "institution_name",
)  # fmt: skip
_MIN_SCREENED = 4  # shorter values (a state, a ZIP prefix) are too common to screen
# Free text is screened by pairs of neighbouring words as well (a name inside a sentence).
_FREE_TEXT = ("narrative", "allegation")


@dataclass(frozen=True)
class Admission:
    """An arrival the person's servable I-94 records show."""

    date: str
    port_of_entry: str | None
    class_of_admission: str | None
    admit_until: str | None


@dataclass(frozen=True)
class Order:
    """An immigration judge's decision the servable EOIR records show."""

    court: str | None
    status: str
    decided: str
    in_absentia: bool
    appeal_pending: bool


@dataclass(frozen=True)
class Removal:
    """A removal the servable enforcement records show."""

    date: str
    country: str | None


@dataclass(frozen=True)
class Conviction:
    """A conviction the servable criminal history shows (an arrest is not a conviction)."""

    offense: str
    category: str | None
    date: str | None
    state: str | None


@dataclass(frozen=True)
class ServedFacts:
    """What a served document may say of the person, and the records it comes from."""

    given_name: str | None
    family_name: str | None
    birth_date: str | None
    sex: str | None
    country: str | None
    a_number: str | None
    address: dict[str, str | None] | None
    admissions: tuple[Admission, ...]
    orders: tuple[Order, ...]
    removals: tuple[Removal, ...]
    convictions: tuple[Conviction, ...]
    records: tuple[str, ...]
    withheld_values: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def full_name(self) -> str:
        """Return the name as a document prints it (family name first, in capitals)."""
        family = (self.family_name or "").upper()
        given = (self.given_name or "").upper()
        return f"{family}, {given}".strip(", ") or "(name not on servable records)"

    def to_json(self) -> dict[str, Any]:
        """Return the facts as stored with the document (never the withheld values)."""
        out = asdict(self)
        out.pop("withheld_values")
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ServedFacts:
        """Return the facts stored with a document."""
        return cls(
            given_name=data.get("given_name"),
            family_name=data.get("family_name"),
            birth_date=data.get("birth_date"),
            sex=data.get("sex"),
            country=data.get("country"),
            a_number=data.get("a_number"),
            address=data.get("address"),
            admissions=tuple(Admission(**a) for a in data.get("admissions", ())),
            orders=tuple(Order(**o) for o in data.get("orders", ())),
            removals=tuple(Removal(**r) for r in data.get("removals", ())),
            convictions=tuple(Conviction(**c) for c in data.get("convictions", ())),
            records=tuple(data.get("records", ())),
        )

    def screen(self, text: str | None) -> list[str]:
        """Return the withheld values that ``text`` repeats (case and spacing ignored)."""
        if not text:
            return []
        folded = _fold(text)
        return sorted(v for v in self.withheld_values if v in folded)


def _fold(value: str) -> str:
    return " ".join(re.sub(r"[^0-9A-Z]+", " ", value.upper()).split())


def servable(
    policy: DataUsePolicy, ctx: UseContext, records: Iterable[PersonRecord]
) -> tuple[list[PersonRecord], list[PersonRecord]]:
    """Split records into those a served document may use (allow-listed fields only) and the rest."""
    kept: list[PersonRecord] = []
    held: list[PersonRecord] = []
    for r in records:
        allowed = SERVABLE_FIELDS.get(r.source)
        if allowed is None:
            held.append(r)
            continue
        decision = policy.decide_record(
            ctx, r.source, {**r.payload, "record_id": r.record_id}, Use.SERVE_ON_SUBJECT
        )
        if not decision.allowed:
            held.append(r)
            continue
        payload = {k: v for k, v in r.payload.items() if k in allowed}
        kept.append(PersonRecord(r.source, r.record_id, payload))
    return kept, held


def _readable(policy: DataUsePolicy, ctx: UseContext, r: PersonRecord) -> bool:
    record = {**r.payload, "record_id": r.record_id}
    return policy.decide_record(ctx, r.source, record, Use.READ).allowed


def _text(r: PersonRecord, name: str) -> str | None:
    value = r.text(name)
    return " ".join(value.split()) if value else None


def _best(records: Sequence[PersonRecord], name: str) -> str | None:
    ranked = sorted(
        (r for r in records if _text(r, name)),
        key=lambda r: (person_facts.source_rank(r.source), -(r.day or dt.date.min).toordinal()),
    )
    return _text(ranked[0], name) if ranked else None


def _latest_address(records: Sequence[PersonRecord]) -> dict[str, str | None] | None:
    dated = sorted(
        ((r.day or dt.date.min, r) for r in records if person_facts.address(r.payload)),
        key=lambda pair: (pair[0], pair[1].ref),
    )
    if not dated:
        return None
    found = person_facts.address(dated[-1][1].payload)
    assert found is not None
    return {"street": found.street, "city": found.city, "state": found.state, "zip": found.zip}


def _withheld_values(held: Sequence[PersonRecord], kept: Sequence[PersonRecord]) -> frozenset[str]:
    """Return the values only withheld records give (folded), to screen officers' text.

    Only records the caller may read are given: the screen must not reveal, by refusing
    a word, a record the caller is not allowed to know of.
    """
    known = {
        _fold(str(v)) for r in kept for v in r.payload.values() if v is not None and str(v).strip()
    }
    found: set[str] = set()
    for r in held:
        for name in _SCREENED:
            value = r.text(name)
            if value is None:
                continue
            folded = _fold(value)
            if len(folded) >= _MIN_SCREENED and folded not in known:
                found.add(folded)
            if name in _FREE_TEXT:
                words = folded.split()
                found.update(
                    f"{a} {b}"
                    for a, b in pairwise(words)
                    if min(len(a), len(b)) >= _MIN_SCREENED and f"{a} {b}" not in known
                )
    return frozenset(found)


def served_facts(
    policy: DataUsePolicy, ctx: UseContext, records: Iterable[PersonRecord]
) -> ServedFacts:
    """Return what a served document may say of a person, from their servable records only."""
    kept, held = servable(policy, ctx, records)
    by_source: dict[str, list[PersonRecord]] = {}
    for r in kept:
        by_source.setdefault(r.source, []).append(r)
    countries = [
        r for s, name in COUNTRY_FIELDS.items() for r in by_source.get(s, []) if r.text(name)
    ]
    country = None
    if countries:
        best = min(countries, key=lambda r: person_facts.source_rank(r.source))
        country = _text(best, COUNTRY_FIELDS[best.source])
    admissions = tuple(
        Admission(
            date=r.text("event_date") or "",
            port_of_entry=_text(r, "port_of_entry"),
            class_of_admission=_text(r, "class_of_admission"),
            admit_until=_text(r, "admit_until"),
        )
        for r in sorted(by_source.get("cbp_i94", []), key=lambda r: r.text("event_date") or "")
        if r.upper("event") == "ARRIVAL"
    )
    orders = tuple(
        Order(
            court=_text(r, "court"),
            status=r.upper("status") or "",
            decided=r.text("decision_date") or "",
            in_absentia=r.flag("in_absentia"),
            appeal_pending=r.flag("appeal_pending"),
        )
        for r in sorted(
            by_source.get("eoir_cases", []), key=lambda r: r.text("decision_date") or ""
        )
        if r.text("decision_date") and (r.upper("status") or "PENDING") != "PENDING"
    )
    removals = tuple(
        Removal(date=r.text("event_date") or "", country=_text(r, "removal_country"))
        for r in sorted(
            by_source.get("enforcement_events", []), key=lambda r: r.text("event_date") or ""
        )
        if r.upper("event_type") == "REMOVAL"
    )
    convictions = tuple(
        Conviction(
            offense=_text(r, "offense_description") or "",
            category=_text(r, "offense_category"),
            date=r.text("disposition_date"),
            state=r.upper("state"),
        )
        for r in sorted(
            by_source.get("criminal_history", []), key=lambda r: r.text("disposition_date") or ""
        )
        if r.upper("disposition") == "CONVICTED"
    )
    a_numbers = [r for r in kept if r.text("a_number")]
    return ServedFacts(
        given_name=_best(kept, "given_name"),
        family_name=_best(kept, "family_name"),
        birth_date=_best(kept, "birth_date"),
        sex=_best(kept, "sex"),
        country=country,
        a_number=_best(a_numbers, "a_number"),
        address=_latest_address(kept),
        admissions=admissions,
        orders=orders,
        removals=removals,
        convictions=convictions,
        records=tuple(sorted(r.ref for r in kept)),
        withheld_values=_withheld_values([r for r in held if _readable(policy, ctx, r)], kept),
    )
