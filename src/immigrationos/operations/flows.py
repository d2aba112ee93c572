"""Operation use cases: request, approve (two-person rule), reject, cancel, mark executed.

Each flow owns its transaction: the change, its decision row and its audit event
(``operations.request``, ``operations.approve``, ``operations.reject``,
``operations.cancel``, ``operations.execute``, ``operations.target_dropped``) commit
together or not at all. A refusal raises :class:`OperationError` with the HTTP status, a
kind and what was wrong; the caller audits it.

- **Two-person rule.** A supervisor approves an operation another user requested, never
  their own. A stop within the radius of a sensitive location (``sensitive.py``) needs
  the requester's justification and a second approval by a supervisor other than the
  first, so two distinct approvers besides the requester.
- **Cases.** The final approval takes each target's case along the case machine through
  ``cases.flows`` so that the safeguards run again: a case still in ``target_package``
  takes ``request_operation``; a case in ``operation_approval`` has its safeguards
  evaluated again and is halted for review when they no longer clear the person. A
  target whose case is halted, or has moved on, drops out of the operation with the
  reason. Arrests stay the officers' step (``record_arrest``). A rejection sends the
  targets' cases back (``return_for_rework``).
- **Routes.** Planned with PyVRP on request (so the approver sees them) and again on the
  final approval, with the targets that remain.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.operations import case_steps, eligibility, planning, sensitive
from immigrationos.operations import service as ops_service
from immigrationos.operations.errors import OperationError, not_found
from immigrationos.operations.models import Operation, OperationDecision
from immigrationos.operations.schemas import OperationCreate, OperationRead, clock_seconds
from immigrationos.operations.sensitive import SensitiveLocations
from immigrationos.persons.access import in_area
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import UseContext
from immigrationos.policy.errors import PurposeError

__all__ = ["OperationError", "approve", "cancel", "execute", "not_found", "reject",
           "request_operation"]  # fmt: skip

DEFAULT_PLAN_SECONDS = 5.0


def _context(session: Session, principal: Principal, purpose_id: str | None) -> UseContext:
    if not purpose_id:
        raise OperationError(
            428, "purpose-required", "operations hold person data: declare a purpose"
        )
    try:
        return policy_service.load_context(
            session=session, principal=principal, purpose_id=purpose_id
        )
    except PurposeError as exc:
        raise OperationError(403, "purpose-refused", str(exc), "PURPOSE_REFUSED") from exc


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    operation_id: str,
    purpose_id: str | None,
    details: dict[str, Any],
) -> None:
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type="operation",
        resource_id=operation_id,
        purpose=purpose_id,
        client=principal.client,
        details=details,
    )


def _decision(
    operation_id: str,
    principal: Principal,
    kind: str,
    reason: str | None,
    version: int,
    case_id: str | None = None,
) -> OperationDecision:
    return OperationDecision(
        operation_id=operation_id, kind=kind, actor=principal.actor, actor_role=principal.role,
        reason=reason, case_id=case_id, version=version, at=_now(),
    )  # fmt: skip


def _visible(session: Session, principal: Principal, operation_id: str) -> Operation:
    operation = ops_service.get_operation(session=session, operation_id=operation_id)
    if operation is None:
        raise not_found(operation_id, principal)
    if not in_area(principal, operation.field_office):
        raise not_found(operation_id, principal, "AREA_OF_RESPONSIBILITY")
    return operation


def _stale(operation: Operation, seen: int) -> OperationError:
    return OperationError(
        409, "operation-version-stale",
        f"operation {operation.operation_id} is at version {operation.version}, not {seen}: "
        "someone changed it since you read it; read it again and decide on what it is now",
    )  # fmt: skip


def _write(
    session: Session,
    principal: Principal,
    operation: Operation,
    seen: int,
    values: dict[str, Any],
) -> int:
    """Write the operation at the version seen (or refuse as stale); return the new version."""
    if not ops_service.write_if_current(
        session=session,
        operation_id=operation.operation_id,
        seen_version=seen,
        values={**values, "updated_at": _now()},
    ):
        session.rollback()
        raise _stale(_visible(session, principal, operation.operation_id), seen)
    return seen + 1


def _read(engine: Engine, operation_id: str) -> OperationRead:
    with session_scope(engine) as session:
        operation = ops_service.get_operation(session=session, operation_id=operation_id)
        assert operation is not None
        return ops_service.full(session, operation)


# -- request --------------------------------------------------------------------------------


def request_operation(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    data: OperationCreate,
    places: SensitiveLocations | None = None,
    plan_seconds: float = DEFAULT_PLAN_SECONDS,
) -> OperationRead:
    """Record a request for an operation, its teams and targets, and plan its routes.

    Raises:
        OperationError: the office is not the caller's, a team or target is not eligible,
            or a stop near a sensitive location comes without a justification.
    """
    places = places if places is not None else sensitive.load()
    with session_scope(engine) as session:
        ctx = _context(session, principal, purpose_id)
        if not in_area(principal, data.field_office):
            raise OperationError(
                403, "office-not-yours",
                f"{data.field_office} is not one of your field offices: request operations "
                "of your own area",
                "AREA_OF_RESPONSIBILITY",
            )  # fmt: skip
        operation_id = ops_service.new_operation_id()
        teams = eligibility.build_teams(session, data, operation_id)
        targets = eligibility.build_targets(session, principal, ctx, data, operation_id, places)
        near = eligibility.sensitive_stops(targets)
        if near and data.sensitive_justification is None:
            listed = "; ".join(f"case {c}: near {', '.join(p)}" for c, p in near.items())
            raise OperationError(
                422, "justification-required",
                f"stops near sensitive locations need a justification "
                f"('sensitive_justification') and a second supervisor's approval: {listed}",
            )  # fmt: skip
        now = _now()
        operation = Operation(
            operation_id=operation_id, field_office=data.field_office, day=data.day,
            shift_start_s=clock_seconds(data.shift_start),
            shift_end_s=clock_seconds(data.shift_end), service_s=data.service_minutes * 60,
            status="REQUESTED", version=1, requested_by=principal.actor,
            requested_role=principal.role, request_reason=data.reason,
            sensitive_justification=data.sensitive_justification if near else None,
            approvals_needed=2 if near else 1, created_at=now, updated_at=now,
        )  # fmt: skip
        # Planned before anything is written, the reads' transaction ended: the search holds
        # no lock (the rows are not in the session yet).
        session.rollback()
        found = planning.plan(operation, teams, targets, plan_seconds)
        operation.plan_distance_m = planning.apply(found, teams, targets)
        operation.planned_at = now
        ops_service.add(session=session, rows=[operation])
        ops_service.add(session=session, rows=[*teams, *targets])
        decision = _decision(operation_id, principal, "REQUESTED", data.reason, 1)
        ops_service.add(session=session, rows=[decision])
        _audit(
            session, principal, "operations.request", operation_id, purpose_id,
            {"field_office": data.field_office, "day": data.day.isoformat(),
             "case_ids": data.case_ids, "teams": [t.team_id for t in data.teams],
             "reason": data.reason, "sensitive_stops": near,
             "sensitive_justification": operation.sensitive_justification,
             "approvals_needed": operation.approvals_needed},
        )  # fmt: skip
        session.commit()
    return _read(engine, operation_id)


# -- approval -------------------------------------------------------------------------------


def _check_approver(operation: Operation, principal: Principal) -> None:
    if principal.actor == operation.requested_by:
        raise OperationError(
            403, "self-approval",
            f"the two-person rule: you requested operation {operation.operation_id}, so "
            "another supervisor must approve it (you may cancel it)",
            "TWO_PERSON_RULE",
        )  # fmt: skip
    if operation.first_approver == principal.actor:
        raise OperationError(
            403, "same-approver",
            f"operation {operation.operation_id} has a stop near a sensitive location: its "
            "second approval must come from a supervisor other than the first approver",
            "SECOND_APPROVAL",
        )  # fmt: skip


def _open(operation: Operation, action: str, statuses: tuple[str, ...] = ("REQUESTED",)) -> None:
    if operation.status not in statuses:
        raise OperationError(
            409, "operation-not-open",
            f"operation {operation.operation_id} is {operation.status}; only an operation "
            f"{' or '.join(statuses)} can be {action}",
        )  # fmt: skip


def approve(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    operation_id: str,
    version: int,
    reason: str,
    plan_seconds: float = DEFAULT_PLAN_SECONDS,
    as_of: dt.date | None = None,
) -> OperationRead:
    """Approve an operation another user requested, at the version seen.

    When two approvals are needed (a stop near a sensitive location) the first is recorded
    and the operation waits for a second supervisor. The final approval takes the targets'
    cases along the case machine (the safeguards run again; a halted case drops out) and
    plans the routes of the targets that remain.
    """
    with session_scope(engine) as session:
        _context(session, principal, purpose_id)
        operation = _visible(session, principal, operation_id)
        _open(operation, "approved")
        if operation.version != version:
            raise _stale(operation, version)
        _check_approver(operation, principal)
        values: dict[str, Any]
        if operation.approvals_needed == 1:
            final, values = True, {"status": "APPROVED", "first_approver": principal.actor}
        elif operation.first_approver is None:
            final, values = False, {"first_approver": principal.actor}
        else:
            final, values = True, {"status": "APPROVED", "second_approver": principal.actor}
        after = _write(session, principal, operation, version, values)
        stage = (
            "approved"
            if operation.approvals_needed == 1
            else ("second approval: approved" if final else "first of two approvals")
        )
        ops_service.add(
            session=session,
            rows=[_decision(operation_id, principal, "APPROVED", f"{stage}: {reason}", after)],
        )
        _audit(
            session, principal, "operations.approve", operation_id, purpose_id,
            {"stage": stage, "reason": reason, "version": after,
             "requested_by": operation.requested_by,
             "approvals_needed": operation.approvals_needed},
        )  # fmt: skip
        session.commit()
    if final:
        dropped = case_steps.advance_cases(
            engine, principal, purpose_id, operation_id, reason, as_of
        )
        _replan(engine, principal, purpose_id, operation_id, plan_seconds, dropped)
    return _read(engine, operation_id)


def _replan(
    engine: Engine,
    principal: Principal,
    purpose_id: str | None,
    operation_id: str,
    plan_seconds: float,
    dropped: list[case_steps.Dropped],
) -> None:
    """Record the dropped targets and plan the routes of the rest; one transaction."""
    with session_scope(engine) as session:
        operation = _visible(session, principal, operation_id)
        teams = ops_service.teams_of(session=session, operation_id=operation_id)
        targets = ops_service.targets_of(session=session, operation_id=operation_id)
        by_case = {t.case_id: t for t in targets}
        for drop in dropped:
            by_case[drop.case_id].status = "DROPPED"
            by_case[drop.case_id].dropped_reason = drop.reason
        session.expunge_all()  # plan on detached rows, outside any transaction
    found = planning.plan(operation, teams, targets, plan_seconds)
    with session_scope(engine) as session:
        operation = _visible(session, principal, operation_id)
        teams = ops_service.teams_of(session=session, operation_id=operation_id)
        targets = ops_service.targets_of(session=session, operation_id=operation_id)
        for target in targets:
            gone = next((d for d in dropped if d.case_id == target.case_id), None)
            if gone is not None:
                target.status, target.dropped_reason = "DROPPED", gone.reason
        distance = planning.apply(found, teams, targets)
        after = _write(
            session, principal, operation, operation.version,
            {"planned_at": _now(), "plan_distance_m": distance},
        )  # fmt: skip
        rows = [
            _decision(operation_id, principal, "TARGET_DROPPED", d.reason, after, d.case_id)
            for d in dropped
        ]
        routed = sum(1 for t in targets if t.seq is not None)
        rows.append(
            _decision(
                operation_id,
                principal,
                "PLANNED",
                f"{routed} of {sum(1 for t in targets if t.status == 'INCLUDED')} targets "
                f"routed, {distance / 1000:.1f} km",
                after,
            )
        )
        ops_service.add(session=session, rows=rows)
        for d in dropped:
            _audit(
                session, principal, "operations.target_dropped", operation_id, purpose_id,
                {"case_id": d.case_id, "reason": d.reason, "version": after},
            )  # fmt: skip
        session.commit()


# -- rejection, cancellation, execution -----------------------------------------------------


def _included_cases(session: Session, operation_id: str) -> list[str]:
    return [
        t.case_id
        for t in ops_service.targets_of(session=session, operation_id=operation_id)
        if t.status == "INCLUDED"
    ]


def reject(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    operation_id: str,
    version: int,
    reason: str,
) -> OperationRead:
    """Reject an operation another user requested; send its targets' cases back for rework."""
    with session_scope(engine) as session:
        _context(session, principal, purpose_id)
        operation = _visible(session, principal, operation_id)
        _open(operation, "rejected")
        if operation.version != version:
            raise _stale(operation, version)
        if principal.actor == operation.requested_by:
            raise OperationError(
                403, "self-approval",
                f"you requested operation {operation_id}: cancel it instead of rejecting it",
                "TWO_PERSON_RULE",
            )  # fmt: skip
        after = _write(session, principal, operation, version, {"status": "REJECTED"})
        ops_service.add(
            session=session, rows=[_decision(operation_id, principal, "REJECTED", reason, after)]
        )
        _audit(
            session, principal, "operations.reject", operation_id, purpose_id,
            {"reason": reason, "version": after},
        )  # fmt: skip
        case_ids = _included_cases(session, operation_id)
        session.commit()
    for case_id in case_ids:
        case_steps.return_for_rework(engine, principal, purpose_id, case_id, operation_id, reason)
    return _read(engine, operation_id)


