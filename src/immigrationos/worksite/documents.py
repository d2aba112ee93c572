"""The documents acceptable for Form I-9: Lists A, B and C, with tolerant title matching.

Sources: the Lists of Acceptable Documents (Form I-9 page 2, edition 08/01/23) and the
M-274 Handbook for Employers, section 13 ("Acceptable Documents"), section 4.3
("Receipts", Table 1), section 6 ("Reverifying employment authorization").

Employers write titles as they please ("U.S. Passport", "US PASSPORT", "Passport",
"I-551", "Green card", "SS card", "Driver's Lic."): :func:`identify` maps a written title
(and its issuing authority, for a bare "Passport") to one :class:`DocumentType`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from immigrationos.worksite.identifiers import is_valid_card_number
from immigrationos.worksite.model import Document, DocumentList, Status

_A = frozenset({DocumentList.A})
_B = frozenset({DocumentList.B})
_C = frozenset({DocumentList.C})
_BC = frozenset({DocumentList.B, DocumentList.C})


@dataclass(frozen=True, slots=True)
class DocumentType:
    """One kind of document on the Lists of Acceptable Documents.

    ``lists``: the lists it belongs to (a tribal document is on B and on C).
    ``expires``: it carries an expiration date the form must record.
    ``photo``: List B documents only: True with a photograph, False without, None when it
    varies (E-Verify employers accept List B only with a photograph, M-274 section 13.2).
    ``reverify``: its expiration ends the employee's evidence of work authorization, so
    Supplement B is due by then (M-274 section 6.1); never for List B, U.S. passports or
    Permanent Resident Cards.
    ``citizen_only`` / ``noncitizen_only``: evidence of a status, inconsistent with the
    other (a U.S. birth certificate for a permanent resident; an I-551 for a citizen).
    ``minors_only``: List B for employees under 18 only.
    ``standalone``: enough alone for List A; False for parts of a combination (a foreign
    passport without its I-94, an I-94 without the passport, an I-20).
    ``numbered``: the document always bears a number (Section 2 asks for the number "if
    any": a school record or a tribal document may have none).
    """

    code: str
    title: str
    lists: frozenset[DocumentList]
    expires: bool = False
    photo: bool | None = None
    reverify: bool = False
    citizen_only: bool = False
    noncitizen_only: bool = False
    minors_only: bool = False
    standalone: bool = True
    numbered: bool = True


def _t(code: str, title: str, lists: frozenset[DocumentList], **kw: object) -> DocumentType:
    return DocumentType(code, title, lists, **kw)  # type: ignore[arg-type]


TYPES: dict[str, DocumentType] = {
    t.code: t
    for t in (
        # List A (M-274 section 13.1)
        _t("US_PASSPORT", "U.S. Passport", _A, expires=True, citizen_only=True),
        _t("US_PASSPORT_CARD", "U.S. Passport Card", _A, expires=True, citizen_only=True),
        _t("I551", "Permanent Resident Card (Form I-551)", _A, expires=True, noncitizen_only=True),
        _t(
            "FOREIGN_PASSPORT_TEMP_I551",
            "Foreign passport with temporary I-551 stamp or MRIV notation",
            _A,
            expires=True,
            reverify=True,
            noncitizen_only=True,
        ),
        _t(
            "I766",
            "Employment Authorization Document (Form I-766)",
            _A,
            expires=True,
            reverify=True,
            noncitizen_only=True,
        ),
        _t(
            "FOREIGN_PASSPORT_I94",
            "Foreign passport with Form I-94 endorsing nonimmigrant status",
            _A,
            expires=True,
            reverify=True,
            noncitizen_only=True,
        ),
        _t("FOREIGN_PASSPORT", "Foreign passport", _A, expires=True, standalone=False),
        _t(
            "I94",
            "Form I-94/I-94A Arrival-Departure Record",
            _A,
            expires=True,
            reverify=True,
            noncitizen_only=True,
            standalone=False,
        ),
        _t(
            "FSM_RMI_PASSPORT",
            "Passport of the Federated States of Micronesia or the Republic of the Marshall Islands",
            _A,
            expires=True,
            standalone=False,
        ),
        _t(
            "FSM_RMI_PASSPORT_I94",
            "FSM or RMI passport with Form I-94",
            _A,
            expires=True,
            noncitizen_only=True,
        ),
        _t("I20", "Form I-20", _A, standalone=False),
        _t("DS2019", "Form DS-2019", _A, standalone=False),
        _t("I797", "Form I-797 Notice of Action", _A, standalone=False),
        # List A receipts (M-274 Table 1)
        _t(
            "I94_TEMP_I551",
            "Form I-94 with temporary I-551 stamp and photograph",
            _A,
            expires=True,
            reverify=True,
            noncitizen_only=True,
        ),
        _t(
            "I94_REFUGEE",
            "Form I-94 with refugee admission stamp",
            _A,
            noncitizen_only=True,
        ),
        # List B (M-274 section 13.2)
        _t("DRIVERS_LICENSE", "Driver's license", _B, expires=True, photo=True),
        _t(
            "STATE_ID",
            "ID card issued by a state or outlying possession",
            _B,
            expires=True,
            photo=True,
        ),
        _t(
            "GOVERNMENT_ID",
            "ID card issued by a federal, state or local government agency",
            _B,
            photo=True,
        ),
        _t("SCHOOL_ID", "School ID card with a photograph", _B, photo=True),
        _t("VOTER_CARD", "Voter's registration card", _B, photo=False, numbered=False),
        _t("MILITARY_CARD", "U.S. Military card", _B, photo=True),
        _t("DRAFT_RECORD", "U.S. Military draft record", _B, photo=False, numbered=False),
        _t("MILITARY_DEPENDENT_ID", "Military dependent's ID card", _B, photo=True),
        _t(
            "MERCHANT_MARINER",
            "U.S. Coast Guard Merchant Mariner Card",
            _B,
            expires=True,
            photo=True,
        ),
        _t("TRIBAL_DOCUMENT", "Native American tribal document", _BC, numbered=False),
        _t(
            "CANADIAN_DL",
            "Driver's license issued by a Canadian government authority",
            _B,
            expires=True,
            photo=True,
        ),
        _t(
            "SCHOOL_RECORD",
            "School record or report card",
            _B,
            photo=False,
            minors_only=True,
            numbered=False,
        ),
        _t(
            "MEDICAL_RECORD",
            "Clinic, doctor or hospital record",
            _B,
            photo=False,
            minors_only=True,
            numbered=False,
        ),
        _t(
            "DAYCARE_RECORD",
            "Day-care or nursery school record",
            _B,
            photo=False,
            minors_only=True,
            numbered=False,
        ),
        # List C (M-274 section 13.3)
        _t("SS_CARD", "Social Security Account Number card (unrestricted)", _C),
        _t("FS545", "Certification of Birth Abroad (Form FS-545)", _C, citizen_only=True),
        _t("DS1350", "Certification of Report of Birth (Form DS-1350)", _C, citizen_only=True),
        _t("FS240", "Consular Report of Birth Abroad (Form FS-240)", _C, citizen_only=True),
        _t("BIRTH_CERTIFICATE", "Birth certificate with an official seal", _C, citizen_only=True),
        _t("I197", "U.S. Citizen ID Card (Form I-197)", _C, citizen_only=True),
        _t(
            "I179",
            "ID Card for Use of Resident Citizen in the U.S. (Form I-179)",
            _C,
            citizen_only=True,
        ),
        _t(
            "DHS_EAD_C",
            "Employment authorization document issued by DHS (List C #7)",
            _C,
            noncitizen_only=True,
        ),
    )
}

# Lawful List A sets of more than one row (M-274 section 13.1, and 6.x for students and
# exchange visitors): a foreign passport with its I-94, and what supports the I-94.
_SUPPORTING = frozenset({"I20", "DS2019", "I797"})


class ReceiptKind(StrEnum):
    """The three receipts of M-274 Table 1."""

    REPLACEMENT = "REPLACEMENT"  # lost, stolen or damaged document: 90 days
    TEMPORARY_I551 = "TEMPORARY_I551"  # I-94 with temporary I-551 stamp: stamp expiry or 1 year
    REFUGEE_I94 = "REFUGEE_I94"  # I-94 with refugee admission stamp: 90 days


_US_ISSUER = re.compile(
    r"\b(us|usa|united states|america|american|dos|department of state|state department|us dept of state|dept of state)\b"
)
_FORM_NUMBER = re.compile(r"\b(i|ds|fs)\s+(\d{2,4}a?)\b")
_RECEIPT_PREFIX = re.compile(r"^\s*receipt\s*(for|of)?\s*[:\-]?\s*", re.IGNORECASE)
# A receipt of an application to get or renew authorization is not acceptable (M-274
# section 4.3): only the three kinds of Table 1.
_NOT_A_REPLACEMENT = re.compile(
    r"\b(i765|i485|i821|i589|i129|i539|initial|renew|renewal|extension|extend|application for employment)\b"
)


def normalize_title(text: str) -> str:
    """Return a title lower-cased, without punctuation, form numbers joined ("i551")."""
    t = text.lower().replace("’", "'").replace("`", "'")
    t = t.replace("u.s.", "us").replace("'", "")
    t = re.sub(r"[^a-z0-9#]+", " ", t)
    t = _FORM_NUMBER.sub(lambda m: m.group(1) + m.group(2), t)
    return " ".join(t.split())


def _has(t: str, *words: str) -> bool:
    return any(re.search(rf"\b{w}\b", t) for w in words)


@lru_cache(maxsize=8192)
def _identify(title: str, issuer: str, list_: DocumentList | None) -> DocumentType | None:
    t = normalize_title(_RECEIPT_PREFIX.sub("", title))
    if not t:
        return None
    issuer_n = normalize_title(issuer)
    code: str | None = None
    passport = _has(t, "passport", "passports", "pp")
    i94 = _has(t, "i94", "i94a", "arrival departure record", "arrival record")
    temp_551 = _has(t, "i551", "temporary", "temp", "mriv", "machine readable immigrant visa")
    if _has(t, "refugee") and (i94 or _has(t, "admission")):
        code = "I94_REFUGEE"
    elif passport and temp_551:
        code = "FOREIGN_PASSPORT_TEMP_I551"
    elif i94 and temp_551:
        code = "I94_TEMP_I551"
    elif _has(t, "micronesia", "marshall islands", "fsm", "rmi"):
        code = "FSM_RMI_PASSPORT_I94" if i94 else "FSM_RMI_PASSPORT"
    elif passport and _has(t, "card"):
        code = "US_PASSPORT_CARD"
    elif passport and i94:
        code = "FOREIGN_PASSPORT_I94"
    elif passport:
        if _has(t, "foreign") or (issuer_n and not _US_ISSUER.search(issuer_n)):
            code = "FOREIGN_PASSPORT"
        elif _US_ISSUER.search(t) or not issuer_n or _US_ISSUER.search(issuer_n):
            code = "US_PASSPORT"
        else:  # pragma: no cover - the branches above are exhaustive
            code = "FOREIGN_PASSPORT"
    elif _has(
        t, "i551", "permanent resident", "resident alien", "green card", "prc", "lpr card"
    ) or (_has(t, "alien registration")):
        code = "I551"
    elif _has(t, "i766", "ead", "employment authorization card", "work permit"):
        code = "I766"
    elif _has(t, "employment authorization", "employment authorization document"):
        code = "DHS_EAD_C" if list_ is DocumentList.C else "I766"
    elif i94:
        code = "I94"
    elif _has(t, "i20"):
        code = "I20"
    elif _has(t, "ds2019"):
        code = "DS2019"
    elif _has(t, "i797", "i797a", "i797c", "notice of action"):
        code = "I797"
    elif _has(t, "canada", "canadian"):
        code = "CANADIAN_DL"
    elif _has(t, "driver", "drivers", "dl", "driving", "drivers lic", "dl id"):
        code = "DRIVERS_LICENSE"
    elif _has(t, "merchant mariner", "mmc", "mariner"):
        code = "MERCHANT_MARINER"
    elif _has(t, "dependent", "dependents"):
        code = "MILITARY_DEPENDENT_ID"
    elif _has(t, "draft"):
        code = "DRAFT_RECORD"
    elif _has(t, "military", "armed forces", "cac", "common access card", "uniformed services"):
        code = "MILITARY_CARD"
    elif _has(t, "voter", "voters", "voter registration"):
        code = "VOTER_CARD"
    elif _has(t, "tribal", "tribe", "native american", "indian tribe"):
        code = "TRIBAL_DOCUMENT"
    elif _has(t, "day care", "daycare", "nursery"):
        code = "DAYCARE_RECORD"
    elif _has(t, "school record", "report card", "transcript"):
        code = "SCHOOL_RECORD"
    elif _has(t, "clinic", "hospital", "doctor", "medical"):
        code = "MEDICAL_RECORD"
    elif _has(t, "school", "student", "university", "college"):
        code = "SCHOOL_ID"
    elif _has(t, "social security", "ss", "ssn", "ssa", "soc sec", "social"):
        code = "SS_CARD"
    elif _has(t, "fs545", "certification of birth abroad", "certification of birth"):
        code = "FS545"
    elif _has(t, "ds1350", "certification of report of birth"):
        code = "DS1350"
    elif _has(t, "fs240", "consular report of birth", "report of birth abroad", "crba"):
        code = "FS240"
    elif _has(t, "birth", "bc"):
        code = "BIRTH_CERTIFICATE"
    elif _has(t, "i197", "us citizen id", "citizen id card", "citizen identification"):
        code = "I197"
    elif _has(t, "i179", "resident citizen"):
        code = "I179"
    elif _has(t, "government", "federal", "local", "county", "city"):
        code = "GOVERNMENT_ID"
    elif _has(t, "id", "identification", "id card", "identity card", "state id"):
        code = "STATE_ID"
    return TYPES[code] if code else None


def identify(
    title: str, issuing_authority: str = "", list_: DocumentList | None = None
) -> DocumentType | None:
    """Return the document type a written title names, or None when it names none.

    ``issuing_authority`` decides a bare "Passport" (a U.S. passport unless a foreign
    issuer is written); ``list_`` decides "Employment authorization document" (an I-766
    under List A, List C #7 under List C). A leading "Receipt" is ignored.
    """
    return _identify(title, issuing_authority, list_)


def identify_document(doc: Document) -> DocumentType | None:
    """Return the type of a recorded document (see :func:`identify`).

    Under List C, an "employment authorization document" bearing a card number (three
    letters and ten digits) is the I-766 card, a List A document.
    """
    kind = _identify(doc.title, doc.issuing_authority, doc.list)
    if kind is not None and kind.code == "DHS_EAD_C" and is_valid_card_number(doc.number):
        return TYPES["I766"]
    return kind


_RESTRICTED = re.compile(
    r"not valid for employment|valid for work only with|only with (ins|dhs) authorization|\b(?<!un)restricted\b"
)


def is_restricted_ss_card(doc: Document) -> bool:
    """Return True for a Social Security card bearing a restriction legend (not List C)."""
    return bool(_RESTRICTED.search(normalize_title(doc.title)))


def is_receipt(doc: Document) -> bool:
    """Return True when a document row records a receipt, not the document itself."""
    if doc.is_receipt or doc.title.lstrip()[:7].lower() == "receipt":
        return True
    kind = identify_document(doc)
    return kind is not None and kind.code in {"I94_TEMP_I551", "I94_REFUGEE"}


def receipt_kind(doc: Document) -> ReceiptKind | None:
    """Return which of the three acceptable receipts a receipt row is, or None if none."""
    kind = identify_document(doc)
    if kind is None:
        return None
    if kind.code == "I94_TEMP_I551":
        return ReceiptKind.TEMPORARY_I551
    if kind.code == "I94_REFUGEE":
        return ReceiptKind.REFUGEE_I94
    if _NOT_A_REPLACEMENT.search(normalize_title(doc.title)):
        return None
    if doc.list not in kind.lists or (not kind.standalone and doc.list is DocumentList.A):
        # A receipt for an I-94 alone is the refugee or I-551 kind, handled above.
        return None if kind.code not in {"I94", "FOREIGN_PASSPORT_I94"} else ReceiptKind.REPLACEMENT
    return ReceiptKind.REPLACEMENT


def receipt_valid_until(kind: ReceiptKind, doc: Document, first_day: date) -> date:
    """Return the last day a receipt stands in for its document (M-274 Table 1).

    A replacement receipt and a refugee's I-94: 90 days after the first day of
    employment. An I-94 with a temporary I-551 stamp: the stamp's expiration, or one year
    (from issuance, which the form does not record: from the first day, the later bound).
    """
    if kind is ReceiptKind.TEMPORARY_I551:
        return doc.expiration or first_day + timedelta(days=365)
    return first_day + timedelta(days=90)


_COMBINATIONS = (
    {"FOREIGN_PASSPORT", "I94"},
    {"FOREIGN_PASSPORT_I94"},
    {"FOREIGN_PASSPORT_I94", "I94"},
    {"FOREIGN_PASSPORT_I94", "FOREIGN_PASSPORT"},
    {"FSM_RMI_PASSPORT", "I94"},
    {"FSM_RMI_PASSPORT_I94"},
    {"FOREIGN_PASSPORT", "I551"},  # the temporary I-551 stamp written on its own row
    {"FOREIGN_PASSPORT_TEMP_I551"},
    {"FOREIGN_PASSPORT", "FOREIGN_PASSPORT_TEMP_I551"},
    {"I94_TEMP_I551", "FOREIGN_PASSPORT"},
)


def combination_is_list_a(codes: list[str]) -> bool:
    """Return True when the List A rows form ONE acceptable List A document.

    One standalone document, or a foreign passport with its I-94 (and, for students
    and exchange visitors, the I-20 or DS-2019; for extensions, the I-797A), or an
    FSM/RMI passport with its I-94. Rows of one document split over lines count once.
    """
    if not codes:
        return False
    distinct = set(codes)
    if len(distinct) == 1:
        (only,) = distinct
        return TYPES[only].standalone
    main = distinct - _SUPPORTING
    return main in _COMBINATIONS


def status_conflict(kind: DocumentType, status: Status) -> bool:
    """Return True when a document is evidence of a status other than the one attested."""
    if status in (Status.CITIZEN, Status.NONCITIZEN_NATIONAL):
        return kind.noncitizen_only
    if kind.citizen_only:
        # A noncitizen national born in American Samoa may hold a U.S. passport; a
        # permanent resident or alien authorized to work may not.
        return True
    return status is Status.AUTHORIZED_ALIEN and kind.code == "I551"
