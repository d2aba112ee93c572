"""background jobs: imos_jobs, and Procrastinate's queue on PostgreSQL

Revision ID: 0024
Revises: 0022
Create Date: 2026-11-27 21:30:00.000000

``imos_jobs`` is the platform's record of every job (both dialects). On PostgreSQL the
queue's own schema (tables, types, functions and triggers, all named ``procrastinate_*``)
is Procrastinate's, applied from the SQL the installed version ships
(``SchemaManager.get_schema()``); upgrading Procrastinate takes the migration SQL it
ships for that version, in a migration of our own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# Drops every object of Procrastinate's schema, whatever its version named them.
DROP_PROCRASTINATE = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t
             JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
               AND t.typtype = 'e' LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
    END LOOP;
END $$;
"""


def _run_script(sql: str) -> None:
    """Run a script of many statements as it is (the driver's simple protocol, no parameters)."""
    cursor = op.get_bind().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    """Create the job table, and the queue's schema on PostgreSQL."""
    op.create_table(
        "imos_jobs",
        sa.Column("id", sa.String(length=13), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_role", sa.String(length=40), nullable=False),
        sa.Column("purpose_id", sa.String(length=36), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imos_jobs")),
        sa.UniqueConstraint(
            "requested_by", "idempotency_key", name=op.f("uq_imos_jobs_requested_by")
        ),
    )
    op.create_index("ix_imos_jobs_state_created", "imos_jobs", ["state", "created_at"])
    op.create_index(op.f("ix_imos_jobs_requested_by"), "imos_jobs", ["requested_by"])
    if op.get_bind().dialect.name == "postgresql":
        _run_script(DROP_PROCRASTINATE)  # a half-applied schema of an earlier try
        _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    """Drop the queue's schema and the job table."""
    if op.get_bind().dialect.name == "postgresql":
        _run_script(DROP_PROCRASTINATE)
    op.drop_index(op.f("ix_imos_jobs_requested_by"), table_name="imos_jobs")
    op.drop_index("ix_imos_jobs_state_created", table_name="imos_jobs")
    op.drop_table("imos_jobs")
