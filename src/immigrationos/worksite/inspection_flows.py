"""Inspection use cases: serve a Notice of Inspection, attach the audit, issue notices, fine.

Each flow owns its transaction: the inspection or notice and its audit event
(``worksite.inspection.create``, ``worksite.inspection.attach``, ``worksite.notice.issue``)
commit together. An inspection is an enforcement matter: it runs under a declared
purpose. Every notice's PDF is kept with its SHA-256, so what was served can be shown
again and proven unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.persons.access import in_area
from immigrationos.policy import service as policy_service
from immigrationos.policy.errors import PurposeError
from immigrationos.worksite import fines, notices
from immigrationos.worksite import service as worksite_service
from immigrationos.worksite.flows import WorksiteError, office_of, read_result
from immigrationos.worksite.inspection import InspectionTimeline, NoticeKind
from immigrationos.worksite.model import AuditResult, Employer
from immigrationos.worksite.models import WorksiteInspection, WorksiteNotice
from immigrationos.worksite.schemas import InspectionCreate

# Where an inspection stands after each notice.
STATUS_AFTER = {
    NoticeKind.NOTICE_OF_INSPECTION: "NOTICE_SERVED",
    NoticeKind.COMPLIANCE_LETTER: "CLOSED",
    NoticeKind.TECHNICAL_FAILURES: "FINDINGS_ISSUED",
    NoticeKind.SUSPECT_DOCUMENTS: "FINDINGS_ISSUED",
    NoticeKind.WARNING_NOTICE: "CLOSED",
    NoticeKind.INTENT_TO_FINE: "FINE_PROPOSED",
}


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _require_purpose(session: Session, principal: Principal, purpose_id: str | None) -> None:
    if not purpose_id:
        raise WorksiteError(
            428,
            "purpose-required",
            "an inspection is an enforcement matter: declare its purpose (X-Purpose)",
            "PURPOSE_REQUIRED",
        )
    try:
        policy_service.load_context(session=session, principal=principal, purpose_id=purpose_id)
    except PurposeError as exc:
        raise WorksiteError(403, "purpose-refused", str(exc), "PURPOSE_REFUSED") from exc


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    inspection_id: str,
    purpose_id: str | None,
    details: dict[str, object],
) -> None:
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type="worksite_inspection",
        resource_id=inspection_id,
        purpose=purpose_id,
        client=principal.client,
        details=details,
    )


def employer_of(inspection: WorksiteInspection) -> Employer:
    """Return the employer an inspection is of."""
    data = json.loads(inspection.employer)
    since = data.get("everify_since")
    return Employer(
        name=str(data.get("name") or ""),
        address=str(data.get("address") or ""),
        state=str(data.get("state") or ""),
        employee_count=int(data.get("employee_count") or 0),
        everify=bool(data.get("everify")),
        everify_since=dt.date.fromisoformat(since) if since else None,
    )


def visible_inspection(
    session: Session, principal: Principal, inspection_id: str
) -> WorksiteInspection:
    """Return an inspection the principal may see; 404 (the same words) otherwise."""
    found = worksite_service.get_inspection(session=session, inspection_id=inspection_id)
    if found is None or not in_area(principal, found.field_office):
        where = "" if principal.area() is None else " in your area of responsibility"
        raise WorksiteError(
            404, "inspection-not-found", f"no inspection {inspection_id} is available to you{where}"
        )
    return found


def _store_notice(
    session: Session,
    principal: Principal,
    inspection: WorksiteInspection,
    kind: NoticeKind,
    served: dt.date,
    pdf: bytes,
) -> WorksiteNotice:
    notice = WorksiteNotice(
        inspection_id=inspection.inspection_id,
        kind=kind.value,
        issued_on=served,
        issued_by=principal.actor,
        issued_at=dt.datetime.now(dt.UTC),
        sha256=hashlib.sha256(pdf).hexdigest(),
        pdf=pdf,
    )
    return worksite_service.add_notice(session=session, notice=notice)


def create_inspection(
    engine: Engine, *, principal: Principal, purpose_id: str | None, data: InspectionCreate
) -> WorksiteInspection:
    """Open an inspection by serving a Notice of Inspection (its PDF kept); audit it."""
    with session_scope(engine) as session:
        _require_purpose(session, principal, purpose_id)
        if data.audit_id is not None:
            read_result(session, principal, data.audit_id)  # 404 unless visible
        employer = Employer(
            name=data.employer_name,
            address=data.employer_address,
            state=data.employer_state,
            employee_count=data.employee_count,
            everify=data.everify,
        )
        timeline = InspectionTimeline(served=data.noi_served_on)
        now = dt.datetime.now(dt.UTC)
        inspection = WorksiteInspection(
            inspection_id=worksite_service.new_inspection_id(),
            employer_name=data.employer_name,
            employer=json.dumps(asdict(employer), default=str, sort_keys=True),
            audit_id=data.audit_id,
            noi_served_on=data.noi_served_on,
            production_due=timeline.production_due,
            status="NOTICE_SERVED",
            field_office=office_of(principal, session, purpose_id),
            purpose_id=purpose_id,
            prior_violations=data.prior_violations,
            factors=json.dumps(dict(data.factors), sort_keys=True),
            created_by=principal.actor,
            created_at=now,
            updated_at=now,
        )
        worksite_service.add_inspection(session=session, inspection=inspection)
        pdf = notices.notice_of_inspection(
            employer, data.noi_served_on, case_number=inspection.inspection_id
        )
        notice = _store_notice(
            session, principal, inspection, NoticeKind.NOTICE_OF_INSPECTION, data.noi_served_on, pdf
        )
        _audit(
            session, principal, "worksite.inspection.create", inspection.inspection_id,
            purpose_id,
            {"employer": data.employer_name, "served": data.noi_served_on.isoformat(),
             "audit_id": data.audit_id, "notice_sha256": notice.sha256},
        )  # fmt: skip
        session.commit()
        session.refresh(inspection)
        session.expunge(inspection)
    return inspection


def attach_audit(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    inspection_id: str,
    audit_id: str,
) -> WorksiteInspection:
    """Attach the audit of the forms the employer produced; audit it."""
    with session_scope(engine) as session:
        _require_purpose(session, principal, purpose_id)
        inspection = visible_inspection(session, principal, inspection_id)
        read_result(session, principal, audit_id)
        inspection.audit_id = audit_id
        if inspection.status == "NOTICE_SERVED":
            inspection.status = "PRODUCED"
        inspection.updated_at = dt.datetime.now(dt.UTC)
        _audit(
            session, principal, "worksite.inspection.attach", inspection_id, purpose_id,
            {"audit_id": audit_id},
        )  # fmt: skip
        session.commit()
        session.refresh(inspection)
        session.expunge(inspection)
    return inspection


def _result(session: Session, principal: Principal, inspection: WorksiteInspection) -> AuditResult:
    if inspection.audit_id is None:
        raise WorksiteError(
            409,
            "audit-missing",
            f"inspection {inspection.inspection_id} has no audit of the produced forms yet: "
            "audit them and attach the audit first",
        )
    _, result = read_result(session, principal, inspection.audit_id)
    result.employer = employer_of(inspection)
    return result


def fine_of(
    session: Session,
    principal: Principal,
    inspection: WorksiteInspection,
    *,
    assessment_date: dt.date | None = None,
) -> fines.FineComputation:
    """Return the fine the inspection's audit gives under the penalty tables in force."""
    result = _result(session, principal, inspection)
    try:
        return fines.fine_for(
            result,
            assessment_date=assessment_date or _today(),
            offense=inspection.prior_violations + 1,
            factors=json.loads(inspection.factors or "{}"),
        )
    except ValueError as exc:
        raise WorksiteError(409, "fine-not-computable", str(exc)) from exc


