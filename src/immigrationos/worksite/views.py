"""Worksite audits and inspections over HTTP: upload forms, read findings, reports, notices.

``POST /worksite/audits`` takes the files as multipart (CSV/JSON records and filled PDFs,
an optional roster and employer file) with the mode and the classification policy. An
inspection-mode audit also needs ``worksite.inspect``: its cross-checks read SSA and
USCIS records under the declared purpose.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, PageDep, PurposeHeader, SessionDep, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.audit import flows as audit_flows
from immigrationos.audit.models import Outcome
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.worksite import access, flows, inspection_flows, report, uploads
from immigrationos.worksite.flows import WorksiteError
from immigrationos.worksite.inspection import NoticeKind
from immigrationos.worksite.model import Mode
from immigrationos.worksite.schemas import (
    AuditList,
    AuditRead,
    FineRead,
    InspectionAttach,
    InspectionCreate,
    InspectionList,
    InspectionRead,
    NoticeCreate,
    NoticeRead,
)

router = APIRouter(tags=["worksite"])

AuditIdPath = Annotated[
    str, PathParam(min_length=1, max_length=12, description="An audit ID: WA and ten characters.")
]
InspectionIdPath = Annotated[
    str,
    PathParam(min_length=1, max_length=12, description="An inspection ID: WI and ten characters."),
]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF."}
}


def _refused_permission(principal: Principal, engine: EngineDep, permission: Permission) -> Problem:
    audit_flows.record(
        engine,
        actor=principal.actor,
        actor_role=principal.role,
        action="api.denied",
        outcome=Outcome.DENIED,
        client=principal.client,
        details={"permission": permission.value, "path": "/api/v1/worksite/audits"},
    )
    return Problem(
        403,
        "permission-denied",
        f"the role {principal.role} does not hold the permission {permission.value!r} "
        "(see docs/permissions.md); an inspection-mode audit needs it",
    )


def create_audit_from(
    session: Session,
    engine: Engine,
    principal: Principal,
    purpose: str | None,
    upload: uploads.AuditUpload | WorksiteError,
) -> AuditRead:
    """Audit an upload and keep the run, or raise the (audited) problem that refuses it."""
    action = "worksite.audit"
    inspects = isinstance(upload, uploads.AuditUpload) and upload.mode is Mode.INSPECTION
    if inspects and not principal.can(Permission.WORKSITE_INSPECT):
        raise _refused_permission(principal, engine, Permission.WORKSITE_INSPECT)
    lawful.use_context(session, principal, purpose, action=action, resource_type="worksite_audit")
    session.rollback()  # the flow owns its transaction
    try:
        if isinstance(upload, WorksiteError):
            raise upload
        with tempfile.TemporaryDirectory(prefix="imos-worksite-") as tmp:
            inputs = uploads.inputs_of(upload.files, upload.roster, upload.employer, Path(tmp))
            kept, result = flows.run_audit(
                engine,
                principal=principal,
                purpose_id=purpose,
                inputs=inputs,
                mode=upload.mode,
                policy=upload.policy,
                audit_date=upload.audit_date,
            )
    except WorksiteError as exc:
        raise access.refuse(
            session, principal, purpose, action, "worksite_audit", None, exc
        ) from exc
    except (KeyError, ValueError) as exc:  # an unknown classification policy
        error = WorksiteError(400, "policy-unknown", str(exc))
        raise access.refuse(
            session, principal, purpose, action, "worksite_audit", None, error
        ) from exc
    return access.audit_read(kept, result)


@router.post(
    "/worksite/audits",
    response_model=AuditRead,
    status_code=201,
    summary="Audit uploaded Forms I-9 (CSV/JSON records, filled PDFs) and keep the run",
    responses=responses(400, 401, 403, 404, 413, 422, 428),
    openapi_extra={"requestBody": uploads.AUDIT_UPLOAD_SCHEMA},
)
async def create_audit(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_AUDIT)],
    purpose: PurposeHeader = None,
) -> AuditRead:
    """Audit the forms as an I-9 auditor would; keep the run with its findings.

    Multipart parts: ``files`` (one or more CSV/JSON records or filled PDFs), ``roster``
    and ``employer`` (optional files), ``mode`` (self or inspection), ``policy`` and
    ``audit_date``. An inspection also needs ``worksite.inspect`` and a purpose.
    """
    upload: uploads.AuditUpload | WorksiteError
    try:
        form = await request.form(max_files=10_000, max_fields=20)
        upload = uploads.upload_of(form)
    except WorksiteError as exc:
        upload = exc
    except (ValueError, KeyError) as exc:  # a body that is not multipart
        upload = WorksiteError(400, "input-invalid", f"send the files as multipart: {exc}")
    return await run_in_threadpool(create_audit_from, session, engine, principal, purpose, upload)


@router.get(
    "/worksite/audits",
    response_model=AuditList,
    summary="Audit runs, most recent first",
    responses=responses(401, 403, 422),
)
def list_audits(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_READ)],
    purpose: PurposeHeader = None,
) -> AuditList:
    """Return the audit runs of the caller's area (counts, no findings)."""
    return access.list_audits(session, principal, purpose, page)


@router.get(
    "/worksite/audits/{audit_id}",
    response_model=AuditRead,
    summary="An audit run with every form and finding",
    responses=responses(401, 403, 404, 428),
)
def read_audit(
    audit_id: AuditIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_READ)],
    purpose: PurposeHeader = None,
) -> AuditRead:
    """Return an audit run: per form, its source and its findings with rule and citation."""
    return access.read_audit(session, principal, purpose, audit_id)


