"""Each form generates a valid PDF holding the case's facts; DRAFT until signed; the hash
changes on signing and matches the bytes served; every step is audited."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from .conftest import DocumentsWorld, pdf_text, squeeze

TEODORO = ("BALTHAZAR-KWIATEK", "TEODORO", "1985-04-09", "GTM", "7 ELM ST", "LOS ANGELES")
OCTAVIA = ("RENWICK-DUARTE", "OCTAVIA", "1988-06-17", "PER", "A055512345", "21 VINE ST")
RAMIRO = ("ESTEBANEZ-HOLT", "RAMIRO", "1983-12-02", "HND", "5 FIGUEROA ST")
OVERSTAY = ["237(a)(1)(B)"]


def _signed_warrant(world: DocumentsWorld, case_id: str) -> str:
    """Draft an I-200 as a supervisor, have another supervisor sign it; return its ID."""
    draft = world.generate("SUPERVISOR", case_id, "I-200", charges=OVERSTAY)
    assert draft.status_code == 201, draft.text
    signed = world.sign("SUPERVISOR2", draft.json()["document_id"])
    assert signed.status_code == 200, signed.text
    return str(signed.json()["document_id"])


# form, person, case state, entries, facts the PDF holds
CASES: list[tuple[str, str, str, dict[str, Any], tuple[str, ...]]] = [
    ("I-862", "teodoro", "arrest", {"charges": OVERSTAY, "immigration_court": "606 S Olive St"},
     (*TEODORO, "LAX", "2023-07-04", "237(a)(1)(B)", "NOTICETOAPPEAR", "606 S OLIVE ST")),
    ("I-200", "teodoro", "target_package", {"charges": OVERSTAY},
     (*TEODORO, "ADMINISTRATIVEWARRANT-NOTAJUDICIALWARRANT",
      "DOESNOTAUTHORIZEENTRYINTOAHOME", "237(a)(1)(B)")),
    ("I-213", "teodoro", "arrest", {"narrative": "Encountered at 7 Elm St on consent."},
     (*TEODORO, "LAX", "2023-01-05", "ENCOUNTERED AT 7 ELM ST ON CONSENT")),
    ("I-286", "teodoro", "custody_decision", {"custody_determination": "DETAIN"},
     (*TEODORO, "[X]DETAINED", "8 CFR 236.1(D)(1)")),
    ("I-871", "ramiro", "arrest", {}, (*RAMIRO, "2020-05-01", "241(A)(5)", "REINSTATE")),
    ("I-205", "octavia", "detained", {"removal_country": "PER"},
     (*OCTAVIA, "2025-03-01", "INABSENTIA", "ADMINISTRATIVEWARRANT-NOTAJUDICIALWARRANT",
      "DOESNOTAUTHORIZEENTRYINTOAHOME")),
]  # fmt: skip


@pytest.mark.parametrize(("form", "label", "state", "entries", "facts"), CASES)
def test_each_form_generates_a_valid_pdf_holding_the_case_facts(
    world: DocumentsWorld,
    form: str,
    label: str,
    state: str,
    entries: dict[str, Any],
    facts: tuple[str, ...],
) -> None:
    case_id = world.open_case(label, state)
    made = world.generate("OFFICER", case_id, form, **entries)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["form"] == form and body["state"] == "DRAFT" and body["case_id"] == case_id
    assert body["number"].startswith(f"{form}-") and body["number"].endswith("-000001")
    pdf = world.pdf("OFFICER", body["document_id"])
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == body["sha256"] == body["draft_sha256"]
    text = pdf_text(pdf)
    for fact in (*facts, body["number"], case_id, "DRAFT"):
        assert squeeze(fact) in text, (form, fact)


def test_i247a_rests_on_a_signed_warrant_and_names_it(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "target_package")
    warrant = _signed_warrant(world, case_id)
    made = world.generate("DETENTION", case_id, "I-247A", detaining_agency="LA County Jail")
    assert made.status_code == 201, made.text
    assert made.json()["based_on"] == warrant
    number = world.get("OFFICER", f"/documents/{warrant}").json()["number"]
    text = pdf_text(world.pdf("OFFICER", made.json()["document_id"]))
    for fact in (*TEODORO, number, "LA COUNTY JAIL", "NOT TO EXCEED 48 HOURS"):
        assert squeeze(fact) in text, fact


def test_draft_until_signed_then_new_hash_matching_the_bytes(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "target_package")
    draft = world.generate("OFFICER", case_id, "I-200", charges=OVERSTAY).json()
    draft_pdf = world.pdf("OFFICER", draft["document_id"])
    assert "DRAFT" in pdf_text(draft_pdf)

    signed = world.sign("SUPERVISOR", draft["document_id"])
    assert signed.status_code == 200, signed.text
    after = signed.json()
    assert after["state"] == "SIGNED"
    assert after["signed_by"] == world.users["SUPERVISOR"].id
    assert after["signed_role"] == "SUPERVISOR" and after["signed_at"] is not None
    assert after["draft_sha256"] == draft["sha256"] != after["sha256"]
    served = world.api.client.get(
        f"/api/v1/documents/{draft['document_id']}/pdf", headers=world.headers("SUPERVISOR")
    )
    assert served.headers["x-document-sha256"] == after["sha256"]
    assert hashlib.sha256(served.content).hexdigest() == after["sha256"]
    text = pdf_text(served.content)
    assert "DRAFT" not in text
    assert squeeze("Signed by Test SUPERVISOR (SUPERVISOR) on") in text
    assert all(squeeze(f) in text for f in TEODORO)

    again = world.sign("SUPERVISOR2", draft["document_id"])
    assert again.status_code == 409 and again.json()["type"].endswith("document-signed")

    listed = world.get("OFFICER", f"/cases/{case_id}/documents").json()
    assert [d["number"] for d in listed["items"]] == [after["number"]]
    assert listed["items"][0]["state"] == "SIGNED"


def test_numbers_run_per_form_and_year(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "target_package")
    numbers = [
        world.generate("OFFICER", case_id, "I-200", charges=OVERSTAY).json()["number"]
        for _ in range(2)
    ]
    world.force(case_id, state="arrest")
    numbers.append(world.generate("OFFICER", case_id, "I-213").json()["number"])
    assert [n.rsplit("-", 1)[1] for n in numbers] == ["000001", "000002", "000001"]
    assert numbers[0].startswith("I-200-") and numbers[2].startswith("I-213-")


def test_generation_signature_and_each_download_are_audited(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "target_package")
    draft = world.generate("OFFICER", case_id, "I-200", charges=OVERSTAY).json()
    world.pdf("OFFICER", draft["document_id"])
    world.sign("SUPERVISOR", draft["document_id"])
    world.pdf("SUPERVISOR", draft["document_id"])
    world.pdf("OVERSIGHT", draft["document_id"])

    def events(action: str) -> list[dict[str, Any]]:
        found = world.api.audit_events(action=action, outcome="SUCCESS")
        return [json.loads(e.details) | {"actor": e.actor} for e in found]

    generated = events("documents.generate")
    assert len(generated) == 1 and generated[0]["sha256"] == draft["sha256"]
    assert generated[0]["case_id"] == case_id and generated[0]["form"] == "I-200"
    signed = events("documents.sign")
    assert len(signed) == 1 and signed[0]["draft_sha256"] == draft["sha256"]
    downloads = events("documents.download")
    assert [d["state"] for d in downloads] == ["DRAFT", "SIGNED", "SIGNED"]
    assert downloads[1]["sha256"] == signed[0]["sha256"]


def test_the_form_catalogue_says_who_drafts_and_signs(world: DocumentsWorld) -> None:
    catalogue = world.get("OFFICER", "/documents/forms").json()
    forms = {f["code"]: f for f in catalogue["forms"]}
    assert set(forms) == {"I-862", "I-200", "I-213", "I-286", "I-247A", "I-871", "I-205"}
    assert forms["I-200"]["signers"] == ["SUPERVISOR"] and forms["I-200"]["warrant"]
    assert forms["I-205"]["precondition"] == "FINAL_ORDER"
    assert forms["I-247A"]["precondition"] == "SIGNED_WARRANT"
    assert "237(a)(1)(B)" in catalogue["charges"]
