"""decision snapshots for replay

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 17:20:00.000000

Filled by ``oversight.replay``: what a lead decision of a targeting run or a case
transition rested on when it was made (records with versions, links, policy version).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the decision snapshots table."""
    op.create_table(
        "decision_snapshots",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("policy_version", sa.String(length=100), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_snapshots")),
    )
    op.create_index(
        "ix_decision_snapshots_subject",
        "decision_snapshots",
        ["kind", "subject_id", "at"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the decision snapshots table."""
    op.drop_index("ix_decision_snapshots_subject", table_name="decision_snapshots")
    op.drop_table("decision_snapshots")
