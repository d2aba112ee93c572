"""Data access of operations, and the routes each officer is handed. Flushes, never commits."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from immigrationos.operations.models import (
    Operation,
    OperationDecision,
    OperationTarget,
    OperationTeam,
)
from immigrationos.operations.plan import clock
from immigrationos.operations.schemas import (
    DecisionRead,
    OfficerRoute,
    OperationRead,
    OperationSummary,
    RouteStop,
    TargetRead,
    TeamRead,
    sensitive_list,
)

# An operation holding a case in one of these keeps it out of any other.
ACTIVE_STATUSES = ("REQUESTED", "APPROVED")


def new_operation_id() -> str:
    """Return a fresh operation ID: ``O`` and ten upper-case hex digits."""
    return "O" + uuid.uuid4().hex[:10].upper()


def get_operation(*, session: Session, operation_id: str) -> Operation | None:
    """Return an operation by ID, or None."""
    return session.get(Operation, operation_id)


def add(*, session: Session, rows: Iterable[Any]) -> None:
    """Add rows (an operation, its teams, targets, decisions) and flush them."""
    session.add_all(list(rows))
    session.flush()


def write_if_current(
    *, session: Session, operation_id: str, seen_version: int, values: Mapping[str, Any]
) -> bool:
    """Update an operation only if it is still at ``seen_version``; bump the version; say if
    it was (the version is compared in the UPDATE itself: of two writers, one wins)."""
    result = session.execute(
        update(Operation)
        .where(Operation.operation_id == operation_id, Operation.version == seen_version)
        .values(**values, version=seen_version + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def teams_of(*, session: Session, operation_id: str) -> list[OperationTeam]:
    """Return an operation's teams in the order they were given."""
    query = (
        select(OperationTeam)
        .where(OperationTeam.operation_id == operation_id)
        .order_by(OperationTeam.id)
    )
    return list(session.scalars(query))


def targets_of(*, session: Session, operation_id: str) -> list[OperationTarget]:
    """Return an operation's targets in the order they were given."""
    query = (
        select(OperationTarget)
        .where(OperationTarget.operation_id == operation_id)
        .order_by(OperationTarget.id)
    )
    return list(session.scalars(query))


def decisions_of(*, session: Session, operation_id: str) -> list[OperationDecision]:
    """Return an operation's decisions, oldest first."""
    query = (
        select(OperationDecision)
        .where(OperationDecision.operation_id == operation_id)
        .order_by(OperationDecision.id)
    )
    return list(session.scalars(query))


def active_operations_of_cases(*, session: Session, case_ids: Iterable[str]) -> dict[str, str]:
    """Return case ID -> the requested or approved operation that still includes it."""
    query = (
        select(OperationTarget.case_id, Operation.operation_id)
        .join(Operation, Operation.operation_id == OperationTarget.operation_id)
        .where(
            OperationTarget.case_id.in_(sorted(set(case_ids))),
            OperationTarget.status == "INCLUDED",
            Operation.status.in_(ACTIVE_STATUSES),
        )
    )
    return {case_id: op_id for case_id, op_id in session.execute(query)}


def other_approved_operation(*, session: Session, case_id: str, operation_id: str) -> str | None:
    """Return another approved operation that includes the case, or None."""
    query = (
        select(Operation.operation_id)
        .join(OperationTarget, OperationTarget.operation_id == Operation.operation_id)
        .where(
            OperationTarget.case_id == case_id,
            OperationTarget.status == "INCLUDED",
            Operation.status == "APPROVED",
            Operation.operation_id != operation_id,
        )
        .order_by(Operation.operation_id)
        .limit(1)
    )
    return session.scalars(query).first()


@dataclass(frozen=True)
class OperationFilter:
    """Which operations a list holds: by status, office, day and area (None: all)."""

    status: str | None = None
    field_office: str | None = None
    day: dt.date | None = None
    offices: frozenset[str] | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        """Return the conditions an operation of this list meets."""
        found: list[ColumnElement[bool]] = []
        if self.status is not None:
            found.append(Operation.status == self.status)
        if self.field_office is not None:
            found.append(Operation.field_office == self.field_office)
        if self.day is not None:
            found.append(Operation.day == self.day)
        if self.offices is not None:
            found.append(Operation.field_office.in_(sorted(self.offices)))
        return found


def count_operations(*, session: Session, where: OperationFilter) -> int:
    """Return how many operations a list holds."""
    query = select(func.count()).select_from(Operation).where(*where.clauses())
    return int(session.execute(query).scalar_one())


def list_operations(
    *, session: Session, where: OperationFilter, offset: int, limit: int
) -> list[Operation]:
    """Return a page of operations, the soonest day first (then the oldest request)."""
    query = (
        select(Operation)
        .where(*where.clauses())
        .order_by(Operation.day, Operation.created_at, Operation.operation_id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query))


def target_counts(*, session: Session, operation_ids: list[str]) -> dict[str, int]:
    """Return the number of targets still included, per operation."""
    query = (
        select(OperationTarget.operation_id, func.count())
        .where(
            OperationTarget.operation_id.in_(operation_ids), OperationTarget.status == "INCLUDED"
        )
        .group_by(OperationTarget.operation_id)
    )
    return {op_id: int(n) for op_id, n in session.execute(query)}


# -- read models ----------------------------------------------------------------------------


def _clock(seconds: int | None) -> str | None:
    return None if seconds is None else clock(seconds)


