"""Password policy and Argon2id hashing."""

from __future__ import annotations

import string

import pytest
from argon2 import PasswordHasher, Type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from immigrationos.auth import passwords


def test_an_acceptable_password_has_no_problems() -> None:
    assert passwords.check_password_policy("violet-harbor-lantern-42", username="jlee") == []


def test_too_short_is_refused_with_the_count() -> None:
    problems = passwords.check_password_policy("Tr0ub4dor&3", username="jlee")
    assert problems == ["the password has 11 characters; at least 12 are required"]


@pytest.mark.parametrize("password", ["qwerty123456", "QWERTY123456", "LeaveMeAlone"])
def test_common_passwords_are_refused_case_insensitively(password: str) -> None:
    problems = passwords.check_password_policy(password, username="jlee")
    assert problems == ["the password is on the list of common passwords; choose another"]


def test_the_bundled_list_is_loaded() -> None:
    common = passwords.common_passwords()
    assert len(common) >= 9_900
    assert "password" in common and "123456" in common


def test_a_password_containing_the_username_is_refused() -> None:
    problems = passwords.check_password_policy("xx-Officer.Lee-2026-xx", username="officer.lee")
    assert problems == ["the password contains the username"]


def test_every_problem_is_listed() -> None:
    problems = passwords.check_password_policy("jlee1234", username="jlee")
    assert len(problems) == 2
    assert any("at least 12" in p for p in problems)
    assert any("username" in p for p in problems)


def test_hash_is_argon2id_with_the_stated_parameters() -> None:
    hashed = passwords.hash_password("violet-harbor-lantern-42")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(hashed, "violet-harbor-lantern-42")
    assert not passwords.verify_password(hashed, "violet-harbor-lantern-43")
    assert not passwords.needs_rehash(hashed)


def test_a_malformed_or_weaker_hash_never_matches_or_needs_rehash() -> None:
    assert not passwords.verify_password("not-a-hash", "anything at all")
    assert passwords.needs_rehash("not-a-hash")
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    assert passwords.needs_rehash(weak.hash("violet-harbor-lantern-42"))


@given(st.text(max_size=passwords.MIN_LENGTH - 1))
def test_any_password_shorter_than_12_is_refused(password: str) -> None:
    problems = passwords.check_password_policy(password)
    assert any("at least 12" in p for p in problems)


VALID = st.text(
    alphabet=string.ascii_letters + string.digits + string.punctuation + " éß",
    min_size=passwords.MIN_LENGTH,
    max_size=64,
).filter(lambda p: passwords.check_password_policy(p) == [])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(password=VALID, other=VALID)
def test_any_valid_password_round_trips(
    fast_hasher: PasswordHasher, password: str, other: str
) -> None:
    assert passwords.check_password_policy(password) == []
    hashed = passwords.hash_password(password)
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, password)
    assert passwords.verify_password(hashed, other) == (other == password)


def test_common_passwords_with_padding_and_repetition_are_refused() -> None:
    from immigrationos.auth.passwords import check_password_policy

    assert any("digits or symbols added" in p for p in check_password_policy("password1234"))
    assert any("digits or symbols added" in p for p in check_password_policy("!!dragon2026!!"))
    assert any("too few characters" in p for p in check_password_policy("abababababab"))
    assert check_password_policy("violet-harbor-lantern-42") == []
