"""Status reasoning per person, as of a date: lawful status, work authorization, presence.

Everything here reads one person's records and the data contract's definitions
(``shared/spec/data-contract.md``); nothing is inferred from the person's traits. Each
interval and fact names the records it rests on (``source:record_id``). Records dated
after ``as_of`` are not known yet and are left out; a decision dated after ``as_of`` leaves
its application pending as of ``as_of``. Tips are never read: an allegation is not
evidence of status or of presence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from immigrationos.sources.contract import US_BIRTH_PLACES, USPS_CODES
from immigrationos.targeting.records import PersonRecord, by_source, known_by

# Admission classes that authorize work during the admission period.
WORK_CLASSES = frozenset(("H1B", "H2A", "H2B", "L1", "O1", "TN", "CW"))
VISA_WAIVER_CLASSES = frozenset(("WT", "WB"))
DURATION_OF_STATUS = "D/S"
# The contract's "pending or granted relief".
PENDING_RELIEF_FORMS = frozenset(("I-589", "I-485", "I-821", "I-821D", "I-918", "I-914", "I-360"))
APPROVED_RELIEF_FORMS = frozenset(("I-485", "I-589", "N-400", "I-918", "I-914", "I-360"))
APPROVED_WHILE_VALID_FORMS = frozenset(("I-821", "I-821D", "I-539"))
# Enforcement events and other records that show a person in the United States.
PRESENCE_EVENTS = frozenset(("ENCOUNTER", "ARREST"))
CITIZEN_DOCUMENTS = frozenset(("US_PASSPORT", "US_BIRTH_CERTIFICATE", "NATURALIZATION_CERTIFICATE"))


@dataclass(frozen=True)
class Interval:
    """A period of lawful status or of work authorization and the records behind it.

    ``start`` None means since before any record (e.g. from birth); ``end`` None means
    open-ended. Both ends are inclusive.
    """

    kind: str
    start: dt.date | None
    end: dt.date | None
    evidence: tuple[str, ...]

    def overlaps(self, lo: dt.date, hi: dt.date) -> bool:
        """Return whether the interval shares a day with ``[lo, hi]``."""
        return (self.start is None or self.start <= hi) and (self.end is None or self.end >= lo)


@dataclass(frozen=True)
class Fact:
    """One dated fact about a person (a departure, a removal, a relief) and its records."""

    kind: str
    day: dt.date | None
    evidence: tuple[str, ...]
    detail: str = ""


@dataclass(frozen=True)
class Admission:
    """An I-94 arrival: class of admission and admit-until (a date, or D/S)."""

    ref: str
    arrived: dt.date
    class_of_admission: str | None
    admit_until: dt.date | None
    duration_of_status: bool


@dataclass(frozen=True)
class EoirDecision:
    """An immigration-court decision as of ``as_of``."""

    ref: str
    status: str
    decided: dt.date
    in_absentia: bool
    appeal_pending: bool


@dataclass(frozen=True)
class Presence:
    """Whether the person is in the United States as of ``as_of``, and why.

    ``present`` follows the contract: not deceased, and no departure or removal unless a
    later record (``returned``) shows the person in the US again.
    """

    present: bool
    deceased: Fact | None
    last_exit: Fact | None
    returned: tuple[Fact, ...]
    last_evidence: Fact | None
    evidence: tuple[Fact, ...]


@dataclass(frozen=True)
class PersonStatus:
    """What a person's records say about their status, work and presence as of a date."""

    as_of: dt.date
    status: tuple[Interval, ...]
    work: tuple[Interval, ...]
    relief: tuple[Fact, ...]
    citizenship: tuple[Fact, ...]
    presence: Presence
    admissions: tuple[Admission, ...]
    departures: tuple[Fact, ...]
    removals: tuple[Fact, ...]
    eoir_decisions: tuple[EoirDecision, ...]
    appeal_pending: tuple[Fact, ...]
    # Records saying the person was born abroad or is a national of another country.
    alienage: tuple[Fact, ...] = ()

    @property
    def has_relief(self) -> bool:
        """Return whether any pending or granted relief is on record as of ``as_of``."""
        return bool(self.relief)

    @property
    def latest_admission(self) -> Admission | None:
        """Return the latest I-94 arrival (None when there is none)."""
        return self.admissions[-1] if self.admissions else None

    @property
    def latest_eoir(self) -> EoirDecision | None:
        """Return the latest EOIR decision, which wins over earlier ones."""
        return self.eoir_decisions[-1] if self.eoir_decisions else None

    def work_during(self, lo: dt.date, hi: dt.date) -> tuple[Interval, ...]:
        """Return the work-authorization intervals that overlap ``[lo, hi]``."""
        return tuple(i for i in self.work if i.overlaps(lo, hi))

    def status_during(self, lo: dt.date, hi: dt.date) -> tuple[Interval, ...]:
        """Return the lawful-status intervals that overlap ``[lo, hi]``."""
        return tuple(i for i in self.status if i.overlaps(lo, hi))


