"""Cases in the interface: the list of the user's area, a case's page (timeline, deadlines,
removal eligibility, documents, booking) and the actions on it (accept a lead, assign,
take a transition), each with its reason and the version the user saw.

Every read and change is the API's own: ``cases.access`` (area, purpose, audit) and
``cases.flows.accept_lead`` / ``assign`` / ``move`` (the machine table's roles, reasons
and checks, the safeguards run again, the optimistic lock); custody and documents are
read through their API views' functions, so their audit events are the API's. A refusal
is shown in words.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from immigrationos.apikit.deps import EngineDep, PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth import service as auth_service
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.cases import access, flows
from immigrationos.cases.machine import OPEN_STATES, TRANSITIONS, CaseState
from immigrationos.cases.schemas import CaseRead
from immigrationos.custody import booking as custody_booking
from immigrationos.custody import views as custody_views
from immigrationos.custody.models import REMOVAL_FACT_KINDS
from immigrationos.documents import views as documents_views
from immigrationos.documents.forms import FORMS
from immigrationos.documents.schemas import CHARGES
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.check_csrf)])
Reader = Annotated[Principal, signed_in(Permission.CASES_READ)]
Mover = Annotated[Principal, signed_in(Permission.CASES_TRANSITION)]
Assigner = Annotated[Principal, signed_in(Permission.CASES_ASSIGN)]
Creator = Annotated[Principal, signed_in(Permission.CASES_CREATE)]
Text = Annotated[str, Query(max_length=200)]
CaseId = Annotated[str, Path(max_length=40)]
FormText = Annotated[str, Form(max_length=4000)]
FormShort = Annotated[str, Form(max_length=200)]
PAGE_SIZE = 25
STATES = [s.value for s in CaseState]
# The states in which removal eligibility is worth showing.
REMOVAL_STATES = frozenset({"in_proceedings", "final_order", "removal_scheduled", "removed"})


# What the case page may say was just done: its own notes only, never text from the link.
DONE_NOTES = re.compile(
    r"(opened|assigned|booking opened|booking completed|booking halted|detention recorded"
    r"|custody review recorded|removal fact recorded|(drafted|signed) I-[0-9A-Z]+-\d{4}-\d{1,9})"
)
TRANSITION_NAMES = frozenset(t.name for t in TRANSITIONS)


def done_note(text: str) -> str:
    """Return a note for the case page if it is one of the page's own, else nothing."""
    return text if text in TRANSITION_NAMES or DONE_NOTES.fullmatch(text) else ""


def case_url(case_id: str, purpose_id: str | None, note: str = "") -> str:
    """Return the case page's address under the purpose (and what was just done)."""
    where = f"/cases/{quote(case_id)}?purpose={quote(purpose_id or '')}"
    return where + (f"&done={quote(note)}" if note else "")


def may_take(principal: Principal, case: CaseRead) -> list[Any]:
    """Return the transitions the user's role may take from the case's state now."""
    if not principal.can(Permission.CASES_TRANSITION):
        return []
    return [t for t in case.transitions if principal.is_operator or principal.role in t.roles]


