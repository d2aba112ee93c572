"""Ingest over HTTP: batches, their reconciliation, and quarantined rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import Page, PageDep, PurposeHeader, SessionDep, audit, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.sources import service as sources_service
from immigrationos.sources.contract import SOURCES
from immigrationos.sources.schemas import BatchDetail, BatchRead, QuarantinedRowRead

router = APIRouter(prefix="/ingest", tags=["ingest"])
BATCH_STATUSES = ("COMPLETED", "IDENTICAL", "FAILED")


@router.get(
    "/batches",
    response_model=Page[BatchRead],
    summary="List ingest batches",
    responses=responses(401, 403, 422),
)
def list_batches(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.INGEST_READ)],
    source: Annotated[
        str | None,
        Query(
            description="A source of the data contract.", json_schema_extra={"enum": list(SOURCES)}
        ),
    ] = None,
    status: Annotated[
        str | None,
        Query(description="How the batch ended.", json_schema_extra={"enum": list(BATCH_STATUSES)}),
    ] = None,
    run_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[BatchRead]:
    """Return batches, newest first, with their reconciliation (no person data)."""
    if source is not None and source not in SOURCES:
        raise Problem(422, "unknown-source", f"source {source!r} is not in the data contract")
    if status is not None and status not in BATCH_STATUSES:
        raise Problem(
            422, "unknown-status", f"status {status!r} is not one of {', '.join(BATCH_STATUSES)}"
        )
    filters = {"source": source, "status": status, "run_id": run_id}
    total = sources_service.count_batches(session=session, **filters)
    batches = sources_service.list_batches(
        session=session, limit=page.limit, offset=page.offset, **filters
    )
    items = [BatchRead.of(b) for b in batches]
    audit(
        session,
        principal,
        "ingest.list_batches",
        resource_type="ingest_batch",
        details={**{k: v for k, v in filters.items() if v}, "count": len(items)},
    )
    session.commit()
    return Page[BatchRead].of(items, total, page)


@router.get(
    "/batches/{batch_id}",
    response_model=BatchDetail,
    summary="One batch and its reconciliation",
    responses=responses(401, 403, 404),
)
def get_batch(
    batch_id: str,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.INGEST_READ)],
) -> BatchDetail:
    """Return a batch, its reconciliation and its quarantine counted by reason."""
    batch = sources_service.get_batch(session=session, batch_id=batch_id)
    if batch is None:
        raise Problem(404, "batch-not-found", f"no ingest batch has id {batch_id!r}")
    reasons = sources_service.quarantine_reasons(session=session, batch_id=batch_id)
    detail = BatchDetail(**BatchRead.of(batch).model_dump(), quarantine_reasons=reasons)
    audit(
        session, principal, "ingest.read_batch", resource_type="ingest_batch", resource_id=batch_id
    )
    session.commit()
    return detail


@router.get(
    "/batches/{batch_id}/quarantine",
    response_model=Page[QuarantinedRowRead],
    summary="A batch's quarantined rows (person data: needs a purpose)",
    responses=responses(401, 403, 404, 422, 428),
)
def list_quarantine(
    batch_id: str,
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.QUARANTINE_READ)],
    purpose: PurposeHeader = None,
    reason_code: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[QuarantinedRowRead]:
    """Return quarantined rows in file order, with their raw text and reason.

    Raw rows are person data: the read needs a purpose, and the source's data-use rule
    applies to its quarantined rows as to its records.
    """
    batch = sources_service.get_batch(session=session, batch_id=batch_id)
    if batch is None:
        raise Problem(404, "batch-not-found", f"no ingest batch has id {batch_id!r}")
    lawful.require_source(
        session,
        principal,
        purpose,
        batch.source,
        action="ingest.read_quarantine",
        resource_type="ingest_batch",
        resource_id=batch_id,
    )
    total = sum(sources_service.quarantine_reasons(session=session, batch_id=batch_id).values())
    if reason_code is not None:
        total = sources_service.quarantine_reasons(session=session, batch_id=batch_id).get(
            reason_code, 0
        )
    rows = sources_service.list_quarantine(
        session=session,
        batch_id=batch_id,
        reason_code=reason_code,
        limit=page.limit,
        offset=page.offset,
    )
    items = [QuarantinedRowRead.of(r) for r in rows]
    audit(
        session,
        principal,
        "ingest.read_quarantine",
        resource_type="ingest_batch",
        resource_id=batch_id,
        purpose=purpose,
        details={"source": batch.source, "rows": [r.line_number for r in items]},
    )
    session.commit()
    return Page[QuarantinedRowRead].of(items, total, page)
