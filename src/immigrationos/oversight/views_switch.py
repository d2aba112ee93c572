"""The stop switch and policy sign-off over HTTP.

``GET /oversight/switch`` tells every signed-in user what is suspended (like the banner
of every page); ``POST /oversight/switch`` suspends or resumes targeting, one detector or
one policy version (``targeting.suspend``: OVERSIGHT). ``GET /oversight/policy-signoffs``
lists the policy texts submitted to go live and their sign-offs; ``POST`` signs one off
as its independent reviewer (``targeting.signoff``: OVERSIGHT or LEGAL, not its author).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from immigrationos.apikit.deps import EngineDep, SessionDep, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.oversight import signoff, switch

router = APIRouter(prefix="/oversight", tags=["oversight"])


class SuspensionRead(BaseModel):
    """One suspension in force."""

    scope: Literal["TARGETING", "DETECTOR", "POLICY_VERSION"]
    target: str = Field(description="The detector (violation) or policy version; '' for all.")
    reason: str
    suspended_by: str
    suspended_role: str
    suspended_at: str
    description: str


class SwitchRead(BaseModel):
    """What is suspended now (nothing: targeting runs normally)."""

    suspended: bool
    suspensions: list[SuspensionRead]


class SwitchChange(BaseModel):
    """Suspend or resume targeting, one detector or one policy version, saying why."""

    action: Literal["SUSPEND", "RESUME"]
    scope: Literal["TARGETING", "DETECTOR", "POLICY_VERSION"] = "TARGETING"
    target: str | None = Field(
        default=None,
        max_length=100,
        description="The detector (a violation, e.g. OVERSTAY) or the policy version.",
    )
    reason: str = Field(min_length=1, max_length=switch.MAX_REASON, pattern=r"\S")


class SignoffRead(BaseModel):
    """One sign-off of a policy text."""

    policy: str
    version: str
    sha256: str
    author: str
    reviewer: str
    reviewer_role: str
    statement: str
    signed_at: str
    source: str


class SubmissionRead(BaseModel):
    """A policy text submitted to go live, and whether it is signed off."""

    policy: str
    version: str
    sha256: str
    submitted_by: str
    submitted_at: str
    signed_off: bool


class SignoffList(BaseModel):
    """The submitted policy texts and every sign-off."""

    submissions: list[SubmissionRead]
    signoffs: list[SignoffRead]


class SignoffCreate(BaseModel):
    """Sign off a submitted policy text by its sha256, saying what was reviewed."""

    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    statement: str = Field(min_length=1, max_length=signoff.MAX_STATEMENT, pattern=r"\S")


def _state(found: switch.SwitchState) -> SwitchRead:
    return SwitchRead.model_validate(found.to_dict())


@router.get(
    "/switch",
    response_model=SwitchRead,
    summary="What is suspended: targeting, detectors, policy versions",
    responses=responses(401, 403),
)
def read_switch(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.POLICY_READ)],
) -> SwitchRead:
    """Return the suspensions in force."""
    return _state(switch.current(session))


@router.post(
    "/switch",
    response_model=SwitchRead,
    summary="Suspend or resume targeting, a detector or a policy version (with a reason)",
    responses=responses(400, 401, 403, 409, 422),
)
def change_switch(
    body: SwitchChange,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.TARGETING_SUSPEND)],
) -> SwitchRead:
    """Change the switch (recorded and audited); return the suspensions in force."""
    try:
        found = switch.change(
            engine,
            principal=principal,
            action=body.action,
            scope=body.scope,
            target=body.target,
            reason=body.reason,
        )
    except switch.SwitchError as exc:
        raise Problem(exc.status, exc.kind, exc.detail) from exc
    return _state(found)


def signoff_list(session: SessionDep) -> SignoffList:
    """Return the submitted policy texts and every sign-off (the API's and the page's)."""
    signed = signoff.all_signoffs(session)
    independent = {s.sha256 for s in signed if s.reviewer != s.author}
    return SignoffList(
        submissions=[
            SubmissionRead(
                policy=s.policy,
                version=s.version,
                sha256=s.sha256,
                submitted_by=s.submitted_by,
                submitted_at=s.submitted_at.isoformat(),
                signed_off=s.sha256 in independent,
            )
            for s in signoff.submissions(session)
        ],
        signoffs=[SignoffRead.model_validate(s.to_dict()) for s in signed],
    )


@router.get(
    "/policy-signoffs",
    response_model=SignoffList,
    summary="Priority-policy texts submitted to go live, and their sign-offs",
    responses=responses(401, 403),
)
def list_signoffs(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.POLICY_READ)],
) -> SignoffList:
    """Return the submitted policy texts and every sign-off."""
    return signoff_list(session)


@router.post(
    "/policy-signoffs",
    response_model=SignoffRead,
    status_code=201,
    summary="Sign off a submitted priority-policy text as its independent reviewer",
    responses=responses(401, 403, 404, 409, 422),
)
def sign_off(
    body: SignoffCreate,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.TARGETING_SIGNOFF)],
) -> SignoffRead:
    """Record the sign-off (audited); refuse the policy's own author."""
    try:
        found = signoff.sign_off(
            engine, principal=principal, sha256=body.sha256, statement=body.statement
        )
    except signoff.SignOffError as exc:
        raise Problem(exc.status, exc.kind, exc.detail) from exc
    return SignoffRead.model_validate(found.to_dict())
