"""Time-based one-time passwords (RFC 6238): 30-second steps, 6 digits, one step of drift.

A code is accepted once: the step it belongs to must come after the last step the
user signed in with, so a code seen over a shoulder or replayed within its window fails.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
from pyotp.utils import strings_equal

ISSUER = "ImmigrationOS"
INTERVAL_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1  # steps either side of now, for clock drift


def new_secret() -> str:
    """Return a new random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(length=32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL_SECONDS, issuer=ISSUER)


def provisioning_uri(secret: str, username: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads (usually as a QR code)."""
    return _totp(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def code_at(secret: str, when: datetime) -> str:
    """Return the code of ``secret`` at ``when`` (for enrolment checks and tests)."""
    return _totp(secret).at(when)


def current_step(when: datetime) -> int:
    """Return the time step number of ``when``."""
    return int(when.timestamp()) // INTERVAL_SECONDS


def verify_code(secret: str, code: str, *, now: datetime, last_step: int | None) -> int | None:
    """Return the step ``code`` belongs to, or None when it is wrong or already used.

    Args:
        secret: the user's base32 secret.
        code: what the user typed (spaces ignored).
        now: the time of the attempt.
        last_step: the last step accepted for this user; it and every earlier step are refused.
    """
    code = code.replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    now_step = current_step(now)
    matched: int | None = None
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if strings_equal(totp.generate_otp(step), code) and matched is None:
            matched = step
    if matched is None or (last_step is not None and matched <= last_step):
        return None
    return matched
