"""Passwords: Argon2id hashing and the password policy.

Hashing uses argon2-cffi's Argon2id with the RFC 9106 "second recommended option"
(low memory): time cost 3, memory 64 MiB, parallelism 4, 16-byte salt, 32-byte hash.
A stored hash made with other parameters is upgraded at the next successful sign-in.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # bounds the work an attacker can ask of the hasher

TIME_COST = 3
MEMORY_COST_KIB = 64 * 1024
PARALLELISM = 4
HASH_LEN = 32
SALT_LEN = 16

HASHER = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=HASH_LEN,
    salt_len=SALT_LEN,
    type=Type.ID,
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the bundled list of 10,000 common passwords, lower-cased."""
    text = (resources.files("immigrationos.auth") / "data" / "common_passwords.txt").read_text(
        encoding="utf-8"
    )
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


_PADDING = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$")


def _padded_common(password: str) -> bool:
    """Return whether ``password`` is a common password with digits or symbols around it.

    NIST SP 800-63B asks for checks against breached and dictionary passwords;
    "password1234" and "!!dragon2026" are those with padding that guessers try first.
    """
    match = _PADDING.match(password.lower())
    core = match.group(1) if match else ""
    return len(core) >= 4 and core != password.lower() and core in common_passwords()


def check_password_policy(password: str, *, username: str | None = None) -> list[str]:
    """Return every way ``password`` breaks the policy (an empty list when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(
            f"the password has {len(password)} characters; at least {MIN_LENGTH} are required"
        )
    if len(password) > MAX_LENGTH:
        problems.append(f"the password is longer than {MAX_LENGTH} characters")
    if password.lower() in common_passwords():
        problems.append("the password is on the list of common passwords; choose another")
    elif _padded_common(password):
        problems.append(
            "the password is a common password with digits or symbols added; choose another"
        )
    if len(set(password)) <= 3 and len(password) >= MIN_LENGTH:
        problems.append("the password repeats too few characters")
    if username and username.strip() and username.strip().lower() in password.lower():
        problems.append("the password contains the username")
    return problems


def hash_password(password: str) -> str:
    """Return the Argon2id hash (PHC string, ``$argon2id$...``) of ``password``."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``; a malformed hash never matches."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return whether ``password_hash`` was made with other parameters than today's."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Return a hash to verify against when the username is unknown, so timing reveals nothing."""
    return HASHER.hash("no user has this password: it only spends the same time")
