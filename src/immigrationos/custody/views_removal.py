"""Custody over HTTP, removal side: travel documents, removal flights with their manifests,
notices to counsel of transfers and collateral arrests (joined to ``views.router``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, PurposeHeader, SessionDep, audit, require
from immigrationos.apikit.problems import responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.cases import access as cases_access
from immigrationos.cases.flows import CaseError
from immigrationos.custody import access as custody_access
from immigrationos.custody import collateral, removal_flights, travel_documents
from immigrationos.custody import flows as custody_flows
from immigrationos.custody.access import CaseIdPath
from immigrationos.custody.schemas import (
    CollateralCreate,
    CollateralRead,
    CounselNoticeList,
    CounselNoticeRead,
    FlightCreate,
    FlightExecutionRead,
    FlightFillRead,
    FlightList,
    FlightRead,
    FlightVersion,
    LeftOutRead,
    ManifestRead,
    TravelDocumentRead,
    TravelDocumentWrite,
)

# ``views.router`` takes these routes as they are (paths and tags included).
router = APIRouter(prefix="/custody", tags=["custody"])


@router.post(
    "/cases/{case_id}/travel-document",
    response_model=TravelDocumentRead,
    summary="Record the status of a case's travel document (requested, issued, refused)",
    responses=responses(401, 403, 404, 409, 422, 428),
)
def record_travel_document(
    case_id: CaseIdPath,
    body: TravelDocumentWrite,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_MANAGE)],
    purpose: PurposeHeader = None,
) -> TravelDocumentRead:
    """Move the travel document to its new status, at the version seen."""
    action = "custody.travel_document"
    custody_access.prepare(session, principal, purpose, action, case_id)
    change = travel_documents.TravelDocumentChange(**body.model_dump(exclude={"version"}))
    try:
        doc = travel_documents.record(
            engine, principal=principal, purpose_id=purpose, case_id=case_id, change=change,
            version=body.version,
        )  # fmt: skip
    except CaseError as exc:
        raise cases_access.refuse(session, principal, purpose, action, case_id, exc) from exc
    return TravelDocumentRead.of(doc)


@router.get(
    "/cases/{case_id}/travel-document",
    response_model=TravelDocumentRead,
    summary="The travel document of a case",
    responses=responses(401, 403, 404, 428),
)
def read_travel_document(
    case_id: CaseIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> TravelDocumentRead:
    """Return the case's travel document."""
    action = "custody.travel_document.read"
    custody_access.visible_case(session, principal, purpose, case_id, action)
    doc = travel_documents.of_case(session, case_id)
    if doc is None:
        error = CaseError(404, "travel-document-not-found", f"case {case_id} has none recorded")
        raise cases_access.refuse(session, principal, purpose, action, case_id, error)
    audit(
        session, principal, action, resource_type="case", resource_id=case_id, purpose=purpose,
        details={"status": doc.status, "country": doc.country},
    )  # fmt: skip
    session.commit()
    return TravelDocumentRead.of(doc)


@router.get(
    "/cases/{case_id}/counsel-notices",
    response_model=CounselNoticeList,
    summary="The notices to counsel of record (G-28) of the person's transfers",
    responses=responses(401, 403, 404, 428),
)
def counsel_notices(
    case_id: CaseIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> CounselNoticeList:
    """Return the notices to counsel recorded on a case (recorded, never sent)."""
    action = "custody.counsel_notices"
    custody_access.visible_case(session, principal, purpose, case_id, action)
    found = custody_flows.counsel_notices(session, case_id)
    audit(
        session, principal, action, resource_type="case", resource_id=case_id, purpose=purpose,
        details={"returned": [n.id for n in found]},
    )  # fmt: skip
    session.commit()
    return CounselNoticeList(case_id=case_id, notices=[CounselNoticeRead.of(n) for n in found])


class FlightCancel(BaseModel):
    """A supervisor's cancellation of a PLANNED flight: the version seen and why."""

    model_config = ConfigDict(extra="forbid")

    version: int
    reason: str = Field(min_length=1, max_length=4000, description="Why (required, audited).")


class FlightCancellationRead(BaseModel):
    """What cancelling a flight did: the flight, the cases released to the removal queue."""

    flight: FlightRead
    released: list[str]
    reason: str
    cancelled_by: str
    cancelled_at: dt.datetime
    manifest: str = Field(default="void", description="The manifest is void.")


class CancelledManifestRead(ManifestRead):
    """A flight's manifest, and whether it is void (the flight cancelled) and why."""

    void: bool = False
    cancelled_by: str | None = None
    cancelled_at: dt.datetime | None = None
    cancel_reason: str | None = None


FlightIdPath = Annotated[
    str, Path(min_length=1, max_length=40, description="A flight ID: F and ten characters.")
]


def _flight_refused(
    session: Session,
    principal: Principal,
    purpose: str | None,
    action: str,
    flight_id: str | None,
    error: CaseError,
) -> Exception:
    session.rollback()
    return lawful.refuse(
        session, principal, status=error.status, kind=error.kind, detail=error.detail,
        action=action, purpose=purpose, resource_type="flight", resource_id=flight_id,
        rule=error.rule,
    )  # fmt: skip


def _flight_door(
    session: Session, principal: Principal, purpose: str | None, action: str, flight_id: str | None
) -> None:
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="flight", resource_id=flight_id
    )
    session.rollback()


