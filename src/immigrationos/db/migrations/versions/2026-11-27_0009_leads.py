"""leads: targeting runs, leads and the history of every lead

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:00:00.000000

Filled by ``targeting.flows.target`` (one transaction per run) and by a person closing
a lead. Empty until the first targeting run.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
RUN_STATUSES = ("COMPLETED", "FAILED")
LEAD_STATES = ("OPEN", "HELD", "SUPPRESSED", "CLOSED")
LEAD_EVENT_KINDS = ("CREATED", "STATE", "SCORE", "MOVED", "RETIRED", "CLOSED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _run_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["targeting_runs.id"], name=op.f(f"fk_leads_{column}_targeting_runs")
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "targeting_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("purpose_id", sa.String(length=36), nullable=True),
        sa.Column("run_by", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("policy_version", sa.String(length=100), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("withheld_sources", sa.Text(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Integer(), nullable=False),
        sa.Column("stats", sa.Text(), nullable=False),
        sa.CheckConstraint(
            _in("status", RUN_STATUSES), name=op.f("ck_targeting_runs_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_runs")),
    )

    op.create_table(
        "leads",
        sa.Column("lead_id", sa.String(length=11), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=100), nullable=True),
        sa.Column("violations", sa.Text(), nullable=False),
        sa.Column("safeguards", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.String(length=100), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("created_run", sa.String(length=36), nullable=False),
        sa.Column("updated_run", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("state", LEAD_STATES), name=op.f("ck_leads_state_known")),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)", name=op.f("ck_leads_score_range")
        ),
        _run_fk("created_run"),
        _run_fk("updated_run"),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_person_id", ["person_id"], unique=False)
        batch_op.create_index("ix_leads_state_score", ["state", "score"], unique=False)
        batch_op.create_index("ix_leads_field_office", ["field_office"], unique=False)

    op.create_table(
        "lead_events",
        sa.Column("id", PK_TYPE, nullable=False),
        sa.Column("lead_id", sa.String(length=11), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=True),
        sa.Column("from_score", sa.Integer(), nullable=True),
        sa.Column("to_score", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("kind", LEAD_EVENT_KINDS), name=op.f("ck_lead_events_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_events")),
    )
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_events_lead_id"), ["lead_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_events_lead_id"))
    op.drop_table("lead_events")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_field_office")
        batch_op.drop_index("ix_leads_state_score")
        batch_op.drop_index("ix_leads_person_id")
    op.drop_table("leads")
    op.drop_table("targeting_runs")
