"""collateral lead and case: a cleared collateral encounter's operation, lead and case

Revision ID: 0023
Revises: 0024
Create Date: 2026-11-27 22:00:00.000000

``custody_collateral_encounters`` names the operation the person was encountered in and,
when the encounter cleared, the person's own lead and the case the booking goes on
(``custody/collateral.py``). Empty for encounters recorded before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLE = "custody_collateral_encounters"


def upgrade() -> None:
    """Add the operation, lead and case of a collateral encounter."""
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("operation_id", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("lead_id", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.String(length=11), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_custody_collateral_encounters_operation_id"), ["operation_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_custody_collateral_encounters_operation_id_operations"),
            "operations", ["operation_id"], ["operation_id"],
        )  # fmt: skip
        batch_op.create_foreign_key(
            batch_op.f("fk_custody_collateral_encounters_lead_id_leads"),
            "leads", ["lead_id"], ["lead_id"],
        )  # fmt: skip
        batch_op.create_foreign_key(
            batch_op.f("fk_custody_collateral_encounters_case_id_cases"),
            "cases", ["case_id"], ["case_id"],
        )  # fmt: skip


def downgrade() -> None:
    """Drop the operation, lead and case of a collateral encounter."""
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_custody_collateral_encounters_case_id_cases"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_custody_collateral_encounters_lead_id_leads"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_custody_collateral_encounters_operation_id_operations"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_custody_collateral_encounters_operation_id"))
        batch_op.drop_column("case_id")
        batch_op.drop_column("lead_id")
        batch_op.drop_column("operation_id")
