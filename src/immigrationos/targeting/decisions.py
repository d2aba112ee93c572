"""A person's decisions on a lead's advice: following or overriding a recommendation.

Recommendations (``recommendations.py``) are advice. Whether the officer followed one or
overrode it, and why, is data: a lead event (``FOLLOWED`` / ``OVERRODE``) naming the
recommendation and the reason, and an audit event (``leads.recommendation``).
"""

from __future__ import annotations

import datetime as dt
import json

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
