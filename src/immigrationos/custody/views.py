"""Custody over HTTP: deadlines and alerts, bookings, custody reviews, removal eligibility
and facts, detentions, the detainee locator and the self-departure counts (travel
documents, removal flights, counsel notices and collateral arrests: ``views_removal.py``,
included here)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, PurposeHeader, SessionDep, audit, require
from immigrationos.apikit.problems import responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.cases import access as cases_access
from immigrationos.cases.flows import CaseError
from immigrationos.custody import access as custody_access
from immigrationos.custody import booking as custody_booking
from immigrationos.custody import deadlines as custody_deadlines
from immigrationos.custody import departure, locator, views_removal
from immigrationos.custody import flows as custody_flows
from immigrationos.custody.access import CaseIdPath
from immigrationos.custody.schemas import (
    BookingComplete,
    BookingOutcomeRead,
    BookingRead,
    CustodyReviewCreate,
    CustodyReviewRead,
    DeadlineList,
    DeadlineRead,
    DetentionCreate,
    DetentionRead,
    EligibilityRead,
    LocatorRead,
    RemovalFactCreate,
    RemovalFactRead,
    SelfDepartureCounts,
    SelfDepartureWeek,
)

router = APIRouter(prefix="/custody", tags=["custody"])
# The routes of views_removal.py join this router as they are: FastAPI 0.165 includes a
# router lazily, which hides its routes from ``router.routes`` (and so from
# ``api.iter_routes``, the permission matrix and the audit completeness tests).
router.routes.extend(views_removal.router.routes)


def _offices(principal: Principal) -> frozenset[str] | None:
    area = principal.area()
    return None if area is None else frozenset(area)


@router.get(
    "/deadlines",
    response_model=DeadlineList,
    summary="Deadlines overdue or due in the caller's field offices (the alerts)",
    responses=responses(401, 403, 428),
)
def deadlines_due(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
    include_upcoming: Annotated[
        bool, Query(description="Also the open deadlines not yet due.")
    ] = False,
) -> DeadlineList:
    """Return the custody deadlines of the caller's offices that are overdue or due, soonest first."""
    lawful.use_context(session, principal, purpose, action="custody.deadlines")
    now = custody_flows.now_utc()
    offices = _offices(principal)
    found = custody_deadlines.deadlines_due(
        session, offices, now, include_upcoming=include_upcoming
    )
    audit(
        session, principal, "custody.deadlines", resource_type="case", purpose=purpose,
        details={"field_offices": None if offices is None else sorted(offices),
                 "returned": [d.case_id for d in found]},
    )  # fmt: skip
    session.commit()
    return DeadlineList(
        now=now,
        field_offices=None if offices is None else sorted(offices),
        items=[DeadlineRead.of(d) for d in found],
    )


@router.get(
    "/cases/{case_id}/deadlines",
    response_model=DeadlineList,
    summary="Every deadline of a case, met or not, with its alert",
    responses=responses(401, 403, 404, 428),
)
def case_deadlines(
    case_id: CaseIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> DeadlineList:
    """Return the case's deadlines by due time."""
    custody_access.visible_case(session, principal, purpose, case_id, "custody.case_deadlines")
    now = custody_flows.now_utc()
    found = custody_deadlines.deadlines_of_case(session, case_id, now)
    audit(
        session, principal, "custody.case_deadlines", resource_type="case",
        resource_id=case_id, purpose=purpose, details={"deadlines": len(found)},
    )  # fmt: skip
    session.commit()
    return DeadlineList(now=now, items=[DeadlineRead.of(d) for d in found])


@router.post(
    "/cases/{case_id}/custody-reviews",
    response_model=CustodyReviewRead,
    status_code=201,
    summary="Record a post-order custody review (8 CFR 241.4(k))",
    responses=responses(401, 403, 404, 409, 422, 428),
)
def custody_review(
    case_id: CaseIdPath,
    body: CustodyReviewCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_MANAGE)],
    purpose: PurposeHeader = None,
) -> CustodyReviewRead:
    """Meet the open custody review; while detention continues, the next one starts."""
    action = "custody.review"
    custody_access.prepare(session, principal, purpose, action, case_id)
    try:
        done = custody_flows.record_custody_review(
            engine, principal=principal, purpose_id=purpose, case_id=case_id,
            continue_detention=body.continue_detention, reason=body.reason,
        )  # fmt: skip
    except CaseError as exc:
        raise cases_access.refuse(session, principal, purpose, action, case_id, exc) from exc
    return CustodyReviewRead(
        met=DeadlineRead.of(done.met),
        next=None if done.following is None else DeadlineRead.of(done.following),
    )


