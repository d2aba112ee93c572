"""Inspection cross-checks: the Forms I-9 against SSA's and USCIS's records.

Four rules run in inspection mode only (an employer has no access to these records):
``NUMIDENT_MISMATCH`` (the name or birth date on the form is not SSA's for that SSN),
``SSN_DECEASED`` (SSA records the SSN's holder as dead), ``SSN_SHARED`` (one SSN on
several employees' forms) and ``USCIS_DOCUMENT_MISMATCH`` (an A-number or card number
USCIS records do not hold, or hold for another person). Their findings make the Notice
of Suspect Documents; each names the government record it rests on
(``ssa_numident:<record_id>``), in its message and in :func:`record_refs`.

A mismatch is a discrepancy to put to the employer and the employee, not a proof of
fraud, so the checks tolerate what records of one person commonly differ by: accents,
hyphens and spaces, one of two surnames, a nickname or cognate of the given name (the
platform's resolution tables), an initial, a single typing slip in a long name, a birth
date with day and month swapped.

:class:`PlatformRecords` reads the ingested ``ssa_numident`` and ``uscis_benefits``
records from the platform's record index under a declared purpose: the data-use policy
decides the sources and each record (failing closed; a refusal raises
:class:`RecordsRefused` with the policy's reason), and every record consulted is listed
in ``consulted`` for the audit event of the run.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.policy import engine as policy_engine
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import Decision, Use, UseContext
from immigrationos.policy.errors import PurposeError
from immigrationos.records import normalize
from immigrationos.records.models import Record, RecordKey
from immigrationos.resolution import variants
from immigrationos.worksite.model import (
    AuditContext,
    Category,
    Document,
    Finding,
    GovernmentRecords,
    I9Form,
    Mode,
    NumidentFact,
    UscisDocumentFact,
)
from immigrationos.worksite.rules.registry import employer_rule, form_rule

SSA_SOURCE = "ssa_numident"
USCIS_SOURCE = "uscis_benefits"
CROSSCHECK_RULES = ("NUMIDENT_MISMATCH", "SSN_DECEASED", "SSN_SHARED", "USCIS_DOCUMENT_MISMATCH")

CITATIONS = {
    "NUMIDENT_MISMATCH": (
        "8 CFR 274a.1(l)(1) (knowledge that an employee is unauthorized, inferred from "
        "information an employer has); ICE Notice of Suspect Documents practice; SSA "
        "Numident (42 U.S.C. § 405(c)(2))"
    ),
    "SSN_DECEASED": "8 CFR 274a.2(b)(1)(ii)(A) (documents that reasonably appear genuine "
    "and relate to the person); SSA Numident death record (42 U.S.C. § 405(c)(2))",
    "SSN_SHARED": "8 CFR 274a.2(b)(1)(ii)(A) (documents that relate to the person); "
    "8 CFR 274a.1(l)(1)",
    "USCIS_DOCUMENT_MISMATCH": "8 CFR 274a.2(b)(1)(ii)(A) (documents that reasonably appear "
    "genuine and relate to the person); USCIS records (8 U.S.C. § 1360)",
}
GUIDANCE = {
    "NUMIDENT_MISMATCH": (
        "Give the employee a copy of the Notice of Suspect Documents and the chance to show "
        "that the records are wrong or to present other valid documents; do not terminate "
        "without that chance, and do not ask for specific documents (8 U.S.C. § 1324b)."
    ),
    "SSN_DECEASED": (
        "Give the employee the notice and the chance to resolve the record with SSA or "
        "present other valid documents."
    ),
    "SSN_SHARED": (
        "Ask each employee concerned, privately and without singling out by origin, to "
        "confirm the number or resolve it with SSA; a typing error is corrected on the form "
        "by strike-through, initialled and dated today."
    ),
    "USCIS_DOCUMENT_MISMATCH": (
        "Give the employee the notice and the chance to show the document is valid (USCIS "
        "records may lag) or to present other valid documents of their choice."
    ),
}
_REF = re.compile(r"\b((?:ssa_numident|uscis_benefits):[A-Za-z0-9_.\-]+)")
_DIGITS = re.compile(r"\D+")
_CARD = re.compile(r"^[A-Z]{3}[0-9]{10}$")
# Documents whose number USCIS issued: Permanent Resident Card, EAD, foreign passport with
# an I-551 stamp (its number is the A-number).
_USCIS_TITLES = ("I-551", "I551", "PERMANENT RESIDENT", "I-766", "I766", "EMPLOYMENT AUTH", "EAD")
# A single slip is a typing error only in a word this long; shorter words differ in meaning.
_TYPO_MIN_LENGTH = 6


class RecordsRefused(PermissionError):
    """The data-use policy refuses the cross-checks' reads: the rule, its law, and why."""

    def __init__(self, detail: str, rule: str = "", citation: str = "") -> None:
        super().__init__(detail)
        self.detail, self.rule, self.citation = detail, rule, citation


