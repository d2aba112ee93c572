"""operations: enforcement operations, their approvals, and arrest bookings

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 16:30:00.000000

Filled by ``operations.flows``: a user requesting an operation (teams, targets), the
supervisors approving, rejecting or cancelling it (two-person rule; a second approval for
stops near sensitive locations), its targets dropped by the safeguards, and the routes
planned for its teams.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# As operations/models.py has them at this revision.
OPERATION_STATUSES = ("REQUESTED", "APPROVED", "REJECTED", "CANCELLED", "EXECUTED")
TARGET_STATUSES = ("INCLUDED", "DROPPED")
DECISION_KINDS = (
    "REQUESTED", "APPROVED", "REJECTED", "CANCELLED", "EXECUTED", "TARGET_DROPPED", "PLANNED",
)  # fmt: skip


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "operations",
        sa.Column("operation_id", sa.String(length=11), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_start_s", sa.Integer(), nullable=False),
        sa.Column("shift_end_s", sa.Integer(), nullable=False),
        sa.Column("service_s", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_role", sa.String(length=20), nullable=False),
        sa.Column("request_reason", sa.Text(), nullable=False),
        sa.Column("sensitive_justification", sa.Text(), nullable=True),
        sa.Column("approvals_needed", sa.Integer(), nullable=False),
        sa.Column("first_approver", sa.String(length=200), nullable=True),
        sa.Column("second_approver", sa.String(length=200), nullable=True),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_distance_m", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("status", OPERATION_STATUSES), name=op.f("ck_operations_status_known")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_operations_version_positive")),
        sa.CheckConstraint(
            "approvals_needed IN (1, 2)", name=op.f("ck_operations_approvals_needed_known")
        ),
        sa.CheckConstraint("shift_start_s < shift_end_s", name=op.f("ck_operations_shift_ordered")),
        sa.PrimaryKeyConstraint("operation_id", name=op.f("pk_operations")),
    )
    op.create_index(
        "ix_operations_office_status", "operations", ["field_office", "status"], unique=False
    )
    op.create_index("ix_operations_day", "operations", ["day"], unique=False)

    op.create_table(
        "operation_teams",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("operation_id", sa.String(length=11), nullable=False),
        sa.Column("team_id", sa.String(length=20), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("start_office", sa.String(length=200), nullable=False),
        sa.Column("office_lat", sa.Float(), nullable=False),
        sa.Column("office_lon", sa.Float(), nullable=False),
        sa.Column("officers", sa.Text(), nullable=False),
        sa.Column("leave_office_s", sa.Integer(), nullable=True),
        sa.Column("back_office_s", sa.Integer(), nullable=True),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.CheckConstraint("seats >= 0", name=op.f("ck_operation_teams_seats_non_negative")),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.operation_id"],
            name=op.f("fk_operation_teams_operation_id_operations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_teams")),
        sa.UniqueConstraint(
            "operation_id", "team_id", name=op.f("uq_operation_teams_operation_id")
        ),
    )
    op.create_index(
        op.f("ix_operation_teams_operation_id"), "operation_teams", ["operation_id"], unique=False
    )

    op.create_table(
        "operation_targets",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("operation_id", sa.String(length=11), nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("dropped_reason", sa.Text(), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("zip", sa.String(length=10), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("address_confidence", sa.String(length=10), nullable=False),
        sa.Column("address_note", sa.Text(), nullable=False),
        sa.Column("sensitive", sa.Text(), nullable=False),
        sa.Column("team_id", sa.String(length=20), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("arrival_s", sa.Integer(), nullable=True),
        sa.Column("start_s", sa.Integer(), nullable=True),
        sa.Column("departure_s", sa.Integer(), nullable=True),
        sa.Column("persons_on_board", sa.Integer(), nullable=True),
        sa.Column("unrouted_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            _in("status", TARGET_STATUSES), name=op.f("ck_operation_targets_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.operation_id"],
            name=op.f("fk_operation_targets_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_operation_targets_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_targets")),
        sa.UniqueConstraint(
            "operation_id", "case_id", name=op.f("uq_operation_targets_operation_id")
        ),
    )
    op.create_index(
        op.f("ix_operation_targets_operation_id"), "operation_targets", ["operation_id"],
        unique=False,
    )  # fmt: skip
    op.create_index("ix_operation_targets_case_id", "operation_targets", ["case_id"], unique=False)

    op.create_table(
        "operation_decisions",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("operation_id", sa.String(length=11), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("case_id", sa.String(length=11), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("kind", DECISION_KINDS), name=op.f("ck_operation_decisions_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.operation_id"],
            name=op.f("fk_operation_decisions_operation_id_operations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_decisions")),
    )
    op.create_index(
        op.f("ix_operation_decisions_operation_id"), "operation_decisions", ["operation_id"],
        unique=False,
    )  # fmt: skip


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_operation_decisions_operation_id"), table_name="operation_decisions")
    op.drop_table("operation_decisions")
    op.drop_index("ix_operation_targets_case_id", table_name="operation_targets")
    op.drop_index(op.f("ix_operation_targets_operation_id"), table_name="operation_targets")
    op.drop_table("operation_targets")
    op.drop_index(op.f("ix_operation_teams_operation_id"), table_name="operation_teams")
    op.drop_table("operation_teams")
    op.drop_index("ix_operations_day", table_name="operations")
    op.drop_index("ix_operations_office_status", table_name="operations")
    op.drop_table("operations")
