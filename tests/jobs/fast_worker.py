"""``imos jobs worker`` as a subprocess of the tests, resolving with the FAST backend.

Run as ``python tests/jobs/fast_worker.py ARGS...``: the same command line, with
resolution's training samples made smaller (as tests/resolution's FAST) so that a job
takes seconds, not minutes, on a loaded test machine.
"""

from __future__ import annotations

import sys

from immigrationos.cli import app
from immigrationos.resolution import resolve_flows
from immigrationos.resolution.splink_backend import SplinkDuckDBBackend
from immigrationos.resolution.training import TrainingOptions

if __name__ == "__main__":
    fast = SplinkDuckDBBackend(training=TrainingOptions(u_max_pairs=1e5, em_max_pairs=1e5))
    resolve_flows.get_backend = lambda name=None: fast  # type: ignore[assignment]
    app(["jobs", "worker", *sys.argv[1:]])
