"""Cases in the interface: the list, a case's page, its transitions, assignment, documents
and custody, under the API's rules (roles, reasons, versions, area, purpose, audit)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import update

from api.conftest import HOME_OFFICE, OTHER_OFFICE, Api
from cases import world as case_world
from immigrationos.auth.permissions import is_office_scoped
from immigrationos.cases.models import Case
from immigrationos.db.engine import session_scope

from .conftest import Web, WebUser

CASE_LINK = re.compile(r'href="/cases/(C\w+)\?')


@dataclass
class CaseWorld:
    """The cases tests' two leads and browsers of each role (Los Angeles), with purposes."""

    api: Api
    web: Web
    leads: dict[str, str]
    folder: Path
    lake_dir: Path
    users: dict[str, WebUser] = field(default_factory=dict)

    def as_(self, role: str) -> WebUser:
        """Return the signed-in browser of ``role``."""
        return self.users[role]

    def open_case(self, label: str = "teodoro") -> str:
        """Accept the lead as the analyst through the cases page; return the case ID."""
        analyst = self.as_("ANALYST")
        answer = analyst.post(
            "/cases",
            {"lead_id": self.leads[label], "reason": "overstay confirmed"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        found = re.search(r"/cases/(C\w+)\?", answer.headers["location"])
        assert found
        return found.group(1)

    def case(self, case_id: str) -> Case:
        """Return the stored case."""
        with session_scope(self.api.engine) as session:
            found = session.get(Case, case_id)
            assert found is not None
            session.expunge(found)
        return found

    def force(self, case_id: str, **values: object) -> int:
        """Set a case's columns directly (test set-up); bump and return its version."""
        version = self.case(case_id).version + 1
        with session_scope(self.api.engine) as session:
            session.execute(
                update(Case).where(Case.case_id == case_id).values(**values, version=version)
            )
            session.commit()
        return version

    def move(
        self, role: str, case_id: str, transition: str, reason: str = "", version: int = 0
    ) -> object:
        """Take a transition through the case page's form as the role's user."""
        user = self.as_(role)
        seen = version or self.case(case_id).version
        return user.post(
            f"/cases/{case_id}/transitions",
            {"transition": transition, "version": str(seen), "reason": reason,
             "purpose": user.purpose or ""},
            follow_redirects=False,
        )  # fmt: skip


@pytest.fixture()
def cw(api: Api, web: Web, tmp_path: Path, lake_dir: Path) -> CaseWorld:
    """Two OPEN leads (Los Angeles, Chicago) and a browser of each lifecycle role."""
    leads = case_world.build(api.engine, tmp_path / "in", lake_dir)
    found = CaseWorld(api=api, web=web, leads=leads, folder=tmp_path, lake_dir=lake_dir)
    for role in ("ANALYST", "SUPERVISOR", "OFFICER", "LEGAL", "DETENTION"):
        found.users[role] = web.user(role, [HOME_OFFICE] if is_office_scoped(role) else None)
    for role in ("ANALYST", "SUPERVISOR", "OFFICER", "LEGAL"):
        found.users[role].declare_purpose(f"C-{role}")
    # DETENTION declares no purposes: it works under its office's (the supervisor's).
    detention = found.users["DETENTION"]
    detention.purpose = found.users["SUPERVISOR"].purpose
    detention.client.cookies.set("imos_purpose", str(detention.purpose))
    return found


def test_an_analyst_accepts_a_lead_and_the_case_page_shows_it(cw: CaseWorld) -> None:
    case_id = cw.open_case()
    analyst = cw.as_("ANALYST")
    shown = analyst.get(f"/cases/{case_id}")
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert 'data-testid="case-state">Investigation<' in text
    assert f'href="/leads/{cw.leads["teodoro"]}' in text and "/persons/P" in text
    assert "Accept lead" in text and "overstay confirmed" in text
    assert "Safeguards: <strong>passed</strong>" in text
    # The analyst's own steps from investigation: the exits the table gives the role.
    assert 'data-testid="move-record_self_departure"' in text
    assert 'data-testid="move-build_target_package"' not in text
    assert cw.api.audit_count(action="cases.read", actor=analyst.id) == 1
    assert cw.api.audit_count(action="cases.history", actor=analyst.id) == 1
    assert cw.api.audit_count(action="cases.create", actor=analyst.id) == 1

    listed = analyst.get("/cases?state=investigation").text
    assert CASE_LINK.findall(listed) == [case_id]
    assert CASE_LINK.findall(analyst.get("/cases?state=detained").text) == []


def test_a_supervisor_assigns_and_the_officer_takes_the_next_steps(cw: CaseWorld) -> None:
    case_id = cw.open_case()
    supervisor, officer = cw.as_("SUPERVISOR"), cw.as_("OFFICER")
    page = supervisor.get(f"/cases/{case_id}").text
    assert 'data-testid="assign"' in page and officer.id in page
    done = supervisor.post(
        f"/cases/{case_id}/assign",
        {"officer_id": officer.id, "version": "1", "reason": "workload",
         "purpose": supervisor.purpose or ""},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303, done.text
    assert cw.case(case_id).assigned_officer == officer.id
    assert cw.api.audit_count(action="cases.assign", actor=supervisor.id) == 1

    mine = officer.get("/cases?mine=1").text
    assert CASE_LINK.findall(mine) == [case_id]
    assert "you" in mine
    moved = cw.move("OFFICER", case_id, "build_target_package")
    assert moved.status_code == 303, moved.text  # type: ignore[attr-defined]
    after = officer.get(moved.headers["location"]).text  # type: ignore[attr-defined]
    assert 'data-testid="case-state">Target package<' in after
    assert "Done: Build target package" in after
    assert 'data-testid="move-request_operation"' in after
    assert cw.api.audit_count(action="cases.transition", actor=officer.id) == 1


def test_a_transition_is_refused_without_its_reason_by_role_and_when_stale(
    cw: CaseWorld,
) -> None:
    case_id = cw.open_case()
    version = cw.force(case_id, state="target_package", assigned_officer=cw.as_("OFFICER").id)

    no_reason = cw.move("OFFICER", case_id, "request_operation", "")
    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    assert "needs a reason" in no_reason.text  # type: ignore[attr-defined]

    by_role = cw.move("ANALYST", case_id, "request_operation", "go")
    assert by_role.status_code == 403  # type: ignore[attr-defined]
    assert "is for OFFICER, SUPERVISOR, not ANALYST" in by_role.text  # type: ignore[attr-defined]

    stale = cw.move("OFFICER", case_id, "request_operation", "team ready", version=version - 1)
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert cw.case(case_id).state == "target_package"

    denied = cw.api.audit_events(action="cases.transition", outcome="DENIED")
    assert len(denied) == 3
    ok = cw.move("OFFICER", case_id, "request_operation", "team ready", version=version)
    assert ok.status_code == 303  # type: ignore[attr-defined]
    assert cw.case(case_id).state == "operation_approval"


def test_a_citizenship_record_halts_the_step_and_the_page_says_so(cw: CaseWorld) -> None:
    case_id = cw.open_case()
    cw.force(case_id, assigned_officer=cw.as_("OFFICER").id)
    case_world.add_us_passport(cw.api.engine, cw.folder / "passport", cw.lake_dir)
    halted = cw.move("OFFICER", case_id, "build_target_package")
    assert halted.status_code == 409  # type: ignore[attr-defined]
    assert "halted in citizenship_review" in halted.text  # type: ignore[attr-defined]
    assert cw.case(case_id).state == "citizenship_review"
    page = cw.as_("OFFICER").get(f"/cases/{case_id}").text
    assert 'data-testid="case-state">Citizenship review<' in page
    assert "halted from Investigation" in page
    assert "Safeguards: <strong>failed</strong>" in page
    assert 'data-testid="move-build_target_package"' not in page
    assert cw.api.audit_count(action="cases.halt") == 1


def test_a_form_without_its_csrf_token_is_refused(cw: CaseWorld) -> None:
    case_id = cw.open_case()
    officer = cw.as_("OFFICER")
    answer = officer.client.post(
        f"/cases/{case_id}/transitions",
        data={"transition": "record_self_departure", "version": "1", "reason": "left"},
    )
    assert answer.status_code == 403 and "security token" in answer.text
    assert cw.case(case_id).version == 1


def test_a_case_outside_the_area_answers_as_a_missing_one(cw: CaseWorld) -> None:
    case_id = cw.open_case("wilhelmina")  # Chicago
    officer = cw.as_("OFFICER")
    other = cw.web.user("OFFICER", [OTHER_OFFICE])
    other.declare_purpose("C-CHI")
    for path in (f"/cases/{case_id}", "/cases/C0000000000"):
        answer = officer.get(path)
        assert answer.status_code == 404
        assert "No such case is available to you" in answer.text
    assert other.get(f"/cases/{case_id}").status_code == 200
    moved = cw.move("OFFICER", case_id, "record_self_departure", "left")
    assert moved.status_code == 404  # type: ignore[attr-defined]
    assert CASE_LINK.findall(officer.get("/cases").text) == []
    events = cw.api.audit_events(action="cases.read", actor=officer.id, outcome="DENIED")
    assert len(events) == 2


def test_without_a_purpose_the_case_page_asks_for_one(cw: CaseWorld) -> None:
    case_id = cw.open_case()
    bare = cw.web.user("OFFICER", [HOME_OFFICE])
    answer = bare.get(f"/cases/{case_id}")
    assert answer.status_code == 428 and "choose or declare a purpose" in answer.text


def test_the_page_says_only_its_own_notes_of_what_was_done(cw: CaseWorld) -> None:
    case_id = cw.open_case()
    officer = cw.as_("OFFICER")
    own = officer.get(f"/cases/{case_id}", params={"done": "build_target_package"}).text
    assert 'data-testid="done"' in own and "Build target package" in own
    # A crafted link cannot make the page say something it did not do.
    crafted = officer.get(f"/cases/{case_id}", params={"done": "Call 555-0100 to confirm"}).text
    assert 'data-testid="done"' not in crafted and "555-0100" not in crafted


def test_documents_are_drafted_signed_and_downloaded_from_the_case_page(cw: CaseWorld) -> None:
    case_id = cw.open_case()
    cw.force(case_id, assigned_officer=cw.as_("OFFICER").id)
    officer, supervisor = cw.as_("OFFICER"), cw.as_("SUPERVISOR")
    page = officer.get(f"/cases/{case_id}").text
    assert 'data-testid="generate"' in page and 'value="I-200"' in page
    assert 'value="I-213"' not in page  # only after the arrest

    drafted = officer.post(
        f"/cases/{case_id}/documents",
        {"form": "I-200", "purpose": officer.purpose or ""},
        follow_redirects=False,
    )
    assert drafted.status_code == 303, drafted.text
    page = officer.get(f"/cases/{case_id}").text
    assert "<strong>DRAFT</strong>" in page and 'data-testid="sign-I-200"' not in page
    doc_id = re.search(r'href="/documents/(D\w+)/pdf', page)
    assert doc_id

    refused = officer.post(f"/documents/{doc_id.group(1)}/sign", {"purpose": ""})
    assert refused.status_code == 403  # an officer does not sign a warrant
    signed = supervisor.post(
        f"/documents/{doc_id.group(1)}/sign",
        {"purpose": supervisor.purpose or ""},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    assert "<strong>SIGNED</strong>" in supervisor.get(f"/cases/{case_id}").text

    pdf = officer.get(f"/documents/{doc_id.group(1)}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-document-state"] == "SIGNED"
    assert cw.api.audit_count(action="documents.download", actor=officer.id) == 1

    bad = officer.post(
        f"/cases/{case_id}/documents",
        {"form": "I-286", "bond_amount": "12", "purpose": officer.purpose or ""},
    )
    assert bad.status_code == 422 and "bond_amount" in bad.text


def test_booking_detention_and_the_deadlines_page(cw: CaseWorld) -> None:
    case_id = cw.open_case()
    officer, detention = cw.as_("OFFICER"), cw.as_("DETENTION")
    cw.force(case_id, state="operation_approval", assigned_officer=officer.id)
    arrested = cw.move("OFFICER", case_id, "record_arrest", "at home, in the operation")
    assert arrested.status_code == 303  # type: ignore[attr-defined]
    page = officer.get(f"/cases/{case_id}").text
    assert "Custody decision" in page  # the 48-hour deadline, on the case page
    assert 'data-testid="booking-open"' in page
    opened = officer.post(
        f"/cases/{case_id}/booking", {"purpose": officer.purpose or ""}, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text
    page = officer.get(f"/cases/{case_id}").text
    assert 'data-testid="booking-complete"' in page

    missing = officer.post(
        f"/cases/{case_id}/booking/complete",
        {"encounter": "at home", "identity_confirmed": "yes", "identity_method": "passport",
         "citizenship_claim": "no", "parent_or_guardian": "yes",
         "child_name": "A", "child_age": "7", "child_arrangement": "",
         "purpose": officer.purpose or ""},
    )  # fmt: skip
    assert missing.status_code == 422 and "arrangement" in missing.text
    done = officer.post(
        f"/cases/{case_id}/booking/complete",
        {"encounter": "at home", "identity_confirmed": "yes", "identity_method": "passport",
         "citizenship_claim": "no", "parent_or_guardian": "yes",
         "child_name": "A", "child_age": "7", "child_arrangement": "with the aunt",
         "medical_needs": "insulin", "counsel_name": "R. Counsel",
         "purpose": officer.purpose or ""},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303, done.text
    assert "booking%20completed" in done.headers["location"]
    page = officer.get(f"/cases/{case_id}").text
    assert "Counsel of record: R. Counsel" in page and "insulin" in page

    assert cw.move("OFFICER", case_id, "refer_custody_decision").status_code == 303  # type: ignore[attr-defined]
    assert case_id not in detention.get("/custody/deadlines").text  # due in 48 hours
    assert 'data-testid="deadlines-link"' in detention.get("/cases").text
    listed = detention.get("/custody/deadlines?upcoming=1").text
    assert case_id in listed and "Custody decision" in listed
    assert cw.api.audit_count(action="custody.deadlines", actor=detention.id) == 2
    assert cw.move("DETENTION", case_id, "detain", "flight risk").status_code == 303  # type: ignore[attr-defined]
    recorded = detention.post(
        f"/cases/{case_id}/detention",
        {"facility_name": "Adelanto ICE Processing Center", "facility_address": "Adelanto, CA",
         "purpose": detention.purpose or ""},
        follow_redirects=False,
    )  # fmt: skip
    assert recorded.status_code == 303, recorded.text
    assert cw.api.audit_count(action="custody.detention", actor=detention.id) == 1

    # On a final order while detained, the post-order custody review opens (8 CFR 241.4).
    assert cw.move("LEGAL", case_id, "start_proceedings", "NTA filed").status_code == 303  # type: ignore[attr-defined]
    assert cw.move("LEGAL", case_id, "record_final_order", "ordered").status_code == 303  # type: ignore[attr-defined]
    page = detention.get(f"/cases/{case_id}").text
    assert 'data-testid="custody-review"' in page and "Post order custody review" in page
    assert "Not eligible for removal" in page  # no court record of the order yet
    legal = cw.as_("LEGAL")
    assert 'data-testid="removal-fact"' not in page  # LEGAL records them
    assert 'data-testid="removal-fact"' in legal.get(f"/cases/{case_id}").text
    fact = legal.post(
        f"/cases/{case_id}/removal-facts",
        {"kind": "APPEAL_WAIVED", "day": "2026-11-20", "reason": "waived at the hearing",
         "purpose": legal.purpose or ""},
        follow_redirects=False,
    )  # fmt: skip
    assert fact.status_code == 303, fact.text
    assert cw.api.audit_count(action="custody.removal_fact", actor=legal.id) == 1
    refused = detention.post(
        f"/cases/{case_id}/removal-facts",
        {"kind": "STAY_GRANTED", "day": "2026-11-21", "reason": "x",
         "purpose": detention.purpose or ""},
    )  # fmt: skip
    assert refused.status_code == 403
    blank = detention.post(
        f"/cases/{case_id}/custody-review",
        {"continue_detention": "yes", "reason": "", "purpose": detention.purpose or ""},
    )
    assert blank.status_code == 422 and "reason" in blank.text
    reviewed = detention.post(
        f"/cases/{case_id}/custody-review",
        {"continue_detention": "yes", "reason": "travel document expected",
         "purpose": detention.purpose or ""},
        follow_redirects=False,
    )  # fmt: skip
    assert reviewed.status_code == 303, reviewed.text
    assert cw.api.audit_count(action="custody.review", actor=detention.id) == 1
    analyst = cw.as_("ANALYST")
    assert analyst.get("/custody/deadlines").status_code == 403


@pytest.mark.parametrize(
    "path", ["/cases", "/cases/C0000000000", "/custody/deadlines", "/documents/D0000000000/pdf"]
)
def test_every_case_page_needs_sign_in(web: Web, path: str) -> None:
    answer = web.browser().get(path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"


def test_an_open_leads_page_offers_accepting_it_as_a_case(cw: CaseWorld) -> None:
    lead_id = cw.leads["teodoro"]
    analyst, officer = cw.as_("ANALYST"), cw.as_("OFFICER")
    page = analyst.get(f"/leads/{lead_id}").text
    assert 'data-testid="accept-as-case"' in page
    # Officers decide on leads but do not open cases: no such form for them.
    assert 'data-testid="accept-as-case"' not in officer.get(f"/leads/{lead_id}").text
    answer = analyst.post(
        "/cases", {"lead_id": lead_id, "reason": "from the lead's page"}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/cases/C")
    # Once a case, the lead is still OPEN but a second acceptance is refused in words.
    again = analyst.post("/cases", {"lead_id": lead_id, "reason": "x"}, follow_redirects=False)
    assert again.status_code == 409 and "already" in again.text.lower()
