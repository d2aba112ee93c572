"""Fixtures of the accounts tests: a cheap Argon2id hasher where the cost is not under test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher, Type

from immigrationos.auth import passwords

NOW = datetime(2026, 11, 26, 9, 0, 0, tzinfo=UTC)
PASSWORD = "violet-harbor-lantern-42"


@pytest.fixture()
def fast_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[PasswordHasher]:
    """Argon2id at minimal cost, so flow tests stay fast; the policy is the same."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    monkeypatch.setattr(passwords, "HASHER", hasher)
    passwords.dummy_hash.cache_clear()
    yield hasher
    passwords.dummy_hash.cache_clear()
