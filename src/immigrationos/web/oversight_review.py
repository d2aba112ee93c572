"""Oversight review pages: replay a past decision, and the automation-bias signals.

``GET /oversight/replay/{kind}/{decision_id}`` and ``GET /oversight/automation`` show what
the API's views return (``oversight.views_review``: the same permissions, purposes, area
rules and audit events); ``GET /oversight/replay`` is the form that names a decision.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from immigrationos.apikit.deps import SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.oversight import replay_flows, views_review
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
LeadReader = Annotated[Principal, signed_in(Permission.LEADS_READ)]
AuditReader = Annotated[Principal, signed_in(Permission.AUDIT_READ)]
Text = Annotated[str, Query(max_length=200)]


@router.get("/oversight/replay", response_class=HTMLResponse, response_model=None)
def replay_form(
    request: Request, principal: LeadReader, kind: Text = "", decision_id: Text = ""
) -> HTMLResponse | RedirectResponse:
    """Ask which decision to replay, or go to it."""
    if kind in replay_flows.KINDS and decision_id.strip():
        return RedirectResponse(f"/oversight/replay/{kind}/{decision_id.strip()}", status_code=303)
    return page(
        request, "oversight/review_replay.html", principal, found=None, kinds=replay_flows.KINDS
    )


@router.get("/oversight/replay/{kind}/{decision_id}", response_class=HTMLResponse)
def replay_page(
    request: Request,
    session: SessionDep,
    principal: LeadReader,
    kind: str,
    decision_id: str,
    purpose: Text = "",
    at: Text = "",
) -> HTMLResponse:
    """Show a decision as it stood when made, beside what the platform decides today."""
    when: dt.datetime | None = None
    try:
        when = dt.datetime.fromisoformat(at) if at else None
        if kind not in replay_flows.KINDS:
            raise Problem(404, "decision-not-found", f"no decision kind {kind!r}")
        found = views_review.do_replay(
            session, principal, purpose_of(request, purpose), kind, decision_id[:40], when
        )
    except ValueError:
        return refusal(
            request, principal, Problem(422, "bad-time", f"{at!r} is not an ISO time"), what="time"
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="decision")
    return page(
        request, "oversight/review_replay.html", principal, found=found, kinds=replay_flows.KINDS
    )


@router.get("/oversight/automation", response_class=HTMLResponse)
def automation_page(
    request: Request,
    session: SessionDep,
    principal: AuditReader,
    min_decisions: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    follow_rate: Annotated[float | None, Query(gt=0, le=1)] = None,
    median_seconds: Annotated[float | None, Query(gt=0, le=86_400)] = None,
    office: Text = "",
) -> HTMLResponse:
    """Show approval rates, time before deciding, overrides and rubber-stamping flags."""
    rule = views_review.rule_of(min_decisions, follow_rate, median_seconds)
    found = views_review.visible_report(session, principal, rule, office=office or None)
    return page(request, "oversight/review_automation.html", principal, report=found, office=office)
