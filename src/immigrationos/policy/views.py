"""Lawful use over HTTP: the policy in force, purposes, authorizations, grants, the accounting.

Thin: each route declares its permission from the one table, calls a flow (which
commits the change with its audit event) or a service read (audited here), and turns
a refusal into a problem that says what to do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import (
    EngineDep,
    Page,
    PageDep,
    PurposeHeader,
    SessionDep,
    audit,
    require,
)
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.policy import flows, service
from immigrationos.policy.engine import get_policy
from immigrationos.policy.errors import PolicyError
from immigrationos.policy.schemas import (
    AccessGrantCreate,
    AccessGrantRead,
    AccountingEntry,
    AuthorizationCreate,
    AuthorizationRead,
    PolicyRead,
    PurposeCreate,
    PurposeRead,
    RevocationRequest,
)
from immigrationos.sources.contract import SOURCES

SUBJECT_PATTERN = "^(" + "|".join(n for n, s in SOURCES.items() if s.person_records) + "):.+$"
router = APIRouter(tags=["lawful use"])
IdPath = Annotated[str, Path(max_length=36)]


def _refused(exc: PolicyError, status: int = 409) -> Problem:
    return Problem(status, "policy-refused", str(exc))


@router.get("/policy", response_model=PolicyRead, summary="The data-use policy in force")
def read_policy(
    session: SessionDep, principal: Annotated[Principal, require(Permission.POLICY_READ)]
) -> PolicyRead:
    """Return every source's rules, the law they cite and what they mean."""
    policy = get_policy()
    audit(session, principal, "policy.read", resource_type="policy")
    session.commit()
    return PolicyRead(
        origin=policy.origin,
        policy=policy.document.policy,
        sources=dict(policy.document.sources),
    )


# -- purposes ------------------------------------------------------------------------------


@router.post(
    "/purposes",
    response_model=PurposeRead,
    status_code=201,
    summary="Declare a purpose",
    responses=responses(401, 403, 422),
)
def create_purpose(
    engine: EngineDep,
    data: PurposeCreate,
    principal: Annotated[Principal, require(Permission.PURPOSES_CREATE)],
) -> PurposeRead:
    """Declare a case, lead, criminal investigation or batch purpose; its id goes in X-Purpose."""
    try:
        purpose = flows.create_purpose(principal=principal, data=data, engine=engine)
    except PolicyError as exc:
        raise _refused(exc, 422) from exc
    return PurposeRead.model_validate(purpose)


@router.get(
    "/purposes",
    response_model=Page[PurposeRead],
    summary="Purposes visible to you",
    responses=responses(401, 403),
)
def list_purposes(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.PURPOSES_READ)],
    include_closed: bool = False,
) -> Page[PurposeRead]:
    """Return your purposes and your offices' (all of them for a national role), newest first."""
    area = principal.area()
    total = service.count_purposes(
        session=session, actor=principal.actor, area=area, include_closed=include_closed
    )
    found = flows.list_purposes(
        session=session,
        principal=principal,
        include_closed=include_closed,
        limit=page.limit,
        offset=page.offset,
    )
    audit(session, principal, "purpose.list", resource_type="purpose")
    session.commit()
    return Page[PurposeRead].of([PurposeRead.model_validate(p) for p in found], total, page)


@router.get(
    "/purposes/{purpose_id}",
    response_model=PurposeRead,
    summary="One purpose",
    responses=responses(401, 403, 404),
)
def get_purpose(
    session: SessionDep,
    purpose_id: IdPath,
    principal: Annotated[Principal, require(Permission.PURPOSES_READ)],
) -> PurposeRead:
    """Return one purpose visible to you."""
    try:
        purpose = flows.get_purpose(session=session, principal=principal, purpose_id=purpose_id)
    except PolicyError as exc:
        raise _refused(exc, 404) from exc
    audit(session, principal, "purpose.read", resource_type="purpose", resource_id=purpose.id)
    session.commit()
    return PurposeRead.model_validate(purpose)


@router.post(
    "/purposes/{purpose_id}/close",
    response_model=PurposeRead,
    summary="Close a purpose",
    responses=responses(401, 403, 404, 409),
)
def close_purpose(
    engine: EngineDep,
    session: SessionDep,
    purpose_id: IdPath,
    principal: Annotated[Principal, require(Permission.PURPOSES_CREATE)],
) -> PurposeRead:
    """Close a purpose: no data is used under it from now on."""
    if service.get_purpose(session=session, purpose_id=purpose_id) is None:
        raise Problem(404, "unknown-purpose", f"no purpose {purpose_id} is on record")
    try:
        purpose = flows.close_purpose(principal=principal, purpose_id=purpose_id, engine=engine)
    except PolicyError as exc:
        raise _refused(exc) from exc
    return PurposeRead.model_validate(purpose)


# -- authorizations ------------------------------------------------------------------------


@router.post(
    "/authorizations",
    response_model=AuthorizationRead,
    status_code=201,
    summary="Record an authorization (court order, § 6103 request, warrant)",
    responses=responses(401, 403, 409, 422),
)
def record_authorization(
    engine: EngineDep,
    data: AuthorizationCreate,
    principal: Annotated[Principal, require(Permission.AUTHORIZATIONS_RECORD)],
) -> AuthorizationRead:
    """Record an authorization; one the law does not allow is refused with the reason."""
    try:
        recorded = flows.record_authorization(principal=principal, data=data, engine=engine)
    except PolicyError as exc:
        raise _refused(exc) from exc
    return AuthorizationRead.model_validate(recorded)


