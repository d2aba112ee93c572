"""Nothing from a suspicious activity report, and nothing from a confidential VAWA, T, U or
asylum application, appears in a document served on the person (8 U.S.C. § 1367, 8 CFR
208.6, 31 U.S.C. § 5318(g)(2)): every form, drafted and signed, by a user who may read
those records (FinCEN grant), with the case's own facts present."""

from __future__ import annotations

from typing import Any

from immigrationos.documents import facts as served
from immigrationos.policy.engine import get_policy

from .conftest import DocumentsWorld, pdf_text, squeeze
from .world import CONFIDENTIAL

OVERSTAY = ["237(a)(1)(B)"]
# form, person, case state, entries, facts that must be there
FORMS: list[tuple[str, str, str, dict[str, Any], tuple[str, ...]]] = [
    ("I-200", "teodoro", "target_package", {"charges": OVERSTAY},
     ("BALTHAZAR-KWIATEK", "1985-04-09", "7 ELM ST")),
    ("I-862", "teodoro", "arrest", {"charges": OVERSTAY},
     ("BALTHAZAR-KWIATEK", "1985-04-09", "7 ELM ST", "LAX")),
    ("I-213", "teodoro", "arrest", {}, ("BALTHAZAR-KWIATEK", "1985-04-09", "2023-01-05")),
    ("I-286", "teodoro", "custody_decision", {"custody_determination": "RELEASE_CONDITIONS",
                                              "bond_amount": 5000},
     ("BALTHAZAR-KWIATEK", "7 ELM ST", "$5,000")),
    ("I-871", "ramiro", "arrest", {}, ("ESTEBANEZ-HOLT", "2020-05-01", "5 FIGUEROA ST")),
    ("I-205", "octavia", "detained", {}, ("RENWICK-DUARTE", "A055512345", "2025-03-01")),
]  # fmt: skip


def _grant_fincen(world: DocumentsWorld, *roles: str) -> None:
    for role in roles:
        granted = world.api.client.post(
            "/api/v1/grants",
            json={"user_id": world.users[role].id, "grant": "FINCEN", "reason": "BSA liaison"},
            headers=world.users["ADMIN"].headers,
        )
        assert granted.status_code == 201, granted.text


def _absent(text: str, where: str) -> None:
    leaked = [value for value in CONFIDENTIAL if squeeze(value) in text]
    assert not leaked, (where, leaked)


def test_no_confidential_fact_in_any_form_drafted_or_signed(world: DocumentsWorld) -> None:
    _grant_fincen(world, "OFFICER", "SUPERVISOR", "SUPERVISOR2", "DETENTION")
    # The officer may read the SAR and the applications: they are there, just not served.
    teodoro_case = world.open_case("teodoro")
    assert world.get("OFFICER", f"/cases/{teodoro_case}").status_code == 200
    made: dict[str, str] = {}
    for form, label, state, entries, facts in FORMS:
        case_id = teodoro_case if label == "teodoro" else world.open_case(label)
        world.force(case_id, state=state)
        response = world.generate("OFFICER", case_id, form, **entries)
        assert response.status_code == 201, (form, response.text)
        document = response.json()
        made[form] = document["document_id"]
        draft = pdf_text(world.pdf("OFFICER", document["document_id"]))
        _absent(draft, f"{form} draft")
        for fact in facts:
            assert squeeze(fact) in draft, (form, fact)
        signer = "SUPERVISOR2" if form in ("I-200", "I-205") else "SUPERVISOR"
        if form == "I-213":
            signer = "OFFICER"
        signed = world.sign(signer, document["document_id"])
        assert signed.status_code == 200, (form, signed.text)
        _absent(pdf_text(world.pdf("OFFICER", document["document_id"])), f"{form} signed")
        if form == "I-200":
            world.force(teodoro_case, state="arrest")
            detainer = world.generate("DETENTION", teodoro_case, "I-247A")
            assert detainer.status_code == 201, detainer.text
            _absent(pdf_text(world.pdf("OFFICER", detainer.json()["document_id"])), "I-247A")
    assert set(made) == {f[0] for f in FORMS}
    # The stored record of each document names only servable records.
    for document_id in made.values():
        body = world.get("OFFICER", f"/documents/{document_id}").json()
        assert "fincen" not in str(body).lower() and "uscis_benefits" not in str(body).lower()


def test_officer_text_repeating_a_confidential_value_is_refused(world: DocumentsWorld) -> None:
    _grant_fincen(world, "OFFICER")
    case_id = world.open_case("teodoro", "arrest")
    for narrative in (
        "Found at 41 Refuge Way, Pasadena.",
        "Lives with his brother Oswaldo Peregrine-Vance.",
        "Receipt EAC2290012345 was denied.",
    ):
        refused = world.generate("OFFICER", case_id, "I-213", narrative=narrative)
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("confidential-text")
        assert "Oswaldo" not in refused.text and "Refuge" not in refused.text
    fine = world.generate("OFFICER", case_id, "I-213", narrative="Encountered at 7 Elm St.")
    assert fine.status_code == 201, fine.text


def test_charges_are_not_taken_from_a_lead_resting_on_a_confidential_record(
    world: DocumentsWorld,
) -> None:
    # Teodoro's lead rests on his asylum application too: its charge is not carried over.
    case_id = world.open_case("teodoro", "arrest")
    refused = world.generate("OFFICER", case_id, "I-862")
    assert refused.status_code == 422 and refused.json()["type"].endswith("charges-required")


def test_the_allow_list_takes_no_field_it_does_not_name() -> None:
    assert "fincen_sar" not in served.SERVABLE_FIELDS
    assert "irs_w2" not in served.SERVABLE_FIELDS and "tips" not in served.SERVABLE_FIELDS
    assert "receipt_number" not in served.SERVABLE_FIELDS["uscis_benefits"]
    assert not any("passport_number" in f for f in served.SERVABLE_FIELDS.values())
    assert get_policy().never_revealed_to_subject("fincen_sar")
