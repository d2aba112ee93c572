"""Purpose use cases: declare, list, close."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import service
from immigrationos.policy.errors import PurposeError
from immigrationos.policy.events import audit_event, audited_refusal, new_id, utcnow
from immigrationos.policy.models import Purpose
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.reference import field_offices as field_offices_ref

# -- purposes ------------------------------------------------------------------------------


def get_purpose(*, session: Session, principal: Principal, purpose_id: str) -> Purpose:
    """Return a purpose visible to ``principal``; raise PurposeError if there is none."""
    return service.get_visible_purpose(session=session, principal=principal, purpose_id=purpose_id)


def list_purposes(
    *,
    session: Session,
    principal: Principal,
    include_closed: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Purpose]:
    """Return the purposes visible to ``principal``: theirs, their offices', or all if national."""
    return service.list_purposes(
        session=session,
        actor=principal.actor,
        area=principal.area(),
        include_closed=include_closed,
        limit=limit,
        offset=offset,
    )


def _office_of(principal: Principal, wanted: str | None) -> str | None:
    area = principal.area()
    if wanted is not None:
        known = {office.name for office in field_offices_ref.load_field_offices()}
        if wanted not in known:
            raise PurposeError(
                f"field office {wanted!r} is unknown; the field offices are: "
                + ", ".join(sorted(known))
            )
    if area is None:
        return wanted
    if wanted is None:
        if len(area) == 1:
            return area[0]
        raise PurposeError(
            f"you work for several field offices ({', '.join(area) or 'none'}): say which one "
            "the purpose belongs to"
        )
    if wanted not in area:
        raise PurposeError(
            f"field office {wanted!r} is not one of yours ({', '.join(area) or 'none'}); a "
            "purpose belongs to the office of the person who declares it"
        )
    return wanted


def create_purpose_in(
    session: Session, principal: Principal, data: PurposeCreate, now: datetime
) -> Purpose:
    """Declare a purpose inside the caller's transaction (with its audit event)."""
    purpose = Purpose(
        id=new_id("P"),
        kind=data.kind.value,
        reference=data.reference,
        title=data.title,
        justification=data.justification,
        field_office=_office_of(principal, data.field_office),
        created_by=principal.actor,
        created_at=now,
    )
    service.add_purpose(session=session, purpose=purpose)
    audit_event(
        session,
        principal,
        "purpose.create",
        resource_type="purpose",
        resource_id=purpose.id,
        purpose=purpose.id,
        details={
            "kind": purpose.kind,
            "reference": purpose.reference,
            "title": purpose.title,
            "justification": purpose.justification,
            "field_office": purpose.field_office,
        },
    )
    return purpose


def create_purpose(
    *,
    principal: Principal,
    data: PurposeCreate,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> Purpose:
    """Declare a purpose under which person data will be used; return it."""
    details = {"kind": data.kind.value, "reference": data.reference}
    with (
        audited_refusal(
            engine, principal, "purpose.create", resource_type="purpose", details=details
        ),
        session_scope(engine) as session,
    ):
        purpose = create_purpose_in(session, principal, data, now or utcnow())
        session.commit()
    return purpose


def close_purpose(
    *,
    principal: Principal,
    purpose_id: str,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> Purpose:
    """Close a purpose: no data is used under it from now on."""
    with (
        audited_refusal(
            engine, principal, "purpose.close", resource_type="purpose", resource_id=purpose_id
        ),
        session_scope(engine) as session,
    ):
        purpose = get_purpose(session=session, principal=principal, purpose_id=purpose_id)
        if purpose.closed:
            raise PurposeError(f"purpose {purpose_id} was already closed on {purpose.closed_at}")
        service.close_purpose(
            session=session, purpose=purpose, by=principal.actor, now=now or utcnow()
        )
        audit_event(
            session,
            principal,
            "purpose.close",
            resource_type="purpose",
            resource_id=purpose.id,
            purpose=purpose.id,
        )
        session.commit()
    return purpose
