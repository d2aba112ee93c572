"""Two supervisors signing one draft at once: exactly one signature is stored."""

from __future__ import annotations

import hashlib
import threading

from immigrationos.auth.principal import Principal
from immigrationos.documents import flows
from immigrationos.documents.flows import DocumentError
from immigrationos.documents.models import LegalDocument

from .conftest import DocumentsWorld


def _principal(world: DocumentsWorld, label: str) -> Principal:
    user = world.users[label]
    return Principal(
        actor=user.id, username=user.username, role=user.role, offices=tuple(user.offices),
        client="test",
    )  # fmt: skip


def test_two_signers_at_once_never_both_sign(world: DocumentsWorld) -> None:
    case_id = world.open_case("teodoro", "target_package")
    draft = world.generate("OFFICER", case_id, "I-200", charges=["237(a)(1)(B)"]).json()
    signers = ("SUPERVISOR", "SUPERVISOR2")
    start = threading.Barrier(len(signers))
    results: dict[str, LegalDocument | DocumentError] = {}

    def sign(label: str) -> None:
        start.wait()
        try:
            results[label] = flows.sign(
                world.api.engine, principal=_principal(world, label),
                purpose_id=world.purposes[label], document_id=draft["document_id"],
            )  # fmt: skip
        except DocumentError as exc:
            results[label] = exc

    threads = [threading.Thread(target=sign, args=(label,)) for label in signers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    won = [v for v in results.values() if isinstance(v, LegalDocument)]
    lost = [v for v in results.values() if isinstance(v, DocumentError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert (lost[0].status, lost[0].kind) == (409, "document-signed")
    stored = world.get("SUPERVISOR", f"/documents/{draft['document_id']}").json()
    assert stored["signed_by"] == won[0].signed_by
    pdf = world.pdf("SUPERVISOR", draft["document_id"])
    assert hashlib.sha256(pdf).hexdigest() == stored["sha256"] == won[0].sha256
    assert world.api.audit_count(action="documents.sign", outcome="SUCCESS") == 1
