"""The vocabulary of lawful use: purposes, authorizations, subjects, grants, uses, rules."""

from __future__ import annotations

from enum import StrEnum


class PurposeKind(StrEnum):
    """What a declared purpose is: a case, a lead, a criminal investigation, a batch."""

    CASE = "CASE"
    LEAD = "LEAD"
    CRIMINAL_INVESTIGATION = "CRIMINAL_INVESTIGATION"
    BATCH = "BATCH"


class AuthorizationKind(StrEnum):
    """The legal instrument an authorization on record is."""

    IRC_6103_I1_COURT_ORDER = "IRC_6103_I1_COURT_ORDER"
    IRC_6103_I2_REQUEST = "IRC_6103_I2_REQUEST"
    JUDICIAL_WARRANT = "JUDICIAL_WARRANT"
    COURT_ORDER = "COURT_ORDER"
    # Recorded for the file, but never a judicial warrant or court order (Form I-200, I-205).
    ADMINISTRATIVE_WARRANT = "ADMINISTRATIVE_WARRANT"


# Instruments under 26 U.S.C. § 6103(i): for IRS sources and criminal matters only.
IRC_6103_KINDS = frozenset(
    {AuthorizationKind.IRC_6103_I1_COURT_ORDER, AuthorizationKind.IRC_6103_I2_REQUEST}
)

KIND_LABELS: dict[str, str] = {
    AuthorizationKind.IRC_6103_I1_COURT_ORDER: "a court order under 26 U.S.C. § 6103(i)(1)",
    AuthorizationKind.IRC_6103_I2_REQUEST: "a written request under 26 U.S.C. § 6103(i)(2)",
    AuthorizationKind.JUDICIAL_WARRANT: "a judicial warrant",
    AuthorizationKind.COURT_ORDER: "a court order",
    AuthorizationKind.ADMINISTRATIVE_WARRANT: "an administrative warrant (such as Form I-200)",
}


class SubjectKind(StrEnum):
    """How an authorization names a person or a record."""

    SSN = "SSN"
    ITIN = "ITIN"
    TIN = "TIN"
    A_NUMBER = "A_NUMBER"
    LICENSE = "LICENSE"  # ``NUMBER`` or ``ST:NUMBER``
    RECORD = "RECORD"  # ``source:record_id``
    NAME_DOB = "NAME_DOB"  # ``GIVEN|FAMILY|YYYY-MM-DD``


class Grant(StrEnum):
    """A special access an administrator gives a user, on top of the role."""

    FINCEN = "FINCEN"


class RecipientType(StrEnum):
    """Who receives a disclosure outside the agency."""

    FEDERAL_AGENCY = "FEDERAL_AGENCY"
    STATE_OR_LOCAL_AGENCY = "STATE_OR_LOCAL_AGENCY"
    FOREIGN_GOVERNMENT = "FOREIGN_GOVERNMENT"
    COURT = "COURT"
    CONGRESS = "CONGRESS"
    # The person the records are about, or their attorney: served on the subject.
    SUBJECT_OR_COUNSEL = "SUBJECT_OR_COUNSEL"
    OTHER = "OTHER"


class Use(StrEnum):
    """What is done with a source's data."""

    READ = "READ"  # a person looks at records
    ANALYSE = "ANALYSE"  # a batch analysis (resolution, targeting, a detector) uses them
    DISCLOSE = "DISCLOSE"  # they leave the agency
    SERVE_ON_SUBJECT = "SERVE_ON_SUBJECT"  # they appear in a document served on the person
    AGGREGATE = "AGGREGATE"  # counts that identify no one


class RuleKind(StrEnum):
    """A kind of rule the data-use policy file may give a source."""

    PURPOSE_REQUIRED = "purpose_required"
    AGGREGATE_ONLY = "aggregate_only"
    AUTHORIZATION_REQUIRED = "authorization_required"
    ACCESS_GRANT_REQUIRED = "access_grant_required"
    NEVER_SERVED_ON_SUBJECT = "never_served_on_subject"
    CONFIDENTIAL_FORMS = "confidential_forms"
    STATE_WARRANT_REQUIRED = "state_warrant_required"
    NO_DISCLOSURE = "no_disclosure"


# Decision rules that come from the engine itself, not from a rule of the file.
ALLOWED = "ALLOWED"
UNKNOWN_SOURCE = "UNKNOWN_SOURCE"
PURPOSE_CLOSED = "PURPOSE_CLOSED"
PURPOSE_OUT_OF_AREA = "PURPOSE_OUT_OF_AREA"
PURPOSE_KIND = "PURPOSE_KIND"
