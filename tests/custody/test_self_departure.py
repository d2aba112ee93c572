"""A confirmed departure moves an open case to self_departed in the re-check of open cases,
with its event and audit, counted by office and week for the dashboard."""

from __future__ import annotations

import datetime as dt
import json

from cases import world as case_world
from cases.conftest import World
from immigrationos.auth.principal import Principal
from immigrationos.cases import flows
from immigrationos.cases.machine import CaseState
from immigrationos.custody import departure
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate

from .conftest import at_state

OPERATOR = Principal.operator("tester")
I94_DEPARTURE = (
    case_world.I94.split("\n", 1)[0] + "\n"
    "I94-T2D,DEPARTURE,2026-10-02,22345678901,TEODORO,BALTHAZAR-KWIATEK,1985-04-09,M,GTM,"
    "G1234567,,,LAX,,,,\n"
)
HOME_DEPARTURE = (
    "record_id,report_date,given_name,family_name,birth_date,a_number,passport_number,"
    "citizenship_country,intended_departure_date,confirmed_departure_date,departure_port\n"
    "HD-T1,2026-09-20,TEODORO,BALTHAZAR-KWIATEK,1985-04-09,,G1234567,GTM,2026-10-01,"
    "2026-10-03,LAX\n"
)


def _recheck(w: World) -> list[flows.TransitionOutcome]:
    purpose = policy_flows.create_purpose(
        engine=w.api.engine, principal=OPERATOR,
        data=PurposeCreate(kind=PurposeKind.CASE, reference="C-RE", title="t", justification="t"),
    )  # fmt: skip
    return flows.recheck_open_cases(w.api.engine, principal=OPERATOR, purpose_id=purpose.id)


def test_an_i94_departure_moves_an_open_case_to_self_departed(world: World) -> None:
    case_id = world.accept()["case_id"]
    other = world.accept("wilhelmina")["case_id"]
    assert _recheck(world) == []
    case_world.add_records(
        world.api.engine, world.folder / "dep", world.lake_dir, {"cbp_i94": I94_DEPARTURE},
        ["cbp_i94:I94-T2D"],
    )  # fmt: skip
    (outcome,) = _recheck(world)
    assert (outcome.case.case_id, outcome.halted) == (case_id, False)
    case = world.case(case_id)
    assert (case.state, case.version) == ("self_departed", 2)
    assert world.case(other).state == "investigation"
    last = world.get("ANALYST", f"/cases/{case_id}/history").json()["events"][-1]
    assert (last["kind"], last["transition"], last["to_state"]) == (
        "TRANSITION", "record_self_departure", "self_departed",
    )  # fmt: skip
    assert "I94_DEPARTURE on 2026-10-02" in last["reason"]
    assert "cbp_i94:I94-T2D" in last["reason"]
    (audited,) = world.api.audit_events(action="cases.transition", resource_id=case_id)
    details = json.loads(audited.details)
    assert details["automatic"] and details["departure"]["evidence"] == ["cbp_i94:I94-T2D"]
    # Nothing more to do the next time.
    assert _recheck(world) == []
    # Counted for the dashboard, in this week, for Los Angeles.
    with session_scope(world.api.engine) as session:
        weeks = departure.self_departures_by_week(session, None)
    week, _start = departure.iso_week(dt.datetime.now(dt.UTC))
    assert [(w.field_office, w.week, w.self_departures, w.automatic) for w in weeks] == [
        ("Los Angeles Field Office", week, 1, 1)
    ]
    counts = world.get("SUPERVISOR", "/custody/self-departures")
    assert counts.status_code == 200, counts.text
    assert counts.json()["weeks"][0]["self_departures"] == 1
    assert world.get("ADMIN", "/custody/self-departures").status_code == 403


def test_a_confirmed_self_reported_departure_of_a_released_person(world: World) -> None:
    case_id, _version = at_state(world, CaseState.RELEASED_ATD)
    case_world.add_records(
        world.api.engine, world.folder / "home", world.lake_dir,
        {"cbp_home_departures": HOME_DEPARTURE}, ["cbp_home_departures:HD-T1"],
    )  # fmt: skip
    (outcome,) = _recheck(world)
    assert not outcome.halted and world.case(case_id).state == "self_departed"
    last = world.get("ANALYST", f"/cases/{case_id}/history").json()["events"][-1]
    assert last["from_state"] == "released_atd"
    assert "CONFIRMED_SELF_DEPARTURE on 2026-10-03" in last["reason"]


def test_a_departure_record_of_a_detained_person_halts_the_case_instead(world: World) -> None:
    case_id, _version = at_state(world, CaseState.DETAINED)
    case_world.add_records(
        world.api.engine, world.folder / "dep", world.lake_dir, {"cbp_i94": I94_DEPARTURE},
        ["cbp_i94:I94-T2D"],
    )  # fmt: skip
    (outcome,) = _recheck(world)
    assert outcome.halted
    case = world.case(case_id)
    assert (case.state, case.halted_from) == ("safeguard_review", "detained")


def test_citizenship_evidence_still_wins_over_a_departure(world: World) -> None:
    case_id = world.accept()["case_id"]
    case_world.add_records(
        world.api.engine, world.folder / "both", world.lake_dir,
        {"cbp_i94": I94_DEPARTURE, "dos_passports": case_world.PASSPORT},
        ["cbp_i94:I94-T2D", "dos_passports:PP-T1"],
    )  # fmt: skip
    (outcome,) = _recheck(world)
    assert outcome.halted and world.case(case_id).state == "citizenship_review"