@router.post(
    "/flights",
    response_model=FlightRead,
    status_code=201,
    summary="Create a removal flight (destination country, date, seats, departure site)",
    responses=responses(401, 403, 422, 428),
)
def create_flight(
    body: FlightCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_MANAGE)],
    purpose: PurposeHeader = None,
) -> FlightRead:
    """Create a removal flight to fill by assignment."""
    action = "custody.flight.create"
    _flight_door(session, principal, purpose, action, None)
    try:
        flight = removal_flights.create_flight(
            engine, principal=principal, purpose_id=purpose, destination=body.destination,
            departs=body.departs, seats=body.seats, departure_site=body.departure_site,
        )  # fmt: skip
    except CaseError as exc:
        raise _flight_refused(session, principal, purpose, action, None, exc) from exc
    return FlightRead.of(flight)


@router.get(
    "/flights",
    response_model=FlightList,
    summary="Removal flights, soonest first, with the seats taken",
    responses=responses(401, 403, 428),
)
def list_flights(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> FlightList:
    """Return every removal flight."""
    action = "custody.flight.list"
    lawful.use_context(session, principal, purpose, action=action, resource_type="flight")
    found = removal_flights.list_flights(session)
    audit(
        session, principal, action, resource_type="flight", resource_id=None, purpose=purpose,
        details={"returned": [f.flight_id for f, _n in found]},
    )  # fmt: skip
    session.commit()
    return FlightList(flights=[FlightRead.of(f, n) for f, n in found])


@router.post(
    "/flights/{flight_id}/fill",
    response_model=FlightFillRead,
    summary="Fill a flight's free seats with eligible cases, scheduling their removal",
    responses=responses(401, 403, 404, 409, 428),
)
def fill_flight(
    flight_id: FlightIdPath,
    body: FlightVersion,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_MANAGE)],
    purpose: PurposeHeader = None,
) -> FlightFillRead:
    """Assign seats at the flight's version seen; report each case left out with why."""
    action = "custody.flight.fill"
    _flight_door(session, principal, purpose, action, flight_id)
    try:
        done = removal_flights.fill_flight(
            engine, principal=principal, purpose_id=purpose, flight_id=flight_id,
            version=body.version,
        )  # fmt: skip
    except CaseError as exc:
        raise _flight_refused(session, principal, purpose, action, flight_id, exc) from exc
    return FlightFillRead(
        flight=FlightRead.of(done.flight, len(done.seated)),
        seated=[s.case_id for s in done.seated],
        left_out=[LeftOutRead(case_id=x.case_id, reason=x.reason) for x in done.left_out],
    )


@router.post(
    "/flights/{flight_id}/execute",
    response_model=FlightExecutionRead,
    summary="Record the flight flown: each manifested case removed (closed) or dropped",
    responses=responses(401, 403, 404, 409, 428),
)
def execute_flight(
    flight_id: FlightIdPath,
    body: FlightVersion,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_MANAGE)],
    purpose: PurposeHeader = None,
) -> FlightExecutionRead:
    """Move each manifested case through record_removal, at the flight's version seen."""
    action = "custody.flight.execute"
    _flight_door(session, principal, purpose, action, flight_id)
    try:
        done = removal_flights.execute_flight(
            engine, principal=principal, purpose_id=purpose, flight_id=flight_id,
            version=body.version,
        )  # fmt: skip
    except CaseError as exc:
        raise _flight_refused(session, principal, purpose, action, flight_id, exc) from exc
    return FlightExecutionRead(
        flight=FlightRead.of(done.flight, len(done.removed)),
        removed=done.removed,
        dropped=[LeftOutRead(case_id=x.case_id, reason=x.reason) for x in done.dropped],
    )


