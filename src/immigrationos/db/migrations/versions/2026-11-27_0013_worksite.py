"""worksite: Form I-9 audits, their findings, and inspections

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 16:30:00.000000
"""

from __future__ import annotations

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the worksite tables (none yet)."""


def downgrade() -> None:
    """Drop the worksite tables (none yet)."""
