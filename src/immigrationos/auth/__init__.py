"""Accounts and sign-in: users, Argon2id passwords, TOTP, sessions and sign-in attempts."""
