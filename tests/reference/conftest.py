"""Run the reference tests against the bundled AOR table, whatever the environment says."""

from __future__ import annotations

import pytest

from immigrationos import config


@pytest.fixture(autouse=True)
def bundled_reference_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ignore a user's IMOS_AOR_FILE (environment or .env) during these tests."""
    bundled = config.Settings(aor_file=None)
    monkeypatch.setattr(config, "get_settings", lambda: bundled)
