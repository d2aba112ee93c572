"""A collateral arrest goes through identity, citizenship and the safeguards as a new lead."""

from __future__ import annotations

from typing import Any

from api.conftest import HOME_OFFICE
from cases import world as case_world
from cases.conftest import World


def _report(w: World, **changes: Any) -> dict[str, Any]:
    body = {
        "person_id": "P" + w.leads["teodoro"][1:], "field_office": HOME_OFFICE,
        "encounter": "at 7 Elm St with the target; not the target",
        "identity_confirmed": True, "identity_method": "fingerprints matched",
        "citizenship_claim": False, **changes,
    }  # fmt: skip
    return body


def test_a_collateral_with_an_open_lead_s_records_is_cleared(world: World) -> None:
    done = world.post("OFFICER", "/custody/collateral", _report(world))
    assert done.status_code == 201, done.text
    assert (done.json()["outcome"], done.json()["review"], done.json()["lead_state"]) == (
        "CLEARED", None, "OPEN",
    )  # fmt: skip
    (event,) = world.api.audit_events(action="custody.collateral", outcome="SUCCESS")
    assert event.purpose == world.purposes["OFFICER"]
    # Cleared: the person's open lead gets its case, at arrest, for the booking to go on.
    assert done.json()["lead_id"] == world.leads["teodoro"]
    case = world.case(done.json()["case_id"])
    assert (case.lead_id, case.state) == (world.leads["teodoro"], "arrest")


def test_a_citizenship_claim_or_indicator_halts_the_collateral(world: World) -> None:
    claimed = world.post(
        "OFFICER", "/custody/collateral",
        _report(world, citizenship_claim=True, citizenship_statement="born in Fresno"),
    )  # fmt: skip
    assert claimed.status_code == 201, claimed.text
    assert (claimed.json()["outcome"], claimed.json()["review"]) == ("HALTED", "citizenship")
    assert "16001.2" in claimed.json()["detail"]
    unsure = world.post("OFFICER", "/custody/collateral", _report(world, identity_confirmed=False))
    assert (unsure.json()["outcome"], unsure.json()["review"]) == ("HALTED", "identity")
    case_world.add_us_passport(world.api.engine, world.folder / "passport", world.lake_dir)
    indicator = world.post("OFFICER", "/custody/collateral", _report(world))
    assert (indicator.json()["outcome"], indicator.json()["review"]) == ("HALTED", "citizenship")
    assert "CITIZENSHIP_EVIDENCE" in indicator.json()["safeguards"]
    halted = (claimed.json(), unsure.json(), indicator.json())
    assert {(h["lead_id"], h["case_id"]) for h in halted} == {(None, None)}
    assert world.api.audit_events(action="cases.create") == []


def test_a_collateral_outside_the_area_or_without_purpose_is_refused(world: World) -> None:
    elsewhere = world.post("OFFICER", "/custody/collateral", _report(world, field_office="Chicago"))
    assert elsewhere.status_code == 403
    no_purpose = world.api.client.post(
        "/api/v1/custody/collateral", json=_report(world),
        headers=world.users["OFFICER"].headers,
    )  # fmt: skip
    assert no_purpose.status_code == 428
    assert world.post("ANALYST", "/custody/collateral", _report(world)).status_code == 403
