"""leads: indexes in the queue's order (highest score first, unscored last, then lead ID)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 12:00:00.000000

``GET /leads`` pages by ``coalesce(score, -1) DESC, lead_id``; ``ix_leads_state_score``
cannot serve that order, so the first page of a large queue sorted every matching lead.
One index serves the whole queue, one the queue of a state.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

RANK = sa.text("coalesce(score, -1) DESC")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_rank", [RANK, "lead_id"], unique=False)
        batch_op.create_index("ix_leads_state_rank", ["state", RANK, "lead_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_state_rank")
        batch_op.drop_index("ix_leads_rank")
