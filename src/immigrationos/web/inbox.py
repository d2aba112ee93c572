"""The supervisors' inbox: what awaits a second person.

Three lists, each shown only to a role whose permissions match it:

- lead reviews (``leads.decide``): HELD leads whose safeguards opened a review
  (``CITIZENSHIP_REVIEW``, ``IDENTITY_CONFIRMATION``), from ``targeting.access.list_leads``
  and each lead's ``targeting.access.read_lead``;
- overrides (``leads.decide``): current leads on which a person overrode a recommendation
  (lead events ``OVERRODE``), newest first; only the lead IDs are looked up here, each lead
  is then read through ``targeting.access.read_lead`` (area, purpose, policy, audit), and
  its history shows who overrode what and why;
- identity judgements left open (``judgements.record``): judgements of ``UNSURE`` still in
  force, from ``persons.review_access.list_judgements`` (both sides visible to the user).

Nothing marks an item as handled yet: an override stays listed until its lead is retired,
and an UNSURE judgement until a newer judgement supersedes it. Each read is audited by its
access function; the page itself is a ``web.inbox`` event with the counts it showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from immigrationos.apikit.deps import PageParams, SessionDep, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.persons import review_access
from immigrationos.persons.schemas import JudgementRead
from immigrationos.resolution import identity
from immigrationos.targeting import access as targeting_access
from immigrationos.targeting.models import Lead, LeadEvent
from immigrationos.targeting.schemas import LeadEventRead, LeadRead
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
Decider = Annotated[Principal, signed_in(Permission.LEADS_DECIDE)]
INBOX_LIMIT = 25
JUDGEMENTS_SCAN = 200


@dataclass(frozen=True)
class Awaiting:
    """A lead awaiting a second person, and why."""

    lead: LeadRead
    reviews: list[str]
    events: list[LeadEventRead]


def _read(session: Session, principal: Principal, purpose: str | None, lead_id: str) -> Any:
    try:
        return targeting_access.read_lead(session, principal, purpose, lead_id)
    except Problem:
        return None  # the read's refusal is audited; the inbox shows what may be read


def reviews_of(lead: LeadRead) -> list[str]:
    """Return the reviews a lead's safeguards opened (names, in order, once each)."""
    found = [s.get("review") for s in lead.explanation.get("safeguards") or []]
    return list(dict.fromkeys(str(r) for r in found if r))


def lead_reviews(session: Session, principal: Principal, purpose: str | None) -> list[Awaiting]:
    """Return HELD leads (highest score first) whose safeguards opened a review."""
    held = targeting_access.list_leads(
        session, principal, purpose, PageParams(limit=INBOX_LIMIT, offset=0), state="HELD"
    )
    found = []
    for summary in held.items:
        lead = _read(session, principal, purpose, summary.lead_id)
        if lead is not None and reviews_of(lead):
            found.append(Awaiting(lead, reviews_of(lead), []))
    return found


def overridden_ids(session: Session, principal: Principal) -> list[str]:
    """Return the IDs of current leads of the user's area with an override, newest first."""
    last = func.max(LeadEvent.at)
    query = (
        select(LeadEvent.lead_id)
        .join(Lead, Lead.lead_id == LeadEvent.lead_id)
        .where(LeadEvent.kind == "OVERRODE", Lead.retired_at.is_(None))
        .group_by(LeadEvent.lead_id)
        .order_by(last.desc(), LeadEvent.lead_id)
        .limit(INBOX_LIMIT)
    )
    area = principal.area()
    if area is not None:
        query = query.where(Lead.field_office.in_(sorted(area)))
    return list(session.scalars(query))


def overrides(session: Session, principal: Principal, purpose: str | None) -> list[Awaiting]:
    """Return leads whose recommendation was overridden, with the overrides from their history."""
    found = []
    for lead_id in overridden_ids(session, principal):
        lead = _read(session, principal, purpose, lead_id)
        if lead is not None:
            events = [e for e in lead.history if e.kind == "OVERRODE"]
            found.append(Awaiting(lead, [], events))
    return found


def open_judgements(
    session: Session, principal: Principal, purpose: str | None
) -> list[JudgementRead]:
    """Return UNSURE judgements in force whose two sides the user may see, newest first."""
    found = review_access.list_judgements(
        session, principal, purpose, PageParams(limit=JUDGEMENTS_SCAN, offset=0)
    )
    return [j for j in found.items if j.verdict == "UNSURE"][:INBOX_LIMIT]


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: SessionDep,
    principal: Decider,
    purpose: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Show what awaits a second person: lead reviews, overrides, open identity judgements."""
    purpose_id = purpose_of(request, purpose)
    try:
        reviews = lead_reviews(session, principal, purpose_id)
        overridden = overrides(session, principal, purpose_id)
        judgements = (
            open_judgements(session, principal, purpose_id)
            if principal.can(Permission.JUDGEMENTS_RECORD)
            else None
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    audit(
        session,
        principal,
        "web.inbox",
        resource_type="inbox",
        purpose=purpose_id,
        details={
            "reviews": [a.lead.lead_id for a in reviews],
            "overrides": [a.lead.lead_id for a in overridden],
            "judgements": None if judgements is None else [j.id for j in judgements],
        },
    )
    session.commit()
    return page(
        request,
        "inbox.html",
        principal,
        purpose=purpose_id,
        reviews=reviews,
        overridden=overridden,
        judgements=judgements,
        is_person=identity.is_person_id,
    )