@router.get(
    "/cases/{case_id}/removal-eligibility",
    response_model=EligibilityRead,
    summary="Whether the case's person may be removed now, and on what basis",
    responses=responses(401, 403, 404, 428),
)
def removal_eligibility(
    case_id: CaseIdPath,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> EligibilityRead:
    """Return the basis for removal (final order, reinstatement, expedited) or why there is none."""
    action = "custody.removal_eligibility"
    custody_access.prepare(session, principal, purpose, action, case_id)
    try:
        found = custody_flows.removal_eligibility(
            engine, principal=principal, purpose_id=purpose, case_id=case_id
        )
    except CaseError as exc:
        raise cases_access.refuse(session, principal, purpose, action, case_id, exc) from exc
    return EligibilityRead.of(case_id, found)


@router.post(
    "/cases/{case_id}/removal-facts",
    response_model=RemovalFactRead,
    status_code=201,
    summary="Record an appeal waiver, a motion to reopen or a stay of removal",
    responses=responses(401, 403, 404, 409, 422, 428),
)
def removal_fact(
    case_id: CaseIdPath,
    body: RemovalFactCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_REMOVAL_FACTS)],
    purpose: PurposeHeader = None,
) -> RemovalFactRead:
    """Record a legal fact that decides whether removal may go ahead."""
    action = "custody.removal_fact"
    custody_access.prepare(session, principal, purpose, action, case_id)
    try:
        fact = custody_flows.record_removal_fact(
            engine, principal=principal, purpose_id=purpose, case_id=case_id,
            kind=body.kind, day=body.day, reason=body.reason,
        )  # fmt: skip
    except CaseError as exc:
        raise cases_access.refuse(session, principal, purpose, action, case_id, exc) from exc
    return RemovalFactRead.of(fact)


@router.post(
    "/cases/{case_id}/booking",
    response_model=BookingRead,
    status_code=201,
    summary="Open the booking record of an arrested person (like Form I-213)",
    responses=responses(401, 403, 404, 409, 428),
)
def open_booking(
    case_id: CaseIdPath,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_BOOK)],
    purpose: PurposeHeader = None,
) -> BookingRead:
    """Create the booking of a case at arrest: biographics and charges prefilled."""
    action = "custody.booking.create"
    custody_access.prepare(session, principal, purpose, action, case_id)
    try:
        booking = custody_booking.open_booking(
            engine, principal=principal, purpose_id=purpose, case_id=case_id
        )
    except CaseError as exc:
        raise cases_access.refuse(session, principal, purpose, action, case_id, exc) from exc
    return BookingRead.of(booking)


@router.get(
    "/cases/{case_id}/booking",
    response_model=BookingRead,
    summary="The booking record of a case",
    responses=responses(401, 403, 404, 428),
)
def read_booking(
    case_id: CaseIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> BookingRead:
    """Return the case's booking."""
    action = "custody.booking.read"
    custody_access.visible_case(session, principal, purpose, case_id, action)
    booking = custody_booking.booking_of_case(session, case_id)
    if booking is None:
        error = CaseError(404, "booking-not-found", f"case {case_id} has no booking")
        raise cases_access.refuse(session, principal, purpose, action, case_id, error)
    audit(
        session, principal, action, resource_type="booking", resource_id=booking.booking_id,
        purpose=purpose, details={"case_id": case_id, "person_id": booking.person_id},
    )  # fmt: skip
    session.commit()
    return BookingRead.of(booking)


@router.post(
    "/cases/{case_id}/booking/complete",
    response_model=BookingOutcomeRead,
    summary="Complete a booking: identity and citizenship asked again (halts on a claim)",
    responses=responses(401, 403, 404, 409, 422, 428),
)
def complete_booking(
    case_id: CaseIdPath,
    body: BookingComplete,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_BOOK)],
    purpose: PurposeHeader = None,
) -> BookingOutcomeRead:
    """Complete the booking; a citizenship claim or indicator halts it for review."""
    action = "custody.booking.complete"
    custody_access.prepare(session, principal, purpose, action, case_id)
    data = custody_booking.BookingCompletion(
        encounter=body.encounter,
        identity_confirmed=body.identity_confirmed,
        identity_method=body.identity_method,
        citizenship_claim=body.citizenship_claim,
        citizenship_statement=body.citizenship_statement,
        parent_or_guardian=body.parent_or_guardian,
        minor_children=[c.model_dump() for c in body.minor_children],
        property_items=body.property_items,
        health=body.health,
        counsel=None if body.counsel is None else body.counsel.model_dump(),
        charges=None if body.charges is None else [c.model_dump() for c in body.charges],
        country_of_birth=body.country_of_birth,
        a_number=body.a_number,
    )
    try:
        done = custody_booking.complete_booking(
            engine, principal=principal, purpose_id=purpose, case_id=case_id, data=data
        )
    except CaseError as exc:
        raise cases_access.refuse(session, principal, purpose, action, case_id, exc) from exc
    return BookingOutcomeRead(
        booking=BookingRead.of(done.booking),
        case_state=done.case_state,
        halted=done.halted,
        detail=done.detail,
    )


