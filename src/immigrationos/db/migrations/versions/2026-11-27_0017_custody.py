"""custody: bookings, custody decisions and their deadlines, detainers, removals

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 17:10:00.000000

Filled by ``custody``: the deadlines a case's transitions start (``custody/deadlines.py``),
the booking of an arrest (``custody/booking.py``), the legal facts that decide removal
(``custody/removal.py``) and where a detained person is held (``custody/locator.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DEADLINE_KINDS = ("CUSTODY_DECISION", "REMOVAL_PERIOD", "POST_ORDER_CUSTODY_REVIEW")
DEADLINE_STATUSES = ("OPEN", "MET", "MOOT")
BOOKING_STATES = ("DRAFT", "HALTED", "COMPLETED")
REMOVAL_FACT_KINDS = (
    "APPEAL_WAIVED", "MOTION_TO_REOPEN_FILED", "MOTION_TO_REOPEN_DECIDED", "STAY_GRANTED",
    "STAY_LIFTED",
)  # fmt: skip


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"], ["cases.case_id"], name=op.f(f"fk_{table}_case_id_cases")
    )


def upgrade() -> None:
    """Create the custody tables."""
    op.create_table(
        "custody_bookings",
        sa.Column("booking_id", sa.String(length=11), nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("a_number", sa.String(length=10), nullable=True),
        sa.Column("country_of_birth", sa.String(length=3), nullable=True),
        sa.Column("biographics", sa.Text(), nullable=False),
        sa.Column("encounter", sa.Text(), nullable=True),
        sa.Column("charges", sa.Text(), nullable=False),
        sa.Column("property_items", sa.Text(), nullable=False),
        sa.Column("health", sa.Text(), nullable=False),
        sa.Column("parent_or_guardian", sa.Boolean(), nullable=True),
        sa.Column("minor_children", sa.Text(), nullable=False),
        sa.Column("counsel", sa.Text(), nullable=True),
        sa.Column("identity_confirmed", sa.Boolean(), nullable=True),
        sa.Column("identity_method", sa.Text(), nullable=True),
        sa.Column("citizenship_claim", sa.Boolean(), nullable=True),
        sa.Column("citizenship_statement", sa.Text(), nullable=True),
        sa.Column("halt_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_by", sa.String(length=200), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _in("state", BOOKING_STATES), name=op.f("ck_custody_bookings_state_known")
        ),
        _case_fk("custody_bookings"),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_custody_bookings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_custody_bookings_case_id")),
    )
    op.create_index("ix_custody_bookings_a_number", "custody_bookings", ["a_number"], unique=False)
    op.create_table(
        "custody_deadlines",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("started_by", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("closed_with", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            _in("kind", DEADLINE_KINDS), name=op.f("ck_custody_deadlines_kind_known")
        ),
        sa.CheckConstraint(
            _in("status", DEADLINE_STATUSES), name=op.f("ck_custody_deadlines_status_known")
        ),
        _case_fk("custody_deadlines"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_deadlines")),
    )
    op.create_index(
        op.f("ix_custody_deadlines_case_id"), "custody_deadlines", ["case_id"], unique=False
    )
    op.create_index(
        "ix_custody_deadlines_office_status_due",
        "custody_deadlines",
        ["field_office", "status", "due_at"],
        unique=False,
    )
    op.create_table(
        "custody_detentions",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("facility_code", sa.String(length=40), nullable=True),
        sa.Column("facility_name", sa.String(length=300), nullable=False),
        sa.Column("facility_address", sa.String(length=300), nullable=False),
        sa.Column("facility_phone", sa.String(length=40), nullable=True),
        sa.Column("booked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        _case_fk("custody_detentions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_detentions")),
    )
    op.create_index(
        op.f("ix_custody_detentions_case_id"), "custody_detentions", ["case_id"], unique=False
    )
    op.create_table(
        "custody_removal_facts",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_role", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("kind", REMOVAL_FACT_KINDS), name=op.f("ck_custody_removal_facts_kind_known")
        ),
        _case_fk("custody_removal_facts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_removal_facts")),
    )
    op.create_index(
        op.f("ix_custody_removal_facts_case_id"),
        "custody_removal_facts",
        ["case_id"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the custody tables."""
    op.drop_index(op.f("ix_custody_removal_facts_case_id"), table_name="custody_removal_facts")
    op.drop_table("custody_removal_facts")
    op.drop_index(op.f("ix_custody_detentions_case_id"), table_name="custody_detentions")
    op.drop_table("custody_detentions")
    op.drop_index("ix_custody_deadlines_office_status_due", table_name="custody_deadlines")
    op.drop_index(op.f("ix_custody_deadlines_case_id"), table_name="custody_deadlines")
    op.drop_table("custody_deadlines")
    op.drop_index("ix_custody_bookings_a_number", table_name="custody_bookings")
    op.drop_table("custody_bookings")
