"""Errors of lawful use, each with a message that names what was wrong and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class PolicyError(Exception):
    """A use of data, or a change to purposes, authorizations or grants, that was refused."""


class PurposeError(PolicyError):
    """A purpose that is unknown, closed, outside the user's offices, or badly declared."""


class AuthorizationError(PolicyError):
    """An authorization that cannot be recorded or revoked as asked."""


class GrantError(PolicyError):
    """An access grant that cannot be given or revoked as asked."""


class PolicyFileError(PolicyError):
    """A data-use policy file that is missing, unreadable or invalid; ``problems`` lists all."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(
            f"data-use policy {self.path} is not valid, so nothing is allowed until it is fixed:\n"
            + "\n".join(f"  - {p}" for p in self.problems)
        )


class DisclosureRefused(PolicyError):
    """A disclosure refused as a whole; ``refusals`` holds every reason, one per record."""

    def __init__(self, recipient: str, refusals: Sequence[str]) -> None:
        self.recipient = recipient
        self.refusals = list(refusals)
        super().__init__(
            f"disclosure to {recipient} refused; nothing was disclosed "
            f"({len(self.refusals)} problem(s)):\n" + "\n".join(f"  - {r}" for r in self.refusals)
        )
