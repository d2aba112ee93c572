"""The demo's sample authorizations, marked SAMPLE and synthetic, so every capability shows.

Without them the platform still works, with less: IRS records stay out of every use,
and DMV records of warrant states are withheld. With them, a sample criminal
investigation may use the IRS records of the few subjects a sample § 6103(i)(1) order
names, and the DMV records a sample judicial warrant names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import service
from immigrationos.policy.authorization_flows import record_authorization_in
from immigrationos.policy.engine import DataUsePolicy, get_policy
from immigrationos.policy.events import utcnow
from immigrationos.policy.kinds import AuthorizationKind, PurposeKind, RuleKind, SubjectKind
from immigrationos.policy.models import Authorization, Purpose
from immigrationos.policy.purpose_flows import create_purpose_in
from immigrationos.policy.schemas import AuthorizationCreate, PurposeCreate, Subject

SAMPLE_PURPOSE_REFERENCE = "SAMPLE-CI-0001 (synthetic)"
SAMPLE_ORDER_REFERENCE = "SAMPLE-6103I1-0001 (synthetic; not a real court order)"
SAMPLE_WARRANT_REFERENCE = "SAMPLE-JW-0001 (synthetic; not a real warrant)"
SAMPLE_ISSUER = "SAMPLE: U.S. District Court (synthetic)"
SAMPLE_DAYS = 365


@dataclass(frozen=True)
class DemoSubjects:
    """Subjects for the sample authorizations, picked from a synthetic world's records."""

    irs: list[Subject] = field(default_factory=list)
    dmv: list[Subject] = field(default_factory=list)
    dmv_states: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoAuthorizations:
    """The sample purpose and the authorizations on it (None where no subject was given)."""

    purpose: Purpose
    order: Authorization | None
    warrant: Authorization | None
    created: bool  # False when they were already on record


def pick_demo_subjects(
    records: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    per_source: int = 3,
    policy: DataUsePolicy | None = None,
) -> DemoSubjects:
    """Return a few subjects of ``records`` (by source): IRS numbers, warrant-state licenses."""
    policy = policy or get_policy()
    irs: list[Subject] = []
    for source, column, kind in (
        ("irs_w2", "employee_tin", SubjectKind.TIN),
        ("irs_itin", "itin", SubjectKind.ITIN),
    ):
        for record in list(records.get(source, ()))[:per_source]:
            if record.get(column):
                irs.append(Subject(kind=kind, value=str(record[column])))
    entry = policy.source_policy("dmv_licenses")
    rule = entry.rule(RuleKind.STATE_WARRANT_REQUIRED) if entry else None
    warrant_states = set(rule.states) if rule else set()
    dmv: list[Subject] = []
    states: list[str] = []
    for record in records.get("dmv_licenses", ()):
        state = str(record.get("state") or "").upper()
        if state in warrant_states and record.get("license_number"):
            dmv.append(
                Subject(kind=SubjectKind.LICENSE, value=f"{state}:{record['license_number']}")
            )
            states = list(dict.fromkeys([*states, state]))
            if len(dmv) >= per_source:
                break
    return DemoSubjects(irs=irs, dmv=dmv, dmv_states=states)


def seed_demo_authorization(
    engine: Engine | None,
    principal: Principal,
    *,
    irs_subjects: Sequence[Subject] = (),
    dmv_subjects: Sequence[Subject] = (),
    dmv_states: Sequence[str] = (),
    today: date | None = None,
    now: datetime | None = None,
) -> DemoAuthorizations:
    """Record the SAMPLE criminal investigation, § 6103(i)(1) order and judicial warrant.

    Idempotent: when the sample purpose is on record, return it and its authorizations.
    """
    day, when = today or date.today(), now or utcnow()
    with session_scope(engine) as session:
        existing = service.find_purpose(
            session=session,
            kind=PurposeKind.CRIMINAL_INVESTIGATION.value,
            reference=SAMPLE_PURPOSE_REFERENCE,
        )
        if existing is not None:
            on_record = service.list_authorizations(session=session, purpose_id=existing.id)
            by_reference = {a.reference: a for a in on_record if not a.revoked}
            return DemoAuthorizations(
                purpose=existing,
                order=by_reference.get(SAMPLE_ORDER_REFERENCE),
                warrant=by_reference.get(SAMPLE_WARRANT_REFERENCE),
                created=False,
            )
        purpose = create_purpose_in(
            session,
            principal,
            PurposeCreate(
                kind=PurposeKind.CRIMINAL_INVESTIGATION,
                reference=SAMPLE_PURPOSE_REFERENCE,
                title="SAMPLE - synthetic demonstration investigation",
                justification=(
                    "SAMPLE on synthetic data: shows IRS and DMV records used only under a "
                    "recorded authorization. Not a real investigation."
                ),
                field_office=principal.offices[0] if principal.area() else None,
            ),
            when,
        )
        order = warrant = None
        if irs_subjects:
            order = record_authorization_in(
                session,
                principal,
                AuthorizationCreate(
                    kind=AuthorizationKind.IRC_6103_I1_COURT_ORDER,
                    reference=SAMPLE_ORDER_REFERENCE,
                    issued_by=SAMPLE_ISSUER,
                    issued_on=day,
                    expires_on=day + timedelta(days=SAMPLE_DAYS),
                    sources=["irs_w2", "irs_itin"],
                    purpose_ids=[purpose.id],
                    subjects=list(irs_subjects),
                ),
                when,
            )
        if dmv_subjects and dmv_states:
            warrant = record_authorization_in(
                session,
                principal,
                AuthorizationCreate(
                    kind=AuthorizationKind.JUDICIAL_WARRANT,
                    reference=SAMPLE_WARRANT_REFERENCE,
                    issued_by=SAMPLE_ISSUER,
                    issued_on=day,
                    expires_on=day + timedelta(days=SAMPLE_DAYS),
                    sources=["dmv_licenses"],
                    purpose_ids=[purpose.id],
                    subjects=list(dmv_subjects),
                    states=list(dmv_states),
                ),
                when,
            )
        session.commit()
    return DemoAuthorizations(purpose=purpose, order=order, warrant=warrant, created=True)