def _sorted(records: Iterable[PersonRecord], field: str) -> list[PersonRecord]:
    dated = [r for r in records if r.date(field) is not None]
    return sorted(dated, key=lambda r: (r.date(field), r.record_id))


def _benefit_status(r: PersonRecord, as_of: dt.date) -> str | None:
    """Return a benefit's status as of ``as_of``: decided after it, it was still pending."""
    status = r.upper("status")
    decided = r.date("decision_date")
    if status in ("APPROVED", "DENIED", "WITHDRAWN") and decided is not None and decided > as_of:
        return "PENDING"
    return status


def _admissions(i94: Sequence[PersonRecord]) -> tuple[list[Admission], list[Fact]]:
    arrivals, departures = [], []
    for r in _sorted(i94, "event_date"):
        day = r.date("event_date")
        if day is None:
            continue
        if r.upper("event") == "ARRIVAL":
            until_text = r.upper("admit_until")
            arrivals.append(
                Admission(
                    ref=r.ref,
                    arrived=day,
                    class_of_admission=r.upper("class_of_admission"),
                    admit_until=r.date("admit_until"),
                    duration_of_status=until_text == DURATION_OF_STATUS,
                )
            )
        elif r.upper("event") == "DEPARTURE":
            departures.append(Fact("I94_DEPARTURE", day, (r.ref,)))
    return arrivals, departures


def _admission_end(
    i: int, arrivals: Sequence[Admission], departures: Sequence[Fact]
) -> dt.date | None:
    """Return the last day of an admission: admit-until, or the departure or next arrival."""
    a = arrivals[i]
    ends = [d.day for d in departures if d.day is not None and d.day > a.arrived]
    if i + 1 < len(arrivals):
        ends.append(arrivals[i + 1].arrived)
    if a.admit_until is not None:
        ends.append(a.admit_until)
    elif not a.duration_of_status:
        ends.append(a.arrived)  # no admit-until recorded: admitted, for an unknown period
    return min(ends) if ends else None


def _admission_at(arrivals: Sequence[Admission], day: dt.date) -> Admission | None:
    before = [a for a in arrivals if a.arrived <= day]
    return before[-1] if before else None


