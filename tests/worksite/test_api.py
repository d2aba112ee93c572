"""/api/v1/worksite: upload forms, read findings and reports, run an inspection to its fine.

On SQLite and PostgreSQL (the ``engine`` fixture), with a worksite auditor of the Los
Angeles office, the forms of a small generated set, and (for the inspection) the set's
government records ingested into the platform.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.conftest import HOME_OFFICE, OTHER_OFFICE, Api, SignedInUser, api, fast_hasher  # noqa: F401
from immigrationos.worksite import generator
from immigrationos.worksite.crosscheck import CROSSCHECK_RULES
from immigrationos.worksite.inspection import InspectionTimeline

from .test_cli import _ingest_government

SEED = 44
FORMS = 24


@pytest.fixture()
def gset_dir(tmp_path: Path) -> tuple[generator.GeneratedSet, Path]:
    """A small generated set on disk (CSV, two filled PDFs, roster, employer)."""
    gset = generator.generate(SEED, FORMS)
    out = tmp_path / "set"
    generator.write_set(gset, out, pdf_every=12)
    return gset, out


def purpose_of(on: Api, user: SignedInUser, ref: str) -> str:
    """Declare a purpose as the user; return its ID."""
    response = on.client.post(
        "/api/v1/purposes",
        json={"kind": "BATCH", "reference": ref, "title": "Form I-9 inspection",
              "justification": "worksite inspection (test)"},
        headers=user.headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def upload(on: Api, user: SignedInUser, folder: Path, purpose: str | None, **form: str) -> Any:
    """POST the set's files as multipart."""
    files: list[tuple[str, tuple[str, bytes, str]]] = [
        ("files", ("forms.csv", (folder / "forms.csv").read_bytes(), "text/csv"))
    ]
    files += [
        ("files", (pdf.name, pdf.read_bytes(), "application/pdf"))
        for pdf in sorted((folder / "pdf").glob("*.pdf"))
    ]
    files.append(("roster", ("roster.csv", (folder / "roster.csv").read_bytes(), "text/csv")))
    files.append(
        ("employer", ("employer.json", (folder / "employer.json").read_bytes(), "application/json"))
    )
    headers = user.with_purpose(purpose) if purpose else user.headers
    data = {"audit_date": "2026-11-27", **form}
    return on.client.post("/api/v1/worksite/audits", files=files, data=data, headers=headers)


