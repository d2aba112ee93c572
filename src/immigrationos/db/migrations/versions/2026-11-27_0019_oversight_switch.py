"""oversight: the stop switch and policy sign-off

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 17:20:00.000000

Filled by ``oversight`` (``oversight/models.py``): the suspensions in force and every
change of the switch (``oversight/switch.py``), the priority-policy texts submitted to go
live and their independent reviewers' sign-offs (``oversight/signoff.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SWITCH_SCOPES = ("TARGETING", "DETECTOR", "POLICY_VERSION")
SWITCH_ACTIONS = ("SUSPEND", "RESUME")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    """Create the tables of the stop switch and of policy sign-off."""
    op.create_table(
        "targeting_suspensions",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("suspended_by", sa.String(length=200), nullable=False),
        sa.Column("suspended_role", sa.String(length=40), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("scope", SWITCH_SCOPES), name=op.f("ck_targeting_suspensions_scope_known")
        ),
        sa.PrimaryKeyConstraint("scope", "target", name=op.f("pk_targeting_suspensions")),
    )
    op.create_table(
        "targeting_switch_events",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("scope", SWITCH_SCOPES), name=op.f("ck_targeting_switch_events_scope_known")
        ),
        sa.CheckConstraint(
            _in("action", SWITCH_ACTIONS), name=op.f("ck_targeting_switch_events_action_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_switch_events")),
    )
    op.create_table(
        "policy_submissions",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_role", sa.String(length=40), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_policy_submissions")),
    )
    op.create_table(
        "policy_signoffs",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("reviewer_role", sa.String(length=40), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_signoffs")),
        sa.UniqueConstraint("sha256", "reviewer", name=op.f("uq_policy_signoffs_sha256")),
    )
    op.create_index(op.f("ix_policy_signoffs_sha256"), "policy_signoffs", ["sha256"], unique=False)


def downgrade() -> None:
    """Drop the tables of the stop switch and of policy sign-off."""
    op.drop_index(op.f("ix_policy_signoffs_sha256"), table_name="policy_signoffs")
    op.drop_table("policy_signoffs")
    op.drop_table("policy_submissions")
    op.drop_table("targeting_switch_events")
    op.drop_table("targeting_suspensions")
