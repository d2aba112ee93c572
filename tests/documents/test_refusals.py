"""Refusals: the legal preconditions of each form, the roles that draft and sign, the
case's state, its area, and the safeguards."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import DocumentsWorld

OVERSTAY = ["237(a)(1)(B)"]


def _kind(response: Any) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("label", "state", "why"),
    [
        ("octavia", "arrest", "a final order exists"),
        ("ramiro", "arrest", "a prior order can be reinstated"),
        ("teodoro", "final_order", "the case records a final order"),
    ],
)
def test_no_notice_to_appear_for_a_final_or_reinstatable_order(
    world: DocumentsWorld, label: str, state: str, why: str
) -> None:
    case_id = world.open_case(label, state)
    if state == "final_order":
        # An NTA is not even of this state; force a state it belongs to but keep the order.
        refused = world.generate("OFFICER", case_id, "I-862", charges=OVERSTAY)
        assert refused.status_code == 409 and _kind(refused) == "form-not-available"
        return
    refused = world.generate("OFFICER", case_id, "I-862", charges=OVERSTAY)
    assert refused.status_code == 409, refused.text
    assert _kind(refused) == "precondition-failed" and why in refused.json()["detail"]
    assert refused.json()["rule"] == "NO_PRIOR_ORDER"
    assert world.api.audit_count(action="documents.generate", outcome="DENIED") == 1


def test_detainer_only_with_a_signed_warrant(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "target_package")
    refused = world.generate("OFFICER", case_id, "I-247A")
    assert refused.status_code == 409 and _kind(refused) == "precondition-failed"
    assert refused.json()["rule"] == "SIGNED_WARRANT"
    draft = world.generate("OFFICER", case_id, "I-200", charges=OVERSTAY).json()
    still = world.generate("OFFICER", case_id, "I-247A")  # a draft warrant is no warrant
    assert still.status_code == 409 and _kind(still) == "precondition-failed"
    assert world.sign("SUPERVISOR", draft["document_id"]).status_code == 200
    made = world.generate("OFFICER", case_id, "I-247A")
    assert made.status_code == 201 and made.json()["based_on"] == draft["document_id"]


def test_warrant_of_removal_only_on_a_final_order(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "detained")
    refused = world.generate("OFFICER", case_id, "I-205")
    assert refused.status_code == 409 and refused.json()["rule"] == "FINAL_ORDER"
    # A final order recorded on the case by an attorney (state final_order) is a basis.
    world.force(case_id, state="final_order")
    assert world.generate("OFFICER", case_id, "I-205").status_code == 201


def test_reinstatement_only_with_a_prior_removal(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "arrest")
    refused = world.generate("OFFICER", case_id, "I-871")
    assert refused.status_code == 409 and refused.json()["rule"] == "PRIOR_REMOVAL"
    assert "no prior removal" in refused.json()["detail"]


def test_only_a_supervisor_who_did_not_draft_it_signs_a_warrant(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "target_package")
    draft = world.generate("SUPERVISOR", case_id, "I-200", charges=OVERSTAY).json()
    by_officer = world.sign("OFFICER", draft["document_id"])
    assert by_officer.status_code == 403 and _kind(by_officer) == "signer-not-allowed"
    assert "supervisory officer" in by_officer.json()["detail"]
    by_drafter = world.sign("SUPERVISOR", draft["document_id"])
    assert by_drafter.status_code == 403 and _kind(by_drafter) == "signer-drafted-it"
    for role in ("LEGAL", "DETENTION", "ANALYST", "OVERSIGHT"):
        refused = world.sign(role, draft["document_id"])
        assert refused.status_code == 403 and _kind(refused) == "permission-denied", role
    assert world.sign("SUPERVISOR2", draft["document_id"]).status_code == 200
    assert world.api.audit_count(action="documents.sign", outcome="DENIED") == 2


def test_roles_that_may_not_draft_a_form_are_refused(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "target_package")
    detention = world.generate("DETENTION", case_id, "I-200", charges=OVERSTAY)
    assert detention.status_code == 403 and _kind(detention) == "form-not-allowed"
    for role in ("ANALYST", "OVERSIGHT", "ADMIN", "WORKSITE_AUDITOR"):
        refused = world.generate(role, case_id, "I-200", charges=OVERSTAY)
        assert refused.status_code == 403 and _kind(refused) == "permission-denied", role
    for role in ("ANALYST", "ADMIN", "WORKSITE_AUDITOR"):
        listed = world.get(role, f"/cases/{case_id}/documents")
        assert listed.status_code == 403, role


def test_officers_sign_their_record_of_arrest(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "arrest")
    record = world.generate("OFFICER", case_id, "I-213").json()
    assert world.sign("OFFICER", record["document_id"]).status_code == 200
    nta = world.generate("LEGAL", case_id, "I-862", charges=OVERSTAY).json()
    refused = world.sign("OFFICER", nta["document_id"])
    assert refused.status_code == 403 and _kind(refused) == "signer-not-allowed"


def test_case_state_halt_and_area(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "arrest")
    early = world.generate("OFFICER", case_id, "I-200", charges=OVERSTAY)
    assert early.status_code == 409 and _kind(early) == "form-not-available"
    world.force(case_id, state="citizenship_review", halted_from="arrest")
    halted = world.generate("OFFICER", case_id, "I-213")
    assert halted.status_code == 409 and _kind(halted) == "case-halted"
    world.force(case_id, state="removed", halted_from=None)
    closed = world.generate("OFFICER", case_id, "I-213")
    assert closed.status_code == 409 and _kind(closed) == "case-closed"
    # Chicago's case is not in the Los Angeles officer's area: as if it did not exist.
    chicago = world.open_case("wilhelmina", "arrest")
    hidden = world.generate("OFFICER", chicago, "I-213")
    missing = world.generate("OFFICER", "CNOSUCHCASE", "I-213")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(chicago, "X") == missing.json()["detail"].replace(
        "CNOSUCHCASE", "X"
    )


def test_a_draft_is_not_signed_once_the_safeguards_no_longer_clear_the_person(
    world: DocumentsWorld,
) -> None:
    from cases import world as case_world

    case_id = world.open_case("teodoro", "target_package")
    draft = world.generate("OFFICER", case_id, "I-200", charges=OVERSTAY).json()
    case_world.add_us_passport(world.api.engine, world.folder / "pp", world.lake_dir)
    refused = world.sign("SUPERVISOR", draft["document_id"])
    assert refused.status_code == 409 and _kind(refused) == "safeguards-refuse"
    assert world.get("OFFICER", f"/documents/{draft['document_id']}").json()["state"] == "DRAFT"


def test_a_purpose_is_required(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "arrest")
    response = world.api.client.post(
        f"/api/v1/cases/{case_id}/documents",
        json={"form": "I-213"},
        headers=world.users["OFFICER"].headers,
    )
    assert response.status_code == 428