def test_an_auditor_uploads_forms_and_reads_the_findings_and_the_report(
    api: Api,  # noqa: F811
    gset_dir: tuple[generator.GeneratedSet, Path],
) -> None:
    _, folder = gset_dir
    auditor = api.user("WORKSITE_AUDITOR")
    pid = purpose_of(api, auditor, "WS-1")
    created = upload(api, auditor, folder, pid)
    assert created.status_code == 201, created.text
    body = created.json()
    audit_id = body["audit_id"]
    assert body["mode"] == "self" and body["forms_audited"] == FORMS
    assert body["field_office"] == HOME_OFFICE and body["purpose_id"] == pid
    assert any(f["source"].startswith("pdf") or f["source"].endswith(".pdf") for f in body["forms"])
    findings = [x for f in body["forms"] for x in f["findings"]] + body["employer_findings"]
    assert findings and all(x["citation"] and x["policy"] for x in findings)
    assert body["findings_count"] == len(findings)
    assert api.audit_count(action="worksite.audit", actor=auditor.id) == 1

    listed = api.client.get("/api/v1/worksite/audits", headers=auditor.headers)
    assert listed.status_code == 200 and listed.json()["total"] == 1
    one = api.client.get(f"/api/v1/worksite/audits/{audit_id}", headers=auditor.with_purpose(pid))
    assert one.status_code == 200
    assert one.json()["forms"] == body["forms"]
    assert one.json()["employer_findings"] == body["employer_findings"]
    html = api.client.get(
        f"/api/v1/worksite/audits/{audit_id}/report", headers=auditor.with_purpose(pid)
    )
    assert html.status_code == 200 and "<svg" in html.text
    pdf = api.client.get(
        f"/api/v1/worksite/audits/{audit_id}/report?format=pdf", headers=auditor.with_purpose(pid)
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api.audit_count(action="worksite.report", actor=auditor.id) == 2

    # A read of findings names a purpose; another office does not see the run at all.
    bare = api.client.get(f"/api/v1/worksite/audits/{audit_id}", headers=auditor.headers)
    assert bare.status_code == 428
    stranger = api.user("WORKSITE_AUDITOR", [OTHER_OFFICE])
    spid = purpose_of(api, stranger, "WS-2")
    hidden = api.client.get(
        f"/api/v1/worksite/audits/{audit_id}", headers=stranger.with_purpose(spid)
    )
    assert hidden.status_code == 404
    assert api.client.get("/api/v1/worksite/audits", headers=stranger.headers).json()["total"] == 0
    # Oversight reads everything and runs nothing.
    oversight = api.user("OVERSIGHT")
    assert api.client.get("/api/v1/worksite/audits", headers=oversight.headers).json()["total"] == 1
    assert upload(api, oversight, folder, None).status_code == 403


def test_bad_files_are_refused_naming_the_file_and_nothing_is_kept(
    api: Api,  # noqa: F811
    gset_dir: tuple[generator.GeneratedSet, Path],
) -> None:
    _, folder = gset_dir
    auditor = api.user("WORKSITE_AUDITOR")
    pid = purpose_of(api, auditor, "WS-3")
    lines = (folder / "forms.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra"
    (folder / "forms.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = upload(api, auditor, folder, pid)
    assert refused.status_code == 400, refused.text
    assert "forms.csv, row 3" in refused.json()["detail"]
    unknown = upload(api, auditor, folder, pid, policy="lenient")
    assert unknown.status_code == 400
    no_purpose = upload(api, auditor, folder, None)
    assert no_purpose.status_code == 428
    assert api.client.get("/api/v1/worksite/audits", headers=auditor.headers).json()["total"] == 0
    odd = api.client.post(
        "/api/v1/worksite/audits",
        files=[("files", ("../notes.txt", b"x", "text/plain"))],
        headers=auditor.with_purpose(pid),
    )
    assert odd.status_code == 400 and "notes.txt" in odd.json()["detail"]


def test_an_inspection_from_notice_to_fine(
    api: Api,  # noqa: F811
    tmp_path: Path,
    lake_dir: Path,
) -> None:
    # An inspection's set holds every kind of seeded error, the cross-checks' included.
    gset = generator.generate(SEED, math.ceil(len(generator.ERRORS) / 0.3) + 10)
    folder = tmp_path / "big"
    generator.write_set(gset, folder, pdf_every=40)
    _ingest_government(gset, tmp_path / "gov", api.engine, lake_dir)
    auditor = api.user("WORKSITE_AUDITOR")
    pid = purpose_of(api, auditor, "WSI-1")
    h = auditor.with_purpose(pid)
    created = upload(api, auditor, folder, pid, mode="inspection")
    assert created.status_code == 201, created.text
    body = created.json()
    every = [x for f in body["forms"] for x in f["findings"]] + body["employer_findings"]
    suspect = {(x["form_id"], x["rule_id"]) for x in every if x["rule_id"] in CROSSCHECK_RULES}
    truth = {(f, r) for f, r in gset.truth if r in CROSSCHECK_RULES}
    assert {r for _, r in truth} == set(CROSSCHECK_RULES)
    assert suspect == truth
    assert body["suspect_count"] == len(suspect)
    (event,) = api.audit_events(action="worksite.audit", actor=auditor.id)
    assert event.purpose == pid and "ssa_numident:" in event.details

    served = "2026-12-01"
    opened = api.client.post(
        "/api/v1/worksite/inspections",
        json={"employer_name": gset.employer.name, "employee_count": 30,
              "noi_served_on": served, "factors": {"good_faith": "mitigating"}},
        headers=h,
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    inspection = opened.json()
    iid = inspection["inspection_id"]
    due = InspectionTimeline(served=date.fromisoformat(served))
    assert inspection["production_due"] == due.production_due.isoformat()
    (noi,) = inspection["notices"]
    assert noi["kind"] == "notice_of_inspection"
    no_audit = api.client.post(f"/api/v1/worksite/inspections/{iid}/notices",
                               json={"kind": "technical_failures", "issued_on": "2026-12-05"}, headers=h)  # fmt: skip
    assert no_audit.status_code == 409
    attached = api.client.post(
        f"/api/v1/worksite/inspections/{iid}/audit", json={"audit_id": body["audit_id"]}, headers=h
    )
    assert attached.status_code == 200 and attached.json()["status"] == "PRODUCED"
    for kind in ("technical_failures", "suspect_documents", "intent_to_fine"):
        issued = api.client.post(
            f"/api/v1/worksite/inspections/{iid}/notices",
            json={"kind": kind, "issued_on": "2026-12-10"},
            headers=h,
        )
        assert issued.status_code == 201, issued.text
    notice = issued.json()
    pdf = api.client.get(f"/api/v1/worksite/inspections/{iid}/notices/{notice['id']}", headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == notice["sha256"]
    read = api.client.get(f"/api/v1/worksite/inspections/{iid}", headers=h).json()
    assert read["status"] == "FINE_PROPOSED" and len(read["notices"]) == 4
    steps = [s["step"] for s in read["timeline"]]
    assert "Correct the technical or procedural failures" in steps
    assert "Request a hearing before OCAHO" in steps
    fine = api.client.get(f"/api/v1/worksite/inspections/{iid}/fine", headers=h)
    assert fine.status_code == 200, fine.text
    computation = fine.json()["computation"]
    assert computation["forms_required"] == body["forms_required"]
    assert computation["violations"] >= 1 and float(computation["total"]) > 0
    assert any(f["name"] == "good_faith" for f in computation["factors"])
    listed = api.client.get("/api/v1/worksite/inspections", headers=auditor.headers)
    assert listed.json()["total"] == 1
    assert api.audit_count(action="worksite.notice.issue", actor=auditor.id, outcome="SUCCESS") == 3
    assert api.audit_count(action="worksite.inspection.create", actor=auditor.id) == 1
