"""Worksite pages for I-9 auditors: runs, the upload form, an audit's findings, an inspection.

Every read and write goes through the API's own functions (``worksite.access``,
``worksite.views.create_audit_from``, ``worksite.inspection_flows``): the same permission
table, area, purpose, data-use policy and audit events. An audit's page shows the
report's charts (inline SVG, no script), a findings table filterable by rule and
classification (a plain GET form that htmx swaps in place) and each form's findings; an
inspection's page its timeline, the notices to download and the fine computation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from immigrationos.apikit.deps import EngineDep, PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import is_htmx, page, refusal
from immigrationos.worksite import access, inspection_flows, report, uploads
from immigrationos.worksite import views as worksite_views
from immigrationos.worksite.flows import WorksiteError
from immigrationos.worksite.inspection import NOTICE_TITLES, NoticeKind
from immigrationos.worksite.schemas import InspectionCreate

router = APIRouter(include_in_schema=False)
CsrfDep = Depends(web_session.check_csrf)
Reader = Annotated[Principal, signed_in(Permission.WORKSITE_READ)]
Auditor = Annotated[Principal, signed_in(Permission.WORKSITE_AUDIT)]
Inspector = Annotated[Principal, signed_in(Permission.WORKSITE_INSPECT)]
LIST_PAGE = PageParams(limit=50, offset=0)
ISSUABLE = [k for k in NoticeKind if k is not NoticeKind.NOTICE_OF_INSPECTION]
CLASSIFICATIONS = ("SUBSTANTIVE", "TECHNICAL", "NOT_A_VIOLATION")


def _home(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    purpose = purpose_of(request)
    audits = access.list_audits(session, principal, purpose, LIST_PAGE)
    inspections = access.list_inspections(session, principal, purpose, LIST_PAGE)
    return page(
        request,
        "worksite/index.html",
        principal,
        status=status,
        audits=audits,
        inspections=inspections,
        error=error,
        can_audit=principal.can(Permission.WORKSITE_AUDIT),
        can_inspect=principal.can(Permission.WORKSITE_INSPECT),
        today=dt.datetime.now(dt.UTC).date(),
    )


@router.get("/worksite", response_class=HTMLResponse)
def worksite_home(request: Request, session: SessionDep, principal: Reader) -> HTMLResponse:
    """List the audit runs and inspections of the user's area; upload forms to audit."""
    return _home(request, session, principal)


@router.post("/worksite/audits", dependencies=[CsrfDep])
async def upload_audit(
    request: Request, session: SessionDep, engine: EngineDep, principal: Auditor
) -> Response:
    """Audit the uploaded forms (the API's flow, audited) and open the run's page."""
    purpose = purpose_of(request)
    upload: uploads.AuditUpload | WorksiteError
    try:
        form = await request.form()  # parsed once already by the CSRF check
        upload = uploads.upload_of(_Form(form, exclude=web_session.CSRF_FIELD))
    except WorksiteError as exc:
        upload = exc
    try:
        kept = await run_in_threadpool(
            worksite_views.create_audit_from, session, engine, principal, purpose, upload
        )
    except Problem as exc:
        if exc.status in (401, 403, 428) or exc.kind.startswith("purpose"):
            return refusal(request, principal, exc, what="audit")
        return await run_in_threadpool(
            _home, request, session, principal, error=exc.detail, status=exc.status
        )
    return RedirectResponse(f"/worksite/audits/{kept.audit_id}", status_code=303)


class _Form:
    """A form's parts without one field (the CSRF token is the page's, not the upload's)."""

    def __init__(self, form: Any, exclude: str) -> None:
        self.form, self.exclude = form, exclude

    def keys(self) -> list[str]:
        """Return the names of the parts."""
        return [k for k in self.form if k != self.exclude]

    def getlist(self, name: str) -> list[Any]:
        """Return every value of a part."""
        return list(self.form.getlist(name))

    def get(self, name: str) -> Any:
        """Return a part's value, or None."""
        return self.form.get(name)


