"""Who is acting: a signed-in user or the command-line operator, with role, scope and grants."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass, field

from immigrationos.auth import permissions
from immigrationos.auth.models import User
from immigrationos.auth.permissions import OPERATOR_ROLE, Permission


@dataclass(frozen=True)
class Principal:
    """The actor of an action, as the audit log and the data-use policy see it.

    ``offices`` is empty for a national role; ``grants`` are special access grants such
    as ``FINCEN`` (Bank Secrecy Act data), given by an administrator and audited.
    """

    actor: str  # a user id, or ``operator:<user>@<host>``
    username: str
    role: str
    offices: tuple[str, ...] = ()
    grants: frozenset[str] = field(default_factory=frozenset)
    client: str = "cli"
    session_id: str | None = None

    @property
    def is_national(self) -> bool:
        """Return whether the actor's area of responsibility is the whole country."""
        return permissions.is_national(self.role)

    @property
    def is_operator(self) -> bool:
        """Return whether this is command-line use on the platform's own machine."""
        return self.role == OPERATOR_ROLE

    def can(self, permission: Permission) -> bool:
        """Return whether the actor's role holds ``permission``."""
        return permissions.has_permission(self.role, permission)

    def area(self) -> tuple[str, ...] | None:
        """Return the field offices whose data the actor may see, or None for all."""
        return None if self.is_national else self.offices

    @classmethod
    def of_user(
        cls,
        user: User,
        *,
        grants: frozenset[str] = frozenset(),
        client: str = "unknown",
        session_id: str | None = None,
    ) -> Principal:
        """Return the principal of a signed-in user."""
        return cls(
            actor=user.id,
            username=user.username,
            role=user.role,
            offices=tuple(user.offices),
            grants=grants,
            client=client,
            session_id=session_id,
        )

    @classmethod
    def operator(
        cls, name: str | None = None, *, grants: frozenset[str] = frozenset()
    ) -> Principal:
        """Return the command-line operator of this machine (``operator:<user>@<host>``)."""
        who = name or getpass.getuser()
        actor = f"operator:{who}@{socket.gethostname()}"
        return cls(actor=actor, username=who, role=OPERATOR_ROLE, grants=grants, client="cli")
