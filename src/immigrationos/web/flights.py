"""Removal flights in the interface: the list, a new flight, a flight's page with its
manifest, and the actions on it (fill by assignment, the manifest PDF, record it flown,
cancel it with a reason);
and the detainee locator page, answering as the public locator does.

Every read and action is the API's own (``custody.removal_flights`` behind the same doors
as ``custody.views_removal``: purpose, permission, audit); a refusal is shown in words.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, SessionDep, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.cases.flows import CaseError
from immigrationos.custody import removal_flights, views_removal
from immigrationos.custody import views as custody_views
from immigrationos.custody.schemas import FlightCreate
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.check_csrf)])
Reader = Annotated[Principal, signed_in(Permission.CUSTODY_READ)]
Locator = Annotated[Principal, signed_in(Permission.CUSTODY_LOCATE)]
Manager = Annotated[Principal, signed_in(Permission.CUSTODY_MANAGE)]
Text = Annotated[str, Query(max_length=200)]
FlightId = Annotated[str, Path(max_length=40)]
FormText = Annotated[str, Form(max_length=200)]


def _door(
    session: Session, principal: Principal, purpose: str | None, action: str, flight_id: str | None
) -> None:
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="flight", resource_id=flight_id
    )
    session.rollback()


def _refused(
    session: Session,
    principal: Principal,
    purpose: str | None,
    action: str,
    flight_id: str | None,
    error: CaseError,
) -> Problem:
    session.rollback()
    return lawful.refuse(
        session, principal, status=error.status, kind=error.kind, detail=error.detail,
        action=action, purpose=purpose, resource_type="flight", resource_id=flight_id,
        rule=error.rule,
    )  # fmt: skip


def _manifest(
    session: Session,
    engine: Any,
    principal: Principal,
    purpose: str | None,
    flight_id: str,
    action: str,
) -> dict[str, Any]:
    _door(session, principal, purpose, action, flight_id)
    try:
        return removal_flights.manifest(
            engine, principal=principal, purpose_id=purpose, flight_id=flight_id, action=action
        )
    except CaseError as exc:
        raise _refused(session, principal, purpose, action, flight_id, exc) from exc


@router.get("/flights", response_class=HTMLResponse)
def flights_list(
    request: Request, session: SessionDep, principal: Reader, purpose: Text = ""
) -> HTMLResponse:
    """Show every removal flight, the soonest first, with the seats taken."""
    purpose_id = purpose_of(request, purpose)
    action = "custody.flight.list"
    try:
        lawful.use_context(session, principal, purpose_id, action=action, resource_type="flight")
    except Problem as exc:
        return refusal(request, principal, exc, what="flight")
    found = removal_flights.list_flights(session)
    audit(
        session, principal, action, resource_type="flight", resource_id=None, purpose=purpose_id,
        details={"returned": [f.flight_id for f, _n in found]},
    )  # fmt: skip
    session.commit()
    return page(
        request,
        "flights/list.html",
        principal,
        purpose=purpose_id,
        flights=found,
        may_manage=principal.can(Permission.CUSTODY_MANAGE),
    )


@actions.post("/flights")
def create_flight(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Manager,
    destination: FormText = "",
    departs: FormText = "",
    seats: FormText = "",
    departure_site: FormText = "",
    purpose: FormText = "",
) -> Response:
    """Create a removal flight (the API's flow, audited); open its page."""
    purpose_id = purpose_of(request, purpose)
    action = "custody.flight.create"
    try:
        _door(session, principal, purpose_id, action, None)
        try:
            body = FlightCreate.model_validate(
                {"destination": destination, "departs": departs, "seats": seats,
                 "departure_site": departure_site}
            )  # fmt: skip
        except ValidationError as exc:
            fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
            raise Problem(422, "flight-invalid", f"Fill in every field ({fields}).") from exc
        try:
            flight = removal_flights.create_flight(
                engine, principal=principal, purpose_id=purpose_id, destination=body.destination,
                departs=body.departs, seats=body.seats, departure_site=body.departure_site,
            )  # fmt: skip
        except CaseError as exc:
            raise _refused(session, principal, purpose_id, action, None, exc) from exc
    except Problem as exc:
        return refusal(request, principal, exc, what="flight")
    where = f"/flights/{quote(flight.flight_id)}?purpose={quote(purpose_id or '')}"
    return RedirectResponse(where, status_code=303)


def _flight_page(
    request: Request,
    session: Session,
    engine: Any,
    principal: Principal,
    purpose_id: str | None,
    flight_id: str,
    **outcome: Any,
) -> HTMLResponse:
    found = _manifest(session, engine, principal, purpose_id, flight_id, "custody.flight.manifest")
    return page(
        request,
        "flights/flight.html",
        principal,
        purpose=purpose_id,
        flight=found,
        may_manage=principal.can(Permission.CUSTODY_MANAGE),
        **outcome,
    )


@router.get("/flights/{flight_id}", response_class=HTMLResponse)
def flight_page(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Reader,
    flight_id: FlightId,
    purpose: Text = "",
) -> HTMLResponse:
    """Show a flight and its manifest: who, case, travel document, status."""
    purpose_id = purpose_of(request, purpose)
    try:
        return _flight_page(request, session, engine, principal, purpose_id, flight_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="flight")


@router.get("/flights/{flight_id}/manifest.pdf")
def manifest_pdf(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Reader,
    flight_id: FlightId,
    purpose: Text = "",
) -> Response:
    """Download the manifest as a PDF (the API's own, audited)."""
    purpose_id = purpose_of(request, purpose)
    action = "custody.flight.manifest_pdf"
    try:
        found = _manifest(session, engine, principal, purpose_id, flight_id, action)
    except Problem as exc:
        return refusal(request, principal, exc, what="flight")
    return Response(
        removal_flights.manifest_pdf(found),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="manifest-{flight_id}.pdf"'},
    )


def _version(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise Problem(422, "version-invalid", "Reload the flight's page and try again.") from exc


@actions.post("/flights/{flight_id}/fill", response_class=HTMLResponse)
def fill_flight(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Manager,
    flight_id: FlightId,
    version: Annotated[str, Form(max_length=12)] = "",
    purpose: FormText = "",
) -> HTMLResponse:
    """Fill the flight's free seats; show who was seated and who was left out, and why."""
    purpose_id = purpose_of(request, purpose)
    action = "custody.flight.fill"
    try:
        _door(session, principal, purpose_id, action, flight_id)
        try:
            done = removal_flights.fill_flight(
                engine, principal=principal, purpose_id=purpose_id, flight_id=flight_id,
                version=_version(version),
            )  # fmt: skip
        except CaseError as exc:
            raise _refused(session, principal, purpose_id, action, flight_id, exc) from exc
        return _flight_page(
            request, session, engine, principal, purpose_id, flight_id,
            seated=[s.case_id for s in done.seated], left_out=done.left_out,
        )  # fmt: skip
    except Problem as exc:
        return refusal(request, principal, exc, what="flight")


@actions.post("/flights/{flight_id}/execute")
def execute_flight(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Manager,
    flight_id: FlightId,
    version: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    purpose: FormText = "",
) -> Response:
    """Record the flight flown (each manifested case removed or dropped), with the reason."""
    purpose_id = purpose_of(request, purpose)
    action = "custody.flight.execute"
    try:
        if not reason.strip():
            raise Problem(422, "reason-required", "Say what you record: give the reason.")
        _door(session, principal, purpose_id, action, flight_id)
        try:
            done = removal_flights.execute_flight(
                engine, principal=principal, purpose_id=purpose_id, flight_id=flight_id,
                version=_version(version),
            )  # fmt: skip
        except CaseError as exc:
            raise _refused(session, principal, purpose_id, action, flight_id, exc) from exc
    except Problem as exc:
        return refusal(request, principal, exc, what="flight")
    # The flow records no reason; the recorder's words are kept beside its own event.
    audit(
        session, principal, "custody.flight.execute_reason", resource_type="flight",
        resource_id=flight_id, purpose=purpose_id,
        details={"reason": reason.strip(), "removed": done.removed,
                 "dropped": [x.case_id for x in done.dropped],
                 "at": dt.datetime.now(dt.UTC).isoformat()},
    )  # fmt: skip
    session.commit()
    where = f"/flights/{quote(flight_id)}?purpose={quote(purpose_id or '')}&executed=1"
    return RedirectResponse(where, status_code=303)


@actions.post("/flights/{flight_id}/cancel")
def cancel_flight(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Manager,
    flight_id: FlightId,
    version: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    purpose: FormText = "",
) -> Response:
    """Cancel a PLANNED flight with the reason (the API's own): seats released, manifest void."""
    purpose_id = purpose_of(request, purpose)
    try:
        if not reason.strip():
            raise Problem(422, "reason-required", "Say why the flight is cancelled.")
        body = views_removal.FlightCancel(version=_version(version), reason=reason.strip())
        views_removal.cancel_flight(flight_id, body, session, engine, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="flight")
    where = f"/flights/{quote(flight_id)}?purpose={quote(purpose_id or '')}&cancelled=1"
    return RedirectResponse(where, status_code=303)


@router.get("/custody/locator", response_class=HTMLResponse)
def locator_page(
    request: Request,
    session: SessionDep,
    principal: Locator,
    a_number: Annotated[str, Query(max_length=12)] = "",
    country_of_birth: Annotated[str, Query(max_length=3)] = "",
    purpose: Text = "",
) -> HTMLResponse:
    """Ask where a detainee is held by A-number and country of birth (the API's locator)."""
    purpose_id = purpose_of(request, purpose)
    answer = None
    error = None
    if a_number or country_of_birth:
        if len(a_number.strip()) < 8 or len(country_of_birth.strip()) != 3:
            error = "Give both: the A-number (A and 8 or 9 digits) and the country of birth "
            error += "(three letters, e.g. GTM)."
        else:
            try:
                answer = custody_views.locate(
                    session, principal, a_number.strip(), country_of_birth.strip(), purpose_id
                )
            except Problem as exc:
                return refusal(request, principal, exc, what="detainee")
    return page(
        request,
        "flights/locator.html",
        principal,
        status=422 if error else 200,
        purpose=purpose_id,
        a_number=a_number,
        country_of_birth=country_of_birth,
        answer=answer,
        error=error,
    )
