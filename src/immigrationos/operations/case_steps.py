"""The targets' cases along the case machine, when an operation is decided.

Everything goes through ``cases.flows`` so that the case machine's checks run, the
safeguards among them, and each step is the case's own event and audit event:

- on the final approval, a case still in ``target_package`` takes ``request_operation``
  (as the approving supervisor); a case already in ``operation_approval`` has its
  safeguards evaluated again (``cases.recheck``) and, when they no longer clear the person,
  is halted by the case machine's own halt (a citizenship or safeguard review). A case
  halted, or moved on meanwhile, drops out of the operation with the reason;
- on a rejection, a case waiting in ``operation_approval`` is sent back
  (``return_for_rework``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from immigrationos.auth.principal import Principal
from immigrationos.cases import flows as cases_flows
from immigrationos.cases import recheck
from immigrationos.cases import service as cases_service
from immigrationos.cases.machine import CaseState
from immigrationos.db.engine import session_scope
from immigrationos.operations import service as ops_service
from immigrationos.policy import service as policy_service
from immigrationos.policy.errors import PurposeError


@dataclass(frozen=True)
class Dropped:
    """A target that left the operation at approval, and why."""

    case_id: str
    reason: str


def _advance_case(
    engine: Engine,
    principal: Principal,
    purpose_id: str | None,
    operation_id: str,
    case_id: str,
    reason: str,
    as_of: dt.date,
) -> str | None:
    """Take one target's case along the case machine; return why it drops out, or None."""
    why = f"operation {operation_id} approved: {reason}"
    with session_scope(engine) as session:
        case = cases_service.get_case(session=session, case_id=case_id)
        if case is None:
            return f"case {case_id} is gone"
        state, version = case.state, case.version
        # Two requests naming one case at once both pass the request's check; the first
        # approved keeps it.
        other = ops_service.other_approved_operation(
            session=session, case_id=case_id, operation_id=operation_id
        )
        if other is not None:
            return f"case {case_id} is already a target of approved operation {other}"
        if state == CaseState.OPERATION_APPROVAL.value:
            try:
                ctx = policy_service.load_context(
                    session=session, principal=principal, purpose_id=purpose_id or ""
                )
            except PurposeError as exc:
                return f"case {case_id} could not be checked: {exc}"
            verdict = recheck.evaluate(session, ctx, case.person_id, as_of, case.lead_id)
            if verdict.halt is None:
                return None
            cause = f"approval of operation {operation_id}"
            # The case machine's own halt (event HALTED, audit cases.halt), as a refused step.
            outcome = cases_flows._halt(
                session, principal, purpose_id, case, cause, verdict, [verdict.as_check()],
                version,
            )  # fmt: skip
            return f"halted by the safeguards ({outcome.case.state}): {verdict.detail}"
    if state != CaseState.TARGET_PACKAGE.value:
        return f"case {case_id} is now {state}, no longer a target"
    try:
        moved = cases_flows.move(
            engine, principal=principal, purpose_id=purpose_id, case_id=case_id,
            transition="request_operation", version=version, reason=why, as_of=as_of,
        )  # fmt: skip
    except cases_flows.CaseError as exc:
        return f"case {case_id} could not be moved: {exc.detail}"
    if moved.halted:
        return f"halted by the safeguards ({moved.case.state}): {moved.recheck.detail}"
    return None


def advance_cases(
    engine: Engine,
    principal: Principal,
    purpose_id: str | None,
    operation_id: str,
    reason: str,
    as_of: dt.date | None,
) -> list[Dropped]:
    """Advance every included target's case; drop (recorded, audited) those that cannot go."""
    day = as_of or dt.datetime.now(dt.UTC).date()
    with session_scope(engine) as session:
        case_ids = [
            t.case_id
            for t in ops_service.targets_of(session=session, operation_id=operation_id)
            if t.status == "INCLUDED"
        ]
    dropped = []
    for case_id in case_ids:
        try:
            why = _advance_case(engine, principal, purpose_id, operation_id, case_id, reason, day)
        except cases_flows.CaseError as exc:
            why = f"case {case_id} could not be moved: {exc.detail}"
        if why is not None:
            dropped.append(Dropped(case_id, why))
    return dropped


def return_for_rework(
    engine: Engine,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    operation_id: str,
    reason: str,
) -> None:
    """Send a target's case waiting for the operation back to its target package."""
    with session_scope(engine) as session:
        case = cases_service.get_case(session=session, case_id=case_id)
        if case is None or case.state != CaseState.OPERATION_APPROVAL.value:
            return
        version = case.version
    try:
        cases_flows.move(
            engine, principal=principal, purpose_id=purpose_id, case_id=case_id,
            transition="return_for_rework", version=version,
            reason=f"operation {operation_id} rejected: {reason}",
        )  # fmt: skip
    except cases_flows.CaseError:
        return  # changed meanwhile: whoever changed it decided on it