def cancel(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    operation_id: str,
    version: int,
    reason: str,
) -> OperationRead:
    """Cancel a requested or approved operation: its requester or a supervisor of the office."""
    with session_scope(engine) as session:
        _context(session, principal, purpose_id)
        operation = _visible(session, principal, operation_id)
        _open(operation, "cancelled", ("REQUESTED", "APPROVED"))
        if operation.version != version:
            raise _stale(operation, version)
        if (
            principal.actor != operation.requested_by
            and principal.role != "SUPERVISOR"
            and (not principal.is_operator)
        ):
            raise OperationError(
                403, "not-requester",
                f"only the requester of operation {operation_id} or a supervisor may cancel it",
            )  # fmt: skip
        after = _write(session, principal, operation, version, {"status": "CANCELLED"})
        ops_service.add(
            session=session, rows=[_decision(operation_id, principal, "CANCELLED", reason, after)]
        )
        _audit(
            session, principal, "operations.cancel", operation_id, purpose_id,
            {"reason": reason, "version": after, "from_status": operation.status},
        )  # fmt: skip
        session.commit()
    return _read(engine, operation_id)


def execute(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    operation_id: str,
    version: int,
    reason: str,
) -> OperationRead:
    """Record that an approved operation was carried out (a supervisor or a team's officer).

    The arrests themselves are the officers' ``record_arrest`` steps on each case.
    """
    with session_scope(engine) as session:
        _context(session, principal, purpose_id)
        operation = _visible(session, principal, operation_id)
        _open(operation, "marked executed", ("APPROVED",))
        if operation.version != version:
            raise _stale(operation, version)
        on_team = any(
            principal.actor in json.loads(t.officers)
            for t in ops_service.teams_of(session=session, operation_id=operation_id)
        )
        if not on_team and principal.role != "SUPERVISOR" and not principal.is_operator:
            raise OperationError(
                403, "not-on-team",
                f"only a supervisor or an officer of a team of operation {operation_id} may "
                "record it executed",
            )  # fmt: skip
        after = _write(session, principal, operation, version, {"status": "EXECUTED"})
        ops_service.add(
            session=session, rows=[_decision(operation_id, principal, "EXECUTED", reason, after)]
        )
        _audit(
            session, principal, "operations.execute", operation_id, purpose_id,
            {"reason": reason, "version": after},
        )  # fmt: skip
        session.commit()
    return _read(engine, operation_id)
