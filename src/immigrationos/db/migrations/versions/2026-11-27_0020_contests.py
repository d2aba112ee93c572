"""contests and corrections of records, links and flags

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 17:20:00.000000
"""

from __future__ import annotations

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables (none yet)."""


def downgrade() -> None:
    """Drop the tables (none yet)."""
