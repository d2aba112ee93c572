"""``imos export leads``: one row per current lead, exactly as ../shared/spec/exports.md fixes it.

``score`` is 0 for a lead the evaluation does not score (a SUPPRESSED lead, or a CLOSED
one whose person is suppressed), and ``priority`` is then empty. ``evidence`` lists the
records the lead's findings rest on, each as ``source:record_id`` (the record index
holds only each record's latest version).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from immigrationos.audit import flows as audit_flows
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.targeting import service as targeting_service

COLUMNS = (
    "lead_id", "person_id", "state", "score", "priority", "violations", "safeguards", "evidence",
)  # fmt: skip


@dataclass(frozen=True)
class LeadExportSummary:
    """What a leads export wrote."""

    path: Path
    rows: int
    by_state: dict[str, int]
    sha256: str


def _joined(text: str) -> str:
    return "|".join(json.loads(text))


def export_leads(
    out: Path, *, engine: Engine, principal: Principal, purpose_id: str | None = None
) -> LeadExportSummary:
    """Write every current lead as exports.md fixes it; audit it as a disclosure; return counts.

    The file is written beside ``out`` and moved into place only once its audit event
    (``export.leads``, with the file's SHA-256) is committed.
    """
    with session_scope(engine) as session:
        rows = targeting_service.lead_rows(session=session)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    by_state: Counter[str] = Counter()
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for lead_id, person_id, state, score, priority, violations, safeguards, evidence in rows:
            by_state[state] += 1
            writer.writerow(
                (
                    lead_id,
                    person_id,
                    state,
                    0 if score is None else int(score),
                    priority or "",
                    _joined(violations),
                    _joined(safeguards),
                    _joined(evidence),
                )
            )
    ordered = dict(sorted(by_state.items()))
    digest = audit_flows.publish_export(
        partial,
        out,
        engine=engine,
        principal=principal,
        purpose_id=purpose_id,
        action="export.leads",
        details={
            "disclosure": "operator export of every lead (exports.md)",
            "rows": len(rows),
            "by_state": ordered,
        },
    )
    summary = LeadExportSummary(path=out, rows=len(rows), by_state=ordered, sha256=digest)
    return summary
