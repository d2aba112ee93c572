"""Placement of detained persons in the interface: who is held in the user's area, a
proposal computed on demand, its map of moves, and recording the placements accepted.

The list and the proposal are person data read under the purpose (``custody.read``),
audited ``custody.placement.list`` and ``custody.placement.propose``; the proposal is the
min-cost flow of ``custody.placement`` over the persons chosen, with the security level
the user classifies each one at. The reads, the proposal and the recording go through
``custody.placement_access``, as the API does; recording is ``record_placements``
(``custody.manage``): each placement checked again, recorded with the reason, audited
``custody.placement``. A refusal is shown in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from immigrationos.apikit.deps import EngineDep, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.custody import placement_access
from immigrationos.custody.placement_cases import Choice, Detainee, Proposal
from immigrationos.custody.sites import SECURITY_LEVELS, build_sites
from immigrationos.web import geo
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.check_csrf)])
Reader = Annotated[Principal, signed_in(Permission.CUSTODY_READ)]
Manager = Annotated[Principal, signed_in(Permission.CUSTODY_MANAGE)]
Text = Annotated[str, Query(max_length=200)]
FormText = Annotated[str, Form(max_length=200)]
Many = Annotated[list[str], Form(max_length=500)]


@dataclass(frozen=True)
class Move:
    """A placement drawn on the national map: from where the person is to the facility."""

    case_id: str
    facility: str
    start: geo.Point
    end: geo.Point


def _pairs(values: list[str]) -> dict[str, str]:
    """Return case ID -> value of ``CASE:VALUE`` form values (blank values left out)."""
    found: dict[str, str] = {}
    for value in values:
        case_id, _, chosen = value.partition(":")
        if case_id and chosen:
            found[case_id] = chosen
    return found


def moves_of(proposal: Proposal, held: list[Detainee]) -> list[Move]:
    """Return the proposal's placements as lines on the national map (those it can place)."""
    origin = {d.case_id: (d.lat, d.lon) for d in held}
    sites = {s.code: s for s in build_sites()}
    found = []
    for p in proposal.placements:
        lat, lon = origin.get(p.person_id, (None, None))
        site = sites.get(p.facility_code)
        if lat is None or lon is None or site is None or site.lat is None or site.lon is None:
            continue
        start, end = geo.albers_usa(lon, lat), geo.albers_usa(site.lon, site.lat)
        if start is not None and end is not None:
            found.append(Move(p.person_id, p.facility_name, start, end))
    return found


def _page(
    request: Request,
    principal: Principal,
    purpose: str | None,
    held: list[Detainee],
    proposal: Proposal | None = None,
    chosen: set[str] | None = None,
    **extra: Any,
) -> HTMLResponse:
    return page(
        request,
        "placement/page.html",
        principal,
        purpose=purpose,
        held=held,
        held_at={d.case_id: d.facility_code for d in held if d.facility_code},
        chosen=chosen if chosen is not None else {d.case_id for d in held if d.awaiting},
        proposal=proposal,
        moves=[] if proposal is None else moves_of(proposal, held),
        levels=SECURITY_LEVELS,
        may_record=principal.can(Permission.CUSTODY_MANAGE),
        width=geo.WIDTH,
        height=geo.HEIGHT,
        **extra,
    )


@router.get("/custody/placement", response_class=HTMLResponse)
def placement_page(
    request: Request,
    session: SessionDep,
    principal: Reader,
    purpose: Text = "",
    recorded: Annotated[int, Query(ge=0, le=500)] = 0,
) -> HTMLResponse:
    """Show the detained persons of the user's area, each where held now, to place."""
    purpose_id = purpose_of(request, purpose)
    try:
        held = placement_access.list_held(session, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    return _page(request, principal, purpose_id, held, recorded=recorded)


@actions.post("/custody/placement/propose", response_class=HTMLResponse)
def propose(
    request: Request,
    session: SessionDep,
    principal: Reader,
    case: Many = [],  # noqa: B006  (FastAPI reads the default, never mutates it)
    level: Many = [],  # noqa: B006
    purpose: FormText = "",
) -> HTMLResponse:
    """Compute a placement of the chosen persons at the least total distance; show it."""
    purpose_id = purpose_of(request, purpose)
    chosen = set(case)
    try:
        held, proposal = placement_access.propose_for(
            session, principal, purpose_id, chosen, _pairs(level)
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    return _page(request, principal, purpose_id, held, proposal, chosen)


def _choices(values: list[str]) -> list[Choice]:
    found = []
    for value in values:
        parts = value.split(":")
        if len(parts) != 3 or not all(parts):
            raise Problem(422, "placement-invalid", "Compute the proposal again and record it.")
        found.append(Choice(*parts))
    return found


@actions.post("/custody/placement/record")
def record(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Manager,
    choice: Many = [],  # noqa: B006
    reason: Annotated[str, Form(max_length=4000)] = "",
    purpose: FormText = "",
) -> Response:
    """Record the placements the user accepts, with the reason (all or none)."""
    purpose_id = purpose_of(request, purpose)
    try:
        stays = placement_access.record(
            session, engine, principal, purpose_id, _choices(choice), reason
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    where = f"/custody/placement?purpose={quote(purpose_id or '')}&recorded={len(stays)}"
    return RedirectResponse(where, status_code=303)
