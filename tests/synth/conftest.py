from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from immigrationos.synth.world import WorldSummary
from world_cache import shared_world

AS_OF = dt.date(2025, 6, 1)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WorldSummary]:
    return shared_world(tmp_path_factory, persons=2000, seed=11, as_of=AS_OF, malformed_rate=0.03)
