"""Purposes, authorizations and grants on SQLite and PostgreSQL, each change audited with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows, service
from immigrationos.policy.engine import DataUsePolicy, Use
from immigrationos.policy.errors import AuthorizationError, GrantError, PurposeError
from immigrationos.policy.schemas import AccessGrantCreate, AuthorizationCreate, PurposeCreate

from .conftest import ANALYST, CHICAGO, NOW, NYC, OFFICER, TODAY, W2, W2_OTHER, make_user


def events(engine: Engine, action: str) -> list[tuple[str, str | None, str | None, str]]:
    """Return (outcome, resource_id, purpose, details) of the events of ``action``, oldest first."""
    with session_scope(engine) as session:
        found = audit_service.list_events(session=session, action=action)
        return [(e.outcome, e.resource_id, e.purpose, e.details) for e in reversed(found)]


def declare(engine: Engine, principal: Principal = ANALYST, kind: str = "CASE", **kw: str) -> str:
    data = PurposeCreate(
        kind=kind,  # type: ignore[arg-type]
        reference=kw.get("reference", "CASE-2026-001"),
        title=kw.get("title", "Removal case of a person"),
        justification=kw.get("justification", "A final order awaits execution."),
        field_office=kw.get("field_office"),
    )
    return flows.create_purpose(principal=principal, data=data, engine=engine, now=NOW).id


def order(
    purpose_id: str, kind: str = "IRC_6103_I1_COURT_ORDER", **kw: object
) -> AuthorizationCreate:
    fields: dict[str, object] = {
        "kind": kind,
        "reference": "1:26-mj-00042",
        "issued_by": "U.S. District Court, S.D.N.Y.",
        "issued_on": TODAY,
        "sources": ["irs_w2"],
        "purpose_ids": [purpose_id],
        "subjects": [{"kind": "SSN", "value": "123-45-6789"}],
    }
    return AuthorizationCreate.model_validate({**fields, **kw})


# -- purposes ------------------------------------------------------------------------------


def test_an_officer_declares_a_purpose_of_their_office_audited(engine: Engine) -> None:
    purpose_id = declare(engine, OFFICER)
    with session_scope(engine) as session:
        purpose = flows.get_purpose(session=session, principal=OFFICER, purpose_id=purpose_id)
        assert purpose.field_office == NYC and purpose.created_by == OFFICER.actor
    [(outcome, resource_id, purpose, details)] = events(engine, "purpose.create")
    assert (outcome, resource_id, purpose) == ("SUCCESS", purpose_id, purpose_id)
    assert "CASE-2026-001" in details


def test_a_purpose_outside_ones_offices_is_refused_and_audited(engine: Engine) -> None:
    with pytest.raises(PurposeError, match="not one of yours"):
        declare(engine, OFFICER, field_office=CHICAGO)
    two = replace(OFFICER, offices=(NYC, CHICAGO))
    with pytest.raises(PurposeError, match="say which one"):
        declare(engine, two)
    assert [e[0] for e in events(engine, "purpose.create")] == ["DENIED", "DENIED"]


def test_purposes_are_visible_to_creator_office_and_national_roles(engine: Engine) -> None:
    nyc = declare(engine, OFFICER, reference="NYC-1")
    chicago_officer = Principal(actor="u-chi", username="chi", role="OFFICER", offices=(CHICAGO,))
    chicago = declare(engine, chicago_officer, reference="CHI-1")
    national = declare(engine, ANALYST, reference="HQ-1")
    colleague = replace(OFFICER, actor="u-colleague")
    with session_scope(engine) as session:

        def ids(who: Principal) -> set[str]:
            return {p.id for p in flows.list_purposes(session=session, principal=who)}

        assert ids(OFFICER) == {nyc} and ids(colleague) == {nyc}
        assert ids(chicago_officer) == {chicago}
        assert ids(ANALYST) == {nyc, chicago, national}
        with pytest.raises(PurposeError, match="no purpose"):
            flows.get_purpose(session=session, principal=chicago_officer, purpose_id=nyc)


def test_a_closed_purpose_gives_no_context(engine: Engine) -> None:
    purpose_id = declare(engine, OFFICER)
    flows.close_purpose(principal=OFFICER, purpose_id=purpose_id, engine=engine)
    with session_scope(engine) as session, pytest.raises(PurposeError, match="closed"):
        flows.load_context(session=session, principal=OFFICER, purpose_id=purpose_id)
    with pytest.raises(PurposeError, match="already closed"):
        flows.close_purpose(principal=OFFICER, purpose_id=purpose_id, engine=engine)
    assert [e[0] for e in events(engine, "purpose.close")] == ["SUCCESS", "DENIED"]


def test_context_refuses_unknown_and_other_office_purposes(engine: Engine) -> None:
    purpose_id = declare(engine, OFFICER)
    with session_scope(engine) as session:
        with pytest.raises(PurposeError, match="no purpose P-nope"):
            flows.load_context(session=session, principal=OFFICER, purpose_id="P-nope")
        moved = replace(OFFICER, offices=(CHICAGO,))  # the creator, transferred
        with pytest.raises(PurposeError, match="belongs to New York City Field Office"):
            flows.load_context(session=session, principal=moved, purpose_id=purpose_id)
        ctx = flows.load_context(session=session, principal=OFFICER, purpose_id=None, today=TODAY)
        assert ctx.purpose is None and ctx.authorizations == ()


# -- authorizations ------------------------------------------------------------------------


def test_a_6103_i2_request_needs_a_criminal_investigation(engine: Engine) -> None:
    case = declare(engine)
    with pytest.raises(AuthorizationError, match="CRIMINAL_INVESTIGATION"):
        flows.record_authorization(
            principal=ANALYST, data=order(case, "IRC_6103_I2_REQUEST"), engine=engine
        )
    with pytest.raises(AuthorizationError, match="CRIMINAL_INVESTIGATION"):
        flows.record_authorization(principal=ANALYST, data=order(case), engine=engine)
    investigation = declare(engine, kind="CRIMINAL_INVESTIGATION", reference="CI-2026-7")
    recorded = flows.record_authorization(
        principal=ANALYST, data=order(investigation, "IRC_6103_I2_REQUEST"), engine=engine
    )
    assert recorded.subjects == [{"kind": "SSN", "value": "123456789"}]
    outcomes = events(engine, "authorization.record")
    assert [e[0] for e in outcomes] == ["DENIED", "DENIED", "SUCCESS"]
    # The subjects' numbers stay out of the audit log.
    assert all("123456789" not in e[3] and "123-45-6789" not in e[3] for e in outcomes)


def test_authorizations_are_checked_before_they_are_recorded(engine: Engine) -> None:
    with pytest.raises(AuthorizationError, match="no purpose P-missing"):
        flows.record_authorization(principal=ANALYST, data=order("P-missing"), engine=engine)
    with pytest.raises(ValidationError, match="covers IRS sources only"):
        order("P-x", sources=["dmv_licenses"], states=["NY"])
    with pytest.raises(ValidationError, match="must name the state"):
        order("P-x", "JUDICIAL_WARRANT", sources=["dmv_licenses"])
    with pytest.raises(ValidationError, match="9 digits"):
        order("P-x", subjects=[{"kind": "SSN", "value": "12-34"}])
    with pytest.raises(ValidationError, match="before issued_on"):
        order("P-x", expires_on=TODAY - timedelta(days=1))


def test_an_order_opens_irs_records_of_its_subjects_until_revoked(
    engine: Engine, policy: DataUsePolicy
) -> None:
    investigation = declare(engine, kind="CRIMINAL_INVESTIGATION", reference="CI-2026-7")
    recorded = flows.record_authorization(
        principal=ANALYST, data=order(investigation), engine=engine
    )
    with session_scope(engine) as session:
        ctx = flows.load_context(
            session=session, principal=ANALYST, purpose_id=investigation, today=TODAY
        )
    assert policy.decide_record(ctx, "irs_w2", W2, Use.READ).authorization_id == recorded.id
    assert not policy.decide_record(ctx, "irs_w2", W2_OTHER, Use.READ).allowed
    flows.revoke_authorization(
        principal=ANALYST, authorization_id=recorded.id, reason="order vacated", engine=engine
    )
    with session_scope(engine) as session:
        ctx = flows.load_context(
            session=session, principal=ANALYST, purpose_id=investigation, today=TODAY
        )
    decision = policy.decide_record(ctx, "irs_w2", W2, Use.READ)
    assert not decision.allowed and "was revoked" in decision.reason
    with pytest.raises(AuthorizationError, match="already revoked"):
        flows.revoke_authorization(
            principal=ANALYST, authorization_id=recorded.id, reason="again", engine=engine
        )
    assert [e[0] for e in events(engine, "authorization.revoke")] == ["SUCCESS", "DENIED"]


# -- access grants -------------------------------------------------------------------------


def test_fincen_access_is_granted_and_revoked_audited(engine: Engine) -> None:
    user_id = make_user(engine)
    data = AccessGrantCreate(user_id=user_id, grant="FINCEN", reason="BSA task force")  # type: ignore[arg-type]
    grant = flows.grant_access(principal=ANALYST, data=data, engine=engine)
    with session_scope(engine) as session:
        assert service.active_grants(session=session, user_id=user_id) == {"FINCEN"}
    with pytest.raises(GrantError, match="already holds"):
        flows.grant_access(principal=ANALYST, data=data, engine=engine)
    flows.revoke_access(
        principal=ANALYST, grant_id=grant.id, reason="left the task force", engine=engine
    )
    with session_scope(engine) as session:
        assert service.active_grants(session=session, user_id=user_id) == frozenset()
        assert len(service.list_grants(session=session, user_id=user_id, include_revoked=True)) == 1
    ghost = AccessGrantCreate(user_id="no-such-user", grant="FINCEN", reason="x")  # type: ignore[arg-type]
    with pytest.raises(GrantError, match="no user"):
        flows.grant_access(principal=ANALYST, data=ghost, engine=engine)
    assert [e[0] for e in events(engine, "grant.add")] == ["SUCCESS", "DENIED", "DENIED"]
    assert [e[0] for e in events(engine, "grant.revoke")] == ["SUCCESS"]
    with session_scope(engine) as session:
        assert audit_service.verify(session=session).ok
