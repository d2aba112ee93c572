"""Fixtures of the operations tests (``ops_fixtures``): the API, the world, the places file.

The solver tests of this folder request none of them and stay free of the database.
"""

from __future__ import annotations

from .ops_fixtures import api, fast_hasher, places_file, world  # noqa: F401  (the fixtures)
