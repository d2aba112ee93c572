"""Tamper-evident audit log: who did what, when, from where, why, and how it ended."""
