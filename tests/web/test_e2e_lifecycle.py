"""The enforcement lifecycle in a real browser: from a lead to removal, and from a lead to
self-departure, each human step taken on its page by the user whose role takes it.

Through the pages: accepting the lead, the assignment, every case transition, the I-200
warrant drafted by the officer and signed by a supervisor, the operation requested by the
officer on the request page and approved by another user, a supervisor, from the approvals
inbox, the booking, the custody decision and detention, and the removal flight (created,
filled: ``schedule_removal``; recorded flown: ``record_removal``).

The steps that have no page are done as the platform does them: the records that arrive
later (the immigration court's final order, an I-94 departure) are ingested and
resolved, the re-check of open cases runs as the scheduled job does, and the travel
document issued by the destination country is recorded through the custody flow (the
API's ``PUT /custody/cases/{id}/travel-document``; no page records it). axe-core checks
the case page at desktop (1280x800) and phone (390x844) size.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from api.conftest import HOME_OFFICE, OTHER_OFFICE
from api.persons_world import resolve
from audit_guard import empty_database
from cases import world as case_world
from immigrationos.api import create_app
from immigrationos.auth import passwords
from immigrationos.auth import service as auth_service
from immigrationos.auth.permissions import is_office_scoped
from immigrationos.auth.principal import Principal
from immigrationos.cases import flows as cases_flows
from immigrationos.cases.models import Case
from immigrationos.custody import travel_documents
from immigrationos.db.engine import session_scope
from immigrationos.operations import sensitive
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.sources import flows as ingest_flows

from .test_browser import (  # noqa: F401  (the module's browser fixtures, re-used)
    AXE,
    VIEWPORTS,
    Site,
    _free_port,
    browser,
    check_page,
    chromium,
    declare_purpose,
    sign_in,
)

pytestmark = pytest.mark.xdist_group("web-browser")
WILHELMINA_DEPARTURE = (
    case_world.I94.split("\n", 1)[0] + "\n"
    "I94-W2D,DEPARTURE,2026-10-02,22345678902,WILHELMINA,ODUYA-FARRAND,1979-11-21,F,NGA,"
    "N7654321,,,ORD,,,,\n"
)


@dataclass
class World:
    """The running server over the cases world, and the records each person has so far."""

    site: Site
    folder: Path
    lake: Path
    leads: dict[str, str]
    clusters: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in case_world.CLUSTERS.items()}
    )

    def add(self, label: str, source: str, text: str, refs: list[str]) -> None:
        """Ingest a source file and resolve its records into the person ``label``."""
        folder = self.folder / f"more-{source}-{label}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{source}.csv").write_text(text, encoding="utf-8")
        ingest_flows.ingest_directory(
            folder, engine=self.site.engine, lake_dir=self.lake, run_by="test"
        )
        self.clusters[label] += refs
        resolve(self.site.engine, self.lake, self.clusters)

    def user_id(self, desk: Desk) -> str:
        """Return the account ID of a desk's user."""
        with session_scope(self.site.engine) as session:
            user = auth_service.get_user_by_username(session=session, username=desk.username)
            assert user is not None
            return str(user.id)

    def issue_travel_document(self, desk: Desk, case_id: str) -> None:
        """Record the travel document the destination issued (no page records one)."""
        with session_scope(self.site.engine) as session:
            user = auth_service.get_user_by_username(session=session, username=desk.username)
            assert user is not None
            session.expunge(user)
        change = travel_documents.TravelDocumentChange(
            status="ISSUED", country="GTM", number="TD-E2E-1",
            issued_on=dt.date.today(), expires_on=dt.date.today() + dt.timedelta(days=180),
        )  # fmt: skip
        travel_documents.record(
            self.site.engine, principal=Principal.of_user(user), purpose_id=desk.purpose,
            case_id=case_id, change=change, version=None,
        )  # fmt: skip

    def recheck(self) -> list[cases_flows.TransitionOutcome]:
        """Run the re-check of open cases, as the job after new records does."""
        operator = Principal.operator("e2e")
        purpose = policy_flows.create_purpose(
            engine=self.site.engine, principal=operator,
            data=PurposeCreate(kind=PurposeKind.CASE, reference="C-RECHECK", title="re-check",
                               justification="new records arrived"),
        )  # fmt: skip
        return cases_flows.recheck_open_cases(
            self.site.engine, principal=operator, purpose_id=purpose.id
        )


