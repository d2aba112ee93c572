"""The door of custody's API routes: the purpose checked, the case in the caller's area.

Both route modules (``views.py`` and ``views_removal.py``) use these, so a case outside
the caller's area answers the same way (404, audited) whichever custody route is asked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.auth.principal import Principal
from immigrationos.cases import access as cases_access
from immigrationos.cases import service as cases_service
from immigrationos.cases.flows import not_found
from immigrationos.cases.models import Case
from immigrationos.persons.access import in_area

CaseIdPath = Annotated[
    str, Path(min_length=1, max_length=40, description="A case ID: C and ten characters.")
]


def visible_case(
    session: Session, principal: Principal, purpose: str | None, case_id: str, action: str
) -> Case:
    """Return the case; refuse (audited) one that is missing or outside the caller's area."""
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="case", resource_id=case_id
    )
    case = cases_service.get_case(session=session, case_id=case_id)
    if case is None or not in_area(principal, case.field_office):
        rule = None if case is None else "AREA_OF_RESPONSIBILITY"
        error = not_found(case_id, principal, rule)
        raise cases_access.refuse(session, principal, purpose, action, case_id, error)
    return case


def prepare(
    session: Session, principal: Principal, purpose: str | None, action: str, case_id: str
) -> None:
    """Check the purpose at the door, then leave the transaction to the flow."""
    lawful.use_context(
        session, principal, purpose, action=action, resource_type="case", resource_id=case_id
    )
    session.rollback()
