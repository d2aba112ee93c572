"""A person's decisions on a lead's advice: following or overriding a recommendation.

Recommendations (``recommendations.py``) are advice. Whether the officer followed one or
overrode it, and why, is data: a lead event (``FOLLOWED`` / ``OVERRODE``) naming the
recommendation and the reason, and an audit event (``leads.recommendation``).

An override awaits a second person: a supervisor reviews it (``review_override``),
agreeing or not, with a reason, as a ``REVIEWED`` lead event and a
``leads.override_review`` audit event. Nobody reviews their own override.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Protocol, TypeVar

from sqlalchemy import Engine

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.flows import TargetingError
from immigrationos.targeting.models import LeadEvent


def decide_recommendation(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    lead_id: str,
    action: str,
    followed: bool,
    reason: str,
) -> LeadEvent:
    """Record that a person followed or overrode one of a lead's recommendations, and why.

    Recommendations are advice; the decision is the person's. ``action`` names one of
    the lead's current recommendations (its ``action`` text, as ``imos lead show``
    prints it). Audited as ``leads.recommendation``.
    """
    if not reason.strip():
        raise TargetingError("a decision on a recommendation needs a reason")
    now = dt.datetime.now(dt.UTC)
    kind = "FOLLOWED" if followed else "OVERRODE"
    with session_scope(engine) as session:
        lead = targeting_service.get_lead(session=session, lead_id=lead_id)
        if lead is None or lead.retired_at is not None:
            raise TargetingError(f"no current lead {lead_id}")
        offered = [r["action"] for r in json.loads(lead.evaluation).get("recommendations", [])]
        if action not in offered:
            listed = "; ".join(offered) or "none"
            raise TargetingError(
                f"lead {lead_id} has no recommendation {action!r}; its recommendations: {listed}"
            )
        event = LeadEvent(
            lead_id=lead_id,
            run_id=None,
            kind=kind,
            person_id=lead.person_id,
            from_state=lead.state,
            to_state=lead.state,
            from_score=lead.score,
            to_score=lead.score,
            reason=f"{action}: {reason}",
            actor=principal.actor,
            at=now,
        )
        session.add(event)
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action="leads.recommendation",
            resource_type="lead",
            resource_id=lead_id,
            purpose=purpose_id,
            client=principal.client,
            details={"recommendation": action, "decision": kind, "reason": reason},
        )
        session.commit()
        session.refresh(event)
        session.expunge(event)
    return event


class _Event(Protocol):
    @property
    def kind(self) -> str: ...


EventT = TypeVar("EventT", bound=_Event)


def unreviewed_overrides(events: Sequence[EventT]) -> list[EventT]:
    """Return the overrides of a lead's history (oldest first) no review has answered yet.

    ``events`` is the history in the order it was written (event IDs grow).
    """
    last = max((i for i, e in enumerate(events) if e.kind == "REVIEWED"), default=-1)
    return [e for e in events[last + 1 :] if e.kind == "OVERRODE"]


def review_override(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    lead_id: str,
    agree: bool,
    reason: str,
) -> LeadEvent:
    """Record a second person's review of a lead's overrides: agreed or not, and why.

    Every override not yet reviewed is answered at once. The reviewer must not be the
    person who overrode (two persons); a lead with no override awaiting review is refused.
    Audited as ``leads.override_review``.
    """
    if not reason.strip():
        raise TargetingError("a review of an override needs a reason")
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        lead = targeting_service.get_lead(session=session, lead_id=lead_id)
        if lead is None or lead.retired_at is not None:
            raise TargetingError(f"no current lead {lead_id}")
        waiting = unreviewed_overrides(
            targeting_service.events_of(session=session, lead_id=lead_id)
        )
        if not waiting:
            raise TargetingError(f"lead {lead_id} has no override awaiting review")
        if any(e.actor == principal.actor for e in waiting):
            raise TargetingError(
                "you overrode this recommendation yourself: a second person must review it"
            )
        verdict = "AGREED" if agree else "DISAGREED"
        event = LeadEvent(
            lead_id=lead_id,
            run_id=None,
            kind="REVIEWED",
            person_id=lead.person_id,
            from_state=lead.state,
            to_state=lead.state,
            from_score=lead.score,
            to_score=lead.score,
            reason=f"{verdict}: {reason}",
            actor=principal.actor,
            at=now,
        )
        session.add(event)
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action="leads.override_review",
            resource_type="lead",
            resource_id=lead_id,
            purpose=purpose_id,
            client=principal.client,
            details={
                "verdict": verdict,
                "reason": reason,
                "overrides": [{"by": e.actor, "reason": e.reason} for e in waiting],
            },
        )
        session.commit()
        session.refresh(event)
        session.expunge(event)
    return event
