"""documents: generated legal documents, numbered, hashed, signed

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 16:30:00.000000

Filled by ``documents.flows``: a document generated from a case (a DRAFT), and its
signature by a role the form names (re-rendered, new hash, who and when).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The forms and states of documents/models.py as of this revision.
FORM_CODES = ("I-862", "I-200", "I-213", "I-286", "I-247A", "I-871", "I-205")
DOCUMENT_STATES = ("DRAFT", "SIGNED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    """Create the documents table."""
    op.create_table(
        "legal_documents",
        sa.Column("document_id", sa.String(length=11), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("form", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=11), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("based_on", sa.String(length=11), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("draft_sha256", sa.String(length=64), nullable=False),
        sa.Column("generated_by", sa.String(length=200), nullable=False),
        sa.Column("generated_by_name", sa.String(length=200), nullable=False),
        sa.Column("generated_role", sa.String(length=20), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_by", sa.String(length=200), nullable=True),
        sa.Column("signed_by_name", sa.String(length=200), nullable=True),
        sa.Column("signed_role", sa.String(length=20), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _in("state", DOCUMENT_STATES), name=op.f("ck_legal_documents_state_known")
        ),
        sa.CheckConstraint(_in("form", FORM_CODES), name=op.f("ck_legal_documents_form_known")),
        sa.CheckConstraint(
            "(state = 'DRAFT' AND signed_by IS NULL) OR "
            "(state = 'SIGNED' AND signed_by IS NOT NULL AND signed_at IS NOT NULL)",
            name=op.f("ck_legal_documents_signature_matches_state"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_legal_documents_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["based_on"],
            ["legal_documents.document_id"],
            name=op.f("fk_legal_documents_based_on_legal_documents"),
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_legal_documents")),
        sa.UniqueConstraint("number", name=op.f("uq_legal_documents_number")),
    )
    op.create_index(
        op.f("ix_legal_documents_case_id"), "legal_documents", ["case_id"], unique=False
    )
    op.create_index(
        "ix_legal_documents_case_form", "legal_documents", ["case_id", "form"], unique=False
    )


def downgrade() -> None:
    """Drop the documents table."""
    op.drop_index("ix_legal_documents_case_form", table_name="legal_documents")
    op.drop_index(op.f("ix_legal_documents_case_id"), table_name="legal_documents")
    op.drop_table("legal_documents")