def timeline_of(inspection: WorksiteInspection, issued: list[WorksiteNotice]) -> InspectionTimeline:
    """Return an inspection's timeline with the notices served so far."""
    timeline = InspectionTimeline(served=inspection.noi_served_on)
    for notice in issued:
        if notice.kind == NoticeKind.TECHNICAL_FAILURES.value and timeline.ntpf_served is None:
            timeline = timeline.with_ntpf(notice.issued_on)
        if notice.kind == NoticeKind.INTENT_TO_FINE.value and timeline.nif_served is None:
            timeline = timeline.with_nif(notice.issued_on)
    return timeline


def issue_notice(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    inspection_id: str,
    kind: NoticeKind,
    served: dt.date | None = None,
) -> WorksiteNotice:
    """Issue one notice of an inspection from its audit (and fine); keep its PDF; audit it."""
    with session_scope(engine) as session:
        _require_purpose(session, principal, purpose_id)
        inspection = visible_inspection(session, principal, inspection_id)
        day = served or _today()
        if day < inspection.noi_served_on:
            raise WorksiteError(
                400,
                "notice-date-invalid",
                f"a notice cannot be served on {day.isoformat()}, before the Notice of "
                f"Inspection ({inspection.noi_served_on.isoformat()})",
            )
        if kind is NoticeKind.NOTICE_OF_INSPECTION:
            raise WorksiteError(
                409, "notice-exists", "the Notice of Inspection was served when it opened"
            )
        result = _result(session, principal, inspection)
        number = inspection.inspection_id
        fine = None
        wants_fine = kind in (NoticeKind.INTENT_TO_FINE, NoticeKind.WARNING_NOTICE)
        if wants_fine and result.forms_required and fines.substantive_violations(result):
            fine = fine_of(session, principal, inspection, assessment_date=day)
        if kind is NoticeKind.INTENT_TO_FINE:
            if fine is None:
                raise WorksiteError(
                    409, "no-fine", "the audit shows no substantive violation to fine"
                )
            pdf = notices.intent_to_fine_notice(result, fine, day, case_number=number)
        elif kind is NoticeKind.WARNING_NOTICE:
            pdf = notices.warning_notice(result, day, fine=fine, case_number=number)
        elif kind is NoticeKind.TECHNICAL_FAILURES:
            pdf = notices.technical_failures_notice(result, day, case_number=number)
        elif kind is NoticeKind.SUSPECT_DOCUMENTS:
            pdf = notices.suspect_documents_notice(result, day, case_number=number)
        else:
            pdf = notices.compliance_letter(result, day, case_number=number)
        notice = _store_notice(session, principal, inspection, kind, day, pdf)
        inspection.status = STATUS_AFTER[kind]
        inspection.updated_at = dt.datetime.now(dt.UTC)
        _audit(
            session, principal, "worksite.notice.issue", inspection_id, purpose_id,
            {"kind": kind.value, "served": day.isoformat(), "sha256": notice.sha256},
        )  # fmt: skip
        session.commit()
        session.refresh(notice)
        session.expunge(notice)
    return notice
