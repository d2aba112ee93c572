"""Custody optimisation: detention placement and removal flight assignment."""
