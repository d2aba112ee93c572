"""TOTP verification (window, reuse) and the system-use notice."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from immigrationos.auth import totp
from immigrationos.auth.notice import SYSTEM_USE_NOTICE

from .conftest import NOW

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_provisioning_uri_names_the_issuer_and_user() -> None:
    uri = urlparse(totp.provisioning_uri(SECRET, "officer.lee"))
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    query = parse_qs(uri.query)
    assert query["secret"] == [SECRET]
    assert query["issuer"] == ["ImmigrationOS"]
    assert "officer.lee" in uri.path


def test_current_and_adjacent_steps_are_accepted_older_ones_not() -> None:
    step = totp.current_step(NOW)
    for offset in (-1, 0, 1):
        code = totp.code_at(SECRET, NOW + timedelta(seconds=30 * offset))
        assert totp.verify_code(SECRET, code, now=NOW, last_step=None) == step + offset
    stale = totp.code_at(SECRET, NOW - timedelta(seconds=60))
    assert totp.verify_code(SECRET, stale, now=NOW, last_step=None) is None


def test_a_used_step_and_earlier_steps_are_refused() -> None:
    step = totp.current_step(NOW)
    code = totp.code_at(SECRET, NOW)
    assert totp.verify_code(SECRET, code, now=NOW, last_step=step) is None
    previous = totp.code_at(SECRET, NOW - timedelta(seconds=30))
    assert totp.verify_code(SECRET, previous, now=NOW, last_step=step) is None
    following = totp.code_at(SECRET, NOW + timedelta(seconds=30))
    assert totp.verify_code(SECRET, following, now=NOW, last_step=step) == step + 1


def test_malformed_codes_are_refused() -> None:
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert totp.verify_code(SECRET, code, now=NOW, last_step=None) is None
    spaced = totp.code_at(SECRET, NOW)
    assert totp.verify_code(SECRET, f"{spaced[:3]} {spaced[3:]}", now=NOW, last_step=None)


def test_new_secrets_differ_and_are_base32() -> None:
    a, b = totp.new_secret(), totp.new_secret()
    assert a != b and len(a) == 32 and set(a) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_notice_says_what_the_user_consents_to() -> None:
    text = SYSTEM_USE_NOTICE.lower()
    for phrase in (
        "u.s. government",
        "authorized use only",
        "monitor",
        "audit",
        "no reasonable expectation of privacy",
        "criminal penalties",
    ):
        assert phrase in text, phrase
