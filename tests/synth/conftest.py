from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from immigrationos.synth.world import WorldSummary, generate_world

AS_OF = dt.date(2025, 6, 1)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WorldSummary]:
    out = tmp_path_factory.mktemp("world")
    summary = generate_world(persons=2000, seed=11, as_of=AS_OF, out_dir=out, malformed_rate=0.03)
    return out, summary