@router.get(
    "/worksite/audits/{audit_id}/report",
    summary="An audit's report, as HTML (with charts) or PDF",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}, "application/pdf": {}}, "description": "The report."},
        **responses(401, 403, 404, 422, 428),
    },
)
def audit_report(
    audit_id: AuditIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_READ)],
    purpose: PurposeHeader = None,
    format: Annotated[Literal["html", "pdf"], Query(description="html or pdf.")] = "html",
) -> Response:
    """Return the audit report: summary, charts of findings by rule, every finding."""
    _, result = access.read_audit_result(session, principal, purpose, audit_id, "worksite.report")
    if format == "pdf":
        return Response(report.report_pdf(result), media_type="application/pdf")
    return HTMLResponse(report.report_html(result))


# -- inspections ----------------------------------------------------------------------------


def _session_done(session: Session) -> None:
    session.rollback()  # the flow owns its transaction


@router.post(
    "/worksite/inspections",
    response_model=InspectionRead,
    status_code=201,
    summary="Open an inspection: serve a Notice of Inspection",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def create_inspection(
    body: InspectionCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_INSPECT)],
    purpose: PurposeHeader = None,
) -> InspectionRead:
    """Open an inspection; its Notice of Inspection (PDF) is kept with its SHA-256."""
    action = "worksite.inspection.create"
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="worksite_inspection"
    )
    _session_done(session)
    try:
        found = inspection_flows.create_inspection(
            engine, principal=principal, purpose_id=purpose, data=body
        )
    except WorksiteError as exc:
        raise access.refuse(
            session, principal, purpose, action, "worksite_inspection", None, exc
        ) from exc
    return access.read_inspection(session, principal, purpose, found.inspection_id)


@router.get(
    "/worksite/inspections",
    response_model=InspectionList,
    summary="Inspections, most recent first",
    responses=responses(401, 403, 422),
)
def list_inspections(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_READ)],
    purpose: PurposeHeader = None,
) -> InspectionList:
    """Return the inspections of the caller's area with their timelines."""
    return access.list_inspections(session, principal, purpose, page)


@router.get(
    "/worksite/inspections/{inspection_id}",
    response_model=InspectionRead,
    summary="An inspection: timeline and notices",
    responses=responses(401, 403, 404, 428),
)
def read_inspection(
    inspection_id: InspectionIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_READ)],
    purpose: PurposeHeader = None,
) -> InspectionRead:
    """Return an inspection with what is due and every notice issued."""
    return access.read_inspection(session, principal, purpose, inspection_id)


@router.post(
    "/worksite/inspections/{inspection_id}/audit",
    response_model=InspectionRead,
    summary="Attach the audit of the forms the employer produced",
    responses=responses(400, 401, 403, 404, 422, 428),
)
def attach_audit(
    inspection_id: InspectionIdPath,
    body: InspectionAttach,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_INSPECT)],
    purpose: PurposeHeader = None,
) -> InspectionRead:
    """Attach an audit run to the inspection (its notices and fine rest on it)."""
    action = "worksite.inspection.attach"
    lawful.use_context(session, principal, purpose, action=action,
                       resource_type="worksite_inspection", resource_id=inspection_id)  # fmt: skip
    _session_done(session)
    try:
        inspection_flows.attach_audit(
            engine, principal=principal, purpose_id=purpose, inspection_id=inspection_id,
            audit_id=body.audit_id,
        )  # fmt: skip
    except WorksiteError as exc:
        raise access.refuse(
            session, principal, purpose, action, "worksite_inspection", inspection_id, exc
        ) from exc
    return access.read_inspection(session, principal, purpose, inspection_id)


@router.post(
    "/worksite/inspections/{inspection_id}/notices",
    response_model=NoticeRead,
    status_code=201,
    summary="Issue a notice of the inspection (its PDF kept with its SHA-256)",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def issue_notice(
    inspection_id: InspectionIdPath,
    body: NoticeCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_INSPECT)],
    purpose: PurposeHeader = None,
) -> NoticeRead:
    """Issue a compliance letter, NTPF, NSD, Warning Notice or Notice of Intent to Fine."""
    action = "worksite.notice.issue"
    lawful.use_context(session, principal, purpose, action=action,
                       resource_type="worksite_inspection", resource_id=inspection_id)  # fmt: skip
    _session_done(session)
    try:
        notice = inspection_flows.issue_notice(
            engine, principal=principal, purpose_id=purpose, inspection_id=inspection_id,
            kind=NoticeKind(body.kind), served=body.issued_on,
        )  # fmt: skip
    except WorksiteError as exc:
        raise access.refuse(
            session, principal, purpose, action, "worksite_inspection", inspection_id, exc
        ) from exc
    return access.notice_read(notice)


@router.get(
    "/worksite/inspections/{inspection_id}/notices/{notice_id}",
    summary="A notice's PDF",
    response_class=Response,
    responses={**PDF, **responses(401, 403, 404, 422, 428)},
)
def notice_pdf(
    inspection_id: InspectionIdPath,
    notice_id: Annotated[int, PathParam(ge=1, le=2**62)],
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_READ)],
    purpose: PurposeHeader = None,
) -> Response:
    """Return the PDF of a notice as it was issued (its SHA-256 in the header)."""
    notice = access.read_notice_pdf(session, principal, purpose, inspection_id, notice_id)
    return Response(
        notice.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{inspection_id}-{notice.kind}.pdf"',
            "X-Content-SHA256": notice.sha256,
        },
    )


@router.get(
    "/worksite/inspections/{inspection_id}/fine",
    response_model=FineRead,
    summary="The fine computation of an inspection",
    responses=responses(401, 403, 404, 409, 428),
)
def read_fine(
    inspection_id: InspectionIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.WORKSITE_READ)],
    purpose: PurposeHeader = None,
) -> FineRead:
    """Return every step of the fine: violation percentage, base fine, factors, total."""
    return access.read_fine(session, principal, purpose, inspection_id)
