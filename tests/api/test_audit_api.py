"""The audit log over HTTP: only oversight reads it; verification signs a checkpoint."""

from __future__ import annotations

from immigrationos.audit import flows as audit_flows
from immigrationos.audit import signing

from .conftest import Api


def test_only_oversight_reads_the_log_and_reading_is_audited(api: Api) -> None:
    oversight = api.user("OVERSIGHT")
    for role in ("ADMIN", "ANALYST", "OFFICER", "SUPERVISOR", "LEGAL"):
        other = api.user(role)
        assert api.client.get("/api/v1/audit/events", headers=other.headers).status_code == 403
    page = api.client.get("/api/v1/audit/events?limit=5", headers=oversight.headers)
    assert page.status_code == 200
    body = page.json()
    assert len(body["items"]) == 5 and body["total"] >= 10 and body["next_offset"] == 5
    seqs = [e["seq"] for e in body["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert api.audit_count(action="audit.read", actor=oversight.id) == 1
    denied = api.client.get(
        "/api/v1/audit/events?action=api.denied", headers=oversight.headers
    ).json()
    assert denied["total"] == 5 and {e["outcome"] for e in denied["items"]} == {"DENIED"}


def test_verify_signs_a_checkpoint_an_outside_party_can_check(api: Api) -> None:
    oversight = api.user("OVERSIGHT")
    none_yet = api.client.get("/api/v1/audit/checkpoints/latest", headers=oversight.headers)
    assert none_yet.status_code == 404
    verified = api.client.post("/api/v1/audit/verify", headers=oversight.headers)
    assert verified.status_code == 200 and verified.json()["ok"] and verified.json()["checkpointed"]
    exported = api.client.get("/api/v1/audit/checkpoints/latest", headers=oversight.headers).json()
    checkpoint = signing.SignedCheckpoint(**exported)
    checkpoint.verify_signature()
    assert checkpoint.seq == verified.json()["head_seq"]
    assert audit_flows.check_against(checkpoint, api.engine).ok
    forged = signing.SignedCheckpoint(
        checkpoint.statement.replace(checkpoint.hash, "f" * 64),
        checkpoint.signature,
        checkpoint.public_key,
    )
    assert not audit_flows.check_against(forged, api.engine).ok
