"""The Form I-9 as the worksite audit sees it: one model for CSV, JSON and filled PDFs.

Every reader (``io_csv``, ``pdf_form``) produces :class:`I9Form`; every rule reads it;
the generator writes it. A value the reader could not understand (a date that is not a
date) is kept as written in ``raw`` and listed in ``parse_issues``: the rules turn it into a
finding rather than losing it.

Dates are ``datetime.date``; a field left blank is ``None`` (dates) or ``""`` (text). The
section names follow the 08/01/23 edition: Section 1 (employee), Supplement A (preparers
and translators), Section 2 (employer review of documents), Supplement B (reverification
and rehire; Section 3 of earlier editions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    """The Section 1 attestation boxes (CB_1 to CB_4 of the PDF)."""

    CITIZEN = "CITIZEN"
    NONCITIZEN_NATIONAL = "NONCITIZEN_NATIONAL"
    PERMANENT_RESIDENT = "PERMANENT_RESIDENT"
    AUTHORIZED_ALIEN = "AUTHORIZED_ALIEN"


class DocumentList(StrEnum):
    """The three lists of acceptable documents (form page 2 / M-274 section 13)."""

    A = "A"
    B = "B"
    C = "C"


class Classification(StrEnum):
    """How a paperwork finding is treated after notice (INA 274A(b)(6))."""

    TECHNICAL = "TECHNICAL"  # technical or procedural: 10 business days to correct
    SUBSTANTIVE = "SUBSTANTIVE"  # counts toward the fine at once
    NOT_A_VIOLATION = "NOT_A_VIOLATION"  # informational: retention dates, notes


class Category(StrEnum):
    """Which law a finding falls under, and who acts on it."""

    PAPERWORK = "PAPERWORK"  # 8 U.S.C. 1324a(a)(1)(B), 8 CFR 274a.2: ICE's paperwork fine
    DISCRIMINATION = "DISCRIMINATION"  # 8 U.S.C. 1324b document abuse: DOJ IER, not a fine
    SUSPECT_DOCUMENT = "SUSPECT_DOCUMENT"  # inspection cross-checks: Notice of Suspect Documents
    RETENTION = "RETENTION"  # when a form may be destroyed (informational)


class Mode(StrEnum):
    """Who audits: the employer itself (forms and roster only) or an inspection."""

    SELF = "self"
    INSPECTION = "inspection"


class CorrectionMethod(StrEnum):
    """How a change to the form was made (M-274 section 11)."""

    STRIKE_THROUGH = "STRIKE_THROUGH"  # the proper way: line through, initial and date
    WHITE_OUT = "WHITE_OUT"  # obliteration: improper
    OVERWRITE = "OVERWRITE"  # written over, old value illegible: improper
    ELECTRONIC = "ELECTRONIC"  # an electronic system's audit trail


@dataclass(slots=True)
class Document:
    """One document recorded in Section 2 or Supplement B.

    ``expiration_raw`` keeps what was written when it is not a date ("N/A", "D/S").
    ``is_receipt`` marks a receipt recorded in place of the document (the title starts
    with "Receipt" on the form, M-274 section 4.3).
    """

    list: DocumentList
    title: str = ""
    issuing_authority: str = ""
    number: str = ""
    expiration: date | None = None
    expiration_raw: str = ""
    is_receipt: bool = False


@dataclass(slots=True)
class Preparer:
    """One preparer or translator of Supplement A."""

    last_name: str = ""
    first_name: str = ""
    middle_initial: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    signed: bool = False
    date_signed: date | None = None


@dataclass(slots=True)
class Reverification:
    """One block of Supplement B: a reverification, a rehire, or a legal name change."""

    rehire_date: date | None = None
    last_name: str = ""  # a new name, when it changed
    first_name: str = ""
    middle_initial: str = ""
    document: Document | None = None
    employer_name: str = ""  # the name of the employer or authorized representative
    signed: bool = False
    date_signed: date | None = None
    additional_information: str = ""
    alternative_procedure: bool = False


@dataclass(slots=True)
class Correction:
    """One change made to a completed form, as the audit trail or the paper shows it.

    ``field`` names a field of this model (``section1.date_of_birth`` style paths).
    ``dated`` is the date written beside the correction; ``made_on`` the date it was in
    fact made, when known (an electronic trail; the generator's truth). A correction dated
    earlier than it was made is backdated.
    """

    field: str
    old_value: str = ""
    new_value: str = ""
    method: CorrectionMethod = CorrectionMethod.STRIKE_THROUGH
    initials: str = ""
    dated: date | None = None
    made_on: date | None = None
    note: str = ""


@dataclass(slots=True)
class Section1:
    """Employee information and attestation."""

    last_name: str = ""
    first_name: str = ""
    middle_initial: str = ""
    other_last_names: str = ""
    address: str = ""
    apt: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    date_of_birth: date | None = None
    ssn: str = ""  # as written, digits only when the reader could normalize it
    email: str = ""
    phone: str = ""
    # Every box checked: one is right, none or several is a finding.
    status_boxes: list[Status] = field(default_factory=list)
    lpr_uscis_number: str = ""  # box 3: USCIS number or A-number
    authorization_expiration: date | None = None  # box 4: "Exp. date"
    authorization_expiration_raw: str = ""  # box 4 as written when not a date: "N/A", "D/S"
    alien_uscis_number: str = ""  # box 4, option 1
    i94_number: str = ""  # box 4, option 2
    foreign_passport: str = ""  # box 4, option 3: number and country of issuance
    signed: bool = False
    date_signed: date | None = None

    @property
    def status(self) -> Status | None:
        """Return the attested status when exactly one box is checked."""
        return self.status_boxes[0] if len(self.status_boxes) == 1 else None


@dataclass(slots=True)
class Section2:
    """Employer review and verification."""

    list_a: list[Document] = field(default_factory=list)  # up to three (a combination)
    list_b: Document | None = None
    list_c: Document | None = None
    additional_information: str = ""
    alternative_procedure: bool = False  # CB_Alt: remote examination (DHS alternative)
    first_day_of_employment: date | None = None
    representative_last_name: str = ""
    representative_first_name: str = ""
    representative_title: str = ""
    signed: bool = False
    date_signed: date | None = None
    business_name: str = ""
    business_address: str = ""

    def documents(self) -> list[Document]:
        """Return every document recorded, List A first."""
        docs = list(self.list_a)
        if self.list_b is not None:
            docs.append(self.list_b)
        if self.list_c is not None:
            docs.append(self.list_c)
        return docs


@dataclass(slots=True)
class ParseIssue:
    """A value a reader could not understand, kept as written."""

    field: str
    value: str
    message: str


@dataclass(slots=True)
class I9Form:
    """One employee's Form I-9 with the facts an auditor has about it.

    ``form_id`` is unique within an audit (the CSV's ``form_id``, or the PDF's file
    name). ``source`` names where it came from ("forms.csv:12", "pdf/0003.pdf").
    ``employee_id`` links it to the roster when the employer keeps one.
    ``edition`` is the form's edition date as printed ("08/01/23"); ``language`` is
    "en" or "es". ``copies_retained`` says the employer kept copies of the documents
    (optional; it changes how some failures are classified). ``everify_case`` is the
    E-Verify case number, when one was created.
    """

    form_id: str
    source: str = ""
    employee_id: str = ""
    edition: str = ""
    language: str = "en"
    section1: Section1 = field(default_factory=Section1)
    preparers: list[Preparer] = field(default_factory=list)
    preparer_used: bool = False  # Section 1's "a preparer or translator assisted" marker
    section2: Section2 = field(default_factory=Section2)
    supplement_b: list[Reverification] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    copies_retained: bool = False
    everify_case: str = ""
    parse_issues: list[ParseIssue] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RosterEntry:
    """One employee on the employer's roster: who must have a form, and until when."""

    employee_id: str
    last_name: str = ""
    first_name: str = ""
    date_of_birth: date | None = None
    hire_date: date | None = None
    termination_date: date | None = None


@dataclass(slots=True)
class Employer:
    """The employer under audit."""

    name: str = ""
    address: str = ""
    state: str = ""  # a Spanish-language form is lawful only in Puerto Rico ("PR")
    employee_count: int = 0  # business size, a fine factor
    everify: bool = False  # participates in E-Verify (remote examination needs it)
    everify_since: date | None = None


@dataclass(slots=True)
class Finding:
    """One thing an auditor flags, resting on named fields of one form (or the roster).

    ``rule_id`` names a rule of the registry (``rules.RULES``); ``citation`` is that rule's
    primary source. ``classification`` and ``policy`` are set by the classification
    policy (``classification.classify``); ``mitigations`` are the facts that policy may
    weigh (``"copy_retained"``, ``"shown_in_section2"``). ``guidance`` tells an employer
    how to correct it without backdating.
    """

    rule_id: str
    form_id: str  # "" for a finding about the employer as a whole (a pattern)
    message: str
    fields: list[str] = field(default_factory=list)
    citation: str = ""
    category: Category = Category.PAPERWORK
    classification: Classification = Classification.SUBSTANTIVE
    policy: str = ""
    mitigations: list[str] = field(default_factory=list)
    guidance: str = ""
    source: str = ""
    employee_id: str = ""


@dataclass(slots=True)
class AuditContext:
    """What a rule may consult beyond the form: the audit date, roster, employer, mode."""

    audit_date: date
    employer: Employer = field(default_factory=Employer)
    roster: dict[str, RosterEntry] = field(default_factory=dict)
    mode: Mode = Mode.SELF
    records: GovernmentRecords | None = None  # inspection mode only


@dataclass(slots=True)
class NumidentFact:
    """What SSA's Numident says of one SSN (inspection mode only)."""

    ssn: str
    last_name: str = ""
    first_name: str = ""
    date_of_birth: date | None = None
    date_of_death: date | None = None
    record_ref: str = ""  # "ssa_numident:<record_id>": the record a finding rests on


@dataclass(slots=True)
class UscisDocumentFact:
    """What USCIS records say of one document number (inspection mode only)."""

    number: str
    document_type: str = ""  # "I-551", "I-766", ...
    last_name: str = ""
    first_name: str = ""
    date_of_birth: date | None = None
    valid_until: date | None = None
    record_ref: str = ""


class GovernmentRecords(Protocol):
    """The government records an inspection consults (never a self-audit)."""

    def numident(self, ssn: str) -> NumidentFact | None:
        """Return SSA's record of an SSN, or None when SSA issued no such number."""
        ...

    def uscis_documents(self, number: str) -> list[UscisDocumentFact]:
        """Return USCIS's records of a document or A-number."""
        ...


@dataclass(slots=True)
class FormResult:
    """One form's findings and its destroy-by date."""

    form_id: str
    source: str = ""
    employee_id: str = ""
    findings: list[Finding] = field(default_factory=list)
    destroy_by: date | None = None


@dataclass(slots=True)
class AuditResult:
    """The result of one audit: per form, per employer, and the counts a fine needs.

    ``forms_required`` is the number of forms that should exist (the fine's denominator:
    every roster employee within retention, or every form audited without a roster).
    """

    mode: Mode
    policy: str
    audit_date: date
    employer: Employer
    forms: list[FormResult] = field(default_factory=list)
    employer_findings: list[Finding] = field(default_factory=list)
    forms_required: int = 0

    def findings(self) -> list[Finding]:
        """Return every finding: each form's, then the employer's."""
        out = [f for form in self.forms for f in form.findings]
        out.extend(self.employer_findings)
        return out
