"""lead events: a person following or overriding a recommendation, with the reason

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 10:00:00.000000

Recommendations are advice; whether the officer followed one or overrode it, and why,
is recorded as a lead event of kind ``FOLLOWED`` or ``OVERRODE``.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BEFORE = ("CREATED", "STATE", "SCORE", "MOVED", "RETIRED", "CLOSED")
AFTER = (*BEFORE, "FOLLOWED", "OVERRODE")


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
    op.execute("DELETE FROM lead_events WHERE kind IN ('FOLLOWED', 'OVERRODE')")
    _kinds(BEFORE)
