"""contests and corrections of records, links and flags

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 17:20:00.000000

Filled by ``oversight`` (``oversight/contest_models.py``): contests, the leads they hold,
what an upheld contest changed, records restricted from enforcement use, the count of
US citizens and identity errors encountered per field office, and incident reviews.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CONTEST_KINDS = ("RECORD", "IDENTITY_LINK", "FLAG")
CONTEST_STATUSES = ("OPEN", "UPHELD", "REJECTED")
FILED_BY = ("PERSON", "ATTORNEY")
ERROR_KINDS = ("US_CITIZEN", "IDENTITY_ERROR")
CHANGE_KINDS = ("RECORD_VERSION", "JUDGEMENT", "LEAD", "CASE", "RESTRICTION", "INCIDENT")
INCIDENT_STATUSES = ("OPEN", "CLOSED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _ck(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(_in(column, values), name=op.f(f"ck_{table}_{name}"))


def _when(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the contest tables."""
    op.create_table(
        "contests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("filed_by", sa.String(length=10), nullable=False),
        sa.Column("claimant", sa.String(length=200), nullable=False),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_role", sa.String(length=20), nullable=False),
        _when("entered_at"),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_role", sa.String(length=20), nullable=True),
        _when("decided_at", nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("finding", sa.String(length=20), nullable=True),
        _ck("contests", "kind_known", "kind", CONTEST_KINDS),
        _ck("contests", "status_known", "status", CONTEST_STATUSES),
        _ck("contests", "filed_by_known", "filed_by", FILED_BY),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contests")),
    )
    op.create_index("ix_contests_status", "contests", ["status"])
    op.create_index("ix_contests_person_id", "contests", ["person_id"])
    op.create_table(
        "contest_holds",
        sa.Column("contest_id", sa.String(length=36), nullable=False),
        sa.Column("lead_id", sa.String(length=11), nullable=False),
        sa.Column("state_before", sa.String(length=12), nullable=False),
        _when("held_at"),
        _when("released_at", nullable=True),
        sa.Column("state_after", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("contest_id", "lead_id", name=op.f("pk_contest_holds")),
    )
    op.create_index(op.f("ix_contest_holds_lead_id"), "contest_holds", ["lead_id"])
    op.create_table(
        "contest_changes",
        sa.Column("id", PK_TYPE, nullable=False),
        sa.Column("contest_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=400), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        _when("at"),
        _ck("contest_changes", "kind_known", "kind", CHANGE_KINDS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_changes")),
    )
    op.create_index(op.f("ix_contest_changes_contest_id"), "contest_changes", ["contest_id"])
    op.create_table(
        "record_restrictions",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("contest_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("restricted_by", sa.String(length=200), nullable=False),
        _when("restricted_at"),
        sa.PrimaryKeyConstraint("source", "record_id", name=op.f("pk_record_restrictions")),
    )
    op.create_table(
        "error_encounters",
        sa.Column("field_office", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _when("updated_at"),
        _ck("error_encounters", "kind_known", "kind", ERROR_KINDS),
        sa.PrimaryKeyConstraint("field_office", "kind", name=op.f("pk_error_encounters")),
    )
    op.create_table(
        "incident_reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("contest_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        _when("opened_at"),
        _ck("incident_reviews", "kind_known", "kind", ERROR_KINDS),
        _ck("incident_reviews", "status_known", "status", INCIDENT_STATUSES),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_reviews")),
    )
    op.create_index(op.f("ix_incident_reviews_contest_id"), "incident_reviews", ["contest_id"])


def downgrade() -> None:
    """Drop the contest tables."""
    op.drop_index(op.f("ix_incident_reviews_contest_id"), table_name="incident_reviews")
    op.drop_table("incident_reviews")
    op.drop_table("error_encounters")
    op.drop_table("record_restrictions")
    op.drop_index(op.f("ix_contest_changes_contest_id"), table_name="contest_changes")
    op.drop_table("contest_changes")
    op.drop_index(op.f("ix_contest_holds_lead_id"), table_name="contest_holds")
    op.drop_table("contest_holds")
    op.drop_index("ix_contests_person_id", table_name="contests")
    op.drop_index("ix_contests_status", table_name="contests")
    op.drop_table("contests")
