"""Many leads read at once serve exactly what reading each would, under the same rules."""

from __future__ import annotations

import pytest

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import engine as policy_engine
from immigrationos.targeting import access

from .conftest import HOME_OFFICE, Api
from .test_leads_api import _queue_world, _Withholding


@pytest.mark.parametrize("offices", [None, [HOME_OFFICE]])
def test_read_leads_equals_read_lead_one_by_one(
    api: Api, monkeypatch: pytest.MonkeyPatch, offices: list[str] | None
) -> None:
    rows = _queue_world(api)
    monkeypatch.setattr(
        policy_engine, "get_policy", lambda real=policy_engine.get_policy(): _Withholding(real)
    )
    role = "ANALYST" if offices is None else "OFFICER"
    user = api.user(role, offices)
    made = api.client.post(
        "/api/v1/purposes",
        json={"kind": "CASE", "reference": "C-R", "title": "t", "justification": "t"},
        headers=user.headers,
    )
    purpose = str(made.json()["id"])
    principal = Principal(
        actor=user.id, username=user.username, role=role, offices=tuple(offices or ())
    )
    asked = [r["lead_id"] for r in rows] + ["LNOSUCHLEAD"]
    one_by_one = []
    with session_scope(api.engine) as session:
        for lead_id in asked:
            try:
                one_by_one.append(access.read_lead(session, principal, purpose, lead_id))
            except Exception:
                continue
    reads_before = api.audit_count(action="leads.read", actor=user.id, outcome="SUCCESS")
    with session_scope(api.engine) as session:
        together = access.read_leads(session, principal, purpose, asked)
    assert [lead.lead_id for lead in together] == [lead.lead_id for lead in one_by_one]
    assert [lead.model_dump() for lead in together] == [lead.model_dump() for lead in one_by_one]
    # Some were left out (refused sources, another area), and each served read is audited.
    assert 0 < len(together) < len(rows)
    after = api.audit_count(action="leads.read", actor=user.id, outcome="SUCCESS")
    assert after - reads_before == len(together)
    if offices is not None:
        assert {lead.field_office for lead in together} == {HOME_OFFICE}
