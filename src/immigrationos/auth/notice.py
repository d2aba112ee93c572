"""The system-use notice shown before sign-in (NIST SP 800-53 AC-8)."""

from __future__ import annotations

SYSTEM_USE_NOTICE = """\
You are accessing a U.S. Government information system, which includes this computer,
this network, all computers connected to this network, and all devices and storage
media attached to this network or to a computer on this network. This system is
provided for U.S. Government-authorized use only.

Unauthorized or improper use of this system is prohibited and may result in
disciplinary action and civil and criminal penalties.

By using this system, you understand and consent to the following:

- You have no reasonable expectation of privacy regarding any communication or data
  transiting or stored on this system. At any time, and for any lawful Government
  purpose, the Government may monitor, intercept, record, audit and search and seize
  any communication or data transiting or stored on this system.
- Every sign-in, search, read, write and export on this system is recorded in an
  audit log that is reviewed by oversight staff.
- Any communication or data transiting or stored on this system may be disclosed or
  used for any lawful Government purpose.
"""
"""Show before sign-in: U.S. Government system, authorized use only, monitored and audited."""