def _filtered(
    context: dict[str, Any], rule: str, classification: str, form_id: str
) -> list[dict[str, Any]]:
    """Return the findings rows the filters keep, each with its form."""
    rows = []
    for form in context["forms"]:
        if form_id and form["form_id"] != form_id:
            continue
        for row in form["rows"]:
            rows.append({**row, "form_id": form["form_id"], "source": form["source"]})
    if not form_id:
        rows += [{**row, "source": "across the forms"} for row in context["employer_rows"]]
    return [
        r
        for r in rows
        if (not rule or r.get("rule_id") == rule)
        and (not classification or r.get("classification") == classification)
    ]


@router.get("/worksite/audits/{audit_id}", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    principal: Reader,
    audit_id: str,
    rule: Annotated[str, Query(max_length=60)] = "",
    classification: Annotated[str, Query(max_length=20)] = "",
    form: Annotated[str, Query(max_length=200)] = "",
    purpose: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Show an audit: summary, the report's charts, findings filterable, per-form detail."""
    purpose_id = purpose_of(request, purpose)
    try:
        row, result = access.read_audit_result(
            session, principal, purpose_id, audit_id[:12], "worksite.audit.read"
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="audit")
    context = report.report_context(result)
    detail = next((f for f in context["forms"] if f["form_id"] == form), None) if form else None
    return page(
        request,
        "worksite/findings.html" if is_htmx(request) else "worksite/audit.html",
        principal,
        audit=row,
        report=context,
        rows=_filtered(context, rule, classification, form),
        rules=[r for r, _, _ in context["by_rule"]],
        classifications=CLASSIFICATIONS,
        rule=rule,
        classification=classification,
        form_id=form,
        detail=detail,
        purpose=purpose_id,
    )


@router.get("/worksite/audits/{audit_id}/report")
def audit_report(
    request: Request,
    session: SessionDep,
    principal: Reader,
    audit_id: str,
    format: Annotated[str, Query(pattern="^(html|pdf)$")] = "pdf",
) -> Response:
    """Download the audit report (PDF, or the self-contained HTML)."""
    try:
        _, result = access.read_audit_result(
            session, principal, purpose_of(request), audit_id[:12], "worksite.report"
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="audit")
    if format == "html":
        return HTMLResponse(report.report_html(result), headers={"Cache-Control": "no-store"})
    return Response(
        report.report_pdf(result),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{audit_id[:12]}-report.pdf"',
            "Cache-Control": "no-store",
        },
    )


# -- inspections ----------------------------------------------------------------------------