@router.post(
    "/flights/{flight_id}/cancel",
    response_model=FlightCancellationRead,
    summary="Cancel a PLANNED flight (a supervisor, with a reason): seats released, manifest void",
    responses=responses(401, 403, 404, 409, 422, 428),
)
def cancel_flight(
    flight_id: FlightIdPath,
    body: FlightCancel,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_MANAGE)],
    purpose: PurposeHeader = None,
) -> FlightCancellationRead:
    """Release every seat to the removal queue at the flight's version seen; void the manifest."""
    action = "custody.flight.cancel"
    _flight_door(session, principal, purpose, action, flight_id)
    try:
        done = removal_flights.cancel_flight(
            engine, principal=principal, purpose_id=purpose, flight_id=flight_id,
            version=body.version, reason=body.reason,
        )  # fmt: skip
    except CaseError as exc:
        raise _flight_refused(session, principal, purpose, action, flight_id, exc) from exc
    flight = done.flight
    assert flight.cancelled_by is not None and flight.cancelled_at is not None
    return FlightCancellationRead(
        flight=FlightRead.of(flight), released=done.released, reason=flight.cancel_reason or "",
        cancelled_by=flight.cancelled_by, cancelled_at=flight.cancelled_at,
    )  # fmt: skip


def _manifest(
    session: Session,
    engine: EngineDep,
    principal: Principal,
    purpose: str | None,
    flight_id: str,
    action: str,
) -> dict[str, object]:
    _flight_door(session, principal, purpose, action, flight_id)
    try:
        return removal_flights.manifest(
            engine, principal=principal, purpose_id=purpose, flight_id=flight_id, action=action
        )
    except CaseError as exc:
        raise _flight_refused(session, principal, purpose, action, flight_id, exc) from exc


@router.get(
    "/flights/{flight_id}/manifest",
    response_model=CancelledManifestRead,
    summary="A flight's manifest: its passengers in order, with their travel documents",
    responses=responses(401, 403, 404, 428),
)
def flight_manifest(
    flight_id: FlightIdPath,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> CancelledManifestRead:
    """Return the manifest as JSON (void when the flight was cancelled)."""
    found = _manifest(session, engine, principal, purpose, flight_id, "custody.flight.manifest")
    return CancelledManifestRead.model_validate(found)


@router.get(
    "/flights/{flight_id}/manifest.pdf",
    summary="A flight's manifest as a PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **responses(401, 403, 404, 428)},
)
def flight_manifest_pdf(
    flight_id: FlightIdPath,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_READ)],
    purpose: PurposeHeader = None,
) -> Response:
    """Return the manifest as a PDF."""
    found = _manifest(session, engine, principal, purpose, flight_id, "custody.flight.manifest_pdf")
    return Response(
        removal_flights.manifest_pdf(found),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="manifest-{flight_id}.pdf"'},
    )


@router.post(
    "/collateral",
    response_model=CollateralRead,
    status_code=201,
    summary="Check a person encountered who was not a target, as a new lead, before booking",
    responses=responses(401, 403, 422, 428),
)
def record_collateral(
    body: CollateralCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.CUSTODY_BOOK)],
    purpose: PurposeHeader = None,
) -> CollateralRead:
    """Run identity, citizenship and the safeguards; a claim or indicator halts it."""
    action = "custody.collateral"
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="person",
        resource_id=body.person_id,
    )  # fmt: skip
    session.rollback()
    try:
        row = collateral.record_collateral(
            engine, principal=principal, purpose_id=purpose,
            data=collateral.CollateralReport(**body.model_dump()),
        )  # fmt: skip
    except CaseError as exc:
        session.rollback()
        raise lawful.refuse(
            session, principal, status=exc.status, kind=exc.kind, detail=exc.detail,
            action=action, purpose=purpose, resource_type="person", resource_id=body.person_id,
            rule=exc.rule,
        ) from exc  # fmt: skip
    return CollateralRead.of(row)
