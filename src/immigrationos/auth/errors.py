"""Errors of accounts and sign-in, each with a message a person can act on."""

from __future__ import annotations


class AuthError(Exception):
    """A sign-in, session or account operation that was refused."""


class PasswordPolicyError(AuthError):
    """A password that breaks the policy; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("password refused: " + "; ".join(self.problems))


class AdminExistsError(AuthError):
    """A first administrator was asked for, but an administrator already exists."""
