"""decision snapshots for replay

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 17:20:00.000000
"""

from __future__ import annotations

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables (none yet)."""


def downgrade() -> None:
    """Drop the tables (none yet)."""
