"""Counsel of record (G-28) is notified of a transfer: a notice recorded on the case."""

from __future__ import annotations

import json

from cases.conftest import World
from immigrationos.cases.machine import CaseState

from .conftest import at_state, take
from .test_booking import COMPLETE
from .test_locator import FACILITY

OTAY = {**FACILITY, "facility_name": "Otay Mesa Detention Center", "facility_code": "OTAY"}


def _booked_and_detained(w: World, counsel: bool) -> str:
    case_id, _version = at_state(w, CaseState.ARREST)
    assert w.post("OFFICER", f"/custody/cases/{case_id}/booking", {}).status_code == 201
    body = COMPLETE if counsel else {**COMPLETE, "counsel": None}
    done = w.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", body)
    assert done.status_code == 200, done.text
    take(w, "DETENTION", case_id, "refer_custody_decision", w.case(case_id).version)
    take(w, "SUPERVISOR", case_id, "detain", w.case(case_id).version)
    return case_id


def test_a_transfer_records_a_notice_to_counsel_of_record(world: World) -> None:
    case_id = _booked_and_detained(world, counsel=True)
    first = world.post("DETENTION", f"/custody/cases/{case_id}/detention", FACILITY)
    assert first.status_code == 201, first.text
    path = f"/custody/cases/{case_id}/counsel-notices"
    # The first placement is no transfer: nothing to tell.
    assert world.get("LEGAL", path).json()["notices"] == []
    moved = world.post("DETENTION", f"/custody/cases/{case_id}/detention", OTAY)
    assert moved.status_code == 201, moved.text
    (notice,) = world.get("LEGAL", path).json()["notices"]
    assert notice["recipient"]["name"] == "R. Okafor, Esq."
    assert "Otay Mesa Detention Center" in notice["subject"]
    assert FACILITY["facility_name"] in notice["body"] and "A123456789" in notice["body"]
    assert notice["created_by"] and notice["created_at"]
    audited = world.api.audit_events(action="custody.detention", outcome="SUCCESS")
    assert json.loads(audited[-1].details)["counsel_notified"] is True


def test_no_notice_without_counsel_of_record(world: World) -> None:
    case_id = _booked_and_detained(world, counsel=False)
    for stay in (FACILITY, OTAY):
        assert (
            world.post("DETENTION", f"/custody/cases/{case_id}/detention", stay).status_code == 201
        )
    assert world.get("LEGAL", f"/custody/cases/{case_id}/counsel-notices").json()["notices"] == []