@pytest.fixture(scope="module")
def world(
    chromium: Path,  # noqa: F811
    db_engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    """Serve the app with uvicorn in a thread over the cases world (two OPEN leads)."""
    with pytest.MonkeyPatch.context() as patch:
        from argon2 import PasswordHasher, Type

        patch.setattr(
            passwords,
            "HASHER",
            PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID),
        )
        passwords.dummy_hash.cache_clear()
        folder = tmp_path_factory.mktemp("e2e-world")
        lake = folder / "lake"
        lake.mkdir()
        # No sensitive location near the target: one supervisor's approval (the second
        # approval has its own tests, tests/operations/test_sensitive_locations.py).
        places = folder / "sensitive.yaml"
        places.write_text(
            "categories:\n  school: {label: school, radius_m: 300}\nlocations: []\n",
            encoding="utf-8",
        )
        patch.setenv(sensitive.ENV_VAR, str(places))
        leads = case_world.build(db_engine, folder / "in", lake)
        port = _free_port()
        config = uvicorn.Config(
            create_app(db_engine), host="127.0.0.1", port=port, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        try:
            site = Site(f"http://127.0.0.1:{port}", db_engine, {}, HOME_OFFICE)
            yield World(site=site, folder=folder, lake=lake, leads=leads)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            passwords.dummy_hash.cache_clear()
            empty_database(db_engine)


@dataclass
class Desk:
    """One user's browser page, signed in, with a purpose."""

    page: Any
    role: str
    username: str
    purpose: str = ""

    def open_case(self, world: World, case_id: str) -> None:
        """Open the case's page."""
        self.page.goto(f"{world.site.url}/cases/{case_id}")
        self.page.get_by_test_id("case-state").wait_for()

    def take(self, name: str, reason: str = "") -> None:
        """Take a transition through its form on the case page; wait for the page again."""
        form = self.page.get_by_test_id(f"move-{name}")
        if reason:
            form.get_by_role("textbox").fill(reason)
        with self.page.expect_navigation():
            form.get_by_role("button").click()
        self.page.get_by_test_id("done").wait_for()

    def state(self) -> str:
        """Return the case state the page shows."""
        return str(self.page.get_by_test_id("case-state").inner_text())

    def submit(self, form: Any, button: str) -> None:
        """Send a form by its button; wait for the next page."""
        with self.page.expect_navigation():
            form.get_by_role("button", name=button).click()

    def draft(self, code: str, **entries: str) -> None:
        """Generate a DRAFT of a form on the case page (entries by label); wait for it."""
        form = self.page.get_by_test_id("generate")
        form.get_by_label("Form (those your role may draft in this state)").select_option(
            value=code
        )
        for label, value in entries.items():
            form.get_by_label(label).fill(value)
        self.submit(form, "Generate the draft")
        assert "drafted" in self.page.get_by_test_id("done").inner_text()

    def sign(self, code: str) -> None:
        """Sign the case's DRAFT of a form on the case page; wait for the page again."""
        self.submit(self.page.get_by_test_id(f"sign-{code}"), re.compile("^Sign "))
        assert "signed" in self.page.get_by_test_id("done").inner_text()


def _desk(browser: Any, world: World, role: str, size: str, office: str | None) -> Desk:  # noqa: F811
    context = browser.new_context(
        viewport=VIEWPORTS[size], is_mobile=size == "phone", has_touch=size == "phone"
    )
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.size_name = size
    offices = ([office] if office else []) if is_office_scoped(role) else None
    username, secret = world.site.user(role, offices)
    sign_in(page, world.site, username, secret)
    desk = Desk(page, role, username)
    if role != "DETENTION":
        declare_purpose(page, world.site, f"C-E2E-{role}-{size}")
        desk.purpose = str(page.get_by_test_id("current-purpose").inner_text())
    return desk


def _use_purpose(desk: Desk, world: World, purpose: str) -> None:
    # A role that declares no purposes works under its office's (here the supervisor's).
    desk.page.context.add_cookies(
        [{"name": "imos_purpose", "value": purpose, "url": world.site.url}]
    )
    desk.purpose = purpose


def _accept(analyst: Desk, world: World, lead_id: str) -> str:
    analyst.page.goto(world.site.url + "/cases")
    analyst.page.get_by_label("Lead ID").fill(lead_id)
    analyst.page.get_by_label("Why it is accepted (recorded)").fill("overstay confirmed")
    with analyst.page.expect_navigation():
        analyst.page.get_by_role("button", name="Open the case").click()
    analyst.page.get_by_test_id("case-state").wait_for()
    found = re.search(r"/cases/(C\w+)", analyst.page.url)
    assert found, analyst.page.url
    return found.group(1)


def test_from_a_lead_to_removal(browser: Any, world: World) -> None:  # noqa: F811
    size = "desktop"
    desks = {
        role: _desk(browser, world, role, size, HOME_OFFICE)
        for role in ("ANALYST", "SUPERVISOR", "OFFICER", "DETENTION", "LEGAL")
    }
    _use_purpose(desks["DETENTION"], world, desks["SUPERVISOR"].purpose)
    analyst, supervisor, officer = desks["ANALYST"], desks["SUPERVISOR"], desks["OFFICER"]
    detention, legal = desks["DETENTION"], desks["LEGAL"]

    case_id = _accept(analyst, world, world.leads["teodoro"])
    assert analyst.state() == "Investigation"
    check_page(analyst.page, "case")

    supervisor.open_case(world, case_id)
    with supervisor.page.expect_navigation():
        supervisor.page.get_by_test_id("assign").get_by_role("button", name="Assign").click()
    supervisor.page.get_by_test_id("done").wait_for()
    assert "Web OFFICER" in supervisor.page.get_by_test_id("case-officer").inner_text()

    officer.open_case(world, case_id)
    officer.take("build_target_package")
    check_page(officer.page, "case-officer")  # the transition and document forms
    officer.draft("I-200")  # the administrative warrant, for a supervisor to sign

    # The officer requests the operation on the request page; the case is a target there.
    officer.page.goto(f"{world.site.url}/operations/new")
    request = officer.page.get_by_test_id("operation-request")
    request.locator(f"#case-{case_id}").check()
    request.get_by_label("Day").fill((dt.date.today() + dt.timedelta(days=7)).isoformat())
    request.locator("#team-officers-0").select_option(value=world.user_id(officer))
    for row in range(1, request.get_by_test_id("team-row").count()):  # one team: the rest empty
        request.locator(f"#team-id-{row}").fill("")
    request.get_by_label("Reason for the operation (recorded, audited)").fill(
        "one overstay, one morning"
    )
    officer.submit(request, "Request the operation")
    found = re.search(r"/operations/(O\w+)", officer.page.url)
    assert found, officer.page.locator("main").inner_text()
    operation_id = found.group(1)
    assert "Requested" in officer.page.get_by_test_id("operation-status").inner_text()

    # Another user, a supervisor, signs the warrant and approves from the approvals inbox.
    supervisor.open_case(world, case_id)
    supervisor.sign("I-200")
    documents = supervisor.page.get_by_test_id("documents").inner_text()
    assert "I-200" in documents and "SIGNED" in documents and "DRAFT" not in documents
    supervisor.page.goto(f"{world.site.url}/inbox")
    waiting = supervisor.page.get_by_test_id("inbox-operations")
    with supervisor.page.expect_navigation():
        waiting.get_by_role("link", name=operation_id).click()
    decide = supervisor.page.get_by_test_id("operation-decide")
    decide.get_by_label("Reason for approving (recorded)").fill("team and day fit")
    supervisor.submit(decide, "Approve the operation")
    assert "Approved" in supervisor.page.get_by_test_id("operation-status").inner_text()
    officer.open_case(world, case_id)
    assert officer.state() == "Operation approval"
    officer.take("record_arrest", "arrested at home in the approved operation")
    assert officer.state() == "Arrest"

    with officer.page.expect_navigation():
        officer.page.get_by_test_id("booking-open").get_by_role("button").click()
    officer.page.get_by_test_id("booking-complete").wait_for()
    booking = officer.page.get_by_test_id("booking-complete")
    check_page(officer.page, "case-booking")
    booking.get_by_label("How the person was encountered (required)").fill("at home, 06:10")
    booking.get_by_label("Yes", exact=True).check()
    booking.get_by_label("How the identity was confirmed (required)").fill("passport G1234567")
    booking.get_by_label("No claim").check()
    booking.get_by_label("No", exact=True).check()
    booking.get_by_label("Counsel of record (Form G-28): name").fill("R. Counsel")
    with officer.page.expect_navigation():
        booking.get_by_role("button", name="Complete the booking").click()
    officer.page.get_by_test_id("done").wait_for()
    assert "Completed" in officer.page.get_by_test_id("booking").inner_text()
    officer.take("refer_custody_decision")
    assert officer.state() == "Custody decision"

    detention.open_case(world, case_id)
    detention.take("detain", "prior overstay, no fixed address")
    form = detention.page.get_by_test_id("detention")
    form.get_by_label("Facility name (required)").fill("Adelanto ICE Processing Center")
    form.get_by_label("Facility address (required)").fill("10250 Rancho Road, Adelanto, CA")
    with detention.page.expect_navigation():
        form.get_by_role("button").click()
    detention.page.get_by_test_id("done").wait_for()
    assert detention.state() == "Detained"

    legal.open_case(world, case_id)
    legal.take("start_proceedings", "Notice to Appear filed with the Los Angeles court")
    # The court's final order arrives as a new record (no page makes court records).
    world.add(
        "teodoro", "eoir_cases",
        case_world.EOIR_HEADER + case_world.eoir_row("E-T1", "REMOVAL_ORDERED", "2024-06-03"),
        ["eoir_cases:E-T1"],
    )  # fmt: skip
    legal.open_case(world, case_id)
    legal.take("record_final_order", "removal ordered 2024-06-03, not appealed")
    assert legal.state() == "Final order"
    assert "Eligible for removal" in legal.page.get_by_test_id("eligibility").inner_text()

    # Guatemala issues the travel document (no page); the removal flight is filled and flown.
    world.issue_travel_document(detention, case_id)
    detention.page.goto(f"{world.site.url}/flights")
    create = detention.page.get_by_test_id("flight-create")
    create.get_by_label("Destination country (ISO 3166 alpha-3, e.g. GTM)").fill("GTM")
    departs = dt.date.today() + dt.timedelta(days=14)
    create.get_by_label("Date of departure").fill(departs.isoformat())
    create.get_by_label("Seats").fill("4")
    create.get_by_label("Departs from").fill("Alexandria Staging Facility, LA")
    detention.submit(create, "Create the flight")
    actions = detention.page.get_by_test_id("flight-actions")
    detention.submit(actions, "Fill the flight")
    assert case_id in detention.page.get_by_test_id("manifest").inner_text()
    actions = detention.page.get_by_test_id("flight-actions")
    actions.get_by_label(re.compile("^Record the flight flown")).fill("departed 09:40, all aboard")
    detention.submit(actions, "Record the flight executed")
    assert "Executed" in detention.page.get_by_test_id("flight-status").inner_text()

    detention.open_case(world, case_id)
    assert detention.state() == "Removed"
    timeline = detention.page.get_by_test_id("timeline").inner_text()
    for step in ("Accept lead", "Request operation", "Record arrest", "Detain",
                 "Record final order", "Schedule removal", "Record removal"):  # fmt: skip
        assert step in timeline
    assert operation_id in timeline and "Removal eligible: passed" in timeline
    check_page(detention.page, "case-removed")
    for desk in desks.values():
        desk.page.context.close()


def test_from_a_lead_to_self_departure(browser: Any, world: World) -> None:  # noqa: F811
    analyst = _desk(browser, world, "ANALYST", "phone", None)
    supervisor = _desk(browser, world, "SUPERVISOR", "phone", OTHER_OFFICE)
    world.site.user("OFFICER", [OTHER_OFFICE])
    case_id = _accept(analyst, world, world.leads["wilhelmina"])
    supervisor.open_case(world, case_id)
    with supervisor.page.expect_navigation():
        supervisor.page.get_by_test_id("assign").get_by_role("button", name="Assign").click()
    supervisor.page.get_by_test_id("done").wait_for()
    check_page(supervisor.page, "case-phone")

    # A confirmed I-94 departure arrives; the re-check of open cases moves the case.
    world.add("wilhelmina", "cbp_i94", WILHELMINA_DEPARTURE, ["cbp_i94:I94-W2D"])
    moved = [o.case.case_id for o in world.recheck() if not o.halted]
    assert moved == [case_id]
    analyst.open_case(world, case_id)
    assert analyst.state() == "Self departed"
    timeline = analyst.page.get_by_test_id("timeline").inner_text()
    assert "Record self departure" in timeline and "confirmed departure" in timeline
    check_page(analyst.page, "case-self-departed")
    with session_scope(world.site.engine) as session:
        assert session.get(Case, case_id).state == "self_departed"  # type: ignore[union-attr]
    for desk in (analyst, supervisor):
        desk.page.context.close()
