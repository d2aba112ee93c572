"""A collateral encounter recorded from the operation's page: cleared, it links the person's
own lead and case; halted, it opens nothing and says which review comes first."""

from __future__ import annotations

import re

from api.conftest import HOME_OFFICE
from cases.conftest import World, api, fast_hasher, world  # noqa: F401  (fixtures)
from custody.test_collateral_lead_case import _operation, _zofia
from immigrationos.cases.models import Case
from immigrationos.db.engine import session_scope

from .conftest import Web, web  # noqa: F401  (fixture)

CASE_LINK = re.compile(r'href="/cases/(C\w+)\?[^"]*" data-testid="collateral-case"')


def _form(person_id: str, purpose: str, **changes: str) -> dict[str, str]:
    return {
        "person_id": person_id, "encounter": "at the door of 7 Elm St, not the target",
        "identity_confirmed": "yes", "identity_method": "fingerprints matched",
        "citizenship_claim": "no", "citizenship_statement": "", "purpose": purpose, **changes,
    }  # fmt: skip


def test_the_operation_page_records_a_collateral_encounter(world: World, web: Web) -> None:  # noqa: F811
    person_id = _zofia(world)
    approved = _operation(world)
    requested = _operation(world, status="REQUESTED")
    officer = web.user("OFFICER", [HOME_OFFICE])
    purpose = officer.declare_purpose("C-COLLATERAL")
    shown = officer.get(f"/operations/{approved}?purpose={purpose}")
    assert shown.status_code == 200, shown.text
    assert 'data-testid="collateral"' in shown.text
    assert f'action="/operations/{approved}/collateral"' in shown.text
    waiting = officer.get(f"/operations/{requested}?purpose={purpose}")
    assert waiting.status_code == 200 and 'data-testid="collateral"' not in waiting.text

    unanswered = officer.post(
        f"/operations/{approved}/collateral", _form(person_id, purpose, citizenship_claim="")
    )
    assert unanswered.status_code == 422 and "citizenship" in unanswered.text

    halted = officer.post(
        f"/operations/{approved}/collateral",
        _form(person_id, purpose, citizenship_claim="yes", citizenship_statement="born in Fresno"),
    )  # fmt: skip
    assert halted.status_code == 201, halted.text
    assert "Halted for a citizenship review" in halted.text
    assert 'data-testid="collateral-case"' not in halted.text

    cleared = officer.post(f"/operations/{approved}/collateral", _form(person_id, purpose))
    assert cleared.status_code == 201, cleared.text
    assert "Cleared" in cleared.text and 'data-testid="collateral-lead"' in cleared.text
    found = CASE_LINK.search(cleared.text)
    assert found, cleared.text
    with session_scope(world.api.engine) as session:
        case = session.get(Case, found.group(1))
        assert case is not None
        assert (case.person_id, case.state, case.assigned_officer) == (
            person_id, "arrest", officer.id,
        )  # fmt: skip
    # The booking goes on from the case's page.
    page = officer.get(f"/cases/{found.group(1)}?purpose={purpose}")
    assert page.status_code == 200 and 'data-testid="booking-open"' in page.text
    assert len(world.api.audit_events(action="custody.collateral", outcome="SUCCESS")) == 2
