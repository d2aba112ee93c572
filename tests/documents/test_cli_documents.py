"""`imos document list CASE` and `imos document pdf ID`: read under a purpose, audited."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immigrationos import cli_documents
from immigrationos.auth.principal import Principal
from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.documents import flows
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate

from .conftest import DocumentsWorld


def test_list_and_save_a_pdf_but_never_sign(
    world: DocumentsWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    case_id = world.open_case("teodoro", "target_package")
    draft = world.generate("OFFICER", case_id, "I-200", charges=["237(a)(1)(B)"]).json()
    monkeypatch.setattr(cli_documents, "get_engine", lambda: world.api.engine)
    monkeypatch.setattr(cli_documents.console, "width", 250)
    operator = Principal.operator(get_settings().operator)
    purpose = policy_flows.create_purpose(
        engine=world.api.engine,
        principal=operator,
        data=PurposeCreate(kind=PurposeKind.CASE, reference="C-CLI", title="c", justification="t"),
    )
    runner = CliRunner()
    listed = runner.invoke(app, ["document", "list", case_id, "--purpose", purpose.id])
    assert listed.exit_code == 0, listed.output
    assert draft["number"] in listed.output and "DRAFT" in listed.output
    out = tmp_path / "warrant.pdf"
    saved = runner.invoke(
        app, ["document", "pdf", draft["document_id"], "--purpose", purpose.id, "--out", str(out)]
    )
    assert saved.exit_code == 0, saved.output
    assert hashlib.sha256(out.read_bytes()).hexdigest() == draft["sha256"]
    assert world.api.audit_count(action="documents.download", actor=operator.actor) == 1
    with pytest.raises(flows.DocumentError) as refused:
        flows.sign(
            world.api.engine, principal=operator, purpose_id=purpose.id,
            document_id=draft["document_id"],
        )  # fmt: skip
    assert refused.value.kind == "signer-not-allowed"
