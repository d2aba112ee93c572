"""Records over HTTP: search across sources, a record's page, its versions, the sources."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from immigrationos.apikit.deps import PageDep, PurposeHeader, SessionDep, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.policy import engine as policy_engine
from immigrationos.records import access
from immigrationos.records.schemas import RecordRead, RecordVersionRead, SearchResult, SourceRead
from immigrationos.sources.contract import SOURCES

router = APIRouter(tags=["records"])
SourcePath = Annotated[str, Path(description="A source of the data contract, e.g. cbp_i94.")]
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
    source: Annotated[list[str] | None, Query(description="Only these sources.")] = None,
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
