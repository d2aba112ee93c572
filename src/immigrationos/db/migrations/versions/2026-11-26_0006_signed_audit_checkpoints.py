"""signed audit checkpoints: statement, Ed25519 signature and key id of each checkpoint

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite), so the append-only triggers stay.
    op.add_column("audit_checkpoints", sa.Column("statement", sa.Text(), nullable=True))
    op.add_column("audit_checkpoints", sa.Column("signature", sa.Text(), nullable=True))
    op.add_column("audit_checkpoints", sa.Column("key_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.drop_column("key_id")
        batch.drop_column("signature")
        batch.drop_column("statement")