@router.post(
    "/cases/{case_id}/detention",
    response_model=DetentionRead,
    status_code=201,
    summary="Record the facility a detained person is held in (a transfer ends the last stay)",
    responses=responses(401, 403, 404, 409, 422, 428),
)
def record_detention(
    case_id: CaseIdPath,
    body: DetentionCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_MANAGE)],
    purpose: PurposeHeader = None,
) -> DetentionRead:
    """Record where the person is held; the locator answers with it."""
    action = "custody.detention"
    custody_access.prepare(session, principal, purpose, action, case_id)
    try:
        stay = custody_flows.record_detention(
            engine, principal=principal, purpose_id=purpose, case_id=case_id,
            facility_name=body.facility_name, facility_address=body.facility_address,
            facility_phone=body.facility_phone, facility_code=body.facility_code,
        )  # fmt: skip
    except CaseError as exc:
        raise cases_access.refuse(session, principal, purpose, action, case_id, exc) from exc
    return DetentionRead.of(stay)


@router.get(
    "/locator",
    response_model=LocatorRead,
    summary="Detainee locator: by A-number and country of birth, both required",
    responses=responses(401, 403, 422, 428),
)
def locate(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_LOCATE)],
    a_number: Annotated[str, Query(min_length=8, max_length=12, description="A and 8-9 digits.")],
    country_of_birth: Annotated[
        str, Query(min_length=3, max_length=3, description="ISO 3166-1 alpha-3.")
    ],
    purpose: PurposeHeader = None,
) -> LocatorRead:
    """Answer as ICE's public locator does: the facility, not in custody, or no match."""
    lawful.use_context(session, principal, purpose, action="custody.locate")
    found = locator.locate(session, a_number, country_of_birth)
    audit(
        session, principal, "custody.locate", resource_type="case", resource_id=found.case_id,
        purpose=purpose,
        details={"a_number": a_number, "country_of_birth": country_of_birth,
                 "answer": found.status},
    )  # fmt: skip
    session.commit()
    return LocatorRead(
        status=found.status,
        facility_name=found.facility_name,
        facility_address=found.facility_address,
        facility_phone=found.facility_phone,
        message=found.message,
    )


@router.get(
    "/self-departures",
    response_model=SelfDepartureCounts,
    summary="Self-departures by field office and ISO week (counts only)",
    responses=responses(401, 403),
)
def self_departures(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.DEPARTURES_READ)],
    since: Annotated[dt.date | None, Query(description="Only from this day on.")] = None,
) -> SelfDepartureCounts:
    """Return the dashboard's self-departure counts of the caller's offices."""
    offices = _offices(principal)
    start = None if since is None else dt.datetime.combine(since, dt.time(), dt.UTC)
    weeks = departure.self_departures_by_week(session, offices, start)
    audit(
        session, principal, "custody.self_departures", resource_type="case",
        details={"field_offices": None if offices is None else sorted(offices),
                 "weeks": len(weeks)},
    )  # fmt: skip
    session.commit()
    return SelfDepartureCounts(
        field_offices=None if offices is None else sorted(offices),
        weeks=[SelfDepartureWeek(**w.__dict__) for w in weeks],
    )