def _names(session: Session, user_ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for user_id in user_ids:
        user = auth_service.get_user(session=session, user_id=user_id)
        if user is not None:
            found[user_id] = f"{user.display_name} ({user.username})"
    return found


@router.get("/cases", response_class=HTMLResponse)
def cases_list(
    request: Request,
    session: SessionDep,
    principal: Reader,
    purpose: Text = "",
    state: Text = "",
    mine: Text = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Show the cases of the user's area, most recently changed first; by state, or mine."""
    purpose_id = purpose_of(request, purpose)
    chosen = state if state in STATES else None
    params = PageParams(limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    officer = principal.actor if mine else None
    try:
        found = access.list_cases(
            session, principal, purpose_id, params, state=chosen, officer=officer
        )
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    return page(
        request,
        "cases/list.html",
        principal,
        purpose=purpose_id,
        cases=found,
        chosen_state=chosen or "",
        mine=bool(mine),
        states=STATES,
        page_number=page_number,
        pages=max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        may_accept=principal.can(Permission.CASES_CREATE),
    )


def _custody(
    session: Session, engine: Any, principal: Principal, purpose_id: str | None, case: CaseRead
) -> dict[str, Any]:
    """Return the case's deadlines, booking and removal eligibility (the custody API's reads)."""
    if not principal.can(Permission.CUSTODY_READ):
        return {}
    found: dict[str, Any] = {}
    found["deadlines"] = custody_views.case_deadlines(
        case.case_id, session, principal, purpose_id
    ).items
    if custody_booking.booking_of_case(session, case.case_id) is not None:
        found["booking"] = custody_views.read_booking(case.case_id, session, principal, purpose_id)
    if case.state in REMOVAL_STATES:
        found["eligibility"] = custody_views.removal_eligibility(
            case.case_id, session, engine, principal, purpose_id
        )
    return found


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Reader,
    case_id: CaseId,
    purpose: Text = "",
    done: Text = "",
) -> HTMLResponse:
    """Show a case: state, timeline, deadlines, documents, and the steps the user may take."""
    purpose_id = purpose_of(request, purpose)
    try:
        case = access.read_case(session, principal, purpose_id, case_id)
        history = access.read_history(session, principal, purpose_id, case_id)
        custody = _custody(session, engine, principal, purpose_id, case)
        documents = []
        if principal.can(Permission.DOCUMENTS_READ):
            documents = documents_views.list_for_case(case_id, session, principal, purpose_id).items
    except Problem as exc:
        return refusal(request, principal, exc, what="case")
    officers = []
    if principal.can(Permission.CASES_ASSIGN) and CaseState(case.state) in OPEN_STATES:
        officers = [
            o
            for o in access.workload(session, principal).officers
            if case.field_office in o.field_offices
        ]
    people = {case.assigned_officer} if case.assigned_officer else set()
    names = _names(session, people | {e.actor for e in history.events})
    forms = [
        f
        for f in FORMS.values()
        if principal.role in f.generators and case.state in {s.value for s in f.states}
    ]
    return page(
        request,
        "cases/case.html",
        principal,
        purpose=purpose_id,
        case=case,
        events=history.events,
        names=names,
        moves=may_take(principal, case),
        officers=officers,
        documents=documents,
        forms=forms if principal.can(Permission.DOCUMENTS_GENERATE) else [],
        signers={code: sorted(f.signers) for code, f in FORMS.items()},
        charges=CHARGES,
        done=done_note(done),
        may_book=principal.can(Permission.CUSTODY_BOOK),
        may_manage=principal.can(Permission.CUSTODY_MANAGE),
        fact_kinds=REMOVAL_FACT_KINDS if principal.can(Permission.CUSTODY_REMOVAL_FACTS) else (),
        **custody,
    )


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    purpose_id: str | None,
    action: str,
    case_id: str | None,
    exc: flows.CaseError | Problem,
) -> Response:
    if isinstance(exc, flows.CaseError):
        exc = access.refuse(session, principal, purpose_id, action, case_id, exc)
    return refusal(request, principal, exc, what="case")


def _version(value: str) -> int:
    try:
        seen = int(value or 0)
    except ValueError:
        seen = 0
    if seen < 1:
        raise flows.CaseError(422, "version-missing", "Reload the case: its version is missing.")
    return seen


@actions.post("/cases/{case_id}/transitions")
def take_transition(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Mover,
    case_id: CaseId,
    transition: Annotated[str, Form(max_length=40)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    reason: FormText = "",
    purpose: FormShort = "",
) -> Response:
    """Take a transition at the version shown, with its reason (``cases.flows.move``)."""
    purpose_id = purpose_of(request, purpose)
    action = "cases.transition"
    try:
        outcome = flows.move(
            engine, principal=principal, purpose_id=purpose_id, case_id=case_id,
            transition=transition, version=_version(version), reason=reason or None,
        )  # fmt: skip
    except flows.CaseError as exc:
        return _refused(request, session, principal, purpose_id, action, case_id, exc)
    if outcome.halted:
        halted = flows.CaseError(
            409, "case-halted",
            f"{transition} refused and case {case_id} halted in {outcome.case.state} "
            f"(version {outcome.case.version}): {outcome.recheck.detail}",
        )  # fmt: skip
        return _refused(request, session, principal, purpose_id, action, case_id, halted)
    return RedirectResponse(case_url(case_id, purpose_id, transition), status_code=303)


@actions.post("/cases/{case_id}/assign")
def assign(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Assigner,
    case_id: CaseId,
    officer_id: Annotated[str, Form(max_length=36)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    reason: FormText = "",
    purpose: FormShort = "",
) -> Response:
    """Assign the case to an officer of its office, at the version shown (``flows.assign``)."""
    purpose_id = purpose_of(request, purpose)
    try:
        flows.assign(
            engine, principal=principal, purpose_id=purpose_id, case_id=case_id,
            officer_id=officer_id, version=_version(version), reason=reason or None,
        )  # fmt: skip
    except flows.CaseError as exc:
        return _refused(request, session, principal, purpose_id, "cases.assign", case_id, exc)
    return RedirectResponse(case_url(case_id, purpose_id, "assigned"), status_code=303)


@actions.post("/cases")
def accept_lead(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Creator,
    lead_id: Annotated[str, Form(max_length=40)] = "",
    reason: FormText = "",
    purpose: FormShort = "",
) -> Response:
    """Accept an OPEN lead as a case (``flows.accept_lead``) and open the case's page."""
    purpose_id = purpose_of(request, purpose)
    try:
        case = flows.accept_lead(
            engine, principal=principal, purpose_id=purpose_id, lead_id=lead_id.strip(),
            reason=reason or None,
        )  # fmt: skip
    except flows.CaseError as exc:
        return _refused(request, session, principal, purpose_id, "cases.create", None, exc)
    return RedirectResponse(case_url(case.case_id, purpose_id, "opened"), status_code=303)
