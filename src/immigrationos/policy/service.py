"""Data access for purposes, authorizations, grants and disclosures. Flushes, never commits.

``load_context`` assembles what the data-use engine needs for one use: the purpose
(checked: known, visible, open, of the user's offices) and its authorizations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from immigrationos.auth.principal import Principal
from immigrationos.policy.context import AuthorizationView, PurposeView, UseContext
from immigrationos.policy.errors import PurposeError
from immigrationos.policy.models import (
    AccessGrant,
    Authorization,
    Disclosure,
    DisclosureItem,
    Purpose,
)

HOW_TO_DECLARE = (
    "Declare a purpose (a case, a lead, a criminal investigation or a named batch purpose) "
    "and use its id."
)

# -- purposes ------------------------------------------------------------------------------


def add_purpose(*, session: Session, purpose: Purpose) -> Purpose:
    """Add a purpose."""
    session.add(purpose)
    session.flush()
    return purpose


def get_purpose(*, session: Session, purpose_id: str) -> Purpose | None:
    """Return one purpose."""
    return session.get(Purpose, purpose_id)


def find_purpose(*, session: Session, kind: str, reference: str) -> Purpose | None:
    """Return the first open purpose of ``kind`` with ``reference``."""
    query = select(Purpose).where(
        Purpose.kind == kind, Purpose.reference == reference, Purpose.closed_at.is_(None)
    )
    return session.scalars(query.order_by(Purpose.created_at)).first()


def list_purposes(
    *,
    session: Session,
    actor: str,
    area: Sequence[str] | None,
    include_closed: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Purpose]:
    """Return the purposes visible to ``actor`` (theirs, or their ``area``'s; all if None)."""
    query = select(Purpose)
    if area is not None:
        query = query.where(or_(Purpose.created_by == actor, Purpose.field_office.in_(area)))
    if not include_closed:
        query = query.where(Purpose.closed_at.is_(None))
    query = query.order_by(Purpose.created_at.desc(), Purpose.id).limit(limit).offset(offset)
    return session.scalars(query).all()


def count_purposes(
    *, session: Session, actor: str, area: Sequence[str] | None, include_closed: bool = False
) -> int:
    """Return how many purposes ``list_purposes`` would give without a limit."""
    query = select(func.count()).select_from(Purpose)
    if area is not None:
        query = query.where(or_(Purpose.created_by == actor, Purpose.field_office.in_(area)))
    if not include_closed:
        query = query.where(Purpose.closed_at.is_(None))
    return int(session.scalar(query) or 0)


def close_purpose(*, session: Session, purpose: Purpose, by: str, now: datetime) -> Purpose:
    """Mark a purpose closed."""
    purpose.closed_at = now
    purpose.closed_by = by
    session.flush()
    return purpose


def purpose_view(purpose: Purpose) -> PurposeView:
    """Return the engine's view of a purpose."""
    return PurposeView(
        id=purpose.id,
        kind=purpose.kind,
        reference=purpose.reference,
        title=purpose.title,
        field_office=purpose.field_office,
        closed=purpose.closed,
    )


def visible(purpose: Purpose, principal: Principal) -> bool:
    area = principal.area()
    return area is None or purpose.created_by == principal.actor or purpose.field_office in area


def get_visible_purpose(*, session: Session, principal: Principal, purpose_id: str) -> Purpose:
    """Return a purpose visible to ``principal``; raise PurposeError if there is none."""
    purpose = get_purpose(session=session, purpose_id=purpose_id)
    if purpose is None or not visible(purpose, principal):
        raise PurposeError(f"no purpose {purpose_id} is on record for you. {HOW_TO_DECLARE}")
    return purpose


# -- authorizations ------------------------------------------------------------------------


def add_authorization(*, session: Session, authorization: Authorization) -> Authorization:
    """Add an authorization."""
    session.add(authorization)
    session.flush()
    return authorization


def get_authorization(*, session: Session, authorization_id: str) -> Authorization | None:
    """Return one authorization."""
    return session.get(Authorization, authorization_id)


def list_authorizations(
    *,
    session: Session,
    purpose_id: str | None = None,
    include_revoked: bool = True,
) -> list[Authorization]:
    """Return authorizations, newest first, optionally only those naming ``purpose_id``."""
    query = select(Authorization).order_by(Authorization.recorded_at.desc(), Authorization.id)
    if not include_revoked:
        query = query.where(Authorization.revoked_at.is_(None))
    found = list(session.scalars(query).all())
    # Few rows (each is a legal instrument recorded by hand); the JSON list is read here
    # rather than with a dialect-specific containment query.
    if purpose_id is not None:
        found = [a for a in found if purpose_id in (a.purpose_ids or [])]
    return found


def visible_authorizations(
    *,
    session: Session,
    principal: Principal,
    purpose_id: str | None = None,
    include_revoked: bool = True,
) -> list[Authorization]:
    """Return the authorizations naming a purpose visible to ``principal`` (all if national)."""
    found = list_authorizations(
        session=session, purpose_id=purpose_id, include_revoked=include_revoked
    )
    if principal.area() is None:
        return found
    named = {p for a in found for p in a.purpose_ids or []}
    seen = {
        p.id
        for p in session.scalars(select(Purpose).where(Purpose.id.in_(named))).all()
        if visible(p, principal)
    }
    return [a for a in found if seen.intersection(a.purpose_ids or [])]


def revoke_authorization(
    *, session: Session, authorization: Authorization, by: str, reason: str, now: datetime
) -> Authorization:
    """Mark an authorization revoked, with the reason."""
    authorization.revoked_at = now
    authorization.revoked_by = by
    authorization.revoked_reason = reason
    session.flush()
    return authorization


# -- the context of a use ------------------------------------------------------------------


def authorization_view(authorization: Authorization) -> AuthorizationView:
    """Return the engine's view of an authorization."""
    return AuthorizationView(
        id=authorization.id,
        kind=authorization.kind,
        reference=authorization.reference,
        sources=frozenset(authorization.sources or []),
        purpose_ids=frozenset(authorization.purpose_ids or []),
        subjects=tuple((s["kind"], s["value"]) for s in authorization.subjects or []),
        states=frozenset(authorization.states or []),
        expires_on=authorization.expires_on,
        revoked=authorization.revoked,
    )


def load_context(
    *,
    session: Session,
    principal: Principal,
    purpose_id: str | None,
    today: date | None = None,
) -> UseContext:
    """Return the context in which ``principal`` uses data under ``purpose_id``.

    Raise PurposeError, saying what to do, for a purpose that is unknown, closed, or
    not of the principal's field offices. No purpose gives a context in which person
    data is refused (the engine says so) and aggregates are allowed.
    """
    day = today or date.today()
    if purpose_id is None:
        return UseContext(principal=principal, purpose=None, authorizations=(), today=day)
    purpose = get_visible_purpose(session=session, principal=principal, purpose_id=purpose_id)
    if purpose.closed:
        raise PurposeError(
            f"purpose {purpose.id} ({purpose.reference}) was closed on {purpose.closed_at}; no "
            f"data is used under it any more. {HOW_TO_DECLARE}"
        )
    area = principal.area()
    if area is not None and purpose.field_office not in area:
        raise PurposeError(
            f"purpose {purpose.id} ({purpose.reference}) belongs to "
            f"{purpose.field_office or 'no field office'}, not to your field office(s) "
            f"({', '.join(area) or 'none'}). Use a purpose of your own office, or declare one."
        )
    authorizations = list_authorizations(session=session, purpose_id=purpose.id)
    return UseContext(
        principal=principal,
        purpose=purpose_view(purpose),
        authorizations=tuple(authorization_view(a) for a in authorizations),
        today=day,
    )


# -- access grants -------------------------------------------------------------------------


def add_grant(*, session: Session, grant: AccessGrant) -> AccessGrant:
    """Add an access grant."""
    session.add(grant)
    session.flush()
    return grant


def get_grant(*, session: Session, grant_id: str) -> AccessGrant | None:
    """Return one access grant."""
    return session.get(AccessGrant, grant_id)


def list_grants(
    *, session: Session, user_id: str | None = None, include_revoked: bool = False
) -> Sequence[AccessGrant]:
    """Return access grants, newest first, optionally of one user."""
    query = select(AccessGrant).order_by(AccessGrant.granted_at.desc(), AccessGrant.id)
    if user_id is not None:
        query = query.where(AccessGrant.user_id == user_id)
    if not include_revoked:
        query = query.where(AccessGrant.revoked_at.is_(None))
    return session.scalars(query).all()


def active_grants(*, session: Session, user_id: str) -> frozenset[str]:
    """Return the grants a user holds now (e.g. ``{"FINCEN"}``)."""
    query = select(AccessGrant.grant).where(
        AccessGrant.user_id == user_id, AccessGrant.revoked_at.is_(None)
    )
    return frozenset(session.scalars(query).all())


def revoke_grant(*, session: Session, grant: AccessGrant, by: str, now: datetime) -> AccessGrant:
    """Mark an access grant revoked."""
    grant.revoked_at = now
    grant.revoked_by = by
    session.flush()
    return grant


# -- disclosures ---------------------------------------------------------------------------


def add_disclosure(
    *, session: Session, disclosure: Disclosure, items: Sequence[DisclosureItem]
) -> Disclosure:
    """Add a disclosure and its records."""
    session.add(disclosure)
    session.flush()
    for item in items:
        item.disclosure_id = disclosure.id
        session.add(item)
    session.flush()
    return disclosure


def get_disclosure(*, session: Session, disclosure_id: str) -> Disclosure | None:
    """Return one disclosure with its records."""
    query = (
        select(Disclosure)
        .where(Disclosure.id == disclosure_id)
        .options(selectinload(Disclosure.items))
    )
    return session.scalars(query).first()


def disclosures_of_subject(
    *, session: Session, subject_key: str
) -> list[tuple[Disclosure, list[DisclosureItem]]]:
    """Return each disclosure that holds a record about ``subject_key``, oldest first.

    Only the items about that subject are returned with each disclosure.
    """
    query = (
        select(DisclosureItem, Disclosure)
        .join(Disclosure, DisclosureItem.disclosure_id == Disclosure.id)
        .where(DisclosureItem.subject_key == subject_key)
        .order_by(Disclosure.disclosed_at, Disclosure.id, DisclosureItem.id)
    )
    grouped: dict[str, tuple[Disclosure, list[DisclosureItem]]] = {}
    for item, disclosure in session.execute(query).all():
        grouped.setdefault(disclosure.id, (disclosure, []))[1].append(item)
    return list(grouped.values())
