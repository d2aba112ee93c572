"""The catalogue of I-9 rules: each rule's id, what it checks and under which law.

This is the contract between the rules, the generator (which seeds an error of each
kind with its rule id as truth), the classification policy and the reports. The checks
themselves live beside this file (``timeliness.py``, ``documents.py``, ...), each
registered under one of these ids with its citation; a test keeps the two equal.

``scope`` is ``form`` (a rule on one form), ``roster`` (forms against the roster) or
``employer`` (a pattern across the forms). ``modes`` lists where it runs: a self-audit
has the forms and the roster; an inspection also has government records.
"""

from __future__ import annotations

from dataclasses import dataclass

from immigrationos.worksite.model import Category, Mode

_BOTH = (Mode.SELF, Mode.INSPECTION)
_INSPECTION = (Mode.INSPECTION,)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule's identity: its id, a one-line title, its category, scope and modes."""

    rule_id: str
    title: str
    category: Category = Category.PAPERWORK
    scope: str = "form"
    modes: tuple[Mode, ...] = _BOTH


_P = Category.PAPERWORK
_D = Category.DISCRIMINATION
_S = Category.SUSPECT_DOCUMENT
_R = Category.RETENTION

CATALOGUE: tuple[RuleSpec, ...] = (
    # Timeliness (8 CFR 274a.2(b)(1)(i)-(ii), business days with federal holidays).
    RuleSpec("S1_LATE", "Section 1 completed after the first day of employment"),
    RuleSpec(
        "S2_LATE",
        "Section 2 completed after the third business day (or, for "
        "employment under three business days, after the first day)",
    ),
    # Section 1: the attestation's required fields.
    RuleSpec("S1_NAME_MISSING", "Section 1 lacks the employee's last or first name"),
    RuleSpec("S1_ADDRESS_MISSING", "Section 1 lacks the employee's address"),
    RuleSpec("S1_DOB_MISSING", "Section 1 lacks the date of birth"),
    RuleSpec("S1_STATUS_MISSING", "Section 1 has no status box checked, or more than one"),
    RuleSpec(
        "S1_STATUS_NUMBER_MISSING",
        "A permanent resident without a USCIS/A-number, or "
        "an alien authorized to work with none of A-number, I-94 number or foreign "
        "passport and country",
    ),
    RuleSpec(
        "S1_EXPIRATION_MISSING",
        "An alien authorized to work without the expiration date of the authorization (or N/A)",
    ),
    RuleSpec("S1_SIGNATURE_MISSING", "Section 1 is not signed by the employee"),
    RuleSpec("S1_DATE_MISSING", "Section 1 is not dated"),
    RuleSpec("SUPA_INCOMPLETE", "Supplement A (preparer/translator) is missing or incomplete"),
    # Section 2: documents.
    RuleSpec("S2_NO_DOCUMENTS", "Section 2 records no document"),
    RuleSpec(
        "S2_INVALID_COMBINATION",
        "Documents are not one List A, or one List B with "
        "one List C (B without C, C without B, two of one list)",
    ),
    RuleSpec(
        "S2_UNACCEPTABLE_DOCUMENT",
        "A document that is not acceptable for its list "
        "(an I-766 under List C, a restricted Social Security card, an unlisted title)",
    ),
    RuleSpec(
        "S2_DOCUMENT_DETAILS_MISSING",
        "A recorded document lacks its title, issuing authority, number or expiration date",
    ),
    RuleSpec("S2_DOCUMENT_EXPIRED", "A document had expired when it was examined"),
    RuleSpec(
        "S2_STATUS_DOCUMENT_MISMATCH",
        "A document inconsistent with the status "
        "attested in Section 1 (a citizen with a Permanent Resident Card)",
    ),
    RuleSpec(
        "S2_RECEIPT_INVALID",
        "A receipt that is not acceptable (not one of the three "
        "kinds, or for employment under three business days)",
    ),
    RuleSpec(
        "S2_RECEIPT_NOT_FOLLOWED_UP",
        "A receipt whose validity period ended without the actual document recorded",
    ),
    RuleSpec("S2_HIRE_DATE_MISSING", "Section 2 lacks the first day of employment"),
    RuleSpec(
        "S2_REPRESENTATIVE_MISSING",
        "Section 2 lacks the name or title of the employer's representative",
    ),
    RuleSpec("S2_BUSINESS_MISSING", "Section 2 lacks the business name or address"),
    RuleSpec("S2_SIGNATURE_MISSING", "Section 2 is not signed"),
    RuleSpec("S2_DATE_MISSING", "Section 2 is not dated"),
    RuleSpec(
        "REMOTE_EXAMINATION_INVALID",
        "Documents examined remotely without the "
        "alternative-procedure box, or by an employer not in E-Verify",
    ),
    # Reverification and Supplement B.
    RuleSpec("REVERIFICATION_MISSING", "Work authorization expired without reverification"),
    RuleSpec("REVERIFICATION_LATE", "Reverification recorded after the authorization expired"),
    RuleSpec(
        "REVERIFICATION_IMPROPER",
        "Reverification of a citizen, noncitizen national, "
        "Permanent Resident Card or List B document",
    ),
    RuleSpec("SUPB_INCOMPLETE", "A Supplement B block lacks its document, signature, date or name"),
    # The form itself.
    RuleSpec("EDITION_INVALID", "The form's edition was not valid on its completion date"),
    RuleSpec("SPANISH_FORM", "The Spanish-language form used outside Puerto Rico"),
    # Identifiers.
    RuleSpec(
        "SSN_INVALID",
        "The Social Security number cannot have been issued "
        "(area 000, 666 or 900-999, group 00, serial 0000, not nine digits)",
    ),
    RuleSpec("ITIN_AS_SSN", "An ITIN written in the Social Security number box"),
    RuleSpec("ANUMBER_INVALID", "An A-number/USCIS number that is not 7 to 9 digits"),
    RuleSpec(
        "I94_INVALID", "An I-94 admission number that is not 11 characters of the issued formats"
    ),
    RuleSpec(
        "CARD_NUMBER_INVALID",
        "A Permanent Resident Card or EAD number that is not three letters and ten digits",
    ),
    # Corrections.
    RuleSpec("CORRECTION_BACKDATED", "A correction dated earlier than it was made"),
    RuleSpec(
        "CORRECTION_OBLITERATED",
        "A correction that hides the original entry (white-out, overwriting)",
    ),
    RuleSpec("CORRECTION_UNINITIALED", "A correction without initials and date"),
    # Retention and the roster.
    RuleSpec("MISSING_FORM", "An employee on the roster without a form", scope="roster"),
    RuleSpec(
        "RETENTION_DESTROY_BY",
        "The form's destroy-by date (later of 3 years after hire or 1 year after termination)",
        category=_R,
    ),
    # Document abuse (8 U.S.C. 1324b(a)(6)).
    RuleSpec("OVERDOCUMENTATION", "More documents recorded than the form requires", category=_D),
    RuleSpec(
        "DOCUMENT_PATTERN",
        "Noncitizens recorded with specific documents in a pattern citizens are not",
        category=_D,
        scope="employer",
    ),
    # Inspection cross-checks against government records.
    RuleSpec(
        "NUMIDENT_MISMATCH",
        "Name or date of birth does not match SSA's record of the SSN",
        category=_S,
        modes=_INSPECTION,
    ),
    RuleSpec(
        "SSN_DECEASED",
        "The SSN belongs to a person SSA records as deceased",
        category=_S,
        modes=_INSPECTION,
    ),
    RuleSpec(
        "SSN_SHARED",
        "One SSN used by several employees",
        category=_S,
        scope="employer",
        modes=_INSPECTION,
    ),
    RuleSpec(
        "USCIS_DOCUMENT_MISMATCH",
        "An immigration document that does not match USCIS records",
        category=_S,
        modes=_INSPECTION,
    ),
)

RULE_SPECS: dict[str, RuleSpec] = {spec.rule_id: spec for spec in CATALOGUE}
RULE_IDS: tuple[str, ...] = tuple(RULE_SPECS)
