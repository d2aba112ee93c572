"""The supervisors' inbox: what awaits a second person.

Four lists, each shown only to a role whose permissions match it:

- lead reviews (``leads.decide``): HELD leads whose safeguards opened a review
  (``CITIZENSHIP_REVIEW``, ``IDENTITY_CONFIRMATION``), from ``targeting.access.list_leads``
  and the leads' ``targeting.access.read_leads``;
- overrides (``leads.decide``): current leads on which a person overrode a recommendation
  (lead events ``OVERRODE``) that no second person has reviewed yet, newest first; only
  the lead IDs are looked up here, the leads are then read through
  ``targeting.access.read_leads`` (area, purpose, policy, audit of each), and its history shows who
  overrode what and why. A supervisor (``leads.review``) answers them from here: the
  override stands or not, with a reason (``targeting.decisions.review_override``, never
  one's own); a reviewed override leaves the inbox;
- operations awaiting approval (``operations.approve``): requested operations of the
  user's area that another user requested and the user has not approved yet, from
  ``operations.access.list_operations`` (each opens its page to approve or reject);
- identity judgements left open (``judgements.record``): judgements of ``UNSURE`` still in
  force, from ``persons.review_access.list_judgements`` (both sides visible to the user).

A lead review leaves the inbox when its lead leaves HELD, an UNSURE judgement when a newer
judgement supersedes it. Each read is audited by its access function; the page itself is
a ``web.inbox`` event with the counts it showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from immigrationos.apikit.deps import PageParams, SessionDep, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.operations import access as ops_access
from immigrationos.operations.schemas import OperationSummary
from immigrationos.persons import review_access
from immigrationos.persons.schemas import JudgementRead
from immigrationos.resolution import identity
from immigrationos.targeting import access as targeting_access
from immigrationos.targeting import decisions as targeting_decisions
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


def reviews_of(lead: LeadRead) -> list[str]:
    """Return the reviews a lead's safeguards opened (names, in order, once each)."""
    found = [s.get("review") for s in lead.explanation.get("safeguards") or []]
    return list(dict.fromkeys(str(r) for r in found if r))


def lead_reviews(session: Session, principal: Principal, purpose: str | None) -> list[Awaiting]:
    """Return HELD leads (highest score first) whose safeguards opened a review."""
    held = targeting_access.list_leads(
        session, principal, purpose, PageParams(limit=INBOX_LIMIT, offset=0), state="HELD"
    )
    leads = targeting_access.read_leads(
        session, principal, purpose, [s.lead_id for s in held.items]
    )
    return [Awaiting(lead, reviews_of(lead), []) for lead in leads if reviews_of(lead)]


def overridden_ids(session: Session, principal: Principal) -> list[str]:
    """Return the IDs of current leads of the user's area with an override no one reviewed.

    Newest first. An override is answered by a later ``REVIEWED`` event (event IDs grow).
    """
    last_override = func.max(case((LeadEvent.kind == "OVERRODE", LeadEvent.id)))
    last_review = func.coalesce(func.max(case((LeadEvent.kind == "REVIEWED", LeadEvent.id))), 0)
    query = (
        select(LeadEvent.lead_id)
        .join(Lead, Lead.lead_id == LeadEvent.lead_id)
        .where(LeadEvent.kind.in_(("OVERRODE", "REVIEWED")), Lead.retired_at.is_(None))
        .group_by(LeadEvent.lead_id)
        .having(last_override > last_review)
        .order_by(last_override.desc(), LeadEvent.lead_id)
        .limit(INBOX_LIMIT)
    )
    area = principal.area()
    if area is not None:
        query = query.where(Lead.field_office.in_(sorted(area)))
    return list(session.scalars(query))


def overrides(session: Session, principal: Principal, purpose: str | None) -> list[Awaiting]:
    """Return leads whose recommendation was overridden, with the overrides from their history."""
    leads = targeting_access.read_leads(
        session, principal, purpose, overridden_ids(session, principal)
    )
    return [
        Awaiting(lead, [], targeting_decisions.unreviewed_overrides(list(lead.history)))
        for lead in leads
    ]


def operations_awaiting(
    session: Session, principal: Principal, purpose: str | None
) -> list[OperationSummary]:
    """Return requested operations the user may approve: not their own, not yet approved by them."""
    found = ops_access.list_operations(
        session, principal, purpose, PageParams(limit=INBOX_LIMIT, offset=0), status="REQUESTED"
    )
    return [
        o
        for o in found.items
        if o.requested_by != principal.actor and principal.actor not in o.approvers
    ]


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
        awaiting_ops = (
            operations_awaiting(session, principal, purpose_id)
            if principal.can(Permission.OPERATIONS_APPROVE)
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
            "operations": None if awaiting_ops is None else [o.operation_id for o in awaiting_ops],
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
        may_review=principal.can(Permission.LEADS_REVIEW),
        operations=awaiting_ops,
    )