@router.post("/worksite/inspections", dependencies=[CsrfDep])
def open_inspection(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Inspector,
    employer_name: Annotated[str, Form(max_length=400)] = "",
    employee_count: Annotated[str, Form(max_length=12)] = "0",
    noi_served_on: Annotated[str, Form(max_length=10)] = "",
    audit_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Serve a Notice of Inspection (the API's flow, audited) and open the inspection."""
    purpose = purpose_of(request)
    try:
        data = InspectionCreate.model_validate(
            {
                "employer_name": employer_name.strip(),
                "employee_count": employee_count or 0,
                "noi_served_on": noi_served_on,
                "audit_id": audit_id.strip() or None,
            }
        )
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return _home(
            request, session, principal, error=f"Check these fields: {fields}.", status=400
        )
    try:
        found = inspection_flows.create_inspection(
            engine, principal=principal, purpose_id=purpose, data=data
        )
    except WorksiteError as exc:
        problem = access.refuse(
            session, principal, purpose, "worksite.inspection.create", "worksite_inspection",
            None, exc,
        )  # fmt: skip
        return refusal(request, principal, problem, what="audit")
    return RedirectResponse(f"/worksite/inspections/{found.inspection_id}", status_code=303)


def _inspection_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    inspection_id: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    purpose = purpose_of(request)
    try:
        found = access.read_inspection(session, principal, purpose, inspection_id[:12])
    except Problem as exc:
        return refusal(request, principal, exc, what="inspection")
    fine: dict[str, Any] | None = None
    fine_note = "Attach the audit of the forms the employer produced to compute the fine."
    if found.audit_id is not None:
        try:
            fine = access.read_fine(session, principal, purpose, found.inspection_id).computation
            fine_note = ""
        except Problem as exc:
            fine_note = exc.detail
    return page(
        request,
        "worksite/inspection.html",
        principal,
        status=status,
        inspection=found,
        fine=fine,
        fine_note=fine_note,
        titles={k.value: t for k, t in NOTICE_TITLES.items()},
        issuable=[(k.value, NOTICE_TITLES[k]) for k in ISSUABLE],
        can_inspect=principal.can(Permission.WORKSITE_INSPECT),
        error=error,
        today=dt.datetime.now(dt.UTC).date(),
    )


@router.get("/worksite/inspections/{inspection_id}", response_class=HTMLResponse)
def inspection_page(
    request: Request, session: SessionDep, principal: Reader, inspection_id: str
) -> HTMLResponse:
    """Show an inspection: its timeline, the notices to download, the fine computation."""
    return _inspection_page(request, session, principal, inspection_id)


@router.post("/worksite/inspections/{inspection_id}/notices", dependencies=[CsrfDep])
def issue_notice(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Inspector,
    inspection_id: str,
    kind: Annotated[str, Form(max_length=40)] = "",
    issued_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Issue a notice of the inspection (the API's flow, audited); back to its page."""
    purpose = purpose_of(request)
    try:
        chosen = NoticeKind(kind)
        day = dt.date.fromisoformat(issued_on) if issued_on else None
    except ValueError:
        return _inspection_page(
            request, session, principal, inspection_id, error="Choose a notice and a date.",
            status=400,
        )  # fmt: skip
    try:
        inspection_flows.issue_notice(
            engine, principal=principal, purpose_id=purpose, inspection_id=inspection_id[:12],
            kind=chosen, served=day,
        )  # fmt: skip
    except WorksiteError as exc:
        access.refuse(
            session, principal, purpose, "worksite.notice.issue", "worksite_inspection",
            inspection_id[:12], exc,
        )  # fmt: skip
        return _inspection_page(
            request, session, principal, inspection_id, error=exc.detail, status=exc.status
        )
    return RedirectResponse(f"/worksite/inspections/{inspection_id[:12]}", status_code=303)


@router.post("/worksite/inspections/{inspection_id}/audit", dependencies=[CsrfDep])
def attach_audit(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Inspector,
    inspection_id: str,
    audit_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Attach the audit of the produced forms to the inspection; back to its page."""
    purpose = purpose_of(request)
    try:
        inspection_flows.attach_audit(
            engine, principal=principal, purpose_id=purpose, inspection_id=inspection_id[:12],
            audit_id=audit_id.strip(),
        )  # fmt: skip
    except WorksiteError as exc:
        access.refuse(
            session, principal, purpose, "worksite.inspection.attach", "worksite_inspection",
            inspection_id[:12], exc,
        )  # fmt: skip
        return _inspection_page(
            request, session, principal, inspection_id, error=exc.detail, status=exc.status
        )
    return RedirectResponse(f"/worksite/inspections/{inspection_id[:12]}", status_code=303)


@router.get("/worksite/inspections/{inspection_id}/notices/{notice_id}.pdf")
def notice_pdf(
    request: Request, session: SessionDep, principal: Reader, inspection_id: str, notice_id: int
) -> Response:
    """Download a notice's PDF as it was issued."""
    try:
        notice = access.read_notice_pdf(
            session, principal, purpose_of(request), inspection_id[:12], notice_id
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="notice")
    return Response(
        notice.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{inspection_id[:12]}-{notice.kind}.pdf"',
            "Cache-Control": "no-store",
            "X-Content-SHA256": notice.sha256,
        },
    )
