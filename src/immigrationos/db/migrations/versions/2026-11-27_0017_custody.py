"""custody: bookings, custody decisions and their deadlines, detainers, removals

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 17:10:00.000000
"""

from __future__ import annotations

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the custody tables (none yet)."""


def downgrade() -> None:
    """Drop the custody tables (none yet)."""
