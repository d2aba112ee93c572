"""Disclosure use cases: disclose records outside the agency, all or none; the accounting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import service
from immigrationos.policy.engine import DataUsePolicy, get_policy
from immigrationos.policy.errors import DisclosureRefused
from immigrationos.policy.events import audit_event, audited_refusal, new_id, utcnow
from immigrationos.policy.kinds import RecipientType, Use
from immigrationos.policy.models import Disclosure, DisclosureItem
from immigrationos.policy.schemas import AccountingEntry, DisclosureItemRead
from immigrationos.policy.subjects import record_subject_key


def _disclosure_problems(
    recipient: str,
    recipient_type: str,
    legal_basis: str,
    records: Sequence[tuple[str, str, Mapping[str, Any]]],
) -> list[str]:
    problems = []
    if not recipient.strip():
        problems.append("name the recipient (who receives the records, and their address)")
    if recipient_type not in set(RecipientType):
        problems.append(
            f"recipient type {recipient_type!r} is not one of {', '.join(RecipientType)}"
        )
    if not legal_basis.strip():
        problems.append("give the legal basis of the disclosure (e.g. 5 U.S.C. § 552a(b)(7))")
    if not records:
        problems.append("no records to disclose")
    return problems


def disclose(
    *,
    principal: Principal,
    purpose_id: str,
    recipient: str,
    recipient_type: RecipientType | str,
    legal_basis: str,
    records: Sequence[tuple[str, str, Mapping[str, Any]]],
    engine: Engine | None = None,
    policy: DataUsePolicy | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> Disclosure:
    """Disclose records (source, record_id, fields) outside the agency, all or none.

    ``fields`` is the record as disclosed; it must carry the columns the rules look at
    (``form_type``, ``state``), or the record is refused.

    Every record is checked for DISCLOSE (and, to the person or their counsel, for
    SERVE_ON_SUBJECT); if any is refused, nothing is disclosed and DisclosureRefused
    lists every reason. The disclosure is recorded for the accounting of each subject.
    """
    policy = policy or get_policy()
    kind = str(recipient_type)
    unique = list({(s, r): (s, r, f) for s, r, f in records}.values())
    details = {
        "recipient": recipient,
        "recipient_type": kind,
        "legal_basis": legal_basis,
        "records": [record_subject_key(s, r) for s, r, _ in unique],
    }
    with audited_refusal(
        engine,
        principal,
        "disclosure.create",
        resource_type="disclosure",
        purpose=purpose_id,
        details=details,
    ):
        problems = _disclosure_problems(recipient, kind, legal_basis, unique)
        if problems:
            raise DisclosureRefused(recipient, problems)
        with session_scope(engine) as session:
            ctx = service.load_context(
                session=session, principal=principal, purpose_id=purpose_id, today=today
            )
            uses = [Use.DISCLOSE]
            if kind == RecipientType.SUBJECT_OR_COUNSEL:
                uses.append(Use.SERVE_ON_SUBJECT)
            refusals: list[str] = []
            for source, record_id, fields in unique:
                row = {**fields, "record_id": record_id}
                for use in uses:
                    decision = policy.decide_record(ctx, source, row, use)
                    if not decision.allowed:
                        refusals.append(
                            f"{record_subject_key(source, record_id)}: {decision.reason} "
                            f"[{decision.rule}; {decision.citation}]"
                        )
                        break
            if refusals:
                raise DisclosureRefused(recipient, refusals)
            disclosure = Disclosure(
                id=new_id("D"),
                disclosed_by=principal.actor,
                disclosed_at=now or utcnow(),
                recipient=recipient.strip(),
                recipient_type=kind,
                purpose_id=purpose_id,
                legal_basis=legal_basis.strip(),
            )
            items = [
                DisclosureItem(
                    source=source,
                    record_id=record_id,
                    subject_key=record_subject_key(source, record_id),
                    fields=sorted(set(fields) | {"record_id"}),
                    hidden_from_subject=policy.never_revealed_to_subject(source),
                )
                for source, record_id, fields in unique
            ]
            service.add_disclosure(session=session, disclosure=disclosure, items=items)
            audit_event(
                session,
                principal,
                "disclosure.create",
                resource_type="disclosure",
                resource_id=disclosure.id,
                purpose=purpose_id,
                details=details,
            )
            session.commit()
            session.refresh(disclosure, ["items"])
    return disclosure


def accounting(
    *,
    session: Session,
    subject_key: str,
    for_subject: bool,
    policy: DataUsePolicy | None = None,
) -> list[AccountingEntry]:
    """Return the accounting of disclosures about one subject (5 U.S.C. § 552a(c)).

    ``for_subject`` gives the person's own copy: without the records whose existence
    must not be revealed to them (a SAR), without disclosures left with none, and
    without who disclosed and under which internal purpose.
    """
    policy = policy or get_policy()
    entries: list[AccountingEntry] = []
    for disclosure, items in service.disclosures_of_subject(
        session=session, subject_key=subject_key
    ):
        if for_subject:
            items = [
                i
                for i in items
                if not i.hidden_from_subject and not policy.never_revealed_to_subject(i.source)
            ]
            if not items:
                continue
        entries.append(
            AccountingEntry(
                disclosure_id=disclosure.id,
                disclosed_at=disclosure.disclosed_at,
                recipient=disclosure.recipient,
                recipient_type=disclosure.recipient_type,
                legal_basis=disclosure.legal_basis,
                disclosed_by=None if for_subject else disclosure.disclosed_by,
                purpose_id=None if for_subject else disclosure.purpose_id,
                items=[DisclosureItemRead.model_validate(i) for i in items],
            )
        )
    return entries
