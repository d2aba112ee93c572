"""`imos document list CASE` shows each document's service; the operator never serves one."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from immigrationos import cli_documents
from immigrationos.auth.principal import Principal
from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.documents import serving
from immigrationos.documents.flows import DocumentError
from immigrationos.documents.schemas import ServiceCreate
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate

from .conftest import DocumentsWorld


def test_the_list_shows_the_service_and_the_operator_does_not_serve(
    world: DocumentsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = world.open_case("teodoro", "target_package")
    draft = world.generate("SUPERVISOR", case_id, "I-200", charges=["237(a)(1)(B)"]).json()
    assert world.sign("SUPERVISOR2", draft["document_id"]).status_code == 200
    when = dt.datetime.now(dt.UTC).isoformat()
    served = world.post(
        "OFFICER", f"/documents/{draft['document_id']}/service",
        {"method": "IN_PERSON", "served_at": when, "recipient": "Teodoro"},
    )  # fmt: skip
    assert served.status_code == 201, served.text
    monkeypatch.setattr(cli_documents, "get_engine", lambda: world.api.engine)
    monkeypatch.setattr(cli_documents.console, "width", 250)
    operator = Principal.operator(get_settings().operator)
    purpose = policy_flows.create_purpose(
        engine=world.api.engine,
        principal=operator,
        data=PurposeCreate(kind=PurposeKind.CASE, reference="C-CLI", title="c", justification="t"),
    )
    listed = CliRunner().invoke(app, ["document", "list", case_id, "--purpose", purpose.id])
    assert listed.exit_code == 0, listed.output
    assert f"SERVED IN_PERSON {when[:10]}" in listed.output
    with pytest.raises(DocumentError) as refused:
        serving.record_service(
            world.api.engine, principal=operator, purpose_id=purpose.id,
            document_id=draft["document_id"],
            data=ServiceCreate(method="IN_PERSON", served_at=when, recipient="Teodoro"),
        )  # fmt: skip
    assert refused.value.kind == "server-not-allowed"
