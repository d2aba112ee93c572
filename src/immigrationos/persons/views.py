"""Persons and identity review over HTTP: search, profile, timeline, links; judgements,
the review queue and resolution runs.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

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
from immigrationos.persons import access, review_access
from immigrationos.persons.schemas import (
    JudgementCreate,
    JudgementRead,
    PersonLinks,
    PersonRead,
    PersonSearchResult,
    PersonTimeline,
    ReviewQueue,
    RunRead,
)
from immigrationos.records import access as records_access
from immigrationos.resolution import flows as resolution_flows
from immigrationos.resolution import service as resolution_service

router = APIRouter(tags=["persons"])
review_router = APIRouter(tags=["identity review"])

PersonIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="A person ID: P and ten characters (e.g. P7K2M9Q4XZ0A).",
    ),
]
QUEUE_ORDERS = ("threshold", "confidence")


@router.get(
    "/persons/search",
    response_model=PersonSearchResult,
    summary="Search persons by name, birth date or identifier",
    responses=responses(400, 401, 403, 422, 428),
)
def search_persons(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.PERSONS_SEARCH)],
    purpose: PurposeHeader = None,
    name: Annotated[
        str | None,
        Query(max_length=200, description="A name, as spelled or misspelled; order is free."),
    ] = None,
    birth_date: Annotated[date | None, Query(description="YYYY-MM-DD.")] = None,
    identifier: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Any identifier of any of the person's records: SSN, ITIN, A-number, "
            "passport, I-94, FBI number, receipt number, license number.",
        ),
    ] = None,
) -> PersonSearchResult:
    """Return persons whose records match, most likely first, under the purpose."""
    name = name.strip() if name and name.strip() else None
    identifier = identifier.strip() if identifier and identifier.strip() else None
    if name is None and birth_date is None and identifier is None:
        raise Problem(400, "empty-search", "give at least one of: name, birth_date, identifier")
    query = records_access.SearchQuery(
        name=name,
        birth_date=birth_date,
        identifier=identifier,
        sources=(),
        include_withdrawn=False,
    )
    try:
        return access.search(session, principal, purpose, query, page)
    except ValueError as exc:
        raise Problem(400, "bad-search", str(exc)) from exc


@router.get(
    "/persons/{person_id}",
    response_model=PersonRead,
    summary="A person's profile",
    responses=responses(401, 403, 404, 428),
)
def read_person(
    person_id: PersonIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.PERSONS_READ)],
    purpose: PurposeHeader = None,
) -> PersonRead:
    """Return a person: best name, other names, birth dates, identifiers, addresses, sources."""
    return access.read_person(session, principal, purpose, person_id)


@router.get(
    "/persons/{person_id}/timeline",
    response_model=PersonTimeline,
    summary="Every record of a person, in date order",
    responses=responses(401, 403, 404, 428),
)
def read_timeline(
    person_id: PersonIdPath,
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.PERSONS_READ)],
    purpose: PurposeHeader = None,
) -> PersonTimeline:
    """Return a person's records at their dates, each with its source and a summary."""
    return access.read_timeline(session, principal, purpose, person_id, page)


@router.get(
    "/persons/{person_id}/links",
    response_model=PersonLinks,
    summary="The links that make a person, with their explanations",
    responses=responses(401, 403, 404, 428),
)
def read_links(
    person_id: PersonIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.PERSONS_READ)],
    purpose: PurposeHeader = None,
) -> PersonLinks:
    """Return each link's match weight and its waterfall: prior plus comparison weights."""
    return access.read_links(session, principal, purpose, person_id)


@review_router.post(
    "/judgements",
    response_model=JudgementRead,
    status_code=201,
    summary="Judge whether two records or persons are the same person",
    responses=responses(400, 401, 403, 404, 422, 428),
)
def create_judgement(
    body: JudgementCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.JUDGEMENTS_RECORD)],
    purpose: PurposeHeader = None,
) -> JudgementRead:
    """Record SAME, DIFFERENT or UNSURE with a reason; the next resolution run honours it."""
    review_access.check_sides(session, principal, purpose, body.left, body.right)
    session.rollback()  # the checks hold no lock: the judgement's flow owns its transaction
    try:
        judgement = resolution_flows.judge(
            engine=engine,
            principal=principal,
            left=body.left,
            right=body.right,
            verdict=body.verdict.value,
            reason=body.reason,
            purpose_id=purpose,
        )
    except resolution_flows.ResolutionError as exc:
        raise Problem(400, "judgement-invalid", str(exc)) from exc
    return JudgementRead.model_validate(judgement)


@review_router.get(
    "/judgements",
    response_model=Page[JudgementRead],
    summary="Judgements on record",
    responses=responses(401, 403, 422, 428),
)
def list_judgements(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.JUDGEMENTS_READ)],
    purpose: PurposeHeader = None,
    ref: Annotated[
        str | None,
        Query(max_length=200, description="Only those naming this record or person."),
    ] = None,
    include_superseded: bool = False,
) -> Page[JudgementRead]:
    """Return judgements, newest first, whose two sides the caller may see."""
    return review_access.list_judgements(
        session,
        principal,
        purpose,
        page,
        ref=ref.strip() if ref and ref.strip() else None,
        include_superseded=include_superseded,
    )


@review_router.get(
    "/review-queue",
    response_model=ReviewQueue,
    summary="Links most in need of a reviewer",
    responses=responses(400, 401, 403, 422, 428),
)
def review_queue(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.JUDGEMENTS_READ)],
    purpose: PurposeHeader = None,
    order: Annotated[
        str,
        Query(
            description="threshold: probability nearest the run's threshold first; "
            "confidence: each person's weakest link, least confident person first.",
            json_schema_extra={"enum": list(QUEUE_ORDERS)},
        ),
    ] = "threshold",
) -> ReviewQueue:
    """Return unjudged links the caller may see, the most uncertain first."""
    if order not in QUEUE_ORDERS:
        raise Problem(400, "bad-order", f"order must be one of {', '.join(QUEUE_ORDERS)}")
    return review_access.review_queue(session, principal, purpose, page, order)


@review_router.get(
    "/resolution/runs",
    response_model=Page[RunRead],
    summary="Resolution runs and what they changed",
    responses=responses(401, 403, 422),
)
def list_runs(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.RESOLUTION_READ)],
) -> Page[RunRead]:
    """Return resolution runs, newest first, with their counts (no person data)."""
    total = resolution_service.count_runs(session=session)
    runs = resolution_service.list_runs(session=session, limit=page.limit, offset=page.offset)
    items = [RunRead.model_validate(r) for r in runs]
    audit(
        session,
        principal,
        "resolution.list_runs",
        resource_type="resolution_run",
        details={"count": len(items)},
    )
    session.commit()
    return Page[RunRead].of(items, total, page)
