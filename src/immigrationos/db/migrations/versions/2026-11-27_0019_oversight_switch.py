"""oversight: the stop switch and policy sign-off

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 17:20:00.000000
"""

from __future__ import annotations

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables (none yet)."""


def downgrade() -> None:
    """Drop the tables (none yet)."""
