"""The jobs page: start a job, follow its progress (htmx polling), cancel it, read its result.

The list is the API's ``jobs.views.list_jobs`` (``jobs.read``, audited); starting and
cancelling are the API's flows (``jobs.run``), so the rules and the audit are the API's.
A job that reads person data (targeting) runs under the page's current purpose.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from immigrationos.apikit.deps import EngineDep, PageParams, SessionDep
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.jobs import flows as jobs_flows
from immigrationos.jobs import kinds as job_kinds
from immigrationos.jobs import views as jobs_views
from immigrationos.jobs.models import ENDED
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, signed_in(Permission.JOBS_READ)]
Runner = Annotated[Principal, signed_in(Permission.JOBS_RUN)]
CsrfDep = Depends(web_session.check_csrf)
PATH = "/jobs"
SHOWN = 50


def _page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    template: str = "jobs/jobs.html",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    jobs = jobs_views.list_jobs(session, PageParams(limit=SHOWN, offset=0), principal)
    return page(
        request,
        template,
        principal,
        status=status,
        jobs=jobs.items,
        total=jobs.total,
        active=any(job.state not in ENDED for job in jobs.items),
        kinds=job_kinds.KINDS,
        formats=job_kinds.REPORT_FORMATS,
        incoming=job_kinds.INCOMING,
        can_run=principal.can(Permission.JOBS_RUN),
        error=error,
    )


@router.get(PATH, response_class=HTMLResponse)
def jobs_page(request: Request, session: SessionDep, principal: Reader) -> HTMLResponse:
    """Show the latest jobs with their progress, and the forms to start one."""
    return _page(request, session, principal)


@router.get(f"{PATH}/table", response_class=HTMLResponse)
def jobs_table(request: Request, session: SessionDep, principal: Reader) -> HTMLResponse:
    """Return the jobs table alone (what the page polls while a job is running)."""
    return _page(request, session, principal, template="jobs/table.html")


@router.post(PATH, dependencies=[CsrfDep])
def start_job(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Runner,
    kind: Annotated[str, Form(max_length=40)] = "",
    folder: Annotated[str, Form(max_length=400)] = "",
    snapshot: Annotated[bool, Form()] = False,
    incremental: Annotated[bool, Form()] = False,
    as_of: Annotated[str, Form(max_length=10)] = "",
    report_format: Annotated[str, Form(alias="format", max_length=10)] = "",
) -> Response:
    """Start a job of ``kind`` with the form's arguments; show the page again."""
    given: dict[str, dict[str, Any]] = {
        "ingest": {"folder": folder, "snapshot": snapshot},
        "resolve": {"incremental": incremental},
        "target": {"as_of": as_of or None},
        "bias-report": {"format": report_format or "html"},
    }
    try:
        jobs_flows.start(
            engine,
            principal=principal,
            kind=kind,
            arguments=given.get(kind, {}),
            purpose_id=purpose_of(request),
        )
    except jobs_flows.JobsError as exc:
        return _page(request, session, principal, error=exc.detail, status=exc.status)
    return RedirectResponse(PATH, status_code=303)


@router.post(PATH + "/{job_id}/cancel", dependencies=[CsrfDep])
def cancel_job(
    request: Request, session: SessionDep, engine: EngineDep, principal: Runner, job_id: str
) -> Response:
    """Cancel a job; show the page again."""
    try:
        jobs_flows.cancel(engine, principal=principal, job_id=job_id[:20])
    except jobs_flows.JobsError as exc:
        return _page(request, session, principal, error=exc.detail, status=exc.status)
    return RedirectResponse(PATH, status_code=303)
