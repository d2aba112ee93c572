"""Lawful use: the data-use policy per source, purposes, authorizations, grants, disclosures."""
