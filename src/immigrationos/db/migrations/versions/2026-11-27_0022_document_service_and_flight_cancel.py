"""document service and flight cancellation: how a signed document was served; a cancelled flight

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-27 21:45:00.000000

Filled by ``documents.serving``: each service of a signed document (or a refused or failed
attempt), how (8 CFR 103.8 / 8 CFR 1003.13), when, by whom and on whom, with the officer's
certificate of service. And by ``custody.removal_flights``: who cancelled a PLANNED flight,
when and why; its seats are released with the status ``CANCELLED``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SERVICE_METHODS = ("IN_PERSON", "REGULAR_MAIL", "CERTIFIED_MAIL", "COUNSEL_OF_RECORD", "AGENCY")
SERVICE_OUTCOMES = ("SERVED", "REFUSED", "FAILED")
SEATS_BEFORE = ("MANIFESTED", "REMOVED", "DROPPED")
SEATS_AFTER = (*SEATS_BEFORE, "CANCELLED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _seat_statuses(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("custody_flight_seats", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_custody_flight_seats_status_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_custody_flight_seats_status_known"), _in("status", values)
        )


def upgrade() -> None:
    """Create the document service table; let flights record their cancellation."""
    op.create_table(
        "legal_document_services",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=11), nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=True),
        sa.Column("tracking_number", sa.String(length=60), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("served_by", sa.String(length=200), nullable=False),
        sa.Column("served_by_name", sa.String(length=200), nullable=False),
        sa.Column("served_role", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("method", SERVICE_METHODS), name=op.f("ck_legal_document_services_method_known")
        ),
        sa.CheckConstraint(
            _in("outcome", SERVICE_OUTCOMES),
            name=op.f("ck_legal_document_services_outcome_known"),
        ),
        sa.CheckConstraint(
            "outcome = 'SERVED' OR reason IS NOT NULL",
            name=op.f("ck_legal_document_services_attempt_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_legal_document_services_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["legal_documents.document_id"],
            name=op.f("fk_legal_document_services_document_id_legal_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_document_services")),
    )
    op.create_index(
        op.f("ix_legal_document_services_case_id"),
        "legal_document_services",
        ["case_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_legal_document_services_document_id"),
        "legal_document_services",
        ["document_id"],
        unique=False,
    )
    with op.batch_alter_table("custody_flights", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
    _seat_statuses(SEATS_AFTER)


def downgrade() -> None:
    """Drop the document service table and the flights' cancellation columns."""
    op.execute("UPDATE custody_flight_seats SET status = 'DROPPED' WHERE status = 'CANCELLED'")
    _seat_statuses(SEATS_BEFORE)
    with op.batch_alter_table("custody_flights", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("cancelled_by")
    op.drop_index(
        op.f("ix_legal_document_services_document_id"), table_name="legal_document_services"
    )
    op.drop_index(op.f("ix_legal_document_services_case_id"), table_name="legal_document_services")
    op.drop_table("legal_document_services")
