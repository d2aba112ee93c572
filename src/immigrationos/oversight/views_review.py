"""Oversight review over HTTP: replay a past decision, automation-bias signals, the system card.

- ``GET /oversight/replay/{kind}/{decision_id}`` (``leads.read``, a purpose: person
  data; field roles: their area) — a decision as it stood when made, beside today's;
  audited as ``oversight.replay``;
- ``GET /oversight/automation`` (``audit.read``; counts per reviewer and office, no
  person data) — audited as ``oversight.automation``;
- ``GET /oversight/system-card`` (``audit.read``) — the system card as Markdown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import PurposeHeader, SessionDep, audit, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.oversight import automation, replay_flows, system_card
from immigrationos.persons.access import in_area

router = APIRouter(tags=["oversight"])
KindPath = Annotated[
    str,
    Path(
        pattern="^(lead|lead-event|safeguard|case-event|snapshot)$",
        description="lead, lead-event (or safeguard), case-event or snapshot.",
    ),
]
IdPath = Annotated[str, Path(min_length=1, max_length=40, description="The decision's ID.")]


class ReplayRecordRead(BaseModel):
    """One record as a side of the replay saw it."""

    ref: str
    version: int | None
    change: str | None
    ingested_at: dt.datetime | None
    payload: dict[str, Any]


class ReplaySideRead(BaseModel):
    """A decision's inputs and outcome, then or today."""

    at: dt.datetime
    as_of: dt.date
    person_id: str | None
    policy_version: str
    policy_sha256: str
    records: list[ReplayRecordRead]
    links: dict[str, float]
    outcome: dict[str, Any]


class ReplayRead(BaseModel):
    """A past decision as it stood when made, beside today's, and what differs."""

    kind: str
    decision_id: str
    subject_id: str
    field_office: str | None
    source: str
    then: ReplaySideRead
    today: ReplaySideRead
    differences: list[str]
    notes: list[str]
    snapshots: list[dict[str, Any]]


class SignalsRead(BaseModel):
    """The automation-bias signals of one reviewer or office."""

    name: str
    role: str | None
    offices: list[str]
    decisions: int
    followed: int
    overrode: int
    unopened: int
    median_seconds: float | None
    approval_rate: float | None
    override_reasons: list[tuple[str, int]]
    flagged: bool
    flags: list[str]
    reviewers: int
    flagged_reviewers: list[str]


class RuleRead(BaseModel):
    """When a reviewer is flagged as rubber-stamping."""

    min_decisions: int
    follow_rate: float
    median_seconds: float
    unopened_share: float


class AutomationRead(BaseModel):
    """Automation-bias signals per reviewer and per office."""

    rule: RuleRead
    since: dt.datetime | None
    generated_at: dt.datetime
    reviewers: list[SignalsRead]
    offices: list[SignalsRead]


def replay_read(found: replay_flows.Replay) -> ReplayRead:
    """Return the API form of a replay."""
    return ReplayRead.model_validate(dataclasses.asdict(found))


def automation_read(found: automation.AutomationReport) -> AutomationRead:
    """Return the API form of an automation-bias report."""
    return AutomationRead.model_validate(dataclasses.asdict(found))


def do_replay(
    session: Any,
    principal: Principal,
    purpose: str | None,
    kind: str,
    decision_id: str,
    at: dt.datetime | None = None,
) -> replay_flows.Replay:
    """Replay a decision for the caller under the purpose (area checked); audit it."""
    action = "oversight.replay"
    ctx = lawful.use_context(
        session, principal, purpose, action=action, resource_type=kind, resource_id=decision_id
    )
    try:
        found = replay_flows.replay(session, ctx, kind, decision_id, at=at)
    except replay_flows.ReplayError as exc:
        raise lawful.refuse(
            session, principal, status=404, kind="decision-not-found", detail=str(exc),
            action=action, purpose=purpose, resource_type=kind, resource_id=decision_id,
        ) from exc  # fmt: skip
    if not in_area(principal, found.field_office):
        raise lawful.refuse(
            session, principal, status=404, kind="decision-not-found",
            detail=f"no {kind} {decision_id} is available to you in your area of responsibility",
            action=action, purpose=purpose, resource_type=kind, resource_id=decision_id,
            rule="AREA_OF_RESPONSIBILITY",
        )  # fmt: skip
    audit(
        session, principal, action, resource_type=kind, resource_id=decision_id, purpose=purpose,
        details={"subject_id": found.subject_id, "source": found.source,
                 "person_id": found.then.person_id, "differences": len(found.differences)},
    )  # fmt: skip
    session.commit()
    return found


