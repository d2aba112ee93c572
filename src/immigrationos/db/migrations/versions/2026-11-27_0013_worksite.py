"""worksite: Form I-9 audits, their findings, and inspections

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 16:30:00.000000

Filled by ``worksite.flows``: an audit run (self-audit or inspection) with its findings,
and an inspection from its Notice of Inspection on, with every notice issued and the
SHA-256 of its PDF.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MODES = ("self", "inspection")
INSPECTION_STATUSES = ("NOTICE_SERVED", "PRODUCED", "FINDINGS_ISSUED", "FINE_PROPOSED", "CLOSED")
NOTICE_KINDS = (
    "notice_of_inspection", "compliance_letter", "technical_failures", "suspect_documents",
    "warning_notice", "intent_to_fine",
)  # fmt: skip


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    """Create the worksite tables."""
    op.create_table(
        "worksite_audits",
        sa.Column("audit_id", sa.String(length=12), nullable=False),
        sa.Column("employer_name", sa.String(length=400), nullable=False),
        sa.Column("employer", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("audit_date", sa.Date(), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("purpose_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forms_audited", sa.Integer(), nullable=False),
        sa.Column("forms_required", sa.Integer(), nullable=False),
        sa.Column("findings_count", sa.Integer(), nullable=False),
        sa.Column("substantive_count", sa.Integer(), nullable=False),
        sa.Column("technical_count", sa.Integer(), nullable=False),
        sa.Column("suspect_count", sa.Integer(), nullable=False),
        sa.Column("read_errors", sa.Integer(), nullable=False),
        sa.Column("forms", sa.Text(), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.CheckConstraint(_in("mode", MODES), name=op.f("ck_worksite_audits_mode_known")),
        sa.CheckConstraint(
            "forms_audited >= 0 AND findings_count >= 0",
            name=op.f("ck_worksite_audits_counts_positive"),
        ),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_worksite_audits")),
    )
    op.create_index(
        "ix_worksite_audits_office_created",
        "worksite_audits",
        ["field_office", "created_at"],
        unique=False,
    )
    op.create_table(
        "worksite_findings",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.String(length=12), nullable=False),
        sa.Column("form_id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("employee_id", sa.String(length=200), nullable=False),
        sa.Column("rule_id", sa.String(length=60), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("mitigations", sa.Text(), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["worksite_audits.audit_id"],
            name=op.f("fk_worksite_findings_audit_id_worksite_audits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worksite_findings")),
    )
    op.create_index(
        op.f("ix_worksite_findings_audit_id"), "worksite_findings", ["audit_id"], unique=False
    )
    op.create_table(
        "worksite_inspections",
        sa.Column("inspection_id", sa.String(length=12), nullable=False),
        sa.Column("employer_name", sa.String(length=400), nullable=False),
        sa.Column("employer", sa.Text(), nullable=False),
        sa.Column("audit_id", sa.String(length=12), nullable=True),
        sa.Column("noi_served_on", sa.Date(), nullable=False),
        sa.Column("production_due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("purpose_id", sa.String(length=36), nullable=True),
        sa.Column("prior_violations", sa.Integer(), nullable=False),
        sa.Column("factors", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("status", INSPECTION_STATUSES), name=op.f("ck_worksite_inspections_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["worksite_audits.audit_id"],
            name=op.f("fk_worksite_inspections_audit_id_worksite_audits"),
        ),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_worksite_inspections")),
    )
    op.create_index(
        op.f("ix_worksite_inspections_audit_id"),
        "worksite_inspections",
        ["audit_id"],
        unique=False,
    )
    op.create_index(
        "ix_worksite_inspections_office_created",
        "worksite_inspections",
        ["field_office", "created_at"],
        unique=False,
    )
    op.create_table(
        "worksite_notices",
        sa.Column("id", PK_TYPE, autoincrement=True, nullable=False),
        sa.Column("inspection_id", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(_in("kind", NOTICE_KINDS), name=op.f("ck_worksite_notices_kind_known")),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["worksite_inspections.inspection_id"],
            name=op.f("fk_worksite_notices_inspection_id_worksite_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worksite_notices")),
    )
    op.create_index(
        op.f("ix_worksite_notices_inspection_id"),
        "worksite_notices",
        ["inspection_id"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the worksite tables."""
    op.drop_index(op.f("ix_worksite_notices_inspection_id"), table_name="worksite_notices")
    op.drop_table("worksite_notices")
    op.drop_index("ix_worksite_inspections_office_created", table_name="worksite_inspections")
    op.drop_index(op.f("ix_worksite_inspections_audit_id"), table_name="worksite_inspections")
    op.drop_table("worksite_inspections")
    op.drop_index(op.f("ix_worksite_findings_audit_id"), table_name="worksite_findings")
    op.drop_table("worksite_findings")
    op.drop_index("ix_worksite_audits_office_created", table_name="worksite_audits")
    op.drop_table("worksite_audits")
