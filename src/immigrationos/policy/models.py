"""Tables of the data-use policy (migration 0005): purposes, authorizations, grants, disclosures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from immigrationos.db.base import Base
from immigrationos.policy.kinds import AuthorizationKind, Grant, PurposeKind, RecipientType


def _in(column: str, values: Any) -> str:
    # Quoted: ``grant`` is a reserved word in SQL.
    return f'"{column}" IN (' + ", ".join(f"'{v.value}'" for v in values) + ")"


class Purpose(Base):
    """A declared purpose under which person data is read or analysed: why, by whom, where."""

    __tablename__ = "purposes"
    __table_args__ = (CheckConstraint(_in("kind", PurposeKind), name="kind_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # one of PurposeKind
    # Case, lead or investigation number, or the batch's name (validated once cases exist).
    reference: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    justification: Mapped[str] = mapped_column(Text)  # why the data is needed
    # The field office the purpose belongs to; None for a national purpose.
    field_office: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(String(200), index=True)  # the actor
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    @property
    def closed(self) -> bool:
        """Return whether the purpose is closed (no data is used under it any more)."""
        return self.closed_at is not None


class Authorization(Base):
    """A legal authorization on record: a § 6103(i) order or request, a warrant, an order.

    It covers only the ``sources``, ``purpose_ids`` (Purpose ids), ``subjects``
    (``{"kind": SubjectKind, "value": ...}``) and ``states`` it names.
    """

    __tablename__ = "authorizations"
    __table_args__ = (CheckConstraint(_in("kind", AuthorizationKind), name="kind_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # one of AuthorizationKind
    reference: Mapped[str] = mapped_column(String(200))  # docket or request number
    issued_by: Mapped[str] = mapped_column(String(200))  # the court or the official
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    sources: Mapped[list[str]] = mapped_column(JSON)
    purpose_ids: Mapped[list[str]] = mapped_column(JSON)
    subjects: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    states: Mapped[list[str]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def revoked(self) -> bool:
        """Return whether the authorization was revoked."""
        return self.revoked_at is not None


class AccessGrant(Base):
    """A special access (``FINCEN``) an administrator gave a user, with the reason."""

    __tablename__ = "access_grants"
    __table_args__ = (CheckConstraint(_in("grant", Grant), name="grant_known"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    grant: Mapped[str] = mapped_column(String(40))  # one of Grant
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Disclosure(Base):
    """Records given outside the agency: who, to whom, when, why (the Privacy Act accounting)."""

    __tablename__ = "disclosures"
    __table_args__ = (
        CheckConstraint(_in("recipient_type", RecipientType), name="recipient_type_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    disclosed_by: Mapped[str] = mapped_column(String(200), index=True)  # the actor
    disclosed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    recipient: Mapped[str] = mapped_column(String(300))  # name and address of the recipient
    recipient_type: Mapped[str] = mapped_column(String(40))  # one of RecipientType
    purpose_id: Mapped[str] = mapped_column(ForeignKey("purposes.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(Text)  # e.g. 5 U.S.C. § 552a(b)(7)

    items: Mapped[list[DisclosureItem]] = relationship(
        back_populates="disclosure", order_by="DisclosureItem.id"
    )


class DisclosureItem(Base):
    """One record of a disclosure, the subject it is about, and which of its fields went out."""

    __tablename__ = "disclosure_items"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    disclosure_id: Mapped[str] = mapped_column(ForeignKey("disclosures.id"), index=True)
    source: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(200))
    # Whom the record is about: ``source:record_id`` until records resolve to persons.
    subject_key: Mapped[str] = mapped_column(String(300), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    # Left out of the person's own copy of the accounting (a SAR: 31 U.S.C. § 5318(g)(2)).
    hidden_from_subject: Mapped[bool] = mapped_column(Boolean, default=False)

    disclosure: Mapped[Disclosure] = relationship(back_populates="items")
