"""Helpers of the stop switch and sign-off tests: run targeting again, read the leads."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting.models import Lead, LeadEvent
from immigrationos.targeting.policy import PriorityPolicy

AS_OF = date(2026, 11, 1)  # the date cases/world.py targets at
OPERATOR = Principal.operator("tester")


def run(
    engine: Engine, lake_dir: Any, policy: PriorityPolicy | None = None
) -> targeting_flows.TargetRunSummary:
    """Run targeting again as the operator under a new BATCH purpose."""
    purpose = policy_flows.create_purpose(
        engine=engine,
        principal=OPERATOR,
        data=PurposeCreate(
            kind=PurposeKind.BATCH, reference="TGT-SW", title="targeting", justification="test"
        ),
    )
    return targeting_flows.target(
        engine, lake_dir, principal=OPERATOR, purpose_id=purpose.id, as_of=AS_OF, policy=policy
    )


def leads(engine: Engine) -> dict[str, dict[str, Any]]:
    """Return every current lead by ID: state, safeguards, violations, policy version."""
    with session_scope(engine) as session:
        rows = session.scalars(select(Lead).where(Lead.retired_at.is_(None)))
        return {
            r.lead_id: {
                "person_id": r.person_id,
                "state": r.state,
                "safeguards": json.loads(r.safeguards),
                "violations": json.loads(r.violations),
                "policy_version": r.policy_version,
                "evaluation": json.loads(r.evaluation),
            }
            for r in rows
        }


def events(engine: Engine, lead_id: str) -> list[tuple[str, str | None, str]]:
    """Return a lead's events as (kind, to_state, reason), oldest first."""
    with session_scope(engine) as session:
        rows = session.scalars(
            select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
        )
        return [(e.kind, e.to_state, e.reason) for e in rows]
