"""The one permission table: what each role may do, and whose data it may see.

Least privilege: a role gets a permission only when its work needs it. The table is
the single source of truth: API routes declare the permission they need, the CLI
checks the same names, ``docs/permissions.md`` is generated from it (a test keeps the
two equal), and the permission-matrix test walks every route with every role.

Scope is separate from permission: a role in ``OFFICE_ROLES`` sees only persons,
records and leads in its field offices' areas of responsibility; a national role sees
the whole country. ``ADMIN`` manages accounts and reads no person data at all.
"""

from __future__ import annotations

from enum import StrEnum

from immigrationos.auth.models import NATIONAL_ROLES, OFFICE_ROLES, ROLES


class Permission(StrEnum):
    """One thing a user may do; names read ``<domain>.<verb>``."""

    # Person data: the records of every source (and persons, leads and cases as they come).
    RECORDS_SEARCH = "records.search"
    RECORDS_READ = "records.read"
    # Resolved persons: search, profiles, timelines and the links that made them.
    PERSONS_SEARCH = "persons.search"
    PERSONS_READ = "persons.read"
    # Leads: the queue and each lead's explanation (person data; field roles: their area).
    LEADS_READ = "leads.read"
    # Decisions on a lead, each with its reason: following or overriding a recommendation,
    # closing the lead.
    LEADS_DECIDE = "leads.decide"
    # Cases (person data; field roles: their area): reading them with their history,
    # opening one from an OPEN lead, assigning one to an officer (and the workload of the
    # office's officers), and moving one along the transition table (cases/machine.py
    # says which role may take which transition).
    CASES_READ = "cases.read"
    CASES_CREATE = "cases.create"
    CASES_ASSIGN = "cases.assign"
    CASES_TRANSITION = "cases.transition"
    # Reviewers' identity judgements and the review queue (person data), and recording one.
    JUDGEMENTS_READ = "judgements.read"
    JUDGEMENTS_RECORD = "judgements.record"
    # Resolution runs: when, by whom, what they changed (counts only, no person data).
    RESOLUTION_READ = "resolution.read"
    # Ingest: batches and their reconciliation (no person data) and quarantined rows (raw
    # rows: person data).
    INGEST_READ = "ingest.read"
    QUARANTINE_READ = "quarantine.read"
    # Purposes under which person data is read.
    PURPOSES_READ = "purposes.read"
    PURPOSES_CREATE = "purposes.create"
    # Legal authorizations (court orders, § 6103 requests, warrants) on record.
    AUTHORIZATIONS_READ = "authorizations.read"
    AUTHORIZATIONS_RECORD = "authorizations.record"
    # Disclosures outside the agency and their accounting (Privacy Act).
    DISCLOSURES_CREATE = "disclosures.create"
    DISCLOSURES_READ = "disclosures.read"
    # The data-use policy in force.
    POLICY_READ = "policy.read"
    # Accounts.
    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    GRANTS_MANAGE = "grants.manage"
    # The audit log.
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    # Oversight's one operational power (the targeting capability comes later).
    TARGETING_SUSPEND = "targeting.suspend"


P = Permission

