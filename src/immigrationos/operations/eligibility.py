"""What a request for an operation may hold: teams of the office's officers, and targets
that are cases of the office ready for an operation, each located under the data-use
policy and checked against the sensitive locations."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from immigrationos.auth import service as auth_service
from immigrationos.auth.principal import Principal
from immigrationos.cases import service as cases_service
from immigrationos.cases.machine import CaseState
from immigrationos.operations import planning
from immigrationos.operations import service as ops_service
from immigrationos.operations.errors import OperationError
from immigrationos.operations.models import OperationTarget, OperationTeam
from immigrationos.operations.schemas import OperationCreate
from immigrationos.operations.sensitive import SensitiveLocations
from immigrationos.persons.access import in_area
from immigrationos.policy.engine import UseContext
from immigrationos.reference import field_offices

TARGET_STATES = frozenset({CaseState.TARGET_PACKAGE.value, CaseState.OPERATION_APPROVAL.value})
TEAM_ROLES = ("OFFICER", "SUPERVISOR")


def build_teams(session: Session, data: OperationCreate, operation_id: str) -> list[OperationTeam]:
    """Return the team rows of a request; refuse an unknown office or an ineligible officer."""
    teams = []
    for given in data.teams:
        office_name = given.start_office or data.field_office
        try:
            office = field_offices.get_field_office(office_name)
        except KeyError as exc:
            raise OperationError(
                400, "team-not-eligible", f"team {given.team_id}: {exc.args[0]}"
            ) from exc
        for user_id in given.officers:
            user = auth_service.get_user(session=session, user_id=user_id)
            if user is None or user.disabled or user.role not in TEAM_ROLES:
                raise OperationError(
                    400, "team-not-eligible",
                    f"team {given.team_id}: {user_id} is not an enabled OFFICER or SUPERVISOR "
                    "account",
                )  # fmt: skip
            if data.field_office not in user.offices:
                raise OperationError(
                    400, "team-not-eligible",
                    f"team {given.team_id}: {user.username} does not work {data.field_office} "
                    f"(their offices: {', '.join(user.offices) or 'none'})",
                )  # fmt: skip
        teams.append(
            OperationTeam(
                operation_id=operation_id,
                team_id=given.team_id,
                seats=given.seats,
                start_office=office.name,
                office_lat=office.lat,
                office_lon=office.lon,
                officers=json.dumps(list(dict.fromkeys(given.officers))),
            )
        )
    return teams


def build_targets(
    session: Session,
    principal: Principal,
    ctx: UseContext,
    data: OperationCreate,
    operation_id: str,
    places: SensitiveLocations,
) -> list[OperationTarget]:
    """Return the target rows of a request, each located and checked for sensitive places;
    refuse a case that is missing, elsewhere, not ready, unassigned or in another operation."""
    busy = ops_service.active_operations_of_cases(session=session, case_ids=data.case_ids)
    targets = []
    for case_id in data.case_ids:
        case = cases_service.get_case(session=session, case_id=case_id)
        if case is None or not in_area(principal, case.field_office):
            where = "" if principal.area() is None else " in your area of responsibility"
            raise OperationError(
                404, "case-not-found", f"no case {case_id} is available to you{where}",
                None if case is None else "AREA_OF_RESPONSIBILITY",
            )  # fmt: skip
        if case.field_office != data.field_office:
            raise OperationError(
                409, "target-not-eligible",
                f"case {case_id} belongs to {case.field_office}, not {data.field_office}",
            )  # fmt: skip
        if case.state not in TARGET_STATES:
            raise OperationError(
                409, "target-not-eligible",
                f"case {case_id} is {case.state}; an operation targets cases in "
                f"{' or '.join(sorted(TARGET_STATES))}",
            )  # fmt: skip
        if case.assigned_officer is None:
            raise OperationError(
                409, "target-not-eligible",
                f"case {case_id} has no assigned officer: a supervisor assigns it first",
            )  # fmt: skip
        if case_id in busy:
            raise OperationError(
                409, "target-in-operation",
                f"case {case_id} is already a target of operation {busy[case_id]}",
            )  # fmt: skip
        found = planning.locate(session, ctx, case.person_id)
        near = [] if found.lat is None or found.lon is None else places.near(found.lat, found.lon)
        targets.append(
            OperationTarget(
                operation_id=operation_id,
                case_id=case_id,
                person_id=case.person_id,
                status="INCLUDED",
                street=found.street,
                city=found.city,
                state=found.state,
                zip=found.zip,
                lat=found.lat,
                lon=found.lon,
                address_confidence=found.confidence,
                address_note=found.note,
                sensitive=json.dumps([n.as_dict() for n in near], sort_keys=True),
            )
        )
    return targets


def sensitive_stops(targets: list[OperationTarget]) -> dict[str, list[str]]:
    """Return case ID -> the sensitive locations its stop is near (included targets)."""
    found: dict[str, list[str]] = {}
    for target in targets:
        near = json.loads(target.sensitive)
        if near and target.status == "INCLUDED":
            found[target.case_id] = [f"{n['name']} ({n['label']}, {n['metres']} m)" for n in near]
    return found
