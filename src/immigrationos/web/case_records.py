"""A case's documents and custody in the interface: generate a draft, sign it, download
its PDF, record its service; open and complete the booking, record the detention facility and a custody
review; and the custody deadlines of the user's area.

Each action calls the API view's own function (``documents.views``, ``custody.views``),
which checks the purpose at the door and calls the flow: the same permissions, area,
safeguards, audit events and refusals as the JSON API. A refusal is shown in words.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from immigrationos.apikit.deps import EngineDep, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.custody import views as custody_views
from immigrationos.custody.schemas import (
    BookingComplete,
    CustodyReviewCreate,
    DetentionCreate,
    RemovalFactCreate,
)
from immigrationos.documents import views as documents_views
from immigrationos.documents.schemas import DocumentCreate, ServiceCreate
from immigrationos.web import session as web_session
from immigrationos.web.cases import case_url
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.check_csrf)])
DocReader = Annotated[Principal, signed_in(Permission.DOCUMENTS_READ)]
Generator = Annotated[Principal, signed_in(Permission.DOCUMENTS_GENERATE)]
Signer = Annotated[Principal, signed_in(Permission.DOCUMENTS_SIGN)]
CustodyReader = Annotated[Principal, signed_in(Permission.CUSTODY_READ)]
Booker = Annotated[Principal, signed_in(Permission.CUSTODY_BOOK)]
Manager = Annotated[Principal, signed_in(Permission.CUSTODY_MANAGE)]
Lawyer = Annotated[Principal, signed_in(Permission.CUSTODY_REMOVAL_FACTS)]
CaseId = Annotated[str, Path(max_length=40)]
DocumentId = Annotated[str, Path(max_length=40)]
Long = Annotated[str, Form(max_length=8000)]
Short = Annotated[str, Form(max_length=400)]
Flag = Annotated[str, Form(max_length=8)]
Many = Annotated[list[str], Form()]


def _invalid(exc: ValidationError, what: str) -> Problem:
    fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors()}))
    return Problem(422, "form-invalid", f"{what}: fill in or correct {fields}.")


M = TypeVar("M", bound=BaseModel)


def _model(model: type[M], values: dict[str, Any], what: str) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _invalid(exc, what) from exc


def _yes(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


# Documents.


@actions.post("/cases/{case_id}/documents")
def generate(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Generator,
    case_id: CaseId,
    form: Annotated[str, Form(max_length=12)] = "",
    charges: Many = [],  # noqa: B006  (FastAPI reads the default, never mutates it)
    narrative: Long = "",
    custody_determination: Short = "",
    bond_amount: Short = "",
    immigration_court: Short = "",
    hearing_date: Short = "",
    detaining_agency: Short = "",
    removal_country: Short = "",
    purpose: Short = "",
) -> Response:
    """Generate a DRAFT of a form for the case from the entries given (the documents API)."""
    purpose_id = purpose_of(request, purpose)
    entries = {
        "charges": [c for c in charges if c],
        "narrative": narrative.strip() or None,
        "custody_determination": custody_determination or None,
        "bond_amount": bond_amount.strip() or None,
        "immigration_court": immigration_court.strip() or None,
        "hearing_date": hearing_date.strip() or None,
        "detaining_agency": detaining_agency.strip() or None,
        "removal_country": removal_country.strip() or None,
    }
    try:
        body = _model(DocumentCreate, {"form": form, "entries": entries}, "The document")
        made = documents_views.generate_for_case(
            case_id, body, session, engine, principal, purpose_id
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    return RedirectResponse(case_url(case_id, purpose_id, f"drafted {made.number}"), 303)


@actions.post("/documents/{document_id}/sign")
def sign(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Signer,
    document_id: DocumentId,
    purpose: Short = "",
) -> Response:
    """Sign a DRAFT as a role the form names (the documents API); back to its case."""
    purpose_id = purpose_of(request, purpose)
    try:
        signed = documents_views.sign(document_id, session, engine, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="document")
    return RedirectResponse(case_url(signed.case_id, purpose_id, f"signed {signed.number}"), 303)


def _utc_entry(value: str) -> str | None:
    """Return a ``datetime-local`` entry as UTC (the form says the time is UTC)."""
    text = value.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text  # the schema names the field it cannot read
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).isoformat()


@actions.post("/documents/{document_id}/service")
def record_service(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Generator,
    document_id: DocumentId,
    method: Short = "",
    outcome: Short = "SERVED",
    served_at: Short = "",
    recipient: Short = "",
    address: Short = "",
    tracking_number: Short = "",
    reason: Long = "",
    certificate: Long = "",
    purpose: Short = "",
) -> Response:
    """Record how, when and on whom a signed document was served (the documents API)."""
    purpose_id = purpose_of(request, purpose)
    values = {
        "method": method, "outcome": outcome or "SERVED", "served_at": _utc_entry(served_at),
        "recipient": recipient.strip(), "address": address.strip() or None,
        "tracking_number": tracking_number.strip() or None, "reason": reason.strip() or None,
        "certificate": certificate.strip() or None,
    }  # fmt: skip
    try:
        body = _model(ServiceCreate, values, "The service")
        done = documents_views.record_service(
            document_id, body, session, engine, principal, purpose_id
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="document")
    # The service history on the case page shows what was recorded.
    return RedirectResponse(case_url(done.service.case_id, purpose_id), 303)


@router.get("/documents/{document_id}/pdf")
def download(
    request: Request,
    session: SessionDep,
    principal: DocReader,
    document_id: DocumentId,
    purpose: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Stream the stored PDF through the documents API's download (audited)."""
    purpose_id = purpose_of(request, purpose)
    try:
        answer = documents_views.download(document_id, session, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="document")
    answer.headers["Cache-Control"] = "no-store"
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer


