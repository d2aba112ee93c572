"""Records over HTTP: search across sources, a record's page, its versions, the sources."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from immigrationos.apikit.deps import EngineDep, PageDep, PurposeHeader, SessionDep, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.policy import engine as policy_engine
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.errors import DisclosureRefused, PolicyError
from immigrationos.policy.schemas import DisclosureRead
from immigrationos.records import access
from immigrationos.records.schemas import (
    DisclosureCreate,
    RecordRead,
    RecordVersionRead,
    SearchResult,
    SourceRead,
)
from immigrationos.sources.contract import SOURCES

router = APIRouter(tags=["records"])
PERSON_SOURCES = [name for name, spec in SOURCES.items() if spec.person_records]
SourcePath = Annotated[
    str,
    Path(
        description="A person-record source, e.g. cbp_i94.",
        json_schema_extra={"enum": PERSON_SOURCES},
    ),
]
RecordIdPath = Annotated[str, Path(max_length=200, description="The record's record_id.")]


def _person_source(source: str) -> str:
    spec = SOURCES.get(source)
    if spec is None:
        raise Problem(404, "unknown-source", f"source {source!r} is not in the data contract")
    if not spec.person_records:
        raise Problem(
            404,
            "not-person-records",
            f"{source} holds aggregate statistics, not records of persons",
        )
    return source


@router.get(
    "/sources",
    response_model=list[SourceRead],
    summary="The sources and their data-use rules",
    responses=responses(401, 403),
)
def list_sources(
    principal: Annotated[Principal, require(Permission.POLICY_READ)],
) -> list[SourceRead]:
    """Return every source of the data contract with its rule, law and explanation."""
    policy = policy_engine.get_policy()
    return [
        SourceRead(
            name=name,
            title=spec.title,
            person_records=spec.person_records,
            **policy.describe_source(name),
        )
        for name, spec in SOURCES.items()
    ]


@router.get(
    "/records/search",
    response_model=SearchResult,
    summary="Search records across sources",
    responses=responses(400, 401, 403, 422, 428),
)
def search_records(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.RECORDS_SEARCH)],
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
            description="Any identifier: SSN, ITIN, A-number, passport, I-94, FBI number, "
            "receipt number, license number, EIN.",
        ),
    ] = None,
    source: Annotated[
        list[str] | None,
        Query(
            description="Only these sources.",
            json_schema_extra={"items": {"type": "string", "enum": PERSON_SOURCES}},
        ),
    ] = None,
    include_withdrawn: bool = False,
) -> SearchResult:
    """Return matching records, best first, that the caller may see under the purpose."""
    if (
        not (name and name.strip())
        and birth_date is None
        and not (identifier and identifier.strip())
    ):
        raise Problem(400, "empty-search", "give at least one of: name, birth_date, identifier")
    for s in source or []:
        _person_source(s)
    query = access.SearchQuery(
        name=name.strip() if name and name.strip() else None,
        birth_date=birth_date,
        identifier=identifier.strip() if identifier and identifier.strip() else None,
        sources=tuple(dict.fromkeys(source or [])),
        include_withdrawn=include_withdrawn,
    )
    try:
        return access.search(session, principal, purpose, query, page)
    except ValueError as exc:
        raise Problem(400, "bad-search", str(exc)) from exc


@router.get(
    "/records/{source}/{record_id}",
    response_model=RecordRead,
    summary="A record's page",
    responses=responses(401, 403, 404, 428),
)
def read_record(
    source: SourcePath,
    record_id: RecordIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.RECORDS_READ)],
    purpose: PurposeHeader = None,
) -> RecordRead:
    """Return a record's current version, its provenance and its place in the history."""
    return access.read_record(session, principal, purpose, _person_source(source), record_id)


@router.get(
    "/records/{source}/{record_id}/versions",
    response_model=list[RecordVersionRead],
    summary="Every version of a record",
    responses=responses(401, 403, 404, 428),
)
def read_versions(
    source: SourcePath,
    record_id: RecordIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.RECORDS_READ)],
    purpose: PurposeHeader = None,
) -> list[RecordVersionRead]:
    """Return every version of a record, oldest first, each with its batch and line."""
    return access.read_versions(session, principal, purpose, _person_source(source), record_id)


@router.post(
    "/disclosures",
    response_model=DisclosureRead,
    status_code=201,
    summary="Disclose records outside the agency (all or none), accounted per person",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def create_disclosure(
    body: DisclosureCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.DISCLOSURES_CREATE)],
    purpose: PurposeHeader = None,
) -> DisclosureRead:
    """Disclose records under the purpose; refuse all if the policy refuses any one."""
    refs = [(_person_source(r.source), r.record_id) for r in body.records]
    rows = access.records_for_disclosure(session, principal, purpose, refs)
    session.rollback()  # the lookups hold no lock: the disclosure's flow owns its transaction
    try:
        disclosure = policy_flows.disclose(
            principal=principal,
            purpose_id=purpose or "",
            recipient=body.recipient,
            recipient_type=body.recipient_type,
            legal_basis=body.legal_basis,
            records=rows,
            engine=engine,
        )
    except DisclosureRefused as exc:
        raise Problem(409, "disclosure-refused", str(exc)) from exc
    except (PolicyError, ValueError) as exc:
        raise Problem(400, "disclosure-invalid", str(exc)) from exc
    return DisclosureRead.model_validate(disclosure)
