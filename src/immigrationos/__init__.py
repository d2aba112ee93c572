"""ImmigrationOS: records, identities, targeting and the enforcement lifecycle, accountably."""

__version__ = "0.1.0"
