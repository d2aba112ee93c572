"""Policy sign-off: no priority-policy version goes live without an independent reviewer."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from api.conftest import api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from cases import conftest as cases_conftest
from cases.conftest import World
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.oversight import signoff
from immigrationos.targeting.flows import TargetingError
from immigrationos.targeting.policy import PriorityPolicy, load_policy, parse_policy

from .switch_world import OPERATOR, leads, run

world = cases_conftest.world  # the cases tests' two-person world, re-used
DEFAULT = resources.files("immigrationos.targeting") / "data" / "priority-policy.yaml"
NEW_VERSION = "2026.12.1"


def new_text(version: str = NEW_VERSION, extra: str = "") -> bytes:
    """Return the default policy's text as another version (and another text with ``extra``)."""
    text = DEFAULT.read_text(encoding="utf-8").replace(
        'version: "2026.11.1"', f'version: "{version}"'
    )
    return (text + extra).encode("utf-8")


def new_policy(text: bytes) -> PriorityPolicy:
    """Return the policy of a text."""
    return parse_policy(text, path="new-policy.yaml")


def test_the_bundled_default_policy_ships_signed_off(world: World) -> None:
    with session_scope(world.api.engine) as session:
        record = signoff.require_signed(session, load_policy())
    assert record.source == "bundled" and record.reviewer != record.author
    assert record.reviewer_role in signoff.SIGNOFF_ROLES
    assert record.sha256 == load_policy().sha256
    # The world was targeted under it; the page and the API list its sign-off.
    listed = world.get("OFFICER", "/oversight/policy-signoffs").json()
    assert [s["source"] for s in listed["signoffs"]] == ["bundled"]


def test_an_unsigned_version_is_refused_with_what_to_do(world: World) -> None:
    unsigned = new_policy(new_text())
    with pytest.raises(TargetingError) as refused:
        run(world.api.engine, world.lake_dir, policy=unsigned)
    message = str(refused.value)
    assert NEW_VERSION in message and "sign-off" in message and "policy-submit" in message
    # Submitted but not yet signed off: still refused.
    signoff.submit(world.api.engine, principal=OPERATOR, text=new_text(), path="new.yaml")
    with pytest.raises(TargetingError):
        run(world.api.engine, world.lake_dir, policy=unsigned)
    assert {v["policy_version"] for v in leads(world.api.engine).values()} == {"2026.11.1"}


def test_a_version_signed_off_by_its_own_author_is_refused(world: World) -> None:
    legal = world.users["LEGAL"]
    author = Principal(actor=legal.id, username=legal.username, role="LEGAL")
    text = new_text()
    signoff.submit(world.api.engine, principal=author, text=text, path="new.yaml")
    sha = new_policy(text).sha256
    answer = world.post("LEGAL", "/oversight/policy-signoffs", {"sha256": sha, "statement": "ok"})
    assert answer.status_code == 403 and answer.json()["type"].endswith("/reviewer-is-author")
    denied = world.api.audit_events(action="oversight.policy_signoff", outcome="DENIED")
    assert [e.actor for e in denied] == [legal.id]
    with pytest.raises(TargetingError):
        run(world.api.engine, world.lake_dir, policy=new_policy(text))
    # Neither the operator (every permission, no reviewer's role) nor an analyst may sign.
    with pytest.raises(signoff.SignOffError) as operator:
        signoff.sign_off(world.api.engine, principal=OPERATOR, sha256=sha, statement="ok")
    assert operator.value.status == 403
    analyst = world.post("ANALYST", "/oversight/policy-signoffs", {"sha256": sha, "statement": "x"})
    assert analyst.status_code == 403


def test_a_version_signed_off_by_an_independent_reviewer_goes_live_and_is_audited(
    world: World,
) -> None:
    engine, oversight = world.api.engine, world.users["OVERSIGHT"]
    text = new_text()
    sha = new_policy(text).sha256
    missing = world.post(
        "OVERSIGHT", "/oversight/policy-signoffs", {"sha256": sha, "statement": "ok"}
    )
    assert missing.status_code == 404  # nothing submitted yet
    signoff.submit(engine, principal=OPERATOR, text=text, path="new.yaml")
    answer = world.post(
        "OVERSIGHT",
        "/oversight/policy-signoffs",
        {"sha256": sha, "statement": "factors reviewed; no protected trait or proxy"},
    )
    assert answer.status_code == 201, answer.text
    signed = answer.json()
    assert (signed["author"], signed["reviewer"], signed["version"]) == (
        OPERATOR.actor,
        oversight.id,
        NEW_VERSION,
    )
    summary = run(engine, world.lake_dir, policy=new_policy(text))
    assert summary.by_state == {"OPEN": 2}
    assert {v["policy_version"] for v in leads(engine).values()} == {NEW_VERSION}
    submitted = world.api.audit_events(action="oversight.policy_submit")
    assert [(e.actor, e.resource_id) for e in submitted] == [(OPERATOR.actor, sha)]
    events = world.api.audit_events(action="oversight.policy_signoff", outcome="SUCCESS")
    assert [(e.actor, e.resource_id) for e in events] == [(oversight.id, sha)]
    assert json.loads(events[0].details)["author"] == OPERATOR.actor
    listed = world.get("LEGAL", "/oversight/policy-signoffs").json()
    assert [s["signed_off"] for s in listed["submissions"]] == [True]
    again = world.post("OVERSIGHT", "/oversight/policy-signoffs", {"sha256": sha, "statement": "x"})
    assert again.status_code == 409
    # The sign-off is of that exact text: the same version with other bytes is refused.
    changed = new_policy(new_text(extra="\n# an edit after the sign-off\n"))
    assert changed.version == NEW_VERSION and changed.sha256 != sha
    with pytest.raises(TargetingError):
        run(engine, world.lake_dir, policy=changed)


def test_a_submission_must_be_a_valid_policy_and_is_taken_once(world: World) -> None:
    engine = world.api.engine
    with pytest.raises(signoff.SignOffError) as invalid:
        signoff.submit(engine, principal=OPERATOR, text=b"policy: x\n", path="bad.yaml")
    assert invalid.value.status == 422 and "bad.yaml" in invalid.value.detail
    signoff.submit(engine, principal=OPERATOR, text=new_text(), path="new.yaml")
    with pytest.raises(signoff.SignOffError) as twice:
        signoff.submit(engine, principal=OPERATOR, text=new_text(), path="new.yaml")
    assert twice.value.status == 409
