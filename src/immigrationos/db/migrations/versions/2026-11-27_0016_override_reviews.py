"""lead events: a second person's review of an override, with the reason

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 17:00:00.000000

An officer's override of a recommendation awaits a second person (the supervisors'
inbox). The supervisor's review, agreeing or not and why, is a lead event of kind
``REVIEWED``; a reviewed override leaves the inbox.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BEFORE = ("CREATED", "STATE", "SCORE", "MOVED", "RETIRED", "CLOSED", "FOLLOWED", "OVERRODE")
AFTER = (*BEFORE, "REVIEWED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_lead_events_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_lead_events_kind_known"), _in("kind", values))


def upgrade() -> None:
    """Apply this revision."""
    _kinds(AFTER)


def downgrade() -> None:
    """Revert this revision."""
    op.execute("DELETE FROM lead_events WHERE kind = 'REVIEWED'")
    _kinds(BEFORE)
