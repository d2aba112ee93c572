"""Tables of the stop switch and of policy sign-off (migration 0019).

``targeting_suspensions`` holds what is suspended now (one row per scope and target: the
whole of targeting, one detector, one policy version); ``targeting_switch_events`` keeps
every suspension and resumption with who, when and why, and is never updated.
``policy_submissions`` holds each priority-policy text put forward to go live, with who
submitted it; ``policy_signoffs`` holds the independent reviewers' sign-offs of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base
from immigrationos.resolution.models import PK_TYPE

SWITCH_SCOPES = ("TARGETING", "DETECTOR", "POLICY_VERSION")
SWITCH_ACTIONS = ("SUSPEND", "RESUME")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class TargetingSuspension(Base):
    """One suspension in force: its scope, what it names ('' for all targeting), who, why."""

    __tablename__ = "targeting_suspensions"
    __table_args__ = (CheckConstraint(_in("scope", SWITCH_SCOPES), name="scope_known"),)

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    target: Mapped[str] = mapped_column(String(100), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    suspended_by: Mapped[str] = mapped_column(String(200))
    suspended_role: Mapped[str] = mapped_column(String(40))
    suspended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TargetingSwitchEvent(Base):
    """One change of the switch: a suspension or a resumption, with who, when and why."""

    __tablename__ = "targeting_switch_events"
    __table_args__ = (
        CheckConstraint(_in("scope", SWITCH_SCOPES), name="scope_known"),
        CheckConstraint(_in("action", SWITCH_ACTIONS), name="action_known"),
    )

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PolicySubmission(Base):
    """A priority-policy text put forward to go live: its version, sha256 and submitter."""

    __tablename__ = "policy_submissions"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_role: Mapped[str] = mapped_column(String(40))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PolicySignoff(Base):
    """An independent reviewer's sign-off of one policy text (by its sha256)."""

    __tablename__ = "policy_signoffs"
    __table_args__ = (UniqueConstraint("sha256", "reviewer"),)

    id: Mapped[int] = mapped_column(PK_TYPE, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    policy: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    author: Mapped[str] = mapped_column(String(200))
    reviewer: Mapped[str] = mapped_column(String(200))
    reviewer_role: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
