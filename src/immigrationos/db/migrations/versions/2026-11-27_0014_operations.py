"""operations: enforcement operations, their approvals, and arrest bookings

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 16:30:00.000000
"""

from __future__ import annotations

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the operations tables (none yet)."""


def downgrade() -> None:
    """Drop the operations tables (none yet)."""
