"""Oversight: watching what the platform does to people, and correcting it."""