@router.get(
    "/oversight/replay/{kind}/{decision_id}",
    response_model=ReplayRead,
    summary="A past decision as it stood when made, beside what the platform decides today",
    responses=responses(401, 403, 404, 422, 428),
)
def replay(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.LEADS_READ)],
    kind: KindPath,
    decision_id: IdPath,
    purpose: PurposeHeader = None,
    at: Annotated[
        dt.datetime | None, Query(description="For a lead: the decision in force at this time.")
    ] = None,
) -> ReplayRead:
    """Return the records, versions, links and policy of a decision then, and today's."""
    return replay_read(do_replay(session, principal, purpose, kind, decision_id, at))


def rule_of(
    min_decisions: int | None, follow_rate: float | None, median_seconds: float | None
) -> automation.RubberStampRule:
    """Return the rubber-stamping rule with the caller's thresholds over the defaults."""
    base = automation.RubberStampRule()
    return automation.RubberStampRule(
        min_decisions=min_decisions if min_decisions is not None else base.min_decisions,
        follow_rate=follow_rate if follow_rate is not None else base.follow_rate,
        median_seconds=median_seconds if median_seconds is not None else base.median_seconds,
    )


def visible_report(
    session: Any, principal: Principal, rule: automation.RubberStampRule, **where: Any
) -> automation.AutomationReport:
    """Return the signals the caller may see (field roles: their offices); audit the read."""
    found = automation.signals(session, rule=rule, **where)
    if principal.area() is not None:
        offices = [o for o in found.offices if in_area(principal, o.name)]
        names = {r for o in offices for r in o.flagged_reviewers}
        reviewers = [
            r for r in found.reviewers if any(in_area(principal, o) for o in r.offices)
        ] or [r for r in found.reviewers if r.name in names]
        found = dataclasses.replace(found, offices=offices, reviewers=reviewers)
    audit(
        session, principal, "oversight.automation", resource_type="automation",
        details={"rule": dataclasses.asdict(rule), "flagged": [r.name for r in found.flagged],
                 "office": where.get("office")},
    )  # fmt: skip
    session.commit()
    return found


@router.get(
    "/oversight/automation",
    response_model=AutomationRead,
    summary="Automation-bias signals per reviewer and office, with rubber-stamping flagged",
    responses=responses(401, 403, 422),
)
def automation_signals(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.AUDIT_READ)],
    min_decisions: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    follow_rate: Annotated[float | None, Query(gt=0, le=1)] = None,
    median_seconds: Annotated[float | None, Query(gt=0, le=86_400)] = None,
    since: Annotated[dt.datetime | None, Query(description="Only decisions from then.")] = None,
    office: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> AutomationRead:
    """Return approval rates, time before deciding, overrides and flags (counts only)."""
    rule = rule_of(min_decisions, follow_rate, median_seconds)
    return automation_read(visible_report(session, principal, rule, since=since, office=office))


class SystemCardRead(BaseModel):
    """The system card of the live configuration: its policy, and the card as Markdown."""

    policy_version: str
    policy_sha256: str
    generated_at: dt.datetime
    markdown: str


@router.get(
    "/oversight/system-card",
    response_model=SystemCardRead,
    summary="The system card (Markdown), from the live configuration",
    responses=responses(401, 403),
)
def card(
    session: SessionDep, principal: Annotated[Principal, require(Permission.AUDIT_READ)]
) -> SystemCardRead:
    """Return the system card: use, sources, policy, accuracy, impact assessment."""
    try:
        found = system_card.build_card(session=session)
    except ValueError as exc:
        raise Problem(500, "system-card-unreadable", str(exc)) from exc
    audit(
        session, principal, "oversight.system_card", resource_type="policy",
        resource_id=found.policy["version"], details={"policy_sha256": found.policy["sha256"]},
    )  # fmt: skip
    session.commit()
    return SystemCardRead(
        policy_version=found.policy["version"],
        policy_sha256=found.policy["sha256"],
        generated_at=found.generated_at,
        markdown=system_card.render_markdown(found),
    )
