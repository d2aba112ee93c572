"""API shapes of accounts and sign-in."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from immigrationos.apikit.types import UtcDateTime
from immigrationos.auth import permissions
from immigrationos.auth.models import ROLES, User

RoleName = str


class SystemUseNotice(BaseModel):
    """The notice every user accepts before signing in (NIST SP 800-53 AC-8)."""

    notice: str
    must_accept: bool = True


class SignIn(BaseModel):
    """Both factors, and the acceptance of the system-use notice."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    totp_code: str = Field(min_length=1, max_length=16, description="The authenticator's code.")
    accept_notice: Literal[True] = Field(
        description="Must be true: the system-use notice (GET /api/v1/auth/notice) was shown "
        "and accepted."
    )


class UserRead(BaseModel):
    """An account as the API shows it (never its password hash or TOTP secret)."""

    id: str
    username: str
    display_name: str
    role: str = Field(description=f"One of {', '.join(ROLES)}.")
    field_offices: list[str]
    national: bool = Field(description="True when the area of responsibility is the country.")
    disabled: bool
    locked_until: UtcDateTime | None
    created_at: UtcDateTime
    created_by: str
    permissions: list[str]
    grants: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, user: User, grants: frozenset[str] = frozenset()) -> UserRead:
        """Return the API view of a user."""
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            field_offices=user.offices,
            national=permissions.is_national(user.role),
            disabled=user.disabled,
            locked_until=user.locked_until,
            created_at=user.created_at,
            created_by=user.created_by,
            permissions=sorted(p.value for p in permissions.permissions_of(user.role)),
            grants=sorted(grants),
        )


class SignedIn(BaseModel):
    """A new session: send ``token`` as ``Authorization: Bearer <token>``."""

    token: str
    token_type: str = "bearer"
    idle_timeout_minutes: int
    session_id: str
    user: UserRead


class PasswordChange(BaseModel):
    """The current password and the new one (the policy applies)."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class SessionsEnded(BaseModel):
    """How many sessions an action ended."""

    sessions_ended: int


class UserCreate(BaseModel):
    """A new account; without a password, one is generated and shown once."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    role: str = Field(description=f"One of {', '.join(ROLES)}.")
    field_offices: list[str] = Field(default_factory=list, max_length=50)
    password: str | None = Field(default=None, max_length=1024)


class UserCreated(BaseModel):
    """A created account with its initial secrets, shown this once."""

    user: UserRead
    initial_password: str | None = Field(description="Set when the server generated it.")
    totp_secret: str
    provisioning_uri: str


class AccessChange(BaseModel):
    """A change of role, offices or enablement, with its reason (audited)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)
    role: str | None = None
    field_offices: list[str] | None = Field(default=None, max_length=50)
    enabled: bool | None = None


class Reason(BaseModel):
    """Why an action is taken (audited)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)