class _Builder:
    """Collects intervals and facts while reading a person's records."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.status: list[Interval] = []
        self.work: list[Interval] = []
        self.relief: list[Fact] = []
        self.citizenship: list[Fact] = []

    def grant(
        self,
        kind: str,
        start: dt.date | None,
        end: dt.date | None,
        ref: str,
        *,
        work: bool,
    ) -> None:
        self.status.append(Interval(kind, start, end, (ref,)))
        if work:
            self.work.append(Interval(kind, start, end, (ref,)))

    def citizen(self, kind: str, start: dt.date | None, ref: str, detail: str) -> None:
        self.grant("CITIZEN", start, None, ref, work=True)
        self.citizenship.append(Fact(kind, start, (ref,), detail))


def _identity_documents(recs: dict[str, list[PersonRecord]], b: _Builder) -> Fact | None:
    """Read citizenship, Numident codes and death; return the death fact if any."""
    deceased = None
    for r in recs.get("ssa_numident", []):
        place, code, issued = (
            r.upper("birth_place"),
            r.upper("citizenship_code"),
            r.date("issue_date"),
        )
        if place in US_BIRTH_PLACES:
            b.citizen("US_BIRTH", None, r.ref, f"Numident birth place {place}")
        if code == "A":
            start = None if place in US_BIRTH_PLACES else issued
            b.citizen("NUMIDENT_CODE_A", start, r.ref, "Numident citizenship code A")
        elif code == "B" and issued is not None:
            # Lawful and allowed to work when issued; codes go stale, so only that day.
            b.grant("NUMIDENT_CODE_B", issued, issued, r.ref, work=True)
        elif code == "C" and issued is not None:
            b.grant("NUMIDENT_CODE_C", issued, issued, r.ref, work=False)
        died = r.date("death_date")
        if died is not None and died <= b.as_of:
            deceased = Fact("DECEASED", died, (r.ref,), "Numident death date")
    for r in recs.get("dos_passports", []):
        place = r.upper("birth_place")
        start = None if place in US_BIRTH_PLACES else r.date("issue_date")
        b.citizen("US_PASSPORT", start, r.ref, "US passport issued")
    for r in recs.get("dmv_licenses", []):
        doc = r.upper("legal_presence_document")
        if doc in CITIZEN_DOCUMENTS:
            # Citizenship evidence for the safeguards; a licence is not a status grant.
            b.citizenship.append(Fact(f"DMV_{doc}", r.date("issue_date"), (r.ref,), doc or ""))
    return deceased


def _benefits(benefits: Sequence[PersonRecord], arrivals: Sequence[Admission], b: _Builder) -> None:
    as_of = b.as_of
    extensions: dict[str, dt.date] = {}  # admission ref -> extended until
    for r in _sorted(benefits, "filed_date"):
        form, status = r.upper("form_type"), _benefit_status(r, as_of)
        filed, decided = r.date("filed_date"), r.date("decision_date")
        valid_from, valid_until = r.date("valid_from"), r.date("valid_until")
        start = valid_from or decided or filed
        if status == "PENDING" and form in PENDING_RELIEF_FORMS:
            b.relief.append(Fact(f"PENDING_{form}", filed, (r.ref,), f"{form} pending"))
        elif status == "PENDING" and form == "I-539" and filed is not None:
            adm = _admission_at(arrivals, filed)
            if adm is None or adm.class_of_admission in VISA_WAIVER_CLASSES:
                continue
            until = extensions.get(adm.ref, adm.admit_until)
            if adm.duration_of_status or (until is not None and filed < until):
                b.relief.append(
                    Fact("PENDING_I-539", filed, (r.ref, adm.ref), "I-539 filed in time, pending")
                )
        if status != "APPROVED":
            continue
        if form in APPROVED_RELIEF_FORMS:
            b.relief.append(Fact(f"APPROVED_{form}", decided, (r.ref,), f"{form} approved"))
        elif (
            form in APPROVED_WHILE_VALID_FORMS and valid_until is not None and valid_until >= as_of
        ):
            b.relief.append(
                Fact(f"APPROVED_{form}", decided, (r.ref,), f"{form} valid until {valid_until}")
            )
        if form == "N-400":
            b.citizen("NATURALIZED", decided or filed, r.ref, "N-400 approved")
        elif form in ("I-485", "I-751"):
            b.grant("LPR", decided or filed, None, r.ref, work=True)
        elif form == "I-589":
            b.grant("ASYLUM", decided or filed, None, r.ref, work=True)
        elif form in ("I-918", "I-914"):
            # U and T status carry work authorization (INA 214(p)(3)(B); 8 CFR 214.11).
            kind = "U_STATUS" if form == "I-918" else "T_STATUS"
            b.grant(kind, start, valid_until, r.ref, work=True)
        elif form == "I-360":
            b.grant("I-360_APPROVED", start, valid_until, r.ref, work=False)
        elif form in ("I-821", "I-821D"):
            kind = "TPS" if form == "I-821" else "DACA"
            b.grant(kind, start, valid_until, r.ref, work=True)
        elif form == "I-765":
            b.grant("EAD", start, valid_until, r.ref, work=True)
        elif form == "I-539" and filed is not None:
            adm = _admission_at(arrivals, filed)
            work = adm is not None and adm.class_of_admission in WORK_CLASSES
            b.grant("EXTENSION", start, valid_until, r.ref, work=work)
            if adm is not None and valid_until is not None:
                extensions[adm.ref] = valid_until


def _eoir(cases: Sequence[PersonRecord], b: _Builder) -> tuple[list[EoirDecision], list[Fact]]:
    decisions = []
    for r in _sorted(cases, "decision_date"):
        decided = r.date("decision_date")
        status = r.upper("status")
        if decided is None or decided > b.as_of or status in (None, "PENDING"):
            continue
        decisions.append(
            EoirDecision(r.ref, status, decided, r.flag("in_absentia"), r.flag("appeal_pending"))
        )
    for i, d in enumerate(decisions):
        if d.status == "RELIEF_GRANTED":
            later = [e.decided for e in decisions[i + 1 :] if e.decided > d.decided]
            end = min(later) if later else None
            b.grant("EOIR_RELIEF", d.decided, end, d.ref, work=True)
    latest = decisions[-1].decided if decisions else None
    appeals = []
    for r in cases:
        decided = r.date("decision_date")
        if r.flag("appeal_pending") and (latest is None or decided is None or decided >= latest):
            appeals.append(Fact("APPEAL_PENDING", decided, (r.ref,), "appeal pending"))
    if decisions and decisions[-1].status == "RELIEF_GRANTED":
        d = decisions[-1]
        b.relief.append(Fact("EOIR_RELIEF_GRANTED", d.decided, (d.ref,), "relief granted"))
    b.relief.extend(appeals)
    return decisions, appeals


def _presence_evidence(recs: dict[str, list[PersonRecord]]) -> list[Fact]:
    """Return every record that shows the person in the US (the contract's list, no tips)."""
    out = []
    for r in recs.get("cbp_i94", []):
        if r.upper("event") == "ARRIVAL":
            out.append(Fact("ARRIVAL", r.date("event_date"), (r.ref,)))
    for r in recs.get("enforcement_events", []):
        if r.upper("event_type") in PRESENCE_EVENTS:
            out.append(Fact(r.upper("event_type") or "", r.date("event_date"), (r.ref,)))
    for r in recs.get("irs_w2", []):
        year = r.year("tax_year")
        day = dt.date(year, 12, 31) if year is not None else None
        out.append(Fact("W2", day, (r.ref,), f"tax year {year}"))
    for r in recs.get("dmv_licenses", []):
        out.append(Fact("LICENCE_ISSUED", r.date("issue_date"), (r.ref,)))
    for r in recs.get("uscis_benefits", []):
        if r.upper("state") in USPS_CODES:
            out.append(Fact("BENEFIT_FILED_US_ADDRESS", r.date("filed_date"), (r.ref,)))
    for r in recs.get("fincen_ctr", []):
        out.append(Fact("CURRENCY_TRANSACTION", r.date("transaction_date"), (r.ref,)))
    return out


def _after(fact: Fact, exit_day: dt.date) -> bool:
    if fact.day is None:
        return False
    if fact.kind == "W2":  # a W-2 shows presence only in a later tax year
        return fact.day.year > exit_day.year
    return fact.day > exit_day


# Where a record states a country as the person's own (birth, citizenship, nationality).
ALIENAGE_FIELDS: dict[str, str] = {
    "cbp_i94": "citizenship_country",
    "uscis_benefits": "country_of_birth",
    "eoir_cases": "nationality",
    "enforcement_events": "nationality",
    "irs_itin": "country_of_citizenship",
    "cbp_home_departures": "citizenship_country",
    "ssa_numident": "birth_place",
}
US_COUNTRY = "USA"


def _itin_shaped(tin: str) -> bool:
    """Return whether a taxpayer number has an ITIN's shape (9, then group 50-65, 70-88...)."""
    digits = "".join(c for c in tin if c.isdigit())
    if len(digits) != 9 or digits[0] != "9":
        return False
    group = int(digits[3:5])
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


def _alienage(recs: dict[str, list[PersonRecord]]) -> tuple[Fact, ...]:
    """Return the records that state a foreign birth, citizenship or nationality.

    A Numident ``birth_place`` is a US state or territory code (two letters) or an ISO3
    country; the other fields are ISO3 countries. Wages under an ITIN and a currency
    report naming a foreign passport count too. Foreign birth is only a presumption
    of alienage (a naturalized or derived citizen was born abroad too), which the
    citizenship safeguard answers; a record of no country says nothing.
    """
    found = []
    for r in recs.get("irs_w2", []):
        tin = r.text("employee_tin")
        if tin is not None and _itin_shaped(tin):
            # An ITIN goes only to those not eligible for an SSN: never a US citizen.
            found.append(Fact("ITIN_ON_W2", None, (r.ref,), "an ITIN holder"))
    for source in ("fincen_ctr", "fincen_sar"):
        for r in recs.get(source, []):
            country = r.upper("id_country")
            if r.upper("id_type") == "PASSPORT" and country and country != US_COUNTRY:
                found.append(Fact("FOREIGN_PASSPORT", None, (r.ref,), country))
    for source, field in ALIENAGE_FIELDS.items():
        for r in recs.get(source, []):
            country = r.upper(field)
            if country is None or country == US_COUNTRY or len(country) != 3:
                continue
            found.append(Fact("FOREIGN_" + field.upper(), None, (r.ref,), country))
    return tuple(found)


def derive_status(records: Iterable[PersonRecord], as_of: dt.date) -> PersonStatus:
    """Return a person's lawful status, work authorization and presence as of ``as_of``."""
    recs = by_source(r for r in known_by(records, as_of) if r.source != "tips")
    b = _Builder(as_of)
    deceased = _identity_documents(recs, b)
    arrivals, departures = _admissions(recs.get("cbp_i94", []))
    for i, a in enumerate(arrivals):
        cls = a.class_of_admission
        if cls == "LPR":
            b.grant("LPR", a.arrived, None, a.ref, work=True)
        elif cls == "USC":
            b.citizen("USC_ARRIVAL", a.arrived, a.ref, "admitted as a US citizen")
        else:
            end = _admission_end(i, arrivals, departures)
            b.grant(f"ADMISSION_{cls or 'UNKNOWN'}", a.arrived, end, a.ref, work=False)
            if cls in WORK_CLASSES and a.admit_until is not None:
                b.work.append(Interval(f"ADMISSION_{cls}", a.arrived, end, (a.ref,)))
    _benefits(recs.get("uscis_benefits", []), arrivals, b)
    decisions, appeals = _eoir(recs.get("eoir_cases", []), b)

    removals = [
        Fact("REMOVAL", r.date("event_date"), (r.ref,))
        for r in _sorted(recs.get("enforcement_events", []), "event_date")
        if r.upper("event_type") == "REMOVAL"
    ]
    exits = list(removals)
    for r in recs.get("cbp_home_departures", []):
        day = r.date("confirmed_departure_date")
        if day is not None and day <= as_of:
            exits.append(Fact("CONFIRMED_SELF_DEPARTURE", day, (r.ref,)))
    last_arrival = arrivals[-1].arrived if arrivals else None
    exits += [d for d in departures if last_arrival is None or (d.day and d.day > last_arrival)]
    last_exit = max(exits, key=lambda f: f.day or dt.date.min) if exits else None
    evidence = _presence_evidence(recs)
    returned: tuple[Fact, ...] = ()
    if last_exit is not None and last_exit.day is not None:
        returned = tuple(f for f in evidence if _after(f, last_exit.day))
    dated = [f for f in evidence if f.day is not None]
    presence = Presence(
        present=deceased is None and (last_exit is None or bool(returned)),
        deceased=deceased,
        last_exit=last_exit,
        returned=returned,
        last_evidence=max(dated, key=lambda f: f.day or dt.date.min) if dated else None,
        evidence=tuple(evidence),
    )
    return PersonStatus(
        as_of=as_of,
        status=tuple(b.status),
        work=tuple(b.work),
        relief=tuple(b.relief),
        citizenship=tuple(b.citizenship),
        presence=presence,
        admissions=tuple(arrivals),
        departures=tuple(departures),
        removals=tuple(removals),
        eoir_decisions=tuple(decisions),
        appeal_pending=tuple(appeals),
        alienage=_alienage(recs),
    )
