"""removal flights, manifests, travel documents, counsel notices, collateral arrests

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 17:20:00.000000
"""

from __future__ import annotations

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables (none yet)."""


def downgrade() -> None:
    """Drop the tables (none yet)."""
