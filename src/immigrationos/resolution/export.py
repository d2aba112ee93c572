"""``imos export clusters``: every record's person, as ../shared/spec/exports.md fixes it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from immigrationos.audit import flows as audit_flows
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.records.models import Record
from immigrationos.resolution import identity
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.models import PersonRecord

COLUMNS = ("source", "record_id", "person_id")


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    rows: int
    persons: int
    unresolved: int
    sha256: str


def cluster_rows(engine: Engine) -> tuple[pl.DataFrame, int]:
    """Return ``source, record_id, person_id`` of every indexed record, and how many had none.

    A record no run has resolved yet is a person of its own: it gets the ID a run would
    mint for it alone.
    """
    members = PersonRecord.__table__
    records = Record.__table__
    query = select(records.c.source, records.c.record_id, members.c.person_id).select_from(
        records.outerjoin(
            members,
            (members.c.source == records.c.source) & (members.c.record_id == records.c.record_id),
        )
    )
    with session_scope(engine) as session:
        frame = resolution_service.read_frame(session, query, dict.fromkeys(COLUMNS, pl.Utf8))
        taken = resolution_service.all_person_ids(session=session)
    frame = frame.sort("source", "record_id")
    unresolved = frame.filter(pl.col("person_id").is_null())
    if unresolved.height == 0:
        return frame, 0
    minted = {
        f"{s}:{r}": identity.mint(f"{s}:{r}", taken)
        for s, r in unresolved.select("source", "record_id").iter_rows()
    }
    key = pl.col("source") + ":" + pl.col("record_id")
    frame = frame.with_columns(
        pl.coalesce(pl.col("person_id"), key.replace_strict(minted, default=None)).alias(
            "person_id"
        )
    )
    return frame, unresolved.height


def export_clusters(
    out: Path, *, engine: Engine, principal: Principal, purpose_id: str | None = None
) -> ExportSummary:
    """Write ``source,record_id,person_id`` for every ingested record; audit it; return counts.

    The export is the operator's disclosure and is audited as one (``export.clusters``,
    with the file's SHA-256). The file is written beside ``out`` and moved into place only
    once its audit event is committed, so no export exists without its record.
    """
    frame, unresolved = cluster_rows(engine)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    frame.write_csv(partial)
    persons = frame.get_column("person_id").n_unique() if frame.height else 0
    digest = audit_flows.publish_export(
        partial,
        out,
        engine=engine,
        principal=principal,
        purpose_id=purpose_id,
        action="export.clusters",
        details={
            "disclosure": "operator export of every record's person (exports.md)",
            "rows": frame.height,
            "persons": persons,
            "unresolved": unresolved,
        },
    )
    summary = ExportSummary(
        path=out, rows=frame.height, persons=persons, unresolved=unresolved, sha256=digest
    )
    return summary
