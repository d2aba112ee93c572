"""Ingest status: a batch's reconciliation, its quarantine by reason, and the held rows."""

from __future__ import annotations

import re
from pathlib import Path

from api.conftest import Api
from cases.world import I94
from immigrationos.db.engine import session_scope
from immigrationos.sources import flows as ingest_flows
from immigrationos.sources import service as sources_service

from .conftest import Web

# Two rows that break the contract: a birth date that is not a date, an unknown event.
BAD = (
    "I94-X1,ARRIVAL,2023-01-05,22345678931,ADA,QUARANTINA,1985-13-40,F,GTM,"
    "G7777777,B2,2023-07-04,LAX,1 Main St,Los Angeles,CA,90012\n"
    "I94-X2,LANDING,2023-01-05,22345678932,BO,QUARANTINA,1986-01-01,M,GTM,"
    "G7777778,B2,2023-07-04,LAX,1 Main St,Los Angeles,CA,90012\n"
)
ROW = re.compile(r'<td data-label="Line" class="num">(\d+)</td>')


def _batch(api: Api, folder: Path, lake_dir: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cbp_i94.csv").write_text(I94 + BAD, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=api.engine, lake_dir=lake_dir, run_by="test")
    with session_scope(api.engine) as session:
        (batch,) = sources_service.list_batches(
            session=session, limit=5, offset=0, source=None, status=None, run_id=None
        )
        return batch.id


def test_a_batch_shows_where_every_row_went_and_why_rows_were_held(
    web: Web, api: Api, tmp_path: Path, lake_dir: Path
) -> None:
    batch_id = _batch(api, tmp_path / "in", lake_dir)
    analyst = web.user("ANALYST")
    dashboard = analyst.get("/dashboard").text
    assert f'href="/ingest/{batch_id}"' in dashboard

    # Counts are not person data; the rows are: without a purpose, the page says why.
    counts = analyst.get(f"/ingest/{batch_id}")
    assert counts.status_code == 200
    assert "every row read was accepted or quarantined" in counts.text
    assert 'id="chart-quarantine"' in counts.text
    assert 'data-testid="refusal"' in counts.text and "purpose" in counts.text
    assert ROW.findall(counts.text) == []

    analyst.declare_purpose()
    shown = analyst.get(f"/ingest/{batch_id}").text
    assert "2 quarantined rows" in shown and "QUARANTINA" in shown
    assert sorted(int(n) for n in ROW.findall(shown)) == [7, 8]  # lines of the file
    # The refused read and the read are both on the audit log.
    for outcome in ("DENIED", "SUCCESS"):
        assert (
            api.audit_count(action="ingest.read_quarantine", actor=analyst.id, outcome=outcome) == 1
        )
    assert api.audit_count(action="ingest.read_batch", actor=analyst.id) == 2

    # An officer's role may not read ingest at all; a missing batch answers 404 in words.
    officer = web.user("OFFICER", ["Los Angeles Field Office"])
    assert officer.get(f"/ingest/{batch_id}").status_code == 403
    missing = analyst.get("/ingest/NOSUCHBATCH")
    assert missing.status_code == 404 and "No such batch is available to you" in missing.text