def approvers(operation: Operation) -> list[str]:
    """Return who approved the operation so far, in order."""
    return [a for a in (operation.first_approver, operation.second_approver) if a]


def summary(operation: Operation, targets: int) -> OperationSummary:
    """Return an operation as a list shows it."""
    return OperationSummary(
        operation_id=operation.operation_id,
        field_office=operation.field_office,
        day=operation.day,
        shift_start=clock(operation.shift_start_s),
        shift_end=clock(operation.shift_end_s),
        status=operation.status,
        version=operation.version,
        requested_by=operation.requested_by,
        requested_role=operation.requested_role,
        approvals_needed=operation.approvals_needed,
        approvers=approvers(operation),
        targets=targets,
        created_at=operation.created_at,
        updated_at=operation.updated_at,
    )


def target_read(target: OperationTarget) -> TargetRead:
    """Return a target as an operation shows it."""
    return TargetRead(
        case_id=target.case_id,
        person_id=target.person_id,
        status=target.status,
        dropped_reason=target.dropped_reason,
        street=target.street,
        city=target.city,
        state=target.state,
        zip=target.zip,
        lat=target.lat,
        lon=target.lon,
        address_confidence=target.address_confidence,
        address_note=target.address_note,
        sensitive=sensitive_list(json.loads(target.sensitive)),
        team_id=target.team_id,
        seq=target.seq,
        arrival=_clock(target.arrival_s),
        start=_clock(target.start_s),
        departure=_clock(target.departure_s),
        persons_on_board=target.persons_on_board,
        unrouted_reason=target.unrouted_reason,
    )


def _route_order(targets: list[OperationTarget], team_id: str) -> list[OperationTarget]:
    mine = [t for t in targets if t.team_id == team_id and t.seq is not None]
    return sorted(mine, key=lambda t: t.seq or 0)


def full(session: Session, operation: Operation) -> OperationRead:
    """Return an operation with its teams, targets, routes and decisions."""
    teams = teams_of(session=session, operation_id=operation.operation_id)
    targets = targets_of(session=session, operation_id=operation.operation_id)
    decisions = decisions_of(session=session, operation_id=operation.operation_id)
    included = sum(1 for t in targets if t.status == "INCLUDED")
    return OperationRead(
        **summary(operation, included).model_dump(),
        request_reason=operation.request_reason,
        sensitive_justification=operation.sensitive_justification,
        service_minutes=operation.service_s // 60,
        planned_at=operation.planned_at,
        plan_distance_m=operation.plan_distance_m,
        teams=[
            TeamRead(
                team_id=team.team_id,
                seats=team.seats,
                start_office=team.start_office,
                office_lat=team.office_lat,
                office_lon=team.office_lon,
                officers=json.loads(team.officers),
                leave_office=_clock(team.leave_office_s),
                back_office=_clock(team.back_office_s),
                distance_m=team.distance_m,
                stops=[t.case_id for t in _route_order(targets, team.team_id)],
            )
            for team in teams
        ],
        target_list=[target_read(t) for t in targets],
        decisions=[
            DecisionRead(
                kind=d.kind,
                actor=d.actor,
                actor_role=d.actor_role,
                reason=d.reason,
                case_id=d.case_id,
                version=d.version,
                at=d.at,
            )
            for d in decisions
        ],
    )


def routes_for_officer(
    *, session: Session, officer_id: str, day: dt.date | None = None
) -> list[OfficerRoute]:
    """Return the routes of the teams an officer is on in approved operations (of ``day``).

    Each route lists its stops in order with the planned arrival (ETA), the address and
    how surely it places the person (``address_confidence``: zip, city or state), and
    any sensitive location nearby; the field view reads it.
    """
    query = (
        select(OperationTeam, Operation)
        .join(Operation, Operation.operation_id == OperationTeam.operation_id)
        .where(Operation.status == "APPROVED")
        .order_by(Operation.day, Operation.operation_id, OperationTeam.id)
    )
    if day is not None:
        query = query.where(Operation.day == day)
    routes: list[OfficerRoute] = []
    for team, operation in session.execute(query):
        officers = json.loads(team.officers)
        if officer_id not in officers:
            continue
        targets = targets_of(session=session, operation_id=operation.operation_id)
        stops = [
            RouteStop(
                seq=t.seq or 0,
                case_id=t.case_id,
                person_id=t.person_id,
                street=t.street,
                city=t.city,
                state=t.state,
                zip=t.zip,
                lat=t.lat,
                lon=t.lon,
                address_confidence=t.address_confidence,
                address_note=t.address_note,
                eta=clock(t.arrival_s or 0),
                start=_clock(t.start_s),
                departure=_clock(t.departure_s),
                sensitive=sensitive_list(json.loads(t.sensitive)),
            )
            for t in _route_order(targets, team.team_id)
            if t.status == "INCLUDED"
        ]
        routes.append(
            OfficerRoute(
                operation_id=operation.operation_id,
                day=operation.day,
                field_office=operation.field_office,
                team_id=team.team_id,
                start_office=team.start_office,
                office_lat=team.office_lat,
                office_lon=team.office_lon,
                seats=team.seats,
                shift_start=clock(operation.shift_start_s),
                shift_end=clock(operation.shift_end_s),
                leave_office=_clock(team.leave_office_s),
                back_office=_clock(team.back_office_s),
                distance_m=team.distance_m,
                officers=officers,
                stops=stops,
            )
        )
    return routes
