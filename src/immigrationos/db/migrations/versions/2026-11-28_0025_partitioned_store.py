"""partitioned store on PostgreSQL: audit_events by seq range, record_versions by source

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28 00:45:00.000000

PostgreSQL only; SQLite (the embedded default) is left as it is.

- ``audit_events`` becomes ``PARTITION BY RANGE (seq)``, ranges of ``AUDIT_PARTITION_EVENTS``
  events named ``audit_events_p0000``, ``audit_events_p0001``, ... The function
  ``audit_events_keep_ahead(seq)`` creates the range holding ``seq`` and the one after it
  when missing; the append (``audit.service.append``) calls it at the first event of each
  range, so the next range always exists before the log enters it. No DEFAULT partition;
  the first range is open below (``MINVALUE``), so that nothing a tamperer writes before
  seq 1 is refused by the partitioning instead of being found by the verification.
  The append-only guard of migration 0003 holds on the parent and on every partition: the
  row trigger (UPDATE, DELETE) is cloned to each partition, and each partition has its
  own TRUNCATE trigger (statement triggers are not cloned).
- ``record_versions`` becomes ``PARTITION BY LIST (source)``, one partition per source of
  the data contract (``record_versions_<source>``). A row of another source has no
  partition and is refused: the ingest only accepts contract sources, so such a row is a
  defect; a new contract source needs a migration adding its partition.

- ``leads`` stays a plain table (foreign keys point at it, a lead changes state). It gains
  ``evidence_sources``: the distinct sources of its evidence, a sorted JSON list (both
  dialects; filled here from ``evidence``, then by every write of a lead). The queue
  decides which leads a purpose may be served by source set, in SQL: a ``GROUP BY`` over
  the partial index ``ix_leads_current_sources`` (current leads only) instead of reading
  and parsing every current lead's evidence.

Rows are kept: each table is renamed, its partitioned successor created, the rows copied,
the old table dropped, then the keys, indexes and triggers created again. The downgrade
does the same in reverse, back to plain tables.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# Frozen here, as migrations are: audit.models.AUDIT_PARTITION_EVENTS must say the same.
AUDIT_PARTITION_EVENTS = 5_000_000
# The sources of the data contract when this migration was written (sources.contract).
SOURCES = (
    "cbp_i94",
    "uscis_benefits",
    "eoir_cases",
    "enforcement_events",
    "criminal_history",
    "ssa_numident",
    "irs_w2",
    "irs_itin",
    "fincen_sar",
    "fincen_ctr",
    "dmv_licenses",
    "dos_passports",
    "cbp_home_departures",
    "tips",
    "census_tracts",
)
AUDIT_INDEXES = (
    ("ix_audit_events_action", "action"),
    ("ix_audit_events_actor", "actor"),
    ("ix_audit_events_at", "at"),
    ("ix_audit_events_resource", "resource_type, resource_id"),
)

KEEP_AHEAD_FUNCTION = f"""
CREATE FUNCTION audit_events_keep_ahead(p_seq bigint) RETURNS integer
LANGUAGE plpgsql
-- Runs as the owner of the log (the migrating role), so that the role that appends needs
-- no right to create or attach tables; with the migration's search_path, never the caller's.
SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    size constant bigint := {AUDIT_PARTITION_EVENTS};
    k bigint;
    part text;
    created integer := 0;
BEGIN
    -- The range holding p_seq and the one after it; attached (not CREATE ... PARTITION OF)
    -- so that only a SHARE UPDATE EXCLUSIVE lock is taken on the log: reads go on.
    FOR k IN (greatest(p_seq, 0) / size) .. (greatest(p_seq, 0) / size + 1) LOOP
        part := 'audit_events_p' || lpad(k::text, greatest(4, length(k::text)), '0');
        IF to_regclass(part) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I (LIKE audit_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                part);
            -- The first range is open below: a row written before seq 1 (by someone
            -- tampering with the log) is stored, and the verification finds it.
            EXECUTE format(
                'ALTER TABLE audit_events ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                part, CASE WHEN k = 0 THEN 'MINVALUE' ELSE (k * size)::text END,
                (k + 1) * size);
            EXECUTE format(
                'CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %I '
                'FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()', part);
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$$
"""


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _scalar(sql: str) -> object:
    return op.get_bind().exec_driver_sql(sql).scalar()


def _audit_guard(table: str) -> None:
    """Create migration 0003's triggers on ``table`` (cloned to its partitions if any)."""
    op.execute(
        f"CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
    )
    op.execute(
        f"CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
    )


def _audit_keys_and_indexes() -> None:
    op.execute("ALTER TABLE audit_events ADD CONSTRAINT pk_audit_events PRIMARY KEY (seq)")
    for name, columns in AUDIT_INDEXES:
        op.execute(f"CREATE INDEX {name} ON audit_events ({columns})")


