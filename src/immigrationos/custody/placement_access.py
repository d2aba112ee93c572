"""The door of placement, shared by the API and the interface: purpose, area and audit.

- :func:`list_held` — the held persons of the caller's area (``custody.read``), audited
  ``custody.placement.list`` with the cases and persons returned;
- :func:`propose_for` — a placement proposal for the cases chosen, with the security level
  the caller classifies each at, audited ``custody.placement.propose`` with what it placed;
- :func:`record` — the placements accepted, with the reason (``custody.manage``), all or
  none (``placement_cases.record_placements``, audited ``custody.placement`` per person);
  a refusal is audited as DENIED and raised as a problem.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.cases import access as cases_access
from immigrationos.cases.flows import CaseError
from immigrationos.custody import flows as custody_flows
from immigrationos.custody import placement_cases
from immigrationos.custody.models import Detention
from immigrationos.custody.placement_cases import Choice, Detainee, Proposal

LIST_ACTION = "custody.placement.list"
PROPOSE_ACTION = "custody.placement.propose"
RECORD_ACTION = "custody.placement"


def _held(
    session: Session, principal: Principal, purpose: str | None, action: str
) -> list[Detainee]:
    ctx = lawful.use_context(session, principal, purpose, action=action, resource_type="case")
    return placement_cases.detained(session, ctx, principal, custody_flows.now_utc().date())


def list_held(session: Session, principal: Principal, purpose: str | None) -> list[Detainee]:
    """Return the held persons of the caller's area, each where held now; audit the read."""
    held = _held(session, principal, purpose, LIST_ACTION)
    audit(
        session, principal, LIST_ACTION, resource_type="case", purpose=purpose,
        details={"returned": [d.case_id for d in held],
                 "person_ids": [d.person_id for d in held]},
    )  # fmt: skip
    session.commit()
    return held


def propose_for(
    session: Session,
    principal: Principal,
    purpose: str | None,
    case_ids: set[str],
    levels: dict[str, str],
) -> tuple[list[Detainee], Proposal]:
    """Return the caller's held persons and a proposal placing those of ``case_ids``.

    Raises:
        Problem: no purpose, or none of the cases is a held person of the caller's area.
    """
    held = _held(session, principal, purpose, PROPOSE_ACTION)
    wanted = [d for d in held if d.case_id in case_ids]
    if not wanted:
        raise Problem(422, "placement-empty", "Choose at least one detained person to place.")
    proposal = placement_cases.propose(
        session, wanted, {k: v for k, v in levels.items() if k in case_ids}
    )
    audit(
        session, principal, PROPOSE_ACTION, resource_type="case", purpose=purpose,
        details={"cases": [d.case_id for d in wanted], "levels": proposal.levels,
                 "placed": {p.person_id: p.facility_code for p in proposal.placements},
                 "unplaced": {u.person_id: u.reason for u in proposal.unplaced},
                 "total_distance_km": round(proposal.total_distance_km, 1)},
    )  # fmt: skip
    session.commit()
    return held, proposal


def record(
    session: Session,
    engine: Engine,
    principal: Principal,
    purpose: str | None,
    choices: list[Choice],
    reason: str,
) -> list[Detention]:
    """Record the placements accepted, with the reason; a refusal is audited and raised."""
    if not choices:
        raise Problem(422, "placement-empty", "Check at least one placement to record.")
    if not reason.strip():
        raise Problem(422, "reason-required", "Say why you place them: give the reason.")
    lawful.use_context(session, principal, purpose, action=RECORD_ACTION, resource_type="case")
    session.rollback()  # the flow owns its transaction
    try:
        return placement_cases.record_placements(
            engine, principal=principal, purpose_id=purpose, choices=choices, reason=reason
        )
    except CaseError as exc:
        first = choices[0].case_id if len(choices) == 1 else None
        raise cases_access.refuse(session, principal, purpose, RECORD_ACTION, first, exc) from exc
