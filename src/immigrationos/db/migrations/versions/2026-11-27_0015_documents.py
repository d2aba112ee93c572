"""documents: generated legal documents, numbered, hashed, signed

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 16:30:00.000000
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the documents tables (none yet)."""


def downgrade() -> None:
    """Drop the documents tables (none yet)."""