# Custody.


@actions.post("/cases/{case_id}/booking")
def open_booking(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Booker,
    case_id: CaseId,
    purpose: Short = "",
) -> Response:
    """Open the case's booking record, prefilled from the records (the custody API)."""
    purpose_id = purpose_of(request, purpose)
    try:
        custody_views.open_booking(case_id, session, engine, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    return RedirectResponse(case_url(case_id, purpose_id, "booking opened"), 303)


def _children(names: list[str], ages: list[str], arrangements: list[str]) -> list[dict[str, Any]]:
    found = []
    for i, arrangement in enumerate(arrangements):
        name = names[i].strip() if i < len(names) else ""
        age = ages[i].strip() if i < len(ages) else ""
        if not (name or age or arrangement.strip()):
            continue
        found.append({"name": name or None, "age": age or None, "arrangement": arrangement})
    return found


@actions.post("/cases/{case_id}/booking/complete")
def complete_booking(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Booker,
    case_id: CaseId,
    encounter: Long = "",
    identity_confirmed: Flag = "",
    identity_method: Long = "",
    citizenship_claim: Flag = "",
    citizenship_statement: Long = "",
    parent_or_guardian: Flag = "",
    child_name: Many = [],  # noqa: B006
    child_age: Many = [],  # noqa: B006
    child_arrangement: Many = [],  # noqa: B006
    medical_needs: Long = "",
    counsel_name: Short = "",
    counsel_phone: Short = "",
    counsel_address: Short = "",
    purpose: Short = "",
) -> Response:
    """Complete the booking: identity and citizenship asked again; a claim halts the case."""
    purpose_id = purpose_of(request, purpose)
    counsel = None
    if counsel_name.strip() or counsel_phone.strip() or counsel_address.strip():
        counsel = {"name": counsel_name, "phone": counsel_phone.strip() or None,
                   "address": counsel_address.strip() or None}  # fmt: skip
    needs = [line.strip() for line in medical_needs.splitlines() if line.strip()]
    values = {
        "encounter": encounter,
        "identity_confirmed": _yes(identity_confirmed),
        "identity_method": identity_method,
        "citizenship_claim": _yes(citizenship_claim),
        "citizenship_statement": citizenship_statement.strip() or None,
        "parent_or_guardian": bool(_yes(parent_or_guardian)),
        "minor_children": _children(child_name, child_age, child_arrangement),
        "health": {"medical_needs": needs} if needs else {},
        "counsel": counsel,
    }
    try:
        body = _model(BookingComplete, values, "The booking")
        done = custody_views.complete_booking(case_id, body, session, engine, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    # The halt's detail is on the case's timeline; the note only says what happened.
    note = "booking halted" if done.halted else "booking completed"
    return RedirectResponse(case_url(case_id, purpose_id, note), 303)


@actions.post("/cases/{case_id}/detention")
def record_detention(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Manager,
    case_id: CaseId,
    facility_name: Short = "",
    facility_address: Short = "",
    facility_phone: Short = "",
    facility_code: Short = "",
    purpose: Short = "",
) -> Response:
    """Record the facility the person is held in (the custody API; the locator answers)."""
    purpose_id = purpose_of(request, purpose)
    values = {
        "facility_name": facility_name.strip(),
        "facility_address": facility_address.strip(),
        "facility_phone": facility_phone.strip() or None,
        "facility_code": facility_code.strip() or None,
    }
    try:
        body = _model(DetentionCreate, values, "The detention")
        custody_views.record_detention(case_id, body, session, engine, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    return RedirectResponse(case_url(case_id, purpose_id, "detention recorded"), 303)


@actions.post("/cases/{case_id}/custody-review")
def custody_review(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Manager,
    case_id: CaseId,
    continue_detention: Flag = "",
    reason: Long = "",
    purpose: Short = "",
) -> Response:
    """Record a post-order custody review (8 CFR 241.4(k)) with its reason."""
    purpose_id = purpose_of(request, purpose)
    values = {"continue_detention": _yes(continue_detention), "reason": reason.strip()}
    try:
        body = _model(CustodyReviewCreate, values, "The custody review")
        custody_views.custody_review(case_id, body, session, engine, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    return RedirectResponse(case_url(case_id, purpose_id, "custody review recorded"), 303)


@actions.post("/cases/{case_id}/removal-facts")
def removal_fact(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Lawyer,
    case_id: CaseId,
    kind: Short = "",
    day: Short = "",
    reason: Long = "",
    purpose: Short = "",
) -> Response:
    """Record an appeal waiver, a motion to reopen or a stay (the custody API)."""
    purpose_id = purpose_of(request, purpose)
    values = {"kind": kind, "day": day.strip() or None, "reason": reason.strip()}
    try:
        body = _model(RemovalFactCreate, values, "The removal fact")
        custody_views.removal_fact(case_id, body, session, engine, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    return RedirectResponse(case_url(case_id, purpose_id, "removal fact recorded"), 303)


@router.get("/custody/deadlines", response_class=HTMLResponse)
def deadlines(
    request: Request,
    session: SessionDep,
    principal: CustodyReader,
    purpose: Annotated[str, Query(max_length=200)] = "",
    upcoming: Annotated[str, Query(max_length=8)] = "",
) -> HTMLResponse:
    """Show the overdue and due custody deadlines of the user's area, soonest first."""
    purpose_id = purpose_of(request, purpose)
    try:
        found = custody_views.deadlines_due(
            session, principal, purpose_id, include_upcoming=bool(upcoming)
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="deadline")
    return page(
        request,
        "cases/deadlines.html",
        principal,
        purpose=purpose_id,
        deadlines=found,
        upcoming=bool(upcoming),
        today=dt.datetime.now(dt.UTC),
    )
