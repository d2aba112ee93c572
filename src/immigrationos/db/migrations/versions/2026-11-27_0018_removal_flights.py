"""removal flights: travel documents, flights and their seats, counsel notices, collaterals

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 18:00:00.000000

Filled by ``custody``: the travel document of a case (``custody/travel_documents.py``),
removal flights and their manifests (``custody/removal_flights.py``) and the notices to
counsel of record of a transfer (``custody/flows.py``) and the checks of a collateral
arrest (``custody/collateral.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TRAVEL_DOCUMENT_STATUSES = ("NOT_REQUESTED", "REQUESTED", "ISSUED", "REFUSED")
TRAVEL_DOCUMENT_KINDS = ("TRAVEL_DOCUMENT", "PASSPORT")
FLIGHT_STATES = ("PLANNED", "EXECUTED", "CANCELLED")
SEAT_STATUSES = ("MANIFESTED", "REMOVED", "DROPPED")
COLLATERAL_OUTCOMES = ("CLEARED", "HALTED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"], ["cases.case_id"], name=op.f(f"fk_{table}_case_id_cases")
    )


def upgrade() -> None:
    """Create the travel document, flight, seat and counsel notice tables."""
    op.create_table(
        "custody_travel_documents",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("refused_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("status", TRAVEL_DOCUMENT_STATUSES),
            name=op.f("ck_custody_travel_documents_status_known"),
        ),
        sa.CheckConstraint(
            _in("kind", TRAVEL_DOCUMENT_KINDS), name=op.f("ck_custody_travel_documents_kind_known")
        ),
        _case_fk("custody_travel_documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_travel_documents")),
        sa.UniqueConstraint("case_id", name=op.f("uq_custody_travel_documents_case_id")),
    )
    op.create_table(
        "custody_flights",
        sa.Column("flight_id", sa.String(length=11), nullable=False),
        sa.Column("destination", sa.String(length=3), nullable=False),
        sa.Column("departs", sa.Date(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("departure_site", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("executed_by", sa.String(length=200), nullable=True),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _in("state", FLIGHT_STATES), name=op.f("ck_custody_flights_state_known")
        ),
        sa.CheckConstraint("seats >= 0", name=op.f("ck_custody_flights_seats_not_negative")),
        sa.PrimaryKeyConstraint("flight_id", name=op.f("pk_custody_flights")),
    )
    op.create_table(
        "custody_flight_seats",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("flight_id", sa.String(length=11), nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("status", SEAT_STATUSES), name=op.f("ck_custody_flight_seats_status_known")
        ),
        _case_fk("custody_flight_seats"),
        sa.ForeignKeyConstraint(
            ["flight_id"],
            ["custody_flights.flight_id"],
            name=op.f("fk_custody_flight_seats_flight_id_custody_flights"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_flight_seats")),
    )
    op.create_index(
        op.f("ix_custody_flight_seats_case_id"), "custody_flight_seats", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_custody_flight_seats_flight_id"),
        "custody_flight_seats",
        ["flight_id"],
        unique=False,
    )
    op.create_table(
        "custody_counsel_notices",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _case_fk("custody_counsel_notices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_counsel_notices")),
    )
    op.create_index(
        op.f("ix_custody_counsel_notices_case_id"),
        "custody_counsel_notices",
        ["case_id"],
        unique=False,
    )
    op.create_table(
        "custody_collateral_encounters",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("encounter", sa.Text(), nullable=False),
        sa.Column("identity_confirmed", sa.Boolean(), nullable=False),
        sa.Column("identity_method", sa.Text(), nullable=False),
        sa.Column("citizenship_claim", sa.Boolean(), nullable=False),
        sa.Column("citizenship_statement", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("review", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("lead_state", sa.String(length=12), nullable=True),
        sa.Column("safeguards", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("outcome", COLLATERAL_OUTCOMES),
            name=op.f("ck_custody_collateral_encounters_outcome_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_collateral_encounters")),
    )
    op.create_index(
        op.f("ix_custody_collateral_encounters_person_id"),
        "custody_collateral_encounters",
        ["person_id"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the tables of removal flights."""
    op.drop_index(
        op.f("ix_custody_collateral_encounters_person_id"),
        table_name="custody_collateral_encounters",
    )
    op.drop_table("custody_collateral_encounters")
    op.drop_index(op.f("ix_custody_counsel_notices_case_id"), table_name="custody_counsel_notices")
    op.drop_table("custody_counsel_notices")
    op.drop_index(op.f("ix_custody_flight_seats_flight_id"), table_name="custody_flight_seats")
    op.drop_index(op.f("ix_custody_flight_seats_case_id"), table_name="custody_flight_seats")
    op.drop_table("custody_flight_seats")
    op.drop_table("custody_flights")
    op.drop_table("custody_travel_documents")
