"""Authorization and access-grant use cases: record, revoke, grant, take back; the demo sample."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.auth import service as auth_service
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import service
from immigrationos.policy.errors import AuthorizationError, GrantError
from immigrationos.policy.events import audit_event, audited_refusal, new_id, utcnow
from immigrationos.policy.kinds import IRC_6103_KINDS, KIND_LABELS, PurposeKind
from immigrationos.policy.models import AccessGrant, Authorization
from immigrationos.policy.schemas import AccessGrantCreate, AuthorizationCreate

# -- authorizations ------------------------------------------------------------------------


def _check_named_purposes(
    session: Session, principal: Principal, data: AuthorizationCreate
) -> None:
    for purpose_id in data.purpose_ids:
        purpose = service.get_purpose(session=session, purpose_id=purpose_id)
        if purpose is None or not service.visible(purpose, principal):
            raise AuthorizationError(
                f"{data.reference}: no purpose {purpose_id} is on record for you; declare the "
                "purpose first, then record the authorization naming it"
            )
        if purpose.closed:
            raise AuthorizationError(f"{data.reference}: purpose {purpose_id} is closed")
        if data.kind in IRC_6103_KINDS and purpose.kind != PurposeKind.CRIMINAL_INVESTIGATION:
            raise AuthorizationError(
                f"{data.reference}: {KIND_LABELS[data.kind]} serves only a non-tax federal "
                f"criminal investigation, so it must name a purpose of kind "
                f"CRIMINAL_INVESTIGATION; purpose {purpose_id} ({purpose.reference}) is a "
                f"{purpose.kind} purpose. Declare the criminal investigation as a purpose and "
                "name it."
            )


def record_authorization_in(
    session: Session, principal: Principal, data: AuthorizationCreate, now: datetime
) -> Authorization:
    """Record an authorization inside the caller's transaction (with its audit event)."""
    _check_named_purposes(session, principal, data)
    authorization = Authorization(
        id=new_id("A"),
        kind=data.kind.value,
        reference=data.reference,
        issued_by=data.issued_by,
        issued_on=data.issued_on,
        expires_on=data.expires_on,
        sources=list(data.sources),
        purpose_ids=list(data.purpose_ids),
        subjects=[{"kind": s.kind.value, "value": s.value} for s in data.subjects],
        states=list(data.states),
        recorded_by=principal.actor,
        recorded_at=now,
    )
    service.add_authorization(session=session, authorization=authorization)
    audit_event(
        session,
        principal,
        "authorization.record",
        resource_type="authorization",
        resource_id=authorization.id,
        details={
            **_authorization_summary(data),
            "issued_by": data.issued_by,
            "issued_on": data.issued_on.isoformat(),
            "expires_on": data.expires_on.isoformat() if data.expires_on else None,
            "states": list(data.states),
        },
    )
    return authorization


def _authorization_summary(data: AuthorizationCreate) -> dict[str, Any]:
    # The subjects' numbers stay out of the audit log; their kinds and count say enough.
    return {
        "kind": data.kind.value,
        "reference": data.reference,
        "sources": list(data.sources),
        "purpose_ids": list(data.purpose_ids),
        "subjects": {
            k: sum(1 for s in data.subjects if s.kind == k)
            for k in {s.kind.value for s in data.subjects}
        },
    }


def record_authorization(
    *,
    principal: Principal,
    data: AuthorizationCreate,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> Authorization:
    """Record an authorization (order, request, warrant); refuse one the law does not allow."""
    with (
        audited_refusal(
            engine,
            principal,
            "authorization.record",
            resource_type="authorization",
            details=_authorization_summary(data),
        ),
        session_scope(engine) as session,
    ):
        authorization = record_authorization_in(session, principal, data, now or utcnow())
        session.commit()
    return authorization


def revoke_authorization(
    *,
    principal: Principal,
    authorization_id: str,
    reason: str,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> Authorization:
    """Revoke an authorization, with the reason; it no longer counts from now on."""
    with (
        audited_refusal(
            engine,
            principal,
            "authorization.revoke",
            resource_type="authorization",
            resource_id=authorization_id,
        ),
        session_scope(engine) as session,
    ):
        authorization = service.get_authorization(
            session=session, authorization_id=authorization_id
        )
        if authorization is None:
            raise AuthorizationError(f"no authorization {authorization_id} is on record")
        if authorization.revoked:
            raise AuthorizationError(
                f"authorization {authorization_id} was already revoked on "
                f"{authorization.revoked_at}: {authorization.revoked_reason}"
            )
        if not reason.strip():
            raise AuthorizationError("say why the authorization is revoked")
        service.revoke_authorization(
            session=session,
            authorization=authorization,
            by=principal.actor,
            reason=reason.strip(),
            now=now or utcnow(),
        )
        audit_event(
            session,
            principal,
            "authorization.revoke",
            resource_type="authorization",
            resource_id=authorization.id,
            details={"reference": authorization.reference, "reason": reason.strip()},
        )
        session.commit()
    return authorization


# -- access grants -------------------------------------------------------------------------


def grant_access(
    *,
    principal: Principal,
    data: AccessGrantCreate,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> AccessGrant:
    """Give a user a special access (FINCEN), with the reason."""
    details = {"user_id": data.user_id, "grant": data.grant.value, "reason": data.reason}
    with (
        audited_refusal(
            engine, principal, "grant.add", resource_type="access_grant", details=details
        ),
        session_scope(engine) as session,
    ):
        if auth_service.get_user(session=session, user_id=data.user_id) is None:
            raise GrantError(f"no user {data.user_id} exists; grants are given to users")
        held = service.active_grants(session=session, user_id=data.user_id)
        if data.grant.value in held:
            raise GrantError(f"user {data.user_id} already holds {data.grant.value} access")
        grant = AccessGrant(
            id=new_id("G"),
            user_id=data.user_id,
            grant=data.grant.value,
            reason=data.reason,
            granted_by=principal.actor,
            granted_at=now or utcnow(),
        )
        service.add_grant(session=session, grant=grant)
        audit_event(
            session,
            principal,
            "grant.add",
            resource_type="access_grant",
            resource_id=grant.id,
            details=details,
        )
        session.commit()
    return grant


def revoke_access(
    *,
    principal: Principal,
    grant_id: str,
    reason: str,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> AccessGrant:
    """Take back a special access; the reason goes to the audit log."""
    with (
        audited_refusal(
            engine, principal, "grant.revoke", resource_type="access_grant", resource_id=grant_id
        ),
        session_scope(engine) as session,
    ):
        grant = service.get_grant(session=session, grant_id=grant_id)
        if grant is None:
            raise GrantError(f"no access grant {grant_id} is on record")
        if grant.revoked_at is not None:
            raise GrantError(f"access grant {grant_id} was already revoked")
        service.revoke_grant(session=session, grant=grant, by=principal.actor, now=now or utcnow())
        audit_event(
            session,
            principal,
            "grant.revoke",
            resource_type="access_grant",
            resource_id=grant.id,
            details={"user_id": grant.user_id, "grant": grant.grant, "reason": reason},
        )
        session.commit()
    return grant