def record_refs(finding: Finding) -> list[str]:
    """Return the government records a finding rests on (``source:record_id``)."""
    found = getattr(finding, "records", None)
    if found:
        return list(found)
    return list(dict.fromkeys(_REF.findall(finding.message)))


# -- names and dates ------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return normalize.tokens(text)


def _slip(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= _TYPO_MIN_LENGTH and DamerauLevenshtein.distance(a, b) <= 1


def _word_agrees(a: str, b: str) -> bool:
    if a == b or _slip(a, b):
        return True
    return b in variants.word_variants(a) or a in variants.word_variants(b)


def family_names_agree(form_name: str, record_name: str) -> bool:
    """Return whether two family names may be one person's (two surnames, spacing, a slip)."""
    a, b = _words(form_name), _words(record_name)
    if not a or not b:
        return True  # nothing to compare: not a mismatch
    if "".join(a) == "".join(b):
        return True
    return any(_word_agrees(x, y) for x in a for y in b)


def given_names_agree(form_name: str, record_name: str) -> bool:
    """Return whether two given names may be one person's (nickname, cognate, initial, slip)."""
    a, b = _words(form_name), _words(record_name)
    if not a or not b:
        return True
    first_a, first_b = a[0], b[0]
    if len(first_a) == 1 or len(first_b) == 1:
        return first_a[0] == first_b[0]
    if "".join(a) == "".join(b):
        return True
    return any(_word_agrees(x, y) for x in a for y in b)


def names_agree(form_given: str, form_family: str, rec_given: str, rec_family: str) -> bool:
    """Return whether the form's name may be the record's, either way round."""
    straight = given_names_agree(form_given, rec_given) and family_names_agree(
        form_family, rec_family
    )
    swapped = given_names_agree(form_given, rec_family) and family_names_agree(
        form_family, rec_given
    )
    return straight or swapped


def birth_dates_agree(form_date: date | None, record_date: date | None) -> bool:
    """Return whether two birth dates may be one person's (equal, or day and month swapped)."""
    if form_date is None or record_date is None:
        return True
    if form_date == record_date:
        return True
    return (form_date.year, form_date.month, form_date.day) == (
        record_date.year,
        record_date.day,
        record_date.month,
    )


def ssn_of(form: I9Form) -> str | None:
    """Return the form's SSN as nine digits, or None when it is not one."""
    digits = _DIGITS.sub("", form.section1.ssn or "")
    return digits if len(digits) == 9 else None


# -- the checks -----------------------------------------------------------------------------


def _finding(rule_id: str, form: I9Form, message: str, fields: list[str]) -> Finding:
    return Finding(
        rule_id=rule_id,
        form_id=form.form_id,
        message=message,
        fields=fields,
        citation=CITATIONS[rule_id],
        category=Category.SUSPECT_DOCUMENT,
        guidance=GUIDANCE[rule_id],
        source=form.source,
        employee_id=form.employee_id,
    )


def _records(ctx: AuditContext) -> GovernmentRecords | None:
    return ctx.records if ctx.mode is Mode.INSPECTION else None


def _numident(form: I9Form, ctx: AuditContext) -> tuple[str, NumidentFact] | None:
    records = _records(ctx)
    ssn = ssn_of(form)
    if records is None or ssn is None:
        return None
    fact = records.numident(ssn)
    # SSA issued no such number: SSN_INVALID's concern (structure), not a mismatch.
    return None if fact is None else (ssn, fact)


@form_rule("SSN_DECEASED", citation=CITATIONS["SSN_DECEASED"], guidance=GUIDANCE["SSN_DECEASED"])
def check_deceased(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Flag an SSN whose holder SSA records as dead before the employee attested."""
    found = _numident(form, ctx)
    if found is None:
        return
    ssn, fact = found
    died = fact.date_of_death
    # Dead before the employee attested (or before the audit, when the form is undated).
    if died is not None and died <= (form.section1.date_signed or ctx.audit_date):
        yield _finding(
            "SSN_DECEASED",
            form,
            f"SSA's record {fact.record_ref or SSA_SOURCE} shows the holder of SSN ending "
            f"{ssn[-4:]} died on {died.isoformat()}",
            ["section1.ssn"],
        )


@form_rule(
    "NUMIDENT_MISMATCH",
    citation=CITATIONS["NUMIDENT_MISMATCH"],
    guidance=GUIDANCE["NUMIDENT_MISMATCH"],
)
def check_numident(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Flag a name or birth date that is not SSA's for the form's SSN."""
    found = _numident(form, ctx)
    if found is None:
        return
    ssn, fact = found
    s1 = form.section1
    wrong: list[str] = []
    what: list[str] = []
    if not names_agree(s1.first_name, s1.last_name, fact.first_name, fact.last_name):
        wrong += ["section1.last_name", "section1.first_name"]
        what.append(
            f"name {s1.first_name} {s1.last_name} is recorded by SSA as "
            f"{fact.first_name} {fact.last_name}"
        )
    if not birth_dates_agree(s1.date_of_birth, fact.date_of_birth):
        assert s1.date_of_birth is not None and fact.date_of_birth is not None
        wrong.append("section1.date_of_birth")
        what.append(
            f"date of birth {s1.date_of_birth.isoformat()} is recorded by SSA as "
            f"{fact.date_of_birth.isoformat()}"
        )
    if wrong:
        yield _finding(
            "NUMIDENT_MISMATCH",
            form,
            f"SSN ending {ssn[-4:]}: " + "; ".join(what) + f" (SSA record {fact.record_ref})",
            ["section1.ssn", *wrong],
        )


def _person_key(form: I9Form) -> tuple[str, ...]:
    s1 = form.section1
    if form.employee_id:
        return ("id", form.employee_id)
    dob = s1.date_of_birth.isoformat() if s1.date_of_birth else ""
    return ("name", normalize.fold(s1.first_name), normalize.fold(s1.last_name), dob)


@employer_rule("SSN_SHARED", citation=CITATIONS["SSN_SHARED"], guidance=GUIDANCE["SSN_SHARED"])
def check_shared_ssns(forms: Sequence[I9Form], ctx: AuditContext) -> Iterator[Finding]:
    """Flag every form whose SSN is on the form of another employee too."""
    records = _records(ctx)
    if records is None:
        return
    by_ssn: dict[str, list[I9Form]] = defaultdict(list)
    for form in forms:
        ssn = ssn_of(form)
        if ssn is not None:
            by_ssn[ssn].append(form)
    for ssn, holders in sorted(by_ssn.items()):
        people = {_person_key(f) for f in holders}
        if len(people) < 2:
            continue  # one employee's forms (a rehire, a new form with a note)
        fact = records.numident(ssn)
        owner = (
            f"SSA record {fact.record_ref} is of {fact.first_name} {fact.last_name}"
            if fact is not None and fact.record_ref
            else "SSA holds no record of it"
        )
        for form in holders:
            others = ", ".join(f.form_id for f in holders if _person_key(f) != _person_key(form))
            yield _finding(
                "SSN_SHARED",
                form,
                f"SSN ending {ssn[-4:]} is also on the form(s) of another employee: {others} "
                f"({owner})",
                ["section1.ssn"],
            )


def _document_is_uscis(doc: Document) -> bool:
    title = doc.title.upper()
    return any(t in title for t in _USCIS_TITLES)


def uscis_numbers(form: I9Form) -> list[tuple[str, str, str]]:
    """Return the USCIS-issued numbers on a form: (field, kind, number), each number once."""
    s1 = form.section1
    found: list[tuple[str, str, str]] = []
    if s1.lpr_uscis_number:
        found.append(("section1.lpr_uscis_number", "A-number", s1.lpr_uscis_number))
    if s1.alien_uscis_number:
        found.append(("section1.alien_uscis_number", "A-number", s1.alien_uscis_number))
    for i, doc in enumerate(form.section2.list_a):
        if doc.number and not doc.is_receipt and _document_is_uscis(doc):
            compact = re.sub(r"[^0-9A-Z]", "", doc.number.upper())
            kind = "card number" if _CARD.fullmatch(compact) else "A-number"
            found.append((f"section2.list_a[{i}].number", kind, doc.number))
    seen: set[str] = set()
    unique = []
    for fieldname, kind, number in found:
        key = normalize.identifier("A_NUMBER" if kind == "A-number" else "RECEIPT", number) or ""
        if key and key not in seen:
            seen.add(key)
            unique.append((fieldname, kind, number))
    return unique


@form_rule(
    "USCIS_DOCUMENT_MISMATCH",
    citation=CITATIONS["USCIS_DOCUMENT_MISMATCH"],
    guidance=GUIDANCE["USCIS_DOCUMENT_MISMATCH"],
)
def check_uscis_documents(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Flag an A-number or card number USCIS does not hold, or holds for another person."""
    records = _records(ctx)
    if records is None:
        return
    s1 = form.section1
    for fieldname, kind, number in uscis_numbers(form):
        withheld_before = len(getattr(records, "withheld", ()))
        facts = records.uscis_documents(number)
        if len(getattr(records, "withheld", ())) > withheld_before:
            continue  # a record the policy withholds: neither used nor said to be missing
        if not facts:
            yield _finding(
                "USCIS_DOCUMENT_MISMATCH",
                form,
                f"USCIS records hold no {kind} {number} ({USCIS_SOURCE}: no record)",
                [fieldname],
            )
            continue
        if any(
            names_agree(s1.first_name, s1.last_name, f.first_name, f.last_name)
            and birth_dates_agree(s1.date_of_birth, f.date_of_birth)
            for f in facts
        ):
            continue
        refs = ", ".join(f.record_ref for f in facts if f.record_ref)
        yield _finding(
            "USCIS_DOCUMENT_MISMATCH",
            form,
            f"USCIS records hold {kind} {number} for another person (record {refs})",
            [fieldname, "section1.last_name", "section1.first_name", "section1.date_of_birth"],
        )


def crosscheck_forms(forms: Sequence[I9Form], ctx: AuditContext) -> list[Finding]:
    """Return every cross-check finding on ``forms`` (nothing outside inspection mode)."""
    found: list[Finding] = []
    for form in forms:
        found.extend(check_deceased(form, ctx))
        found.extend(check_numident(form, ctx))
        found.extend(check_uscis_documents(form, ctx))
    found.extend(check_shared_ssns(forms, ctx))
    return found


# -- records from the platform ----------------------------------------------------------------


@dataclass
class InMemoryRecords:
    """Government records held in memory (tests, and employers' own E-Verify results)."""

    numidents: dict[str, NumidentFact] = field(default_factory=dict)
    documents: dict[str, list[UscisDocumentFact]] = field(default_factory=dict)

    def numident(self, ssn: str) -> NumidentFact | None:
        """Return SSA's record of an SSN, or None."""
        return self.numidents.get(_DIGITS.sub("", ssn))

    def uscis_documents(self, number: str) -> list[UscisDocumentFact]:
        """Return USCIS's records of a document or A-number."""
        keys = {
            normalize.identifier("A_NUMBER", number),
            normalize.identifier("RECEIPT", number),
        }
        found: list[UscisDocumentFact] = []
        for stored, facts in self.documents.items():
            if keys & {
                normalize.identifier("A_NUMBER", stored),
                normalize.identifier("RECEIPT", stored),
            }:
                found.extend(facts)
        return found


_CHUNK = 500  # values per IN (...) query


@dataclass(frozen=True, slots=True)
class _Held:
    """A record read, with the data-use decision on it (made once)."""

    ref: str
    payload: dict[str, Any]
    decision: Decision


def _uscis_keys(number: str) -> list[tuple[str, str | None]]:
    return [
        ("A_NUMBER", normalize.identifier("A_NUMBER", number)),
        ("RECEIPT", normalize.identifier("RECEIPT", number)),
    ]


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class PlatformRecords:
    """SSA's and USCIS's records as the platform holds them, read under a purpose.

    Built by :meth:`open`, which refuses (:class:`RecordsRefused`) when the purpose is
    missing or unusable or the data-use policy does not allow either source for an
    inspection's batch analysis. Each record is decided again on its own, for the analysis
    and for disclosure (a finding ends in a notice served outside the agency); a refused
    one is neither used nor said to be missing (``withheld`` counts it). ``consulted``
    lists every record read, for the audit event. Records are not limited to the user's
    area: an employee's SSA or USCIS record may lie anywhere, and a number missing only
    from the user's area would be a false finding.
    """

    def __init__(self, session: Session, ctx: UseContext, *, use: Use = Use.ANALYSE) -> None:
        self.session = session
        self.ctx = ctx
        self.use = use
        self.policy = policy_engine.get_policy()
        self.withheld: list[Decision] = []
        self._consulted: dict[str, None] = {}
        self._numidents: dict[str, NumidentFact | None] = {}
        self._by_key: dict[tuple[str, str, str], list[int]] = {}
        self._records: dict[int, _Held] = {}
        for source in (SSA_SOURCE, USCIS_SOURCE):
            decision = self.policy.decide_source(ctx, source, use)
            if not decision.allowed:
                raise RecordsRefused(
                    f"the inspection's cross-checks may not read {source}: {decision.reason}",
                    decision.rule,
                    decision.citation,
                )

    @classmethod
    def open(
        cls, session: Session, principal: Principal, purpose_id: str | None
    ) -> PlatformRecords:
        """Return the records readable under ``purpose_id``; refuse with the reason."""
        if not purpose_id:
            raise RecordsRefused(
                "an inspection's cross-checks read SSA and USCIS records, which are person "
                "data: declare the purpose of the inspection (a purpose id)",
                "PURPOSE_REQUIRED",
            )
        try:
            ctx = policy_service.load_context(
                session=session, principal=principal, purpose_id=purpose_id
            )
        except PurposeError as exc:
            raise RecordsRefused(str(exc), "PURPOSE_REFUSED") from exc
        return cls(session, ctx)

    def _fetch(self, source: str, pairs: Iterable[tuple[str, str | None]]) -> None:
        """Read the records of the (kind, value) keys not read yet, a chunk per query."""
        wanted = sorted({(k, v) for k, v in pairs if v and (source, k, v) not in self._by_key})
        for kind, value in wanted:
            self._by_key[(source, kind, value)] = []
        for kind in sorted({k for k, _ in wanted}):
            values = [v for k, v in wanted if k == kind]
            for i in range(0, len(values), _CHUNK):
                query = (
                    select(Record.id, Record.record_id, Record.payload, RecordKey.value)
                    .join(RecordKey, RecordKey.record_pk == Record.id)
                    .where(
                        Record.source == source,
                        Record.withdrawn.is_(False),
                        RecordKey.kind == kind,
                        RecordKey.value.in_(values[i : i + _CHUNK]),
                    )
                    .order_by(Record.record_id)
                )
                for pk, record_id, payload_json, value in self.session.execute(query):
                    self._by_key[(source, kind, value)].append(pk)
                    if pk not in self._records:
                        self._records[pk] = self._decided(source, record_id, payload_json)

    def _decided(self, source: str, record_id: str, payload_json: str) -> _Held:
        payload = json.loads(payload_json)
        decision = self.policy.decide_record(self.ctx, source, payload, self.use)
        if decision.allowed:
            # Findings go into notices served on the employer (and shown to the employee):
            # a record that may not leave the agency (8 U.S.C. 1367, 8 CFR 208.6) is not
            # named there, nor made into a finding.
            decision = self.policy.decide_record(self.ctx, source, payload, Use.DISCLOSE)
        return _Held(f"{source}:{record_id}", payload, decision)

    def _rows(self, source: str, pairs: Sequence[tuple[str, str | None]]) -> list[_Held]:
        self._fetch(source, pairs)
        pks: dict[int, None] = {}
        for kind, value in pairs:
            if value:
                pks.update(dict.fromkeys(self._by_key[(source, kind, value)]))
        usable = []
        for pk in pks:
            held = self._records[pk]
            if not held.decision.allowed:
                self.withheld.append(held.decision)
                continue
            self._consulted[held.ref] = None
            usable.append(held)
        return usable

    @property
    def consulted(self) -> list[str]:
        """Return every record the cross-checks used, once each, in the order first used."""
        return list(self._consulted)

    def prefetch(self, forms: Sequence[I9Form]) -> None:
        """Read at once the records every form's SSN and USCIS numbers may need."""
        ssns = [ssn for ssn in (ssn_of(f) for f in forms) if ssn is not None]
        self._fetch(SSA_SOURCE, [("SSN", normalize.identifier("SSN", s)) for s in ssns])
        numbers = [n for f in forms for _, _, n in uscis_numbers(f)]
        self._fetch(USCIS_SOURCE, [pair for n in numbers for pair in _uscis_keys(n)])

    def numident(self, ssn: str) -> NumidentFact | None:
        """Return SSA's record of an SSN, or None when the platform holds none."""
        digits = _DIGITS.sub("", ssn)
        if digits in self._numidents:
            return self._numidents[digits]
        rows = self._rows(SSA_SOURCE, [("SSN", normalize.identifier("SSN", digits))])
        fact = None
        if rows:
            held = rows[0]
            p = held.payload
            fact = NumidentFact(
                ssn=digits,
                last_name=str(p.get("family_name") or ""),
                first_name=str(p.get("given_name") or ""),
                date_of_birth=_date(p.get("birth_date")),
                date_of_death=_date(p.get("death_date")),
                record_ref=held.ref,
            )
        self._numidents[digits] = fact
        return fact

    def uscis_documents(self, number: str) -> list[UscisDocumentFact]:
        """Return USCIS's records holding a document or A-number (by A-number or receipt)."""
        found = []
        for held in self._rows(USCIS_SOURCE, _uscis_keys(number)):
            p = held.payload
            found.append(
                UscisDocumentFact(
                    number=number,
                    document_type=str(p.get("form_type") or ""),
                    last_name=str(p.get("family_name") or ""),
                    first_name=str(p.get("given_name") or ""),
                    date_of_birth=_date(p.get("birth_date")),
                    valid_until=_date(p.get("valid_until")),
                    record_ref=held.ref,
                )
            )
        return found
