"""Jobs over HTTP: ask for one, follow its progress, cancel it (no person data in a job row)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from immigrationos.apikit.deps import (
    EngineDep,
    Page,
    PageDep,
    PurposeHeader,
    SessionDep,
    audit,
    require,
)
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.jobs import flows as jobs_flows
from immigrationos.jobs import kinds as job_kinds
from immigrationos.jobs import service as jobs_service
from immigrationos.jobs.models import JobState
from immigrationos.jobs.schemas import JobCreate, JobRead

router = APIRouter(prefix="/jobs", tags=["jobs"])
STATES = tuple(s.value for s in JobState)


def _problem(exc: jobs_flows.JobsError) -> Problem:
    return Problem(exc.status, exc.kind, exc.detail)


@router.post(
    "",
    response_model=JobRead,
    status_code=202,
    summary="Start a job",
    responses=responses(401, 403, 422, 503),
)
def start_job(
    body: JobCreate,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.JOBS_RUN)],
    purpose: PurposeHeader = None,
) -> JobRead:
    """Start an ingest, resolution, targeting, export or report job; follow it at its URL."""
    try:
        return jobs_flows.start(
            engine,
            principal=principal,
            kind=body.kind,
            arguments=body.arguments,
            purpose_id=purpose,
            idempotency_key=body.idempotency_key,
        )
    except jobs_flows.JobsError as exc:
        raise _problem(exc) from exc


@router.get(
    "", response_model=Page[JobRead], summary="List jobs", responses=responses(401, 403, 422)
)
def list_jobs(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.JOBS_READ)],
    state: Annotated[
        str | None,
        Query(description="Only jobs in this state.", json_schema_extra={"enum": list(STATES)}),
    ] = None,
    kind: Annotated[
        str | None,
        Query(
            description="Only jobs of this kind.", json_schema_extra={"enum": list(job_kinds.KINDS)}
        ),
    ] = None,
) -> Page[JobRead]:
    """Return jobs, newest first, with their progress, result or error."""
    if state is not None and state not in STATES:
        raise Problem(422, "unknown-state", f"state {state!r} is not one of {', '.join(STATES)}")
    if kind is not None and kind not in job_kinds.KINDS:
        raise Problem(
            422, "unknown-kind", f"kind {kind!r} is not one of {', '.join(job_kinds.KINDS)}"
        )
    total = jobs_service.count_jobs(session=session, state=state, kind=kind)
    rows = jobs_service.list_jobs(
        session=session, state=state, kind=kind, limit=page.limit, offset=page.offset
    )
    items = [JobRead.of(job) for job in rows]
    filters = {"state": state, "kind": kind}
    audit(session, principal, "jobs.list", resource_type="job",
          details={**{k: v for k, v in filters.items() if v}, "count": len(items)})  # fmt: skip
    session.commit()
    return Page[JobRead].of(items, total, page)


@router.get(
    "/{job_id}", response_model=JobRead, summary="One job", responses=responses(401, 403, 404)
)
def get_job(
    job_id: str,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.JOBS_READ)],
) -> JobRead:
    """Return a job: its state, progress, result or error."""
    job = jobs_service.get(session=session, job_id=job_id)
    if job is None:
        raise Problem(404, "job-not-found", f"no job has id {job_id!r}")
    audit(session, principal, "jobs.read", resource_type="job", resource_id=job_id)
    session.commit()
    return JobRead.of(job)


@router.post(
    "/{job_id}/cancel",
    response_model=JobRead,
    summary="Cancel a job",
    responses=responses(401, 403, 404, 409),
)
def cancel_job(
    job_id: str,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.JOBS_RUN)],
) -> JobRead:
    """Cancel a job: a queued one never runs, a running one stops at its next checkpoint."""
    try:
        return jobs_flows.cancel(engine, principal=principal, job_id=job_id)
    except jobs_flows.JobsError as exc:
        raise _problem(exc) from exc
