"""Synthetic worlds generated once per run and shared, read-only, by every test asking for one.

Generating a world of a few thousand persons takes seconds; several modules ask for the
same one, and under pytest-xdist each worker would generate it again. The first to ask
generates it under a lock in the run's temporary folder (shared by the workers); the
others wait and reuse it. The generator is deterministic (``test_same_seed_same_bytes``),
so a shared world is the very world each would have generated. Tests must not write into
a shared world's folder: copy it first.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import pickle
import shutil
from pathlib import Path

import pytest

from immigrationos.synth.world import WorldSummary, generate_world


def _cache_root(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp()
    # Under xdist each worker's basetemp is a folder of the run's own (fresh) basetemp;
    # without it, the basetemp itself is this run's and no one else's.
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "shared-worlds"
    folder.mkdir(exist_ok=True)
    return folder


def shared_world(
    factory: pytest.TempPathFactory,
    *,
    persons: int,
    seed: int,
    as_of: dt.date,
    malformed_rate: float = 0.0,
) -> tuple[Path, WorldSummary]:
    """Return the folder and summary of this world, generating it only once per run."""
    root = _cache_root(factory)
    name = f"p{persons}-s{seed}-{as_of.isoformat()}-m{malformed_rate!r}"
    folder = root / name
    summary_file = root / f"{name}.pickle"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # The summary is written last: without it, the folder is not (yet) a whole world.
            if not summary_file.exists():
                shutil.rmtree(folder, ignore_errors=True)
                summary = generate_world(
                    persons=persons,
                    seed=seed,
                    as_of=as_of,
                    out_dir=folder,
                    malformed_rate=malformed_rate,
                )
                summary_file.write_bytes(pickle.dumps(summary))
            summary = pickle.loads(summary_file.read_bytes())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder, summary
