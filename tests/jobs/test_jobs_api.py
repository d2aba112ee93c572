"""The jobs API: start, list, read, cancel; permissions, purpose, audit, the embedded thread.

On SQLite a job started over HTTP runs in a thread of the server (the embedded default);
on PostgreSQL it goes on Procrastinate's queue (no worker here: it stays QUEUED, and is
withdrawn from the queue when cancelled).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from immigrationos.config import get_settings
from immigrationos.db.engine import session_scope
from immigrationos.jobs.kinds import INCOMING

from .conftest import Api, wait_for

pytestmark = pytest.mark.xdist_group("jobs-world")


def _delivery(world: Path) -> str:
    """Copy the world's files into the incoming folder; return the folder's name there."""
    name = f"delivery-{uuid.uuid4().hex[:8]}"
    target = get_settings().var_dir / INCOMING / name
    target.mkdir(parents=True)
    for path in world.glob("*.csv"):
        shutil.copy(path, target / path.name)
    return name


def _queue_status(engine: Engine, job_id: str) -> str:
    with session_scope(engine) as session:
        return str(
            session.execute(
                text("SELECT status FROM procrastinate_jobs WHERE args->>'job_id' = :id"),
                {"id": job_id},
            ).scalar_one()
        )


def test_jobs_over_http_with_permissions_and_audit(api: Api, world: Path) -> None:
    analyst, officer, admin = api.user("ANALYST"), api.user("OFFICER"), api.user("ADMIN")
    client = api.client
    body = {"kind": "ingest", "arguments": {"folder": _delivery(world)}, "idempotency_key": "k1"}
    refused = client.post("/api/v1/jobs", json=body, headers=officer.headers)
    assert refused.status_code == 403 and "jobs.run" in refused.json()["detail"]
    assert client.post("/api/v1/jobs", json=body, headers=admin.headers).status_code == 403
    bad = client.post("/api/v1/jobs", json={"kind": "ingest", "arguments": {"folder": "/etc"}},
                      headers=analyst.headers)  # fmt: skip
    assert bad.status_code == 422 and "inside incoming/" in bad.json()["detail"]
    target = client.post("/api/v1/jobs", json={"kind": "target"}, headers=analyst.headers)
    assert target.status_code == 422 and "purpose" in target.json()["detail"]

    started = client.post("/api/v1/jobs", json=body, headers=analyst.headers)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["kind"] == "ingest" and job["requested_by"] == analyst.id
    # The same key asked again: the same job, not a second ingest.
    again = client.post("/api/v1/jobs", json=body, headers=analyst.headers)
    assert again.json()["id"] == job["id"]
    assert api.audit_count(action="jobs.start", resource_id=job["id"], actor=analyst.id) == 1

    if api.engine.dialect.name == "sqlite":
        done = wait_for(api.engine, job["id"], {"SUCCEEDED", "FAILED"}, timeout=120)
        assert done.state == "SUCCEEDED", done.error
        assert done.result is not None and done.result["totals"]["accepted"] > 300
        # Its batches carry the analyst who asked, through the job.
        assert api.audit_count(action="ingest.batch", actor=analyst.id) == len(
            done.result["sources"]
        )
    else:
        assert _queue_status(api.engine, job["id"]) == "todo"

    listed = client.get("/api/v1/jobs", headers=admin.headers)
    assert listed.status_code == 200 and [j["id"] for j in listed.json()["items"]] == [job["id"]]
    assert client.get("/api/v1/jobs?state=LOST", headers=admin.headers).status_code == 422
    one = client.get(f"/api/v1/jobs/{job['id']}", headers=admin.headers)
    assert one.status_code == 200 and one.json()["id"] == job["id"]
    assert client.get("/api/v1/jobs/JNONE", headers=admin.headers).status_code == 404
    assert client.get("/api/v1/jobs", headers=officer.headers).status_code == 403
    assert api.audit_count(action="jobs.list", actor=admin.id) == 1
    assert api.audit_count(action="jobs.read", actor=admin.id, resource_id=job["id"]) == 1


def test_cancel_over_http(api: Api, world: Path) -> None:
    analyst, oversight = api.user("ANALYST"), api.user("OVERSIGHT")
    client = api.client
    # A job that is still queued: on SQLite, held back by a running pipeline job's lock is
    # not guaranteed, so an export is cancelled before its thread starts or after it ends.
    started = client.post("/api/v1/jobs", json={"kind": "export-clusters"}, headers=analyst.headers)
    job_id = started.json()["id"]
    assert (
        client.post(f"/api/v1/jobs/{job_id}/cancel", headers=oversight.headers).status_code == 403
    )
    answer = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=analyst.headers)
    if answer.status_code == 409:  # the thread was quicker: it had ended
        assert api.engine.dialect.name == "sqlite" and "already ended" in answer.json()["detail"]
        return
    assert answer.status_code == 200, answer.text
    assert answer.json()["cancel_requested"] is True
    ended = wait_for(api.engine, job_id, {"CANCELLED", "SUCCEEDED"}, timeout=60)
    assert ended.state == "CANCELLED" or api.engine.dialect.name == "sqlite"
    assert api.audit_count(action="jobs.cancel", resource_id=job_id, actor=analyst.id) == 1
    if api.engine.dialect.name == "postgresql":
        assert _queue_status(api.engine, job_id) == "cancelled"
    again = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=analyst.headers)
    assert again.status_code == 409
