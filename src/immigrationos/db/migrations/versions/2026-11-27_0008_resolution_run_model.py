"""resolution run model: the trained model each run scored with

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 08:00:00.000000

``resolution_runs.model`` keeps the model (Splink's settings JSON for the default
backend) so that a new batch is linked with the last run's model
(``resolution.resolve_flows.link_new``) without training again. Empty for runs before
this revision and for failed runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("resolution_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("resolution_runs", schema=None) as batch_op:
        batch_op.drop_column("model")