@router.get(
    "/authorizations",
    response_model=Page[AuthorizationRead],
    summary="Authorizations on record",
    responses=responses(401, 403),
)
def list_authorizations(
    session: SessionDep,
    page: PageDep,
    principal: Annotated[Principal, require(Permission.AUTHORIZATIONS_READ)],
    purpose_id: Annotated[str | None, Query(max_length=36)] = None,
    include_revoked: bool = True,
) -> Page[AuthorizationRead]:
    """Return the authorizations naming purposes visible to you, newest first."""
    found = service.visible_authorizations(
        session=session,
        principal=principal,
        purpose_id=purpose_id,
        include_revoked=include_revoked,
    )
    items = [AuthorizationRead.model_validate(a) for a in found]
    audit(
        session,
        principal,
        "authorization.list",
        resource_type="authorization",
        details={"purpose_id": purpose_id, "count": len(items)},
    )
    session.commit()
    return Page[AuthorizationRead].of(
        items[page.offset : page.offset + page.limit], len(items), page
    )


@router.post(
    "/authorizations/{authorization_id}/revoke",
    response_model=AuthorizationRead,
    summary="Revoke an authorization",
    responses=responses(401, 403, 404, 409),
)
def revoke_authorization(
    engine: EngineDep,
    session: SessionDep,
    authorization_id: IdPath,
    body: RevocationRequest,
    principal: Annotated[Principal, require(Permission.AUTHORIZATIONS_RECORD)],
) -> AuthorizationRead:
    """Revoke an authorization, with the reason; it no longer counts from now on."""
    if service.get_authorization(session=session, authorization_id=authorization_id) is None:
        raise Problem(404, "unknown-authorization", f"no authorization {authorization_id}")
    try:
        revoked = flows.revoke_authorization(
            principal=principal,
            authorization_id=authorization_id,
            reason=body.reason,
            engine=engine,
        )
    except PolicyError as exc:
        raise _refused(exc) from exc
    return AuthorizationRead.model_validate(revoked)


# -- access grants -------------------------------------------------------------------------


@router.post(
    "/grants",
    response_model=AccessGrantRead,
    status_code=201,
    summary="Grant a user special access (FINCEN)",
    responses=responses(401, 403, 409, 422),
)
def grant_access(
    engine: EngineDep,
    data: AccessGrantCreate,
    principal: Annotated[Principal, require(Permission.GRANTS_MANAGE)],
) -> AccessGrantRead:
    """Give a user a special access, with the reason."""
    try:
        grant = flows.grant_access(principal=principal, data=data, engine=engine)
    except PolicyError as exc:
        raise _refused(exc) from exc
    return AccessGrantRead.model_validate(grant)


@router.get(
    "/grants",
    response_model=list[AccessGrantRead],
    summary="Access grants",
    responses=responses(401, 403),
)
def list_grants(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.GRANTS_MANAGE)],
    user_id: Annotated[str | None, Query(max_length=36)] = None,
    include_revoked: bool = False,
) -> list[AccessGrantRead]:
    """Return access grants, newest first, optionally of one user."""
    found = service.list_grants(session=session, user_id=user_id, include_revoked=include_revoked)
    audit(session, principal, "grant.list", resource_type="access_grant")
    session.commit()
    return [AccessGrantRead.model_validate(g) for g in found]


@router.post(
    "/grants/{grant_id}/revoke",
    response_model=AccessGrantRead,
    summary="Take back a special access",
    responses=responses(401, 403, 404, 409),
)
def revoke_access(
    engine: EngineDep,
    session: SessionDep,
    grant_id: IdPath,
    body: RevocationRequest,
    principal: Annotated[Principal, require(Permission.GRANTS_MANAGE)],
) -> AccessGrantRead:
    """Take back a special access; the reason goes to the audit log."""
    if service.get_grant(session=session, grant_id=grant_id) is None:
        raise Problem(404, "unknown-grant", f"no access grant {grant_id}")
    try:
        grant = flows.revoke_access(
            principal=principal, grant_id=grant_id, reason=body.reason, engine=engine
        )
    except PolicyError as exc:
        raise _refused(exc) from exc
    return AccessGrantRead.model_validate(grant)


# -- the accounting of disclosures ---------------------------------------------------------


@router.get(
    "/disclosures/accounting",
    response_model=list[AccountingEntry],
    summary="The accounting of disclosures about one subject (Privacy Act)",
    responses=responses(401, 403, 404, 422, 428),
)
def accounting(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.DISCLOSURES_READ)],
    subject_key: Annotated[
        str,
        Query(
            max_length=300,
            pattern=SUBJECT_PATTERN,
            description="Whom: 'source:record_id' of a person-record source, for now.",
        ),
    ],
    purpose: PurposeHeader = None,
    for_subject: Annotated[
        bool, Query(description="The person's own copy (5 U.S.C. § 552a(c)(3)).")
    ] = False,
) -> list[AccountingEntry]:
    """Return each disclosure about the subject: who, what, to whom, when and why."""
    source = subject_key.partition(":")[0]
    if source not in SOURCES:
        raise Problem(422, "unknown-subject", f"subject {subject_key!r} is not 'source:record_id'")
    action = "disclosure.accounting"
    lawful.require_source(
        session,
        principal,
        purpose,
        source,
        action=action,
        resource_type="subject",
        resource_id=subject_key,
    )
    entries = flows.accounting(session=session, subject_key=subject_key, for_subject=for_subject)
    audit(
        session,
        principal,
        action,
        resource_type="subject",
        resource_id=subject_key,
        purpose=purpose,
        details={"for_subject": for_subject, "disclosures": len(entries)},
    )
    session.commit()
    return entries
