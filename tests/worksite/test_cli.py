"""`imos worksite generate` and `imos worksite audit` on a generated set (typer CliRunner).

A self-audit runs with no database; an inspection reads the set's government records
once they are ingested into the test database, under a purpose, audited. Bad input stops
with exit code 2, names the file, row and column, and writes nothing.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from immigrationos import cli_worksite
from immigrationos.audit.models import AuditEvent
from immigrationos.auth.principal import Principal
from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.db.engine import session_scope
from immigrationos.policy import purpose_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.sources import flows as ingest_flows
from immigrationos.worksite import audit, generator
from immigrationos.worksite.crosscheck import CROSSCHECK_RULES
from immigrationos.worksite.model import AuditContext, Mode

SEED = 31
FORMS = 40
runner = CliRunner()


@pytest.fixture()
def gen_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A generated set written by the CLI (CSV, and every 8th form as a filled PDF)."""
    monkeypatch.setattr(cli_worksite.console, "width", 200)
    out = tmp_path / "set"
    done = runner.invoke(
        app,
        ["worksite", "generate", "--seed", str(SEED), "--forms", str(FORMS), "--out", str(out),
         "--pdf-every", "8"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (out / "forms.csv").exists() and list((out / "pdf").glob("*.pdf"))
    return out


def _audit_args(folder: Path, *extra: str) -> list[str]:
    return [
        "worksite", "audit", str(folder), "--roster", str(folder / "roster.csv"),
        "--employer", str(folder / "employer.json"), "--date", _audit_date(folder), *extra,
    ]  # fmt: skip


def _audit_date(folder: Path) -> str:
    return str(json.loads((folder / "set.json").read_text())["audit_date"])


def _pairs(report: dict[str, object]) -> set[tuple[str, str]]:
    forms = report["forms"]
    assert isinstance(forms, list)
    found = {(f["form_id"], x["rule_id"]) for f in forms for x in f["findings"]}
    employer = report["employer_findings"]
    assert isinstance(employer, list)
    return found | {(x["form_id"], x["rule_id"]) for x in employer}


def test_a_self_audit_writes_the_findings_per_form_and_an_html_report(
    gen_dir: Path, tmp_path: Path
) -> None:
    out_json, out_html = tmp_path / "out" / "audit.json", tmp_path / "out" / "report.html"
    done = runner.invoke(
        app, _audit_args(gen_dir, "--json", str(out_json), "--report", str(out_html))
    )
    assert done.exit_code == 0, done.output
    assert "findings by rule" in done.output and f"{FORMS} form(s) audited" in done.output
    report = json.loads(out_json.read_text())
    assert report["mode"] == "self" and report["policy"].startswith("longstanding")
    assert len(report["forms"]) == FORMS
    assert any(f["source"].startswith("pdf/") for f in report["forms"])
    every = [x for f in report["forms"] for x in f["findings"]] + report["employer_findings"]
    assert every, "a generated set with seeded errors draws findings"
    for finding in every:
        assert finding["rule_id"] and finding["citation"] and finding["policy"]
        assert finding["classification"] in ("TECHNICAL", "SUBSTANTIVE", "NOT_A_VIOLATION")
        assert isinstance(finding["fields"], list)
        assert finding["rule_id"] not in CROSSCHECK_RULES  # a self-audit has no records
    # The CLI's JSON is the audit itself: the same pairs as auditing the set in process.
    gset = generator.generate(SEED, FORMS)
    ctx = AuditContext(
        audit_date=date.fromisoformat(_audit_date(gen_dir)), employer=gset.employer,
        roster=gset.roster_map(), mode=Mode.SELF,
    )  # fmt: skip
    direct = audit.audit_forms(gset.forms, ctx)
    assert _pairs(report) == {(f.form_id, f.rule_id) for f in direct.findings()}
    html = out_html.read_text()
    assert "<svg" in html and any(rule in html for _, rule in _pairs(report))


def test_the_report_as_pdf_and_the_stricter_policy(gen_dir: Path, tmp_path: Path) -> None:
    out_pdf = tmp_path / "report.pdf"
    out_json = tmp_path / "strict.json"
    done = runner.invoke(
        app,
        _audit_args(gen_dir, "--policy", "ice-2026-03", "--report", str(out_pdf), "--json",
                    str(out_json)),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert out_pdf.read_bytes().startswith(b"%PDF")
    assert json.loads(out_json.read_text())["policy"].startswith("ice-2026-03")


def test_a_malformed_row_stops_the_audit_naming_file_row_and_column(
    gen_dir: Path, tmp_path: Path
) -> None:
    rows = list(csv.reader((gen_dir / "forms.csv").open(encoding="utf-8")))
    rows[2] = rows[2][:-3]  # row 3 of the spreadsheet loses cells
    with (gen_dir / "forms.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    out_json = tmp_path / "never.json"
    done = runner.invoke(app, _audit_args(gen_dir, "--json", str(out_json)))
    assert done.exit_code == 2
    assert "forms.csv, row 3" in done.output and "nothing written" in done.output
    assert not out_json.exists()


def test_a_bad_roster_date_names_the_roster_row_and_column(gen_dir: Path, tmp_path: Path) -> None:
    lines = (gen_dir / "roster.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("hire_date")] = "not-a-date"
    lines[1] = ",".join(cells)
    (gen_dir / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out_json = tmp_path / "never.json"
    done = runner.invoke(app, _audit_args(gen_dir, "--json", str(out_json)))
    assert done.exit_code == 2
    assert "roster.csv, row 2, column hire_date" in done.output
    assert not out_json.exists()


def test_refusals_exit_2_and_write_nothing(gen_dir: Path, tmp_path: Path) -> None:
    out_json = tmp_path / "never.json"
    unknown = runner.invoke(
        app, _audit_args(gen_dir, "--policy", "lenient", "--json", str(out_json))
    )
    assert unknown.exit_code == 2 and "lenient" in unknown.output
    no_purpose = runner.invoke(app, _audit_args(gen_dir, "--mode", "inspection"))
    assert no_purpose.exit_code == 2 and "--purpose" in no_purpose.output
    bad_report = runner.invoke(app, _audit_args(gen_dir, "--report", str(tmp_path / "r.docx")))
    assert bad_report.exit_code == 2
    not_dir = runner.invoke(app, ["worksite", "audit", str(tmp_path / "nowhere")])
    assert not_dir.exit_code == 2 and "nowhere" in not_dir.output
    again = runner.invoke(
        app, ["worksite", "generate", "--seed", "1", "--forms", "3", "--out", str(gen_dir)]
    )
    assert again.exit_code == 2 and "not empty" in again.output
    assert not out_json.exists()


# -- an inspection against records ingested into the platform -----------------------------


def _ingest_government(
    gset: generator.GeneratedSet, folder: Path, engine: Engine, lake: Path
) -> None:
    """Ingest the set's SSA and USCIS facts as contract records."""
    folder.mkdir(parents=True)
    gov = gset.government.to_dict()
    with (folder / "ssa_numident.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["record_id", "ssn", "given_name", "middle_name", "family_name",
                      "birth_date", "sex", "birth_place", "citizenship_code", "issue_date",
                      "death_date"])  # fmt: skip
        for n in gov["numident"]:
            out.writerow([str(n["record_ref"]).split(":", 1)[1], n["ssn"], n["first_name"], "",
                          n["last_name"], n["date_of_birth"], "X", "CA", "A", "2000-01-01",
                          n["date_of_death"] or ""])  # fmt: skip
    with (folder / "uscis_benefits.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["record_id", "receipt_number", "form_type", "status", "filed_date",
                      "decision_date", "valid_from", "valid_until", "a_number", "given_name",
                      "family_name", "birth_date", "sex", "country_of_birth", "street", "city",
                      "state", "zip"])  # fmt: skip
        for i, u in enumerate(gov["uscis"]):
            number = str(u["number"]).replace("-", "").upper()
            card = not number.startswith("A")
            a_number = "" if card else "A" + number.lstrip("A").zfill(9)
            receipt = number if card else f"MSC{i:010d}"
            form_type = "I-765" if u["document_type"] == "I-766" else "I-485"
            out.writerow([f"U{i:05d}", receipt, form_type, "APPROVED", "2020-01-01", "",
                          "", u["valid_until"] or "", a_number, u["first_name"], u["last_name"],
                          u["date_of_birth"], "X", "MEX", "", "", "", ""])  # fmt: skip
    report = ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake, run_by="test")
    assert report is not None


def test_an_inspection_reads_the_platform_records_under_a_purpose(
    tmp_path: Path, engine: Engine, lake_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Enough forms that every kind of seeded error, the cross-checks' included, is there.
    folder = tmp_path / "big"
    n_forms = math.ceil(len(generator.ERRORS) / 0.3) + 10
    made = runner.invoke(
        app, ["worksite", "generate", "--seed", str(SEED), "--forms", str(n_forms), "--out",
              str(folder)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    gset = generator.generate(SEED, n_forms)
    _ingest_government(gset, tmp_path / "gov", engine, lake_dir)
    monkeypatch.setattr(cli_worksite, "get_engine", lambda: engine)
    operator = Principal.operator(get_settings().operator)
    purpose = purpose_flows.create_purpose(
        principal=operator,
        engine=engine,
        data=PurposeCreate(kind=PurposeKind.BATCH, reference="WSI-CLI", title="inspection",
                           justification="Form I-9 inspection (test)"),
    )  # fmt: skip
    out_json = tmp_path / "inspection.json"
    done = runner.invoke(
        app,
        _audit_args(folder, "--mode", "inspection", "--purpose", purpose.id, "--json",
                    str(out_json)),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "kept as audit WA" in done.output
    report = json.loads(out_json.read_text())
    suspect = {(f, r) for f, r in _pairs(report) if r in CROSSCHECK_RULES}
    truth = {(f, r) for f, r in gset.truth if r in CROSSCHECK_RULES}
    assert {r for _, r in truth} == set(CROSSCHECK_RULES)
    assert suspect == truth
    for form in report["forms"]:
        for finding in form["findings"]:
            if finding["rule_id"] in CROSSCHECK_RULES and "no record" not in finding["message"]:
                assert finding["records"], finding
    with session_scope(engine) as session:
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "worksite.audit")
        ).all()
        assert event.purpose == purpose.id and event.actor == operator.actor
        assert any(r.startswith("ssa_numident:") for r in json.loads(event.details)["records"])
