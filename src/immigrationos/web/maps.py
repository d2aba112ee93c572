"""The map of leads: the user's leads placed on the bundled US basemap, and selection by shape.

Leads come from ``targeting.access.list_leads`` (area, purpose, data-use policy, the
``leads.list`` event) and their addresses from ``targeting.access.read_leads`` (a
``leads.read`` event per lead, the policy's redaction applied, all in one transaction):
the map shows an address, so placing a lead is reading it. The best candidate address (highest confidence) is placed
by the platform's offline geocoder at its ZIP, city or state and projected as the basemap
was (``web.geo``). At most ``MAP_LIMIT`` leads are placed, highest score first; the
filters narrow the set. A shape drawn on the map is sent back as points in map pixels and
the server decides which placed leads fall inside it, under the same reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from immigrationos.apikit.deps import PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.reference import geocode
from immigrationos.targeting import access as targeting_access
from immigrationos.targeting.schemas import LeadRead
from immigrationos.web import geo
from immigrationos.web.deps import purpose_of
from immigrationos.web.leads import STATES, LeadReader, offices_of
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
MAP_LIMIT = 100
Text = Annotated[str, Query(max_length=200)]
BANDS = (("high", 70), ("medium", 40), ("low", 0))


@dataclass(frozen=True)
class MapLead:
    """A lead as the map shows it: where its best address puts it, if anywhere."""

    lead: LeadRead
    address: dict[str, Any] | None
    precision: str
    point: geo.Point | None

    @property
    def band(self) -> str:
        """Return the lead's priority band by score: high, medium, low or unscored."""
        score = self.lead.score
        if score is None:
            return "unscored"
        return next(name for name, floor in BANDS if score >= floor)


def best_address(lead: LeadRead) -> dict[str, Any] | None:
    """Return the lead's candidate address of highest confidence still readable, if any."""
    usable = [
        a
        for a in lead.explanation.get("addresses") or []
        if isinstance(a, dict) and a.get("street") != targeting_access.REDACTED
    ]
    return max(usable, key=lambda a: a.get("score") or 0, default=None)


def place(lead: LeadRead) -> MapLead:
    """Return a lead with its best address geocoded and projected onto the basemap."""
    address = best_address(lead)
    if address is None:
        return MapLead(lead, None, "none", None)
    found = geocode.geocode(
        address.get("street"), address.get("city"), address.get("state"), address.get("zip")
    )
    if found.lat is None or found.lon is None:
        return MapLead(lead, address, found.precision, None)
    return MapLead(lead, address, found.precision, geo.albers_usa(found.lon, found.lat))


def map_leads(
    session: Session, principal: Principal, purpose: str | None, filters: dict[str, Any]
) -> tuple[int, list[MapLead]]:
    """Return how many leads match and the first ``MAP_LIMIT`` of them, placed."""
    queue = targeting_access.list_leads(
        session, principal, purpose, PageParams(limit=MAP_LIMIT, offset=0), **filters
    )
    leads = targeting_access.read_leads(
        session, principal, purpose, [summary.lead_id for summary in queue.items]
    )
    return queue.total, [place(lead) for lead in leads]


def _filters(principal: Principal, state: str, priority: str, area: str) -> dict[str, Any]:
    return {
        "state": state if state in STATES else None,
        "priority": priority.strip() or None,
        "field_office": area if area in offices_of(principal) else None,
    }


@router.get("/map", response_class=HTMLResponse)
def lead_map(
    request: Request,
    session: SessionDep,
    principal: LeadReader,
    purpose: Text = "",
    state: Text = "",
    priority: Text = "",
    area: Text = "",
) -> HTMLResponse:
    """Show the leads of the user's area on the map, with a table of the same leads."""
    purpose_id = purpose_of(request, purpose)
    filters = _filters(principal, state, priority, area)
    try:
        total, placed = map_leads(session, principal, purpose_id, filters)
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    return page(
        request,
        "map.html",
        principal,
        purpose=purpose_id,
        total=total,
        leads=placed,
        on_map=[m for m in placed if m.point is not None],
        filters={**filters, "area": filters["field_office"]},
        states=STATES,
        offices=offices_of(principal),
        limit=MAP_LIMIT,
        width=geo.WIDTH,
        height=geo.HEIGHT,
    )


@router.get("/map/selection", response_class=HTMLResponse)
def selection(
    request: Request,
    session: SessionDep,
    principal: LeadReader,
    shape: Annotated[str, Query(max_length=8000)] = "",
    purpose: Text = "",
    state: Text = "",
    priority: Text = "",
    area: Text = "",
) -> HTMLResponse:
    """List the leads on the map that fall inside a drawn shape (points in map pixels)."""
    purpose_id = purpose_of(request, purpose)
    polygon = geo.parse_shape(shape)
    if polygon is None:
        problem = Problem(400, "shape-invalid", "Draw a rectangle or a shape of three points.")
        return refusal(request, principal, problem)
    try:
        _, placed = map_leads(
            session, principal, purpose_id, _filters(principal, state, priority, area)
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    chosen = [m for m in placed if m.point is not None and geo.inside(m.point, polygon)]
    return page(
        request, "fragments/map_selection.html", principal, chosen=chosen, purpose=purpose_id
    )
