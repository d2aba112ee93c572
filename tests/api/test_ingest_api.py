"""Ingest batches over HTTP: reconciliation, filters, pagination, problems."""

from __future__ import annotations

from pathlib import Path

from immigrationos.sources import flows as ingest_flows

from .conftest import Api

I94 = (
    "record_id,event,event_date,i94_number,given_name,family_name,birth_date,sex,citizenship_country,"
    "passport_number,class_of_admission,admit_until,port_of_entry,street,city,state,zip\n"
    "I1,ARRIVAL,2024-01-05,12345678901,ANA,RUIZ,1990-02-03,F,MEX,P1234567,B2,2024-07-04,LAX,,,,\n"
    "I2,ARRIVAL,2024-13-05,12345678902,LUIS,PEREZ,1985-05-06,M,MEX,P7654321,B2,2024-07-04,LAX,,,,\n"
)


def _ingest(tmp_path: Path, engine: object, lake_dir: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cbp_i94.csv").write_text(I94, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir)  # type: ignore[arg-type]


def test_batches_with_reconciliation_and_filters(api: Api, tmp_path: Path, lake_dir: Path) -> None:
    _ingest(tmp_path, api.engine, lake_dir)
    analyst = api.user("ANALYST")
    page = api.client.get("/api/v1/ingest/batches?source=cbp_i94", headers=analyst.headers)
    assert page.status_code == 200
    [batch] = page.json()["items"]
    rec = batch["reconciliation"]
    assert (rec["rows_read"], rec["rows_accepted"], rec["rows_quarantined"]) == (2, 1, 1)
    assert rec["balanced"] is True
    detail = api.client.get(f"/api/v1/ingest/batches/{batch['id']}", headers=analyst.headers).json()
    assert sum(detail["quarantine_reasons"].values()) == 1
    empty = api.client.get(
        "/api/v1/ingest/batches?source=dmv_licenses", headers=analyst.headers
    ).json()
    assert empty["items"] == [] and empty["total"] == 0
    bad = api.client.get("/api/v1/ingest/batches?source=nope", headers=analyst.headers)
    assert bad.status_code == 422 and "nope" in bad.json()["detail"]
    missing = api.client.get("/api/v1/ingest/batches/xyz", headers=analyst.headers)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_quarantine_needs_a_purpose(api: Api, tmp_path: Path, lake_dir: Path) -> None:
    _ingest(tmp_path, api.engine, lake_dir)
    analyst = api.user("ANALYST")
    batch = api.client.get("/api/v1/ingest/batches", headers=analyst.headers).json()["items"][0]
    refused = api.client.get(
        f"/api/v1/ingest/batches/{batch['id']}/quarantine", headers=analyst.headers
    )
    assert refused.status_code == 428 and "X-Purpose" in refused.json()["detail"]
    assert api.audit_count(action="ingest.read_quarantine", outcome="DENIED") == 1
    purpose = api.client.post(
        "/api/v1/purposes",
        json={
            "kind": "BATCH",
            "reference": "DQ-1",
            "title": "ingest quality review",
            "justification": "review rejected rows",
        },
        headers=analyst.headers,
    )
    assert purpose.status_code == 201, purpose.text
    rows = api.client.get(
        f"/api/v1/ingest/batches/{batch['id']}/quarantine",
        headers=analyst.with_purpose(purpose.json()["id"]),
    )
    assert rows.status_code == 200
    [row] = rows.json()["items"]
    assert row["line_number"] == 3 and "2024-13-05" in row["raw_text"]
    officer = api.user("OFFICER")
    assert (
        api.client.get(
            f"/api/v1/ingest/batches/{batch['id']}/quarantine", headers=officer.headers
        ).status_code
        == 403
    )