# Every signed-in user may read the policy that governs them.
_EVERYONE = {P.POLICY_READ}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    # Headquarters analysts: national search and analysis, ingest quality, purposes,
    # identity review.
    "ANALYST": frozenset(
        _EVERYONE
        | {
            P.RECORDS_SEARCH,
            P.RECORDS_READ,
            P.PERSONS_SEARCH,
            P.PERSONS_READ,
            P.LEADS_READ,
            P.CASES_READ,
            P.CASES_CREATE,
            P.CASES_TRANSITION,
            P.LEADS_DECIDE,
            P.JUDGEMENTS_READ,
            P.JUDGEMENTS_RECORD,
            P.RESOLUTION_READ,
            P.INGEST_READ,
            P.QUARANTINE_READ,
            P.PURPOSES_READ,
            P.PURPOSES_CREATE,
            P.AUTHORIZATIONS_READ,
        }
    ),
    # Field officers: records and persons in their area, under a purpose they open.
    "OFFICER": frozenset(
        _EVERYONE
        | {
            P.RECORDS_SEARCH,
            P.RECORDS_READ,
            P.PERSONS_SEARCH,
            P.PERSONS_READ,
            P.LEADS_READ,
            P.CASES_READ,
            P.CASES_TRANSITION,
            P.LEADS_DECIDE,
            P.PURPOSES_READ,
            P.PURPOSES_CREATE,
        }
    ),
    # Supervisors: what officers do, plus authorizations and disclosures of their office,
    # and identity review of their area.
    "SUPERVISOR": frozenset(
        _EVERYONE
        | {
            P.RECORDS_SEARCH,
            P.RECORDS_READ,
            P.PERSONS_SEARCH,
            P.PERSONS_READ,
            P.LEADS_READ,
            P.CASES_READ,
            P.CASES_ASSIGN,
            P.CASES_TRANSITION,
            P.LEADS_DECIDE,
            P.JUDGEMENTS_READ,
            P.JUDGEMENTS_RECORD,
            P.RESOLUTION_READ,
            P.INGEST_READ,
            P.PURPOSES_READ,
            P.PURPOSES_CREATE,
            P.AUTHORIZATIONS_READ,
            P.AUTHORIZATIONS_RECORD,
            P.DISCLOSURES_CREATE,
            P.DISCLOSURES_READ,
        }
    ),
    # Agency attorneys: records and persons for legal review, authorizations, disclosures.
    "LEGAL": frozenset(
        _EVERYONE
        | {
            P.RECORDS_SEARCH,
            P.RECORDS_READ,
            P.PERSONS_SEARCH,
            P.PERSONS_READ,
            P.LEADS_READ,
            P.CASES_READ,
            P.CASES_TRANSITION,
            P.PURPOSES_READ,
            P.PURPOSES_CREATE,
            P.AUTHORIZATIONS_READ,
            P.AUTHORIZATIONS_RECORD,
            P.DISCLOSURES_CREATE,
            P.DISCLOSURES_READ,
        }
    ),
    # Detention staff: the cases of their area and the custody and removal steps of them
    # (cases/machine.py); the rest of custody comes later.
    "DETENTION": frozenset(_EVERYONE | {P.CASES_READ, P.CASES_TRANSITION}),
    # Worksite auditors: Form I-9 audits come later; until then nothing but the policy.
    "WORKSITE_AUDITOR": frozenset(_EVERYONE),
    # Oversight reads everything, the audit log included; its one power is to suspend
    # targeting. It cannot create purposes, authorizations or disclosures.
    "OVERSIGHT": frozenset(
        _EVERYONE
        | {
            P.RECORDS_SEARCH,
            P.RECORDS_READ,
            P.PERSONS_SEARCH,
            P.PERSONS_READ,
            P.LEADS_READ,
            P.CASES_READ,
            P.JUDGEMENTS_READ,
            P.RESOLUTION_READ,
            P.INGEST_READ,
            P.QUARANTINE_READ,
            P.PURPOSES_READ,
            P.AUTHORIZATIONS_READ,
            P.DISCLOSURES_READ,
            P.USERS_READ,
            P.AUDIT_READ,
            P.AUDIT_VERIFY,
            P.TARGETING_SUSPEND,
        }
    ),
    # Administrators manage accounts and grants; they read no person data (ingest batches
    # and resolution runs are counts).
    "ADMIN": frozenset(
        _EVERYONE
        | {P.USERS_READ, P.USERS_MANAGE, P.GRANTS_MANAGE, P.INGEST_READ, P.RESOLUTION_READ}
    ),
}

# Command-line use on the platform's own machine: whoever runs it can read the database
# files anyway, so the operator may do everything, and every use is audited as theirs.
# The data-use policy still applies to the operator (purposes, authorizations, grants).
OPERATOR_ROLE = "OPERATOR"
OPERATOR_PERMISSIONS = frozenset(Permission)

assert set(ROLE_PERMISSIONS) == set(ROLES), "every role needs a row in the permission table"

# Permissions whose routes serve person data (the audit-completeness test checks these).
PERSON_DATA_PERMISSIONS = frozenset(
    {
        P.RECORDS_SEARCH,
        P.RECORDS_READ,
        P.PERSONS_SEARCH,
        P.PERSONS_READ,
        P.LEADS_READ,
        P.CASES_READ,
        P.JUDGEMENTS_READ,
        P.QUARANTINE_READ,
        P.DISCLOSURES_READ,
    }
)


def permissions_of(role: str) -> frozenset[Permission]:
    """Return the permissions of a role (none for an unknown role)."""
    if role == OPERATOR_ROLE:
        return OPERATOR_PERMISSIONS
    return ROLE_PERMISSIONS.get(role, frozenset())


def has_permission(role: str, permission: Permission) -> bool:
    """Return whether ``role`` holds ``permission``."""
    return permission in permissions_of(role)


def is_office_scoped(role: str) -> bool:
    """Return whether a role sees only its field offices' areas of responsibility."""
    return role in OFFICE_ROLES


def is_national(role: str) -> bool:
    """Return whether a role's area is the whole country (the operator's too)."""
    return role in NATIONAL_ROLES or role == OPERATOR_ROLE


def permission_table_markdown() -> str:
    """Return the permission table as Markdown (the body of ``docs/permissions.md``)."""
    roles = list(ROLES)
    lines = [
        "| permission | " + " | ".join(roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for permission in Permission:
        marks = ["yes" if permission in ROLE_PERMISSIONS[r] else "" for r in roles]
        lines.append(f"| `{permission.value}` | " + " | ".join(marks) + " |")
    scope = ["national" if is_national(r) else "field offices" for r in roles]
    lines.append("| *area of responsibility* | " + " | ".join(scope) + " |")
    return "\n".join(lines) + "\n"
