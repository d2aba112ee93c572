"""Resolved persons: profiles, timelines and search over the records resolution linked."""
