"""The lead queue and each lead's explanation, read through ``targeting.access``.

The queue is ``targeting.access.list_leads`` (area, purpose, data-use policy, the
``leads.list`` audit event) and an explanation is ``targeting.access.read_lead`` (the
``leads.read`` event); this module only renders them.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from immigrationos.apikit.deps import PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.reference import field_offices as field_offices_ref
from immigrationos.targeting import access as targeting_access
from immigrationos.targeting.schemas import LeadList
from immigrationos.targeting.views import LeadStateQuery, ViolationQuery
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import is_htmx, page, refusal

router = APIRouter(include_in_schema=False)
LeadReader = Annotated[Principal, signed_in(Permission.LEADS_READ)]
PAGE_SIZE = 25
STATES = get_args(LeadStateQuery)
VIOLATIONS = get_args(ViolationQuery)
SORTS = {"score-desc": "Highest score first", "score-asc": "Lowest score first"}
Text = Annotated[str, Query(max_length=200)]


def offices_of(principal: Principal) -> list[str]:
    """Return the field offices the user may filter by: theirs, or all for a national role."""
    area = principal.area()
    if area is not None:
        return sorted(area)
    return sorted(o.name for o in field_offices_ref.load_field_offices())


def _choice(value: str, allowed: tuple[str, ...] | list[str]) -> str | None:
    return value if value in allowed else None


@router.get("/leads", response_class=HTMLResponse)
def lead_queue(
    request: Request,
    session: SessionDep,
    principal: LeadReader,
    purpose: Text = "",
    priority: Text = "",
    violation: Text = "",
    state: Text = "",
    area: Text = "",
    sort: Text = "score-desc",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Show the lead queue under the purpose, filtered, sorted and paged."""
    purpose_id = purpose_of(request, purpose)
    offices = offices_of(principal)
    office = _choice(area, offices)

    def read(params: PageParams) -> LeadList:
        return targeting_access.list_leads(
            session, principal, purpose_id, params, field_office=office, **filters
        )

    filters: dict[str, Any] = {
        "state": _choice(state, STATES),
        "violation": _choice(violation, VIOLATIONS),
        "priority": priority.strip() or None,
    }
    ascending = sort == "score-asc"
    offset = (page_number - 1) * PAGE_SIZE
    try:
        first = PageParams(limit=1, offset=0) if ascending else PageParams(PAGE_SIZE, offset)
        found = read(first)
        if ascending:
            # The queue is kept highest first: read the matching slice from its far end.
            start = max(found.total - offset - PAGE_SIZE, 0)
            size = max(min(PAGE_SIZE, found.total - offset), 0)
            found = read(PageParams(limit=max(size, 1), offset=start))
            found.items = list(reversed(found.items[:size]))
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    context: dict[str, Any] = {
        "queue": found,
        "purpose": purpose_id,
        "filters": {**filters, "area": office, "sort": sort if sort in SORTS else "score-desc"},
        "states": STATES,
        "violations": VIOLATIONS,
        "offices": offices,
        "sorts": SORTS,
        "page_number": page_number,
        "pages": pages,
        "query": {
            "purpose": purpose_id or "",
            "priority": filters["priority"] or "",
            "violation": filters["violation"] or "",
            "state": filters["state"] or "",
            "area": office or "",
            "sort": sort,
        },
    }
    wants_fragment = is_htmx(request) and request.headers.get("hx-target") == "queue"
    template = "fragments/lead_queue.html" if wants_fragment else "leads.html"
    return page(request, template, principal, **context)


def _lead(
    request: Request, session: SessionDep, principal: Principal, lead_id: str, purpose: str
) -> HTMLResponse:
    purpose_id = purpose_of(request, purpose)
    try:
        lead = targeting_access.read_lead(session, principal, purpose_id, lead_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    fragment = is_htmx(request)
    return page(
        request,
        "fragments/lead_explanation.html" if fragment else "lead.html",
        principal,
        lead=lead,
        purpose=purpose_id,
        ex=lead.explanation,
    )


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_page(
    request: Request,
    session: SessionDep,
    principal: LeadReader,
    lead_id: str,
    purpose: Text = "",
) -> HTMLResponse:
    """Show one lead's explanation as a page of its own (htmx asks for the fragment)."""
    return _lead(request, session, principal, lead_id[:40], purpose)
