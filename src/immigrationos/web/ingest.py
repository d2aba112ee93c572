"""Ingest status: one batch's reconciliation, its quarantine by reason, and the held rows.

The batch and its counts are the API's ``sources.views.get_batch`` (no person data,
``ingest.read``). The quarantined rows are raw source rows, person data: they are the
API's ``sources.views.list_quarantine`` (``quarantine.read``, a purpose, the source's
data-use rule), refused in plain words when the purpose or the law does not allow them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from immigrationos.apikit.deps import PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.sources import views as sources_views
from immigrationos.web.charts import bar_chart
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal, refusal_words

router = APIRouter(include_in_schema=False)
IngestReader = Annotated[Principal, signed_in(Permission.INGEST_READ)]
ROWS_PAGE = 50


@router.get("/ingest/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request,
    session: SessionDep,
    principal: IngestReader,
    batch_id: Annotated[str, Path(max_length=64)],
    purpose: Annotated[str, Query(max_length=200)] = "",
    reason_code: Annotated[str, Query(max_length=40)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Show a batch's reconciliation, its quarantine by reason and (with a purpose) the rows."""
    try:
        batch = sources_views.get_batch(batch_id, session, principal)
    except Problem as exc:
        return refusal(request, principal, exc, what="batch")
    reasons = sorted(batch.quarantine_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    chart = bar_chart("Quarantined rows by reason", reasons) if reasons else None
    rows = None
    rows_refusal: dict[str, object] | None = None
    purpose_id = purpose_of(request, purpose)
    if reasons and principal.can(Permission.QUARANTINE_READ):
        params = PageParams(limit=ROWS_PAGE, offset=(page_number - 1) * ROWS_PAGE)
        try:
            rows = sources_views.list_quarantine(
                batch_id, session, params, principal, purpose_id, reason_code or None
            )
        except Problem as exc:
            rows_refusal = refusal_words(exc, what="quarantined row")
    return page(
        request,
        "ingest_batch.html",
        principal,
        batch=batch,
        chart=chart,
        rows=rows,
        refused=rows_refusal,
        may_read_rows=principal.can(Permission.QUARANTINE_READ),
        purpose=purpose_id,
        reason_code=reason_code,
        page_number=page_number,
        pages=max(((rows.total if rows else 0) + ROWS_PAGE - 1) // ROWS_PAGE, 1),
    )
