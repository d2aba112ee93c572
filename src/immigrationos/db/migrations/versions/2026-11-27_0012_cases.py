"""cases: a case per accepted lead, and the history of each case

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 14:30:00.000000

Filled by ``cases.flows``: an analyst accepting an OPEN lead, a supervisor assigning
the case, and each transition of the case's state machine (``cases/machine.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The states of cases/machine.py as of this revision.
CASE_STATES = (
    "investigation", "target_package", "operation_approval", "arrest", "custody_decision",
    "detained", "released_recognizance", "released_atd", "in_proceedings", "final_order",
    "removal_scheduled", "removed", "citizenship_review", "safeguard_review",
    "self_departed", "relief_granted", "us_citizen_found", "identity_error",
    "closed_by_decision",
)  # fmt: skip
CASE_EVENT_KINDS = ("CREATED", "ASSIGNED", "TRANSITION", "HALTED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("lead_id", sa.String(length=11), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("halted_from", sa.String(length=24), nullable=True),
        sa.Column("assigned_officer", sa.String(length=36), nullable=True),
        sa.Column("assigned_by", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("state", CASE_STATES), name=op.f("ck_cases_state_known")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_cases_version_positive")),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.lead_id"], name=op.f("fk_cases_lead_id_leads")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        sa.UniqueConstraint("lead_id", name=op.f("uq_cases_lead_id")),
    )
    op.create_index("ix_cases_office_state", "cases", ["field_office", "state"], unique=False)
    op.create_index("ix_cases_officer_state", "cases", ["assigned_officer", "state"], unique=False)
    op.create_index("ix_cases_person_id", "cases", ["person_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("transition", sa.String(length=40), nullable=True),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("kind", CASE_EVENT_KINDS), name=op.f("ck_case_events_kind_known")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_case_events_case_id"), table_name="case_events")
    op.drop_table("case_events")
    op.drop_index("ix_cases_person_id", table_name="cases")
    op.drop_index("ix_cases_officer_state", table_name="cases")
    op.drop_index("ix_cases_office_state", table_name="cases")
    op.drop_table("cases")
