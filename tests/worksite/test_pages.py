"""The auditors' worksite pages over the API's flows: upload, findings, inspection, refusals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from immigrationos.worksite import generator
from web.conftest import Web, WebUser, web  # noqa: F401

SEED = 52
FORMS = 16
AUDIT_URL = re.compile(r"/worksite/audits/(WA[0-9A-F]{10})$")


@pytest.fixture()
def set_dir(tmp_path: Path) -> Path:
    """A small generated set on disk (CSV, one filled PDF, roster, employer)."""
    out = tmp_path / "set"
    generator.write_set(generator.generate(SEED, FORMS), out, pdf_every=10)
    return out


def upload(user: WebUser, folder: Path, **data: str) -> Any:
    """Send the upload form as a browser would (multipart, with the CSRF token)."""
    files: list[tuple[str, tuple[str, bytes, str]]] = [
        ("files", ("forms.csv", (folder / "forms.csv").read_bytes(), "text/csv"))
    ]
    files += [
        ("files", (p.name, p.read_bytes(), "application/pdf"))
        for p in sorted((folder / "pdf").glob("*.pdf"))
    ]
    files.append(("roster", ("roster.csv", (folder / "roster.csv").read_bytes(), "text/csv")))
    return user.client.post(
        "/worksite/audits",
        data={"csrf_token": user.csrf(), "mode": "self", "policy": "longstanding",
              "audit_date": "2026-11-27", **data},
        files=files,
        follow_redirects=False,
    )  # fmt: skip


def test_an_auditor_uploads_a_set_and_reads_its_findings(
    web: Web,  # noqa: F811
    set_dir: Path,
) -> None:
    auditor = web.user("WORKSITE_AUDITOR")
    assert auditor.get("/worksite").status_code == 200
    refused = upload(auditor, set_dir)
    assert refused.status_code == 428 and "purpose" in refused.text.lower()
    auditor.declare_purpose("WS-WEB")
    home = auditor.get("/worksite")
    assert 'data-testid="upload-form"' in home.text and 'href="/worksite"' in home.text
    done = upload(auditor, set_dir)
    assert done.status_code == 303, done.text
    found = AUDIT_URL.search(done.headers["location"])
    assert found
    audit_id = found.group(1)
    audit_page = auditor.get(f"/worksite/audits/{audit_id}")
    assert audit_page.status_code == 200
    assert "<svg" in audit_page.text and 'data-testid="findings"' in audit_page.text
    rules = set(re.findall(r'<tr data-rule="([A-Z0-9_]+)"', audit_page.text))
    assert rules
    one = sorted(rules)[0]
    only = auditor.get(f"/worksite/audits/{audit_id}?rule={one}")
    assert set(re.findall(r'<tr data-rule="([A-Z0-9_]+)"', only.text)) == {one}
    part = auditor.get(
        f"/worksite/audits/{audit_id}?classification=SUBSTANTIVE", headers={"HX-Request": "true"}
    )
    assert part.status_code == 200 and "<html" not in part.text and 'id="findings"' in part.text
    form_id = re.search(r"\?form=(F[0-9]+)", audit_page.text)
    assert form_id
    detail = auditor.get(f"/worksite/audits/{audit_id}?form={form_id.group(1)}")
    assert 'data-testid="form-detail"' in detail.text and form_id.group(1) in detail.text
    pdf = auditor.get(f"/worksite/audits/{audit_id}/report?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert auditor.get("/worksite").text.count(audit_id) >= 1


def test_bad_files_and_roles_without_the_permission_are_refused(
    web: Web,  # noqa: F811
    set_dir: Path,
) -> None:
    auditor = web.user("WORKSITE_AUDITOR")
    auditor.declare_purpose("WS-WEB-2")
    (set_dir / "forms.csv").write_text("form_id,s1_last_name\nF1,A,B\n", encoding="utf-8")
    bad = upload(auditor, set_dir)
    assert bad.status_code == 400 and "forms.csv" in bad.text
    assert 'data-testid="worksite-error"' in bad.text
    analyst = web.user("ANALYST")
    assert analyst.get("/worksite").status_code == 403
    oversight = web.user("OVERSIGHT")
    assert oversight.get("/worksite").status_code == 200
    assert 'data-testid="upload-form"' not in oversight.get("/worksite").text


def test_an_inspection_page_with_its_timeline_notices_and_fine(
    web: Web,  # noqa: F811
    set_dir: Path,
) -> None:
    auditor = web.user("WORKSITE_AUDITOR")
    auditor.declare_purpose("WSI-WEB")
    done = upload(auditor, set_dir)
    audit_id = done.headers["location"].rsplit("/", 1)[1]
    opened = auditor.post(
        "/worksite/inspections",
        {"employer_name": "PECAN TEST LLC", "employee_count": "20", "noi_served_on": "2026-12-01"},
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    where = opened.headers["location"]
    page = auditor.get(where)
    assert page.status_code == 200
    assert "Produce the Forms I-9" in page.text and "Notice of Inspection" in page.text
    link = re.search(r'href="(/worksite/inspections/WI[0-9A-F]{10}/notices/\d+\.pdf)"', page.text)
    assert link
    pdf = auditor.get(link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert auditor.post(f"{where}/audit", {"audit_id": audit_id}).status_code == 200
    issued = auditor.post(
        f"{where}/notices", {"kind": "technical_failures", "issued_on": "2026-12-08"}
    )
    assert issued.status_code == 200, issued.text
    assert "Notice of Technical or Procedural Failures" in issued.text
    assert "Correct the technical or procedural failures" in issued.text
    assert 'data-testid="fine"' in issued.text or "no substantive" in issued.text.lower()
    early = auditor.post(f"{where}/notices", {"kind": "warning_notice", "issued_on": "2026-11-01"})
    assert early.status_code == 400 and 'data-testid="inspection-error"' in early.text
