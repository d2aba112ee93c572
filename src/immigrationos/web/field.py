"""The field view: an officer's work at phone width, with the person's essentials.

First the officer's own work: the open cases a supervisor assigned to them (a case is an
accepted lead), each with its state and its lead's essentials. Then the leads of the
user's area (their field offices), open ones first, then held ones, highest score first
in each, ``FIELD_PAGE`` at a time. Suppressed and closed leads are not field work.

The reads are the API's: the assigned cases are ``cases.access.list_cases`` (officer =
the user), the queue ``targeting.access.list_leads``, each lead
``targeting.access.read_lead`` (its best candidate address and confidence) and its person
``persons.access.read_person`` (name and birth date), each audited as the API audits it.

First of all, the routes the officer is to drive: each route of a team they are on in an
approved operation (``operations.access.my_routes``, the API's ``/operations/routes/mine``,
audited ``operations.routes``), with the team's vehicle (its seats), the operation's shift
window, the stops in order, their planned arrivals and address confidence, drawn as the
operation page draws it (``web.routes_sketch``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from immigrationos.apikit.deps import PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.cases import access as cases_access
from immigrationos.cases.machine import OPEN_STATES
from immigrationos.cases.schemas import CaseSummary
from immigrationos.operations import access as ops_access
from immigrationos.operations.schemas import OfficerRoute
from immigrationos.persons import access as persons_access
from immigrationos.persons.schemas import PersonRead
from immigrationos.targeting import access as targeting_access
from immigrationos.targeting.schemas import LeadRead, LeadSummary
from immigrationos.web.deps import purpose_of
from immigrationos.web.leads import LeadReader
from immigrationos.web.maps import best_address
from immigrationos.web.render import page, refusal
from immigrationos.web.routes_sketch import Sketch, sketch

router = APIRouter(include_in_schema=False)
FIELD_PAGE = 10
FIELD_STATES = ("OPEN", "HELD")
ASSIGNED_LIMIT = 50  # an officer's open cases; more is a supervisor's problem to see
_OPEN = frozenset(s.value for s in OPEN_STATES)
# The geocoder's precisions (operations/planning.py): only a ZIP centroid places a stop
# near enough to drive to; a city or a state is a guess the officer must know about.
SURE_PLACEMENT = frozenset({"zip"})


@dataclass
class FieldLead:
    """A lead as an officer in the field needs it."""

    lead: LeadRead
    person: PersonRead | None
    address: dict[str, Any] | None
    case: CaseSummary | None = None


@dataclass
class FieldRoute:
    """A route of the officer's team, with its drawing."""

    route: OfficerRoute
    drawing: Sketch | None

    @property
    def unsure(self) -> frozenset[str]:
        """Return the cases whose stop is placed less surely than at a ZIP code."""
        return frozenset(
            s.case_id for s in self.route.stops if s.address_confidence not in SURE_PLACEMENT
        )


def field_routes(session: Session, principal: Principal, purpose: str | None) -> list[FieldRoute]:
    """Return the routes of the user's teams in approved operations, each drawn."""
    if not principal.can(Permission.OPERATIONS_READ):
        return []
    routes = ops_access.my_routes(session, principal, purpose, None).routes
    found = []
    for route in routes:
        stops = [(str(s.seq), s.lat, s.lon) for s in route.stops]
        drawing = sketch([(route.team_id, (route.office_lat, route.office_lon), stops)])
        found.append(FieldRoute(route, drawing))
    return found


def assigned_cases(
    session: Session, principal: Principal, purpose: str | None
) -> list[CaseSummary]:
    """Return the open cases assigned to the user, most recently changed first."""
    if not principal.can(Permission.CASES_READ):
        return []
    found = cases_access.list_cases(
        session, principal, purpose, PageParams(limit=ASSIGNED_LIMIT, offset=0),
        officer=principal.actor,
    )  # fmt: skip
    mine = [c for c in found.items if c.state in _OPEN]
    return sorted(mine, key=lambda c: c.updated_at, reverse=True)


def field_queue(
    session: Session, principal: Principal, purpose: str | None, offset: int
) -> tuple[int, list[LeadSummary]]:
    """Return how many open and held leads there are and a page of them, open ones first."""
    total, skip = 0, offset
    items: list[LeadSummary] = []
    for state in FIELD_STATES:
        wanted = FIELD_PAGE - len(items)
        found = targeting_access.list_leads(
            session, principal, purpose, PageParams(limit=max(wanted, 1), offset=skip), state=state
        )
        total += found.total
        if wanted > 0:
            items += found.items[:wanted]
        skip = max(skip - found.total, 0)
    return total, items


def field_lead(
    session: Session, principal: Principal, purpose: str | None, lead_id: str
) -> FieldLead | None:
    """Return a lead with its person's essentials, or None if it can no longer be read."""
    try:
        lead = targeting_access.read_lead(session, principal, purpose, lead_id)
    except Problem:
        return None  # changed since the queue was read; the refusal is audited
    try:
        person = persons_access.read_person(session, principal, purpose, lead.person_id)
    except Problem:
        person = None
    return FieldLead(lead, person, best_address(lead))


@router.get("/field", response_class=HTMLResponse)
def field_view(
    request: Request,
    session: SessionDep,
    principal: LeadReader,
    purpose: Annotated[str, Query(max_length=200)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Show the user's open and held leads with each person's essentials, for a phone."""
    purpose_id = purpose_of(request, purpose)
    offset = (page_number - 1) * FIELD_PAGE
    try:
        first = page_number == 1
        routes = field_routes(session, principal, purpose_id) if first else []
        mine = assigned_cases(session, principal, purpose_id) if first else []
        total, summaries = field_queue(session, principal, purpose_id, offset)
        assigned = [field_lead(session, principal, purpose_id, c.lead_id) for c in mine]
        mine_leads = {c.lead_id for c in mine}
        cards = [
            field_lead(session, principal, purpose_id, s.lead_id)
            for s in summaries
            if s.lead_id not in mine_leads
        ]
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    for card, case in zip(assigned, mine, strict=True):
        if card is not None:
            card.case = case
    return page(
        request,
        "field.html",
        principal,
        purpose=purpose_id,
        total=total,
        routes=routes,
        may_route=principal.can(Permission.OPERATIONS_READ),
        assigned=[c for c in assigned if c is not None],
        cards=[c for c in cards if c is not None],
        page_number=page_number,
        pages=max((total + FIELD_PAGE - 1) // FIELD_PAGE, 1),
    )
