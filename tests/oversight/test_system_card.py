"""The system card: written from the live configuration (a new policy version changes it),
with the measured accuracy and where it comes from; the PDF is a valid PDF."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from api.conftest import Api, api, fast_hasher  # noqa: F401  (the fixtures, re-used)
from immigrationos import cli_oversight_card
from immigrationos.audit.models import AuditEvent
from immigrationos.cli import app
from immigrationos.db.engine import session_scope
from immigrationos.oversight import system_card
from immigrationos.targeting.policy import load_policy, parse_policy

NEW_VERSION = "2027.1.0-card"


def _policy_file(tmp_path: Path) -> Path:
    shipped = load_policy()
    text = (resources.files("immigrationos.targeting") / "data" / "priority-policy.yaml").read_text(
        encoding="utf-8"
    )
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace(shipped.version, NEW_VERSION, 1), encoding="utf-8")
    return path


def test_the_card_says_what_the_live_configuration_is() -> None:
    shipped = load_policy()
    card = system_card.build_card()
    text = system_card.render_markdown(card)
    assert f"| version | **{shipped.version}** |" in text
    assert shipped.sha256 in text
    for factor in shipped.factors:
        assert f"| {factor.name} |" in text
    # Sources and their legal limits, from the data-use policy in force.
    assert "`irs_w2`" in text and "6103" in text
    # Accuracy, with where each figure comes from.
    measured = json.loads(system_card.MEASUREMENTS.read_text(encoding="utf-8"))
    assert measured["resolution"]["source"] in text
    for world in measured["resolution"]["worlds"]:
        figures = " | ".join(f"{world[k]:.4f}" for k in ("precision", "recall", "f1"))
        assert f"| {world['world']} | {figures} |" in text
    for row in measured["detectors"]["rows"]:
        assert f"| {row['detector']} | {row['scope']} |" in text
    assert "Wage-only merges" in text
    # The impact assessment and its sign-off block, tied to this policy version.
    assert "Fundamental-rights and AI impact assessment (Art. 27; OMB M-25-21" in text
    assert f"before policy version\n**{shipped.version}**" in text
    assert "| signature | |" in text


def test_a_new_policy_version_changes_the_card(tmp_path: Path) -> None:
    before = system_card.render_markdown(system_card.build_card())
    changed = parse_policy(_policy_file(tmp_path).read_bytes(), path="policy.yaml")
    after = system_card.render_markdown(system_card.build_card(policy=changed))
    assert f"**{NEW_VERSION}**" in after and f"**{NEW_VERSION}**" not in before
    assert changed.sha256 in after and changed.sha256 not in before


def test_without_measurements_or_bias_report_the_card_says_so(tmp_path: Path) -> None:
    card = system_card.build_card(
        measurements_path=tmp_path / "none.json", bias_path=tmp_path / "no-bias.json"
    )
    text = system_card.render_markdown(card)
    assert "**No measurements file**" in text
    assert "are **not yet measured**" in text


def test_a_bias_report_is_shown_by_group(tmp_path: Path) -> None:
    bias = tmp_path / "bias.json"
    bias.write_text(
        json.dumps(
            {
                "groups": [{"group": "sex=F", "selection_rate": 0.031, "ratio": 0.97}],
                "alerts": ["field_office=X ratio 1.4"],
            }
        ),
        encoding="utf-8",
    )
    text = system_card.render_markdown(system_card.build_card(bias_path=bias))
    assert "group: sex=F; selection_rate: 0.031; ratio: 0.97" in text
    assert "**alert:** field_office=X ratio 1.4" in text


def test_a_broken_measurements_file_is_refused_by_name(tmp_path: Path) -> None:
    broken = tmp_path / "m.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"m\.json"):
        system_card.build_card(measurements_path=broken)


def test_the_command_writes_markdown_and_a_valid_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setattr(cli_oversight_card, "get_engine", lambda: engine)
    policy = _policy_file(tmp_path)
    runner = CliRunner()
    done = runner.invoke(
        app,
        ["oversight", "system-card", "--out", str(tmp_path / "card"), "--policy", str(policy)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    markdown = (tmp_path / "card.md").read_text(encoding="utf-8")
    assert f"**{NEW_VERSION}**" in markdown
    pdf = (tmp_path / "card.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(tmp_path / "card.pdf")
    assert len(reader.pages) >= 3
    assert reader.metadata is not None and reader.metadata.title == system_card.TITLE
    words = " ".join(page.extract_text() for page in reader.pages)
    assert NEW_VERSION in words and "Sign-off" in words
    # One format alone, by its suffix.
    only = runner.invoke(
        app, ["oversight", "system-card", "--out", str(tmp_path / "x.pdf"), "--no-live"]
    )
    assert only.exit_code == 0, only.output
    assert (tmp_path / "x.pdf").exists() and not (tmp_path / "x.md").exists()
    with session_scope(engine) as session:
        audited = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "oversight.system_card")
                .order_by(AuditEvent.seq)
            )
            .scalars()
            .all()
        )
    assert [a.resource_id for a in audited] == [NEW_VERSION, load_policy().version]


def test_the_api_serves_the_card_to_oversight(api: Api) -> None:  # noqa: F811  (the fixture)
    reader = api.user("OVERSIGHT")
    got = api.client.get("/api/v1/oversight/system-card", headers=reader.headers)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["policy_version"] == load_policy().version
    assert body["markdown"].startswith("# ImmigrationOS system card")
    officer = api.user("OFFICER", ["Los Angeles Field Office"])
    assert (
        api.client.get("/api/v1/oversight/system-card", headers=officer.headers).status_code == 403
    )


def test_the_card_shows_the_sign_off_of_the_policy_in_force(tmp_path: Path) -> None:
    shipped = system_card.render_markdown(system_card.build_card())
    assert "- Signed off by" in shipped and "(bundled)" in shipped
    changed = parse_policy(_policy_file(tmp_path).read_bytes(), path="policy.yaml")
    unsigned = system_card.render_markdown(system_card.build_card(policy=changed))
    assert "No sign-off is recorded for this policy text: it cannot go live." in unsigned


def test_the_bias_reports_summary_is_a_table_in_the_card(tmp_path: Path) -> None:
    bias = tmp_path / "bias-report.json"
    group = {"metric": "selection", "attribute": "sex", "group": "F", "persons": 1200,
             "rate": 0.031, "ratio": 1.31, "ci": "1.10-1.52", "alert": True}  # fmt: skip
    reference = {**group, "group": "M", "ratio": None, "ci": None, "alert": False}
    bias.write_text(
        json.dumps(
            {
                "generated_at": "2026-11-27T17:00:00+00:00",
                "groups": [reference, group],
                "alerts": ["selection by sex: F 1.31"],
            }
        ),
        encoding="utf-8",
    )
    card = system_card.build_card(bias_path=bias)
    text = system_card.render_markdown(card)
    assert "| selection | sex | F | 1200 | 0.031 | 1.31 | 1.10-1.52 | **yes** |" in text
    assert "| selection | sex | M | 1200 | 0.031 | reference |  |  |" in text
    assert system_card.render_pdf(card).startswith(b"%PDF-")
