"""A collateral encounter recorded from its operation's page: a person met in an approved
operation who was not its target, checked as a new lead before anyone books them.

The action calls the API view's own function (``custody.views_removal.record_collateral``),
which checks the purpose at the door and calls the flow (``custody.collateral``): the same
permission, area, safeguards, audit events and refusals as ``POST /custody/collateral``.
The answer page says the outcome in words and links the person's lead and case when the
encounter cleared (the booking goes on that case), or names the review that halts it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from immigrationos.apikit.deps import EngineDep, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.custody import views_removal
from immigrationos.custody.schemas import CollateralCreate
from immigrationos.web import session as web_session
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import page, refusal

actions = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.check_csrf)])
Booker = Annotated[Principal, signed_in(Permission.CUSTODY_BOOK)]
OperationId = Annotated[str, Path(max_length=40)]
Long = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]
YES_NO = {"yes": True, "no": False}


def _answer(value: str, question: str) -> bool:
    if value not in YES_NO:
        raise Problem(422, "form-invalid", f"Answer the question: {question}")
    return YES_NO[value]


@actions.post("/operations/{operation_id}/collateral", response_class=HTMLResponse)
def record_collateral(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: Booker,
    operation_id: OperationId,
    person_id: Short = "",
    encounter: Long = "",
    identity_confirmed: Short = "",
    identity_method: Long = "",
    citizenship_claim: Short = "",
    citizenship_statement: Long = "",
    purpose: Short = "",
) -> HTMLResponse:
    """Check the person met in the operation as a new lead; show the outcome and its links."""
    purpose_id = purpose_of(request, purpose)
    try:
        values = {
            "person_id": person_id.strip(), "operation_id": operation_id,
            "encounter": encounter.strip(), "identity_method": identity_method.strip(),
            "identity_confirmed": _answer(identity_confirmed, "was the identity confirmed?"),
            "citizenship_claim": _answer(citizenship_claim, "does the person claim US citizenship?"),
            "citizenship_statement": citizenship_statement.strip() or None,
        }  # fmt: skip
        try:
            body = CollateralCreate.model_validate(values)
        except ValidationError as exc:
            fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors()}))
            raise Problem(422, "form-invalid", f"The encounter: fill in {fields}.") from exc
        done = views_removal.record_collateral(body, session, engine, principal, purpose_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="operation")
    return page(
        request, "collateral.html", principal, status=201, purpose=purpose_id,
        encounter=done, operation_id=operation_id,
    )  # fmt: skip
