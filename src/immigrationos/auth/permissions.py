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
    # The second person: a supervisor's review of an officer's override of a
    # recommendation (never one's own), which answers it in the inbox.
    LEADS_REVIEW = "leads.review"
    # Cases (person data; field roles: their area): reading them with their history,
    # opening one from an OPEN lead, assigning one to an officer (and the workload of the
    # office's officers), and moving one along the transition table (cases/machine.py
    # says which role may take which transition).
    CASES_READ = "cases.read"
    CASES_CREATE = "cases.create"
    CASES_ASSIGN = "cases.assign"
    CASES_TRANSITION = "cases.transition"
    # Operations (person data: targets and their addresses; field roles: their area):
    # reading them and one's own routes, requesting one (and cancelling or recording it
    # executed), approving or rejecting one another user requested (two-person rule).
    OPERATIONS_READ = "operations.read"
    OPERATIONS_REQUEST = "operations.request"
    OPERATIONS_APPROVE = "operations.approve"
    # Legal documents of a case (documents/forms.py says which role drafts and signs which
    # form): reading them and their PDFs (person data), generating a draft, signing one.
    DOCUMENTS_READ = "documents.read"
    DOCUMENTS_GENERATE = "documents.generate"
    DOCUMENTS_SIGN = "documents.sign"
    # Custody (person data; field roles: their area): reading deadlines and their alerts,
    # bookings, removal eligibility and where a person is held; booking an arrested person
    # (like Form I-213); post-order custody reviews and recording the facility a person is
    # held in; the legal facts that decide removal (appeal waived, motion to reopen, stay);
    # the detainee locator (by A-number and country of birth).
    CUSTODY_READ = "custody.read"
    CUSTODY_BOOK = "custody.book"
    CUSTODY_MANAGE = "custody.manage"
    CUSTODY_REMOVAL_FACTS = "custody.removal_facts"
    CUSTODY_LOCATE = "custody.locate"
    # The dashboard's self-departure counts by field office and week (counts only).
    DEPARTURES_READ = "departures.read"
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
    # Oversight's one operational power: the stop switch (oversight/switch.py).
    TARGETING_SUSPEND = "targeting.suspend"
    # Contests of a record, an identity link or a flag (person data): reading them, entering
    # one a person or their attorney brought, deciding one (never one's own, never on a
    # lead one accepted).
    CONTESTS_READ = "contests.read"
    CONTESTS_ENTER = "contests.enter"
    CONTESTS_DECIDE = "contests.decide"
    # An independent reviewer's sign-off of a priority-policy version (oversight/signoff.py).
    TARGETING_SIGNOFF = "targeting.signoff"
    # Worksite (Form I-9) audits and inspections: reading runs, findings, notices and fines
    # (person data: employees' forms); running an audit of uploaded forms; inspecting
    # (cross-checks against SSA and USCIS records, notices served on an employer).
    WORKSITE_READ = "worksite.read"
    WORKSITE_AUDIT = "worksite.audit"
    WORKSITE_INSPECT = "worksite.inspect"
    # Background jobs (jobs/): reading them (counts, files, errors; no person data) and
    # starting or cancelling one (ingest, resolution, targeting, exports, bias report).
    JOBS_READ = "jobs.read"
    JOBS_RUN = "jobs.run"


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
            P.DEPARTURES_READ,
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
            P.JOBS_READ,
            P.JOBS_RUN,
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
            P.DEPARTURES_READ,
            P.CUSTODY_READ,
            P.CUSTODY_BOOK,
            P.CUSTODY_LOCATE,
            P.DOCUMENTS_READ,
            P.DOCUMENTS_GENERATE,
            P.DOCUMENTS_SIGN,
            P.CASES_TRANSITION,
            P.OPERATIONS_READ,
            P.OPERATIONS_REQUEST,
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
            P.DEPARTURES_READ,
            P.CUSTODY_READ,
            P.CUSTODY_BOOK,
            P.CUSTODY_MANAGE,
            P.CUSTODY_LOCATE,
            P.DOCUMENTS_READ,
            P.DOCUMENTS_GENERATE,
            P.DOCUMENTS_SIGN,
            P.CASES_ASSIGN,
            P.CASES_TRANSITION,
            P.OPERATIONS_READ,
            P.OPERATIONS_REQUEST,
            P.OPERATIONS_APPROVE,
            P.LEADS_DECIDE,
            P.LEADS_REVIEW,
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
            P.CONTESTS_READ,
            P.CONTESTS_ENTER,
            P.CONTESTS_DECIDE,
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
            P.DEPARTURES_READ,
            P.CUSTODY_READ,
            P.CUSTODY_REMOVAL_FACTS,
            P.CUSTODY_LOCATE,
            P.DOCUMENTS_READ,
            P.DOCUMENTS_GENERATE,
            P.CASES_TRANSITION,
            P.TARGETING_SIGNOFF,
            P.PURPOSES_READ,
            P.PURPOSES_CREATE,
            P.AUTHORIZATIONS_READ,
            P.AUTHORIZATIONS_RECORD,
            P.DISCLOSURES_CREATE,
            P.DISCLOSURES_READ,
            P.CONTESTS_READ,
            P.CONTESTS_ENTER,
            P.CONTESTS_DECIDE,
        }
    ),
    # Detention staff: the cases of their area and the custody and removal steps of them
    # (cases/machine.py), custody reviews, where each person is held, the locator.
    "DETENTION": frozenset(
        _EVERYONE
        | {
            P.CASES_READ,
            P.CASES_TRANSITION,
            P.DOCUMENTS_READ,
            P.DOCUMENTS_GENERATE,
            P.CUSTODY_READ,
            P.CUSTODY_MANAGE,
            P.CUSTODY_LOCATE,
            P.DEPARTURES_READ,
        }
    ),
    # Worksite auditors: Form I-9 audits and inspections of their area, under purposes
    # they declare (an inspection's cross-checks read SSA and USCIS records).
    "WORKSITE_AUDITOR": frozenset(
        _EVERYONE
        | {
            P.WORKSITE_READ,
            P.WORKSITE_AUDIT,
            P.WORKSITE_INSPECT,
            P.PURPOSES_READ,
            P.PURPOSES_CREATE,
        }
    ),
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
            P.DEPARTURES_READ,
            P.CUSTODY_READ,
            P.OPERATIONS_READ,
            P.DOCUMENTS_READ,
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
            P.TARGETING_SIGNOFF,
            P.WORKSITE_READ,
            P.CONTESTS_READ,
            P.JOBS_READ,
        }
    ),
    # Administrators manage accounts and grants; they read no person data (ingest batches
    # and resolution runs are counts).
    "ADMIN": frozenset(
        _EVERYONE
        | {P.USERS_READ, P.USERS_MANAGE, P.GRANTS_MANAGE, P.INGEST_READ, P.RESOLUTION_READ}
        | {P.JOBS_READ}
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
        P.OPERATIONS_READ,
        P.DOCUMENTS_READ,
        P.CUSTODY_READ,
        P.CUSTODY_LOCATE,
        P.JUDGEMENTS_READ,
        P.QUARANTINE_READ,
        P.DISCLOSURES_READ,
        P.WORKSITE_READ,
        P.CONTESTS_READ,
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
