"""A person's decisions from the pages, each with its reason: following or overriding a
lead's recommendation, a supervisor's review of an override, closing a lead, judging
whether two records are one person.

Each runs exactly as its API view does: the same check (area, purpose, data-use policy;
a refusal audited and answered as the read would be), then the same flow, which commits
the decision with its audit event. Only the answer differs: the updated page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from immigrationos.apikit.deps import EngineDep, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.persons import review_access
from immigrationos.persons.schemas import JudgementCreate
from immigrationos.resolution import flows as resolution_flows
from immigrationos.targeting import access as targeting_access
from immigrationos.targeting import decisions
from immigrationos.targeting.flows import TargetingError
from immigrationos.targeting.schemas import (
    LeadCloseRequest,
    OverrideReviewCreate,
    RecommendationDecisionCreate,
)
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import is_htmx, page, refusal

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.check_csrf)])
Decider = Annotated[Principal, signed_in(Permission.LEADS_DECIDE)]
Judge = Annotated[Principal, signed_in(Permission.JUDGEMENTS_RECORD)]
Reviewer = Annotated[Principal, signed_in(Permission.LEADS_REVIEW)]
Words = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=500)]


def _invalid(exc: ValidationError) -> Problem:
    words = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
    return Problem(400, "invalid-form", f"The form was not accepted: {words}.")


def _validated(model: type[BaseModel], values: dict[str, object]) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _invalid(exc) from exc


def _lead_answer(
    request: Request, session: SessionDep, principal: Principal, lead_id: str, purpose: str | None
) -> Response:
    if not is_htmx(request):
        where = f"/leads/{quote(lead_id)}?purpose={quote(purpose or '')}"
        return RedirectResponse(where, status_code=303)
    try:
        lead = targeting_access.read_lead(session, principal, purpose, lead_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    return page(
        request,
        "fragments/lead_explanation.html",
        principal,
        lead=lead,
        purpose=purpose,
        ex=lead.explanation,
        done="Your decision is recorded.",
    )


@router.post("/leads/{lead_id}/decisions")
def decide(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Decider,
    lead_id: str,
    recommendation: Short = "",
    followed: Short = "",
    reason: Words = "",
    purpose: Short = "",
) -> Response:
    """Record following or overriding one of a lead's recommendations, with the reason."""
    purpose_id = purpose_of(request, purpose)
    lead_id = lead_id[:40]
    try:
        body = _validated(
            RecommendationDecisionCreate,
            {"recommendation": recommendation, "followed": followed == "yes", "reason": reason},
        )
        assert isinstance(body, RecommendationDecisionCreate)
        targeting_access.check_decision(session, principal, purpose_id, lead_id)
        session.rollback()  # as the API: the check holds no lock, the flow owns its transaction
        try:
            decisions.decide_recommendation(
                engine,
                principal=principal,
                purpose_id=purpose_id,
                lead_id=lead_id,
                action=body.recommendation,
                followed=body.followed,
                reason=body.reason,
            )
        except TargetingError as exc:
            raise Problem(400, "decision-invalid", str(exc)) from exc
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    return _lead_answer(request, session, principal, lead_id, purpose_id)


@router.post("/leads/{lead_id}/override-review")
def review_override(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Reviewer,
    lead_id: str,
    verdict: Short = "",
    reason: Words = "",
    purpose: Short = "",
) -> Response:
    """Record a supervisor's review of a lead's overrides (never their own); back to the inbox."""
    purpose_id = purpose_of(request, purpose)
    lead_id = lead_id[:40]
    try:
        if verdict not in ("agree", "disagree"):
            raise Problem(422, "review-invalid", "Say whether the override stands or not.")
        body = _validated(OverrideReviewCreate, {"agree": verdict == "agree", "reason": reason})
        assert isinstance(body, OverrideReviewCreate)
        targeting_access.check_decision(
            session, principal, purpose_id, lead_id, action="leads.override_review"
        )
        session.rollback()  # as the API: the check holds no lock, the flow owns its transaction
        try:
            decisions.review_override(
                engine,
                principal=principal,
                purpose_id=purpose_id,
                lead_id=lead_id,
                agree=body.agree,
                reason=body.reason,
            )
        except TargetingError as exc:
            raise Problem(400, "review-invalid", str(exc)) from exc
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    return RedirectResponse(f"/inbox?purpose={quote(purpose_id or '')}&reviewed=1", status_code=303)


@router.post("/leads/{lead_id}/close")
def close(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Decider,
    lead_id: str,
    reason: Words = "",
    purpose: Short = "",
) -> Response:
    """Close a lead as the user's decision, with the reason."""
    purpose_id = purpose_of(request, purpose)
    lead_id = lead_id[:40]
    try:
        body = _validated(LeadCloseRequest, {"reason": reason})
        assert isinstance(body, LeadCloseRequest)
        targeting_access.close_lead(session, engine, principal, purpose_id, lead_id, body.reason)
    except Problem as exc:
        return refusal(request, principal, exc, what="lead")
    return _lead_answer(request, session, principal, lead_id, purpose_id)


@router.post("/persons/{person_id}/judgements")
def judge(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Judge,
    person_id: str,
    left: Short = "",
    right: Short = "",
    verdict: Short = "",
    reason: Words = "",
    purpose: Short = "",
) -> Response:
    """Judge whether two records are one person (SAME, DIFFERENT, UNSURE), with the reason."""
    purpose_id = purpose_of(request, purpose)
    try:
        body = _validated(
            JudgementCreate, {"left": left, "right": right, "verdict": verdict, "reason": reason}
        )
        assert isinstance(body, JudgementCreate)
        review_access.check_sides(session, principal, purpose_id, body.left, body.right)
        session.rollback()  # as the API: the judgement's flow owns its transaction
        try:
            resolution_flows.judge(
                engine=engine,
                principal=principal,
                left=body.left,
                right=body.right,
                verdict=body.verdict.value,
                reason=body.reason,
                purpose_id=purpose_id,
            )
        except resolution_flows.ResolutionError as exc:
            raise Problem(400, "judgement-invalid", str(exc)) from exc
    except Problem as exc:
        return refusal(request, principal, exc, what="person")
    where = f"/persons/{quote(person_id[:40])}?purpose={quote(purpose_id or '')}&judged=1"
    return RedirectResponse(where, status_code=303)
