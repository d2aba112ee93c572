"""Purpose and lawful use at the API's door: one place where views ask the data-use policy.

A read of person data names its purpose (``X-Purpose``). This module loads the purpose
and the authorizations on record for it, asks the policy, and on refusal writes the
refusal to the audit log in a transaction of its own (the request's is rolled back)
and answers with a problem that says what to do: 428 without a purpose, 403 with the
rule and its citation otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.apikit.problems import Problem
from immigrationos.audit import flows as audit_flows
from immigrationos.audit.models import Outcome
from immigrationos.auth.principal import Principal
from immigrationos.policy import engine as policy_engine
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import Decision, Use, UseContext
from immigrationos.policy.errors import PurposeError

PURPOSE_HOWTO = (
    "declare the purpose of this read: send its id in the X-Purpose header "
    "(create one with POST /api/v1/purposes: a case, a lead, a criminal investigation "
    "or a named batch purpose)"
)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return bind


def refuse(
    session: Session,
    principal: Principal,
    *,
    status: int,
    kind: str,
    detail: str,
    action: str,
    purpose: str | None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    details: dict[str, Any] | None = None,
    rule: str | None = None,
    citation: str | None = None,
) -> Problem:
    """Audit a refusal (committed on its own) and return the problem to raise."""
    audit_flows.record(
        _engine(session),
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose=purpose,
        outcome=Outcome.DENIED,
        client=principal.client,
        details={**(details or {}), "refused": kind, "rule": rule, "reason": detail},
    )
    return Problem(status, kind, detail, rule=rule, citation=citation)


def use_context(
    session: Session,
    principal: Principal,
    purpose: str | None,
    *,
    action: str,
    resource_type: str | None = None,
    resource_id: str | None = None,
) -> UseContext:
    """Return the context of a read under ``purpose``; refuse a missing or unusable one."""
    if not purpose:
        raise refuse(
            session,
            principal,
            status=428,
            kind="purpose-required",
            detail=PURPOSE_HOWTO,
            action=action,
            purpose=None,
            resource_type=resource_type,
            resource_id=resource_id,
            rule="PURPOSE_REQUIRED",
        )
    try:
        return policy_service.load_context(
            session=session, principal=principal, purpose_id=purpose, today=datetime.now(UTC).date()
        )
    except PurposeError as exc:
        raise refuse(
            session,
            principal,
            status=403,
            kind="purpose-refused",
            detail=str(exc),
            action=action,
            purpose=purpose,
            resource_type=resource_type,
            resource_id=resource_id,
            rule="PURPOSE_REFUSED",
        ) from exc


def not_found_detail(ref: str, principal: Principal) -> str:
    """Return the words of a 404 for a record: the same whether it is missing or hidden."""
    where = "" if principal.area() is None else " in your area of responsibility"
    return f"no record {ref} is available to you{where}"


def refuse_decision(
    session: Session,
    principal: Principal,
    decision: Decision,
    *,
    action: str,
    purpose: str | None,
    resource_type: str | None = None,
    resource_id: str | None = None,
) -> Problem:
    """Audit a policy refusal and return its problem (404 when existence must stay hidden)."""
    if not decision.reveal_existence:
        # Exactly as a record that does not exist: same status, same words, no rule.
        problem = refuse(
            session,
            principal,
            status=404,
            kind="record-not-found",
            detail=not_found_detail(resource_id or "", principal),
            action=action,
            purpose=purpose,
            resource_type=resource_type,
            resource_id=resource_id,
            rule=decision.rule,
        )
        problem.extra.pop("rule", None)
        problem.extra.pop("citation", None)
        return problem
    return refuse(
        session,
        principal,
        status=403,
        kind="data-use-refused",
        detail=decision.reason,
        action=action,
        purpose=purpose,
        resource_type=resource_type,
        resource_id=resource_id,
        rule=decision.rule,
        citation=decision.citation,
    )


def require_source(
    session: Session,
    principal: Principal,
    purpose: str | None,
    source: str,
    *,
    action: str,
    resource_type: str | None = None,
    resource_id: str | None = None,
    use: Use = Use.READ,
) -> UseContext:
    """Return the use context when ``source`` may be read under ``purpose``; refuse otherwise."""
    ctx = use_context(
        session,
        principal,
        purpose,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
    )
    decision = policy_engine.get_policy().decide_source(ctx, source, use)
    if not decision.allowed:
        raise refuse_decision(
            session,
            principal,
            decision,
            action=action,
            purpose=purpose,
            resource_type=resource_type,
            resource_id=resource_id,
        )
    return ctx
