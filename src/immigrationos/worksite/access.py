"""Reads of worksite audits and inspections under the platform's rules, for the API and pages.

An audit's findings name employees and their documents: person data. Reading one names a
purpose and is audited (``worksite.audit.read``, ``worksite.report``, ...); a list is
audited too. Field roles see the runs and inspections of their field offices. A refusal
is audited on its own and answers with a problem that says what to do.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import PageParams, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.worksite import flows, inspection_flows
from immigrationos.worksite import service as worksite_service
from immigrationos.worksite.flows import WorksiteError
from immigrationos.worksite.model import AuditResult
from immigrationos.worksite.models import WorksiteAudit, WorksiteInspection, WorksiteNotice
from immigrationos.worksite.schemas import (
    AuditList,
    AuditRead,
    AuditSummary,
    FineRead,
    InspectionList,
    InspectionRead,
    NoticeRead,
    TimelineStep,
)


def refuse(
    session: Session,
    principal: Principal,
    purpose: str | None,
    action: str,
    resource_type: str,
    resource_id: str | None,
    error: WorksiteError,
) -> Problem:
    """Audit a refused worksite request (committed on its own) and return its problem."""
    session.rollback()
    problem = lawful.refuse(
        session,
        principal,
        status=error.status,
        kind=error.kind,
        detail=error.detail,
        action=action,
        purpose=purpose,
        resource_type=resource_type,
        resource_id=resource_id,
        rule=error.rule,
    )
    if error.status == 404:
        problem.extra.pop("rule", None)
    return problem


def _offices(principal: Principal) -> frozenset[str] | None:
    area = principal.area()
    return None if area is None else frozenset(area)


def summary(audit_row: WorksiteAudit) -> AuditSummary:
    """Return an audit run as a list shows it."""
    return AuditSummary.model_validate(audit_row)


def audit_read(audit_row: WorksiteAudit, result: AuditResult) -> AuditRead:
    """Return an audit run with every form and finding."""
    report = flows.report_of(result)
    files = json.loads(audit_row.files)
    errors = [f for f in files if "error" in f]
    report.counts.read_errors = audit_row.read_errors
    return AuditRead(
        **summary(audit_row).model_dump(),
        employer=json.loads(audit_row.employer),
        purpose_id=audit_row.purpose_id,
        files=[f for f in files if "error" not in f],
        forms=report.forms,
        employer_findings=report.employer_findings,
        errors=[{"source": e["name"], "message": e["error"]} for e in errors],  # type: ignore[misc]
        counts=report.counts,
    )


def list_audits(
    session: Session, principal: Principal, purpose: str | None, page: PageParams
) -> AuditList:
    """Return the audit runs the caller may see, most recent first; audit the read."""
    offices = _offices(principal)
    total = worksite_service.count_audits(session=session, offices=offices)
    rows = worksite_service.list_audits(
        session=session, offices=offices, offset=page.offset, limit=page.limit
    )
    audit(
        session, principal, "worksite.audit.list", resource_type="worksite_audit",
        purpose=purpose, details={"returned": [r.audit_id for r in rows]},
    )  # fmt: skip
    session.commit()
    following = page.offset + len(rows)
    return AuditList(
        items=[summary(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < total else None,
    )


def _result(
    session: Session, principal: Principal, purpose: str | None, audit_id: str, action: str
) -> tuple[WorksiteAudit, AuditResult]:
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="worksite_audit",
        resource_id=audit_id,
    )  # fmt: skip
    try:
        return flows.read_result(session, principal, audit_id)
    except WorksiteError as exc:
        raise refuse(session, principal, purpose, action, "worksite_audit", audit_id, exc) from exc


def read_audit(
    session: Session, principal: Principal, purpose: str | None, audit_id: str
) -> AuditRead:
    """Return an audit run with its findings; audit the read."""
    row, result = _result(session, principal, purpose, audit_id, "worksite.audit.read")
    audit(
        session, principal, "worksite.audit.read", resource_type="worksite_audit",
        resource_id=audit_id, purpose=purpose, details={"findings": row.findings_count},
    )  # fmt: skip
    session.commit()
    return audit_read(row, result)


def read_audit_result(
    session: Session, principal: Principal, purpose: str | None, audit_id: str, action: str
) -> tuple[WorksiteAudit, AuditResult]:
    """Return an audit run and its result for a report or a page; audit the read."""
    row, result = _result(session, principal, purpose, audit_id, action)
    audit(
        session, principal, action, resource_type="worksite_audit", resource_id=audit_id,
        purpose=purpose, details={"findings": row.findings_count},
    )  # fmt: skip
    session.commit()
    return row, result


def notice_read(notice: WorksiteNotice) -> NoticeRead:
    """Return a notice without its PDF."""
    return NoticeRead.model_validate(notice)


def inspection_read(inspection: WorksiteInspection, issued: list[WorksiteNotice]) -> InspectionRead:
    """Return an inspection with its notices and its timeline."""
    timeline = inspection_flows.timeline_of(inspection, issued)
    steps = [
        TimelineStep(
            step="Notice of Inspection served",
            done=inspection.noi_served_on,
            note="production due in 3 business days",
        )
    ]
    steps += [TimelineStep(step=d.name, due=d.due, note=d.basis) for d in timeline.deadlines()]
    steps += [
        TimelineStep(step=f"{n.kind.replace('_', ' ')} issued", done=n.issued_on, note=n.sha256)
        for n in issued
        if n.kind != "notice_of_inspection"
    ]
    return InspectionRead(
        inspection_id=inspection.inspection_id,
        employer_name=inspection.employer_name,
        employer=json.loads(inspection.employer),
        audit_id=inspection.audit_id,
        noi_served_on=inspection.noi_served_on,
        production_due=inspection.production_due,
        status=inspection.status,
        field_office=inspection.field_office,
        purpose_id=inspection.purpose_id,
        prior_violations=inspection.prior_violations,
        factors=json.loads(inspection.factors or "{}"),
        created_by=inspection.created_by,
        created_at=inspection.created_at,
        notices=[notice_read(n) for n in issued],
        timeline=sorted(steps, key=lambda s: s.done or s.due or inspection.noi_served_on),
    )


def list_inspections(
    session: Session, principal: Principal, purpose: str | None, page: PageParams
) -> InspectionList:
    """Return the inspections the caller may see, most recent first; audit the read."""
    offices = _offices(principal)
    total = worksite_service.count_inspections(session=session, offices=offices)
    rows = worksite_service.list_inspections(
        session=session, offices=offices, offset=page.offset, limit=page.limit
    )
    items = [
        inspection_read(
            r, worksite_service.notices_of(session=session, inspection_id=r.inspection_id)
        )
        for r in rows
    ]
    audit(
        session, principal, "worksite.inspection.list", resource_type="worksite_inspection",
        purpose=purpose, details={"returned": [r.inspection_id for r in rows]},
    )  # fmt: skip
    session.commit()
    following = page.offset + len(rows)
    return InspectionList(
        items=items,
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < total else None,
    )


def _inspection(
    session: Session, principal: Principal, purpose: str | None, inspection_id: str, action: str
) -> WorksiteInspection:
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="worksite_inspection",
        resource_id=inspection_id,
    )  # fmt: skip
    try:
        return inspection_flows.visible_inspection(session, principal, inspection_id)
    except WorksiteError as exc:
        raise refuse(
            session, principal, purpose, action, "worksite_inspection", inspection_id, exc
        ) from exc


def read_inspection(
    session: Session, principal: Principal, purpose: str | None, inspection_id: str
) -> InspectionRead:
    """Return an inspection with its timeline and notices; audit the read."""
    found = _inspection(session, principal, purpose, inspection_id, "worksite.inspection.read")
    issued = worksite_service.notices_of(session=session, inspection_id=inspection_id)
    audit(
        session, principal, "worksite.inspection.read", resource_type="worksite_inspection",
        resource_id=inspection_id, purpose=purpose, details={"notices": len(issued)},
    )  # fmt: skip
    session.commit()
    return inspection_read(found, issued)


def read_notice_pdf(
    session: Session, principal: Principal, purpose: str | None, inspection_id: str, notice_id: int
) -> WorksiteNotice:
    """Return one notice with its PDF; audit the read."""
    action = "worksite.notice.read"
    _inspection(session, principal, purpose, inspection_id, action)
    notice = worksite_service.get_notice(
        session=session, inspection_id=inspection_id, notice_id=notice_id
    )
    if notice is None:
        error = WorksiteError(
            404, "notice-not-found", f"inspection {inspection_id} has no notice {notice_id}"
        )
        raise refuse(
            session, principal, purpose, action, "worksite_inspection", inspection_id, error
        )
    audit(
        session, principal, action, resource_type="worksite_inspection",
        resource_id=inspection_id, purpose=purpose,
        details={"notice": notice_id, "kind": notice.kind, "sha256": notice.sha256},
    )  # fmt: skip
    session.commit()
    return notice


def read_fine(
    session: Session, principal: Principal, purpose: str | None, inspection_id: str
) -> FineRead:
    """Return the fine computation of an inspection's audit; audit the read."""
    action = "worksite.fine.read"
    found = _inspection(session, principal, purpose, inspection_id, action)
    try:
        fine = inspection_flows.fine_of(session, principal, found)
    except WorksiteError as exc:
        raise refuse(
            session, principal, purpose, action, "worksite_inspection", inspection_id, exc
        ) from exc
    audit(
        session, principal, action, resource_type="worksite_inspection",
        resource_id=inspection_id, purpose=purpose, details={"total": str(fine.total)},
    )  # fmt: skip
    session.commit()
    assert found.audit_id is not None
    return FineRead(
        inspection_id=inspection_id, audit_id=found.audit_id, computation=fine.as_dict()
    )
