"""Custody: booking, legal deadlines, removal eligibility, self-departure, the detainee
locator (docs/custody.md); detention placement and removal flight assignment."""
