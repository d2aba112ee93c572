"""data-use policy: purposes, authorizations, grants, disclosures

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PURPOSE_KINDS = ("CASE", "LEAD", "CRIMINAL_INVESTIGATION", "BATCH")
AUTHORIZATION_KINDS = (
    "IRC_6103_I1_COURT_ORDER",
    "IRC_6103_I2_REQUEST",
    "JUDICIAL_WARRANT",
    "COURT_ORDER",
    "ADMINISTRATIVE_WARRANT",
)
GRANTS = ("FINCEN",)
RECIPIENT_TYPES = (
    "FEDERAL_AGENCY",
    "STATE_OR_LOCAL_AGENCY",
    "FOREIGN_GOVERNMENT",
    "COURT",
    "CONGRESS",
    "SUBJECT_OR_COUNSEL",
    "OTHER",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f'"{column}" IN (' + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "purposes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(_in("kind", PURPOSE_KINDS), name=op.f("ck_purposes_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purposes")),
    )
    with op.batch_alter_table("purposes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purposes_created_by"), ["created_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_purposes_field_office"), ["field_office"], unique=False
        )

    op.create_table(
        "authorizations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("purpose_ids", sa.JSON(), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("states", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            _in("kind", AUTHORIZATION_KINDS), name=op.f("ck_authorizations_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorizations")),
    )

    op.create_table(
        "access_grants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("grant", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(_in("grant", GRANTS), name=op.f("ck_access_grants_grant_known")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_grants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_grants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "disclosures",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("disclosed_by", sa.String(length=200), nullable=False),
        sa.Column("disclosed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("recipient_type", sa.String(length=40), nullable=False),
        sa.Column("purpose_id", sa.String(length=36), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.CheckConstraint(
            _in("recipient_type", RECIPIENT_TYPES),
            name=op.f("ck_disclosures_recipient_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["purpose_id"], ["purposes.id"], name=op.f("fk_disclosures_purpose_id_purposes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosures_disclosed_at"), ["disclosed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_disclosures_disclosed_by"), ["disclosed_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disclosures_purpose_id"), ["purpose_id"], unique=False)

    op.create_table(
        "disclosure_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("disclosure_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("subject_key", sa.String(length=300), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("hidden_from_subject", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_disclosure_items_disclosure_id_disclosures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_items")),
    )
    with op.batch_alter_table("disclosure_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_items_disclosure_id"), ["disclosure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_disclosure_items_subject_key"), ["subject_key"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("disclosure_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_items_subject_key"))
        batch_op.drop_index(batch_op.f("ix_disclosure_items_disclosure_id"))
    op.drop_table("disclosure_items")
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosures_purpose_id"))
        batch_op.drop_index(batch_op.f("ix_disclosures_disclosed_by"))
        batch_op.drop_index(batch_op.f("ix_disclosures_disclosed_at"))
    op.drop_table("disclosures")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_grants_user_id"))
    op.drop_table("access_grants")
    op.drop_table("authorizations")
    with op.batch_alter_table("purposes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purposes_field_office"))
        batch_op.drop_index(batch_op.f("ix_purposes_created_by"))
    op.drop_table("purposes")
