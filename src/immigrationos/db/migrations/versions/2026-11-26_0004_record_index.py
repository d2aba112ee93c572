"""record index: current records, versions and search keys (filled by the records domain)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 17:00:00.000000

The tables are filled at ingest, in each batch's transaction. An install that ingested
before this revision fills them with ``imos reindex`` (``records.flows.reindex``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "records",
        sa.Column("id", PK_TYPE, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=12), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("display_name", sa.String(length=400), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("zip", sa.String(length=5), nullable=True),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("source", "record_id", name=op.f("uq_records_source")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_birth_date", ["birth_date"], unique=False)
        batch_op.create_index("ix_records_field_office", ["field_office"], unique=False)
        batch_op.create_index("ix_records_family_name", ["family_name"], unique=False)
        batch_op.create_index(
            "ix_records_search",
            [
                "id", "withdrawn", "source", "field_office", "record_id", "given_name",
                "family_name", "birth_date",
            ],
            unique=False,
        )  # fmt: skip

    op.create_table(
        "record_versions",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("change", sa.String(length=12), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("source", "record_id", "version", name=op.f("pk_record_versions")),
    )

    op.create_table(
        "record_keys",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("record_pk", PK_TYPE, autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["record_pk"],
            ["records.id"],
            name=op.f("fk_record_keys_record_pk_records"),
            ondelete="CASCADE",
        ),
        # The lookup index of searches: (kind, value), with the record id read from it.
        sa.PrimaryKeyConstraint("kind", "value", "record_pk", name=op.f("pk_record_keys")),
    )
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_keys_record_pk"), ["record_pk"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_keys_record_pk"))
    op.drop_table("record_keys")
    op.drop_table("record_versions")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_search")
        batch_op.drop_index("ix_records_family_name")
        batch_op.drop_index("ix_records_field_office")
        batch_op.drop_index("ix_records_birth_date")
    op.drop_table("records")
