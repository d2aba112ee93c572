"""Service of signed documents: recorded how, when, by whom and on whom (8 CFR 103.8,
8 CFR 1003.13), refused attempts too; only signed documents, never the internal I-213;
each service a row shown on the document's record and an audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from custody.test_booking import COMPLETE

from .conftest import DocumentsWorld

OVERSTAY = ["237(a)(1)(B)"]


def _ago(minutes: int = 0) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).isoformat()


def _signed(world: DocumentsWorld, case_id: str, form: str, signer: str, **entries: Any) -> str:
    made = world.generate("OFFICER", case_id, form, **entries)
    assert made.status_code == 201, made.text
    signed = world.sign(signer, made.json()["document_id"])
    assert signed.status_code == 200, signed.text
    return str(made.json()["document_id"])


def _kind(response: Any) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[1]


def _serve(world: DocumentsWorld, role: str, document_id: str, **body: Any) -> Any:
    values = {"method": "IN_PERSON", "served_at": _ago(), "recipient": "Teodoro", **body}
    return world.post(role, f"/documents/{document_id}/service", values)


def test_a_signed_notice_to_appear_is_served_recorded_shown_and_audited(
    world: DocumentsWorld,
) -> None:
    case_id = world.open_case("teodoro", "detained")
    court = {"charges": OVERSTAY, "immigration_court": "606 S Olive St"}
    nta = _signed(world, case_id, "I-862", "SUPERVISOR", **court)
    before = world.get("OFFICER", f"/documents/{nta}").json()
    assert before["service"] == [] and "COUNSEL_OF_RECORD" in before["service_methods"]

    # A refused attempt, then service by certified mail.
    refused = _serve(
        world, "OFFICER", nta, outcome="REFUSED",
        reason="he refused to take the notice at the door",
    )  # fmt: skip
    assert refused.status_code == 201, refused.text
    assert refused.json()["effect"] is None
    assert "refused to accept" in refused.json()["service"]["certificate"]
    mailed = _serve(
        world, "OFFICER", nta, method="CERTIFIED_MAIL", recipient="Teodoro Balthazar-Kwiatek",
        address="7 Elm St, Los Angeles, CA 90012", tracking_number="9407 1000 0000 0000 0001",
    )  # fmt: skip
    assert mailed.status_code == 201, mailed.text
    served = mailed.json()
    certificate = served["service"]["certificate"]
    for fact in ("I certify", before["number"], "7 Elm St", "certified mail", "9407 1000"):
        assert fact in certificate, fact
    # Served, it starts nothing by itself: proceedings start when filed with the court.
    assert "1003.14" in served["effect"] and "start_proceedings" in served["effect"]
    assert world.case(case_id).state == "detained"

    after = world.get("SUPERVISOR", f"/documents/{nta}").json()
    assert [(s["outcome"], s["method"]) for s in after["service"]] == [
        ("REFUSED", "IN_PERSON"), ("SERVED", "CERTIFIED_MAIL"),
    ]  # fmt: skip
    assert after["service"][1]["served_by"] == world.users["OFFICER"].id
    listed = world.get("OFFICER", f"/cases/{case_id}/documents").json()["items"]
    assert [len(d["service"]) for d in listed] == [2]
    events = world.api.audit_events(action="documents.serve", outcome="SUCCESS")
    assert [(e.resource_id, e.purpose) for e in events] == [
        (nta, world.purposes["OFFICER"]), (nta, world.purposes["OFFICER"]),
    ]  # fmt: skip


def test_service_is_refused_in_words_for_what_cannot_be_served(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "arrest")
    draft = world.generate("OFFICER", case_id, "I-862", charges=OVERSTAY)
    assert draft.status_code == 201, draft.text
    draft_id = draft.json()["document_id"]
    not_signed = _serve(world, "OFFICER", draft_id)
    assert not_signed.status_code == 409, not_signed.text
    assert _kind(not_signed) == "document-not-signed"
    assert world.sign("SUPERVISOR", draft_id).status_code == 200
    record = _signed(world, case_id, "I-213", "OFFICER", narrative="Encountered on consent.")
    internal = _serve(world, "OFFICER", record)
    assert internal.status_code == 409 and "internal record" in internal.json()["detail"]

    signed = world.get("OFFICER", f"/documents/{draft_id}").json()["signed_at"]
    signed_at = dt.datetime.fromisoformat(signed).replace(tzinfo=dt.UTC)  # stored in UTC
    early = (signed_at - dt.timedelta(hours=1)).isoformat()
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    refusals: list[tuple[dict[str, Any], int, str]] = [
        ({"served_at": early}, 422, "served-before-signed"),
        ({"served_at": future}, 422, "served-in-future"),
        ({"method": "REGULAR_MAIL"}, 422, "address-required"),
        ({"outcome": "FAILED"}, 422, "reason-required"),
        ({"method": "AGENCY"}, 422, "service-method-not-allowed"),
        ({"method": "COUNSEL_OF_RECORD"}, 409, "no-counsel-of-record"),
        # Mailed to an address only a confidential (asylum) record gives: 8 CFR 208.6.
        ({"method": "REGULAR_MAIL", "address": "88 Sanctuary Ct, Glendale"}, 422,
         "confidential-text"),
    ]  # fmt: skip
    for body, status, kind in refusals:
        answer = _serve(world, "OFFICER", draft_id, **body)
        assert answer.status_code == status, (body, answer.text)
        assert _kind(answer) == kind, (body, answer.text)
    naive = _serve(world, "OFFICER", draft_id, served_at=_ago()[:19])
    assert naive.status_code == 422 and "time zone" in naive.text
    assert _serve(world, "ANALYST", draft_id).status_code == 403
    assert world.get("OFFICER", f"/documents/{draft_id}").json()["service"] == []
    assert world.api.audit_count(action="documents.serve", outcome="SUCCESS") == 0
    # Each refusal of the flow is audited (not signed, internal, and the list above).
    assert world.api.audit_count(action="documents.serve") == len(refusals) + 2


def test_a_detainer_goes_to_the_agency_and_counsel_of_record_is_served(
    world: DocumentsWorld,
) -> None:
    case_id = world.open_case("teodoro", "target_package")
    draft = world.generate("SUPERVISOR", case_id, "I-200", charges=OVERSTAY)
    assert world.sign("SUPERVISOR2", draft.json()["document_id"]).status_code == 200
    detainer = world.generate("DETENTION", case_id, "I-247A", detaining_agency="LA County Jail")
    assert detainer.status_code == 201, detainer.text
    detainer_id = detainer.json()["document_id"]
    assert world.sign("SUPERVISOR", detainer_id).status_code == 200
    in_person = _serve(world, "DETENTION", detainer_id)
    assert in_person.status_code == 422 and "AGENCY" in in_person.json()["detail"]
    delivered = _serve(
        world, "DETENTION", detainer_id, method="AGENCY", recipient="LA County Jail, booking desk"
    )
    assert delivered.status_code == 201, delivered.text
    assert "law enforcement agency" in delivered.json()["service"]["certificate"]

    # Counsel of record (G-28) recorded at booking: the warrant may be served on counsel.
    world.force(case_id, state="arrest", assigned_officer=world.users["OFFICER"].id)
    assert world.post("OFFICER", f"/custody/cases/{case_id}/booking", {}).status_code in (200, 201)
    booked = world.post("OFFICER", f"/custody/cases/{case_id}/booking/complete", COMPLETE)
    assert booked.status_code == 200, booked.text
    on_counsel = _serve(
        world, "OFFICER", draft.json()["document_id"], method="COUNSEL_OF_RECORD",
        recipient="R. Okafor, Esq.", certificate="Handed to counsel at the field office.",
    )  # fmt: skip
    assert on_counsel.status_code == 201, on_counsel.text
    assert on_counsel.json()["service"]["certificate"] == "Handed to counsel at the field office."
    catalogue = {f["code"]: f for f in world.get("OFFICER", "/documents/forms").json()["forms"]}
    assert catalogue["I-213"]["served_on"] is None and catalogue["I-247A"]["served_on"] == "AGENCY"