def _partition_audit_events() -> None:
    op.execute("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
    op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
    op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
    op.execute("ALTER TABLE audit_events RENAME TO audit_events_plain")
    op.execute(
        "CREATE TABLE audit_events (LIKE audit_events_plain INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS) PARTITION BY RANGE (seq)"
    )
    op.execute(KEEP_AHEAD_FUNCTION)
    last = int(str(_scalar("SELECT coalesce(max(seq), 0) FROM audit_events_plain")))
    for k in range(last // AUDIT_PARTITION_EVENTS + 1):
        op.execute(f"SELECT audit_events_keep_ahead({k * AUDIT_PARTITION_EVENTS})")
    op.execute("INSERT INTO audit_events SELECT * FROM audit_events_plain ORDER BY seq")
    op.execute("DROP TABLE audit_events_plain")
    _audit_keys_and_indexes()
    _audit_guard("audit_events")


def _plain_audit_events() -> None:
    op.execute("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
    op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
    op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
    op.execute("ALTER TABLE audit_events RENAME TO audit_events_partitioned")
    op.execute(
        "CREATE TABLE audit_events (LIKE audit_events_partitioned INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS)"
    )
    op.execute("INSERT INTO audit_events SELECT * FROM audit_events_partitioned ORDER BY seq")
    # Dropping the parent drops its partitions (and their triggers) with it.
    op.execute("DROP TABLE audit_events_partitioned")
    op.execute("DROP FUNCTION audit_events_keep_ahead(bigint)")
    _audit_keys_and_indexes()
    _audit_guard("audit_events")


def _partition_record_versions() -> None:
    op.execute("LOCK TABLE record_versions IN ACCESS EXCLUSIVE MODE")
    listed = ", ".join(f"'{source}'" for source in SOURCES)
    unknown = op.get_bind().exec_driver_sql(
        f"SELECT DISTINCT source FROM record_versions WHERE source NOT IN ({listed})"
    )
    found = sorted(str(row[0]) for row in unknown)
    if found:
        raise RuntimeError(
            f"record_versions holds rows of sources outside the data contract: {found}; "
            "they have no partition (remove them or add a partition first)"
        )
    op.execute("ALTER TABLE record_versions RENAME TO record_versions_plain")
    op.execute(
        "CREATE TABLE record_versions (LIKE record_versions_plain INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS) PARTITION BY LIST (source)"
    )
    for source in SOURCES:
        op.execute(
            f"CREATE TABLE record_versions_{source} PARTITION OF record_versions "
            f"FOR VALUES IN ('{source}')"
        )
    op.execute("INSERT INTO record_versions SELECT * FROM record_versions_plain")
    op.execute("DROP TABLE record_versions_plain")
    op.execute(
        "ALTER TABLE record_versions ADD CONSTRAINT pk_record_versions "
        "PRIMARY KEY (source, record_id, version)"
    )


def _plain_record_versions() -> None:
    op.execute("LOCK TABLE record_versions IN ACCESS EXCLUSIVE MODE")
    op.execute("ALTER TABLE record_versions RENAME TO record_versions_partitioned")
    op.execute(
        "CREATE TABLE record_versions (LIKE record_versions_partitioned INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS)"
    )
    op.execute("INSERT INTO record_versions SELECT * FROM record_versions_partitioned")
    op.execute("DROP TABLE record_versions_partitioned")
    op.execute(
        "ALTER TABLE record_versions ADD CONSTRAINT pk_record_versions "
        "PRIMARY KEY (source, record_id, version)"
    )


def _fill_evidence_sources() -> None:
    """Set each lead's ``evidence_sources`` from its evidence (``source:record_id`` refs)."""
    bind = op.get_bind()
    leads = sa.table(
        "leads", sa.column("lead_id"), sa.column("evidence"), sa.column("evidence_sources")
    )
    rows = bind.execute(sa.select(leads.c.lead_id, leads.c.evidence)).all()
    values = [
        {
            "id": lead_id,
            "sources": json.dumps(
                sorted({ref.partition(":")[0] for ref in json.loads(evidence)}),
                separators=(",", ":"),
            ),
        }
        for lead_id, evidence in rows
    ]
    update = (
        sa.update(leads)
        .where(leads.c.lead_id == sa.bindparam("id"))
        .values(evidence_sources=sa.bindparam("sources"))
    )
    for start in range(0, len(values), 10_000):
        bind.execute(update, values[start : start + 10_000])


def upgrade() -> None:
    """Partition audit_events and record_versions on PostgreSQL; leads' evidence sources."""
    op.add_column(
        "leads", sa.Column("evidence_sources", sa.Text(), nullable=False, server_default="[]")
    )
    _fill_evidence_sources()
    current = sa.text("retired_at IS NULL")
    op.create_index(
        "ix_leads_current_sources",
        "leads",
        ["evidence_sources"],
        postgresql_where=current,
        sqlite_where=current,
    )
    if not _postgres():
        return
    _partition_audit_events()
    _partition_record_versions()


def downgrade() -> None:
    """Turn both tables back into plain tables, every row kept; drop the evidence sources."""
    if _postgres():
        _plain_record_versions()
        _plain_audit_events()
    op.drop_index("ix_leads_current_sources", table_name="leads")
    # Not batch mode: on SQLite that rebuilds the table and loses its expression indexes
    # (ix_leads_rank, ix_leads_state_rank), which 0011's downgrade then cannot drop.
    # SQLite drops a column in place since 3.35.
    op.execute("ALTER TABLE leads DROP COLUMN evidence_sources")
