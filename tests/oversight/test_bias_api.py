"""The bias monitor end to end: persons, records and leads in the database, the API's
figures, the oversight page's charts, and the report as HTML, PDF and JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.conftest import Api, api, fast_hasher  # noqa: F401  (fixtures re-used)
from immigrationos.cli import app as cli_app
from immigrationos.db.engine import session_scope
from immigrationos.oversight import bias, bias_data
from immigrationos.oversight import report as bias_report
from immigrationos.records.models import Record
from immigrationos.resolution.models import Person, PersonRecord, ResolutionRun
from immigrationos.targeting.models import Lead, TargetingRun
from immigrationos.targeting.policy import PriorityPolicy
from web.conftest import Web, web  # noqa: F401  (fixture re-used)

from .test_bias import BIASED, FAIR, population, subjects

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 11, 1)


def seed(engine: Engine, policy: PriorityPolicy) -> None:
    """Store the test population as persons with a benefit record each, and their leads."""
    rows = {r.person_id: r for r in population()}
    with session_scope(engine) as session:
        session.add(
            ResolutionRun(
                id="R1", started_at=NOW, backend="test", threshold=0.9, run_by="test",
                status="COMPLETED",
            )
        )  # fmt: skip
        session.add(
            TargetingRun(
                id="T1", started_at=NOW, as_of=AS_OF, run_by="test", status="COMPLETED",
                policy_version=policy.version, policy_sha256="0" * 64,
            )
        )  # fmt: skip
        session.flush()
        for i, s in enumerate(subjects(policy, list(rows.values()))):
            row = rows[s.person_id]
            pid = f"P{i:010d}"
            born = dt.date(AS_OF.year - row.age, 1, 1)
            session.add(
                Person(
                    person_id=pid, status="ACTIVE", sex=row.sex, birth_date=born,
                    field_office=s.traits["field_office"], confidence=1.0, records=1,
                    sources='["uscis_benefits"]', created_run="R1", updated_run="R1",
                    created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
            payload = {"country_of_birth": row.country, "zip": row.zip}
            session.add(
                Record(
                    source="uscis_benefits", record_id=f"B{i}", version=1, change="NEW",
                    withdrawn=False, batch_id="b", display_name="X", birth_date=born,
                    sex=row.sex, zip=row.zip, payload=json.dumps(payload), ingested_at=NOW,
                )
            )  # fmt: skip
            session.add(
                PersonRecord(source="uscis_benefits", record_id=f"B{i}", person_id=pid, run_id="R1")
            )
            evaluation = {
                "score": {
                    "factors": [{"name": k, "points": v} for k, v in s.factors.items()],
                    "raw_total": s.raw_score,
                }
            }
            session.add(
                Lead(
                    lead_id=f"L{i:010d}", person_id=pid, state="OPEN", score=s.score,
                    priority=None, violations="[]", safeguards="[]", evidence="[]",
                    evaluation=json.dumps(evaluation), policy_version=policy.version,
                    policy_sha256="0" * 64, as_of=AS_OF, field_office=s.traits["field_office"],
                    created_run="T1", updated_run="T1", created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        session.commit()


def test_database_rows_carry_traits_factors_and_features(engine: Engine) -> None:
    seed(engine, BIASED)
    with session_scope(engine) as session:
        rows = bias_data.subjects(session, as_of=AS_OF)
    assert len(rows) == len(population())
    mex = [r for r in rows if r.traits["country_of_birth"] == "MEX"]
    assert len(mex) == 240
    assert any("priority_area" in r.factors for r in mex)
    assert all(r.features.get("zip3") in ("900", "606") for r in rows)
    assert {r.traits["age_group"] for r in rows} <= {"18-29", "30-44", "45-59", "60 and over"}


def test_close_reasons_and_case_exits_are_outcomes() -> None:
    assert bias_data.outcome_of_reason("Person is a US citizen (passport)") == "us_citizen"
    assert bias_data.outcome_of_reason("identity error: another person's I-94") == "identity_error"
    assert bias_data.outcome_of_reason("lawfully present: TPS granted") == "lawful_status"
    assert bias_data.outcome_of_reason("duplicate") is None


def test_api_flags_the_zip_proxy(api: Api) -> None:  # noqa: F811
    seed(api.engine, BIASED)
    oversight = api.user("OVERSIGHT")
    answer = api.client.get("/api/v1/oversight/bias", headers=oversight.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["likely_proxies"] == ["priority_area"]
    flagged = {
        (a["metric"], a["attribute"], a["group"])
        for a in body["alerts"]
        if a["kind"] == "disparity"
    }
    assert {("priority", "country_of_birth", g) for g in ("GTM", "IND", "CHN")} <= flagged
    priority = next(
        d
        for d in body["disparities"]
        if d["metric"] == "priority" and d["attribute"] == "country_of_birth"
    )
    assert priority["reference"] == "MEX"
    assert ["FRA", 12] in priority["left_out"]
    assert api.audit_count(action="oversight.bias") == 1


def test_api_fair_policy_no_alert(api: Api) -> None:  # noqa: F811
    seed(api.engine, FAIR)
    oversight = api.user("OVERSIGHT")
    body = api.client.get("/api/v1/oversight/bias", headers=oversight.headers).json()
    assert body["alerts"] == [] and body["likely_proxies"] == []


def test_api_refuses_roles_without_the_permission(api: Api) -> None:  # noqa: F811
    analyst = api.user("ANALYST")
    answer = api.client.get("/api/v1/oversight/bias", headers=analyst.headers)
    assert answer.status_code == 403


def test_page_draws_the_charts(web: Web) -> None:  # noqa: F811
    seed(web.api.engine, BIASED)
    oversight = web.user("OVERSIGHT")
    answer = oversight.get("/oversight/bias")
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert 'data-chart="priority-country-of-birth"' in html
    assert 'class="band"' in html and 'class="whisker"' in html
    assert 'data-factor="priority_area" data-proxy="yes"' in html
    assert 'data-testid="bias-alert"' in html
    assert web.api.audit_count(action="oversight.bias") == 1


def test_page_refused_without_the_permission(web: Web) -> None:  # noqa: F811
    analyst = web.user("ANALYST")
    assert analyst.get("/oversight/bias").status_code == 403


def test_report_html_and_pdf(tmp_path: Path) -> None:
    found = bias.measure(
        subjects(BIASED, population()),
        factor_kinds=bias.factor_kinds_of(BIASED.factors),
        policy="biased 1",
    )
    html = bias_report.write(found, tmp_path / "bias.html").read_text()
    assert "<svg" in html and 'data-chart="priority-country-of-birth"' in html
    assert 'data-factor="priority_area" data-proxy="yes"' in html
    pdf = bias_report.write(found, tmp_path / "bias.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    summary = json.loads(bias_report.write(found, tmp_path / "bias.json").read_text())
    assert summary["likely_proxies"] == ["priority_area"]
    assert summary["alerts"] and summary["groups"]


@pytest.mark.parametrize("suffix", [".html", ".json"])
def test_cli_report(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    seed(engine, BIASED)
    monkeypatch.setattr("immigrationos.cli_oversight.get_engine", lambda: engine)
    out = tmp_path / f"bias{suffix}"
    result = CliRunner().invoke(cli_app, ["oversight", "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and "alert" in result.output
    if suffix == ".json":
        assert json.loads(out.read_text())["likely_proxies"] == ["priority_area"]


def test_cli_refuses_an_unknown_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["oversight", "report", "--out", str(tmp_path / "x.txt")])
    assert result.exit_code == 2
