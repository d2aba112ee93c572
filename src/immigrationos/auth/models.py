"""Tables of accounts and sign-in: users, their sessions, and every sign-in attempt."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from immigrationos.db.base import Base

ROLES = (
    "ANALYST",
    "OFFICER",
    "SUPERVISOR",
    "LEGAL",
    "DETENTION",
    "WORKSITE_AUDITOR",
    "OVERSIGHT",
    "ADMIN",
)
# Headquarters roles: their area of responsibility is the whole country (admins read no
# person data at all). Every other role belongs to one or more field offices.
NATIONAL_ROLES = ("ANALYST", "OVERSIGHT", "ADMIN")
OFFICE_ROLES = tuple(r for r in ROLES if r not in NATIONAL_ROLES)
OUTCOMES = ("SUCCESS", "BAD_PASSWORD", "BAD_TOTP", "LOCKED", "DISABLED", "UNKNOWN_USER")


class User(Base):
    """A person who signs in: role, areas of responsibility, password and second factor."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    # JSON list of field office names; empty = none (ADMIN and OVERSIGHT are national).
    field_offices: Mapped[str] = mapped_column(Text, default="[]")
    password_hash: Mapped[str] = mapped_column(String(255))  # Argon2id, PHC string
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    totp_secret: Mapped[str] = mapped_column(String(64))
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last accepted TOTP time step: a code of this step or earlier is refused.
    last_totp_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))

    @property
    def offices(self) -> list[str]:
        """Return the user's field offices (an empty list for none)."""
        return [str(o) for o in json.loads(self.field_offices or "[]")]

    @property
    def is_national(self) -> bool:
        """Return whether the role's area of responsibility is the whole country."""
        return self.role in NATIONAL_ROLES


class UserSession(Base):
    """A signed-in session: only the SHA-256 of its opaque token is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_idle_minutes: Mapped[int] = mapped_column(Integer, default=30)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    client: Mapped[str | None] = mapped_column(String(200), nullable=True)


class SignInAttempt(Base):
    """One sign-in attempt and how it ended, kept whether or not the username exists."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # one of OUTCOMES
    client: Mapped[str | None] = mapped_column(String(200), nullable=True)
